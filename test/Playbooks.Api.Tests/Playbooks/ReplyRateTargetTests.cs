using Dapper;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Playbooks;

/// <summary>
/// A reply_rate target above 100 means nothing (adaptation.md): refused on create, update and
/// pivot, checked on the merged strategy, so a metric and a target sent in different requests
/// are held to the same rule. 100 and 0.5 are fine.
/// </summary>
public abstract class ReplyRateTargetTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private Tenant tenant = null!;

    private static object Playbook(string metric, double target) => new
    {
        name = "Replies",
        status = "active",
        mode = "outbound",
        buddyId = "prospect",
        strategy = new { hypothesis = "CTOs reply to short notes", successMetric = metric, successTarget = target },
        adaptation = new { enabled = true, minSampleSize = 50, pivotWindowDays = 3, maxPivotsPerWeek = 2 },
    };

    private async Task<JsonObject> CreateAsync(string metric, double target)
    {
        tenant ??= await app.NewTenantAsync();
        return await tenant.Client.CreatePlaybookAsync(Playbook(metric, target));
    }

    private async Task<JsonNode> GetAsync(string id) =>
        (await (await tenant.Client.GetAsync($"/v1/playbooks/{id}")).ExpectAsync(HttpStatusCode.OK))["playbook"]!;

    /// <summary>Enough evidence and time for a pivot's guards to let it through.</summary>
    private async Task MakePivotAllowedAsync(string id)
    {
        var run = (await (await tenant.Client.PostAsync($"/v1/playbooks/{id}/run", null)).ExpectAsync(HttpStatusCode.Created))["run"]!.Id();
        await (await tenant.Client.PostAsync($"/v1/playbooks/{id}/runs/{run}/outcomes", Http.Json("""{ "samples": 60, "successes": 3 }"""))).ExpectAsync(HttpStatusCode.OK);
        app.Clock.Advance(TimeSpan.FromDays(3));
    }

    private Task<HttpResponseMessage> PivotAsync(string id, object strategy) =>
        tenant.Client.PostAsJsonAsync($"/v1/playbooks/{id}/pivots", new { reason = "The evidence says so", strategy });

    [Theory]
    [InlineData(150)]
    [InlineData(100.5)]
    public async Task Create_refuses_a_reply_rate_target_above_100(double target)
    {
        tenant = await app.NewTenantAsync();

        var problem = await (await tenant.Client.PostAsJsonAsync("/v1/playbooks", Playbook("reply_rate", target))).ExpectValidationAsync("strategy.successTarget");

        Assert.Contains("at most 100", problem["errors"]!["strategy.successTarget"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty((await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK))["playbooks"]!.AsArray());
    }

    [Theory]
    [InlineData(100)]
    [InlineData(0.5)]
    [InlineData(0)]
    public async Task Create_accepts_a_reply_rate_target_up_to_100(double target)
    {
        var created = await CreateAsync("reply_rate", target);

        Assert.Equal(target, created["strategy"]!["successTarget"]!.GetValue<double>());
    }

    [Fact]
    public async Task Other_metrics_keep_targets_above_100()
    {
        var created = await CreateAsync("pipeline_arr", 150000);

        Assert.Equal(150000, created["strategy"]!["successTarget"]!.GetValue<double>());
    }

    [Fact]
    public async Task An_update_that_only_sets_the_metric_is_checked_against_the_saved_target()
    {
        var created = await CreateAsync("meeting_booked", 150);

        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "strategy": { "successMetric": "reply_rate" } }"""))
            .ExpectValidationAsync("strategy.successTarget");

        Assert.Equal(created.ToJsonString(), (await GetAsync(created.Id())).ToJsonString());
        // Both at once, to a meaningful pair, is fine.
        var updated = await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "strategy": { "successMetric": "reply_rate", "successTarget": 15 } }"""))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("reply_rate", updated["playbook"]!.Str("strategy.successMetric"));
        Assert.Equal(15, updated["playbook"]!["strategy"]!["successTarget"]!.GetValue<double>());
    }

    [Fact]
    public async Task An_update_that_only_sets_the_target_is_checked_against_the_saved_metric()
    {
        var created = await CreateAsync("reply_rate", 8);

        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "strategy": { "successTarget": 150 } }"""))
            .ExpectValidationAsync("strategy.successTarget");
        Assert.Equal(created.ToJsonString(), (await GetAsync(created.Id())).ToJsonString());

        foreach (var target in new[] { 100, 0.5 })
        {
            var updated = await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", $$"""{ "strategy": { "successTarget": {{target}} } }"""))
                .ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(target, updated["playbook"]!["strategy"]!["successTarget"]!.GetValue<double>());
        }
        // Away from reply_rate, the same number means something again.
        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "strategy": { "successMetric": "pipeline_arr", "successTarget": 150 } }"""))
            .ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_pivot_is_checked_on_the_strategy_it_would_save()
    {
        var meetings = await CreateAsync("meeting_booked", 150);
        var replies = await CreateAsync("reply_rate", 8);

        // Validation comes before the guards: no evidence is needed to be refused.
        await (await PivotAsync(meetings.Id(), new { successMetric = "reply_rate" })).ExpectValidationAsync("strategy.successTarget");
        await (await PivotAsync(replies.Id(), new { successTarget = 150 })).ExpectValidationAsync("strategy.successTarget");
        await (await PivotAsync(replies.Id(), new { hypothesis = "New", successMetric = "meeting_booked", successTarget = 20 })).ExpectProblemAsync(HttpStatusCode.Conflict, "insufficient_samples");

        await MakePivotAllowedAsync(replies.Id());
        await (await PivotAsync(replies.Id(), new { successTarget = 100.5 })).ExpectValidationAsync("strategy.successTarget");
        Assert.Empty((await (await tenant.Client.GetAsync($"/v1/playbooks/{replies.Id()}/pivots")).ExpectAsync(HttpStatusCode.OK))["pivots"]!.AsArray());
        var pivoted = await (await PivotAsync(replies.Id(), new { successTarget = 100 })).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(100, pivoted["playbook"]!["strategy"]!["successTarget"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_pivot_to_a_target_of_one_half_is_accepted()
    {
        var created = await CreateAsync("meeting_booked", 3);
        await MakePivotAllowedAsync(created.Id());

        var pivoted = await (await PivotAsync(created.Id(), new { successMetric = "reply_rate", successTarget = 0.5 })).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal("reply_rate", pivoted["playbook"]!.Str("strategy.successMetric"));
        Assert.Equal(0.5, pivoted["playbook"]!["strategy"]!["successTarget"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_target_that_is_invalid_anyway_gets_one_message()
    {
        tenant = await app.NewTenantAsync();

        var problem = await (await tenant.Client.PostAsJsonAsync("/v1/playbooks", Playbook("reply_rate", -1))).ExpectValidationAsync("strategy.successTarget");

        Assert.Equal("must be at least 0", Assert.Single(problem["errors"]!["strategy.successTarget"]!.AsArray())!.GetValue<string>());
    }

    /// <summary>
    /// A playbook saved with such a target before the rule (written here straight to the database)
    /// can still be paused: a request without a strategy does not check it. Any change to its
    /// strategy must fix the target.
    /// </summary>
    [Fact]
    public async Task A_target_saved_before_the_rule_blocks_only_changes_to_the_strategy()
    {
        var created = await CreateAsync("reply_rate", 8);
        var db = app.Services.GetRequiredService<global::Playbooks.Api.Data.Database>();
        await db.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "UPDATE playbooks SET spec = REPLACE(spec, '\"successTarget\":8', '\"successTarget\":150') WHERE id = @id", new { id = created.Id() }, transaction), default);
        Assert.Equal(150, (await GetAsync(created.Id()))["strategy"]!["successTarget"]!.GetValue<double>());

        var paused = await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "status": "paused", "name": "Paused" }""")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("paused", paused["playbook"]!.Str("status"));

        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "strategy": { "hypothesis": "Shorter notes" } }"""))
            .ExpectValidationAsync("strategy.successTarget");
        var fixedTarget = await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "strategy": { "hypothesis": "Shorter notes", "successTarget": 15 } }"""))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(15, fixedTarget["playbook"]!["strategy"]!["successTarget"]!.GetValue<double>());
    }

    public sealed class OnSqlite() : ReplyRateTargetTests(Provider.Sqlite);

    public sealed class OnPostgres() : ReplyRateTargetTests(Provider.Postgres);
}
