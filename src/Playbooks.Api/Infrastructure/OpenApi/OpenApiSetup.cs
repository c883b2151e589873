using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Playbooks.Api.Infrastructure.OpenApi;

/// <summary>
/// The OpenAPI document at /openapi/v1.json (and docs/openapi.json, written by the build).
/// Endpoints declare bodies, responses and headers in their Map* registrations; the
/// transformers here add what applies to many of them by one rule.
/// </summary>
public static class OpenApiSetup
{
    public const string ApiToken = "apiToken";
    public const string AdminKey = "adminKey";

    public static IServiceCollection AddPlaybooksOpenApi(this IServiceCollection services)
    {
        // The default web options also read numbers from strings, and the document then types
        // every number as integer|string. Bodies are read by hand (JsonFields), never bound
        // through these options, and writing is the same either way: nothing changes on the wire.
        services.Configure<JsonOptions>(options => options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        return services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<DocumentRules>();
            options.AddDocumentTransformer<EventSchemas>();
            options.AddSchemaTransformer<SchemaRules>();
            options.AddOperationTransformer<OperationRules>();
        });
    }
}

/// <summary>Title, description, tags and the two security schemes.</summary>
internal sealed class DocumentRules : IOpenApiDocumentTransformer
{
    private static readonly Dictionary<string, string> Tags = new()
    {
        ["Playbooks"] = "Playbooks: executable specs for an AI agent (lead source, strategy, adaptation rules). Every change saves a version; answers carrying one playbook send its version as ETag.",
        ["Runs"] = "Runs: each execution of a playbook, pinned to the spec version it started under, with the outcomes it reports, and statistics over time.",
        ["Versions"] = "Versions: every saved version of a playbook's spec, immutable.",
        ["Adaptation"] = "Adaptation: the evaluation of the evidence under the current strategy, and pivots (strategy changes the guards allow).",
        ["Demo"] = "Demo: example playbooks with four weeks of history, for a first look (on by default only in Development).",
        ["Admin"] = "Admin: workspaces and tokens, for the operator. Authenticated with the admin key; answers 404 when the server has none configured.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Playbooks API",
            Version = "v1",
            Description = """
                Per-workspace executable agent specs (playbooks), their runs and outcomes, and the adaptation rules that say when the agent may change course.

                Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code` and a `traceId`. Lists return `nextCursor` only while another page follows.
                """,
            License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Proprietary" },
        };
        // Relative, so the document is the same wherever it is served or generated: clients
        // resolve it against the address they fetched the document from.
        document.Servers = [new OpenApiServer { Url = "/", Description = "The server that serves this document" }];
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(tag => new OpenApiTag { Name = tag.Key, Description = tag.Value }));

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [OpenApiSetup.ApiToken] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A token issued by the admin API (`POST /v1/admin/tokens`): `Authorization: Bearer <token>`. In Development the first start writes one to data/dev-token.",
            },
            [OpenApiSetup.AdminKey] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The operator key of the configuration value `Playbooks:AdminKey`: `Authorization: Bearer <admin key>`.",
            },
        };
        return Task.CompletedTask;
    }
}
