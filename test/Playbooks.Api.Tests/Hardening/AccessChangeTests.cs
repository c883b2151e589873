using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Hardening;

/// <summary>
/// A workspace made read-only, or a token revoked, holds on this instance from the moment the
/// admin call returns, while writers keep going: no request sent after that moment is accepted.
/// </summary>
public abstract class AccessChangeTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Four writers record runs until told to stop; each request's send time and status.</summary>
    private static async Task<List<(long SentAt, HttpStatusCode Status)>> WriteUntilAsync(HttpClient client, string playbookId, Func<bool> stop)
    {
        var seen = new List<(long, HttpStatusCode)>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            while (!stop())
            {
                var sentAt = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync($"/v1/playbooks/{playbookId}/run", null);
                lock (seen)
                {
                    seen.Add((sentAt, response.StatusCode));
                }
            }
        }));
        return seen;
    }

    [Fact]
    public Task No_write_sent_after_a_workspace_was_made_read_only_is_accepted() =>
        NothingAcceptedAfterAsync(
            (admin, tenant) => admin.PatchAsJsonAsync($"/v1/admin/workspaces/{tenant.WorkspaceId}", new { readOnly = true }),
            HttpStatusCode.Forbidden);

    [Fact]
    public Task No_request_sent_after_its_token_was_revoked_is_accepted() =>
        NothingAcceptedAfterAsync(
            (admin, tenant) => admin.DeleteAsync($"/v1/admin/tokens/{tenant.TokenId}"),
            HttpStatusCode.Unauthorized);

    /// <summary>
    /// Over 15 trials: writers get going (and fill the access cache), <paramref name="change"/> is
    /// made under them, and every request sent after it returned gets <paramref name="refused"/>.
    /// </summary>
    private async Task NothingAcceptedAfterAsync(Func<HttpClient, Tenant, Task<HttpResponseMessage>> change, HttpStatusCode refused)
    {
        using var admin = app.AdminClient();
        for (var trial = 0; trial < 15; trial++)
        {
            var tenant = await app.NewTenantAsync();
            var playbookId = (await tenant.Client.CreatePlaybookAsync()).Id();
            long returnedAt = 0;
            var writing = WriteUntilAsync(tenant.Client, playbookId, () => Interlocked.Read(ref returnedAt) is > 0 and var at && Stopwatch.GetTimestamp() > at + Stopwatch.Frequency / 5);

            while ((await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/runs")).ExpectAsync(HttpStatusCode.OK))["runs"]!.AsArray().Count < 3)
            {
            }
            await (await change(admin, tenant)).ExpectAsync(HttpStatusCode.OK);
            Interlocked.Exchange(ref returnedAt, Stopwatch.GetTimestamp());

            var seen = await writing;
            var after = seen.Where(s => s.SentAt > returnedAt).ToList();
            Assert.NotEmpty(after);
            Assert.All(after, s => Assert.Equal(refused, s.Status));
        }
    }

    public sealed class OnSqlite() : AccessChangeTests(Provider.Sqlite);

    public sealed class OnPostgres() : AccessChangeTests(Provider.Postgres);
}
