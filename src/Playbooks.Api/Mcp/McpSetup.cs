using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Playbooks.Api.Adaptation;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;

namespace Playbooks.Api.Mcp;

/// <summary>
/// The MCP endpoint (mcp.md): Streamable HTTP at <c>/mcp</c>, stateless so that any instance can
/// answer any request, behind the API's own authentication, rate limit and workspace policy.
/// Tools, the <c>run_playbook</c> prompt and the <c>playbook://</c> resources all run the API's code.
/// </summary>
public static class McpSetup
{
    public const string Path = "/mcp";
    public const string PromptName = "run_playbook";
    private const string Scheme = "playbook://";

    public static IServiceCollection AddPlaybooksMcp(this IServiceCollection services)
    {
        services.AddSingleton<ApiSchemas>();
        services.AddMcpServer(options =>
            {
                options.ServerInfo = new Implementation { Name = "playbooks", Version = typeof(McpSetup).Assembly.GetName().Version?.ToString(3) ?? "1.0.0" };
                options.ServerInstructions =
                    "Playbooks are executable specs for go-to-market agents. To run one: start_run gives the run and its prompt; " +
                    "follow the prompt, report every contacted lead with report_outcome, check get_evaluation, propose_pivot only when it is allowed, and end with finish_run.";
            })
            .WithHttpTransport(options => options.Stateless = true)
            .WithListToolsHandler(ListToolsAsync)
            .WithCallToolHandler(CallToolAsync)
            .WithListPromptsHandler((_, _) => ValueTask.FromResult(new ListPromptsResult { Prompts = [RunPlaybookPrompt] }))
            .WithGetPromptHandler(GetPromptAsync)
            .WithListResourceTemplatesHandler((_, _) => ValueTask.FromResult(new ListResourceTemplatesResult { ResourceTemplates = Templates }))
            .WithReadResourceHandler(ReadResourceAsync);
        return services;
    }

    public static IEndpointConventionBuilder MapPlaybooksMcp(this IEndpointRouteBuilder routes)
    {
        var endpoint = routes.MapMcp(Path)
            .RequireAuthorization(Policies.Read)
            .RequireRateLimiting(Policies.PerToken)
            .ExcludeFromDescription();
        // After authentication, the rate limit and the workspace policy, before the SDK reads the message.
        endpoint.Add(builder =>
        {
            var next = builder.RequestDelegate!;
            builder.RequestDelegate = http => McpMessages.GuardAsync(http, next);
        });
        return endpoint;
    }

    private static async ValueTask<ListToolsResult> ListToolsAsync(RequestContext<ListToolsRequestParams> request, CancellationToken ct)
    {
        var schemas = request.Services!.GetRequiredService<ApiSchemas>();
        var tools = new List<Tool>();
        foreach (var tool in PlaybookTools.All)
        {
            var (input, output) = await tool.Schemas(schemas);
            tools.Add(new Tool
            {
                Name = tool.Name,
                Description = tool.Description,
                InputSchema = JsonSerializer.SerializeToElement(input),
                OutputSchema = JsonSerializer.SerializeToElement(output),
                Annotations = new ToolAnnotations
                {
                    ReadOnlyHint = tool.Effect == ToolEffect.Reads,
                    DestructiveHint = tool.Effect == ToolEffect.Reads ? null : tool.Effect == ToolEffect.Changes,
                    OpenWorldHint = false,
                },
            });
        }
        return new ListToolsResult { Tools = tools };
    }

    private static async ValueTask<CallToolResult> CallToolAsync(RequestContext<CallToolRequestParams> request, CancellationToken ct)
    {
        var services = request.Services!;
        var name = request.Params?.Name;
        var tool = PlaybookTools.All.FirstOrDefault(t => t.Name == name)
            ?? throw new McpProtocolException($"There is no tool named '{name}'.", McpErrorCode.InvalidParams);
        var user = request.User!;

        if (tool.Effect != ToolEffect.Reads)
        {
            // The write policy of the API's changing endpoints: read-only workspace, then role.
            var http = services.GetRequiredService<IHttpContextAccessor>().HttpContext;
            var allowed = await services.GetRequiredService<IAuthorizationService>().AuthorizeAsync(user, http, Policies.Write);
            if (!allowed.Succeeded)
            {
                return Error(AccessProblems.Refusal(allowed.Failure?.FailureReasons.FirstOrDefault()?.Message).ProblemDetails);
            }
        }

        var arguments = JsonSerializer.SerializeToElement(request.Params!.Arguments ?? new Dictionary<string, JsonElement>());
        var call = new ToolCall(arguments, Caller.Of(user), services.GetRequiredService<Database>(), services.GetRequiredService<TimeProvider>(), ct);
        var result = await tool.Run(call);
        if (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }
        return result switch
        {
            ProblemHttpResult problem => Error(problem.ProblemDetails),
            IValueHttpResult { Value: { } value } => Success(JsonSerializer.SerializeToNode(value, value.GetType(), ApiJson(services))!),
            _ => throw new InvalidOperationException($"Tool {tool.Name} answered {result.GetType().Name}, which carries no value."),
        };
    }

    private static CallToolResult Success(JsonNode answer) => new()
    {
        StructuredContent = JsonSerializer.SerializeToElement(answer),
        Content = [new TextContentBlock { Text = answer.ToJsonString() }],
    };

    /// <summary>
    /// A tool error a model can correct itself from: the problem's code first, then its detail, the
    /// field errors one per line, and when a pivot is allowed next where a guard refused one.
    /// </summary>
    private static CallToolResult Error(ProblemDetails problem)
    {
        var text = new StringBuilder().Append(problem.Extensions["code"]).Append(": ").Append(problem.Detail);
        if (problem.Extensions.TryGetValue("errors", out var errors) && errors is FieldErrors fields)
        {
            foreach (var (path, messages) in fields)
            {
                foreach (var message in messages)
                {
                    text.Append('\n').Append(path).Append(": ").Append(message);
                }
            }
        }
        if (problem.Extensions.TryGetValue("nextPivotAllowedAt", out var next))
        {
            text.Append("\nnextPivotAllowedAt: ").Append(next ?? "never");
        }
        return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = text.ToString() }] };
    }

    private static readonly Prompt RunPlaybookPrompt = new()
    {
        Name = PromptName,
        Description = "The buddy's structured prompt for a playbook, as the runtime would send it: open the buddy chat with it.",
        Arguments = [new PromptArgument { Name = "playbookId", Description = "The playbook's id (`pb_…`).", Required = true }],
    };

    private static async ValueTask<GetPromptResult> GetPromptAsync(RequestContext<GetPromptRequestParams> request, CancellationToken ct)
    {
        if (request.Params?.Name != PromptName)
        {
            throw new McpProtocolException($"There is no prompt named '{request.Params?.Name}'.", McpErrorCode.InvalidParams);
        }
        var id = request.Params.Arguments?.TryGetValue("playbookId", out var value) == true && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (id is null)
        {
            throw new McpProtocolException("validation_failed: playbookId is required.", McpErrorCode.InvalidParams);
        }

        var (db, caller, clock) = Context(request);
        await using var connection = await db.OpenAsync(ct);
        var playbook = await PlaybookStore.FindAsync(connection, caller.WorkspaceId, id)
            ?? throw new McpProtocolException("not_found: No playbook with that id exists in this workspace.", McpErrorCode.InvalidParams);
        return new GetPromptResult
        {
            Description = $"Run the playbook {playbook.Id} (version {playbook.Version}).",
            Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = await BuddyPrompt.BuildAsync(connection, playbook, null, Timestamps.Now(clock)) } }],
        };
    }

    private static readonly List<ResourceTemplate> Templates =
    [
        new() { Name = "playbook", UriTemplate = Scheme + "{playbookId}", MimeType = "application/json", Description = "The playbook, as GET /v1/playbooks/{id} answers." },
        new() { Name = "evaluation", UriTemplate = Scheme + "{playbookId}/evaluation", MimeType = "application/json", Description = "The playbook's evaluation, as GET /v1/playbooks/{id}/adaptation answers." },
    ];

    private static async ValueTask<ReadResourceResult> ReadResourceAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken ct)
    {
        var uri = request.Params?.Uri ?? "";
        // Parsed by hand: System.Uri would lower-case the id, which stands where a host name would.
        var path = uri.StartsWith(Scheme, StringComparison.Ordinal) ? uri[Scheme.Length..].Split('/') : [];
        var (id, evaluation) = path switch
        {
            [var only] when only.Length > 0 => (only, false),
            [var first, "evaluation"] when first.Length > 0 => (first, true),
            _ => throw new McpProtocolException($"There is no resource '{uri}': use playbook://{{playbookId}} or playbook://{{playbookId}}/evaluation.", McpErrorCode.ResourceNotFound),
        };

        var (db, caller, clock) = Context(request);
        await using var connection = await db.OpenAsync(ct);
        var playbook = await PlaybookStore.FindAsync(connection, caller.WorkspaceId, id)
            ?? throw new McpProtocolException($"not_found: No playbook with that id exists in this workspace.", McpErrorCode.ResourceNotFound);
        object answer = evaluation
            ? new EvaluationEnvelope(await AdaptationStore.EvaluateAsync(connection, playbook, Timestamps.Now(clock)))
            : new PlaybookEnvelope(playbook.ToResponse());
        return new ReadResourceResult
        {
            Contents = [new TextResourceContents { Uri = uri, MimeType = "application/json", Text = JsonSerializer.Serialize(answer, answer.GetType(), ApiJson(request.Services!)) }],
        };
    }

    private static (Database Db, Caller Caller, TimeProvider Clock) Context<T>(RequestContext<T> request) =>
        (request.Services!.GetRequiredService<Database>(), Caller.Of(request.User!), request.Services!.GetRequiredService<TimeProvider>());

    private static JsonSerializerOptions ApiJson(IServiceProvider services) =>
        services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
}
