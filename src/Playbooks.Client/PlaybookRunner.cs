using System.ClientModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Playbooks.Client;

public sealed record RunnerOptions
{
    /// <summary>Model turns before the run is ended as cancelled.</summary>
    public int MaxTurns { get; init; } = 20;

    /// <summary>What the runtime says to the buddy to start.</summary>
    public string Kickoff { get; init; } = "Start the run now. Report every lead you contact with report_outcome, and call finish_run when the run is done.";
}

/// <summary>One tool call of the buddy and what came back to it.</summary>
public sealed record ToolCall(string Name, string Arguments, string Result);

/// <summary>How a run ended: by the buddy (finish_run), the turn limit, an interruption, or an error.</summary>
public sealed record RunResult(Run Run, string EndedBy, IReadOnlyList<ToolCall> ToolCalls);

/// <summary>
/// Executes a playbook: records the run, fetches the evaluation, builds the prompt and chats with
/// the buddy through any <see cref="IChatClient"/>, turning its tool calls into API calls. The run
/// it started is always ended: by the buddy, or as cancelled on the turn limit or an interruption,
/// or as failed on an error.
/// </summary>
public sealed class PlaybookRunner(PlaybooksClient api, IChatClient chat, RunnerOptions? options = null)
{
    /// <summary>The key in <see cref="Exception.Data"/> of an error that ended a run as failed: the run's id.</summary>
    public const string FailedRunIdKey = "Playbooks.FailedRunId";

    private readonly RunnerOptions options = options ?? new RunnerOptions();

    /// <summary>An <see cref="IChatClient"/> for any OpenAI-compatible chat completions endpoint.</summary>
    public static IChatClient OpenAICompatible(Uri endpoint, string model, string? apiKey) =>
        new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "none" : apiKey), new OpenAIClientOptions { Endpoint = endpoint })
            .AsIChatClient();

    /// <summary>The prompt a run would start with, without starting one (for a dry run).</summary>
    public async Task<string> PreviewAsync(string playbookId, CancellationToken cancellationToken = default)
    {
        var playbook = await api.GetPlaybookAsync(playbookId, cancellationToken);
        var evaluation = await api.EvaluateAsync(playbookId, cancellationToken);
        return PromptBuilder.Build(playbook, evaluation, run: null);
    }

    public async Task<RunResult> RunAsync(string playbookId, CancellationToken cancellationToken = default)
    {
        var playbook = await api.GetPlaybookAsync(playbookId, cancellationToken);
        var run = await api.StartRunAsync(playbookId, cancellationToken: cancellationToken);
        var session = new Session(api, playbookId, run.Id);
        try
        {
            var evaluation = await api.EvaluateAsync(playbookId, cancellationToken);
            List<ChatMessage> messages =
            [
                new(ChatRole.System, PromptBuilder.Build(playbook, evaluation, run)),
                new(ChatRole.User, options.Kickoff),
            ];
            var tools = session.Tools();
            var chatOptions = new ChatOptions { Tools = [.. tools.Values] };

            for (var turn = 0; turn < options.MaxTurns; turn++)
            {
                var response = await chat.GetResponseAsync(messages, chatOptions, cancellationToken);
                messages.AddRange(response.Messages);
                var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
                if (calls.Count == 0)
                {
                    messages.Add(new ChatMessage(ChatRole.User, "Use the tools to report what you did, and call finish_run when the run is done."));
                    continue;
                }
                foreach (var call in calls)
                {
                    var result = await session.InvokeAsync(tools, call, cancellationToken);
                    messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, result)]));
                }
                if (session.Finished is { } finished)
                {
                    return new RunResult(finished, "buddy", session.Calls);
                }
            }
            var limited = await api.EndRunAsync(playbookId, run.Id, "cancelled", $"The buddy did not finish within {options.MaxTurns} turns.", CancellationToken.None);
            return new RunResult(limited, "turn_limit", session.Calls);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await EndUnlessEndedAsync(session, "cancelled", "The run was interrupted.");
            throw;
        }
        catch (Exception exception) when (session.Finished is null)
        {
            await EndUnlessEndedAsync(session, "failed", $"The runtime failed: {exception.Message}");
            // The caller can say which run the error ended.
            exception.Data[FailedRunIdKey] = run.Id;
            throw;
        }
    }

    private async Task EndUnlessEndedAsync(Session session, string status, string note)
    {
        if (session.Finished is not null)
        {
            return;
        }
        try
        {
            await api.EndRunAsync(session.PlaybookId, session.RunId, status, note[..Math.Min(note.Length, 2000)], CancellationToken.None);
        }
        catch (PlaybooksApiException exception) when (exception.Code == "run_not_running")
        {
            // Ended meanwhile (by the buddy's last call, or another client): nothing left to do.
        }
    }

    /// <summary>The four tools of one run, each backed by its API call.</summary>
    private sealed class Session(PlaybooksClient api, string playbookId, string runId)
    {
        public string PlaybookId => playbookId;
        public string RunId => runId;
        public Run? Finished { get; private set; }
        public List<ToolCall> Calls { get; } = [];

        public Dictionary<string, AIFunction> Tools() => new[]
        {
            AIFunctionFactory.Create(ReportOutcome, "report_outcome", "Report a batch of contacted leads: samples (leads contacted), successes, and value for value metrics."),
            AIFunctionFactory.Create(GetEvaluation, "get_evaluation", "Read the current evidence, its state and whether a pivot is allowed now."),
            AIFunctionFactory.Create(ProposePivot, "propose_pivot", "Propose a strategy change with a reason; strategy holds only the fields to change (hypothesis, channels, kind, successMetric, successTarget)."),
            AIFunctionFactory.Create(FinishRun, "finish_run", "End the run: status is completed, failed or cancelled; note says what happened."),
        }.ToDictionary(f => f.Name);

        public async Task<string> InvokeAsync(Dictionary<string, AIFunction> tools, FunctionCallContent call, CancellationToken cancellationToken)
        {
            var arguments = JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>());
            string result;
            if (!tools.TryGetValue(call.Name, out var tool))
            {
                result = $"There is no tool named {call.Name}. The tools are: {string.Join(", ", tools.Keys)}.";
            }
            else
            {
                try
                {
                    result = (await tool.InvokeAsync(new AIFunctionArguments(call.Arguments), cancellationToken))?.ToString() ?? "";
                }
                catch (PlaybooksApiException refused)
                {
                    // The API said no (a pivot guard, a bad report): the buddy hears why and goes on.
                    result = Refusal(refused);
                }
                catch (Exception invalid) when (invalid is ArgumentException or JsonException or InvalidOperationException)
                {
                    result = $"The arguments were not understood: {invalid.Message}";
                }
            }
            Calls.Add(new ToolCall(call.Name, arguments, result));
            return result;
        }

        private async Task<string> ReportOutcome(int samples, int successes, double? value = null, CancellationToken cancellationToken = default)
        {
            var run = await api.ReportOutcomeAsync(playbookId, runId, new OutcomeReport(samples, successes, value), cancellationToken: cancellationToken);
            return $"Recorded. The run now has {run.Metrics.Samples} samples and {run.Metrics.Successes} successes (metric value {run.Metrics.MetricValue}).";
        }

        private async Task<string> GetEvaluation(CancellationToken cancellationToken = default) =>
            JsonSerializer.Serialize(await api.EvaluateAsync(playbookId, cancellationToken), PlaybooksClient.Json);

        private async Task<string> ProposePivot(string reason, JsonElement strategy, CancellationToken cancellationToken = default)
        {
            if (strategy.ValueKind != JsonValueKind.Object)
            {
                return "The strategy must be an object with the fields to change.";
            }
            var result = await api.PivotAsync(playbookId, reason, JsonNode.Parse(strategy.GetRawText())!.AsObject(), cancellationToken: cancellationToken);
            return $"Pivot accepted: the playbook is now at version {result.Playbook.Version} with hypothesis {PromptBuilder.Quote(result.Playbook.Strategy.Hypothesis)}. "
                + "The evidence starts again for the new strategy.";
        }

        private async Task<string> FinishRun(string status, string? note = null, CancellationToken cancellationToken = default)
        {
            Finished = await api.EndRunAsync(playbookId, runId, status, note, cancellationToken);
            return $"The run is {Finished.Status}.";
        }

        private static string Refusal(PlaybooksApiException refused)
        {
            var fields = refused.Errors.Count == 0 ? "" : " " + string.Join("; ", refused.Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));
            return $"Refused ({refused.Code}): {refused.Detail ?? refused.Title}{fields}";
        }
    }
}
