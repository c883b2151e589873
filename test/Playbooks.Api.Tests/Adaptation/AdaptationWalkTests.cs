using Dapper;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Adaptation;

/// <summary>
/// A playbook walked through its life over HTTP: collecting, on track, at risk, underperforming,
/// a pivot, each guard refusing in turn, and the evidence starting again after the pivot.
/// The clock is moved, never waited for.
/// </summary>
public abstract class AdaptationWalkTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private Tenant tenant = null!;
    private string playbookId = "";

    private async Task CreateAsync(int maxPivotsPerWeek = 1)
    {
        tenant = await app.NewTenantAsync();
        playbookId = (await tenant.Client.CreatePlaybookAsync(new
        {
            name = "Series B SaaS",
            status = "active",
            mode = "outbound",
            buddyId = "prospect",
            strategy = new { hypothesis = "New heads of growth book meetings", successMetric = "meeting_booked", successTarget = 3 },
            adaptation = new { enabled = true, minSampleSize = 50, pivotWindowDays = 3, maxPivotsPerWeek },
        })).Id();
    }

    private async Task<string> StartRunAsync() =>
        (await (await tenant.Client.PostAsync($"/v1/playbooks/{playbookId}/run", null)).ExpectAsync(HttpStatusCode.Created))["run"]!.Id();

    private async Task ReportAsync(string runId, int samples, int successes) =>
        await (await tenant.Client.PostAsync($"/v1/playbooks/{playbookId}/runs/{runId}/outcomes",
            Http.Json($$"""{ "samples": {{samples}}, "successes": {{successes}} }"""))).ExpectAsync(HttpStatusCode.OK);

    private async Task<JsonNode> EvaluateAsync() =>
        (await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/adaptation")).ExpectAsync(HttpStatusCode.OK))["evaluation"]!;

    private Task<HttpResponseMessage> PivotAsync(string reason, string? hypothesis = null) =>
        tenant.Client.PostAsJsonAsync($"/v1/playbooks/{playbookId}/pivots", new { reason, strategy = new { hypothesis = hypothesis ?? $"Hypothesis for: {reason}" } });

    [Fact]
    public async Task From_collecting_to_a_pivot_and_every_guard_in_turn()
    {
        await CreateAsync();

        var fresh = await EvaluateAsync();
        Assert.Equal("collecting", fresh.Str("state"));
        Assert.Equal("meeting_booked", fresh.Str("metric"));
        Assert.Equal(3, fresh["target"]!.GetValue<double>());
        Assert.Equal(0.06, fresh["targetPerSample"]!.GetValue<double>(), 12);
        Assert.Equal(1, fresh["strategyVersion"]!.GetValue<int>());
        Assert.Equal("2026-11-28T09:00:00.000Z", fresh.Str("strategySince"));
        Assert.Equal(0, fresh["samples"]!.GetValue<long>());
        Assert.Null(fresh["probabilityBelowTarget"]);
        Assert.Null(fresh["interval"]);
        Assert.Equal("insufficient_samples", fresh["pivot"]!.Str("blockedBy"));
        Assert.False(fresh["pivot"]!["allowed"]!.GetValue<bool>());
        Assert.Equal("2026-11-28T09:00:00.000Z", fresh.Str("evaluatedAt"));
        await (await PivotAsync("Too early")).ExpectProblemAsync(HttpStatusCode.Conflict, "insufficient_samples");

        // Enough samples, but the strategy has not run for its pivot window: still collecting.
        var run = await StartRunAsync();
        await ReportAsync(run, 100, 12);
        var young = await EvaluateAsync();
        Assert.Equal("collecting", young.Str("state"));
        Assert.Equal(0.007472, Math.Round(young["probabilityBelowTarget"]!.GetValue<double>(), 6));
        Assert.Equal("pivot_window_not_elapsed", young["pivot"]!.Str("blockedBy"));
        Assert.Equal("2026-12-01T09:00:00.000Z", young["pivot"]!.Str("nextPivotAllowedAt"));
        var early = await (await PivotAsync("Impatient")).ExpectProblemAsync(HttpStatusCode.Conflict, "pivot_window_not_elapsed");
        Assert.Equal("2026-12-01T09:00:00.000Z", early.Str("nextPivotAllowedAt"));

        app.Clock.Advance(TimeSpan.FromDays(3));
        var onTrack = await EvaluateAsync();
        Assert.Equal("on_track", onTrack.Str("state"));
        Assert.True(onTrack["pivot"]!["allowed"]!.GetValue<bool>());
        Assert.False(onTrack["pivot"]!["recommended"]!.GetValue<bool>());
        Assert.Equal(0.12, onTrack["observed"]!.GetValue<double>(), 12);
        Assert.Equal([0.07035, 0.19835], onTrack["interval"]!.AsArray().Select(v => Math.Round(v!.GetValue<double>(), 5)));
        Assert.Equal(0.1249, Math.Round(onTrack["eValueBelowTarget"]!.GetValue<double>(), 4));

        await ReportAsync(run, 120, 0);
        var atRisk = await EvaluateAsync();
        Assert.Equal("at_risk", atRisk.Str("state"));
        Assert.Equal(220, atRisk["samples"]!.GetValue<long>());

        await ReportAsync(run, 120, 0);
        var underperforming = await EvaluateAsync();
        Assert.Equal("underperforming", underperforming.Str("state"));
        Assert.True(underperforming["pivot"]!["recommended"]!.GetValue<bool>());
        Assert.True(underperforming["pivot"]!["allowed"]!.GetValue<bool>());
        Assert.Equal(0, underperforming["pivot"]!["pivotsLast7Days"]!.GetValue<int>());
        Assert.Equal(1, underperforming["pivot"]!["maxPivotsPerWeek"]!.GetValue<int>());

        // The pivot: a new version with change "pivot", and the evidence starts again.
        var pivotResponse = await PivotAsync("Meetings come from CFOs, not heads of growth");
        var created = await pivotResponse.ExpectAsync(HttpStatusCode.Created);
        var pivot = created["pivot"]!;
        Assert.StartsWith("piv_", pivot.Id());
        Assert.Equal((1, 2), (pivot["fromVersion"]!.GetValue<int>(), pivot["toVersion"]!.GetValue<int>()));
        Assert.Equal("Meetings come from CFOs, not heads of growth", pivot.Str("reason"));
        Assert.Equal("user_42", pivot.Str("createdBy"));
        Assert.True(pivot["evaluation"]!["recommended"]!.GetValue<bool>());
        Assert.Equal(340, pivot["evaluation"]!["n"]!.GetValue<long>());
        Assert.Equal(12, pivot["evaluation"]!["s"]!.GetValue<long>());
        Assert.Equal(0.972054, Math.Round(pivot["evaluation"]!["probabilityBelowTarget"]!.GetValue<double>(), 6));
        var playbook = created["playbook"]!;
        Assert.Equal(2, playbook["version"]!.GetValue<int>());
        Assert.Equal("\"2\"", pivotResponse.Headers.ETag?.ToString());
        Assert.Equal("Hypothesis for: Meetings come from CFOs, not heads of growth", playbook.Str("strategy.hypothesis"));
        Assert.Equal("meeting_booked", playbook.Str("strategy.successMetric"));
        var versions = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/versions")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["create", "pivot"], versions["versions"]!.AsArray().Select(v => v!.Str("change")));

        var restarted = await EvaluateAsync();
        Assert.Equal("collecting", restarted.Str("state"));
        Assert.Equal(2, restarted["strategyVersion"]!.GetValue<int>());
        Assert.Equal(0, restarted["samples"]!.GetValue<long>());
        Assert.Equal(1, restarted["pivot"]!["pivotsLast7Days"]!.GetValue<int>());

        // The old run keeps reporting under the old version: it is not evidence for the new strategy.
        await ReportAsync(run, 60, 0);
        Assert.Equal(0, (await EvaluateAsync())["samples"]!.GetValue<long>());
        await (await PivotAsync("Again")).ExpectProblemAsync(HttpStatusCode.Conflict, "insufficient_samples");

        var second = await StartRunAsync();
        await ReportAsync(second, 60, 0);
        var windowProblem = await (await PivotAsync("Again")).ExpectProblemAsync(HttpStatusCode.Conflict, "pivot_window_not_elapsed");
        Assert.Equal("2026-12-08T09:00:00.000Z", windowProblem.Str("nextPivotAllowedAt"));

        app.Clock.Advance(TimeSpan.FromDays(3));
        var limitProblem = await (await PivotAsync("Again")).ExpectProblemAsync(HttpStatusCode.Conflict, "pivot_limit_reached");
        Assert.Equal("2026-12-08T09:00:00.000Z", limitProblem.Str("nextPivotAllowedAt"));

        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", """{ "adaptation": { "enabled": false } }""")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("disabled", (await EvaluateAsync()).Str("state"));
        await (await PivotAsync("Again")).ExpectProblemAsync(HttpStatusCode.Conflict, "adaptation_disabled");

        // A week after the first pivot, with adaptation on again, the budget has room.
        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", """{ "adaptation": { "enabled": true } }""")).ExpectAsync(HttpStatusCode.OK);
        app.Clock.Advance(TimeSpan.FromDays(4));
        await (await PivotAsync("Third time")).ExpectAsync(HttpStatusCode.Created);

        var pivots = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/pivots")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["Meetings come from CFOs, not heads of growth", "Third time"], pivots["pivots"]!.AsArray().Select(p => p!.Str("reason")));
    }

    [Fact]
    public async Task A_manual_strategy_change_restarts_the_evidence_and_other_changes_do_not()
    {
        await CreateAsync();
        var run = await StartRunAsync();
        await ReportAsync(run, 80, 2);

        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", """{ "name": "Renamed", "status": "paused" }""")).ExpectAsync(HttpStatusCode.OK);
        var afterRename = await EvaluateAsync();
        Assert.Equal(80, afterRename["samples"]!.GetValue<long>());
        Assert.Equal(1, afterRename["strategyVersion"]!.GetValue<int>());

        app.Clock.Advance(TimeSpan.FromHours(5));
        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", """{ "strategy": { "channels": ["email"] } }""")).ExpectAsync(HttpStatusCode.OK);
        var afterStrategy = await EvaluateAsync();
        Assert.Equal(0, afterStrategy["samples"]!.GetValue<long>());
        Assert.Equal(3, afterStrategy["strategyVersion"]!.GetValue<int>());
        Assert.Equal("2026-11-28T14:00:00.000Z", afterStrategy.Str("strategySince"));

        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", """{ "status": "active" }""")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, (await EvaluateAsync())["strategyVersion"]!.GetValue<int>());
        var pivots = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/pivots")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(pivots["pivots"]!.AsArray());
    }

    [Fact]
    public async Task No_target_and_value_metrics()
    {
        tenant = await app.NewTenantAsync();
        playbookId = (await tenant.Client.CreatePlaybookAsync(new { name = "N", mode = "inbound", buddyId = "pipeline", strategy = new { hypothesis = "H", successMetric = "pipeline_arr" } })).Id();
        Assert.Equal("no_target", (await EvaluateAsync()).Str("state"));

        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", """{ "strategy": { "successTarget": 100000 } }""")).ExpectAsync(HttpStatusCode.OK);
        var run = await StartRunAsync();
        for (var i = 0; i < 90; i++)
        {
            await (await tenant.Client.PostAsync($"/v1/playbooks/{playbookId}/runs/{run}/outcomes", Http.Json("""{ "samples": 1, "successes": 0 }"""))).ExpectAsync(HttpStatusCode.OK);
        }
        for (var i = 0; i < 10; i++)
        {
            await (await tenant.Client.PostAsync($"/v1/playbooks/{playbookId}/runs/{run}/outcomes", Http.Json("""{ "samples": 1, "successes": 1, "value": 30000 }"""))).ExpectAsync(HttpStatusCode.OK);
        }
        app.Clock.Advance(TimeSpan.FromDays(3));

        var evaluation = await EvaluateAsync();
        Assert.Equal("on_track", evaluation.Str("state"));
        Assert.Equal(2000, evaluation["targetPerSample"]!.GetValue<double>());
        Assert.Equal(3000, evaluation["observed"]!.GetValue<double>(), 9);
        Assert.Equal(0.133260, Math.Round(evaluation["probabilityBelowTarget"]!.GetValue<double>(), 6));
        Assert.Null(evaluation["eValueBelowTarget"]);
    }

    /// <summary>
    /// The evidence of value metrics sums each run's value² / samples (migration 0005); for runs
    /// reported before it, the migration's own backfill computes the same sums from the reports.
    /// </summary>
    [Fact]
    public async Task The_backfill_of_run_squares_gives_the_same_evaluation()
    {
        tenant = await app.NewTenantAsync();
        playbookId = (await tenant.Client.CreatePlaybookAsync(new
        {
            name = "N", mode = "inbound", buddyId = "pipeline",
            strategy = new { hypothesis = "H", successMetric = "pipeline_arr", successTarget = 100000 },
        })).Id();
        foreach (var value in new[] { 0, 12000, 45000 })
        {
            var run = await StartRunAsync();
            for (var i = 0; i < 20; i++)
            {
                await (await tenant.Client.PostAsync($"/v1/playbooks/{playbookId}/runs/{run}/outcomes",
                    Http.Json($$"""{ "samples": {{1 + i % 3}}, "successes": {{i % 2}}, "value": {{value + i * 500}} }"""))).ExpectAsync(HttpStatusCode.OK);
            }
        }
        app.Clock.Advance(TimeSpan.FromDays(3));
        var reported = await EvaluateAsync();

        var migration = typeof(global::Playbooks.Api.Data.Database).Assembly.GetManifestResourceNames().Single(n => n.EndsWith($"{provider}.0005_run_squares.sql", StringComparison.Ordinal));
        using var reader = new StreamReader(typeof(global::Playbooks.Api.Data.Database).Assembly.GetManifestResourceStream(migration)!);
        var sql = await reader.ReadToEndAsync();
        var backfill = sql[sql.IndexOf("UPDATE runs", StringComparison.Ordinal)..(sql.IndexOf(';', sql.IndexOf("UPDATE runs", StringComparison.Ordinal)) + 1)];
        var db = app.Services.GetRequiredService<global::Playbooks.Api.Data.Database>();
        await db.WriteAsync((connection, transaction) => connection.ExecuteAsync("UPDATE runs SET squares = 0", transaction: transaction), default);
        Assert.NotEqual(reported["probabilityBelowTarget"]!.GetValue<double>(), (await EvaluateAsync())["probabilityBelowTarget"]!.GetValue<double>());
        await db.WriteAsync((connection, transaction) => connection.ExecuteAsync(backfill, transaction: transaction), default);

        var backfilled = await EvaluateAsync();
        Assert.Equal(reported["probabilityBelowTarget"]!.GetValue<double>(), backfilled["probabilityBelowTarget"]!.GetValue<double>(), 12);
        Assert.Equal(reported["interval"]![0]!.GetValue<double>(), backfilled["interval"]![0]!.GetValue<double>(), 6);
        Assert.Equal(reported["interval"]![1]!.GetValue<double>(), backfilled["interval"]![1]!.GetValue<double>(), 6);
    }

    /// <summary>
    /// Where the current strategy started is kept on the playbook row (migration 0006); for
    /// playbooks saved before it, the migration's own backfill finds the same version and time.
    /// </summary>
    [Fact]
    public async Task The_backfill_of_the_strategy_start_gives_the_same_evaluation()
    {
        await CreateAsync();
        var (otherTenant, other) = (tenant, playbookId);
        await CreateAsync();
        foreach (var change in new[] { """{ "name": "Renamed" }""", """{ "strategy": { "channels": ["email"] } }""", """{ "status": "paused" }""", """{ "strategy": { "successTarget": 4 } }""", """{ "name": "Again" }""" })
        {
            app.Clock.Advance(TimeSpan.FromHours(1));
            await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", change)).ExpectAsync(HttpStatusCode.OK);
        }
        var before = await EvaluateAsync();
        Assert.Equal(5, before["strategyVersion"]!.GetValue<int>());
        Assert.Equal("2026-11-28T13:00:00.000Z", before.Str("strategySince"));

        var migration = typeof(global::Playbooks.Api.Data.Database).Assembly.GetManifestResourceNames().Single(n => n.EndsWith($"{provider}.0006_strategy_start.sql", StringComparison.Ordinal));
        using var reader = new StreamReader(typeof(global::Playbooks.Api.Data.Database).Assembly.GetManifestResourceStream(migration)!);
        var sql = await reader.ReadToEndAsync();
        var backfill = sql[sql.IndexOf("UPDATE playbooks", StringComparison.Ordinal)..];
        var db = app.Services.GetRequiredService<global::Playbooks.Api.Data.Database>();
        await db.WriteAsync((connection, transaction) => connection.ExecuteAsync("UPDATE playbooks SET strategy_version = 1, strategy_since = 0", transaction: transaction), default);
        Assert.Equal(1, (await EvaluateAsync())["strategyVersion"]!.GetValue<int>());
        await db.WriteAsync((connection, transaction) => connection.ExecuteAsync(backfill, transaction: transaction), default);

        var after = await EvaluateAsync();
        Assert.Equal(before["strategyVersion"]!.GetValue<int>(), after["strategyVersion"]!.GetValue<int>());
        Assert.Equal(before.Str("strategySince"), after.Str("strategySince"));
        // A playbook never changed starts at version 1, when it was created.
        (tenant, playbookId) = (otherTenant, other);
        var untouched = await EvaluateAsync();
        Assert.Equal(1, untouched["strategyVersion"]!.GetValue<int>());
        Assert.Equal("2026-11-28T09:00:00.000Z", untouched.Str("strategySince"));
    }

    [Theory]
    [InlineData("""{ "strategy": { "hypothesis": "New" } }""", new[] { "reason" })]
    [InlineData("""{ "reason": "Because" }""", new[] { "strategy" })]
    [InlineData("""{ "reason": "", "strategy": "cfo" }""", new[] { "reason", "strategy" })]
    [InlineData("""{ "reason": "Because", "strategy": { "hypothesis": "New growth leaders book meetings" } }""", new[] { "strategy" })]
    [InlineData("""{ "reason": "Because", "strategy": { "successTarget": -1, "channels": "x" } }""", new[] { "strategy.successTarget", "strategy.channels" })]
    [InlineData("""{ "reason": "Because", "strategy": { "kind": "nonsense" } }""", new[] { "strategy" })]
    public async Task Pivot_bodies_are_validated_before_the_guards(string body, string[] fields)
    {
        await CreateAsync();
        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", """{ "strategy": { "hypothesis": "New growth leaders book meetings" } }""")).ExpectAsync(HttpStatusCode.OK);

        await (await tenant.Client.PostAsync($"/v1/playbooks/{playbookId}/pivots", Http.Json(body))).ExpectValidationAsync(fields);
    }

    [Fact]
    public async Task A_reason_longer_than_2000_characters_is_400()
    {
        await CreateAsync();

        await (await PivotAsync(new string('r', 2001), hypothesis: "New")).ExpectValidationAsync("reason");
    }

    [Fact]
    public async Task Pivots_racing_for_the_last_slot_of_the_budget_let_exactly_one_win()
    {
        await CreateAsync(maxPivotsPerWeek: 1);
        await ReportAsync(await StartRunAsync(), 400, 12);
        app.Clock.Advance(TimeSpan.FromDays(3));

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            app.ClientWithToken(tenant.Token).PostAsJsonAsync($"/v1/playbooks/{playbookId}/pivots", new { reason = $"racer {i}", strategy = new { hypothesis = $"Racer {i}" } })));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var pivots = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/pivots")).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(pivots["pivots"]!.AsArray());
        var playbook = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, playbook["playbook"]!["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task Viewers_cannot_pivot_and_strangers_see_nothing()
    {
        await CreateAsync();
        var (_, viewer) = await app.CreateTokenAsync("viewer", (tenant.WorkspaceId, "viewer"));
        var stranger = await app.NewTenantAsync();

        await (await app.ClientWithToken(viewer).PostAsJsonAsync($"/v1/playbooks/{playbookId}/pivots", new { reason = "r", strategy = new { hypothesis = "x" } }))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
        await (await app.ClientWithToken(viewer).GetAsync($"/v1/playbooks/{playbookId}/adaptation")).ExpectAsync(HttpStatusCode.OK);
        await (await stranger.Client.GetAsync($"/v1/playbooks/{playbookId}/adaptation")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.Client.GetAsync($"/v1/playbooks/{playbookId}/pivots")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.Client.PostAsJsonAsync($"/v1/playbooks/{playbookId}/pivots", new { reason = "r", strategy = new { hypothesis = "x" } }))
            .ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    public sealed class OnSqlite() : AdaptationWalkTests(Provider.Sqlite);

    public sealed class OnPostgres() : AdaptationWalkTests(Provider.Postgres);
}
