using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Playbooks.Api.Webhooks;

public static class DisabledReasons
{
    /// <summary>The endpoint answered 410 Gone.</summary>
    public const string Gone = "gone";

    /// <summary>Every delivery failed for <see cref="WebhookOptions.FailingFor"/>.</summary>
    public const string Failing = "failing";
}

public static class DeliveryStatuses
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public static readonly string[] All = [Pending, Succeeded, Failed];
}

/// <summary>Where and what the workspace's events are pushed (events.md section 2). Never the secret.</summary>
public sealed record WebhookResponse(
    string Id,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    bool Enabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string CreatedBy,
    [property: Description("Why the service disabled the endpoint: `gone` after a 410, `failing` after 5 days of failed deliveries; null while enabled or disabled by a person.")]
    string? DisabledReason);

public sealed record WebhookEnvelope(WebhookResponse Webhook);

/// <summary>The only answers that carry the signing secret: creation and rotation.</summary>
public sealed record WebhookWithSecret(
    WebhookResponse Webhook,
    [property: Description("`whsec_` + base64 of 32 random bytes; shown only in this answer.")] string Secret);

public sealed record WebhookList(IReadOnlyList<WebhookResponse> Webhooks);

public sealed record DeliveryResponse(
    string Id,
    string WebhookId,
    string EventId,
    string EventType,
    string Status,
    int Attempts,
    DateTimeOffset? LastAttemptAt,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt);

public sealed record DeliveryEnvelope(DeliveryResponse Delivery);

public sealed record DeliveryList(
    IReadOnlyList<DeliveryResponse> Deliveries,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor);

// The bodies as the OpenAPI document describes them; WebhooksApi reads the JSON field by field.

[Description("A new endpoint.")]
public sealed record CreateWebhookRequest
{
    [StringLength(WebhookRules.UrlMax, MinimumLength = 1), Description("An absolute http or https URL without user info; outside Development, on the public internet.")]
    public required string Url { get; init; }

    [Description("The event types to send; empty, null or absent means every type.")]
    public IReadOnlyList<string>? Events { get; init; }

    [MaxLength(WebhookRules.DescriptionMax)]
    public string? Description { get; init; }

    [Description("Default true.")]
    public bool? Enabled { get; init; }
}

[Description("Only the fields sent change.")]
public sealed record UpdateWebhookRequest
{
    [StringLength(WebhookRules.UrlMax, MinimumLength = 1), Description("May not be null.")]
    public string Url { get; init; } = "";

    [Description("Empty or null: every type.")]
    public IReadOnlyList<string>? Events { get; init; }

    [MaxLength(WebhookRules.DescriptionMax)]
    public string? Description { get; init; }

    [Description("true enables the endpoint again and clears `disabledReason`.")]
    public bool? Enabled { get; init; }
}

public static class WebhookRules
{
    public const int UrlMax = 2000;
    public const int DescriptionMax = 500;
    public const int MaxPerWorkspace = 20;
}
