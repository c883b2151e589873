using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Playbooks.Api.Adaptation;
using Playbooks.Api.Auth;
using Playbooks.Api.Events;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;
using Playbooks.Api.Webhooks;

namespace Playbooks.Api.Infrastructure.OpenApi;

/// <summary>
/// Schema facts that the types alone do not carry: timestamps (written by a custom converter),
/// enums (from the same arrays validation uses), members left out when null, and a few bounds
/// that attributes cannot express.
/// </summary>
internal sealed class SchemaRules : IOpenApiSchemaTransformer
{
    private static readonly Dictionary<(Type Type, string Property), Action<OpenApiSchema>> Properties = new()
    {
        [(typeof(PlaybookResponse), "status")] = OneOf(SpecRules.Statuses),
        [(typeof(PlaybookResponse), "mode")] = OneOf(SpecRules.Modes),
        [(typeof(PlaybookResponse), "buddyId")] = OneOf(SpecRules.Buddies),
        [(typeof(PlaybookSpec), "status")] = OneOf(SpecRules.Statuses),
        [(typeof(PlaybookSpec), "mode")] = OneOf(SpecRules.Modes),
        [(typeof(PlaybookSpec), "buddyId")] = OneOf(SpecRules.Buddies),
        [(typeof(CreatePlaybookRequest), "status")] = OneOf(SpecRules.Statuses),
        [(typeof(CreatePlaybookRequest), "mode")] = OneOf(SpecRules.Modes),
        [(typeof(CreatePlaybookRequest), "buddyId")] = OneOf(SpecRules.Buddies),
        [(typeof(UpdatePlaybookRequest), "status")] = OneOf(SpecRules.Statuses),
        [(typeof(UpdatePlaybookRequest), "mode")] = OneOf(SpecRules.Modes),
        [(typeof(UpdatePlaybookRequest), "buddyId")] = OneOf(SpecRules.Buddies),
        [(typeof(LeadSource), "kind")] = OneOf(SpecRules.LeadSourceKinds),
        [(typeof(LeadSourceRequest), "kind")] = OneOf(SpecRules.LeadSourceKinds),
        [(typeof(Strategy), "kind")] = OneOf(SpecRules.StrategyKinds),
        [(typeof(Strategy), "successMetric")] = OneOf(SpecRules.SuccessMetrics),
        [(typeof(StrategyRequest), "kind")] = OneOf(SpecRules.StrategyKinds),
        [(typeof(StrategyRequest), "successMetric")] = OneOf(SpecRules.SuccessMetrics),
        [(typeof(StrategyRequest), "successTarget")] = AtLeastZero,
        [(typeof(StrategyRequest), "channels")] = ChannelItems,
        [(typeof(StrategyUpdate), "kind")] = OneOf(SpecRules.StrategyKinds),
        [(typeof(StrategyUpdate), "successMetric")] = OneOf(SpecRules.SuccessMetrics),
        [(typeof(StrategyUpdate), "successTarget")] = AtLeastZero,
        [(typeof(StrategyUpdate), "channels")] = ChannelItems,
        [(typeof(RunResponse), "status")] = OneOf(RunStatuses.All),
        [(typeof(RunResponse), "successMetric")] = OneOf(SpecRules.SuccessMetrics),
        [(typeof(EndRunRequest), "status")] = OneOf(RunStatuses.Final),
        [(typeof(VersionResponse), "change")] = OneOf(VersionChanges.All),
        [(typeof(Evaluation), "state")] = OneOf(AdaptationStates.All),
        [(typeof(Evaluation), "metric")] = OneOf(SpecRules.SuccessMetrics),
        [(typeof(PivotEvaluation), "state")] = OneOf(AdaptationStates.All),
        [(typeof(PivotStatus), "blockedBy")] = OneOf(PivotGuards.All),
        [(typeof(Grant), "role")] = OneOf(Roles.All),
        [(typeof(StatsResponse), "bucket")] = OneOf(StatsApi.BucketNames),
        [(typeof(EventResponse), "type")] = OneOf([.. EventTypes.All, EventTypes.WebhookPing]),
        [(typeof(StateChangedData), "from")] = OneOf(AdaptationStates.All),
        [(typeof(StateChangedData), "to")] = OneOf(AdaptationStates.All),
        [(typeof(WebhookResponse), "events")] = ItemsOneOf(EventTypes.All),
        [(typeof(WebhookResponse), "disabledReason")] = OneOf([DisabledReasons.Gone, DisabledReasons.Failing]),
        [(typeof(CreateWebhookRequest), "events")] = ItemsOneOf(EventTypes.All),
        [(typeof(UpdateWebhookRequest), "events")] = ItemsOneOf(EventTypes.All),
        [(typeof(DeliveryResponse), "status")] = OneOf(DeliveryStatuses.All),
        [(typeof(DeliveryResponse), "eventType")] = OneOf([.. EventTypes.All, EventTypes.WebhookPing]),
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (type == typeof(DateTimeOffset) || type == typeof(DateTimeOffset?))
        {
            // Timestamps.JsonConverter writes them, so the generator cannot tell they are strings.
            schema.Type = type == typeof(DateTimeOffset?) ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            schema.Format = "date-time";
            schema.Pattern = null;
        }
        if (context.JsonPropertyInfo is { } property && Properties.TryGetValue((property.DeclaringType, property.Name), out var rule))
        {
            rule(schema);
        }
        if (context.JsonTypeInfo.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object)
        {
            foreach (var member in context.JsonTypeInfo.Properties)
            {
                if (IsLeftOutWhenNull(member.AttributeProvider))
                {
                    // Never sent as null, only left out: optional, and not nullable.
                    schema.Required?.Remove(member.Name);
                    if (schema.Properties?.TryGetValue(member.Name, out var memberSchema) == true && memberSchema is OpenApiSchema concrete)
                    {
                        schema.Properties[member.Name] = WithoutNull(concrete);
                    }
                }
            }
        }
        return Task.CompletedTask;
    }

    private static bool IsLeftOutWhenNull(ICustomAttributeProvider? member) =>
        member?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true).OfType<JsonIgnoreAttribute>()
            .Any(a => a.Condition is JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault) == true;

    private static IOpenApiSchema WithoutNull(OpenApiSchema schema)
    {
        // A nullable reference comes as oneOf [null, $ref]: keep the reference alone.
        if (schema.OneOf is { Count: > 0 } alternatives)
        {
            var remaining = alternatives.Where(a => a is not OpenApiSchema { Type: JsonSchemaType.Null }).ToList();
            if (remaining.Count == 1)
            {
                return remaining[0];
            }
            schema.OneOf = remaining;
        }
        if (schema.Type is { } type)
        {
            schema.Type = type & ~JsonSchemaType.Null;
        }
        return schema;
    }

    private static Action<OpenApiSchema> OneOf(IEnumerable<string> values) => schema =>
    {
        var nodes = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
        if (schema.Type?.HasFlag(JsonSchemaType.Null) == true)
        {
            nodes.Add(null!);
        }
        schema.Enum = nodes;
    };

    private static Action<OpenApiSchema> ItemsOneOf(IEnumerable<string> values) => schema =>
    {
        if (schema.Items is OpenApiSchema item)
        {
            OneOf(values)(item);
        }
    };

    private static void AtLeastZero(OpenApiSchema schema) => schema.Minimum = "0";

    private static void ChannelItems(OpenApiSchema schema)
    {
        if (schema.Items is OpenApiSchema item)
        {
            item.MinLength = 1;
            item.MaxLength = SpecRules.ChannelMax;
        }
    }
}
