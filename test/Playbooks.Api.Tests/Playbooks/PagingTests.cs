using System.Net;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Playbooks;

public abstract class PagingTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Following_next_cursor_visits_every_playbook_once_newest_first()
    {
        var tenant = await app.NewTenantAsync();
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add((await tenant.Client.CreatePlaybookAsync()).Id());
        }

        var seen = new List<string>();
        var pages = 0;
        string? url = "/v1/playbooks?limit=3";
        while (url is not null)
        {
            var page = await (await tenant.Client.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
            pages++;
            Assert.True(page["playbooks"]!.AsArray().Count <= 3);
            seen.AddRange(page["playbooks"]!.AsArray().Select(p => p!.Id()));
            url = page["nextCursor"] is { } cursor ? $"/v1/playbooks?limit=3&cursor={Uri.EscapeDataString(cursor.GetValue<string>())}" : null;
        }

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(created), seen);
    }

    [Fact]
    public async Task The_last_full_page_has_no_next_cursor()
    {
        var tenant = await app.NewTenantAsync();
        await tenant.Client.CreatePlaybookAsync();
        await tenant.Client.CreatePlaybookAsync();

        var page = await (await tenant.Client.GetAsync("/v1/playbooks?limit=2")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(2, page["playbooks"]!.AsArray().Count);
        Assert.False(page.ContainsKey("nextCursor"));
    }

    [Fact]
    public async Task Filters_select_by_status_mode_and_buddy()
    {
        var tenant = await app.NewTenantAsync();
        var active = await tenant.Client.CreatePlaybookAsync(new { name = "A", status = "active", mode = "inbound", buddyId = "insights", strategy = new { hypothesis = "H" } });
        var draft = await tenant.Client.CreatePlaybookAsync(new { name = "B", mode = "inbound", buddyId = "campaign", strategy = new { hypothesis = "H" } });
        var outbound = await tenant.Client.CreatePlaybookAsync(new { name = "C", status = "active", mode = "outbound", buddyId = "insights", strategy = new { hypothesis = "H" } });

        async Task<IEnumerable<string>> Ids(string query) =>
            (await (await tenant.Client.GetAsync($"/v1/playbooks?{query}")).ExpectAsync(HttpStatusCode.OK))["playbooks"]!.AsArray().Select(p => p!.Id());

        Assert.Equal([outbound.Id(), active.Id()], await Ids("status=active"));
        Assert.Equal([draft.Id(), active.Id()], await Ids("mode=inbound"));
        Assert.Equal([draft.Id()], await Ids("buddyId=campaign"));
        Assert.Equal([active.Id()], await Ids("status=active&mode=inbound&buddyId=insights"));
        Assert.Empty(await Ids("status=paused"));
    }

    [Fact]
    public async Task Runs_page_oldest_first_and_filter_by_status()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();
        var runs = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            runs.Add((await (await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created))["run"]!.Id());
        }

        var first = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}/runs?limit=2")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(runs[..2], first["runs"]!.AsArray().Select(r => r!.Id()));
        var cursor = Uri.EscapeDataString(first.Str("nextCursor"));
        var second = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}/runs?limit=2&cursor={cursor}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(runs[2..4], second["runs"]!.AsArray().Select(r => r!.Id()));

        var running = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}/runs?status=running")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(5, running["runs"]!.AsArray().Count);
        var completed = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}/runs?status=completed")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(completed["runs"]!.AsArray());

        await (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}/runs?status=done")).ExpectValidationAsync("status");
        await (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}/runs?limit=1001")).ExpectValidationAsync("limit");
    }

    [Fact]
    public async Task A_playbook_cursor_is_not_accepted_for_runs()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();
        await tenant.Client.CreatePlaybookAsync();
        var page = await (await tenant.Client.GetAsync("/v1/playbooks?limit=1")).ExpectAsync(HttpStatusCode.OK);

        var response = await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}/runs?cursor={Uri.EscapeDataString(page.Str("nextCursor"))}");

        await response.ExpectValidationAsync("cursor");
    }

    public sealed class OnSqlite() : PagingTests(Provider.Sqlite);

    public sealed class OnPostgres() : PagingTests(Provider.Postgres);
}
