using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Events;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Infrastructure.OpenApi;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Webhooks;

/// <summary>Webhook endpoints of a workspace and their deliveries (events.md section 2).</summary>
public static class WebhooksApi
{
    public static RouteGroupBuilder MapWebhooks(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/webhooks")
            .WithTags("Webhooks")
            .RequireRateLimiting(Policies.PerToken)
            .ProducesProblems(400, 401, 403, 429);

        group.MapGet("/", List).WithName("ListWebhooks").RequireAuthorization(Policies.Read)
            .WithSummary("List webhook endpoints")
            .WithDescription("The workspace's endpoints, oldest first, without their secrets.");
        group.MapPost("/", Create).WithName("CreateWebhook").RequireAuthorization(Policies.Write)
            .WithJsonBody<CreateWebhookRequest>().ProducesProblems(409, 413, 415)
            .WithSummary("Create a webhook endpoint")
            .WithDescription(
                "Registers an endpoint for the workspace's events (`events` empty or absent: every type). The answer holds the signing secret; "
                + "it is never shown again. Outside Development, a URL on a loopback, private or link-local network is refused. "
                + $"409 `too_many_webhooks` beyond {WebhookRules.MaxPerWorkspace} endpoints.");

        var webhook = group.MapGroup("/{webhookId}").ProducesProblems(404);
        webhook.MapGet("", Get).WithName("GetWebhook").RequireAuthorization(Policies.Read)
            .WithSummary("Get a webhook endpoint")
            .WithDescription("One endpoint, without its secret.");
        webhook.MapPatch("", Update).WithName("UpdateWebhook").RequireAuthorization(Policies.Write)
            .WithJsonBody<UpdateWebhookRequest>().ProducesProblems(413, 415)
            .WithSummary("Update a webhook endpoint")
            .WithDescription("Changes only the fields sent. `enabled: true` enables an endpoint the service disabled, and clears `disabledReason`.");
        webhook.MapDelete("", Delete).WithName("DeleteWebhook").RequireAuthorization(Policies.Write)
            .WithSummary("Delete a webhook endpoint")
            .WithDescription("Removes the endpoint and its deliveries; pending deliveries are not attempted.");
        webhook.MapPost("/rotate-secret", Rotate).WithName("RotateWebhookSecret").RequireAuthorization(Policies.Write)
            .WithSummary("Rotate the signing secret")
            .WithDescription("A new secret, shown only in this answer. For 24 hours deliveries carry two signatures, with the new and the old secret.");
        webhook.MapPost("/ping", Ping).WithName("PingWebhook").RequireAuthorization(Policies.Write)
            .WithSummary("Send a test event")
            .WithDescription("Queues an event of type `webhook.ping` for this endpoint only, and answers with its delivery at once.");
        webhook.MapGet("/deliveries", ListDeliveries).WithName("ListDeliveries").RequireAuthorization(Policies.Read)
            .WithSummary("List an endpoint's deliveries")
            .WithDescription("Newest first, optionally by status. `nextCursor` is present only while another page follows.");
        webhook.MapPost("/deliveries/{deliveryId}/redeliver", Redeliver).WithName("Redeliver").RequireAuthorization(Policies.Write)
            .WithSummary("Deliver an event again")
            .WithDescription("Queues a new delivery of the same event to this endpoint, attempted at once.");
        return group;
    }

    public static async Task<Ok<WebhookList>> List(Caller caller, Database db, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var rows = await WebhookStore.ListAsync(connection, caller.WorkspaceId);
        return TypedResults.Ok(new WebhookList(rows.Select(r => r.ToResponse()).ToList()));
    }

    public static async Task<Results<Ok<WebhookEnvelope>, ProblemHttpResult>> Get(string webhookId, Caller caller, Database db, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId) is { } row
            ? TypedResults.Ok(new WebhookEnvelope(row.ToResponse()))
            : ApiProblem.NotFound("webhook");
    }

    public static async Task<Results<Created<WebhookWithSecret>, ProblemHttpResult>> Create(
        HttpRequest request, Caller caller, Database db, WebhookSecrets secrets, IOptions<WebhookOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var body = await JsonBody.ReadObjectAsync(request, ct);
        if (body.Problem is { } bodyProblem)
        {
            return bodyProblem;
        }
        using var document = body.Document;
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
        if (await ReadAsync(body.Root, row, creating: true, options.Value, ct) is { Count: > 0 } errors)
        {
            return ApiProblem.Validation(errors);
        }

        return await db.WriteAsync<Results<Created<WebhookWithSecret>, ProblemHttpResult>>(async (connection, transaction) =>
        {
            if (await WebhookStore.CountAsync(connection, transaction, caller.WorkspaceId) >= WebhookRules.MaxPerWorkspace)
            {
                return ApiProblem.Create(StatusCodes.Status409Conflict, "too_many_webhooks",
                    $"A workspace has at most {WebhookRules.MaxPerWorkspace} webhook endpoints; delete one first.");
            }
            await WebhookStore.InsertAsync(connection, transaction, row);
            NoStore(request.HttpContext.Response);
            return TypedResults.Created($"/v1/webhooks/{row.Id}", new WebhookWithSecret(row.ToResponse(), secret));
        }, ct);
    }

    public static async Task<Results<Ok<WebhookEnvelope>, ProblemHttpResult>> Update(
        string webhookId, HttpRequest request, Caller caller, Database db, IOptions<WebhookOptions> options, TimeProvider clock, CancellationToken ct)
    {
        WebhookStore.Row? before;
        await using (var connection = await db.OpenAsync(ct))
        {
            before = await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId);
        }
        if (before is null)
        {
            return ApiProblem.NotFound("webhook");
        }
        var body = await JsonBody.ReadObjectAsync(request, ct);
        if (body.Problem is { } bodyProblem)
        {
            return bodyProblem;
        }
        using var document = body.Document;
        // Checked here, with its DNS lookup, not inside the write transaction below.
        if (await ReadAsync(body.Root, before, creating: false, options.Value, ct) is { Count: > 0 } invalid)
        {
            return ApiProblem.Validation(invalid);
        }

        return await db.WriteAsync<Results<Ok<WebhookEnvelope>, ProblemHttpResult>>(async (connection, transaction) =>
        {
            if (await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId, transaction) is not { } row)
            {
                return ApiProblem.NotFound("webhook");
            }
            // Applied again onto the row as it is now (the service may have disabled it meanwhile); the URL is the one checked above.
            if (await ReadAsync(body.Root, row, creating: false, options.Value, ct, checkedUrl: before.Url) is { Count: > 0 } errors)
            {
                return ApiProblem.Validation(errors);
            }
            row.UpdatedAt = Timestamps.Now(clock).ToUnixTimeMilliseconds();
            await WebhookStore.UpdateAsync(connection, transaction, row);
            return TypedResults.Ok(new WebhookEnvelope(row.ToResponse()));
        }, ct);
    }

    public static async Task<Results<Ok<OkResponse>, ProblemHttpResult>> Delete(string webhookId, Caller caller, Database db, CancellationToken ct) =>
        await db.WriteAsync((connection, transaction) => WebhookStore.DeleteAsync(connection, transaction, caller.WorkspaceId, webhookId), ct)
            ? TypedResults.Ok(new OkResponse(true))
            : ApiProblem.NotFound("webhook");

    /// <summary>A new secret; the old one keeps signing beside it for <see cref="RotationOverlap"/>.</summary>
    public static async Task<Results<Ok<WebhookWithSecret>, ProblemHttpResult>> Rotate(
        string webhookId, HttpResponse response, Caller caller, Database db, WebhookSecrets secrets, TimeProvider clock, CancellationToken ct)
    {
        var secret = WebhookSecrets.New();
        var now = Timestamps.Now(clock);
        return await db.WriteAsync<Results<Ok<WebhookWithSecret>, ProblemHttpResult>>(async (connection, transaction) =>
        {
            if (await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId, transaction) is not { } row)
            {
                return ApiProblem.NotFound("webhook");
            }
            row.PreviousSecret = row.Secret;
            row.PreviousExpiresAt = (now + RotationOverlap).ToUnixTimeMilliseconds();
            row.Secret = secrets.Protect(secret);
            row.UpdatedAt = now.ToUnixTimeMilliseconds();
            await WebhookStore.RotateAsync(connection, transaction, row);
            NoStore(response);
            return TypedResults.Ok(new WebhookWithSecret(row.ToResponse(), secret));
        }, ct);
    }

    public static readonly TimeSpan RotationOverlap = TimeSpan.FromHours(24);

    public static async Task<Results<Accepted<DeliveryEnvelope>, ProblemHttpResult>> Ping(
        string webhookId, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        var now = Timestamps.Now(clock);
        return await db.WriteAsync<Results<Accepted<DeliveryEnvelope>, ProblemHttpResult>>(async (connection, transaction) =>
        {
            if (await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId, transaction) is not { } row)
            {
                return ApiProblem.NotFound("webhook");
            }
            var eventId = await EventLog.AppendAsync(
                connection, transaction, caller.WorkspaceId, EventTypes.WebhookPing, caller.Subject, new PingData(row.Id), now, webhookId: row.Id);
            var delivery = await WebhookStore.InsertDeliveryAsync(connection, transaction, caller.WorkspaceId, row.Id, eventId, EventTypes.WebhookPing, now);
            return TypedResults.Accepted($"/v1/webhooks/{row.Id}/deliveries", new DeliveryEnvelope(delivery.ToResponse()));
        }, ct);
    }

    public static async Task<Results<Ok<DeliveryList>, ProblemHttpResult>> ListDeliveries(
        string webhookId, Caller caller, Database db, string? status, string? limit, string? cursor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (status is not null && Array.IndexOf(DeliveryStatuses.All, status) < 0)
        {
            errors.Add("status", $"must be one of: {string.Join(", ", DeliveryStatuses.All)}");
        }
        var page = Page.Parse(limit, cursor, "dlv_", errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        await using var connection = await db.OpenAsync(ct);
        if (await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId) is null)
        {
            return ApiProblem.NotFound("webhook");
        }
        var rows = await WebhookStore.ListDeliveriesAsync(connection, caller.WorkspaceId, webhookId, status, page.After, page.Limit + 1);
        var (items, next) = page.Cut(rows, r => r.Id);
        return TypedResults.Ok(new DeliveryList(items.Select(r => r.ToResponse()).ToList(), next));
    }

    public static async Task<Results<Accepted<DeliveryEnvelope>, ProblemHttpResult>> Redeliver(
        string webhookId, string deliveryId, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        WebhookStore.DeliveryRow? original;
        await using (var connection = await db.OpenAsync(ct))
        {
            original = await WebhookStore.FindDeliveryAsync(connection, caller.WorkspaceId, webhookId, deliveryId);
        }
        if (original is null)
        {
            return ApiProblem.NotFound("delivery");
        }
        var now = Timestamps.Now(clock);
        return await db.WriteAsync<Results<Accepted<DeliveryEnvelope>, ProblemHttpResult>>(async (connection, transaction) =>
        {
            if (await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId, transaction) is null
                || await EventLog.FindAsync(connection, caller.WorkspaceId, original.EventId, transaction) is null)
            {
                return ApiProblem.NotFound("delivery");
            }
            var delivery = await WebhookStore.InsertDeliveryAsync(connection, transaction, caller.WorkspaceId, webhookId, original.EventId, original.EventType, now);
            return TypedResults.Accepted($"/v1/webhooks/{webhookId}/deliveries", new DeliveryEnvelope(delivery.ToResponse()));
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

    /// <summary>An answer that carries a secret is never kept by a cache.</summary>
    private static void NoStore(HttpResponse response) => response.Headers.CacheControl = "no-store";
}
