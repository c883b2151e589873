using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
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
        webhook.MapPost("/ping", Ping).WithName("PingWebhook").RequireAuthorization(Policies.Write).Idempotent()
            .WithSummary("Send a test event")
            .WithDescription("Queues an event of type `webhook.ping` for this endpoint only, and answers with its delivery at once.");
        webhook.MapGet("/deliveries", ListDeliveries).WithName("ListDeliveries").RequireAuthorization(Policies.Read)
            .WithSummary("List an endpoint's deliveries")
            .WithDescription("Newest first, optionally by status. `nextCursor` is present only while another page follows.");
        webhook.MapPost("/deliveries/{deliveryId}/redeliver", Redeliver).WithName("Redeliver").RequireAuthorization(Policies.Write).Idempotent()
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
        switch (await WebhookWrites.CreateAsync(body.Root, caller, db, secrets, options.Value, clock, ct))
        {
            case WebhookResult.Saved(var row, var secret):
                ResponseHeaders.NoStore(request.HttpContext.Response);
                return TypedResults.Created($"/v1/webhooks/{row.Id}", new WebhookWithSecret(row.ToResponse(), secret!));
            case WebhookResult.Invalid(var errors):
                return ApiProblem.Validation(errors);
            default:
                return TooMany();
        }
    }

    /// <summary>The refusal of a workspace's endpoint beyond the limit, for the API and the dashboard alike.</summary>
    public static ProblemHttpResult TooMany() => ApiProblem.Create(StatusCodes.Status409Conflict, "too_many_webhooks", TooManyMessage);

    public static readonly string TooManyMessage = $"A workspace has at most {WebhookRules.MaxPerWorkspace} webhook endpoints; delete one first.";

    public static async Task<Results<Ok<WebhookEnvelope>, ProblemHttpResult>> Update(
        string webhookId, HttpRequest request, Caller caller, Database db, IOptions<WebhookOptions> options, TimeProvider clock, CancellationToken ct)
    {
        // Check order: an unknown endpoint is 404 whatever the body.
        await using (var connection = await db.OpenAsync(ct))
        {
            if (await WebhookStore.FindAsync(connection, caller.WorkspaceId, webhookId) is null)
            {
                return ApiProblem.NotFound("webhook");
            }
        }
        var body = await JsonBody.ReadObjectAsync(request, ct);
        if (body.Problem is { } bodyProblem)
        {
            return bodyProblem;
        }
        using var document = body.Document;
        return await WebhookWrites.UpdateAsync(webhookId, body.Root, caller, db, options.Value, clock, ct) switch
        {
            WebhookResult.Saved(var row, _) => TypedResults.Ok(new WebhookEnvelope(row.ToResponse())),
            WebhookResult.Invalid(var errors) => ApiProblem.Validation(errors),
            _ => ApiProblem.NotFound("webhook"),
        };
    }

    public static async Task<Results<Ok<OkResponse>, ProblemHttpResult>> Delete(string webhookId, Caller caller, Database db, CancellationToken ct) =>
        await WebhookWrites.DeleteAsync(webhookId, caller, db, ct)
            ? TypedResults.Ok(new OkResponse(true))
            : ApiProblem.NotFound("webhook");

    public static async Task<Results<Ok<WebhookWithSecret>, ProblemHttpResult>> Rotate(
        string webhookId, HttpResponse response, Caller caller, Database db, WebhookSecrets secrets, TimeProvider clock, CancellationToken ct)
    {
        if (await WebhookWrites.RotateAsync(webhookId, caller, db, secrets, clock, ct) is not WebhookResult.Saved(var row, var secret))
        {
            return ApiProblem.NotFound("webhook");
        }
        ResponseHeaders.NoStore(response);
        return TypedResults.Ok(new WebhookWithSecret(row.ToResponse(), secret!));
    }

    public static async Task<Results<Accepted<DeliveryEnvelope>, ProblemHttpResult>> Ping(
        string webhookId, Caller caller, Database db, TimeProvider clock, CancellationToken ct) =>
        await WebhookWrites.PingAsync(webhookId, caller, db, clock, ct) is { } delivery
            ? TypedResults.Accepted($"/v1/webhooks/{webhookId}/deliveries", new DeliveryEnvelope(delivery.ToResponse()))
            : ApiProblem.NotFound("webhook");

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
        string webhookId, string deliveryId, Caller caller, Database db, TimeProvider clock, CancellationToken ct) =>
        await WebhookWrites.RedeliverAsync(webhookId, deliveryId, caller, db, clock, ct) is { } delivery
            ? TypedResults.Accepted($"/v1/webhooks/{webhookId}/deliveries", new DeliveryEnvelope(delivery.ToResponse()))
            : ApiProblem.NotFound("delivery");

}
