using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Operations;

/// <summary>A hard kill right after acknowledged writes loses none of them.</summary>
public abstract class DurabilityTests : IDisposable
{
    private const string AdminKey = "durability-admin-key";
    private readonly string directory = Directory.CreateTempSubdirectory("playbooks-crash-").FullName;
    private readonly TestDatabase database;

    protected DurabilityTests(Provider provider) => database = new TestDatabase(provider, directory);

    public void Dispose()
    {
        database.Dispose();
        Directory.Delete(directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    private Dictionary<string, string> Settings => new(database.Settings) { ["Playbooks:AdminKey"] = AdminKey };

    [Fact]
    public async Task Every_acknowledged_write_survives_a_hard_kill()
    {
        var expected = new Dictionary<string, (string Name, int Version, int Runs)>();
        string token;
        await using (var server = await ServerProcess.StartAsync(directory, Settings))
        {
            var admin = server.Client(AdminKey);
            var workspace = await (await admin.PostAsJsonAsync("/v1/admin/workspaces", new { name = "Crash" })).ExpectAsync(HttpStatusCode.Created);
            var issued = await (await admin.PostAsJsonAsync("/v1/admin/tokens", new
            {
                subject = "writer",
                grants = new[] { new { workspaceId = workspace["workspace"]!.Id(), role = "editor" } },
            })).ExpectAsync(HttpStatusCode.Created);
            token = issued.Str("secret");

            // Four writers at once, each creating, updating and running its own playbooks.
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async writer =>
            {
                var client = server.Client(token);
                for (var i = 0; i < 10; i++)
                {
                    var playbook = await client.CreatePlaybookAsync();
                    var name = $"writer {writer} playbook {i}";
                    await (await client.PutJsonAsync($"/v1/playbooks/{playbook.Id()}", $$"""{ "name": "{{name}}" }""", ifMatch: "\"1\"")).ExpectAsync(HttpStatusCode.OK);
                    await (await client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
                    lock (expected)
                    {
                        expected[playbook.Id()] = (name, 2, 1);
                    }
                }
            }));

            server.KillHard();
        }

        await using (var restarted = await ServerProcess.StartAsync(directory, Settings))
        {
            var client = restarted.Client(token);
            foreach (var (id, (name, version, runs)) in expected)
            {
                var playbook = (await (await client.GetAsync($"/v1/playbooks/{id}")).ExpectAsync(HttpStatusCode.OK))["playbook"]!;
                Assert.Equal(name, playbook.Str("name"));
                Assert.Equal(version, playbook["version"]!.GetValue<int>());
                var runList = await (await client.GetAsync($"/v1/playbooks/{id}/runs")).ExpectAsync(HttpStatusCode.OK);
                Assert.Equal(runs, runList["runs"]!.AsArray().Count);
            }
            var all = await (await client.GetAsync("/v1/playbooks?limit=1000")).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(40, all["playbooks"]!.AsArray().Count);
        }

        if (database.SqlitePath is null)
        {
            return;
        }
        await using var connection = new SqliteConnection($"Data Source={database.SqlitePath}");
        await connection.OpenAsync();
        await using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", await check.ExecuteScalarAsync());
    }

    public sealed class OnSqlite() : DurabilityTests(Provider.Sqlite);

    public sealed class OnPostgres() : DurabilityTests(Provider.Postgres);
}
