using System.Data.Common;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Playbooks;

/// <summary>The SQL for playbooks and their saved versions. Every statement names the workspace.</summary>
public static class PlaybookStore
{
    internal static readonly JsonSerializerOptions SpecJson = new(JsonSerializerDefaults.Web) { TypeInfoResolver = ApiJson.WithReflection };

    internal sealed class Row
    {
        public string WorkspaceId { get; init; } = "";
        public string Id { get; init; } = "";
        public string Spec { get; init; } = "";
        public long Version { get; init; }
        public long CreatedAt { get; init; }
        public long UpdatedAt { get; init; }
        public string CreatedBy { get; init; } = "";
        public long StrategyVersion { get; init; }
        public long StrategySince { get; init; }
    }

    public sealed record Stored(string WorkspaceId, string Id, PlaybookSpec Spec, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string CreatedBy)
    {
        /// <summary>The version where the current strategy started: its evidence counts from there (adaptation.md).</summary>
        public long StrategyVersion { get; init; } = Version;

        /// <summary>When the current strategy started, for the pivot window.</summary>
        public DateTimeOffset StrategySince { get; init; } = CreatedAt;

        /// <summary>The next version with <paramref name="spec"/>, saved at <paramref name="at"/>; a new strategy starts there.</summary>
        public Stored Next(PlaybookSpec spec, DateTimeOffset at)
        {
            var newStrategy = spec.Strategy != Spec.Strategy;
            return this with
            {
                Spec = spec,
                Version = Version + 1,
                UpdatedAt = at,
                StrategyVersion = newStrategy ? Version + 1 : StrategyVersion,
                StrategySince = newStrategy ? at : StrategySince,
            };
        }

        public PlaybookResponse ToResponse() => new(
            Id, WorkspaceId, Spec.Name, Spec.Status, Spec.Mode, Spec.BuddyId, Spec.LeadSource, Spec.Strategy, Spec.Adaptation,
            Version, CreatedAt, UpdatedAt, CreatedBy);
    }

    private const string Columns = "workspace_id, id, spec, version, created_at, updated_at, created_by, strategy_version, strategy_since";

    internal static Stored ToStored(Row row) => new(
        row.WorkspaceId, row.Id, JsonSerializer.Deserialize<PlaybookSpec>(row.Spec, SpecJson)!, row.Version,
        DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(row.UpdatedAt), row.CreatedBy)
    {
        StrategyVersion = row.StrategyVersion,
        StrategySince = DateTimeOffset.FromUnixTimeMilliseconds(row.StrategySince),
    };

    public static Task<Stored?> FindAsync(DbConnection connection, string workspaceId, string id, DbTransaction? transaction = null) =>
        FindAsync(connection, workspaceId, id, transaction, "");

    /// <summary>
    /// Inside a write: finds the playbook and keeps it from being deleted or changed until the
    /// transaction ends. SQLite needs no lock: its write transaction already excludes every other writer.
    /// </summary>
    public static Task<Stored?> FindForShareAsync(DbConnection connection, DbTransaction transaction, string workspaceId, string id) =>
        FindAsync(connection, workspaceId, id, transaction, connection is SqliteConnection ? "" : " FOR SHARE");

    /// <summary>Like <see cref="FindForShareAsync"/>, for a playbook the transaction will change: its other writers queue up.</summary>
    public static Task<Stored?> FindForUpdateAsync(DbConnection connection, DbTransaction transaction, string workspaceId, string id) =>
        FindAsync(connection, workspaceId, id, transaction, connection is SqliteConnection ? "" : " FOR UPDATE");

    private static async Task<Stored?> FindAsync(DbConnection connection, string workspaceId, string id, DbTransaction? transaction, string rowLock)
    {
        // An id that is not shaped like ours names nothing; it never reaches the database.
        if (!Ids.IsValid(id, "pb_"))
        {
            return null;
        }
        var row = await connection.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM playbooks WHERE workspace_id = @workspaceId AND id = @id{rowLock}",
            new { workspaceId, id }, transaction);
        return row is null ? null : ToStored(row);
    }

    /// <summary>Looks a playbook up on a connection of its own (for handlers that check existence before reading a body).</summary>
    public static async Task<Stored?> FindAsync(Data.Database db, string workspaceId, string id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        return await FindAsync(connection, workspaceId, id);
    }

    /// <summary>Which of <paramref name="ids"/> name a playbook of the workspace now (pages that link to playbooks some of which are gone).</summary>
    public static async Task<HashSet<string>> ExistingAsync(DbConnection connection, string workspaceId, IReadOnlyCollection<string> ids)
    {
        var valid = ids.Where(id => Ids.IsValid(id, "pb_")).Distinct().ToArray();
        if (valid.Length == 0)
        {
            return [];
        }
        var sql = $"SELECT id FROM playbooks WHERE workspace_id = @workspaceId AND {Data.Database.AnyOf(connection, "id", "ids")}";
        return (await connection.QueryAsync<string>(sql, new { workspaceId, ids = valid })).ToHashSet();
    }

    public static async Task<List<Stored>> ListAsync(
        DbConnection connection, string workspaceId, string? status, string? mode, string? buddyId, string? before, int take)
    {
        var sql = new System.Text.StringBuilder($"SELECT {Columns} FROM playbooks WHERE workspace_id = @workspaceId");
        if (status is not null) sql.Append(" AND status = @status");
        if (mode is not null) sql.Append(" AND mode = @mode");
        if (buddyId is not null) sql.Append(" AND buddy_id = @buddyId");
        if (before is not null) sql.Append(" AND id < @before");
        sql.Append(" ORDER BY id DESC LIMIT @take");
        var rows = await connection.QueryAsync<Row>(sql.ToString(), new { workspaceId, status, mode, buddyId, before, take });
        return rows.Select(ToStored).ToList();
    }

    /// <summary>The workspace's playbooks named exactly one of <paramref name="names"/>, which must share their first 5 characters.</summary>
    public static async Task<List<Stored>> FindNamedAsync(DbConnection connection, DbTransaction transaction, string workspaceId, IReadOnlyCollection<string> names)
    {
        // The name lives inside the spec's JSON text: a LIKE on the shared prefix narrows, the exact match is made here.
        var prefix = JsonSerializer.Serialize(new { name = names.First()[..5] }, SpecJson)[1..^2];
        var rows = await connection.QueryAsync<Row>(
            $"SELECT {Columns} FROM playbooks WHERE workspace_id = @workspaceId AND spec LIKE @pattern",
            new { workspaceId, pattern = "%" + prefix + "%" }, transaction);
        return rows.Select(ToStored).Where(p => names.Contains(p.Spec.Name)).ToList();
    }

    public static async Task InsertAsync(DbConnection connection, DbTransaction transaction, Stored playbook)
    {
        await connection.ExecuteAsync(
            """
            INSERT INTO playbooks (workspace_id, id, status, mode, buddy_id, spec, version, created_at, updated_at, created_by, strategy_version, strategy_since)
            VALUES (@WorkspaceId, @Id, @Status, @Mode, @BuddyId, @Spec, @Version, @CreatedAt, @UpdatedAt, @CreatedBy, @StrategyVersion, @StrategySince)
            """,
            Parameters(playbook), transaction);
        await SaveVersionAsync(connection, transaction, playbook, "create", playbook.CreatedBy);
    }

    /// <summary>Writes <paramref name="playbook"/> if the stored version is still <paramref name="expectedVersion"/>; false when another write came first.</summary>
    public static async Task<bool> UpdateAsync(
        DbConnection connection, DbTransaction transaction, Stored playbook, long expectedVersion, string change, string actor)
    {
        var changed = await connection.ExecuteAsync(
            """
            UPDATE playbooks SET status = @Status, mode = @Mode, buddy_id = @BuddyId, spec = @Spec, version = @Version, updated_at = @UpdatedAt,
                strategy_version = @StrategyVersion, strategy_since = @StrategySince
            WHERE workspace_id = @WorkspaceId AND id = @Id AND version = @ExpectedVersion
            """,
            new DynamicParameters(Parameters(playbook)).With("ExpectedVersion", expectedVersion), transaction);
        if (changed == 0)
        {
            return false;
        }
        await SaveVersionAsync(connection, transaction, playbook, change, actor);
        return true;
    }

    public static async Task<bool> DeleteAsync(DbConnection connection, DbTransaction transaction, string workspaceId, string id) =>
        Ids.IsValid(id, "pb_") && await connection.ExecuteAsync("DELETE FROM playbooks WHERE workspace_id = @workspaceId AND id = @id", new { workspaceId, id }, transaction) > 0;

    public sealed class VersionRow
    {
        public long Version { get; init; }
        public string Spec { get; init; } = "";
        public long CreatedAt { get; init; }
        public string CreatedBy { get; init; } = "";
        public string Change { get; init; } = "";

        public VersionResponse ToResponse() => new(
            Version, JsonSerializer.Deserialize<PlaybookSpec>(Spec, SpecJson)!, Timestamps.FromMilliseconds(CreatedAt), CreatedBy, Change);
    }

    private const string SelectVersions = "SELECT version, spec, created_at, created_by, change FROM playbook_versions WHERE workspace_id = @workspaceId AND playbook_id = @id";

    /// <summary>Saved versions oldest first, after version <paramref name="after"/>.</summary>
    public static async Task<List<VersionRow>> ListVersionsAsync(DbConnection connection, string workspaceId, string id, long after, int take) =>
        (await connection.QueryAsync<VersionRow>($"{SelectVersions} AND version > @after ORDER BY version LIMIT @take", new { workspaceId, id, after, take })).ToList();

    public static Task<VersionRow?> FindVersionAsync(DbConnection connection, string workspaceId, string id, long version) =>
        connection.QuerySingleOrDefaultAsync<VersionRow>($"{SelectVersions} AND version = @version", new { workspaceId, id, version });

    private static Task SaveVersionAsync(DbConnection connection, DbTransaction transaction, Stored playbook, string change, string actor) =>
        connection.ExecuteAsync(
            """
            INSERT INTO playbook_versions (workspace_id, playbook_id, version, spec, change, created_at, created_by)
            VALUES (@WorkspaceId, @Id, @Version, @Spec, @Change, @UpdatedAt, @Actor)
            """,
            new DynamicParameters(Parameters(playbook)).With("Change", change).With("Actor", actor), transaction);

    private static object Parameters(Stored p) => new
    {
        p.WorkspaceId,
        p.Id,
        p.Spec.Status,
        p.Spec.Mode,
        p.Spec.BuddyId,
        Spec = JsonSerializer.Serialize(p.Spec, SpecJson),
        p.Version,
        CreatedAt = p.CreatedAt.ToUnixTimeMilliseconds(),
        UpdatedAt = p.UpdatedAt.ToUnixTimeMilliseconds(),
        p.CreatedBy,
        p.StrategyVersion,
        StrategySince = p.StrategySince.ToUnixTimeMilliseconds(),
    };

    private static DynamicParameters With(this DynamicParameters parameters, string name, object value)
    {
        parameters.Add(name, value);
        return parameters;
    }
}
