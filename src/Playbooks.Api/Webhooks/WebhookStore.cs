using System.Data.Common;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Webhooks;

/// <summary>The SQL for webhook endpoints and their deliveries. Every statement names the workspace, except the worker's.</summary>
public static class WebhookStore
{
    public sealed class Row
    {
        public string WorkspaceId { get; init; } = "";
        public string Id { get; init; } = "";
        public string Url { get; set; } = "";
        public string Events { get; set; } = "[]";
        public string? Description { get; set; }
        public bool Enabled { get; set; }
        public string? DisabledReason { get; set; }
        public string Secret { get; set; } = "";
        public string? PreviousSecret { get; set; }
        public long? PreviousExpiresAt { get; set; }
        public long? FailingSince { get; init; }
        public long CreatedAt { get; init; }
        public long UpdatedAt { get; set; }
        public string CreatedBy { get; init; } = "";

        public IReadOnlyList<string> EventTypes => JsonSerializer.Deserialize<string[]>(Events)!;

        public bool Wants(string type)
        {
            var types = EventTypes;
            return types.Count == 0 || types.Contains(type);
        }

        public WebhookResponse ToResponse() => new(
            Id, Url, EventTypes, Description, Enabled, Timestamps.FromMilliseconds(CreatedAt), Timestamps.FromMilliseconds(UpdatedAt), CreatedBy, DisabledReason);
    }

    private const string Columns =
        "workspace_id, id, url, events, description, enabled, disabled_reason, secret, previous_secret, previous_expires_at, failing_since, created_at, updated_at, created_by";

    public static Task<Row?> FindAsync(DbConnection connection, string workspaceId, string id, DbTransaction? transaction = null) =>
        !Ids.IsValid(id, "wh_") ? Task.FromResult<Row?>(null) : connection.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM webhooks WHERE workspace_id = @workspaceId AND id = @id", new { workspaceId, id }, transaction);

    public static async Task<List<Row>> ListAsync(DbConnection connection, string workspaceId, DbTransaction? transaction = null) =>
        (await connection.QueryAsync<Row>($"SELECT {Columns} FROM webhooks WHERE workspace_id = @workspaceId ORDER BY id", new { workspaceId }, transaction)).ToList();

    public static Task<long> CountAsync(DbConnection connection, DbTransaction transaction, string workspaceId) =>
        connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM webhooks WHERE workspace_id = @workspaceId", new { workspaceId }, transaction);

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, Row webhook) =>
        connection.ExecuteAsync(
            $"""
            INSERT INTO webhooks ({Columns})
            VALUES (@WorkspaceId, @Id, @Url, @Events, @Description, @Enabled, @DisabledReason, @Secret, @PreviousSecret, @PreviousExpiresAt, @FailingSince, @CreatedAt, @UpdatedAt, @CreatedBy)
            """, webhook, transaction);

    /// <summary>Saves what a person may change; enabling again forgets why it was disabled and how long it failed.</summary>
    public static Task UpdateAsync(DbConnection connection, DbTransaction transaction, Row webhook) =>
        connection.ExecuteAsync(
            """
            UPDATE webhooks SET url = @Url, events = @Events, description = @Description, enabled = @Enabled, disabled_reason = @DisabledReason,
                failing_since = CASE WHEN @Enabled THEN NULL ELSE failing_since END, updated_at = @UpdatedAt
            WHERE workspace_id = @WorkspaceId AND id = @Id
            """, webhook, transaction);

    public static Task RotateAsync(DbConnection connection, DbTransaction transaction, Row webhook) =>
        connection.ExecuteAsync(
            """
            UPDATE webhooks SET secret = @Secret, previous_secret = @PreviousSecret, previous_expires_at = @PreviousExpiresAt, updated_at = @UpdatedAt
            WHERE workspace_id = @WorkspaceId AND id = @Id
            """, webhook, transaction);

    public static async Task<bool> DeleteAsync(DbConnection connection, DbTransaction transaction, string workspaceId, string id) =>
        Ids.IsValid(id, "wh_") && await connection.ExecuteAsync("DELETE FROM webhooks WHERE workspace_id = @workspaceId AND id = @id", new { workspaceId, id }, transaction) > 0;

    public sealed class DeliveryRow
    {
        public string WorkspaceId { get; init; } = "";
        public string Id { get; init; } = "";
        public string WebhookId { get; init; } = "";
        public string EventId { get; init; } = "";
        public string EventType { get; init; } = "";
        public string Status { get; init; } = "";
        public int Attempts { get; init; }
        public long? LastAttemptAt { get; init; }
        public int? LastStatusCode { get; init; }
        public string? LastError { get; init; }
        public long? NextAttemptAt { get; init; }
        public long LeasedUntil { get; init; }
        public long CreatedAt { get; init; }

        public DeliveryResponse ToResponse() => new(
            Id, WebhookId, EventId, EventType, Status, Attempts, At(LastAttemptAt), LastStatusCode, LastError, At(NextAttemptAt), Timestamps.FromMilliseconds(CreatedAt));

        private static DateTimeOffset? At(long? ms) => ms is { } value ? Timestamps.FromMilliseconds(value) : null;
    }

    private const string DeliveryColumns =
        "workspace_id, id, webhook_id, event_id, event_type, status, attempts, last_attempt_at, last_status_code, last_error, next_attempt_at, leased_until, created_at";

    /// <summary>A new pending delivery of an event to an endpoint, due at once.</summary>
    public static async Task<DeliveryRow> InsertDeliveryAsync(
        DbConnection connection, DbTransaction transaction, string workspaceId, string webhookId, string eventId, string eventType, DateTimeOffset now)
    {
        var row = new DeliveryRow
        {
            WorkspaceId = workspaceId,
            Id = Ids.New("dlv_", now),
            WebhookId = webhookId,
            EventId = eventId,
            EventType = eventType,
            Status = DeliveryStatuses.Pending,
            NextAttemptAt = now.ToUnixTimeMilliseconds(),
            CreatedAt = now.ToUnixTimeMilliseconds(),
        };
        await connection.ExecuteAsync(
            $"""
            INSERT INTO deliveries ({DeliveryColumns})
            VALUES (@WorkspaceId, @Id, @WebhookId, @EventId, @EventType, @Status, @Attempts, @LastAttemptAt, @LastStatusCode, @LastError, @NextAttemptAt, @LeasedUntil, @CreatedAt)
            """, row, transaction);
        return row;
    }

    public static Task<DeliveryRow?> FindDeliveryAsync(DbConnection connection, string workspaceId, string webhookId, string id) =>
        !Ids.IsValid(id, "dlv_") ? Task.FromResult<DeliveryRow?>(null) : connection.QuerySingleOrDefaultAsync<DeliveryRow>(
            $"SELECT {DeliveryColumns} FROM deliveries WHERE workspace_id = @workspaceId AND webhook_id = @webhookId AND id = @id", new { workspaceId, webhookId, id });

    /// <summary>Deletes up to <paramref name="take"/> deliveries made before <paramref name="before"/> that are no longer pending.</summary>
    public static Task<int> PurgeDeliveriesAsync(DbConnection connection, DbTransaction transaction, long before, int take) =>
        connection.ExecuteAsync(
            """
            DELETE FROM deliveries WHERE (workspace_id, id) IN (
                SELECT workspace_id, id FROM deliveries WHERE created_at < @before AND status <> 'pending' LIMIT @take)
            """, new { before, take }, transaction);

    /// <summary>An endpoint's deliveries newest first, before the delivery <paramref name="before"/>.</summary>
    public static async Task<List<DeliveryRow>> ListDeliveriesAsync(DbConnection connection, string workspaceId, string webhookId, string? status, string? before, int take)
    {
        var sql = $"SELECT {DeliveryColumns} FROM deliveries WHERE workspace_id = @workspaceId AND webhook_id = @webhookId"
            + (status is null ? "" : " AND status = @status")
            + (before is null ? "" : " AND id < @before")
            + " ORDER BY id DESC LIMIT @take";
        return (await connection.QueryAsync<DeliveryRow>(sql, new { workspaceId, webhookId, status, before, take })).ToList();
    }

    /// <summary>
    /// Takes up to <paramref name="take"/> due attempts for this instance until <paramref name="leaseUntil"/>.
    /// On PostgreSQL, rows another instance is taking at this moment are skipped, not waited for;
    /// a lease that ran out (its instance died mid-attempt) makes the attempt due again.
    /// </summary>
    public static async Task<List<DeliveryRow>> ClaimDueAsync(DbConnection connection, DbTransaction transaction, long now, long leaseUntil, int take)
    {
        var skipLocked = connection is SqliteConnection ? "" : " FOR UPDATE SKIP LOCKED";
        return (await connection.QueryAsync<DeliveryRow>(
            $"""
            UPDATE deliveries SET leased_until = @leaseUntil
            WHERE (workspace_id, id) IN (
                SELECT workspace_id, id FROM deliveries
                WHERE status = 'pending' AND next_attempt_at <= @now AND leased_until < @now
                ORDER BY next_attempt_at LIMIT @take{skipLocked})
            RETURNING {DeliveryColumns}
            """, new { now, leaseUntil, take }, transaction)).ToList();
    }

    /// <summary>Records an attempt's outcome, if this instance still holds the lease it took.</summary>
    public static Task<int> RecordAttemptAsync(
        DbConnection connection, DbTransaction transaction, DeliveryRow delivery, string status, long attemptedAt, int? statusCode, string? error, long? nextAttemptAt) =>
        connection.ExecuteAsync(
            """
            UPDATE deliveries SET status = @status, attempts = attempts + 1, last_attempt_at = @attemptedAt, last_status_code = @statusCode,
                last_error = @error, next_attempt_at = @nextAttemptAt, leased_until = 0
            WHERE workspace_id = @WorkspaceId AND id = @Id AND leased_until = @LeasedUntil
            """,
            new { delivery.WorkspaceId, delivery.Id, delivery.LeasedUntil, status, attemptedAt, statusCode, error, nextAttemptAt }, transaction);

    /// <summary>A failed attempt: the endpoint has been failing since then (unless already), and is disabled when that is too long ago.</summary>
    public static Task RecordEndpointFailureAsync(DbConnection connection, DbTransaction transaction, string workspaceId, string id, long now, long failingSinceAtMost) =>
        connection.ExecuteAsync(
            """
            UPDATE webhooks SET failing_since = COALESCE(failing_since, @now),
                enabled = CASE WHEN COALESCE(failing_since, @now) <= @failingSinceAtMost THEN @disabled ELSE enabled END,
                disabled_reason = CASE WHEN COALESCE(failing_since, @now) <= @failingSinceAtMost THEN 'failing' ELSE disabled_reason END,
                updated_at = CASE WHEN COALESCE(failing_since, @now) <= @failingSinceAtMost THEN @now ELSE updated_at END
            WHERE workspace_id = @workspaceId AND id = @id AND enabled = @enabled
            """, new { workspaceId, id, now, failingSinceAtMost, disabled = false, enabled = true }, transaction);

    public static Task RecordEndpointSuccessAsync(DbConnection connection, DbTransaction transaction, string workspaceId, string id) =>
        connection.ExecuteAsync(
            "UPDATE webhooks SET failing_since = NULL WHERE workspace_id = @workspaceId AND id = @id AND failing_since IS NOT NULL",
            new { workspaceId, id }, transaction);

    public static Task DisableAsync(DbConnection connection, DbTransaction transaction, string workspaceId, string id, string reason, long now) =>
        connection.ExecuteAsync(
            "UPDATE webhooks SET enabled = @disabled, disabled_reason = @reason, updated_at = @now WHERE workspace_id = @workspaceId AND id = @id",
            new { workspaceId, id, reason, now, disabled = false }, transaction);
}
