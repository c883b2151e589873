using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Cli.Tests;

/// <summary>What a user sees: exit codes as documented, one line instead of a stack trace, tables that fit a terminal, and --json as the API wrote it.</summary>
public sealed partial class CliTests
{
    private const string LongName = "Series B SaaS heads of growth in Berlin, Munich and Hamburg, Q3";

    [Theory]
    [InlineData("Cannot parse argument 'abc' for option '--limit'", "list", "--limit", "abc")]
    [InlineData("Unrecognized command or argument 'no-such-command'", "no-such-command")]
    [InlineData("Unrecognized command or argument '--colour'", "list", "--colour")]
    [InlineData("Required argument missing for command: 'get'", "get")]
    [InlineData("Option '--samples' is required", "outcome", "run_x", "--successes", "1")]
    [InlineData("Argument 'lost' not recognized", "webhooks", "deliveries", "wh_x", "--status", "lost")]
    public async Task Usage_errors_the_parser_finds_exit_2_with_its_message_on_stderr(string message, params string[] args)
    {
        var result = await new CliProcess(server.BaseAddress, "pbt_not_needed").RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Contains("--help' for usage.", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task A_chat_endpoint_that_cannot_be_reached_fails_the_run_with_one_line_and_exit_3()
    {
        var (_, token, cli) = await TenantWithTokenAsync();
        using var http = server.Client(token);
        var playbook = await http.CreatePlaybookAsync();

        var result = await cli.RunAsync("run", playbook.Id(), "--chat-endpoint", $"http://127.0.0.1:{ClosedPort()}/v1", "--model", "m");

        Assert.Equal(3, result.ExitCode);
        AssertOneLine(result.Error);
        Assert.Contains("cannot reach the chat endpoint", result.Error, StringComparison.Ordinal);
        var run = (await (await http.GetAsync($"/v1/playbooks/{playbook.Id()}/runs")).BodyAsync())["runs"]!.AsArray().Single()!;
        Assert.Contains(run.Id(), result.Error, StringComparison.Ordinal);
        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.Contains("cannot reach the chat endpoint", run["note"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(404, "{\"error\":{\"message\":\"model not found\"}}", "answered 404")]
    [InlineData(500, "oops", "answered 500")]
    [InlineData(200, "<html>not a completion</html>", "could not be used")]
    public async Task A_chat_endpoint_that_answers_with_an_error_fails_the_run_with_one_line_and_exit_1(int status, string body, string why)
    {
        var (_, token, cli) = await TenantWithTokenAsync();
        using var http = server.Client(token);
        var playbook = await http.CreatePlaybookAsync();
        using var chat = FixedAnswer(status, body);

        var result = await cli.RunAsync("run", playbook.Id(), "--chat-endpoint", chat.Prefixes.Single() + "v1", "--model", "m");

        Assert.Equal(1, result.ExitCode);
        AssertOneLine(result.Error);
        Assert.Contains(why, result.Error, StringComparison.Ordinal);
        var run = (await (await http.GetAsync($"/v1/playbooks/{playbook.Id()}/runs")).BodyAsync())["runs"]!.AsArray().Single()!;
        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.Contains(why, run["note"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expected_failures_print_one_line_never_a_stack_trace()
    {
        var (_, token, cli) = await TenantWithTokenAsync();

        var missing = await cli.RunAsync("create", "-f", Path.Combine(directory, "no-such-file.json"));
        Assert.Equal(2, missing.ExitCode);
        AssertOneLine(missing.Error);
        Assert.Contains("Cannot read", missing.Error, StringComparison.Ordinal);

        var invalid = await cli.RunWithInputAsync("{ \"name\": ", "create", "-f", "-");
        Assert.Equal(2, invalid.ExitCode);
        AssertOneLine(invalid.Error);
        Assert.Contains("is not valid JSON", invalid.Error, StringComparison.Ordinal);

        // A server that takes the connection and closes it without an answer.
        using var closing = new TcpListener(IPAddress.Loopback, 0);
        closing.Start();
        var accepting = Task.Run(async () =>
        {
            while (true)
            {
                using var socket = await closing.AcceptSocketAsync();
                socket.Close();
            }
        });
        var closed = await new CliProcess(new Uri($"http://127.0.0.1:{((IPEndPoint)closing.LocalEndpoint).Port}/"), token).RunAsync("list");
        Assert.Equal(3, closed.ExitCode);
        AssertOneLine(closed.Error);
        Assert.StartsWith("Cannot reach http://127.0.0.1:", closed.Error, StringComparison.Ordinal);

        // Something that is not the API answers 200 with a page of HTML.
        using var notApi = FixedAnswer(200, "<html>hello</html>");
        var strange = await new CliProcess(new Uri(notApi.Prefixes.Single()), token).RunAsync("list");
        Assert.Equal(1, strange.ExitCode);
        AssertOneLine(strange.Error);
        Assert.StartsWith("Error: ", strange.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tables_fit_an_80_column_terminal_and_never_split_an_id()
    {
        var (workspaceId, token, cli) = await TenantWithTokenAsync();
        using var http = server.Client(token);
        var playbook = await http.CreatePlaybookAsync(new
        {
            name = LongName, mode = "outbound", buddyId = "prospect",
            strategy = new { hypothesis = "Heads of growth book meetings when we mention their last funding round and hiring plans", successMetric = "meeting_booked", successTarget = 3 },
        });
        var id = playbook.Id();
        (await http.PutJsonAsync($"/v1/playbooks/{id}", """{ "strategy": { "channels": ["email", "linkedin"] }, "adaptation": { "minSampleSize": 80 } }""")).EnsureSuccessStatusCode();
        var run = (await (await http.PostAsync($"/v1/playbooks/{id}/run", null)).BodyAsync())["run"]!;
        (await http.PostAsync($"/v1/playbooks/{id}/runs/{run.Id()}/outcomes", Http.Json("""{ "samples": 60, "successes": 1 }"""))).EnsureSuccessStatusCode();
        var webhook = (await (await http.PostAsync("/v1/webhooks", Http.Json("""
            { "url": "http://127.0.0.1:9/hooks/a-rather-long-path/that-goes-on-and-on/for-a-while", "description": "Relays every event to the sales team's channel, with a long description" }
            """))).BodyAsync())["webhook"]!;
        var delivery = (await (await http.PostAsync($"/v1/webhooks/{webhook.Id()}/ping", null)).BodyAsync())["delivery"]!;
        var events = (await (await http.GetAsync("/v1/events")).BodyAsync())["events"]!.AsArray().Select(e => e!.Id()).ToList();

        var screens = new (string[] Args, string[] Ids)[]
        {
            (["list"], [id]),
            (["get", id], [id]),
            (["runs", id], [run.Id()]),
            (["versions", id], []),
            (["evaluate", id], []),
            (["stats", id], []),
            (["events"], [.. events, id, run.Id()]),
            (["webhooks", "list"], [webhook.Id()]),
            (["webhooks", "get", webhook.Id()], [webhook.Id()]),
            (["webhooks", "deliveries", webhook.Id()], [delivery.Id()]),
        };
        foreach (var (args, ids) in screens)
        {
            var screen = await cli.RunInTerminalAsync(80, args);
            AssertFits(screen, 80, ids, string.Join(' ', args));
        }
        var workspaces = await Admin.RunInTerminalAsync(80, "admin", "workspace", "list");
        AssertFits(workspaces, 80, [workspaceId], "admin workspace list");
        var tokens = await Admin.RunInTerminalAsync(80, "admin", "token", "list");
        AssertFits(tokens, 80, [workspaceId], "admin token list");

        var versions = await cli.RunInTerminalAsync(80, "versions", id);
        Assert.Contains("strategy.channels, adaptation.minSampleSize", versions.Out, StringComparison.Ordinal);
        var evaluation = await cli.RunInTerminalAsync(80, "evaluate", id);
        Assert.Contains("60 samples, 1 success\n", evaluation.Out, StringComparison.Ordinal);
        Assert.Contains("1 run from", (await cli.RunInTerminalAsync(80, "stats", id)).Out, StringComparison.Ordinal);
        // The name is cut, not wrapped, and what is cut says so.
        Assert.Contains("…", (await cli.RunInTerminalAsync(80, "list")).Out, StringComparison.Ordinal);
        // A wide terminal shows it all.
        Assert.Contains(LongName, (await cli.RunInTerminalAsync(200, "list")).Out, StringComparison.Ordinal);
        // Far too narrow for a table: each row as a block under its id.
        AssertFits(await cli.RunInTerminalAsync(40, "runs", id), 40, [run.Id()], "runs at 40 columns");
        AssertFits(await cli.RunInTerminalAsync(50, "events"), 50, [.. events, id, run.Id()], "events at 50 columns");
    }

    [Fact]
    public async Task Empty_lists_say_so()
    {
        var (_, token, cli) = await TenantWithTokenAsync();

        Assert.Equal("No events.\n", (await cli.RunAsync("events")).Out);
        Assert.Equal("No playbooks.\n", (await cli.RunAsync("list")).Out);
        Assert.Equal("No webhooks.\n", (await cli.RunAsync("webhooks", "list")).Out);
        using var http = server.Client(token);
        var id = (await http.CreatePlaybookAsync()).Id();
        Assert.Equal("No runs.\n", (await cli.RunAsync("runs", id)).Out);
        Assert.Equal("No pivots.\n", (await cli.RunAsync("pivots", id)).Out);
        Assert.StartsWith("No outcomes: 0 samples, 0 successes, 0 runs", (await cli.RunAsync("stats", id)).Out, StringComparison.Ordinal);
        Assert.Equal("No playbooks.\n", (await cli.RunAsync("list", "--status", "archived")).Out);
    }

    [Fact]
    public async Task Json_output_is_the_body_the_API_sends_for_the_same_request()
    {
        var (workspaceId, token, cli) = await TenantWithTokenAsync();
        using var http = server.Client(token);
        var id = (await http.CreatePlaybookAsync()).Id();
        for (var i = 0; i < 2; i++)
        {
            await http.CreatePlaybookAsync();
        }
        var run = (await (await http.PostAsync($"/v1/playbooks/{id}/run", null)).BodyAsync())["run"]!;
        (await http.PostAsync($"/v1/playbooks/{id}/runs/{run.Id()}/outcomes", Http.Json("""{ "samples": 5, "successes": 1 }"""))).EnsureSuccessStatusCode();
        var webhookId = (await (await http.PostAsync("/v1/webhooks", Http.Json("""{ "url": "http://127.0.0.1:9/hooks" }"""))).BodyAsync())["webhook"]!.Id();
        var from = DateTimeOffset.UtcNow.AddDays(-2).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var to = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        var same = new (string[] Args, string Url)[]
        {
            (["get", id], $"/v1/playbooks/{id}"),
            (["list"], "/v1/playbooks?limit=100"),
            (["list", "--limit", "2"], "/v1/playbooks?limit=2"),
            (["runs", id], $"/v1/playbooks/{id}/runs"),
            (["stats", id, "--bucket", "hour", "--from", from, "--to", to], $"/v1/playbooks/{id}/stats?bucket=hour&from={from}&to={to}"),
            (["events"], "/v1/events?limit=100"),
            (["webhooks", "get", webhookId], $"/v1/webhooks/{webhookId}"),
            (["webhooks", "list"], "/v1/webhooks"),
            (["versions", id], $"/v1/playbooks/{id}/versions"),
            (["pivots", id], $"/v1/playbooks/{id}/pivots"),
            (["webhooks", "deliveries", webhookId], $"/v1/webhooks/{webhookId}/deliveries?limit=100"),
        };
        foreach (var (args, url) in same)
        {
            await AssertPrintsWhatTheApiAnswersAsync(cli, http, args, url);
        }

        // Nulls are kept, as the API writes them.
        Assert.Contains("\"endedAt\": null", (await cli.RunAsync("runs", id, "--json")).Out, StringComparison.Ordinal);
        // More remain past --limit: the cursor to go on from is there.
        Assert.NotNull((await cli.RunAsync("list", "--limit", "2", "--json")).Json["nextCursor"]);

        // The evaluation is made at each call: all but the moment it was made is the same.
        var evaluation = (await cli.RunAsync("evaluate", id, "--json")).Json.AsObject();
        var evaluated = (await (await http.GetAsync($"/v1/playbooks/{id}/adaptation")).BodyAsync()).AsObject();
        evaluation["evaluation"]!.AsObject().Remove("evaluatedAt");
        evaluated["evaluation"]!.AsObject().Remove("evaluatedAt");
        Assert.True(JsonNode.DeepEquals(evaluated, evaluation), $"evaluate --json printed {evaluation} but the API answered {evaluated}");

        var workspaces = await Admin.RunAsync("admin", "workspace", "list", "--json");
        using var admin = server.Client(AdminKey);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await admin.GetStringAsync("/v1/admin/workspaces")), workspaces.Json), workspaces.Out);
        Assert.Equal(workspaceId, workspaces.Json["workspaces"]![0]!.Id());
    }

    /// <summary>
    /// The server goes on while the CLI runs: nothing listens on the webhook's port, so the delivery worker retries
    /// its deliveries on its own clock. The API is read before and after the CLI; when the two answers agree, nothing
    /// moved in between and the CLI must have printed exactly that. When they differ, it is tried again.
    /// </summary>
    private static async Task AssertPrintsWhatTheApiAnswersAsync(CliProcess cli, HttpClient http, string[] args, string url)
    {
        for (var attempt = 1; ; attempt++)
        {
            var before = JsonNode.Parse(await http.GetStringAsync(url));
            var printed = await cli.RunAsync([.. args, "--json"]);
            var after = JsonNode.Parse(await http.GetStringAsync(url));
            Assert.Equal(0, printed.ExitCode);
            if (JsonNode.DeepEquals(before, after) || attempt == 5)
            {
                Assert.True(JsonNode.DeepEquals(after, printed.Json), $"{string.Join(' ', args)} --json printed\n{printed.Out}\nbut GET {url} answered\n{after}\n(and before the CLI ran\n{before})");
                return;
            }
        }
    }

    private static void AssertOneLine(string error)
    {
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    private static void AssertFits(CliProcess.Result screen, int columns, IEnumerable<string> ids, string what)
    {
        Assert.True(screen.ExitCode == 0, $"{what} exited {screen.ExitCode}: {screen.Out}");
        var lines = screen.Out.Split('\n');
        foreach (var line in lines)
        {
            Assert.True(new StringInfo(line).LengthInTextElements <= columns, $"{what}: a line is wider than {columns} columns:\n{line}\n\n{screen.Out}");
        }
        foreach (var id in ids)
        {
            Assert.True(lines.Any(l => l.Contains(id, StringComparison.Ordinal)), $"{what}: {id} is not whole on one line:\n{screen.Out}");
        }
    }

    /// <summary>A port where nothing listens: taken from the system, then let go.</summary>
    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>An HTTP server on loopback that gives every request the same answer.</summary>
    private static HttpListener FixedAnswer(int status, string body)
    {
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{ClosedPort()}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception stopped) when (stopped is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = status;
                context.Response.ContentType = body.StartsWith('{') ? "application/json" : "text/html";
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });
        return listener;
    }
}
