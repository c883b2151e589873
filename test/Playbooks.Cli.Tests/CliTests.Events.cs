using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Cli.Tests;

/// <summary>events and webhooks: the feed read once and followed, and the endpoints managed end to end.</summary>
public sealed partial class CliTests
{
    private const string PlaybookSpec = """{ "name": "Series B SaaS", "mode": "outbound", "buddyId": "prospect", "strategy": { "hypothesis": "H" } }""";
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Events_lists_what_happened_oldest_first_with_filters()
    {
        var (workspaceId, cli) = await TenantAsync();
        var created = await cli.RunWithInputAsync(PlaybookSpec, "create", "-f", "-", "--json");
        var id = created.Json["playbook"]!["id"]!.GetValue<string>();
        Assert.Equal(0, (await cli.RunWithInputAsync("""{ "name": "Renamed" }""", "update", id, "-f", "-")).ExitCode);

        var all = await cli.RunAsync("events", "--json");
        Assert.Equal(0, all.ExitCode);
        var events = all.Json["events"]!.AsArray();
        Assert.Equal(["playbook.created", "playbook.updated"], events.Select(e => e!["type"]!.GetValue<string>()));
        var first = events[0]!;
        Assert.StartsWith("evt_", first["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(workspaceId, first["workspaceId"]!.GetValue<string>());
        Assert.Equal(id, first["data"]!["playbook"]!["id"]!.GetValue<string>());
        Assert.Equal(1, events[1]!["data"]!["previousVersion"]!.GetValue<int>());

        var lines = await cli.RunAsync("events");
        Assert.Equal(0, lines.ExitCode);
        var createdLine = lines.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0];
        Assert.Contains("playbook.created", createdLine, StringComparison.Ordinal);
        Assert.Contains(first["id"]!.GetValue<string>(), createdLine, StringComparison.Ordinal);
        Assert.Contains($"{id} \"Series B SaaS\"", createdLine, StringComparison.Ordinal);
        Assert.Contains($"{id} version 1 -> 2", lines.Out, StringComparison.Ordinal);

        var updates = await cli.RunAsync("events", "--type", "playbook.updated,playbook.deleted", "--json");
        Assert.Equal(["playbook.updated"], updates.Json["events"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()));
        var after = await cli.RunAsync("events", "--after", first["id"]!.GetValue<string>(), "--json");
        Assert.Equal([events[1]!["id"]!.GetValue<string>()], after.Json["events"]!.AsArray().Select(e => e!["id"]!.GetValue<string>()));
        Assert.Single((await cli.RunAsync("events", "--limit", "1", "--json")).Json["events"]!.AsArray());
        Assert.Equal(2, (await cli.RunAsync("events", "--limit", "0")).ExitCode);
        var unknown = await cli.RunAsync("events", "--type", "playbook.archived");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("\n  type: ", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_follow_prints_each_new_event_as_a_JSON_line_until_stopped()
    {
        var (_, token, cli) = await TenantWithTokenAsync();
        using var http = server.Client(token);
        var before = await http.CreatePlaybookAsync();

        await using var follow = cli.Start("events", "--follow", "--json", "--interval", "0.2");
        // The first line shows the command has read the feed once; what comes next happened while it followed.
        var first = JsonNode.Parse(await follow.ReadLineAsync(LineTimeout))!;
        Assert.Equal("playbook.created", first["type"]!.GetValue<string>());
        Assert.Equal(before["id"]!.GetValue<string>(), first["data"]!["playbook"]!["id"]!.GetValue<string>());

        var later = await http.CreatePlaybookAsync();
        var line = await follow.ReadLineAsync(LineTimeout);
        var next = JsonNode.Parse(line)!;
        Assert.Equal("playbook.created", next["type"]!.GetValue<string>());
        Assert.Equal(later["id"]!.GetValue<string>(), next["data"]!["playbook"]!["id"]!.GetValue<string>());
        Assert.DoesNotContain('\n', line);

        Assert.Equal(0, await follow.StopAsync(LineTimeout));
    }

    [Fact]
    public async Task Events_follow_prints_one_line_per_event_for_people()
    {
        var (_, token, cli) = await TenantWithTokenAsync();
        using var http = server.Client(token);

        await using var follow = cli.Start("events", "--follow", "--type", "playbook.deleted", "--interval", "0.2");
        var playbook = await http.CreatePlaybookAsync();
        (await http.DeleteAsync($"/v1/playbooks/{playbook["id"]}")).EnsureSuccessStatusCode();

        var line = await follow.ReadLineAsync(LineTimeout);
        Assert.Matches($@"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d  playbook\.deleted +evt_\S+  {playbook["id"]}$", line);
    }

    [Fact]
    public async Task Webhooks_create_list_get_update_rotate_and_delete()
    {
        var (_, cli) = await TenantAsync();

        var created = await cli.RunAsync("webhooks", "create", "--url", "http://127.0.0.1:9/hooks", "--events", "run.ended,pivot.created", "--description", "Slack relay", "--json");
        Assert.Equal(0, created.ExitCode);
        var webhook = created.Json["webhook"]!;
        var id = webhook["id"]!.GetValue<string>();
        Assert.StartsWith("wh_", id, StringComparison.Ordinal);
        Assert.Equal(["run.ended", "pivot.created"], webhook["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.True(webhook["enabled"]!.GetValue<bool>());
        var secret = created.Json["secret"]!.GetValue<string>();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);

        var shown = await cli.RunAsync("webhooks", "create", "--url", "http://127.0.0.1:9/other", "--disabled");
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("secret  whsec_", shown.Out, StringComparison.Ordinal);
        Assert.Contains("shown only now", shown.Out, StringComparison.Ordinal);

        var list = await cli.RunAsync("webhooks", "list", "--json");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(2, list.Json["webhooks"]!.AsArray().Count);
        Assert.DoesNotContain("whsec_", list.Out, StringComparison.Ordinal);
        var table = await cli.RunAsync("webhooks", "list");
        Assert.Contains(id, table.Out, StringComparison.Ordinal);
        Assert.Contains("2 webhooks", table.Out, StringComparison.Ordinal);

        var got = await cli.RunAsync("webhooks", "get", id, "--json");
        Assert.Equal(0, got.ExitCode);
        Assert.Equal("http://127.0.0.1:9/hooks", got.Json["webhook"]!["url"]!.GetValue<string>());
        Assert.Equal("Slack relay", got.Json["webhook"]!["description"]!.GetValue<string>());

        var disabled = await cli.RunAsync("webhooks", "update", id, "--disable", "--description", "Paused", "--json");
        Assert.Equal(0, disabled.ExitCode);
        Assert.False(disabled.Json["webhook"]!["enabled"]!.GetValue<bool>());
        Assert.Equal("Paused", disabled.Json["webhook"]!["description"]!.GetValue<string>());
        var enabled = await cli.RunAsync("webhooks", "update", id, "--enable", "--events", "", "--json");
        Assert.Equal(0, enabled.ExitCode);
        Assert.True(enabled.Json["webhook"]!["enabled"]!.GetValue<bool>());
        Assert.Empty(enabled.Json["webhook"]!["events"]!.AsArray());
        Assert.Equal(2, (await cli.RunAsync("webhooks", "update", id, "--enable", "--disable")).ExitCode);

        var rotated = await cli.RunAsync("webhooks", "rotate-secret", id, "--json");
        Assert.Equal(0, rotated.ExitCode);
        Assert.StartsWith("whsec_", rotated.Json["secret"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotEqual(secret, rotated.Json["secret"]!.GetValue<string>());

        var ping = await cli.RunAsync("webhooks", "ping", id, "--json");
        Assert.Equal(0, ping.ExitCode);
        Assert.Equal("webhook.ping", ping.Json["delivery"]!["eventType"]!.GetValue<string>());
        var deliveries = await cli.RunAsync("webhooks", "deliveries", id, "--json");
        Assert.Equal(0, deliveries.ExitCode);
        Assert.Contains(ping.Json["delivery"]!["id"]!.GetValue<string>(), deliveries.Json["deliveries"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()));
        Assert.Equal(2, (await cli.RunAsync("webhooks", "deliveries", id, "--status", "lost")).ExitCode);

        var deleted = await cli.RunAsync("webhooks", "delete", id);
        Assert.Equal(0, deleted.ExitCode);
        Assert.Contains($"Deleted {id}.", deleted.Out, StringComparison.Ordinal);
        var gone = await cli.RunAsync("webhooks", "get", id);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("not_found", gone.Error, StringComparison.Ordinal);
        Assert.Equal(1, (await cli.RunAsync("webhooks", "delete", id)).ExitCode);
    }

    [Fact]
    public async Task A_webhook_with_a_bad_url_is_refused_naming_the_field()
    {
        var (_, cli) = await TenantAsync();

        var refused = await cli.RunAsync("webhooks", "create", "--url", "ftp://hooks.example.com/x");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("(validation_failed)", refused.Error, StringComparison.Ordinal);
        Assert.Contains("\n  url: ", refused.Error, StringComparison.Ordinal);
        Assert.Empty((await cli.RunAsync("webhooks", "list", "--json")).Json["webhooks"]!.AsArray());
        Assert.Equal(2, (await cli.RunAsync("webhooks", "create")).ExitCode);
    }
}
