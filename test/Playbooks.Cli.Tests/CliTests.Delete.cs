namespace Playbooks.Cli.Tests;

/// <summary>delete asks on a terminal; a script must say --yes.</summary>
public sealed partial class CliTests
{
    /// <summary>The smallest spec the API accepts, active so that runs can start.</summary>
    private static string Spec(string name) =>
        $$"""{ "name": "{{name}}", "status": "active", "mode": "outbound", "buddyId": "prospect", "strategy": { "hypothesis": "Heads of growth reply" } }""";

    private async Task<(CliProcess Cli, string Id)> PlaybookToDeleteAsync()
    {
        var (_, cli) = await TenantAsync();
        var created = await cli.RunAsync("create", "-f", WriteFile("doomed.json", Spec("Doomed")), "--json");
        return (cli, created.Json["playbook"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_without_a_terminal_or_yes_refuses_with_exit_2_and_keeps_the_playbook()
    {
        var (cli, id) = await PlaybookToDeleteAsync();

        var delete = await cli.RunAsync("delete", id);

        Assert.Equal(2, delete.ExitCode);
        Assert.Contains("--yes", delete.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.RunAsync("get", id)).ExitCode);
    }

    [Fact]
    public async Task Delete_with_yes_deletes_without_asking()
    {
        var (cli, id) = await PlaybookToDeleteAsync();

        var delete = await cli.RunAsync("delete", id, "--yes");

        Assert.Equal(0, delete.ExitCode);
        Assert.Contains($"Deleted {id}", delete.Out, StringComparison.Ordinal);
        var get = await cli.RunAsync("get", id);
        Assert.Equal(1, get.ExitCode);
        Assert.Contains("not_found", get.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_on_a_terminal_asks_and_deletes_only_on_yes()
    {
        var (cli, id) = await PlaybookToDeleteAsync();

        var declined = await cli.RunOnTerminalAsync("n\n", "delete", id);
        Assert.Equal(0, declined.ExitCode);
        Assert.Contains($"Delete {id} \"Doomed\"", declined.Out, StringComparison.Ordinal);
        Assert.Contains("[y/N]", declined.Out, StringComparison.Ordinal);
        Assert.Contains($"Kept {id}", declined.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.RunAsync("get", id)).ExitCode);

        var confirmed = await cli.RunOnTerminalAsync("y\n", "delete", id);
        Assert.Equal(0, confirmed.ExitCode);
        Assert.Contains($"Deleted {id}", confirmed.Out, StringComparison.Ordinal);
        Assert.Equal(1, (await cli.RunAsync("get", id)).ExitCode);
    }
}
