using System.Net;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Auth;

/// <summary>Another workspace's ids are 404 everywhere, and nothing of theirs changes.</summary>
public abstract class IsolationTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    public static TheoryData<string> EndpointsWithAnId
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var call in Endpoints.All.Where(c => c.NamesAResource))
            {
                data.Add(call.ToString());
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(EndpointsWithAnId))]
    public async Task Another_workspaces_playbook_is_404(string endpoint)
    {
        var owner = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        var playbook = await owner.Client.CreatePlaybookAsync();
        var run = await (await owner.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);

        var response = await stranger.Client.SendAsync(Endpoints.Named(endpoint).Request(playbook.Id(), run["run"]!.Id()));

        await response.ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        var unchanged = await (await owner.Client.GetAsync($"/v1/playbooks/{playbook.Id()}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(playbook.ToJsonString(), unchanged["playbook"]!.ToJsonString());
        var runs = await (await owner.Client.GetAsync($"/v1/playbooks/{playbook.Id()}/runs")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(run["run"]!.ToJsonString(), runs["runs"]!.AsArray().Single()!.ToJsonString());
    }

    [Fact]
    public async Task Lists_show_only_the_callers_workspace()
    {
        var owner = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        await owner.Client.CreatePlaybookAsync();
        var own = await stranger.Client.CreatePlaybookAsync();

        var list = await (await stranger.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal([own.Id()], list["playbooks"]!.AsArray().Select(p => p!.Id()));
    }

    [Fact]
    public async Task A_token_with_grants_in_both_workspaces_sees_each_only_through_its_header()
    {
        var first = await app.NewTenantAsync();
        var second = await app.NewTenantAsync();
        var playbook = await first.Client.CreatePlaybookAsync();
        var (_, both) = await app.CreateTokenAsync("both", (first.WorkspaceId, "editor"), (second.WorkspaceId, "editor"));

        await (await app.ClientWithToken(both, first.WorkspaceId).GetAsync($"/v1/playbooks/{playbook.Id()}")).ExpectAsync(HttpStatusCode.OK);
        await (await app.ClientWithToken(both, second.WorkspaceId).GetAsync($"/v1/playbooks/{playbook.Id()}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    public sealed class OnSqlite() : IsolationTests(Provider.Sqlite);

    public sealed class OnPostgres() : IsolationTests(Provider.Postgres);
}
