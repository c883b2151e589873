namespace Playbooks.Cli.Tests;

/// <summary>
/// pivot by hand. Its success path needs days of the server's clock between versions; the client's PivotAsync that
/// it calls is the runtime's, and the API's pivot tests cover an accepted pivot. Here: what a user sees when it is refused.
/// </summary>
public sealed partial class CliTests
{
    [Fact]
    public async Task A_refused_pivot_names_the_guard_and_exits_1()
    {
        var (_, cli) = await TenantAsync();
        var id = (await cli.RunAsync("create", "-f", WriteFile("spec.json", Spec("Pivot me")), "--json")).Json["playbook"]!["id"]!.GetValue<string>();
        var strategy = WriteFile("strategy.json", """{ "hypothesis": "CFOs answer faster than heads of growth" }""");

        var tooEarly = await cli.RunAsync("pivot", id, "--reason", "Nobody replies", "-f", strategy);

        Assert.Equal(1, tooEarly.ExitCode);
        Assert.Contains("insufficient_samples", tooEarly.Error, StringComparison.Ordinal);
        Assert.Equal("", tooEarly.Out);

        var run = (await cli.RunAsync("start", id, "--json")).Json["run"]!["id"]!.GetValue<string>();
        Assert.Equal(0, (await cli.RunAsync("outcome", run, "--samples", "60", "--successes", "0")).ExitCode);

        var inWindow = await cli.RunAsync("pivot", id, "--reason", "Nobody replies", "-f", strategy, "--run", run);

        Assert.Equal(1, inWindow.ExitCode);
        Assert.Contains("pivot_window_not_elapsed", inWindow.Error, StringComparison.Ordinal);
        Assert.Contains("Next pivot allowed at 2", inWindow.Error, StringComparison.Ordinal);
        var versions = await cli.RunAsync("versions", id, "--json");
        Assert.Single(versions.Json["versions"]!.AsArray());
    }

    [Fact]
    public async Task A_pivot_naming_a_run_of_another_playbook_is_not_found()
    {
        var (_, cli) = await TenantAsync();
        var id = (await cli.RunAsync("create", "-f", WriteFile("a.json", Spec("A")), "--json")).Json["playbook"]!["id"]!.GetValue<string>();
        var other = (await cli.RunAsync("create", "-f", WriteFile("b.json", Spec("B")), "--json")).Json["playbook"]!["id"]!.GetValue<string>();
        var otherRun = (await cli.RunAsync("start", other, "--json")).Json["run"]!["id"]!.GetValue<string>();

        var pivot = await cli.RunAsync("pivot", id, "--reason", "Evidence", "-f", WriteFile("strategy.json", """{ "channels": ["linkedin"] }"""), "--run", otherRun);

        Assert.Equal(1, pivot.ExitCode);
        Assert.Contains("not_found", pivot.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("insufficient_samples", pivot.Error, StringComparison.Ordinal);
    }
}
