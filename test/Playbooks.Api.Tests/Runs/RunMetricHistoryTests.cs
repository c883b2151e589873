using Dapper;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Runs;

/// <summary>
/// A run is measured by the success metric of the spec version it ran under (its
/// <c>successMetric</c>), whatever the playbook's metric is now: a change of metric, by an update
/// or by a pivot, measures only the runs recorded after it. Read back from GET, the lists, and
/// the run.started and run.ended events.
/// </summary>
public abstract class RunMetricHistoryTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private Tenant tenant = null!;
    private string playbookId = "";

    private async Task CreateAsync(string? metric, double? target)
    {
        tenant = await app.NewTenantAsync();
        playbookId = (await tenant.Client.CreatePlaybookAsync(new
        {
            name = "Series B SaaS",
            status = "active",
            mode = "outbound",
            buddyId = "prospect",
            strategy = new { hypothesis = "New heads of growth book meetings", successMetric = metric, successTarget = target },
            adaptation = new { enabled = true, minSampleSize = 50, pivotWindowDays = 3, maxPivotsPerWeek = 2 },
        })).Id();
    }

    private async Task<JsonNode> StartAsync() =>
        (await (await tenant.Client.PostAsync($"/v1/playbooks/{playbookId}/run", null)).ExpectAsync(HttpStatusCode.Created))["run"]!;

    private async Task<JsonNode> ReportAsync(string runId, int samples, int successes, double value) =>
        (await (await tenant.Client.PostAsync($"/v1/playbooks/{playbookId}/runs/{runId}/outcomes",
            Http.Json($$"""{ "samples": {{samples}}, "successes": {{successes}}, "value": {{value}} }"""))).ExpectAsync(HttpStatusCode.OK))["run"]!;

    private async Task<JsonNode> EndAsync(string runId) =>
        (await (await tenant.Client.PatchAsync($"/v1/playbooks/{playbookId}/runs/{runId}", Http.Json("""{ "status": "completed" }"""))).ExpectAsync(HttpStatusCode.OK))["run"]!;

    private async Task<JsonNode> GetAsync(string runId) =>
        (await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/runs/{runId}")).ExpectAsync(HttpStatusCode.OK))["run"]!;

    private async Task<Dictionary<string, JsonNode>> ListAsync() =>
        (await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/runs")).ExpectAsync(HttpStatusCode.OK))["runs"]!.AsArray()
            .ToDictionary(r => r!.Id(), r => r!);

    /// <summary>The events of a type, once there are <paramref name="count"/> (on PostgreSQL a committed event may take a moment to show).</summary>
    private async Task<Dictionary<string, JsonNode>> RunEventsAsync(string type, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var events = (await (await tenant.Client.GetAsync($"/v1/events?type={type}")).ExpectAsync(HttpStatusCode.OK))["events"]!.AsArray();
            if (events.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.Equal(count, events.Count);
                return events.ToDictionary(e => e!["data"]!["run"]!.Id(), e => e!["data"]!["run"]!);
            }
            await Task.Delay(20);
        }
    }

    private static void AssertMeasured(JsonNode run, string? metric, double value)
    {
        Assert.Equal(metric, run["successMetric"]?.GetValue<string>());
        Assert.True(run.AsObject().ContainsKey("successMetric"), "successMetric is always present, null when the version had no metric");
        Assert.Equal(value, run["metrics"]!["metricValue"]!.GetValue<double>(), 9);
    }

    [Fact]
    public async Task A_metric_changed_by_an_update_measures_only_the_runs_recorded_after_it()
    {
        await CreateAsync("meeting_booked", 3);
        var finished = (await StartAsync()).Id();
        await ReportAsync(finished, 50, 3, 12000);
        AssertMeasured(await EndAsync(finished), "meeting_booked", 3);
        var running = (await StartAsync()).Id();
        await ReportAsync(running, 10, 1, 5000);

        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", """{ "strategy": { "successMetric": "pipeline_arr", "successTarget": 100000 } }"""))
            .ExpectAsync(HttpStatusCode.OK);

        var later = await StartAsync();
        AssertMeasured(later, "pipeline_arr", 0);
        Assert.Equal(2, later["specVersion"]!.GetValue<int>());
        AssertMeasured(await ReportAsync(later.Id(), 20, 2, 7000), "pipeline_arr", 7000);
        AssertMeasured(await EndAsync(later.Id()), "pipeline_arr", 7000);
        // A run started before the change keeps its metric while it runs and when it ends after it.
        AssertMeasured(await ReportAsync(running, 10, 1, 5000), "meeting_booked", 2);
        AssertMeasured(await EndAsync(running), "meeting_booked", 2);

        AssertMeasured(await GetAsync(finished), "meeting_booked", 3);
        AssertMeasured((await (await tenant.Client.GetAsync($"/v1/runs/{finished}")).ExpectAsync(HttpStatusCode.OK))["run"]!, "meeting_booked", 3);
        var listed = await ListAsync();
        AssertMeasured(listed[finished], "meeting_booked", 3);
        AssertMeasured(listed[running], "meeting_booked", 2);
        AssertMeasured(listed[later.Id()], "pipeline_arr", 7000);
        var ended = await RunEventsAsync("run.ended", 3);
        AssertMeasured(ended[finished], "meeting_booked", 3);
        AssertMeasured(ended[running], "meeting_booked", 2);
        AssertMeasured(ended[later.Id()], "pipeline_arr", 7000);
        var started = await RunEventsAsync("run.started", 3);
        Assert.Equal("meeting_booked", started[finished].Str("successMetric"));
        Assert.Equal("pipeline_arr", started[later.Id()].Str("successMetric"));
    }

    [Fact]
    public async Task A_metric_changed_by_a_pivot_measures_only_the_runs_recorded_after_it()
    {
        await CreateAsync("meeting_booked", 3);
        var before = (await StartAsync()).Id();
        await ReportAsync(before, 60, 3, 12000);
        await EndAsync(before);
        app.Clock.Advance(TimeSpan.FromDays(3));

        var pivot = await (await tenant.Client.PostAsJsonAsync($"/v1/playbooks/{playbookId}/pivots",
            new { reason = "Meetings are too far from the first touch", strategy = new { successMetric = "reply_rate", successTarget = 8 } })).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("reply_rate", pivot["playbook"]!.Str("strategy.successMetric"));

        var after = (await StartAsync()).Id();
        AssertMeasured(await ReportAsync(after, 20, 2, 0), "reply_rate", 0.1);
        await EndAsync(after);

        AssertMeasured(await GetAsync(before), "meeting_booked", 3);
        AssertMeasured(await GetAsync(after), "reply_rate", 0.1);
        var listed = await ListAsync();
        AssertMeasured(listed[before], "meeting_booked", 3);
        AssertMeasured(listed[after], "reply_rate", 0.1);
        var ended = await RunEventsAsync("run.ended", 2);
        AssertMeasured(ended[before], "meeting_booked", 3);
        AssertMeasured(ended[after], "reply_rate", 0.1);
    }

    [Fact]
    public async Task A_run_of_a_version_without_a_metric_counts_successes_and_says_null()
    {
        await CreateAsync(null, null);
        var run = (await StartAsync()).Id();
        AssertMeasured(await ReportAsync(run, 40, 4, 900), null, 4);

        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", """{ "strategy": { "successMetric": "reply_rate" } }""")).ExpectAsync(HttpStatusCode.OK);

        AssertMeasured(await GetAsync(run), null, 4);
        AssertMeasured(await EndAsync(run), null, 4);
        AssertMeasured(await ReportAsync((await StartAsync()).Id(), 40, 4, 900), "reply_rate", 0.1);
    }

    /// <summary>
    /// The metric is kept on the run row (migration 0007); for runs recorded before it, the
    /// migration's own backfill takes it from the saved version each run is pinned to.
    /// </summary>
    [Fact]
    public async Task The_backfill_of_the_run_metric_gives_each_run_its_versions_metric()
    {
        await CreateAsync("pipeline_arr", 100000);
        var first = (await StartAsync()).Id();
        await ReportAsync(first, 50, 3, 12000);
        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", """{ "strategy": { "successMetric": "reply_rate", "successTarget": 10 } }""")).ExpectAsync(HttpStatusCode.OK);
        var second = (await StartAsync()).Id();
        await ReportAsync(second, 50, 5, 0);
        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", """{ "strategy": { "successMetric": null } }""")).ExpectAsync(HttpStatusCode.OK);
        var third = (await StartAsync()).Id();
        await ReportAsync(third, 50, 7, 0);
        var before = await ListAsync();

        var migration = typeof(global::Playbooks.Api.Data.Database).Assembly.GetManifestResourceNames().Single(n => n.EndsWith($"{provider}.0007_run_success_metric.sql", StringComparison.Ordinal));
        using var reader = new StreamReader(typeof(global::Playbooks.Api.Data.Database).Assembly.GetManifestResourceStream(migration)!);
        var sql = await reader.ReadToEndAsync();
        var backfill = sql[sql.IndexOf("UPDATE runs", StringComparison.Ordinal)..];
        var db = app.Services.GetRequiredService<global::Playbooks.Api.Data.Database>();
        await db.WriteAsync((connection, transaction) => connection.ExecuteAsync("UPDATE runs SET success_metric = NULL", transaction: transaction), default);
        AssertMeasured(await GetAsync(first), null, 3);
        await db.WriteAsync((connection, transaction) => connection.ExecuteAsync(backfill, transaction: transaction), default);

        var after = await ListAsync();
        AssertMeasured(after[first], "pipeline_arr", 12000);
        AssertMeasured(after[second], "reply_rate", 0.1);
        AssertMeasured(after[third], null, 7);
        foreach (var (id, run) in before)
        {
            Assert.True(JsonNode.DeepEquals(run, after[id]), $"{id}: {run.ToJsonString()} became {after[id].ToJsonString()}");
        }
    }

    public sealed class OnSqlite() : RunMetricHistoryTests(Provider.Sqlite);

    public sealed class OnPostgres() : RunMetricHistoryTests(Provider.Postgres);
}
