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

    // Long enough for Production, which refuses admin keys under 32 characters.
    private const string AdminKey = "first-start-admin-key-0123456789abcdef";

    private Dictionary<string, string> Settings => new(database.Settings) { ["Playbooks:AdminKey"] = AdminKey };

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

            var workspaces = await (await server.Client(AdminKey).GetAsync("/v1/admin/workspaces")).ExpectAsync(HttpStatusCode.OK);
            var workspace = workspaces["workspaces"]!.AsArray().Single()!;
            Assert.Equal("default", workspace.Str("name"));
            Assert.Equal(workspace.Id(), playbook.Str("workspaceId"));
        }

        if (!OperatingSystem.IsWindows())
        {
            // Someone widened it: the next start narrows it again, and keeps the valid token.
            File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        await using (var again = await ServerProcess.StartAsync(directory, Settings, environment: "Development"))
        {
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
            }
            Assert.DoesNotContain("pbt_", again.Output, StringComparison.Ordinal);
            Assert.Equal(token, await File.ReadAllTextAsync(tokenFile));
            var workspaces = await (await again.Client(AdminKey).GetAsync("/v1/admin/workspaces")).ExpectAsync(HttpStatusCode.OK);
            Assert.Single(workspaces["workspaces"]!.AsArray());
            await (await again.Client(token).GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task The_dev_token_file_follows_the_database_the_server_starts_on()
    {
        var tokenFile = Path.Combine(directory, "data", "dev-token");
        string tokenOnA;
        await using (var onA = await ServerProcess.StartAsync(directory, Settings, environment: "Development"))
        {
            tokenOnA = await File.ReadAllTextAsync(tokenFile);
            await (await onA.Client(tokenOnA).GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        // Same content root (so the same data/dev-token), another database.
        var otherDirectory = Directory.CreateDirectory(Path.Combine(directory, "b"));
        using var databaseB = new TestDatabase(database.Provider, otherDirectory.FullName);
        var settingsB = new Dictionary<string, string>(databaseB.Settings) { ["Playbooks:AdminKey"] = AdminKey };
        await using var onB = await ServerProcess.StartAsync(directory, settingsB, environment: "Development");

        var tokenOnB = await File.ReadAllTextAsync(tokenFile);
        Assert.NotEqual(tokenOnA, tokenOnB);
        Assert.Contains(tokenOnB, onB.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(tokenOnA, onB.Output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        }
        await (await onB.Client(tokenOnA).GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.Unauthorized);
        var playbook = await onB.Client(tokenOnB).CreatePlaybookAsync();
        Assert.Equal("dev", playbook.Str("createdBy"));
        var workspaces = await (await onB.Client(AdminKey).GetAsync("/v1/admin/workspaces")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("default", workspaces["workspaces"]!.AsArray().Single()!.Str("name"));
    }

    [Fact]
    public async Task A_revoked_dev_token_is_replaced_in_the_existing_default_workspace()
    {
        var tokenFile = Path.Combine(directory, "data", "dev-token");
        string revoked;
        await using (var first = await ServerProcess.StartAsync(directory, Settings, environment: "Development"))
        {
            revoked = await File.ReadAllTextAsync(tokenFile);
            // A secret reads pbt_<ulid>_<random>; the token's id is tok_<ulid>.
            var id = "tok_" + revoked.Split('_')[1];
            await (await first.Client(AdminKey).DeleteAsync($"/v1/admin/tokens/{id}")).ExpectAsync(HttpStatusCode.OK);
        }

        await using var again = await ServerProcess.StartAsync(directory, Settings, environment: "Development");

        var fresh = await File.ReadAllTextAsync(tokenFile);
        Assert.NotEqual(revoked, fresh);
        await (await again.Client(fresh).GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        var workspaces = await (await again.Client(AdminKey).GetAsync("/v1/admin/workspaces")).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(workspaces["workspaces"]!.AsArray());
    }

    [Fact]
    public async Task Outside_development_nothing_is_made()
    {
        await using var server = await ServerProcess.StartAsync(directory, Settings, environment: "Production");

        Assert.False(File.Exists(Path.Combine(directory, "data", "dev-token")));
        var workspaces = await (await server.Client(AdminKey).GetAsync("/v1/admin/workspaces")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(workspaces["workspaces"]!.AsArray());
    }

    public sealed class OnSqlite() : FirstStartTests(Provider.Sqlite);

    public sealed class OnPostgres() : FirstStartTests(Provider.Postgres);
}
