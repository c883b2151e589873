using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

// The crash test: writers keep writing while the server is killed hard (SIGKILL) and restarted,
// several times; then every acknowledged write must be there, no unacknowledged write may be half
// there, the store must pass its integrity check, every change must have its event in the feed
// (and no event a change that is absent), and every event must reach a webhook endpoint at least once.
//
//   CrashTest <Sqlite|Postgres> <connection string> <Playbooks.Api.dll> [kills] [writers]

var provider = args[0];
var connectionString = args[1];
var apiDll = Path.GetFullPath(args[2]);
var kills = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 4;
var writerCount = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 8;
const string AdminKey = "crash-test-admin-key-0123456789abcdef"; // Production wants 32 characters or more

// The team's endpoint: outside the server, so it outlives every kill; counts each webhook-id it gets.
var received = new ConcurrentDictionary<string, int>();
await using var receiver = await StartReceiverAsync(received);
var receiverUrl = receiver.Urls.First();

var port = FreePort();
var baseAddress = new Uri($"http://127.0.0.1:{port}/");
Process server = await StartAsync();

using var admin = Client(AdminKey);
var workspace = (await (await admin.PostAsJsonAsync("v1/admin/workspaces", new { name = "Crash" })).Content.ReadFromJsonAsync<JsonObject>())!["workspace"]!["id"]!.GetValue<string>();
var issued = (await (await admin.PostAsJsonAsync("v1/admin/tokens", new { subject = "crash", grants = new[] { new { workspaceId = workspace, role = "editor" } } }))
    .Content.ReadFromJsonAsync<JsonObject>())!;
var token = issued["secret"]!.GetValue<string>();
using var api = Client(token);
(await api.PostAsJsonAsync("v1/webhooks", new { url = $"{receiverUrl}/hook", description = "crash test" })).EnsureSuccessStatusCode();
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

// The feed: every acknowledged change has its event; every event's playbook is in the store.
var presentIds = new HashSet<string>(StringComparer.Ordinal) { target };
cursor = null;
do
{
    var page = (await api.GetFromJsonAsync<JsonObject>("v1/playbooks?limit=1000" + (cursor is null ? "" : $"&cursor={cursor}")))!;
    presentIds.UnionWith(page["playbooks"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()));
    cursor = page["nextCursor"]?.GetValue<string>();
}
while (cursor is not null);

var feed = new List<JsonNode>();
string? after = null;
while (true)
{
    var page = (await api.GetFromJsonAsync<JsonObject>("v1/events?limit=1000" + (after is null ? "" : $"&after={after}")))!;
    feed.AddRange(page["events"]!.AsArray().Select(e => e!));
    if (page["nextCursor"]?.GetValue<string>() is not { } next)
    {
        break;
    }
    after = next;
}
var feedIds = feed.Select(e => e["id"]!.GetValue<string>()).ToList();
if (feedIds.Distinct(StringComparer.Ordinal).Count() != feedIds.Count)
{
    failures.Add($"the feed lists {feedIds.Count - feedIds.Distinct(StringComparer.Ordinal).Count()} events twice");
}
var createdEvents = feed.Where(e => e["type"]!.GetValue<string>() == "playbook.created")
    .Select(e => e["data"]!["playbook"]!["id"]!.GetValue<string>()).ToList();
var createdEventIds = createdEvents.ToHashSet(StringComparer.Ordinal);
if (createdEventIds.Count != createdEvents.Count)
{
    failures.Add($"{createdEvents.Count - createdEventIds.Count} playbooks have two playbook.created events");
}
foreach (var id in acknowledged.Keys.Append(target).Where(id => !createdEventIds.Contains(id)))
{
    failures.Add($"event missing: acknowledged create of {id} has no playbook.created in the feed");
}
foreach (var id in presentIds.Where(id => !createdEventIds.Contains(id) && !acknowledged.ContainsKey(id) && id != target))
{
    failures.Add($"event missing: playbook {id} is in the store (unacknowledged create) but has no playbook.created in the feed");
}
if (!feed.Any(e => e["type"]!.GetValue<string>() == "run.started" && e["data"]!["run"]!["id"]!.GetValue<string>() == run))
{
    failures.Add($"event missing: the acknowledged start of run {run} has no run.started in the feed");
}
foreach (var e in feed)
{
    var type = e["type"]!.GetValue<string>();
    var playbookId = type switch
    {
        "playbook.created" or "playbook.updated" => e["data"]!["playbook"]!["id"]!.GetValue<string>(),
        "run.started" or "run.ended" => e["data"]!["run"]!["playbookId"]!.GetValue<string>(),
        _ => e["data"]!["playbookId"]?.GetValue<string>(),
    };
    if (playbookId is null || !presentIds.Contains(playbookId))
    {
        failures.Add($"phantom event: {e["id"]} ({type}) describes playbook {playbookId}, which is not in the store");
    }
}

// Deliveries: every event of the feed reaches the endpoint at least once. An attempt in flight at
// a kill is made again when its lease runs out (twice the timeout plus 30 s), so wait while
// deliveries keep arriving, and give up after a minute without progress.
var deliveryClock = Stopwatch.StartNew();
var lastProgress = Stopwatch.StartNew();
var missing = feedIds.Count(id => !received.ContainsKey(id));
while (missing > 0 && lastProgress.Elapsed < TimeSpan.FromSeconds(60))
{
    await Task.Delay(TimeSpan.FromMilliseconds(500));
    var now = feedIds.Count(id => !received.ContainsKey(id));
    if (now < missing)
    {
        lastProgress.Restart();
    }
    missing = now;
}
var delivered = feedIds.Count(received.ContainsKey);
var duplicates = feedIds.Sum(id => received.TryGetValue(id, out var times) ? times - 1 : 0);
var feedSet = feedIds.ToHashSet(StringComparer.Ordinal);
var strangers = received.Keys.Count(id => !feedSet.Contains(id));
foreach (var id in feedIds.Where(id => !received.ContainsKey(id)).Take(20))
{
    failures.Add($"delivery missing: event {id} never reached the endpoint");
}
if (strangers > 0)
{
    failures.Add($"{strangers} event ids reached the endpoint that the feed does not list");
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
Console.WriteLine($"events in the feed: {feed.Count} ({createdEvents.Count} playbook.created); missing for a change: {failures.Count(f => f.StartsWith("event missing", StringComparison.Ordinal))}; phantom: {failures.Count(f => f.StartsWith("phantom", StringComparison.Ordinal))}");
Console.WriteLine($"webhook: {delivered} of {feed.Count} events delivered (waited {deliveryClock.Elapsed.TotalSeconds:0.0} s after reading the feed); duplicates received: {duplicates}; missing: {feed.Count - delivered}");
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
    start.Environment["Playbooks__Webhooks__AllowPrivateNetworks"] = "true";
    start.Environment["Playbooks__Webhooks__PollInterval"] = "00:00:00.100";
    start.Environment["Playbooks__Webhooks__Timeout"] = "00:00:02";
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

static async Task<WebApplication> StartReceiverAsync(ConcurrentDictionary<string, int> received)
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
    var app = builder.Build();
    app.MapPost("/hook", async (HttpRequest request) =>
    {
        await request.Body.CopyToAsync(Stream.Null);
        received.AddOrUpdate(request.Headers["webhook-id"].ToString(), 1, (_, times) => times + 1);
        return Results.Ok();
    });
    await app.StartAsync();
    return app;
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
