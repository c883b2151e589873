using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.Client;

namespace Playbooks.Client.Tests;

/// <summary>The runner between the real API pipeline and a scripted OpenAI-compatible chat server.</summary>
public sealed class RunnerTests : IAsyncLifetime
{
    private readonly PlaybooksApp app = new(Provider.Sqlite);
    private FakeChatServer chat = null!;
    private PlaybooksClient client = null!;
    private string playbookId = "";

    public async Task InitializeAsync()
    {
        chat = await FakeChatServer.StartAsync();
        var tenant = await app.NewTenantAsync();
        client = new PlaybooksClient(tenant.Client);
        playbookId = (await client.CreatePlaybookAsync(new JsonObject
        {
            ["name"] = "Series B SaaS",
            ["mode"] = "outbound",
            ["buddyId"] = "prospect",
            ["strategy"] = new JsonObject { ["hypothesis"] = "Heads of growth book meetings", ["successMetric"] = "meeting_booked", ["successTarget"] = 3 },
        })).Id;
    }

    public async Task DisposeAsync()
    {
        await chat.DisposeAsync();
        app.Dispose();
    }

    private PlaybookRunner Runner(int maxTurns = 10) =>
        new(client, PlaybookRunner.OpenAICompatible(chat.Endpoint, "fake-model", apiKey: null), new RunnerOptions { MaxTurns = maxTurns });

    private static IEnumerable<JsonObject> Messages(JsonObject request) => request["messages"]!.AsArray().Select(m => m!.AsObject());

    [Fact]
    public async Task Each_tool_call_becomes_its_api_call_and_a_refused_pivot_comes_back_as_a_message()
    {
        chat.ToolCall("report_outcome", new { samples = 30, successes = 1 })
            .ToolCall("get_evaluation", new { })
            .ToolCall("propose_pivot", new { reason = "Nobody books", strategy = new { hypothesis = "CFOs book meetings" } })
            .ToolCall("finish_run", new { status = "completed", note = "30 leads contacted" });

        var result = await Runner().RunAsync(playbookId);

        Assert.Equal("buddy", result.EndedBy);
        Assert.Equal(["report_outcome", "get_evaluation", "propose_pivot", "finish_run"], result.ToolCalls.Select(c => c.Name));
        var run = await client.GetRunAsync(result.Run.Id);
        Assert.Equal(("completed", "30 leads contacted"), (run.Status, run.Note));
        Assert.Equal((30L, 1L), (run.Metrics.Samples, run.Metrics.Successes));
        var playbook = await client.GetPlaybookAsync(playbookId);
        Assert.Equal(("Heads of growth book meetings", 1L), (playbook.Strategy.Hypothesis, playbook.Version));
        Assert.Empty((await client.ListPivotsAsync(playbookId)).Items);

        // What the buddy was sent: the prompt and the four tools first, then each tool's answer.
        var first = chat.Requests[0];
        Assert.Equal("fake-model", first["model"]!.GetValue<string>());
        Assert.Contains("## Reporting protocol", Messages(first).First()["content"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal(["report_outcome", "get_evaluation", "propose_pivot", "finish_run"],
            first["tools"]!.AsArray().Select(t => t!["function"]!["name"]!.GetValue<string>()));
        Assert.Contains("30 samples", ToolAnswer(chat.Requests[1]), StringComparison.Ordinal);
        Assert.Contains("\"state\":\"collecting\"", ToolAnswer(chat.Requests[2]), StringComparison.Ordinal);
        var refusal = ToolAnswer(chat.Requests[3]);
        Assert.StartsWith("Refused (insufficient_samples)", refusal, StringComparison.Ordinal);
        Assert.Equal(4, chat.Requests.Count);
    }

    [Fact]
    public async Task An_accepted_pivot_changes_the_strategy_as_a_pivot_version()
    {
        await client.UpdatePlaybookAsync(playbookId, new JsonObject { ["adaptation"] = new JsonObject { ["minSampleSize"] = 1, ["pivotWindowDays"] = 1 } });
        app.Clock.Advance(TimeSpan.FromDays(2));
        chat.ToolCall("report_outcome", new { samples = 40, successes = 0 })
            .ToolCall("propose_pivot", new { reason = "0 of 40", strategy = new { hypothesis = "CFOs book meetings" } })
            .ToolCall("finish_run", new { status = "completed" });

        var result = await Runner().RunAsync(playbookId);

        Assert.StartsWith("Pivot accepted", result.ToolCalls[1].Result, StringComparison.Ordinal);
        var playbook = await client.GetPlaybookAsync(playbookId);
        Assert.Equal("CFOs book meetings", playbook.Strategy.Hypothesis);
        var versions = await client.ListAllVersionsAsync(playbookId).ToListAsync();
        Assert.Equal("pivot", versions[^1].Change);
    }

    [Fact]
    public async Task Bad_tool_arguments_and_unknown_tools_come_back_as_messages()
    {
        chat.ToolCall("report_outcome", new { samples = 5, successes = 9 })
            .ToolCall("send_email", new { to = "ceo@example.com" })
            .ToolCall("finish_run", new { status = "completed" });

        var result = await Runner().RunAsync(playbookId);

        Assert.StartsWith("Refused (validation_failed)", result.ToolCalls[0].Result, StringComparison.Ordinal);
        Assert.Contains("successes", result.ToolCalls[0].Result, StringComparison.Ordinal);
        Assert.StartsWith("There is no tool named send_email", result.ToolCalls[1].Result, StringComparison.Ordinal);
        Assert.Equal("completed", (await client.GetRunAsync(result.Run.Id)).Status);
    }

    [Fact]
    public async Task At_the_turn_limit_the_run_ends_cancelled()
    {
        chat.Text("Let me think.").Text("Still thinking.").Text("Almost there.");

        var result = await Runner(maxTurns: 3).RunAsync(playbookId);

        Assert.Equal("turn_limit", result.EndedBy);
        var run = await client.GetRunAsync(result.Run.Id);
        Assert.Equal("cancelled", run.Status);
        Assert.Contains("3 turns", run.Note, StringComparison.Ordinal);
        Assert.Equal(3, chat.Requests.Count);
    }

    [Fact]
    public async Task An_interrupted_chat_ends_the_run_cancelled()
    {
        chat.ToolCall("report_outcome", new { samples = 12, successes = 2 }).Hang();
        using var interrupt = new CancellationTokenSource();

        var running = Runner().RunAsync(playbookId, interrupt.Token);
        await chat.Hanging.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await interrupt.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        var run = (await client.ListAllRunsAsync(playbookId).ToListAsync()).Single();
        Assert.Equal(("cancelled", "The run was interrupted."), (run.Status, run.Note));
        Assert.Equal(12, run.Metrics.Samples);
    }

    [Fact]
    public async Task A_chat_endpoint_error_ends_the_run_failed()
    {
        chat.Error(400);

        await Assert.ThrowsAnyAsync<Exception>(() => Runner().RunAsync(playbookId));

        var run = (await client.ListAllRunsAsync(playbookId).ToListAsync()).Single();
        Assert.Equal("failed", run.Status);
        Assert.StartsWith("The runtime failed", run.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_previews_the_prompt_without_recording_a_run()
    {
        var prompt = await Runner().PreviewAsync(playbookId);

        Assert.Contains("Hypothesis to test: \"Heads of growth book meetings\"", prompt, StringComparison.Ordinal);
        Assert.Empty(await client.ListAllRunsAsync(playbookId).ToListAsync());
        Assert.Empty(chat.Requests);
    }

    /// <summary>The content of the last tool message of a request: what the buddy heard back from its last call.</summary>
    private static string ToolAnswer(JsonObject request) =>
        Messages(request).Last(m => m["role"]!.GetValue<string>() == "tool")["content"]!.ToString();
}
