using System.Data.Common;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Events;

/// <summary>
/// The transactional outbox: events are appended inside the transaction of the change they record,
/// and read back in an order in which nothing can appear behind what a reader has already seen.
/// </summary>
public static class EventLog
{
    /// <summary>Events are kept at least this long (events.md section 1).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    /// <summary>The API's own JSON rules, so that an event's data reads exactly like the API's answers.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new Timestamps.JsonConverter() }, TypeInfoResolver = ApiJson.WithReflection };

    public sealed class Row
    {
        public long Tx { get; init; }
        public long Seq { get; init; }
        public string WorkspaceId { get; init; } = "";
        public string Id { get; init; } = "";
        public string Type { get; init; } = "";
        public string Subject { get; init; } = "";
        public long OccurredAt { get; init; }
        public string Data { get; init; } = "";
        public string? WebhookId { get; init; }

        public EventResponse ToResponse() =>
            new(Id, Type, WorkspaceId, Timestamps.FromMilliseconds(OccurredAt), Subject, JsonSerializer.Deserialize<JsonElement>(Data));

        /// <summary>The event's JSON, written once: what the feed shows and what a webhook body carries.</summary>
        public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(ToResponse(), Json);
    }

    private const string Columns = "tx, seq, workspace_id, id, type, subject, occurred_at, data, webhook_id";

    /// <summary>
    /// PostgreSQL only shows events of transactions older than every transaction still running: a
    /// transaction that took its sequence value earlier but commits later is never skipped. SQLite
    /// writes one transaction at a time, so everything committed is in order already.
    /// </summary>
    public static string Settled(DbConnection connection) =>
        connection is SqliteConnection ? "" : " AND tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

    public static async Task<string> AppendAsync<T>(
        DbConnection connection, DbTransaction transaction, string workspaceId, string type, string subject, T data, DateTimeOffset now,
        string? webhookId = null)
    {
        var id = Ids.New("evt_", now);
        await connection.ExecuteAsync(
            """
            INSERT INTO events (workspace_id, id, type, subject, occurred_at, data, webhook_id)
            VALUES (@workspaceId, @id, @type, @subject, @occurredAt, @data, @webhookId)
            """,
            new { workspaceId, id, type, subject, occurredAt = now.ToUnixTimeMilliseconds(), data = JsonSerializer.Serialize(data, Json), webhookId },
            transaction);
        return id;
    }

    /// <summary>Deletes up to <paramref name="take"/> events that occurred before <paramref name="before"/> and were dispatched.</summary>
    public static Task<int> PurgeAsync(DbConnection connection, DbTransaction transaction, long before, int take) =>
        connection.ExecuteAsync(
            """
            DELETE FROM events WHERE seq IN (
                SELECT seq FROM events WHERE occurred_at < @before
                AND (tx, seq) <= (SELECT tx, seq FROM event_dispatch WHERE id = 1)
                LIMIT @take)
            """, new { before, take }, transaction);

    /// <summary>The id of the workspace's first event in feed order, if it has any left.</summary>
    public static Task<string?> OldestIdAsync(DbConnection connection, string workspaceId) =>
        connection.QuerySingleOrDefaultAsync<string?>(
            "SELECT id FROM events WHERE workspace_id = @workspaceId AND webhook_id IS NULL ORDER BY tx, seq LIMIT 1", new { workspaceId });

    /// <summary>Whether an event that occurred before <paramref name="before"/> has not been dispatched yet.</summary>
    public static Task<bool> AnyUndispatchedBeforeAsync(DbConnection connection, long before) =>
        connection.ExecuteScalarAsync<bool>(
            """
            SELECT EXISTS (SELECT 1 FROM events WHERE occurred_at < @before AND webhook_id IS NULL
                AND (tx, seq) > (SELECT tx, seq FROM event_dispatch WHERE id = 1))
            """, new { before });

    public static Task<Row?> FindAsync(DbConnection connection, string workspaceId, string id, DbTransaction? transaction = null) =>
        !Ids.IsValid(id, "evt_") ? Task.FromResult<Row?>(null) : connection.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM events WHERE workspace_id = @workspaceId AND id = @id", new { workspaceId, id }, transaction);

    /// <summary>The workspace's feed, oldest first, strictly after position (<paramref name="tx"/>, <paramref name="seq"/>).</summary>
    public static async Task<List<Row>> ListAsync(DbConnection connection, string workspaceId, long tx, long seq, IReadOnlyCollection<string>? types, int take)
    {
        var sql = $"SELECT {Columns} FROM events WHERE workspace_id = @workspaceId AND webhook_id IS NULL AND (tx, seq) > (@tx, @seq)"
            + (types is null ? "" : " AND " + Database.AnyOf(connection, "type", "types"))
            + Settled(connection)
            + " ORDER BY tx, seq LIMIT @take";
        return (await connection.QueryAsync<Row>(sql, new { workspaceId, tx, seq, types = types?.ToArray(), take })).ToList();
    }

    /// <summary>
    /// The workspace's events newest first, strictly before the position <paramref name="before"/> when given:
    /// the dashboard's Activity page. The same events as the feed (no pings, only settled transactions), read from the other end.
    /// </summary>
    public static async Task<List<Row>> ListNewestAsync(DbConnection connection, string workspaceId, (long Tx, long Seq)? before, IReadOnlyCollection<string>? types, int take)
    {
        var sql = $"SELECT {Columns} FROM events WHERE workspace_id = @workspaceId AND webhook_id IS NULL"
            + (before is null ? "" : " AND (tx, seq) < (@tx, @seq)")
            + (types is null ? "" : " AND " + Database.AnyOf(connection, "type", "types"))
            + Settled(connection)
            + " ORDER BY tx DESC, seq DESC LIMIT @take";
        return (await connection.QueryAsync<Row>(sql, new { workspaceId, tx = before?.Tx, seq = before?.Seq, types = types?.ToArray(), take })).ToList();
    }
}
