using System.Net;
using System.Net.Http.Json;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Operations;

public abstract class FirstStartTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("playbooks-first-").FullName;
    private readonly TestDatabase database;

    protected FirstStartTests(Provider provider) => database = new TestDatabase(provider, directory);

    public void Dispose()
    {
        database.Dispose();
        Directory.Delete(directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    private Dictionary<string, string> Settings => new(database.Settings) { ["Playbooks:AdminKey"] = "first-start-admin" };

    [Fact]
    public async Task Development_on_an_empty_database_makes_a_default_workspace_and_a_dev_token_once()
    {
        var tokenFile = Path.Combine(directory, "data", "dev-token");
        string token;
        await using (var server = await ServerProcess.StartAsync(directory, Settings, environment: "Development"))
        {
            Assert.True(File.Exists(tokenFile));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
            }
            token = await File.ReadAllTextAsync(tokenFile);
            Assert.Contains(token, server.Output, StringComparison.Ordinal);

            var client = server.Client(token);
            var playbook = await client.CreatePlaybookAsync();
            Assert.Equal("dev", playbook.Str("createdBy"));

            var workspaces = await (await server.Client("first-start-admin").GetAsync("/v1/admin/workspaces")).ExpectAsync(HttpStatusCode.OK);
            var workspace = workspaces["workspaces"]!.AsArray().Single()!;
            Assert.Equal("default", workspace.Str("name"));
            Assert.Equal(workspace.Id(), playbook.Str("workspaceId"));
        }

        await using (var again = await ServerProcess.StartAsync(directory, Settings, environment: "Development"))
        {
            Assert.DoesNotContain("pbt_", again.Output, StringComparison.Ordinal);
            Assert.Equal(token, await File.ReadAllTextAsync(tokenFile));
            var workspaces = await (await again.Client("first-start-admin").GetAsync("/v1/admin/workspaces")).ExpectAsync(HttpStatusCode.OK);
            Assert.Single(workspaces["workspaces"]!.AsArray());
            await (await again.Client(token).GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task Outside_development_nothing_is_made()
    {
        await using var server = await ServerProcess.StartAsync(directory, Settings, environment: "Production");

        Assert.False(File.Exists(Path.Combine(directory, "data", "dev-token")));
        var workspaces = await (await server.Client("first-start-admin").GetAsync("/v1/admin/workspaces")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(workspaces["workspaces"]!.AsArray());
    }

    public sealed class OnSqlite() : FirstStartTests(Provider.Sqlite);

    public sealed class OnPostgres() : FirstStartTests(Provider.Postgres);
}
