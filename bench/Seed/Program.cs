using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Workspaces;

// Seeds one workspace for the benchmark straight into the store, through the server's own
// migrations, id and spec formats: N playbooks, 3 runs each, M outcomes spread over the runs
// (the run counters are their sums). Writes the token and the ids the load scripts pick from.
//
//   Seed <Sqlite|Postgres> <connection string> <playbooks> <outcomes> <output folder>

var provider = Enum.Parse<DatabaseProvider>(args[0], ignoreCase: true);
var connectionString = args[1];
var playbookCount = int.Parse(args[2], CultureInfo.InvariantCulture);
var outcomeCount = int.Parse(args[3], CultureInfo.InvariantCulture);
var output = Directory.CreateDirectory(args[4]).FullName;
const int RunsPerPlaybook = 3;
const int RunningRuns = 1000;

await using var db = new Database(provider, connectionString);
await db.MigrateAsync(CancellationToken.None);

var random = new Random(42);
var now = DateTimeOffset.UtcNow;
var start = now.AddDays(-30);
var clock = System.Diagnostics.Stopwatch.StartNew();

var (workspaceId, secret) = await db.WriteAsync(async (connection, transaction) =>
{
    var workspace = await WorkspaceStore.InsertAsync(connection, transaction, "Benchmark", readOnly: false, start);
    var issued = await TokenStore.IssueAsync(connection, transaction, "bench", [new Grant(workspace.Id, Roles.Editor)], null, start);
    return (workspace.Id, issued.Secret);
}, CancellationToken.None);

var specJson = new JsonSerializerOptions(JsonSerializerDefaults.Web);
var playbooks = new List<object?[]>(playbookCount);
var versions = new List<object?[]>(playbookCount);
var playbookIds = new string[playbookCount];
for (var i = 0; i < playbookCount; i++)
{
    var created = start.AddMilliseconds((double)i / playbookCount * (now - start).TotalMilliseconds * 0.1);
    var id = Ids.New("pb_", created);
    playbookIds[i] = id;
    var spec = new PlaybookSpec($"Benchmark playbook {i}", i % 4 == 0 ? "draft" : "active", i % 2 == 0 ? "outbound" : "inbound", SpecRules.Buddies[i % 4],
        new LeadSource("crm-segment", "stage = 'Series B'", 50),
        new Strategy("gtm-execution", "Heads of growth book meetings in their first 90 days", ["email", "linkedin"], "meeting_booked", 3),
        SpecRules.DefaultAdaptation);
    var json = JsonSerializer.Serialize(spec, specJson);
    var ms = created.ToUnixTimeMilliseconds();
    playbooks.Add([workspaceId, id, spec.Status, spec.Mode, spec.BuddyId, json, 1L, ms, ms, "bench"]);
    versions.Add([workspaceId, id, 1L, json, "create", ms, "bench"]);
}

// Runs: three per playbook; the last run of the first playbooks stays running for the outcome scenario.
var runCount = playbookCount * RunsPerPlaybook;
var runIds = new string[runCount];
var runStarts = new long[runCount];
var sums = new (long Samples, long Successes, double Value)[runCount];
var runTime = start.AddDays(3);
for (var r = 0; r < runCount; r++)
{
    var startedAt = runTime.AddMilliseconds((double)r / runCount * (now - runTime).TotalMilliseconds * 0.5);
    runIds[r] = Ids.New("run_", startedAt);
    runStarts[r] = startedAt.ToUnixTimeMilliseconds();
}
var outcomes = new List<object?[]>(outcomeCount);
for (var o = 0; o < outcomeCount; o++)
{
    var r = o % runCount;
    var samples = random.Next(1, 11);
    var successes = random.Next(0, samples / 3 + 1);
    var at = runStarts[r] + (long)(random.NextDouble() * (now.ToUnixTimeMilliseconds() - runStarts[r]));
    sums[r] = (sums[r].Samples + samples, sums[r].Successes + successes, sums[r].Value);
    outcomes.Add([workspaceId, $"out_{o:D22}", playbookIds[r / RunsPerPlaybook], runIds[r], 1L, (long)samples, (long)successes, 0.0, at, at, "bench"]);
}
var runs = new List<object?[]>(runCount);
var running = new List<string>();
for (var r = 0; r < runCount; r++)
{
    var playbook = r / RunsPerPlaybook;
    var isRunning = r % RunsPerPlaybook == RunsPerPlaybook - 1 && playbook < RunningRuns;
    if (isRunning)
    {
        running.Add($"{playbookIds[playbook]} {runIds[r]}");
    }
    runs.Add([workspaceId, runIds[r], playbookIds[playbook], 1L, isRunning ? "running" : "completed", sums[r].Samples, sums[r].Successes, sums[r].Value,
        runStarts[r], isRunning ? null : runStarts[r] + 3_600_000, null, "bench"]);
}

string[] playbookColumns = ["workspace_id", "id", "status", "mode", "buddy_id", "spec", "version", "created_at", "updated_at", "created_by"];
string[] versionColumns = ["workspace_id", "playbook_id", "version", "spec", "change", "created_at", "created_by"];
string[] runColumns = ["workspace_id", "id", "playbook_id", "spec_version", "status", "samples", "successes", "value", "started_at", "ended_at", "note", "created_by"];
string[] outcomeColumns = ["workspace_id", "id", "playbook_id", "run_id", "spec_version", "samples", "successes", "value", "at", "created_at", "created_by"];

await using (var connection = await db.OpenAsync(CancellationToken.None))
{
    if (connection is NpgsqlConnection postgres)
    {
        await CopyAsync(postgres, "playbooks", playbookColumns, playbooks);
        await CopyAsync(postgres, "playbook_versions", versionColumns, versions);
        await CopyAsync(postgres, "runs", runColumns, runs);
        await CopyAsync(postgres, "outcomes", outcomeColumns, outcomes);
        await using var analyze = new NpgsqlCommand("ANALYZE", postgres);
        await analyze.ExecuteNonQueryAsync();
    }
    else
    {
        await using (var fast = connection.CreateCommand())
        {
            fast.CommandText = "PRAGMA synchronous = OFF";
            await fast.ExecuteNonQueryAsync();
        }
        await using var transaction = await connection.BeginTransactionAsync();
        await InsertAsync(connection, transaction, "playbooks", playbookColumns, playbooks);
        await InsertAsync(connection, transaction, "playbook_versions", versionColumns, versions);
        await InsertAsync(connection, transaction, "runs", runColumns, runs);
        await InsertAsync(connection, transaction, "outcomes", outcomeColumns, outcomes);
        await transaction.CommitAsync();
        await using var analyze = connection.CreateCommand();
        analyze.CommandText = "ANALYZE";
        await analyze.ExecuteNonQueryAsync();
    }
}
SqliteConnection.ClearAllPools();

await File.WriteAllTextAsync(Path.Combine(output, "token"), secret);
await File.WriteAllLinesAsync(Path.Combine(output, "playbooks.txt"), playbookIds);
await File.WriteAllLinesAsync(Path.Combine(output, "running.txt"), running);
Console.WriteLine($"Seeded {playbookCount} playbooks, {runCount} runs, {outcomeCount} outcomes in {clock.Elapsed.TotalSeconds:0.0} s");

static async Task InsertAsync(DbConnection connection, DbTransaction transaction, string table, string[] columns, List<object?[]> rows)
{
    await using var command = connection.CreateCommand();
    command.Transaction = transaction;
    command.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
    var parameters = columns.Select((_, i) =>
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = $"$p{i}";
        command.Parameters.Add(parameter);
        return parameter;
    }).ToArray();
    await command.PrepareAsync();
    foreach (var row in rows)
    {
        for (var i = 0; i < row.Length; i++)
        {
            parameters[i].Value = row[i] ?? DBNull.Value;
        }
        await command.ExecuteNonQueryAsync();
    }
}

static async Task CopyAsync(NpgsqlConnection connection, string table, string[] columns, List<object?[]> rows)
{
    await using var importer = await connection.BeginBinaryImportAsync($"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)");
    foreach (var row in rows)
    {
        await importer.StartRowAsync();
        foreach (var value in row)
        {
            switch (value)
            {
                case null: await importer.WriteNullAsync(); break;
                case string s: await importer.WriteAsync(s, NpgsqlDbType.Text); break;
                case long l: await importer.WriteAsync(l, NpgsqlDbType.Bigint); break;
                case double d: await importer.WriteAsync(d, NpgsqlDbType.Double); break;
                default: throw new InvalidOperationException($"No COPY mapping for {value.GetType()}");
            }
        }
    }
    await importer.CompleteAsync();
}
