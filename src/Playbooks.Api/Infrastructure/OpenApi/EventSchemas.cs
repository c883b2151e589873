using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Playbooks.Api.Events;

namespace Playbooks.Api.Infrastructure.OpenApi;

/// <summary>
/// An event's <c>data</c> depends on its <c>type</c>. The server passes the stored data through
/// as it was written; the document says exactly what each type carries: <c>EventResponse</c> is
/// one of a schema per type, told apart by <c>type</c>, so a generated client gets typed data.
/// </summary>
internal sealed class EventSchemas : IOpenApiDocumentTransformer
{
    private static readonly (string Type, string Name, Type Data)[] Variants =
    [
        (EventTypes.PlaybookCreated, "PlaybookCreatedEvent", typeof(PlaybookData)),
        (EventTypes.PlaybookUpdated, "PlaybookUpdatedEvent", typeof(PlaybookUpdatedData)),
        (EventTypes.PlaybookDeleted, "PlaybookDeletedEvent", typeof(PlaybookDeletedData)),
        (EventTypes.RunStarted, "RunStartedEvent", typeof(RunData)),
        (EventTypes.RunEnded, "RunEndedEvent", typeof(RunData)),
        (EventTypes.AdaptationStateChanged, "AdaptationStateChangedEvent", typeof(StateChangedData)),
        (EventTypes.PivotCreated, "PivotCreatedEvent", typeof(PivotData)),
        (EventTypes.WebhookPing, "WebhookPingEvent", typeof(PingData)),
    ];

    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var schemas = document.Components?.Schemas;
        if (schemas is null || !schemas.TryGetValue(nameof(EventResponse), out var found) || found is not OpenApiSchema envelope)
        {
            return;
        }

        var mapping = new Dictionary<string, OpenApiSchemaReference>();
        foreach (var (type, name, dataType) in Variants)
        {
            if (!schemas.ContainsKey(dataType.Name))
            {
                var data = await context.GetOrCreateSchemaAsync(dataType, null, cancellationToken);
                OperationRules.ReferenceNested(data, document);
                document.AddComponent(dataType.Name, data);
            }
            var properties = new Dictionary<string, IOpenApiSchema>(envelope.Properties!)
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(type)] },
                ["data"] = new OpenApiSchemaReference(dataType.Name, document),
            };
            document.AddComponent(name, new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = $"An event of type `{type}`.",
                Required = new HashSet<string>(envelope.Required!),
                Properties = properties,
            });
            mapping[type] = new OpenApiSchemaReference(name, document);
        }

        schemas[nameof(EventResponse)] = new OpenApiSchema
        {
            Description = "An event: what changed, when, by whom; `data` depends on `type`.",
            OneOf = [.. mapping.Values],
            Discriminator = new OpenApiDiscriminator { PropertyName = "type", Mapping = mapping },
        };
        schemas.Remove("JsonElement");
    }
}
