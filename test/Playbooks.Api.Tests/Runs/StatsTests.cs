using System.Net;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Runs;

public abstract class StatsTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Three runs over three days, each with reports at different hours; returns the totals.</summary>
    private async Task<(Tenant Tenant, string PlaybookId, long Samples, long Successes, double Value)> SeedAsync()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();
        long samples = 0, successes = 0;
        double value = 0;
        for (var day = 0; day < 3; day++)
        {
            var run = await (await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
            for (var report = 0; report < 4; report++)
            {
                app.Clock.Advance(TimeSpan.FromMinutes(50));
                var (s, k, v) = (10 + day + report, report % 3, 100.25 * (report + 1));
                await (await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/runs/{run["run"]!.Id()}/outcomes",
                    Http.Json($$"""{ "samples": {{s}}, "successes": {{k}}, "value": {{v}} }"""))).ExpectAsync(HttpStatusCode.OK);
                (samples, successes, value) = (samples + s, successes + k, value + v);
            }
            app.Clock.Advance(TimeSpan.FromHours(20));
        }
        return (tenant, playbook.Id(), samples, successes, value);
    }

    private static (long Samples, long Successes, double Value, long Runs) Sum(JsonObject stats)
    {
        var buckets = stats["buckets"]!.AsArray();
        return (buckets.Sum(b => b!["samples"]!.GetValue<long>()), buckets.Sum(b => b!["successes"]!.GetValue<long>()),
            buckets.Sum(b => b!["value"]!.GetValue<double>()), buckets.Sum(b => b!["runsStarted"]!.GetValue<long>()));
    }

    [Theory]
    [InlineData("hour")]
    [InlineData("day")]
    [InlineData("week")]
    public async Task Buckets_add_up_to_the_run_totals(string bucket)
    {
        var (tenant, playbookId, samples, successes, value) = await SeedAsync();

        var stats = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/stats?bucket={bucket}&from=2026-11-20T00:00:00Z")).ExpectAsync(HttpStatusCode.OK);

        var (s, k, v, runs) = Sum(stats);
        Assert.Equal(samples, s);
        Assert.Equal(successes, k);
        Assert.Equal(value, v, 6);
        Assert.Equal(3, runs);

        var runList = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/runs")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(samples, runList["runs"]!.AsArray().Sum(r => r!["metrics"]!["samples"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Day_buckets_start_at_midnight_utc_and_include_empty_days()
    {
        var (tenant, playbookId, _, _, _) = await SeedAsync();

        var stats = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/stats?bucket=day&from=2026-11-27T13:00:00Z&to=2026-12-02T00:00:00Z")).ExpectAsync(HttpStatusCode.OK);

        var buckets = stats["buckets"]!.AsArray();
        Assert.Equal(["2026-11-27T00:00:00.000Z", "2026-11-28T00:00:00.000Z", "2026-11-29T00:00:00.000Z", "2026-11-30T00:00:00.000Z", "2026-12-01T00:00:00.000Z"],
            buckets.Select(b => b!.Str("start")));
        Assert.Equal([0L, 1, 1, 1, 0], buckets.Select(b => b!["runsStarted"]!.GetValue<long>()));
        Assert.Equal(0, buckets[0]!["samples"]!.GetValue<long>());
        Assert.Equal("2026-11-27T00:00:00.000Z", stats.Str("from"));
        Assert.Equal("2026-12-02T00:00:00.000Z", stats.Str("to"));
    }

    [Fact]
    public async Task Week_buckets_start_on_monday_and_hour_buckets_on_the_hour()
    {
        var (tenant, playbookId, _, _, _) = await SeedAsync();

        var weeks = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/stats?bucket=week&from=2026-11-25T00:00:00Z&to=2026-12-01T00:00:00Z")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["2026-11-23T00:00:00.000Z", "2026-11-30T00:00:00.000Z"], weeks["buckets"]!.AsArray().Select(b => b!.Str("start")));

        var hours = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/stats?bucket=hour&from=2026-11-28T09:30:00Z&to=2026-11-28T12:00:00Z")).ExpectAsync(HttpStatusCode.OK);
        var buckets = hours["buckets"]!.AsArray();
        Assert.Equal(["2026-11-28T09:00:00.000Z", "2026-11-28T10:00:00.000Z", "2026-11-28T11:00:00.000Z"], buckets.Select(b => b!.Str("start")));
        // Reports at 09:50, 10:40, 11:30 and 12:20: one in each of the three hours asked for.
        Assert.All(buckets, b => Assert.True(b!["samples"]!.GetValue<long>() > 0));
    }

    [Fact]
    public async Task By_default_the_last_thirty_days_by_day()
    {
        var (tenant, playbookId, samples, _, _) = await SeedAsync();

        var stats = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/stats")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("day", stats.Str("bucket"));
        Assert.Equal(31, stats["buckets"]!.AsArray().Count);
        Assert.Equal(samples, Sum(stats).Samples);
    }

    [Fact]
    public async Task By_default_a_report_made_this_instant_on_a_bucket_boundary_counts()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();
        var run = await (await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
        // The clock stands on 09:00:00.000, the start of an hour.
        await (await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/runs/{run["run"]!.Id()}/outcomes", Http.Json("""{ "samples": 7, "successes": 1 }"""))).ExpectAsync(HttpStatusCode.OK);

        var stats = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}/stats?bucket=hour")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(7, Sum(stats).Samples);
        Assert.Equal("2026-11-28T09:00:00.000Z", stats["buckets"]!.AsArray()[^1]!.Str("start"));
    }

    [Theory]
    [InlineData("bucket=minute", "bucket")]
    [InlineData("from=soon", "from")]
    [InlineData("to=later", "to")]
    [InlineData("from=2026-11-28T00:00:00Z&to=2026-11-27T00:00:00Z", "from")]
    [InlineData("bucket=hour&from=2025-01-01T00:00:00Z", "from")]
    public async Task Bad_stats_queries_are_400(string query, string field)
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();

        await (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}/stats?{query}")).ExpectValidationAsync(field);
    }

    public sealed class OnSqlite() : StatsTests(Provider.Sqlite);

    public sealed class OnPostgres() : StatsTests(Provider.Postgres);
}
