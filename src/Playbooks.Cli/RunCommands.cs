using System.CommandLine;
using System.Globalization;
using Playbooks.Client;
using Spectre.Console;

namespace Playbooks.Cli;

/// <summary>runs, run, outcome, end, evaluate, stats, pivots.</summary>
public static class RunCommands
{
    public static IEnumerable<Command> All()
    {
        var id = new Argument<string>("id") { Description = "Playbook id (pb_...)" };
        var runId = new Argument<string>("runId") { Description = "Run id (run_...)" };

        var status = new Option<string?>("--status") { Description = "Only runs with this status (running, completed, failed, cancelled)" };
        var runs = new Command("runs", "List a playbook's runs, oldest first") { id, status };
        runs.SetAction(Cli.With(async (c, ct) =>
        {
            var all = await c.CollectAsync(null, (pageSize, cursor) => c.Client.ListRunsAsync(c.Get(id), new ListOptions(pageSize, cursor, c.Get(status)), ct));
            c.PrintList(all, "runs", Output.Runs);
        }));
        yield return runs;

        var start = new Command("start", "Record that a run started, for an agent that runs elsewhere; prints the run") { id };
        start.SetAction(Cli.With(async (c, ct) => c.Print(await c.Client.StartRunAsync(c.Get(id), cancellationToken: ct), Output.Run)));
        yield return start;

        var dryRun = new Option<bool>("--dry-run") { Description = "Print the buddy's prompt only: no run is recorded, no chat is opened" };
        var endpoint = new Option<string?>("--chat-endpoint") { Description = "OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 [env PLAYBOOKS_CHAT_ENDPOINT]" };
        var model = new Option<string?>("--model") { Description = "Chat model name [env PLAYBOOKS_CHAT_MODEL]" };
        var chatKey = new Option<string?>("--chat-key") { Description = "API key of the chat endpoint, if it needs one [env PLAYBOOKS_CHAT_API_KEY]" };
        var maxTurns = new Option<int>("--max-turns") { Description = "Model turns before the run is ended as cancelled", DefaultValueFactory = _ => 20 };
        var run = new Command("run", "Execute a playbook: record a run and chat with its buddy until it finishes") { id, dryRun, endpoint, model, chatKey, maxTurns };
        run.SetAction(Cli.With(async (c, ct) =>
        {
            if (c.Get(dryRun))
            {
                var prompt = await new PlaybookRunner(c.Client, NoChat.Instance).PreviewAsync(c.Get(id), ct);
                c.PrintOwn(new { prompt }, p => Console.Out.Write(p.prompt));
                return;
            }
            var address = c.Get(endpoint) ?? Environment.GetEnvironmentVariable("PLAYBOOKS_CHAT_ENDPOINT");
            var modelName = c.Get(model) ?? Environment.GetEnvironmentVariable("PLAYBOOKS_CHAT_MODEL");
            if (!Uri.TryCreate(address, UriKind.Absolute, out var chatEndpoint) || string.IsNullOrEmpty(modelName))
            {
                throw new Cli.UsageException("A run needs a chat endpoint and a model: --chat-endpoint and --model (or PLAYBOOKS_CHAT_ENDPOINT and PLAYBOOKS_CHAT_MODEL), or --dry-run.");
            }
            using var chat = new ChatEndpoint(PlaybookRunner.OpenAICompatible(chatEndpoint, modelName, c.Get(chatKey) ?? Environment.GetEnvironmentVariable("PLAYBOOKS_CHAT_API_KEY")), chatEndpoint);
            RunResult result;
            try
            {
                result = await new PlaybookRunner(c.Client, chat, new RunnerOptions { MaxTurns = c.Get(maxTurns) }).RunAsync(c.Get(id), ct);
            }
            catch (ChatEndpoint.Failure failure)
            {
                var ended = failure.Data[PlaybookRunner.FailedRunIdKey] is string runId ? $"Run {runId} ended as failed: " : "";
                var message = ended + failure.Message;
                throw failure.Unreachable ? new Cli.CannotReachException(message) : new Cli.RefusedException(message);
            }
            c.PrintOwn(result, r =>
            {
                foreach (var call in r.ToolCalls)
                {
                    Cli.Out.WriteLine($"{call.Name}({call.Arguments}) -> {call.Result}");
                }
                Output.Run(r.Run);
                Cli.Out.WriteLine($"Run {r.Run.Id} ended {r.Run.Status} ({r.EndedBy}).");
            });
        }));
        yield return run;

        var samples = new Option<int>("--samples") { Description = "Leads contacted", Required = true };
        var successes = new Option<int>("--successes") { Description = "Leads that succeeded", Required = true };
        var value = new Option<double?>("--value") { Description = "Value, for pipeline_arr and custom metrics" };
        var at = new Option<DateTimeOffset?>("--at") { Description = "When it happened (ISO 8601; default now)" };
        var outcome = new Command("outcome", "Report outcomes of a running run") { runId, samples, successes, value, at };
        outcome.SetAction(Cli.With(async (c, ct) =>
        {
            var existing = await c.Client.GetRunAsync(c.Get(runId), ct);
            var report = new OutcomeReport(c.Get(samples), c.Get(successes), c.Get(value), c.Get(at));
            c.Print(await c.Client.ReportOutcomeAsync(existing.PlaybookId, existing.Id, report, cancellationToken: ct), Output.Run);
        }));
        yield return outcome;

        var endStatus = new Option<string>("--status") { Description = "completed, failed or cancelled", DefaultValueFactory = _ => "completed" };
        var note = new Option<string?>("--note") { Description = "What happened" };
        var end = new Command("end", "End a running run") { runId, endStatus, note };
        end.SetAction(Cli.With(async (c, ct) =>
        {
            var existing = await c.Client.GetRunAsync(c.Get(runId), ct);
            c.Print(await c.Client.EndRunAsync(existing.PlaybookId, existing.Id, c.Get(endStatus), c.Get(note), ct), Output.Run);
        }));
        yield return end;

        var evaluate = new Command("evaluate", "Judge the evidence: the adaptation state, with a chart of the evidence against the target") { id };
        evaluate.SetAction(Cli.With(async (c, ct) => c.Print(await c.Client.EvaluateAsync(c.Get(id), ct), Output.Evaluation)));
        yield return evaluate;

        var bucket = new Option<string>("--bucket") { Description = "hour, day or week", DefaultValueFactory = _ => "day" };
        var from = new Option<DateTimeOffset?>("--from") { Description = "Start (ISO 8601)" };
        var to = new Option<DateTimeOffset?>("--to") { Description = "End (ISO 8601; default now)" };
        var stats = new Command("stats", "Outcomes over time, as a terminal chart") { id, bucket, from, to };
        stats.SetAction(Cli.With(async (c, ct) => c.Print(await c.Client.GetStatsAsync(c.Get(id), c.Get(bucket), c.Get(from), c.Get(to), ct), Output.Stats)));
        yield return stats;

        var pivots = new Command("pivots", "List a playbook's pivots, oldest first") { id };
        pivots.SetAction(Cli.With(async (c, ct) =>
        {
            var all = await c.CollectAsync(null, (pageSize, cursor) => c.Client.ListPivotsAsync(c.Get(id), new ListOptions(pageSize, cursor), ct));
            c.PrintList(all, "pivots", Output.Pivots);
        }));
        yield return pivots;
    }

    /// <summary>
    /// The chat endpoint's failures as one sentence that names the endpoint: unreachable (no answer at all),
    /// or an answer that is an error or is not understood. The run is ended as failed with that sentence as its note.
    /// </summary>
    private sealed class ChatEndpoint(Microsoft.Extensions.AI.IChatClient inner, Uri address) : Microsoft.Extensions.AI.DelegatingChatClient(inner)
    {
        public sealed class Failure(string message, bool unreachable, Exception inner) : Exception(message, inner)
        {
            public bool Unreachable { get; } = unreachable;
        }

        public override async Task<Microsoft.Extensions.AI.ChatResponse> GetResponseAsync(
            IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            try
            {
                return await base.GetResponseAsync(messages, options, cancellationToken);
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested)
            {
                throw Describe(error);
            }
        }

        private Failure Describe(Exception error)
        {
            if (error is System.ClientModel.ClientResultException { Status: > 0 } answered)
            {
                var reason = answered.GetRawResponse()?.ReasonPhrase;
                return new Failure($"the chat endpoint {address} answered {answered.Status}{(string.IsNullOrEmpty(reason) ? "" : $" ({reason})")}.", false, error);
            }
            for (var e = error; e is not null; e = e.InnerException)
            {
                if (e is HttpRequestException { StatusCode: null } or System.Net.Sockets.SocketException or TimeoutException or TaskCanceledException)
                {
                    return new Failure($"cannot reach the chat endpoint {address}: {Cli.Describe(e)}", true, error);
                }
            }
            return new Failure($"the chat endpoint {address} gave an answer that could not be used: {Cli.Describe(error)}", false, error);
        }
    }

    /// <summary>Stands in for a chat client where none is used (a dry run only builds the prompt).</summary>
    private sealed class NoChat : Microsoft.Extensions.AI.IChatClient
    {
        public static readonly NoChat Instance = new();

        public Task<Microsoft.Extensions.AI.ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("A dry run does not chat.");

        public IAsyncEnumerable<Microsoft.Extensions.AI.ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("A dry run does not chat.");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
