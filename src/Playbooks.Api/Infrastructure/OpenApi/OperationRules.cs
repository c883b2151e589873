using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Playbooks.Api.Auth;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;

namespace Playbooks.Api.Infrastructure.OpenApi;

/// <summary>
/// Per operation: its security requirement, the headers it reads and sends, typed query
/// parameters (the handlers take them as strings to report bad values as 400 problems), and
/// what each problem status means.
/// </summary>
internal sealed class OperationRules : IOpenApiOperationTransformer
{
    private static readonly Dictionary<string, string> ProblemMeanings = new()
    {
        ["400"] = "`validation_failed`: the body or query is invalid (see `errors`); `workspace_required`: the token grants several workspaces and no X-Workspace-Id was sent.",
        ["401"] = "`unauthorized`: the bearer token is missing, malformed, unknown, revoked or expired.",
        ["403"] = "`workspace_forbidden`: no grant for the workspace; `read_only_workspace` or `insufficient_role`: a mutating call the workspace or grant does not allow.",
        ["404"] = "`not_found`: no such resource in this workspace (or no admin API on this server).",
        ["409"] = "The resource's state does not allow the call: `playbook_archived`, `run_not_running`, a pivot guard (`adaptation_disabled`, `insufficient_samples`, `pivot_window_not_elapsed`, `pivot_limit_reached`), `demo_exists` when the workspace already has the demo playbooks, or `idempotency_key_in_progress` while the first request with the same Idempotency-Key is still running.",
        ["412"] = "`precondition_failed`: If-Match does not name the current version.",
        ["413"] = "`payload_too_large`: the body is over 64 KiB.",
        ["415"] = "`unsupported_media_type`: the body is not sent as JSON.",
        ["422"] = "`idempotency_key_reused`: the Idempotency-Key was used with a different request.",
        ["429"] = "`rate_limited`: too many requests for this token; retry after Retry-After seconds.",
    };

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<DocumentedBody>().LastOrDefault() is { } body && context.Document is { } document)
        {
            var schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
            ReferenceNested(schema, document);
            document.AddComponent(body.Type.Name, schema);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                // The server reads any JSON media type (application/json, or application/<x>+json) in UTF-8.
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [EndpointDocs.JsonContentType] = new() { Schema = new OpenApiSchemaReference(body.Type.Name, document) },
                    ["application/*+json"] = new() { Schema = new OpenApiSchemaReference(body.Type.Name, document) },
                },
            };
        }

        var scheme = SchemeOf(metadata);
        if (scheme is not null)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] }];
        }

        var headers = metadata.OfType<DocumentedHeader>().ToHashSet();
        if (scheme == OpenApiSetup.ApiToken)
        {
            AddHeader(operation, WorkspaceAccess.Header,
                "The workspace to act in (`ws_…`). May be left out when the token grants exactly one workspace.", new OpenApiSchema { Type = JsonSchemaType.String });
        }
        if (headers.Contains(DocumentedHeader.IfMatch))
        {
            AddHeader(operation, "If-Match", "Apply the update only over this version, e.g. `\"3\"` (the ETag); otherwise 412.", new OpenApiSchema { Type = JsonSchemaType.String });
        }
        if (headers.Contains(DocumentedHeader.IdempotencyKey))
        {
            AddHeader(operation, Idempotency.Header,
                "Makes the POST safe to retry: the same key with the same body within 24 hours replays the first answer; with another body it is 422.",
                new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = Idempotency.MaxKeyLength });
        }
        DeclareRouteParameters(operation, context.Description.RelativePath ?? "");
        DescribeQuery(operation);

        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse concrete)
            {
                continue;
            }
            if (ProblemMeanings.TryGetValue(status, out var meaning))
            {
                concrete.Description = meaning;
            }
            var success = status.StartsWith('2');
            if (status == "201")
            {
                AddHeader(concrete, "Location", "Where the created resource is.", JsonSchemaType.String, required: true);
            }
            if (success && headers.Contains(DocumentedHeader.ETag))
            {
                AddHeader(concrete, "ETag", "The playbook's version as an entity tag, e.g. `\"3\"`.", JsonSchemaType.String, required: true, pattern: "^\"[0-9]+\"$");
            }
            // Every answer the handler gave under the key is stored and replayed, errors included;
            // the checks that run before the idempotency filter (401, 403, 429) and its own 422 are not.
            if (headers.Contains(DocumentedHeader.IdempotencyKey) && status is not ("401" or "403" or "422" or "429") && !status.StartsWith('5'))
            {
                AddHeader(concrete, Idempotency.ReplayedHeader, "`true` when this answer is the replay of an earlier request with the same Idempotency-Key.", JsonSchemaType.String);
            }
            if (status == "401")
            {
                AddHeader(concrete, "WWW-Authenticate", "`Bearer`.", JsonSchemaType.String, required: true, pattern: "^Bearer");
            }
            if (status == "429")
            {
                AddHeader(concrete, "Retry-After", "Whole seconds to wait before the next request (at least 1).", JsonSchemaType.Integer, required: true);
            }
        }
    }

    /// <summary>
    /// A schema made on request comes with its nested types inline; give them components and
    /// references, as the generator does for the types it finds itself, so each keeps one name.
    /// </summary>
    internal static void ReferenceNested(OpenApiSchema schema, OpenApiDocument document)
    {
        foreach (var name in schema.Properties?.Keys.ToList() ?? [])
        {
            schema.Properties![name] = Referenced(schema.Properties[name], document);
        }
        if (schema.Items is { } items)
        {
            schema.Items = Referenced(items, document);
        }
    }

    private static IOpenApiSchema Referenced(IOpenApiSchema nested, OpenApiDocument document)
    {
        if (nested is not OpenApiSchema schema)
        {
            return nested;
        }
        ReferenceNested(schema, document);
        if (Meta(schema, "x-schema-id") is not string { Length: > 0 } id)
        {
            return schema;
        }
        document.AddComponent(id, schema);
        var reference = new OpenApiSchemaReference(id, document) { Description = Meta(schema, "x-ref-description") as string };
        return Meta(schema, "x-is-nullable-property") is true
            ? new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, reference] }
            : reference;
    }

    private static object? Meta(OpenApiSchema schema, string key) =>
        schema.Metadata is { } metadata && metadata.TryGetValue(key, out var value) ? value : null;

    /// <summary>
    /// The policy names of the endpoint's authorization metadata: <c>admin</c> is the admin key,
    /// any other is a token. Until every group carries RequireAuthorization (auth is moving onto the
    /// framework), endpoints without it fall back to their path, which is what the filters check today.
    /// </summary>
    /// <summary>The security scheme of the policy the endpoint declares with <c>RequireAuthorization</c>; none without one.</summary>
    private static string? SchemeOf(IList<object> metadata)
    {
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        if (authorize.Count == 0 || metadata.OfType<IAllowAnonymous>().Any())
        {
            return null;
        }
        return authorize.Any(a => a.Policy == Policies.Admin) ? OpenApiSetup.AdminKey : OpenApiSetup.ApiToken;
    }

    /// <summary>
    /// Every <c>{name}</c> of the route is a path parameter, also when the handler leaves it to a
    /// filter (<see cref="PlaybookExists"/> reads <c>{id}</c>), which the framework does not list.
    /// </summary>
    private static void DeclareRouteParameters(OpenApiOperation operation, string relativePath)
    {
        var parameters = operation.Parameters ??= [];
        var names = System.Text.RegularExpressions.Regex.Matches(relativePath, @"\{(\w+)\}").Select(m => m.Groups[1].Value).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            if (!parameters.Any(p => p.In == ParameterLocation.Path && p.Name == names[i]))
            {
                parameters.Insert(i, new OpenApiParameter { Name = names[i], In = ParameterLocation.Path, Required = true });
            }
        }
    }

    private static void DescribeQuery(OpenApiOperation operation)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.In == ParameterLocation.Path)
            {
                parameter.Schema = parameter.Name == "n"
                    ? new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "1" }
                    : new OpenApiSchema { Type = JsonSchemaType.String };
                continue;
            }
            if (parameter.In != ParameterLocation.Query)
            {
                continue;
            }
            (parameter.Schema, parameter.Description) = (operation.OperationId, parameter.Name) switch
            {
                (_, "limit") => (new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = Page.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Default = JsonValue.Create(Page.DefaultLimit),
                }, "Items per page."),
                (_, "cursor") => (new OpenApiSchema { Type = JsonSchemaType.String }, "The `nextCursor` of the previous page."),
                ("ListRuns", "status") => (Enum(RunStatuses.All), "Only runs in this status."),
                (_, "status") => (Enum(SpecRules.Statuses), "Only playbooks in this status."),
                (_, "mode") => (Enum(SpecRules.Modes), "Only playbooks with this mode."),
                (_, "buddyId") => (Enum(SpecRules.Buddies), "Only playbooks for this buddy."),
                (_, "bucket") => (Enum(StatsApi.BucketNames, "day"), "Bucket size: UTC hours, days, or ISO weeks starting Monday."),
                (_, "from") => (Timestamp(), "Start of the range (default: `to` minus 48 hours, 30 days or 26 weeks, by bucket)."),
                (_, "to") => (Timestamp(), "End of the range, exclusive (default: now)."),
                _ => (parameter.Schema, parameter.Description),
            };
        }
    }

    private static OpenApiSchema Enum(IEnumerable<string> values, string? fallback = null) => new()
    {
        Type = JsonSchemaType.String,
        Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList(),
        Default = fallback is null ? null : JsonValue.Create(fallback),
    };

    private static OpenApiSchema Timestamp() => new() { Type = JsonSchemaType.String, Format = "date-time" };

    private static void AddHeader(OpenApiOperation operation, string name, string description, OpenApiSchema schema)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter { Name = name, In = ParameterLocation.Header, Description = description, Schema = schema });
    }

    /// <summary>A response header; <paramref name="required"/> when every such answer carries it.</summary>
    private static void AddHeader(OpenApiResponse response, string name, string description, JsonSchemaType type, bool required = false, string? pattern = null)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = description, Required = required, Schema = new OpenApiSchema { Type = type, Pattern = pattern } };
    }
}
