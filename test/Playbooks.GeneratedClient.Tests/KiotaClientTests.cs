using System.Net.Http.Headers;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.GeneratedClient;
using Playbooks.GeneratedClient.Models;

namespace Playbooks.GeneratedClient.Tests;

/// <summary>
/// Issue 11: the flow of test/openapi-clients/src/flow.ts, through a C# client that Kiota
/// generated from docs/openapi.json at build time: typed bodies, typed results, and the
/// document's problem responses as typed exceptions.
/// </summary>
public sealed class KiotaClientTests : IDisposable
{
    // The document does not depend on the database provider, so one provider is enough here.
    private readonly PlaybooksApp app = new(Provider.Sqlite);

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task A_client_generated_from_the_document_runs_the_whole_flow()
    {
        var api = await ClientAsync();

        // Create: one sample is enough evidence, and the window is the shortest the contract allows.
        var created = (await api.V1.Playbooks.PostAsync(new CreatePlaybookRequest
        {
            Name = "Series B SaaS. New head of growth",
            Mode = CreatePlaybookRequest_mode.Outbound,
            BuddyId = CreatePlaybookRequest_buddyId.Prospect,
            Strategy = new StrategyRequest
            {
                Hypothesis = "New growth leaders buy in their first 90 days",
                SuccessMetric = StrategyRequest_successMetric.Meeting_booked,
                SuccessTarget = 3,
            },
            Adaptation = new AdaptationRequest { MinSampleSize = 1, PivotWindowDays = 1 },
        }))!.Playbook!;
        Assert.Equal(1, created.Version);
        Assert.Equal(PlaybookResponse_status.Draft, created.Status);
        var id = created.Id!;

        // Get, reading the ETag the way Kiota exposes response headers.
        var headers = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
        var got = (await api.V1.Playbooks[id].GetAsync(c => c.Options.Add(headers)))!.Playbook!;
        var etag = Assert.Single(headers.ResponseHeaders["ETag"]);
        Assert.Equal($"\"{got.Version}\"", etag);

        // A typed validation problem naming the field.
        var invalid = await Assert.ThrowsAsync<Problem>(() => api.V1.Playbooks[id].PutAsync(
            new UpdatePlaybookRequest { LeadSource = new LeadSourceRequest { SampleSize = 0 } }));
        Assert.Equal(400, invalid.ResponseStatusCode);
        Assert.Equal("validation_failed", invalid.Code);
        Assert.Contains("leadSource.sampleSize", invalid.Errors!.AdditionalData.Keys);

        // Update with If-Match (Kiota sends header parameters through the request configuration).
        var updated = (await api.V1.Playbooks[id].PutAsync(
            new UpdatePlaybookRequest { Status = UpdatePlaybookRequest_status.Active },
            c => c.Headers.Add("If-Match", etag)))!.Playbook!;
        Assert.Equal(2, updated.Version);
        Assert.Equal(PlaybookResponse_status.Active, updated.Status);
        var stale = await Assert.ThrowsAsync<Problem>(() => api.V1.Playbooks[id].PutAsync(
            new UpdatePlaybookRequest { Name = "Renamed" }, c => c.Headers.Add("If-Match", etag)));
        Assert.Equal(412, stale.ResponseStatusCode);
        Assert.Equal("precondition_failed", stale.Code);

        // Start a run with an Idempotency-Key; the same key replays the same run.
        var key = $"kiota-{Guid.NewGuid():N}";
        var run = (await api.V1.Playbooks[id].Run.PostAsync(c => c.Headers.Add("Idempotency-Key", key)))!.Run!;
        Assert.Equal(2, run.SpecVersion);
        Assert.Equal(RunResponse_status.Running, run.Status);
        var replayHeaders = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
        var replayed = (await api.V1.Playbooks[id].Run.PostAsync(c =>
        {
            c.Headers.Add("Idempotency-Key", key);
            c.Options.Add(replayHeaders);
        }))!.Run!;
        Assert.Equal(run.Id, replayed.Id);
        Assert.Equal("true", Assert.Single(replayHeaders.ResponseHeaders["Idempotent-Replayed"]));

        // Outcomes add up on the run.
        var runApi = api.V1.Playbooks[id].Runs[run.Id!];
        await runApi.Outcomes.PostAsync(new OutcomeReportRequest { Samples = 1, Successes = 1 });
        await runApi.Outcomes.PostAsync(new OutcomeReportRequest { Samples = 2, Successes = 0 });
        var metrics = (await runApi.GetAsync())!.Run!.Metrics!;
        Assert.Equal(3, metrics.Samples);
        Assert.Equal(1, metrics.Successes);
        Assert.Equal(1, metrics.MetricValue);

        // End the run; a second end is a typed 409.
        var ended = (await runApi.PatchAsync(new EndRunRequest { Status = EndRunRequest_status.Completed, Note = "three leads contacted" }))!.Run!;
        Assert.Equal(RunResponse_status.Completed, ended.Status);
        Assert.NotNull(ended.EndedAt);
        var endedTwice = await Assert.ThrowsAsync<Problem>(() => runApi.PatchAsync(new EndRunRequest { Status = EndRunRequest_status.Failed }));
        Assert.Equal("run_not_running", endedTwice.Code);

        // Evaluate: enough samples, but the strategy has not been in place for pivotWindowDays.
        var early = (await api.V1.Playbooks[id].Adaptation.GetAsync())!.Evaluation!;
        Assert.Equal(Evaluation_state.Collecting, early.State);
        Assert.Equal(3, early.Samples);
        Assert.False(early.Pivot!.Allowed);
        Assert.Equal(PivotStatus_blockedBy.Pivot_window_not_elapsed, early.Pivot.BlockedBy);
        var pivot = new PivotRequest
        {
            Reason = "One meeting in three leads; try warm introductions",
            Strategy = new StrategyUpdate { Hypothesis = "Warm introductions convert new growth leaders", Channels = ["email", "linkedin"] },
        };
        var refused = await Assert.ThrowsAsync<Problem>(() => api.V1.Playbooks[id].Pivots.PostAsync(pivot));
        Assert.Equal(409, refused.ResponseStatusCode);
        Assert.Equal("pivot_window_not_elapsed", refused.Code);

        // The server reads the test's clock: two days later the window has elapsed.
        app.Clock.Advance(TimeSpan.FromDays(2));
        Assert.True((await api.V1.Playbooks[id].Adaptation.GetAsync())!.Evaluation!.Pivot!.Allowed);
        var pivoted = (await api.V1.Playbooks[id].Pivots.PostAsync(pivot))!;
        Assert.Equal(2, pivoted.Pivot!.FromVersion);
        Assert.Equal(3, pivoted.Pivot.ToVersion);
        Assert.Equal(pivot.Strategy.Hypothesis, pivoted.Playbook!.Strategy!.Hypothesis);
        Assert.Equal(["email", "linkedin"], pivoted.Playbook.Strategy.Channels!);

        // Stats: the day buckets add up to what was reported.
        var stats = (await api.V1.Playbooks[id].Stats.GetAsync(c => c.QueryParameters.Bucket = V1.Playbooks.Item.Stats.GetBucketQueryParameterType.Day))!;
        Assert.Equal(3, stats.Buckets!.Sum(b => b.Samples));
        Assert.Equal(1, stats.Buckets!.Sum(b => b.RunsStarted));
    }

    /// <summary>
    /// The generated client over the in-memory server, with Kiota's default middleware (it is what
    /// reads response headers) and a real token made through the admin API.
    /// </summary>
    private async Task<PlaybooksApiClient> ClientAsync()
    {
        var tenant = await app.NewTenantAsync();
        var http = app.CreateDefaultClient([.. KiotaClientFactory.CreateDefaultHandlers()]);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.Token);
        var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http)
        {
            BaseUrl = http.BaseAddress!.ToString().TrimEnd('/'),
        };
        return new PlaybooksApiClient(adapter);
    }
}
