using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;

// The crash test: writers keep writing while the server is killed hard (SIGKILL) and restarted,
// several times; then every acknowledged write must be there, no unacknowledged write may be half
// there, and the store must pass its integrity check.
//
//   CrashTest <Sqlite|Postgres> <connection string> <Playbooks.Api.dll> [kills] [writers]

var provider = args[0];
var connectionString = args[1];
var apiDll = Path.GetFullPath(args[2]);
var kills = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 4;
var writerCount = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 8;
const string AdminKey = "crash-test-admin-key";

var port = FreePort();
var baseAddress = new Uri($"http://127.0.0.1:{port}/");
Process server = await StartAsync();

using var admin = Client(AdminKey);
var workspace = (await (await admin.PostAsJsonAsync("v1/admin/workspaces", new { name = "Crash" })).Content.ReadFromJsonAsync<JsonObject>())!["workspace"]!["id"]!.GetValue<string>();
var issued = (await (await admin.PostAsJsonAsync("v1/admin/tokens", new { subject = "crash", grants = new[] { new { workspaceId = workspace, role = "editor" } } }))
    .Content.ReadFromJsonAsync<JsonObject>())!;
var token = issued["secret"]!.GetValue<string>();
using var api = Client(token);
var target = await Created(await api.PostAsync("v1/playbooks", Json("""{ "name": "Outcome target", "mode": "outbound", "buddyId": "prospect", "strategy": { "hypothesis": "H" } }""")), "playbook");
var run = await Created(await api.PostAsync($"v1/playbooks/{target}/run", null), "run");

var acknowledged = new ConcurrentDictionary<string, string>();   // playbook id -> name
var attempted = new ConcurrentDictionary<string, byte>();        // every name sent
long outcomesAcknowledged = 0, outcomesAttempted = 0;
using var stop = new CancellationTokenSource();

var writers = Enumerable.Range(0, writerCount).Select(writer => Task.Run(async () =>
{
    using var client = Client(token);
    for (var i = 0; !stop.IsCancellationRequested; i++)
    {
        try
        {
            if (i % 2 == 0)
            {
                var name = $"crash {writer}-{i}";
                attempted[name] = 0;
                var response = await client.PostAsync("v1/playbooks", Json($$"""{ "name": "{{name}}", "mode": "outbound", "buddyId": "prospect", "strategy": { "hypothesis": "H" } }"""));
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    acknowledged[await Created(response, "playbook")] = name;
                }
            }
            else
            {
                Interlocked.Increment(ref outcomesAttempted);
                var response = await client.PostAsync($"v1/playbooks/{target}/runs/{run}/outcomes", Json("""{ "samples": 1, "successes": 0 }"""));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref outcomesAcknowledged);
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            await Task.Delay(50); // The server is down: the answer is unknown, try the next write.
        }
    }
})).ToList();

for (var kill = 1; kill <= kills; kill++)
{
    await Task.Delay(TimeSpan.FromSeconds(2));
    server.Kill(entireProcessTree: true);
    await server.WaitForExitAsync();
    Console.WriteLine($"kill {kill}: {acknowledged.Count} creates and {Interlocked.Read(ref outcomesAcknowledged)} outcomes acknowledged so far");
    server = await StartAsync();
}
await Task.Delay(TimeSpan.FromSeconds(1));
await stop.CancelAsync();
await Task.WhenAll(writers);

// Verify through the API, on a server that started from what the kills left.
var failures = new List<string>();
foreach (var (id, name) in acknowledged)
{
    var response = await api.GetAsync($"v1/playbooks/{id}");
    if (response.StatusCode != HttpStatusCode.OK || (await response.Content.ReadFromJsonAsync<JsonObject>())!["playbook"]!["name"]!.GetValue<string>() != name)
    {
        failures.Add($"acknowledged playbook {id} ({name}) is lost: {(int)response.StatusCode}");
    }
}
var present = 0;
string? cursor = null;
do
{
    var page = (await api.GetFromJsonAsync<JsonObject>("v1/playbooks?limit=1000" + (cursor is null ? "" : $"&cursor={cursor}")))!;
    foreach (var playbook in page["playbooks"]!.AsArray())
    {
        var id = playbook!["id"]!.GetValue<string>();
        if (id == target)
        {
            continue;
        }
        present++;
        if (!attempted.ContainsKey(playbook["name"]!.GetValue<string>()))
        {
            failures.Add($"playbook {id} was never sent");
        }
        var versions = (await api.GetFromJsonAsync<JsonObject>($"v1/playbooks/{id}/versions"))!["versions"]!.AsArray();
        if (versions.Count != 1 || versions[0]!["change"]!.GetValue<string>() != "create")
        {
            failures.Add($"playbook {id} is half written: {versions.Count} versions");
        }
    }
    cursor = page["nextCursor"]?.GetValue<string>();
}
while (cursor is not null);

var runNow = (await api.GetFromJsonAsync<JsonObject>($"v1/runs/{run}"))!["run"]!;
var samples = runNow["metrics"]!["samples"]!.GetValue<long>();
var stats = (await api.GetFromJsonAsync<JsonObject>($"v1/playbooks/{target}/stats?bucket=week&from={DateTime.UtcNow.AddDays(-14):yyyy-MM-ddTHH:mm:ssZ}"))!;
var reported = stats["buckets"]!.AsArray().Sum(b => b!["samples"]!.GetValue<long>());
if (samples < outcomesAcknowledged || samples > outcomesAttempted)
{
    failures.Add($"run counter {samples} is outside [{outcomesAcknowledged} acknowledged, {outcomesAttempted} attempted]");
}
if (reported != samples)
{
    failures.Add($"outcome reports ({reported}) and the run counter ({samples}) disagree: a report was half applied");
}

server.Kill(entireProcessTree: true);
await server.WaitForExitAsync();
var integrity = await CheckIntegrityAsync();
if (integrity != "ok")
{
    failures.Add($"integrity check: {integrity}");
}

Console.WriteLine($"{provider}: {kills} hard kills under {writerCount} writers");
Console.WriteLine($"acknowledged writes: {acknowledged.Count} playbooks created, {outcomesAcknowledged} outcome reports ({acknowledged.Count + outcomesAcknowledged} in all)");
Console.WriteLine($"unacknowledged writes: {attempted.Count - acknowledged.Count} creates, {outcomesAttempted - outcomesAcknowledged} reports; of these present whole: {present - acknowledged.Count} creates, {samples - outcomesAcknowledged} reports");
Console.WriteLine($"lost acknowledged writes: {failures.Count(f => f.Contains("lost", StringComparison.Ordinal))}; half-applied writes: {failures.Count(f => f.Contains("half", StringComparison.Ordinal))}; integrity: {integrity}");
foreach (var failure in failures)
{
    Console.WriteLine($"FAIL {failure}");
}
return failures.Count == 0 ? 0 : 1;

async Task<Process> StartAsync()
{
    var start = new ProcessStartInfo("dotnet", [apiDll]) { RedirectStandardOutput = true, RedirectStandardError = true };
    start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    start.Environment["ASPNETCORE_URLS"] = baseAddress.ToString();
    start.Environment["Playbooks__Database__Provider"] = provider;
    start.Environment["ConnectionStrings__Playbooks"] = connectionString;
    start.Environment["Playbooks__AdminKey"] = AdminKey;
    start.Environment["Playbooks__RateLimit__PermitsPerSecond"] = "100000";
    start.Environment["Playbooks__RateLimit__Burst"] = "100000";
    start.Environment["Logging__LogLevel__Default"] = "Warning";
    var process = Process.Start(start)!;
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    using var probe = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(2) };
    for (var attempt = 0; attempt < 300; attempt++)
    {
        try
        {
            if ((await probe.GetAsync("readyz")).IsSuccessStatusCode)
            {
                return process;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
        }
        await Task.Delay(100);
    }
    throw new TimeoutException("The server did not become ready.");
}

async Task<string> CheckIntegrityAsync()
{
    if (provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
    {
        await using var sqlite = new SqliteConnection(connectionString);
        await sqlite.OpenAsync();
        await using var check = sqlite.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        var result = (string)(await check.ExecuteScalarAsync())!;
        check.CommandText = "PRAGMA foreign_key_check";
        await using var orphans = await check.ExecuteReaderAsync();
        return result == "ok" && !await orphans.ReadAsync() ? "ok" : $"{result}, orphans: {orphans.HasRows}";
    }
    await using var postgres = new NpgsqlConnection(connectionString);
    await postgres.OpenAsync();
    await using var command = new NpgsqlCommand(
        """
        CREATE EXTENSION IF NOT EXISTS amcheck;
        SELECT count(*) FROM (SELECT bt_index_check(c.oid, true) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam WHERE n.nspname = 'public' AND a.amname = 'btree') checked
        """, postgres);
    var indexes = await command.ExecuteScalarAsync();
    return indexes is long count && count > 0 ? "ok" : "no index checked";
}

HttpClient Client(string bearer)
{
    var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
    return client;
}

static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

static async Task<string> Created(HttpResponseMessage response, string member)
{
    response.EnsureSuccessStatusCode();
    return (await response.Content.ReadFromJsonAsync<JsonObject>())![member]!["id"]!.GetValue<string>();
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
