using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Cli.Tests;

/// <summary>The playbooks command against a real server process on a database of its own.</summary>
public sealed partial class CliTests : IAsyncLifetime
{
    private const string AdminKey = "cli-test-admin-key";
    private readonly string directory = Directory.CreateTempSubdirectory("playbooks-cli-").FullName;
    private ServerProcess server = null!;

    public async Task InitializeAsync() => server = await ServerProcess.StartAsync(directory, new Dictionary<string, string>
    {
        ["ConnectionStrings:Playbooks"] = $"Data Source={Path.Combine(directory, "playbooks.db")}",
        ["Playbooks:AdminKey"] = AdminKey,
        // Webhook URLs point at loopback, where nothing listens: no test reaches beyond this machine.
        ["Playbooks:Webhooks:AllowPrivateNetworks"] = "true",
    });

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private CliProcess Admin => new(server.BaseAddress, adminKey: AdminKey);

    /// <summary>A workspace and an editor token for it, made with the CLI's admin commands.</summary>
    private async Task<(string WorkspaceId, CliProcess Cli)> TenantAsync()
    {
        var (workspaceId, _, cli) = await TenantWithTokenAsync();
        return (workspaceId, cli);
    }

    /// <summary>The same, with the token itself, for tests that also call the API over HTTP.</summary>
    private async Task<(string WorkspaceId, string Token, CliProcess Cli)> TenantWithTokenAsync()
    {
        var workspace = await Admin.RunAsync("admin", "workspace", "create", "Growth", "--json");
        Assert.Equal(0, workspace.ExitCode);
        var workspaceId = workspace.Json["workspace"]!["id"]!.GetValue<string>();
        var token = await Admin.RunAsync("admin", "token", "create", "--subject", "user_42", "--grant", $"{workspaceId}:editor", "--json");
        Assert.Equal(0, token.ExitCode);
        var secret = token.Json["secret"]!.GetValue<string>();
        return (workspaceId, secret, new CliProcess(server.BaseAddress, secret));
    }

    private string WriteFile(string name, string json)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task Create_dry_run_report_evaluate_and_stats()
    {
        var (_, cli) = await TenantAsync();
        var spec = WriteFile("spec.json", """
            { "name": "Series B SaaS", "status": "active", "mode": "outbound", "buddyId": "prospect",
              "strategy": { "hypothesis": "Heads of growth book meetings", "successMetric": "meeting_booked", "successTarget": 3 } }
            """);

        var created = await cli.RunAsync("create", "-f", spec, "--json");
        Assert.Equal(0, created.ExitCode);
        var id = created.Json["playbook"]!["id"]!.GetValue<string>();
        Assert.Equal(1, created.Json["playbook"]!["version"]!.GetValue<int>());

        var table = await cli.RunAsync("list");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(id, table.Out, StringComparison.Ordinal);
        Assert.Contains("Series B SaaS", table.Out, StringComparison.Ordinal);

        var patch = WriteFile("patch.json", """{ "strategy": { "channels": ["email"] } }""");
        var updated = await cli.RunAsync("update", id, "-f", patch, "--if-match", "1", "--json");
        Assert.Equal(0, updated.ExitCode);
        Assert.Equal(2, updated.Json["playbook"]!["version"]!.GetValue<int>());

        var dryRun = await cli.RunAsync("run", id, "--dry-run");
        Assert.Equal(0, dryRun.ExitCode);
        Assert.StartsWith("## Role", dryRun.Out, StringComparison.Ordinal);
        Assert.Contains("Hypothesis to test: \"Heads of growth book meetings\"", dryRun.Out, StringComparison.Ordinal);
        Assert.Empty((await cli.RunAsync("runs", id, "--json")).Json["runs"]!.AsArray());

        var started = await cli.RunAsync("start", id, "--json");
        var runId = started.Json["run"]!["id"]!.GetValue<string>();
        var reported = await cli.RunAsync("outcome", runId, "--samples", "60", "--successes", "1", "--json");
        Assert.Equal(0, reported.ExitCode);
        Assert.Equal(60, reported.Json["run"]!["metrics"]!["samples"]!.GetValue<int>());

        var evaluation = await cli.RunAsync("evaluate", id);
        Assert.Equal(0, evaluation.ExitCode);
        Assert.Contains("state      collecting", evaluation.Out, StringComparison.Ordinal);
        Assert.Contains("60 samples, 1 success\n", evaluation.Out, StringComparison.Ordinal);
        Assert.Contains("●", evaluation.Out, StringComparison.Ordinal);
        Assert.Equal("collecting", (await cli.RunAsync("evaluate", id, "--json")).Json["evaluation"]!["state"]!.GetValue<string>());

        var stats = await cli.RunAsync("stats", id, "--bucket", "hour", "--json");
        Assert.Equal(0, stats.ExitCode);
        Assert.Equal(60, stats.Json["buckets"]!.AsArray().Sum(b => b!["samples"]!.GetValue<int>()));
        var chart = await cli.RunAsync("stats", id, "--bucket", "day");
        Assert.Contains("█", chart.Out, StringComparison.Ordinal);
        Assert.Contains("60 samples, 1 success, 1 run from", chart.Out, StringComparison.Ordinal);

        var ended = await cli.RunAsync("end", runId, "--note", "done", "--json");
        Assert.Equal("completed", ended.Json["run"]!["status"]!.GetValue<string>());
        Assert.Equal("meeting_booked", ended.Json["run"]!["successMetric"]!.GetValue<string>());
        var runs = await cli.RunAsync("runs", id);
        Assert.Contains("completed", runs.Out, StringComparison.Ordinal);

        // A run keeps the metric it ran under; the next one is measured by the new metric.
        var replies = WriteFile("replies.json", """{ "strategy": { "successMetric": "reply_rate", "successTarget": 5 } }""");
        Assert.Equal(0, (await cli.RunAsync("update", id, "-f", replies)).ExitCode);
        var next = await cli.RunAsync("start", id);
        Assert.Contains("0, measured by reply_rate", next.Out, StringComparison.Ordinal);
        var wide = await cli.RunInTerminalAsync(160, "runs", id);
        Assert.Contains("measured by", wide.Out, StringComparison.Ordinal);
        Assert.Matches($"{runId} .* 1 .* meeting_booked ", wide.Out);
        Assert.Contains("reply_rate", wide.Out, StringComparison.Ordinal);
        var tooHigh = WriteFile("too-high.json", """{ "strategy": { "successTarget": 150 } }""");
        var refused = await cli.RunAsync("update", id, "-f", tooHigh);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("strategy.successTarget", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.RunAsync("delete", id, "--yes")).ExitCode);
    }

    [Fact]
    public async Task A_spec_can_come_from_standard_input()
    {
        var (_, cli) = await TenantAsync();

        var created = await cli.RunWithInputAsync("""{ "name": "From stdin", "mode": "inbound", "buddyId": "insights", "strategy": { "hypothesis": "H" } }""", "create", "-f", "-", "--json");

        Assert.Equal(0, created.ExitCode);
        Assert.Equal("From stdin", created.Json["playbook"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Failures_print_the_problem_and_exit_non_zero()
    {
        var (_, cli) = await TenantAsync();

        var invalid = await cli.RunWithInputAsync("""{ "name": "", "adaptation": { "minSampleSize": 0 } }""", "create", "-f", "-");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("Bad Request (validation_failed)", invalid.Error, StringComparison.Ordinal);
        Assert.Contains("adaptation.minSampleSize: must be from 1 to 10000", invalid.Error, StringComparison.Ordinal);
        Assert.Contains("strategy.hypothesis: is required", invalid.Error, StringComparison.Ordinal);

        var missing = await cli.RunAsync("get", "pb_01JD0000000000000000000000");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("not_found", missing.Error, StringComparison.Ordinal);

        Assert.Equal(2, (await cli.RunAsync("create", "-f", Path.Combine(directory, "no-such-file.json"))).ExitCode);
        Assert.Equal(2, (await new CliProcess(server.BaseAddress).RunAsync("list")).ExitCode);
        Assert.Equal(3, (await new CliProcess(new Uri("http://127.0.0.1:9/"), "pbt_x").RunAsync("list")).ExitCode);
        Assert.Equal(2, (await cli.RunAsync("no-such-command")).ExitCode);
        Assert.Equal(2, (await cli.RunAsync("outcome", "run_x", "--samples", "ten", "--successes", "1")).ExitCode);
    }

    [Fact]
    public async Task Admin_commands_manage_workspaces_and_tokens()
    {
        var (workspaceId, cli) = await TenantAsync();

        var list = await Admin.RunAsync("admin", "workspace", "list", "--json");
        Assert.Equal(workspaceId, list.Json["workspaces"]!.AsArray().Single()!["id"]!.GetValue<string>());

        Assert.Equal(0, (await Admin.RunAsync("admin", "workspace", "set-read-only", workspaceId)).ExitCode);
        var refused = await cli.RunWithInputAsync("""{ "name": "N", "mode": "inbound", "buddyId": "insights", "strategy": { "hypothesis": "H" } }""", "create", "-f", "-");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("read_only_workspace", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.RunAsync("list")).ExitCode);

        Assert.Equal(0, (await Admin.RunAsync("admin", "workspace", "set-read-only", workspaceId, "false")).ExitCode);
        Assert.Equal(0, (await cli.RunWithInputAsync("""{ "name": "N", "mode": "inbound", "buddyId": "insights", "strategy": { "hypothesis": "H" } }""", "create", "-f", "-")).ExitCode);

        var viewer = await Admin.RunAsync("admin", "token", "create", "--subject", "auditor", "--grant", $"{workspaceId}:viewer");
        Assert.Equal(0, viewer.ExitCode);
        Assert.Contains("secret  pbt_", viewer.Out, StringComparison.Ordinal);
        var tokenId = viewer.Out.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(w => w.StartsWith("tok_", StringComparison.Ordinal));
        Assert.Equal(0, (await Admin.RunAsync("admin", "token", "revoke", tokenId)).ExitCode);
        Assert.Equal(1, (await Admin.RunAsync("admin", "token", "revoke", tokenId)).ExitCode);

        Assert.Equal(1, (await new CliProcess(server.BaseAddress, adminKey: "wrong").RunAsync("admin", "workspace", "list")).ExitCode);
        Assert.Equal(2, (await new CliProcess(server.BaseAddress).RunAsync("admin", "workspace", "list")).ExitCode);
    }
}
