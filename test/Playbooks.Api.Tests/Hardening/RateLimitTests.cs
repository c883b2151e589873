using System.Net;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Hardening;

public abstract class RateLimitTests(Provider provider) : IDisposable
{
    // A burst of 3, then one permit per 1000 s: the fourth call is refused, whatever the machine's speed.
    private readonly PlaybooksApp app = new(provider, settings: new Dictionary<string, string>
    {
        ["Playbooks:RateLimit:PermitsPerSecond"] = "0.001",
        ["Playbooks:RateLimit:Burst"] = "3",
    });

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Past_its_burst_a_token_gets_429_with_retry_after_and_other_tokens_do_not()
    {
        var tenant = await app.NewTenantAsync();
        var (_, other) = await app.CreateTokenAsync("other", (tenant.WorkspaceId, "editor"));

        for (var i = 0; i < 3; i++)
        {
            await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        }
        var limited = await tenant.Client.PostAsync("/v1/playbooks", Http.Json(Endpoints.CreateBody));

        await limited.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 1000);
        await (await app.ClientWithToken(other).GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        var list = await (await app.ClientWithToken(other).GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(list["playbooks"]!.AsArray());
    }

    [Fact]
    public async Task Forged_tokens_cannot_spend_a_real_tokens_budget()
    {
        var tenant = await app.NewTenantAsync();
        var forged = tenant.Token[..^4] + (tenant.Token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        for (var i = 0; i < 10; i++)
        {
            await (await app.ClientWithToken(forged).GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }

        await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_rate_limit_comes_after_authentication_and_before_workspace_context()
    {
        var first = await app.CreateWorkspaceAsync("First");
        var second = await app.CreateWorkspaceAsync("Second");
        var (_, token) = await app.CreateTokenAsync("several", (first, "editor"), (second, "viewer"));
        var client = app.ClientWithToken(token);

        for (var i = 0; i < 3; i++)
        {
            await (await client.GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.BadRequest, "workspace_required");
        }

        await (await client.GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        await (await app.CreateClient().GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    public sealed class OnSqlite() : RateLimitTests(Provider.Sqlite);

    public sealed class OnPostgres() : RateLimitTests(Provider.Postgres);
}
