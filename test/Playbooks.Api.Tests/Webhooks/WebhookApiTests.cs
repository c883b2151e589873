using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Webhooks;

/// <summary>
/// Managing webhook endpoints (events.md section 2): the calls, their validation, who may do what,
/// the secret shown once and never stored in the clear, and the network guard outside Development.
/// </summary>
public abstract class WebhookApiTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private const string PublicUrl = "https://93.184.215.14/hooks/playbooks";

    [Fact]
    public async Task An_endpoint_is_created_listed_changed_and_deleted()
    {
        var tenant = await app.NewTenantAsync(subject: "ops_1");
        var response = await tenant.Client.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl, events = new[] { "run.ended", "pivot.created", "run.ended" }, description = " CRM relay " });
        var created = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var webhook = created["webhook"]!;
        var id = webhook.Id();
        Assert.StartsWith("wh_", id);
        Assert.Equal($"/v1/webhooks/{id}", response.Headers.Location?.ToString());
        Assert.Equal(PublicUrl, webhook.Str("url"));
        Assert.Equal(["run.ended", "pivot.created"], webhook["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal("CRM relay", webhook.Str("description"));
        Assert.True(webhook["enabled"]!.GetValue<bool>());
        Assert.Null(webhook["disabledReason"]);
        Assert.Equal("ops_1", webhook.Str("createdBy"));
        Assert.Equal("2026-11-28T09:00:00.000Z", webhook.Str("createdAt"));
        var secret = created.Str("secret");
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);

        // Never shown again: not in a read, a list or a change.
        var read = await (await tenant.Client.GetAsync($"/v1/webhooks/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(webhook, read["webhook"]));
        Assert.DoesNotContain("secret", read.ToJsonString());
        var list = await (await tenant.Client.GetAsync("/v1/webhooks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([id], list["webhooks"]!.AsArray().Select(w => w!.Id()));
        Assert.DoesNotContain(secret, list.ToJsonString());

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var changed = await (await tenant.Client.PatchAsync($"/v1/webhooks/{id}", Http.Json("""{ "events": [], "enabled": false, "description": null }""")))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(changed["webhook"]!["events"]!.AsArray());
        Assert.False(changed["webhook"]!["enabled"]!.GetValue<bool>());
        Assert.Null(changed["webhook"]!["disabledReason"]);
        Assert.Null(changed["webhook"]!["description"]);
        Assert.Equal(PublicUrl, changed["webhook"]!.Str("url"));
        Assert.Equal("2026-11-28T09:01:00.000Z", changed["webhook"]!.Str("updatedAt"));
        Assert.DoesNotContain("secret", changed.ToJsonString());

        await (await tenant.Client.DeleteAsync($"/v1/webhooks/{id}")).ExpectAsync(HttpStatusCode.OK);
        await (await tenant.Client.GetAsync($"/v1/webhooks/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.DeleteAsync($"/v1/webhooks/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Empty((await (await tenant.Client.GetAsync("/v1/webhooks")).ExpectAsync(HttpStatusCode.OK))["webhooks"]!.AsArray());
    }

    [Fact]
    public async Task The_secret_is_stored_only_protected()
    {
        var tenant = await app.NewTenantAsync();
        var created = await (await tenant.Client.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl })).ExpectAsync(HttpStatusCode.Created);
        var rotated = await (await tenant.Client.PostAsync($"/v1/webhooks/{created["webhook"]!.Id()}/rotate-secret", null)).ExpectAsync(HttpStatusCode.OK);

        var stored = await app.StoredTextAsync();
        foreach (var secret in new[] { created.Str("secret"), rotated.Str("secret") })
        {
            Assert.DoesNotContain(secret, stored);
            Assert.DoesNotContain(secret["whsec_".Length..], stored);
        }
    }

    [Fact]
    public async Task Bad_bodies_name_the_field()
    {
        var tenant = await app.NewTenantAsync();
        async Task RefusedAsync(string json, params string[] fields) =>
            await (await tenant.Client.PostAsync("/v1/webhooks", Http.Json(json))).ExpectValidationAsync(fields);

        await RefusedAsync("{}", "url");
        await RefusedAsync("""{ "url": null }""", "url");
        await RefusedAsync("""{ "url": 42 }""", "url");
        await RefusedAsync("""{ "url": "hooks.example.com/x" }""", "url");
        await RefusedAsync("""{ "url": "ftp://93.184.215.14/x" }""", "url");
        await RefusedAsync("""{ "url": "https://user:pass@93.184.215.14/x" }""", "url");
        await RefusedAsync($$"""{ "url": "https://93.184.215.14/{{new string('a', 2000)}}" }""", "url");
        var longHost = string.Join('.', Enumerable.Repeat(new string('h', 60), 5)) + ".example";
        await RefusedAsync($$"""{ "url": "https://{{longHost}}/x" }""", "url");
        await RefusedAsync($$"""{ "url": "{{PublicUrl}}", "events": "run.ended" }""", "events");
        await RefusedAsync($$"""{ "url": "{{PublicUrl}}", "events": ["run.ended", "run.exploded"] }""", "events[1]");
        await RefusedAsync($$"""{ "url": "{{PublicUrl}}", "events": ["webhook.ping"] }""", "events[0]");
        await RefusedAsync($$"""{ "url": "{{PublicUrl}}", "description": "{{new string('d', 501)}}" }""", "description");
        await RefusedAsync($$"""{ "url": "{{PublicUrl}}", "enabled": "yes" }""", "enabled");

        var id = (await (await tenant.Client.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl })).ExpectAsync(HttpStatusCode.Created))["webhook"]!.Id();
        await (await tenant.Client.PatchAsync($"/v1/webhooks/{id}", Http.Json("""{ "url": null }"""))).ExpectValidationAsync("url");
        await (await tenant.Client.PatchAsync($"/v1/webhooks/{id}", Http.Json("""{ "url": "http://127.0.0.1/x" }"""))).ExpectValidationAsync("url");
        await (await tenant.Client.PatchAsync($"/v1/webhooks/{id}", Http.Json("[]"))).ExpectValidationAsync("body");
        await (await tenant.Client.GetAsync($"/v1/webhooks/{id}/deliveries?status=lost")).ExpectValidationAsync("status");
        await (await tenant.Client.GetAsync($"/v1/webhooks/{id}/deliveries?limit=0")).ExpectValidationAsync("limit");
        await (await tenant.Client.GetAsync($"/v1/webhooks/{id}/deliveries?cursor=%%%")).ExpectValidationAsync("cursor");
        await (await tenant.Client.GetAsync("/v1/webhooks/wh_nope")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.PostAsync("/v1/webhooks/wh_nope/ping", null)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.GetAsync("/v1/webhooks/wh_nope/deliveries")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_workspace_has_at_most_twenty_endpoints()
    {
        var tenant = await app.NewTenantAsync();
        for (var i = 0; i < 20; i++)
        {
            await (await tenant.Client.PostAsJsonAsync("/v1/webhooks", new { url = $"{PublicUrl}/{i}" })).ExpectAsync(HttpStatusCode.Created);
        }
        await (await tenant.Client.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl })).ExpectProblemAsync(HttpStatusCode.Conflict, "too_many_webhooks");
    }

    [Fact]
    public async Task Viewers_list_without_secrets_and_change_nothing_and_other_workspaces_see_nothing()
    {
        var owner = await app.NewTenantAsync();
        var created = await (await owner.Client.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl })).ExpectAsync(HttpStatusCode.Created);
        var id = created["webhook"]!.Id();
        var (_, viewerSecret) = await app.CreateTokenAsync("viewer_1", (owner.WorkspaceId, "viewer"));
        using var viewer = app.ClientWithToken(viewerSecret);

        Assert.Equal([id], (await (await viewer.GetAsync("/v1/webhooks")).ExpectAsync(HttpStatusCode.OK))["webhooks"]!.AsArray().Select(w => w!.Id()));
        await (await viewer.GetAsync($"/v1/webhooks/{id}/deliveries")).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl })).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
        await (await viewer.PostAsync($"/v1/webhooks/{id}/rotate-secret", null)).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
        await (await viewer.PostAsync($"/v1/webhooks/{id}/ping", null)).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
        await (await viewer.DeleteAsync($"/v1/webhooks/{id}")).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");

        var other = await app.NewTenantAsync();
        Assert.Empty((await (await other.Client.GetAsync("/v1/webhooks")).ExpectAsync(HttpStatusCode.OK))["webhooks"]!.AsArray());
        await (await other.Client.GetAsync($"/v1/webhooks/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.Client.PatchAsync($"/v1/webhooks/{id}", Http.Json("""{ "enabled": false }"""))).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.Client.PostAsync($"/v1/webhooks/{id}/rotate-secret", null)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await other.Client.DeleteAsync($"/v1/webhooks/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await owner.Client.GetAsync($"/v1/webhooks/{id}")).ExpectAsync(HttpStatusCode.OK);

        var readOnly = await app.NewTenantAsync(readOnly: true);
        await (await readOnly.Client.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl })).ExpectProblemAsync(HttpStatusCode.Forbidden, "read_only_workspace");
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook", "loopback")]
    [InlineData("http://127.1.2.3/hook", "loopback")]
    [InlineData("http://localhost:8080/hook", "loopback")]
    [InlineData("http://10.0.0.5/hook", "private")]
    [InlineData("http://172.16.4.4/hook", "private")]
    [InlineData("http://192.168.1.10/hook", "private")]
    [InlineData("http://169.254.169.254/latest/meta-data", "link-local")]
    [InlineData("http://100.64.0.1/hook", "shared")]
    [InlineData("http://0.0.0.0/hook", "reserved")]
    [InlineData("http://[::1]/hook", "loopback")]
    [InlineData("http://[::ffff:127.0.0.1]/hook", "loopback")]
    [InlineData("http://[fe80::1]/hook", "link-local")]
    [InlineData("http://[fd12:3456::1]/hook", "private")]
    [InlineData("http://[64:ff9b::a00:1]/hook", "private")]
    [InlineData("http://2130706433/hook", "loopback")]
    [InlineData("http://[::7f00:1]/hook", "global unicast")]
    [InlineData("http://[3fff::1]/hook", "documentation")]
    public async Task Outside_development_an_address_off_the_public_internet_is_refused(string url, string why)
    {
        var tenant = await app.NewTenantAsync();
        var problem = await (await tenant.Client.PostAsJsonAsync("/v1/webhooks", new { url })).ExpectValidationAsync("url");
        Assert.Contains(why, problem["errors"]!["url"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_name_that_no_longer_resolves_to_a_public_address_is_refused_at_delivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await app.NewTenantAsync();
        var id = (await (await tenant.Client.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl })).ExpectAsync(HttpStatusCode.Created))["webhook"]!.Id();
        // What DNS can do after the check: the name now points at this machine.
        var db = app.Services.GetRequiredService<global::Playbooks.Api.Data.Database>();
        await db.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "UPDATE webhooks SET url = @url WHERE id = @id", new { url = new Uri(receiver.Url, "/hook").ToString().Replace("127.0.0.1", "localhost"), id }, transaction), default);

        await tenant.Client.CreatePlaybookAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonNode? delivery = null;
        while (delivery?["attempts"]?.GetValue<int>() is not > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "No attempt was made.");
            await Task.Delay(50);
            delivery = (await (await tenant.Client.GetAsync($"/v1/webhooks/{id}/deliveries")).ExpectAsync(HttpStatusCode.OK))["deliveries"]!.AsArray().FirstOrDefault();
        }
        Assert.Equal("pending", delivery!.Str("status"));
        Assert.Null(delivery["lastStatusCode"]);
        Assert.Contains("loopback", delivery.Str("lastError"));
        Assert.Empty(receiver.Pending());
    }

    public sealed class OnSqlite() : WebhookApiTests(Provider.Sqlite);

    public sealed class OnPostgres() : WebhookApiTests(Provider.Postgres);
}

/// <summary>In Development, a team may point webhooks at its own machine.</summary>
public sealed class WebhookDevelopmentTests : IDisposable
{
    private readonly PlaybooksApp app = new(Provider.Sqlite, environment: "Development");

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task In_development_loopback_is_allowed()
    {
        var tenant = await app.NewTenantAsync();
        await (await tenant.Client.PostAsJsonAsync("/v1/webhooks", new { url = "http://localhost:9000/hook" })).ExpectAsync(HttpStatusCode.Created);
    }
}
