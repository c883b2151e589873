using Microsoft.AspNetCore.Http.HttpResults;
using Playbooks.Api.Auth;
using Playbooks.Api.Adaptation;
using Playbooks.Api.Data;
using Playbooks.Api.Events;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Infrastructure.OpenApi;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Runs;

public static class RunsApi
{
    public const int NoteMax = 2000;

    public static RouteGroupBuilder MapRuns(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/playbooks/{id}")
            .WithTags("Runs")
            .RequireRateLimiting(Policies.PerToken)
            .AddEndpointFilter<PlaybookExists>()
            .ProducesProblems(400, 401, 403, 404, 429);

        group.MapPost("/run", Start).WithName("StartRun").RequireAuthorization(Policies.Write).Idempotent()
            .ProducesProblems(409, 422)
            .WithSummary("Record a run")
            .WithDescription("Records that a run started, with status `running`, zero metrics, the playbook's current version as `specVersion` and that version's success metric as `successMetric`, which measures the run for good (`metricValue`). No body. 409 `playbook_archived` for an archived playbook.");
        group.MapGet("/runs", List).WithName("ListRuns").RequireAuthorization(Policies.Read)
            .WithSummary("List a playbook's runs")
            .WithDescription("Ordered by `startedAt`, oldest first, optionally filtered by status. `nextCursor` is present only while another page follows.");
        group.MapGet("/runs/{runId}", Get).WithName("GetRun").RequireAuthorization(Policies.Read)
            .WithSummary("Get a run")
            .WithDescription("One run of the playbook.");
        group.MapPatch("/runs/{runId}", End).WithName("EndRun").RequireAuthorization(Policies.Write)
            .WithJsonBody<EndRunRequest>().ProducesProblems(409, 413, 415)
            .WithSummary("End a run")
            .WithDescription("Ends a running run as `completed`, `failed` or `cancelled` and sets `endedAt`. 409 `run_not_running` if it already ended.");
        group.MapPost("/runs/{runId}/outcomes", ReportOutcome).WithName("ReportOutcome").RequireAuthorization(Policies.Write).Idempotent()
            .WithJsonBody<OutcomeReportRequest>().ProducesProblems(409, 413, 415, 422)
            .WithSummary("Report an outcome")
            .WithDescription("Adds samples, successes and value to the run's counters atomically and records the outcome with its time. 409 `run_not_running` after the run ended.");
        group.MapGet("/stats", StatsApi.Get).WithName("GetStats").RequireAuthorization(Policies.Read)
            .WithSummary("Get a playbook's statistics over time")
            .WithDescription("Every bucket from `from` to `to`, empty ones included: samples, successes and value reported, and runs started.");

        routes.MapGroup("/v1/runs")
            .WithTags("Runs")
            .RequireRateLimiting(Policies.PerToken)
            .ProducesProblems(400, 401, 403, 404, 429)
            .MapGet("/{runId}", GetById).WithName("GetRunById").RequireAuthorization(Policies.Read)
            .WithSummary("Get a run by its id alone")
            .WithDescription("For clients that hold only the run id; the answer names its `playbookId`.");
        return group;
    }

    /// <summary>A run by its id alone (its playbookId is in the answer), for clients that hold only the run id.</summary>
    public static async Task<Results<Ok<RunEnvelope>, ProblemHttpResult>> GetById(
        string runId, Caller caller, Database db, CancellationToken ct)
    {
        // A run goes with its playbook (ON DELETE CASCADE), so a run found is a run of a playbook that exists.
        await using var connection = await db.OpenAsync(ct);
        return await RunStore.FindAsync(connection, caller.WorkspaceId, runId) is { } run
            ? TypedResults.Ok(new RunEnvelope(run.ToResponse()))
            : ApiProblem.NotFound("run");
    }

    /// <summary>Records that a run started, pinned to the playbook's current version.</summary>
    public static async Task<Results<Created<RunEnvelope>, ProblemHttpResult>> Start(
        string id, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        return await db.WriteAsync<Results<Created<RunEnvelope>, ProblemHttpResult>>(async (connection, transaction) =>
        {
            if (await PlaybookStore.FindForShareAsync(connection, transaction, caller.WorkspaceId, id) is not { } playbook)
            {
                return ApiProblem.NotFound("playbook");
            }
            if (playbook.Spec.Status == "archived")
            {
                return ApiProblem.Create(StatusCodes.Status409Conflict, "playbook_archived",
                    "The playbook is archived; set its status to active or draft to run it.");
            }

            var run = await StartAsync(connection, transaction, caller, playbook, Timestamps.Now(clock));
            return TypedResults.Created($"/v1/playbooks/{playbook.Id}/runs/{run.Id}", new RunEnvelope(run.ToResponse()));
        }, ct);
    }

    /// <summary>
    /// Records a run of <paramref name="playbook"/> started at <paramref name="at"/>, with its <c>run.started</c> event: the one path of
    /// the API, MCP and the demo. The run keeps the success metric of the version it is pinned to, which measures it from then on.
    /// </summary>
    public static async Task<RunStore.Row> StartAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, Caller caller, PlaybookStore.Stored playbook, DateTimeOffset at)
    {
        var run = new RunStore.Row
        {
            Id = Ids.New("run_", at),
            PlaybookId = playbook.Id,
            SpecVersion = playbook.Version,
            SuccessMetric = playbook.Spec.Strategy.SuccessMetric,
            Status = RunStatuses.Running,
            StartedAt = at.ToUnixTimeMilliseconds(),
            CreatedBy = caller.Subject,
        };
        await RunStore.InsertAsync(connection, transaction, caller.WorkspaceId, run);
        await EventLog.AppendAsync(connection, transaction, caller.WorkspaceId, EventTypes.RunStarted, caller.Subject,
            new RunData(run.ToResponse()), at);
        return run;
    }

    public static async Task<Results<Ok<RunList>, ProblemHttpResult>> List(
        string id, Caller caller, Database db, string? status, string? limit, string? cursor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (status is not null && Array.IndexOf(RunStatuses.All, status) < 0)
        {
            errors.Add("status", $"must be one of: {string.Join(", ", RunStatuses.All)}");
        }
        var page = Page.Parse(limit, cursor, "run_", errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        await using var connection = await db.OpenAsync(ct);
        var rows = await RunStore.ListAsync(connection, caller.WorkspaceId, id, status, page.After, page.Limit + 1);
        var (items, next) = page.Cut(rows, r => r.Id);
        return TypedResults.Ok(new RunList(items.Select(r => r.ToResponse()).ToList(), next));
    }

    public static async Task<Results<Ok<RunEnvelope>, ProblemHttpResult>> Get(
        string id, string runId, Caller caller, Database db, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        if (await RunStore.FindAsync(connection, caller.WorkspaceId, id, runId) is not { } run)
        {
            return ApiProblem.NotFound("run");
        }
        return TypedResults.Ok(new RunEnvelope(run.ToResponse()));
    }

    /// <summary>Ends a running run as completed, failed or cancelled. Terminal states are final.</summary>
    public static async Task<Results<Ok<RunEnvelope>, ProblemHttpResult>> End(
        string id, string runId, HttpRequest request, FoundPlaybook playbook, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        if (await FindRunAsync(db, caller, id, runId, ct) is not { } run)
        {
            return ApiProblem.NotFound("run");
        }

        var body = await JsonBody.ReadObjectAsync(request, ct);
        if (body.Problem is { } bodyProblem)
        {
            return bodyProblem;
        }
        using var document = body.Document;
        return await EndAsync(body.Root, playbook.Value, run, caller, db, clock, ct);
    }

    /// <summary>Ends <paramref name="run"/> of <paramref name="playbook"/> by the body of <c>PATCH …/runs/:runId</c>: the API's and MCP's one path.</summary>
    public static async Task<Results<Ok<RunEnvelope>, ProblemHttpResult>> EndAsync(
        System.Text.Json.JsonElement body, PlaybookStore.Stored playbook, RunStore.Row run, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        var (status, note, errors) = ReadEnd(body);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        return await db.WriteAsync<Results<Ok<RunEnvelope>, ProblemHttpResult>>(async (connection, transaction) =>
        {
            var ended = await EndAsync(connection, transaction, caller, playbook.Id, run.Id, status!, note, Timestamps.Now(clock));
            return await AnswerAsync(connection, transaction, caller, playbook.Id, run.Id, ended);
        }, ct);
    }

    /// <summary>Ends a running run with its <c>run.ended</c> event: the one path of the API and the dashboard. Null when it is not running.</summary>
    public static async Task<RunStore.Row?> EndAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, Caller caller,
        string playbookId, string runId, string status, string? note, DateTimeOffset now)
    {
        var ended = await RunStore.EndAsync(connection, transaction, caller.WorkspaceId, playbookId, runId, status, note, now.ToUnixTimeMilliseconds());
        if (ended is not null)
        {
            await EventLog.AppendAsync(connection, transaction, caller.WorkspaceId, EventTypes.RunEnded, caller.Subject, new RunData(ended.ToResponse()), now);
        }
        return ended;
    }

    /// <summary>The body of ending a run: a final status and an optional note (also what the dashboard's form sends).</summary>
    public static (string? Status, string? Note, FieldErrors Errors) ReadEnd(System.Text.Json.JsonElement body)
    {
        var fields = new JsonFields(body, "", new FieldErrors());
        var status = fields.Text("status", null, 32, required: true);
        if (status is not null && Array.IndexOf(RunStatuses.Final, status) < 0)
        {
            fields.Errors.Add("status", $"must be one of: {string.Join(", ", RunStatuses.Final)}");
        }
        var note = fields.Text("note", null, NoteMax, min: 0);
        return (status, note, fields.Errors);
    }

    /// <summary>
    /// Adds samples, successes and value to a running run, atomically, with the time they happened.
    /// When the report moves the evaluation from one state to another, the change is an event.
    /// </summary>
    public static async Task<Results<Ok<RunEnvelope>, ProblemHttpResult>> ReportOutcome(
        string id, string runId, HttpRequest request, FoundPlaybook playbook, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        if (await FindRunAsync(db, caller, id, runId, ct) is not { } run)
        {
            return ApiProblem.NotFound("run");
        }

        var body = await JsonBody.ReadObjectAsync(request, ct);
        if (body.Problem is { } bodyProblem)
        {
            return bodyProblem;
        }
        using var document = body.Document;
        return await ReportOutcomeAsync(body.Root, playbook.Value, run, caller, db, clock, ct);
    }

    /// <summary>Reports an outcome of <paramref name="run"/> by the body of <c>POST …/outcomes</c>: the API's and MCP's one path.</summary>
    public static async Task<Results<Ok<RunEnvelope>, ProblemHttpResult>> ReportOutcomeAsync(
        System.Text.Json.JsonElement body, PlaybookStore.Stored playbook, RunStore.Row run, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        var now = Timestamps.Now(clock);
        var errors = new FieldErrors();
        if (OutcomeReport.Read(body, Timestamps.FromMilliseconds(run.StartedAt), now, errors) is not { } report)
        {
            return ApiProblem.Validation(errors);
        }

        var (id, runId) = (playbook.Id, run.Id);
        return await db.WriteAsync<Results<Ok<RunEnvelope>, ProblemHttpResult>>(async (connection, transaction) =>
        {
            // Locked for the report: concurrent reports on one playbook see each other's evidence,
            // so a change of state is announced once.
            if (await PlaybookStore.FindForUpdateAsync(connection, transaction, caller.WorkspaceId, id) is not { } locked)
            {
                return ApiProblem.NotFound("run");
            }
            var input = await AdaptationStore.StateInputAsync(connection, locked, now, transaction);
            var added = await RunStore.AddOutcomeAsync(
                connection, transaction, caller.WorkspaceId, run, report, Ids.New("out_", now), now.ToUnixTimeMilliseconds(), caller.Subject);
            if (added is not null && input is not null && run.SpecVersion >= input.StrategyVersion)
            {
                var before = Evaluator.Evaluate(input);
                var after = Evaluator.Evaluate(input with { Evidence = input.Evidence.Plus(report.Samples, report.Successes, report.Value) });
                if (before.State != after.State)
                {
                    // The whole evaluation as GET .../adaptation gives it now, pivot guards included.
                    var evaluation = await AdaptationStore.EvaluateAsync(connection, locked, now, transaction);
                    await EventLog.AppendAsync(connection, transaction, caller.WorkspaceId, EventTypes.AdaptationStateChanged, caller.Subject,
                        new StateChangedData(id, before.State, evaluation.State, evaluation), now);
                }
            }
            return await AnswerAsync(connection, transaction, caller, id, runId, added);
        }, ct);
    }

    private static async Task<RunStore.Row?> FindRunAsync(Database db, Caller caller, string playbookId, string runId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await RunStore.FindAsync(connection, caller.WorkspaceId, playbookId, runId);
    }

    /// <summary>After a write that needed the run to be running: the run it returned, or why there was none.</summary>
    private static async Task<Results<Ok<RunEnvelope>, ProblemHttpResult>> AnswerAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, Caller caller, string playbookId, string runId,
        RunStore.Row? written)
    {
        if (written is not null)
        {
            return TypedResults.Ok(new RunEnvelope(written.ToResponse()));
        }
        // Only when the write found nothing: gone (its playbook deleted meanwhile), or ended.
        return await RunStore.FindAsync(connection, caller.WorkspaceId, playbookId, runId, transaction) is { } run
            ? ApiProblem.Create(StatusCodes.Status409Conflict, "run_not_running", $"The run has ended ({run.Status}); a run's end is final.")
            : ApiProblem.NotFound("run");
    }
}
