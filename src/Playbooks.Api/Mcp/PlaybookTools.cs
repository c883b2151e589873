using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Playbooks.Api.Adaptation;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;

namespace Playbooks.Api.Mcp;

/// <summary>A tool call: its arguments, who calls, and what the API's handlers need.</summary>
public sealed record ToolCall(JsonElement Arguments, Caller Caller, Database Db, TimeProvider Clock, CancellationToken Ct);

/// <summary>What a tool does to the workspace, for the write policy and the hints hosts show.</summary>
public enum ToolEffect
{
    /// <summary>Reads only (<c>readOnlyHint</c>).</summary>
    Reads,

    /// <summary>Adds something and changes nothing already there (<c>destructiveHint: false</c>).</summary>
    Adds,

    /// <summary>Changes what is there (<c>destructiveHint: true</c>).</summary>
    Changes,
}

/// <summary>
/// One MCP tool over the API: its name, what it does, its effect, its input and output schemas
/// (built from the API's own), and the API handler it runs.
/// </summary>
public sealed record PlaybookTool(
    string Name, string Description, ToolEffect Effect, Func<ApiSchemas, Task<(JsonObject Input, JsonObject Output)>> Schemas, Func<ToolCall, Task<IResult>> Run);

/// <summary>
/// The tools of mcp.md. Each one runs the API handler of its call, after the same checks in the
/// same order: authentication, rate limit and workspace at the endpoint (HTTP answers); then the
/// write permission, existence and validation here (tool errors with the API's problem).
/// </summary>
public static class PlaybookTools
{
    public static readonly IReadOnlyList<PlaybookTool> All =
    [
        new("list_playbooks",
            "List the workspace's playbooks, newest first, optionally filtered by status, mode or buddyId. `nextCursor` is present while another page follows: pass it as `cursor`.",
            ToolEffect.Reads,
            async schemas => (Object(
                [
                    ("status", await schemas.QueryParameterAsync("ListPlaybooks", "status")),
                    ("mode", await schemas.QueryParameterAsync("ListPlaybooks", "mode")),
                    ("buddyId", await schemas.QueryParameterAsync("ListPlaybooks", "buddyId")),
                    ("limit", await schemas.QueryParameterAsync("ListPlaybooks", "limit")),
                    ("cursor", await schemas.QueryParameterAsync("ListPlaybooks", "cursor")),
                ], []), await schemas.ResponseAsync("ListPlaybooks")),
            ListAsync),
        new("get_playbook",
            "Get one playbook: its spec (lead source, strategy, adaptation rules) and version.",
            ToolEffect.Reads,
            async schemas => (Object([PlaybookId], ["playbookId"]), await schemas.ResponseAsync("GetPlaybook")),
            async call => await FindAsync(call) is { } found ? TypedResults.Ok(new PlaybookEnvelope(found.ToResponse())) : NotFound(call, "playbook")),
        new("create_playbook",
            "Create a playbook from the body of POST /v1/playbooks: `name`, `mode`, `buddyId` and `strategy.hypothesis` are required; everything else takes its default.",
            ToolEffect.Adds,
            async schemas => (await schemas.RequestAsync("CreatePlaybook"), await schemas.ResponseAsync("CreatePlaybook")),
            async call => await PlaybooksApi.CreateAsync(call.Arguments, call.Caller, call.Db, call.Clock, call.Ct)),
        new("update_playbook",
            "Change a playbook: `changes` is the body of PUT /v1/playbooks/{id} (only the fields sent change; nested objects merge). With `ifMatchVersion` it applies only over that version.",
            ToolEffect.Changes,
            async schemas => (Object(
                [
                    PlaybookId,
                    ("changes", await schemas.RequestAsync("UpdatePlaybook")),
                    ("ifMatchVersion", Schema("""{"type":"integer","minimum":1,"description":"Apply only if the playbook is still at this version (precondition_failed otherwise)."}""")),
                ], ["playbookId", "changes"]), await schemas.ResponseAsync("UpdatePlaybook")),
            UpdateAsync),
        new("start_run",
            "Record that a run of the playbook starts, pinned to its current version. Returns the run and the buddy's prompt for it: follow the prompt, report outcomes with `report_outcome`, end with `finish_run`.",
            ToolEffect.Adds,
            async schemas => (Object([PlaybookId], ["playbookId"]), Object(
                [
                    ("run", (JsonObject)(await schemas.ResponseAsync("StartRun"))["properties"]!["run"]!.DeepClone()),
                    ("prompt", Schema("""{"type":"string","description":"The buddy's structured prompt for this run, as the runtime builds it."}""")),
                ], ["run", "prompt"])),
            StartRunAsync),
        new("report_outcome",
            "Report what a running run did since its last report: `samples` (leads contacted), `successes`, and `value` for value metrics. Added to the run's counters atomically.",
            ToolEffect.Adds,
            async schemas => (WithRunId(await schemas.RequestAsync("ReportOutcome")), await schemas.ResponseAsync("ReportOutcome")),
            async call => await FindRunAsync(call) is { } found
                ? await RunsApi.ReportOutcomeAsync(call.Arguments, found.Playbook, found.Run, call.Caller, call.Db, call.Clock, call.Ct)
                : NotFound(call, "run")),
        new("get_evaluation",
            "Evaluate the evidence for the playbook's current strategy: its state, statistics, and whether a pivot is recommended and allowed now.",
            ToolEffect.Reads,
            async schemas => (Object([PlaybookId], ["playbookId"]), await schemas.ResponseAsync("EvaluateAdaptation")),
            EvaluateAsync),
        new("propose_pivot",
            "Change the strategy because the evidence says so: `reason`, and `strategy` with only the fields to change. The adaptation rules may refuse it: the error names the guard and when a pivot is allowed next.",
            ToolEffect.Changes,
            async schemas => (WithIds(await schemas.RequestAsync("Pivot")), await schemas.ResponseAsync("Pivot")),
            PivotAsync),
        new("finish_run",
            "End a running run as `completed`, `failed` or `cancelled`, with an optional `note` on what happened. The end is final.",
            ToolEffect.Changes,
            async schemas => (WithRunId(await schemas.RequestAsync("EndRun")), await schemas.ResponseAsync("EndRun")),
            async call => await FindRunAsync(call) is { } found
                ? await RunsApi.EndAsync(call.Arguments, found.Playbook, found.Run, call.Caller, call.Db, call.Clock, call.Ct)
                : NotFound(call, "run")),
    ];

    private static readonly (string, JsonObject) PlaybookId = ("playbookId", Schema("""{"type":"string","description":"The playbook's id (`pb_…`)."}"""));
    private static readonly (string, JsonObject) RunId = ("runId", Schema("""{"type":"string","description":"The run's id (`run_…`), as start_run returned it."}"""));

    private static async Task<IResult> ListAsync(ToolCall call)
    {
        // Read as the API reads its query string: the filters and the cursor as text, checked by the API's handler.
        var errors = new FieldErrors();
        var (status, mode, buddyId, cursor) = (Text(call, "status", errors), Text(call, "mode", errors), Text(call, "buddyId", errors), Text(call, "cursor", errors));
        var limit = call.Arguments.TryGetProperty("limit", out var value) ? value switch
        {
            { ValueKind: JsonValueKind.Number } when value.TryGetDouble(out var number) && number == Math.Floor(number) && Math.Abs(number) < 1e9 => ((long)number).ToString(CultureInfo.InvariantCulture),
            { ValueKind: JsonValueKind.Null } => null,
            _ => value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText(),
        } : null;
        return errors.Count > 0
            ? ApiProblem.Validation(errors)
            : await PlaybooksApi.List(call.Caller, call.Db, status, mode, buddyId, limit, cursor, call.Ct);
    }

    private static async Task<IResult> UpdateAsync(ToolCall call)
    {
        // As PUT /v1/playbooks/:id: the playbook first (404), then the body.
        if (await FindAsync(call) is not { } current)
        {
            return NotFound(call, "playbook");
        }
        var errors = new FieldErrors();
        long? ifMatch = null;
        if (call.Arguments.TryGetProperty("ifMatchVersion", out var version) && version.ValueKind != JsonValueKind.Null)
        {
            ifMatch = version.TryGetInt64(out var number) && number >= 0 ? number : null;
            if (ifMatch is null)
            {
                errors.Add("ifMatchVersion", "must be a whole number, the version to change");
            }
        }
        if (!call.Arguments.TryGetProperty("changes", out var changes) || changes.ValueKind != JsonValueKind.Object)
        {
            errors.Add("changes", "is required: an object with the fields to change, as the body of PUT /v1/playbooks/{id}");
        }
        return errors.Count > 0
            ? ApiProblem.Validation(errors)
            : await PlaybooksApi.UpdateAsync(changes, current, v => ifMatch is null || v == ifMatch, call.Caller, call.Db, call.Clock, call.Ct);
    }

    private static async Task<IResult> StartRunAsync(ToolCall call)
    {
        if (Id(call, "playbookId") is not { } id)
        {
            return NotFound(call, "playbook");
        }
        var started = (await RunsApi.Start(id, call.Caller, call.Db, call.Clock, call.Ct)).Result;
        if (started is not Created<RunEnvelope> { Value: { } created })
        {
            return started;
        }

        await using var connection = await call.Db.OpenAsync(call.Ct);
        var run = await RunStore.FindAsync(connection, call.Caller.WorkspaceId, id, created.Run.Id);
        var playbook = await PlaybookStore.FindAsync(connection, call.Caller.WorkspaceId, id);
        if (playbook is null || run is null)
        {
            return ApiProblem.NotFound("playbook"); // deleted in the instant since
        }
        if (playbook.Version != run.SpecVersion
            && await PlaybookStore.FindVersionAsync(connection, call.Caller.WorkspaceId, id, run.SpecVersion) is { } pinned)
        {
            // Changed in the instant since: the prompt is that of the version the run is pinned to.
            playbook = playbook with { Spec = pinned.ToResponse().Spec, Version = pinned.Version };
        }
        var prompt = await BuddyPrompt.BuildAsync(connection, playbook, run, Timestamps.Now(call.Clock));
        return TypedResults.Ok(new StartedRun(created.Run, prompt));
    }

    private static async Task<IResult> EvaluateAsync(ToolCall call)
    {
        if (await FindAsync(call) is not { } playbook)
        {
            return NotFound(call, "playbook");
        }
        await using var connection = await call.Db.OpenAsync(call.Ct);
        return TypedResults.Ok(new EvaluationEnvelope(await AdaptationStore.EvaluateAsync(connection, playbook, Timestamps.Now(call.Clock))));
    }

    private static async Task<IResult> PivotAsync(ToolCall call)
    {
        if (await FindAsync(call) is not { } playbook)
        {
            return NotFound(call, "playbook");
        }
        // Every violation at once, the body's and the run id's; then the run, which must be this playbook's.
        var errors = AdaptationApi.ReadPivot(call.Arguments, playbook.Spec.Strategy).Errors;
        var runId = Text(call, "runId", errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        if (runId is not null)
        {
            await using var connection = await call.Db.OpenAsync(call.Ct);
            if (await RunStore.FindAsync(connection, call.Caller.WorkspaceId, playbook.Id, runId) is null)
            {
                return ApiProblem.NotFound("run");
            }
        }
        return await AdaptationApi.PivotAsync(call.Arguments, playbook, call.Caller, call.Db, call.Clock, call.Ct);
    }

    /// <summary>An optional text argument: a string, or absent or null; anything else is a field error.</summary>
    private static string? Text(ToolCall call, string name, FieldErrors errors)
    {
        if (!call.Arguments.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(name, "must be a string");
            return null;
        }
        return value.GetString();
    }

    private static async Task<PlaybookStore.Stored?> FindAsync(ToolCall call) =>
        Id(call, "playbookId") is { } id ? await PlaybookStore.FindAsync(call.Db, call.Caller.WorkspaceId, id, call.Ct) : null;

    private static async Task<(PlaybookStore.Stored Playbook, RunStore.Row Run)?> FindRunAsync(ToolCall call)
    {
        if (Id(call, "runId") is not { } runId)
        {
            return null;
        }
        await using var connection = await call.Db.OpenAsync(call.Ct);
        return await RunStore.FindAsync(connection, call.Caller.WorkspaceId, runId) is { } run
            && await PlaybookStore.FindAsync(connection, call.Caller.WorkspaceId, run.PlaybookId) is { } playbook
            ? (playbook, run)
            : null;
    }

    /// <summary>The id argument <paramref name="name"/> when it is a string; null otherwise (see <see cref="NotFound"/>).</summary>
    private static string? Id(ToolCall call, string name) =>
        call.Arguments.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Nothing was found by the id argument: missing or not a string is the caller's mistake to correct, else not found.</summary>
    private static ProblemHttpResult NotFound(ToolCall call, string what)
    {
        var name = what == "run" ? "runId" : "playbookId";
        return Id(call, name) is null ? ApiProblem.Validation(name, "is required: a string id") : ApiProblem.NotFound(what);
    }

    private static JsonObject WithRunId(JsonObject body) => Prepend(body, [RunId], ["runId"]);

    private static JsonObject WithIds(JsonObject body) => Prepend(body, [PlaybookId, ("runId", Schema("""{"type":"string","description":"The run the pivot was decided in, if any; it must be a run of this playbook."}"""))], ["playbookId"]);

    /// <summary>A body's schema with the ids the tool takes beside it, first.</summary>
    private static JsonObject Prepend(JsonObject body, (string Name, JsonObject Schema)[] ids, string[] required)
    {
        var properties = body["properties"]!.AsObject().Select(p => (p.Key, (JsonObject)p.Value!.DeepClone()));
        var bodyRequired = body["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [];
        var schema = Object([.. ids, .. properties], [.. required, .. bodyRequired]);
        if (body["description"] is { } description)
        {
            schema["description"] = description.DeepClone();
        }
        return schema;
    }

    private static JsonObject Object((string Name, JsonObject Schema)[] properties, string[] required)
    {
        var schema = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject(properties.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)p.Schema.DeepClone()))) };
        if (required.Length > 0)
        {
            schema["required"] = new JsonArray([.. required.Select(r => (JsonNode?)r)]);
        }
        return schema;
    }

    private static JsonObject Schema(string json) => JsonNode.Parse(json)!.AsObject();
}

/// <summary>What <c>start_run</c> answers: the run recorded, and the prompt to run it by.</summary>
public sealed record StartedRun(RunResponse Run, string Prompt);
