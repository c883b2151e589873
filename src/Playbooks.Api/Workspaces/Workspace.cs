using System.Data.Common;
using System.Text.Json.Serialization;
using Dapper;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Workspaces;

public sealed record WorkspaceResponse(string Id, string Name, bool ReadOnly, DateTimeOffset CreatedAt);

public sealed record WorkspaceEnvelope(WorkspaceResponse Workspace);

public sealed record WorkspaceList(
    IReadOnlyList<WorkspaceResponse> Workspaces,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor);

public static class WorkspaceStore
{
    public const int NameMax = 200;

    private sealed class Row
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public bool ReadOnly { get; init; }
        public long CreatedAt { get; init; }
    }

    private static WorkspaceResponse ToResponse(Row row) => new(row.Id, row.Name, row.ReadOnly, Timestamps.FromMilliseconds(row.CreatedAt));

    public static async Task<WorkspaceResponse> InsertAsync(DbConnection connection, DbTransaction transaction, string name, bool readOnly, DateTimeOffset now)
    {
        var row = new Row { Id = Ids.New("ws_", now), Name = name, ReadOnly = readOnly, CreatedAt = now.ToUnixTimeMilliseconds() };
        await connection.ExecuteAsync(
            "INSERT INTO workspaces (id, name, read_only, created_at) VALUES (@Id, @Name, @ReadOnly, @CreatedAt)", row, transaction);
        return ToResponse(row);
    }

    public static async Task<WorkspaceResponse?> FindAsync(DbConnection connection, string id, DbTransaction? transaction = null)
    {
        if (!Ids.IsValid(id, "ws_"))
        {
            return null;
        }
        var row = await connection.QuerySingleOrDefaultAsync<Row>(
            "SELECT id, name, read_only, created_at FROM workspaces WHERE id = @id", new { id }, transaction);
        return row is null ? null : ToResponse(row);
    }

    /// <summary>Inside a write, holds the workspace's row until the transaction ends (SQLite's write transaction already excludes every other writer).</summary>
    public static Task LockAsync(DbConnection connection, DbTransaction transaction, string workspaceId) =>
        connection is Microsoft.Data.Sqlite.SqliteConnection
            ? Task.CompletedTask
            : connection.ExecuteAsync("SELECT id FROM workspaces WHERE id = @workspaceId FOR UPDATE", new { workspaceId }, transaction);

    /// <summary>The oldest workspace with this name (names are not unique).</summary>
    public static async Task<WorkspaceResponse?> FindByNameAsync(DbConnection connection, DbTransaction transaction, string name)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(
            "SELECT id, name, read_only, created_at FROM workspaces WHERE name = @name ORDER BY id LIMIT 1", new { name }, transaction);
        return row is null ? null : ToResponse(row);
    }

    public static async Task<List<WorkspaceResponse>> ListAsync(DbConnection connection, string? after, int take)
    {
        var rows = await connection.QueryAsync<Row>(
            "SELECT id, name, read_only, created_at FROM workspaces" + (after is null ? "" : " WHERE id > @after") + " ORDER BY id LIMIT @take",
            new { after, take });
        return rows.Select(ToResponse).ToList();
    }

    public static Task UpdateAsync(DbConnection connection, DbTransaction transaction, WorkspaceResponse workspace) =>
        connection.ExecuteAsync("UPDATE workspaces SET name = @Name, read_only = @ReadOnly WHERE id = @Id", workspace, transaction);
}
