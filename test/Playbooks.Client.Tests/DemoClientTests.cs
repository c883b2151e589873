using System.Net;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.Client;

namespace Playbooks.Client.Tests;

/// <summary><see cref="PlaybooksClient.DemoAsync"/> against the real server pipeline with the demo on.</summary>
public sealed class DemoClientTests : IDisposable
{
    private readonly PlaybooksApp app = new(Provider.Sqlite, settings: new Dictionary<string, string> { ["Playbooks:Demo:Enabled"] = "true" });

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task Demo_answers_typed_replays_a_retry_and_refuses_a_second_demo()
    {
        var tenant = await app.NewTenantAsync();
        var http = new HttpClient(app.Server.CreateHandler()) { BaseAddress = new Uri(app.Server.BaseAddress, "/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tenant.Token);
        using var client = new PlaybooksClient(http);

        var demo = await client.DemoAsync(idempotencyKey: "demo-1");

        Assert.Equal(4, demo.Playbooks.Count);
        Assert.All(demo.Playbooks, p => Assert.StartsWith("Demo: ", p.Name, StringComparison.Ordinal));
        var evaluation = await client.EvaluateAsync(demo.PivotReadyPlaybookId);
        Assert.Equal("underperforming", evaluation.State);
        Assert.True(evaluation.Pivot.Allowed);

        // A retry of the same call (same key) gets the same answer, not a conflict.
        var retried = await client.DemoAsync(idempotencyKey: "demo-1");
        Assert.Equal(demo.Playbooks.Select(p => p.Id), retried.Playbooks.Select(p => p.Id));

        var again = await Assert.ThrowsAsync<PlaybooksApiException>(() => client.DemoAsync());
        Assert.Equal((HttpStatusCode.Conflict, "demo_exists"), (again.Status, again.Code));
    }
}
