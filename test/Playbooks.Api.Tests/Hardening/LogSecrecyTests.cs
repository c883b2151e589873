using System.Net;
using System.Net.Http.Json;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Hardening;

/// <summary>At the most verbose log level, no token secret and no admin key ever reaches the logs.</summary>
public sealed class LogSecrecyTests : IDisposable
{
    private const string AdminKey = "admin-key-that-must-never-be-logged-7c1e";
    private readonly string directory = Directory.CreateTempSubdirectory("playbooks-logs-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private static string PercentEncoded(string text) => string.Concat(text.Select(c => $"%{(int)c:X2}"));

    [Fact]
    public async Task A_short_admin_key_does_not_turn_ordinary_words_into_redactions()
    {
        await using var server = await ServerProcess.StartAsync(directory, new Dictionary<string, string>
        {
            ["ConnectionStrings:Playbooks"] = $"Data Source={Path.Combine(directory, "short.db")}",
            ["Playbooks:AdminKey"] = "admin",
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information",
        });
        await (await server.Client("admin").GetAsync("/v1/admin/workspaces")).ExpectAsync(HttpStatusCode.OK);

        Assert.Contains("/v1/admin/workspaces", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("[redacted]", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secrets_never_appear_in_the_logs()
    {
        string secret;
        const string wrongKey = "wrong-admin-key-also-never-logged-93fa";
        const string forged = "pbt_01JD0000000000000000000000_forgedSecretThatMustNotBeLoggedAAAAAAAAAAAAAA";
        await using (var server = await ServerProcess.StartAsync(directory, new Dictionary<string, string>
        {
            ["ConnectionStrings:Playbooks"] = $"Data Source={Path.Combine(directory, "playbooks.db")}",
            ["Playbooks:AdminKey"] = AdminKey,
            ["Logging:LogLevel:Default"] = "Trace",
        }))
        {
            var admin = server.Client(AdminKey);
            var workspace = await (await admin.PostAsJsonAsync("/v1/admin/workspaces", new { name = "Logs" })).ExpectAsync(HttpStatusCode.Created);
            var issued = await (await admin.PostAsJsonAsync("/v1/admin/tokens", new
            {
                subject = "logger",
                grants = new[] { new { workspaceId = workspace["workspace"]!.Id(), role = "editor" } },
            })).ExpectAsync(HttpStatusCode.Created);
            secret = issued.Str("secret");

            var client = server.Client(secret);
            var playbook = await client.CreatePlaybookAsync();
            await (await client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
            await (await client.PostAsync("/v1/playbooks", Http.Json("{ broken"))).ExpectValidationAsync("body");
            await (await server.Client(forged).GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
            await (await server.Client(wrongKey).GetAsync("/v1/admin/workspaces")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
            await (await server.Client().GetAsync($"/v1/playbooks?cursor={secret}")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
            // Percent-encoded, every character or a few: a URL may carry a secret either way.
            await (await server.Client().GetAsync($"/v1/playbooks?cursor={PercentEncoded(secret)}")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
            await (await server.Client().GetAsync($"/v1/playbooks?cursor={secret[..10]}%{(int)secret[10]:X2}{secret[11..]}")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
            await (await server.Client().GetAsync($"/v1/playbooks?key={PercentEncoded(AdminKey)}")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
            await (await admin.DeleteAsync($"/v1/admin/tokens/{issued["token"]!.Id()}")).ExpectAsync(HttpStatusCode.OK);
            await (await client.GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");

            var logs = server.Output;
            Assert.Contains("Request starting", logs, StringComparison.Ordinal);
            foreach (var kept in new[] { secret, secret[^43..], AdminKey, wrongKey, forged, "forgedSecretThatMustNotBeLogged", PercentEncoded(secret)[^60..], PercentEncoded(AdminKey)[^30..], secret[11..] })
            {
                Assert.DoesNotContain(kept, logs, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
