using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Demo;

public abstract class DemoTests(Provider provider) : IDisposable
{
    // PlaybooksApp runs in "Testing", where the demo is off by default: these tests turn it on.
    private readonly PlaybooksApp app = new(provider, settings: new Dictionary<string, string> { ["Playbooks:Demo:Enabled"] = "true" });

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task The_demo_creates_one_playbook_per_buddy_with_four_weeks_of_evidence()
    {
        var tenant = await app.NewTenantAsync();

        var demo = await (await tenant.Client.PostAsync("/v1/demo", null)).ExpectAsync(HttpStatusCode.Created);

        var created = demo["playbooks"]!.AsArray().Select(p => p!).ToList();
        Assert.Equal(4, created.Count);
        Assert.All(created, p => Assert.StartsWith("Demo: ", p.Str("name"), StringComparison.Ordinal));
        Assert.Equal(["campaign", "insights", "pipeline", "prospect"], created.Select(p => p.Str("buddyId")).Order());
        var listed = await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(created.Select(p => p.Id()).Order(), listed["playbooks"]!.AsArray().Select(p => p!.Id()).Order());

        // Evidence spread over the past four weeks, reported day by day.
        var oldest = created.Single(p => p.Str("buddyId") == "prospect").Id();
        var from = app.Clock.GetUtcNow().AddDays(-28).ToString("O", CultureInfo.InvariantCulture);
        var stats = await (await tenant.Client.GetAsync($"/v1/playbooks/{oldest}/stats?bucket=day&from={Uri.EscapeDataString(from)}")).ExpectAsync(HttpStatusCode.OK);
        var withSamples = stats["buckets"]!.AsArray().Where(b => b!["samples"]!.GetValue<long>() > 0).ToList();
        Assert.True(withSamples.Count >= 20, $"{withSamples.Count} days with samples");
        Assert.Contains(withSamples, b => b!["successes"]!.GetValue<long>() > 0);
        var weeks = await (await tenant.Client.GetAsync($"/v1/playbooks/{oldest}/stats?bucket=week&from={Uri.EscapeDataString(from)}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(weeks["buckets"]!.AsArray().Count(b => b!["samples"]!.GetValue<long>() > 0) >= 4);

        var runs = await (await tenant.Client.GetAsync($"/v1/playbooks/{oldest}/runs")).ExpectAsync(HttpStatusCode.OK);
        var statuses = runs["runs"]!.AsArray().Select(r => r!.Str("status")).ToList();
        Assert.True(statuses.Count >= 4);
        Assert.Contains("completed", statuses);
        Assert.Equal("running", statuses[^1]);

        var evaluation = await (await tenant.Client.GetAsync($"/v1/playbooks/{oldest}/adaptation")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(evaluation["evaluation"]!["samples"]!.GetValue<long>() >= 500);
        Assert.Equal("on_track", evaluation["evaluation"]!.Str("state"));
        var youngest = created.Single(p => p.Str("buddyId") == "insights").Id();
        var collecting = await (await tenant.Client.GetAsync($"/v1/playbooks/{youngest}/adaptation")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("collecting", collecting["evaluation"]!.Str("state"));
    }

    [Fact]
    public async Task The_pivot_ready_playbook_can_pivot_at_once()
    {
        var tenant = await app.NewTenantAsync();
        var demo = await (await tenant.Client.PostAsync("/v1/demo", null)).ExpectAsync(HttpStatusCode.Created);
        var id = demo.Str("pivotReadyPlaybookId");
        Assert.Contains(demo["playbooks"]!.AsArray(), p => p!.Id() == id);

        var evaluation = (await (await tenant.Client.GetAsync($"/v1/playbooks/{id}/adaptation")).ExpectAsync(HttpStatusCode.OK))["evaluation"]!;
        Assert.Equal("underperforming", evaluation.Str("state"));
        Assert.True(evaluation["pivot"]!["recommended"]!.GetValue<bool>());
        Assert.True(evaluation["pivot"]!["allowed"]!.GetValue<bool>());

        var pivot = await (await tenant.Client.PostAsync($"/v1/playbooks/{id}/pivots", Http.Json("""
            { "reason": "Replies at 11 % against a 25 % target", "strategy": { "hypothesis": "A personal note from a founder gets stalled trial users to reply", "channels": ["email", "in-app"] } }
            """))).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(2, pivot["playbook"]!["version"]!.GetValue<long>());
        // The new strategy starts with no evidence of its own.
        Assert.Equal("insufficient_samples", (await (await tenant.Client.GetAsync($"/v1/playbooks/{id}/adaptation")).ExpectAsync(HttpStatusCode.OK))["evaluation"]!.Str("pivot.blockedBy"));
    }

    [Fact]
    public async Task A_second_demo_is_refused_and_adds_nothing()
    {
        var tenant = await app.NewTenantAsync();
        var first = await (await tenant.Client.PostAsync("/v1/demo", null)).ExpectAsync(HttpStatusCode.Created);

        var problem = await (await tenant.Client.PostAsync("/v1/demo", null)).ExpectProblemAsync(HttpStatusCode.Conflict, "demo_exists");

        Assert.Contains(first["playbooks"]!.AsArray()[0]!.Id(), problem.Str("detail"), StringComparison.Ordinal);
        var listed = await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(4, listed["playbooks"]!.AsArray().Count);

        // Another workspace gets its own.
        var other = await app.NewTenantAsync();
        await (await other.Client.PostAsync("/v1/demo", null)).ExpectAsync(HttpStatusCode.Created);

        // Deleted, they can be made again.
        foreach (var playbook in first["playbooks"]!.AsArray())
        {
            await (await tenant.Client.DeleteAsync($"/v1/playbooks/{playbook!.Id()}")).ExpectAsync(HttpStatusCode.OK);
        }
        await (await tenant.Client.PostAsync("/v1/demo", null)).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_viewer_may_not_make_the_demo()
    {
        var viewer = await app.NewTenantAsync(role: "viewer");

        await (await viewer.Client.PostAsync("/v1/demo", null)).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");

        var listed = await (await viewer.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(listed["playbooks"]!.AsArray());
    }

    [Theory]
    [InlineData("false")]
    [InlineData(null)]
    public async Task Without_the_demo_enabled_it_is_not_found(string? enabled)
    {
        var settings = enabled is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Playbooks:Demo:Enabled"] = enabled };
        using var disabled = new PlaybooksApp(provider, settings: settings);
        var tenant = await disabled.NewTenantAsync();

        await (await tenant.Client.PostAsync("/v1/demo", null)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");

        var listed = await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(listed["playbooks"]!.AsArray());
    }

    public sealed class OnSqlite() : DemoTests(Provider.Sqlite);

    public sealed class OnPostgres() : DemoTests(Provider.Postgres);
}
