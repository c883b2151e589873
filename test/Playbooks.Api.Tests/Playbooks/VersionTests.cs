using System.Net;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Playbooks;

public abstract class VersionTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Every_change_saves_an_immutable_version_oldest_first()
    {
        var tenant = await app.NewTenantAsync(subject: "author");
        var created = await tenant.Client.CreatePlaybookAsync();
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var (_, editor) = await app.CreateTokenAsync("editor_2", (tenant.WorkspaceId, "editor"));
        var updated = await (await app.ClientWithToken(editor).PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "status": "active" }""")).ExpectAsync(HttpStatusCode.OK);
        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "status": "active" }""")).ExpectAsync(HttpStatusCode.OK);

        var list = await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}/versions")).ExpectAsync(HttpStatusCode.OK);

        var versions = list["versions"]!.AsArray();
        Assert.Equal(2, versions.Count);
        Assert.Equal([1, 2], versions.Select(v => v!["version"]!.GetValue<int>()));
        Assert.Equal(["create", "update"], versions.Select(v => v!.Str("change")));
        Assert.Equal(["author", "editor_2"], versions.Select(v => v!.Str("createdBy")));
        Assert.Equal(["2026-11-28T09:00:00.000Z", "2026-11-28T09:01:00.000Z"], versions.Select(v => v!.Str("createdAt")));
        Assert.Equal("draft", versions[0]!["spec"]!.Str("status"));
        Assert.Equal("active", versions[1]!["spec"]!.Str("status"));
        var playbook = updated["playbook"]!.AsObject();
        foreach (var field in new[] { "name", "status", "mode", "buddyId", "leadSource", "strategy", "adaptation" })
        {
            Assert.Equal(playbook[field]!.ToJsonString(), versions[1]!["spec"]![field]!.ToJsonString());
        }
        Assert.Null(versions[1]!["spec"]!["id"]);
    }

    [Fact]
    public async Task One_version_is_read_by_its_number()
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync();
        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "name": "Second" }""")).ExpectAsync(HttpStatusCode.OK);

        var version = await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}/versions/1")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(1, version["version"]!["version"]!.GetValue<int>());
        Assert.Equal(created.Str("name"), version["version"]!["spec"]!.Str("name"));
        foreach (var missing in new[] { "3", "0", "-1", "two", "99999999999999999999" })
        {
            await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}/versions/{missing}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        }
        await (await tenant.Client.GetAsync("/v1/playbooks/pb_01JD0000000000000000000000/versions/1")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Versions_page_with_limit_and_cursor()
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync();
        for (var i = 0; i < 4; i++)
        {
            await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", $$"""{ "name": "Name {{i}}" }""")).ExpectAsync(HttpStatusCode.OK);
        }

        var first = await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}/versions?limit=3")).ExpectAsync(HttpStatusCode.OK);
        var second = await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}/versions?limit=3&cursor={first.Str("nextCursor")}")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal([1, 2, 3], first["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<int>()));
        Assert.Equal([4, 5], second["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<int>()));
        Assert.Null(second["nextCursor"]);
        await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}/versions?cursor=abc")).ExpectValidationAsync("cursor");
    }

    public sealed class OnSqlite() : VersionTests(Provider.Sqlite);

    public sealed class OnPostgres() : VersionTests(Provider.Postgres);
}
