using System.Text.RegularExpressions;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.Cli;

namespace Playbooks.Cli.Tests;

/// <summary><c>playbooks demo</c> against a real server process with the demo on.</summary>
public sealed partial class DemoCommandTests : IAsyncLifetime
{
    private const string AdminKey = "cli-demo-admin-key";
    private readonly string directory = Directory.CreateTempSubdirectory("playbooks-cli-demo-").FullName;
    private ServerProcess server = null!;

    public async Task InitializeAsync() => server = await ServerProcess.StartAsync(directory, new Dictionary<string, string>
    {
        ["ConnectionStrings:Playbooks"] = $"Data Source={Path.Combine(directory, "playbooks.db")}",
        ["Playbooks:AdminKey"] = AdminKey,
        ["Playbooks:Demo:Enabled"] = "true",
    });

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [GeneratedRegex(@"pb_[0-9A-Z]{26}")]
    private static partial Regex PlaybookId();

    [Fact]
    public async Task Demo_prints_the_playbooks_it_made_and_what_to_try_next()
    {
        var admin = new CliProcess(server.BaseAddress, adminKey: AdminKey);
        var workspace = await admin.RunAsync("admin", "workspace", "create", "Growth", "--json");
        var workspaceId = workspace.Json["workspace"]!["id"]!.GetValue<string>();
        var token = await admin.RunAsync("admin", "token", "create", "--subject", "user_42", "--grant", $"{workspaceId}:editor", "--json");
        var cli = new CliProcess(server.BaseAddress, token.Json["secret"]!.GetValue<string>());

        var demo = await cli.RunAsync("demo");

        Assert.Equal(0, demo.ExitCode);
        var ids = PlaybookId().Matches(demo.Out).Select(m => m.Value).Distinct().ToList();
        Assert.Equal(4, ids.Count);
        var listed = await cli.RunAsync("list", "--json");
        Assert.Equal(ids.Order(), listed.Json["playbooks"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).Order());
        Assert.Contains("Demo: ", demo.Out, StringComparison.Ordinal);
        Assert.Matches(@"playbooks evaluate pb_", demo.Out);
        Assert.Matches(@"playbooks stats pb_", demo.Out);
        Assert.Contains(new Uri(server.BaseAddress, "app").ToString(), demo.Out, StringComparison.Ordinal);

        // The playbook it names for a pivot is one whose evaluation allows one now.
        var ready = Regex.Match(demo.Out, @"playbooks evaluate (pb_[0-9A-Z]{26})").Groups[1].Value;
        var evaluation = await cli.RunAsync("evaluate", ready, "--json");
        Assert.Equal(0, evaluation.ExitCode);
        Assert.True(evaluation.Json["evaluation"]!["pivot"]!["allowed"]!.GetValue<bool>());

        // The pivot it prints works as printed.
        Assert.Contains($"| playbooks pivot {ready} --reason", demo.Out, StringComparison.Ordinal);
        var pivot = await cli.RunWithInputAsync($$"""{ "hypothesis": "{{DemoCommand.PivotHypothesis}}" }""", "pivot", ready, "--reason", "Replies far below target", "-f", "-");
        Assert.Equal(0, pivot.ExitCode);
        var pivoted = await cli.RunAsync("get", ready, "--json");
        Assert.Equal(2, pivoted.Json["playbook"]!["version"]!.GetValue<int>());
        Assert.Equal(DemoCommand.PivotHypothesis, pivoted.Json["playbook"]!["strategy"]!["hypothesis"]!.GetValue<string>());

        var again = await cli.RunAsync("demo");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("demo_exists", again.Error, StringComparison.Ordinal);
    }
}
