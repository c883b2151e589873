using System.Text.Json;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Webhooks;

namespace Playbooks.Api.Dashboard;

/// <summary>The dashboard's webhook forms as the JSON body the API reads, so both go through one reader.</summary>
public static class WebhookForm
{
    /// <summary>Only what the form sends: an empty description is none, no event type checked is every type.</summary>
    public static JsonDocument ToJson(string? url, string[]? events, string? description) =>
        JsonDocument.Parse(JsonSerializer.Serialize(new
        {
            url = url ?? "",
            events = events is { Length: > 0 } ? events : null,
            description = string.IsNullOrWhiteSpace(description) ? null : description,
        }));

    public static JsonDocument Enabled(bool enabled) => JsonDocument.Parse(enabled ? """{"enabled":true}""" : """{"enabled":false}""");

    /// <summary>A field's messages, with those of its items (events[2]) under the field.</summary>
    public static IReadOnlyList<string> ErrorsFor(FieldErrors errors, string path) => errors
        .Where(e => e.Key == path || e.Key.StartsWith(path + "[", StringComparison.Ordinal))
        .SelectMany(e => e.Value)
        .Distinct()
        .ToList();

    /// <summary>How a person reads an endpoint's state.</summary>
    public static string State(WebhookStore.Row webhook) => webhook.Enabled ? "Enabled" : webhook.DisabledReason switch
    {
        DisabledReasons.Gone => "Disabled: the endpoint answered 410 Gone",
        DisabledReasons.Failing => "Disabled: every delivery failed for 5 days",
        null => "Disabled",
        var other => $"Disabled: {other}",
    };

    public static string StateClass(WebhookStore.Row webhook) =>
        webhook.Enabled ? "enabled" : webhook.DisabledReason is null ? "disabled" : "disabled-by-service";

    public static string EventsText(WebhookStore.Row webhook) =>
        webhook.EventTypes.Count == 0 ? "Every type" : string.Join(", ", webhook.EventTypes);
}
