using System.Text.Json;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Events;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Webhooks;

/// <summary>What a change to a webhook endpoint came to.</summary>
public abstract record WebhookResult
{
    /// <summary>Saved; <paramref name="Secret"/> is set only when the change made a new one (creation, rotation).</summary>
    public sealed record Saved(WebhookStore.Row Webhook, string? Secret = null) : WebhookResult;

    public sealed record Invalid(FieldErrors Errors) : WebhookResult;

    /// <summary>The workspace has <see cref="WebhookRules.MaxPerWorkspace"/> endpoints already.</summary>
    public sealed record TooMany : WebhookResult;

    public sealed record NotFound : WebhookResult;
}

/// <summary>
/// Creating, changing, rotating, pinging and redelivering webhook endpoints from a JSON body read
/// field by field: the one path behind the API's handlers and the dashboard's forms.
/// </summary>
public static class WebhookWrites
{
    public static async Task<WebhookResult> CreateAsync(
        JsonElement body, Caller caller, Database db, WebhookSecrets secrets, WebhookOptions options, TimeProvider clock, CancellationToken ct)
    {
        var now = Timestamps.Now(clock);
        var secret = WebhookSecrets.New();
        var row = new WebhookStore.Row
        {
            WorkspaceId = caller.WorkspaceId,
            Id = Ids.New("wh_", now),
            Enabled = true,
            Secret = secrets.Protect(secret),
            CreatedAt = now.ToUnixTimeMilliseconds(),
            UpdatedAt = now.ToUnixTimeMilliseconds(),
            CreatedBy = caller.Subject,
        };
        if (await ReadAsync(body, row, creating: true, options, ct) is { Count: > 0 } errors)
        {
            return new WebhookResult.Invalid(errors);
        }

        return await db.WriteAsync<WebhookResult>(async (connection, transaction) =>
        {
            if (await WebhookStore.CountAsync(connection, transaction, caller.WorkspaceId) >= WebhookRules.MaxPerWorkspace)
            {
                return new WebhookResult.TooMany();
            }
            await WebhookStore.InsertAsync(connection, transaction, row);
            return new WebhookResult.Saved(row, secret);
        }, ct);
    }

    /// <summary>
    /// Changes only the fields <paramref name="body"/> holds. A new URL is checked (with its DNS
    /// lookup) before the write transaction, never inside it, where it would hold up every writer;
    /// the body is then applied onto the row as it is at the write (the service may have
    /// disabled it meanwhile).
    /// </summary>
    public static async Task<WebhookResult> UpdateAsync(
        string webhookId, JsonElement body, Caller caller, Database db, WebhookOptions options, TimeProvider clock, CancellationToken ct)
    {
        WebhookStore.Row? before;
        await using (var connection = await db.OpenAsync(ct))
        {
            before = await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId);
        }
        if (before is null)
        {
            return new WebhookResult.NotFound();
        }
        if (await ReadAsync(body, before, creating: false, options, ct) is { Count: > 0 } invalid)
        {
            return new WebhookResult.Invalid(invalid);
        }

        return await db.WriteAsync<WebhookResult>(async (connection, transaction) =>
        {
            if (await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId, transaction) is not { } row)
            {
                return new WebhookResult.NotFound();
            }
            if (await ReadAsync(body, row, creating: false, options, ct, checkedUrl: before.Url) is { Count: > 0 } errors)
            {
                return new WebhookResult.Invalid(errors);
            }
            row.UpdatedAt = Timestamps.Now(clock).ToUnixTimeMilliseconds();
            await WebhookStore.UpdateAsync(connection, transaction, row);
            return new WebhookResult.Saved(row);
        }, ct);
    }

    public static Task<bool> DeleteAsync(string webhookId, Caller caller, Database db, CancellationToken ct) =>
        db.WriteAsync((connection, transaction) => WebhookStore.DeleteAsync(connection, transaction, caller.WorkspaceId, webhookId), ct);

    /// <summary>A new secret; the old one keeps signing beside it for <see cref="RotationOverlap"/>.</summary>
    public static Task<WebhookResult> RotateAsync(string webhookId, Caller caller, Database db, WebhookSecrets secrets, TimeProvider clock, CancellationToken ct)
    {
        var secret = WebhookSecrets.New();
        // Protected before the write transaction: Data Protection may have to make a key, and
        // storing it is a write of its own, which would wait on this one forever on SQLite.
        var protectedSecret = secrets.Protect(secret);
        var now = Timestamps.Now(clock);
        return db.WriteAsync<WebhookResult>(async (connection, transaction) =>
        {
            if (await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId, transaction) is not { } row)
            {
                return new WebhookResult.NotFound();
            }
            row.PreviousSecret = row.Secret;
            row.PreviousExpiresAt = (now + RotationOverlap).ToUnixTimeMilliseconds();
            row.Secret = protectedSecret;
            row.UpdatedAt = now.ToUnixTimeMilliseconds();
            await WebhookStore.RotateAsync(connection, transaction, row);
            return new WebhookResult.Saved(row, secret);
        }, ct);
    }

    public static readonly TimeSpan RotationOverlap = TimeSpan.FromHours(24);

    /// <summary>An event of type <c>webhook.ping</c> for this endpoint only, and its delivery; null when there is no such endpoint.</summary>
    public static Task<WebhookStore.DeliveryRow?> PingAsync(string webhookId, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        var now = Timestamps.Now(clock);
        return db.WriteAsync<WebhookStore.DeliveryRow?>(async (connection, transaction) =>
        {
            if (await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId, transaction) is not { } row)
            {
                return null;
            }
            var eventId = await EventLog.AppendAsync(
                connection, transaction, caller.WorkspaceId, EventTypes.WebhookPing, caller.Subject, new PingData(row.Id), now, webhookId: row.Id);
            return await WebhookStore.InsertDeliveryAsync(connection, transaction, caller.WorkspaceId, row.Id, eventId, EventTypes.WebhookPing, now);
        }, ct);
    }

    /// <summary>A new delivery of the same event to the same endpoint, due at once; null when the delivery, its endpoint or its event is gone.</summary>
    public static async Task<WebhookStore.DeliveryRow?> RedeliverAsync(
        string webhookId, string deliveryId, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        WebhookStore.DeliveryRow? original;
        await using (var connection = await db.OpenAsync(ct))
        {
            original = await WebhookStore.FindDeliveryAsync(connection, caller.WorkspaceId, webhookId, deliveryId);
        }
        if (original is null)
        {
            return null;
        }
        var now = Timestamps.Now(clock);
        return await db.WriteAsync<WebhookStore.DeliveryRow?>(async (connection, transaction) =>
        {
            if (await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId, transaction) is null
                || await EventLog.FindAsync(connection, caller.WorkspaceId, original.EventId, transaction) is null)
            {
                return null;
            }
            return await WebhookStore.InsertDeliveryAsync(connection, transaction, caller.WorkspaceId, webhookId, original.EventId, original.EventType, now);
        }, ct);
    }

    /// <summary>Reads url, events, description and enabled onto <paramref name="row"/>; the errors by field.</summary>
    private static async Task<FieldErrors> ReadAsync(
        JsonElement body, WebhookStore.Row row, bool creating, WebhookOptions options, CancellationToken ct, string? checkedUrl = null)
    {
        var fields = new JsonFields(body, "", new FieldErrors());
        var url = fields.Text("url", creating ? null : row.Url, WebhookRules.UrlMax, required: true, trim: true);
        if (url is not null && url != row.Url && url != checkedUrl && !fields.Errors.ContainsKey("url")
            && await NetworkGuard.CheckUrlAsync(url, options.AllowPrivateNetworks, ct) is { } refusal)
        {
            fields.Errors.Add("url", refusal);
        }
        row.Url = url ?? row.Url;
        row.Events = JsonSerializer.Serialize(ReadEvents(fields, row.EventTypes));
        row.Description = fields.Text("description", row.Description, WebhookRules.DescriptionMax, trim: true);
        var enabled = fields.Boolean("enabled", row.Enabled, true);
        if (enabled && !row.Enabled)
        {
            row.DisabledReason = null;
        }
        if (!enabled)
        {
            // Disabled by a person: no reason of the service's.
            row.DisabledReason = row.Enabled ? null : row.DisabledReason;
        }
        row.Enabled = enabled;
        return fields.Errors;
    }

    private static IReadOnlyList<string> ReadEvents(JsonFields fields, IReadOnlyList<string> current)
    {
        switch (fields.Find("events", out var value))
        {
            case Presence.Absent:
                return current;
            case Presence.Null:
                return [];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            fields.Errors.Add("events", "must be an array of event types");
            return current;
        }
        var types = new List<string>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var path = $"events[{index++}]";
            if (item.ValueKind != JsonValueKind.String || Array.IndexOf(EventTypes.All, item.GetString()) < 0)
            {
                fields.Errors.Add(path, $"must be one of: {string.Join(", ", EventTypes.All)}");
                if (index > EventTypes.All.Length)
                {
                    break;
                }
            }
            else if (!types.Contains(item.GetString()!))
            {
                types.Add(item.GetString()!);
            }
        }
        return types;
    }
}
