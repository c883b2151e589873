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

/// <summary>
/// One MCP tool over the API: its name, what it does, whether it only reads, its input and output
/// schemas (built from the API's own), and the API handler it runs.
/// </summary>
public sealed record PlaybookTool(
    string Name, string Description, bool ReadOnly, Func<ApiSchemas, Task<(JsonObject Input, JsonObject Output)>> Schemas, Func<ToolCall, Task<IResult>> Run);

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
            ReadOnly: true,
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
            ReadOnly: true,
            async schemas => (Object([PlaybookId], ["playbookId"]), await schemas.ResponseAsync("GetPlaybook")),
            async call => await FindAsync(call) is { } found ? TypedResults.Ok(new PlaybookEnvelope(found.ToResponse())) : NotFound(call, "playbook")),
        new("create_playbook",
            "Create a playbook from the body of POST /v1/playbooks: `name`, `mode`, `buddyId` and `strategy.hypothesis` are required; everything else takes its default.",
            ReadOnly: false,
            async schemas => (await schemas.RequestAsync("CreatePlaybook"), await schemas.ResponseAsync("CreatePlaybook")),
            async call => await PlaybooksApi.CreateAsync(call.Arguments, call.Caller, call.Db, call.Clock, call.Ct)),
        new("update_playbook",
            "Change a playbook: `changes` is the body of PUT /v1/playbooks/{id} (only the fields sent change; nested objects merge). With `ifMatchVersion` it applies only over that version.",
            ReadOnly: false,
            async schemas => (Object(
                [
                    PlaybookId,
                    ("changes", await schemas.RequestAsync("UpdatePlaybook")),
                    ("ifMatchVersion", Schema("""{"type":"integer","minimum":1,"description":"Apply only if the playbook is still at this version (precondition_failed otherwise)."}""")),
                ], ["playbookId", "changes"]), await schemas.ResponseAsync("UpdatePlaybook")),
            UpdateAsync),
        new("start_run",
            "Record that a run of the playbook starts, pinned to its current version. Returns the run and the buddy's prompt for it: follow the prompt, report outcomes with `report_outcome`, end with `finish_run`.",
            ReadOnly: false,
            async schemas => (Object([PlaybookId], ["playbookId"]), Object(
                [
                    ("run", (JsonObject)(await schemas.ResponseAsync("StartRun"))["properties"]!["run"]!.DeepClone()),
                    ("prompt", Schema("""{"type":"string","description":"The buddy's structured prompt for this run, as the runtime builds it."}""")),
                ], ["run", "prompt"])),
            StartRunAsync),
        new("report_outcome",
            "Report what a running run did since its last report: `samples` (leads contacted), `successes`, and `value` for value metrics. Added to the run's counters atomically.",
            ReadOnly: false,
            async schemas => (WithRunId(await schemas.RequestAsync("ReportOutcome")), await schemas.ResponseAsync("ReportOutcome")),
            async call => await FindRunAsync(call) is { } found
                ? await RunsApi.ReportOutcomeAsync(call.Arguments, found.Playbook, found.Run, call.Caller, call.Db, call.Clock, call.Ct)
                : NotFound(call, "run")),
        new("get_evaluation",
            "Evaluate the evidence for the playbook's current strategy: its state, statistics, and whether a pivot is recommended and allowed now.",
            ReadOnly: true,
            async schemas => (Object([PlaybookId], ["playbookId"]), await schemas.ResponseAsync("EvaluateAdaptation")),
            EvaluateAsync),
        new("propose_pivot",
            "Change the strategy because the evidence says so: `reason`, and `strategy` with only the fields to change. The adaptation rules may refuse it: the error names the guard and when a pivot is allowed next.",
            ReadOnly: false,
            async schemas => (WithIds(await schemas.RequestAsync("Pivot")), await schemas.ResponseAsync("Pivot")),
            PivotAsync),
        new("finish_run",
            "End a running run as `completed`, `failed` or `cancelled`, with an optional `note` on what happened. The end is final.",
            ReadOnly: false,
            async schemas => (WithRunId(await schemas.RequestAsync("EndRun")), await schemas.ResponseAsync("EndRun")),
            async call => await FindRunAsync(call) is { } found
                ? await RunsApi.EndAsync(call.Arguments, found.Playbook, found.Run, call.Caller, call.Db, call.Clock, call.Ct)
                : NotFound(call, "run")),
    ];

    private static readonly (string, JsonObject) PlaybookId = ("playbookId", Schema("""{"type":"string","description":"The playbook's id (`pb_…`)."}"""));
    private static readonly (string, JsonObject) RunId = ("runId", Schema("""{"type":"string","description":"The run's id (`run_…`), as start_run returned it."}"""));

    private static async Task<IResult> ListAsync(ToolCall call)
    {
        var errors = new FieldErrors();
        var fields = new JsonFields(call.Arguments, "", errors);
        var status = fields.Text("status", null, 64);
        var mode = fields.Text("mode", null, 64);
        var buddyId = fields.Text("buddyId", null, 64);
        var cursor = fields.Text("cursor", null, 64);
        string? limit = null;
        if (fields.Find("limit", out var limitValue) == Presence.Value)
        {
            limit = limitValue.ValueKind == JsonValueKind.Number ? limitValue.GetRawText() : null;
            if (limit is null)
            {
                errors.Add("limit", "must be an integer");
            }
        }
        return errors.Count > 0
            ? ApiProblem.Validation(errors)
            : await PlaybooksApi.List(call.Caller, call.Db, status, mode, buddyId, limit, cursor, call.Ct);
    }

    private static async Task<IResult> UpdateAsync(ToolCall call)
    {
        var errors = new FieldErrors();
        var fields = new JsonFields(call.Arguments, "", errors);
        var id = fields.Text("playbookId", null, 64, required: true);
        long? ifMatch = fields.Find("ifMatchVersion", out var version) == Presence.Value ? fields.IntegerValue(version, "ifMatchVersion", 0, 1, int.MaxValue) : null;
        if (fields.Find("changes", out var changes) != Presence.Value || changes.ValueKind != JsonValueKind.Object)
        {
            errors.Add("changes", "is required: an object with the fields to change, as the body of PUT /v1/playbooks/{id}");
        }
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        if (await PlaybookStore.FindAsync(call.Db, call.Caller.WorkspaceId, id!, call.Ct) is not { } current)
        {
            return ApiProblem.NotFound("playbook");
        }
        return await PlaybooksApi.UpdateAsync(changes, current, v => ifMatch is null || v == ifMatch, call.Caller, call.Db, call.Clock, call.Ct);
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
        var playbook = await PlaybookStore.FindAsync(connection, call.Caller.WorkspaceId, id);
        var run = await RunStore.FindAsync(connection, call.Caller.WorkspaceId, id, created.Run.Id);
        if (playbook is null || run is null)
        {
            return ApiProblem.NotFound("playbook"); // deleted in the instant since
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
        var errors = new FieldErrors();
        if (new JsonFields(call.Arguments, "", errors).Text("runId", null, 64) is { } runId)
        {
            // The run the pivot was decided in, when the buddy names one: it must be this playbook's.
            await using var connection = await call.Db.OpenAsync(call.Ct);
            if (await RunStore.FindAsync(connection, call.Caller.WorkspaceId, playbook.Id, runId) is null)
            {
                return ApiProblem.NotFound("run");
            }
        }
        return errors.Count > 0
            ? ApiProblem.Validation(errors)
            : await AdaptationApi.PivotAsync(call.Arguments, playbook, call.Caller, call.Db, call.Clock, call.Ct);
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
