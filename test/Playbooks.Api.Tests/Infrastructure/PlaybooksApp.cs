using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Playbooks.Api.Tests.Infrastructure;

/// <summary>
/// The server in memory on a database of its own. Clients get real tokens through the admin
/// API, so every test runs the real authentication pipeline.
/// </summary>
public sealed class PlaybooksApp : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-7f3a9c";

    private readonly string directory = Directory.CreateTempSubdirectory("playbooks-test-").FullName;

    private readonly IReadOnlyDictionary<string, string> settings;

    public PlaybooksApp(Provider provider, bool withAdminKey = true, string environment = "Testing", IReadOnlyDictionary<string, string>? settings = null)
    {
        Database = new TestDatabase(provider, directory);
        WithAdminKey = withAdminKey;
        Environment = environment;
        this.settings = settings ?? new Dictionary<string, string>();
    }

    public TestDatabase Database { get; }

    public bool WithAdminKey { get; }

    public string Environment { get; }

    /// <summary>The clock the server reads; tests move it instead of sleeping.</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero));

    public string ContentRoot => directory;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.UseContentRoot(directory);
        foreach (var (key, value) in Database.Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.UseSetting("Playbooks:AdminKey", WithAdminKey ? AdminKey : "");
        // Tests make hundreds of calls with one token; the rate limit has tests of its own.
        builder.UseSetting("Playbooks:RateLimit:PermitsPerSecond", "100000");
        builder.UseSetting("Playbooks:RateLimit:Burst", "100000");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    /// <summary>
    /// A client whose every exchange is checked against docs/openapi.json (hides the factory's
    /// own, so no test talks to the server unchecked).
    /// </summary>
    public new HttpClient CreateClient() => CreateDefaultClient(new ConformanceHandler(OpenApiContract.Committed.Value));

    public HttpClient AdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    public HttpClient ClientWithToken(string token, string? workspaceId = null)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (workspaceId is not null)
        {
            client.DefaultRequestHeaders.Add("X-Workspace-Id", workspaceId);
        }
        return client;
    }

    public async Task<string> CreateWorkspaceAsync(string name = "Growth", bool readOnly = false)
    {
        using var admin = AdminClient();
        var response = await admin.PostAsJsonAsync("/v1/admin/workspaces", new { name, readOnly });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["workspace"]!["id"]!.GetValue<string>();
    }

    public async Task<(string Id, string Secret)> CreateTokenAsync(string subject, params (string WorkspaceId, string Role)[] grants)
    {
        using var admin = AdminClient();
        var response = await admin.PostAsJsonAsync("/v1/admin/tokens", new
        {
            subject,
            grants = grants.Select(g => new { workspaceId = g.WorkspaceId, role = g.Role }),
        });
        response.EnsureSuccessStatusCode();
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return (body["token"]!["id"]!.GetValue<string>(), body["secret"]!.GetValue<string>());
    }

    /// <summary>A new workspace and a client holding a token with one grant for it.</summary>
    public async Task<Tenant> NewTenantAsync(string role = "editor", bool readOnly = false, string subject = "user_42")
    {
        var workspaceId = await CreateWorkspaceAsync(readOnly: readOnly);
        var (tokenId, secret) = await CreateTokenAsync(subject, (workspaceId, role));
        return new Tenant(workspaceId, tokenId, secret, ClientWithToken(secret));
    }

    /// <summary>Everything the store holds, as text: to show what is not in it.</summary>
    public async Task<string> StoredTextAsync()
    {
        if (Database.SqlitePath is { } path)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var text = new System.Text.StringBuilder();
            // The database, its -wal and -shm; not the empty .lock the server holds.
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*").Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream, System.Text.Encoding.Latin1);
                text.Append(await reader.ReadToEndAsync());
            }
            return text.ToString();
        }
        await using var connection = new Npgsql.NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new Npgsql.NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var dump = new System.Text.StringBuilder();
        foreach (var table in tables)
        {
            await using var rows = new Npgsql.NpgsqlCommand($"SELECT coalesce(string_agg(t::text, ' '), '') FROM {table} t", connection);
            dump.Append(await rows.ExecuteScalarAsync());
        }
        return dump.ToString();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Database.Dispose();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a pooled connection; the OS temp cleaner takes it.
            }
        }
    }
}

public sealed record Tenant(string WorkspaceId, string TokenId, string Token, HttpClient Client);
