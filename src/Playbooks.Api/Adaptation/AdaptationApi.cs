using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Events;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Infrastructure.OpenApi;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Adaptation;

public sealed record PivotResponse(
    string Id, string PlaybookId, long FromVersion, long ToVersion, string Reason, PivotEvaluation Evaluation, DateTimeOffset CreatedAt, string CreatedBy);

public sealed record PivotCreated(PivotResponse Pivot, PlaybookResponse Playbook);

public sealed record PivotList(
    IReadOnlyList<PivotResponse> Pivots,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor);

/// <summary>The evaluation of the evidence, and pivots: strategy changes the guards allow.</summary>
public static class AdaptationApi
{
    public const int ReasonMax = 2000;

    public static RouteGroupBuilder MapAdaptation(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/playbooks/{id}")
            .WithTags("Adaptation")
            .RequireRateLimiting(Policies.PerToken)
            .AddEndpointFilter<PlaybookExists>()
            .ProducesProblems(400, 401, 403, 404, 429);
        group.MapGet("/adaptation", Evaluate).WithName("EvaluateAdaptation").RequireAuthorization(Policies.Read)
            .WithSummary("Evaluate the evidence")
            .WithDescription("Whether the current strategy is working (state, statistics) and whether a pivot is recommended and allowed now.");
        group.MapPost("/pivots", Pivot).WithName("Pivot").RequireAuthorization(Policies.Write).Idempotent()
            .WithJsonBody<PivotRequest>().WithETag().ProducesProblems(409, 413, 415, 422)
            .WithSummary("Pivot the strategy")
            .WithDescription("Merges `strategy` over the current one like an update, saves a new version with change `pivot`, and records the pivot with the evaluation behind it. 409 with the guard as `code` (and `nextPivotAllowedAt`, `evaluation`) when the adaptation rules do not allow it now.");
        group.MapGet("/pivots", ListPivots).WithName("ListPivots").RequireAuthorization(Policies.Read)
            .WithSummary("List a playbook's pivots")
            .WithDescription("Oldest first. `nextCursor` is present only while another page follows.");
        return group;
    }

    public static async Task<Ok<EvaluationEnvelope>> Evaluate(
        FoundPlaybook playbook, Database db, TimeProvider clock, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return TypedResults.Ok(new EvaluationEnvelope(await AdaptationStore.EvaluateAsync(connection, playbook.Value, Timestamps.Now(clock))));
    }

    /// <summary>
    /// Applies a partial strategy like an update, as a new version with change "pivot", if the
    /// guards allow it now. The playbook row is locked for the check and the write, so two pivots
    /// racing for the last slot of the weekly budget cannot both see it free.
    /// </summary>
    public static async Task<Results<Created<PivotCreated>, ProblemHttpResult>> Pivot(
        string id, HttpContext http, FoundPlaybook current, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        var body = await JsonBody.ReadObjectAsync(http.Request, ct);
        if (body.Problem is { } bodyProblem)
        {
            return bodyProblem;
        }
        using var document = body.Document;
        var result = await PivotAsync(body.Root, current.Value, caller, db, clock, ct);
        if (result.Result is Created<PivotCreated> { Value: { } created })
        {
            ETags.Set(http.Response, created.Playbook.Version);
        }
        return result;
    }

    /// <summary>A pivot of <paramref name="current"/> by the body of <c>POST …/pivots</c>: the API's and MCP's one path.</summary>
    public static async Task<Results<Created<PivotCreated>, ProblemHttpResult>> PivotAsync(
        JsonElement body, PlaybookStore.Stored current, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        var (reason, _, errors) = ReadPivot(body, current.Spec.Strategy);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        var id = current.Id;
        return await db.WriteAsync<Results<Created<PivotCreated>, ProblemHttpResult>>(async (connection, transaction) =>
        {
            if (await PlaybookStore.FindForUpdateAsync(connection, transaction, caller.WorkspaceId, id) is not { } locked)
            {
                return ApiProblem.NotFound("playbook");
            }
            // Merged again onto the locked row: another write may have changed the strategy meanwhile.
            var (_, strategy, lockedErrors) = ReadPivot(body, locked.Spec.Strategy);
            if (lockedErrors.Count > 0)
            {
                return ApiProblem.Validation(lockedErrors);
            }

            var now = Timestamps.Now(clock);
            var evaluation = await AdaptationStore.EvaluateAsync(connection, locked, now, transaction);
            if (evaluation.Pivot.BlockedBy is { } guard)
            {
                return Refused(guard, evaluation, locked.Spec.Adaptation);
            }

            var pivoted = locked with { Spec = locked.Spec with { Strategy = strategy! }, Version = locked.Version + 1, UpdatedAt = now };
            await PlaybookStore.UpdateAsync(connection, transaction, pivoted, locked.Version, "pivot", caller.Subject);
            var pivot = new PivotResponse(
                Ids.New("piv_", now), id, locked.Version, pivoted.Version, reason!, PivotEvaluation.Of(evaluation), now, caller.Subject);
            await AdaptationStore.InsertPivotAsync(connection, transaction, caller.WorkspaceId, pivot);
            await EventLog.AppendAsync(connection, transaction, caller.WorkspaceId, EventTypes.PivotCreated, caller.Subject, new PivotData(pivot, pivoted.ToResponse()), now);
            return TypedResults.Created($"/v1/playbooks/{id}/pivots", new PivotCreated(pivot, pivoted.ToResponse()));
        }, ct);
    }

    /// <summary>A pivot body: a reason, and a partial strategy merged like an update that must change something.</summary>
    public static (string? Reason, Strategy? Strategy, FieldErrors Errors) ReadPivot(JsonElement body, Strategy current)
    {
        var fields = new JsonFields(body, "", new FieldErrors());
        var reason = fields.Text("reason", null, ReasonMax, required: true);
        Strategy? merged = null;
        switch (fields.Object("strategy", out var partial))
        {
            case Presence.Absent or Presence.Null:
                fields.Errors.Add("strategy", "is required: the strategy fields to change");
                break;
            case Presence.Value:
                var before = fields.Errors.Count;
                merged = SpecReader.ApplyStrategy(partial, current);
                if (fields.Errors.Count == before && merged == current)
                {
                    fields.Errors.Add("strategy", "must change the strategy");
                }
                break;
        }
        return (reason, merged, fields.Errors);
    }

    private static ProblemHttpResult Refused(string guard, Evaluation evaluation, Playbooks.Adaptation rules)
    {
        var pivot = evaluation.Pivot;
        var detail = guard switch
        {
            PivotGuards.AdaptationDisabled => "Adaptation is disabled for this playbook.",
            PivotGuards.InsufficientSamples => $"The current strategy has {evaluation.Samples} samples; a pivot needs at least {rules.MinSampleSize}.",
            PivotGuards.PivotWindowNotElapsed => $"The current strategy has not run for its pivot window yet; a pivot is allowed from {Format(pivot.NextPivotAllowedAt)}.",
            _ => pivot.MaxPivotsPerWeek == 0
                ? "This playbook allows no pivots (maxPivotsPerWeek is 0)."
                : $"{pivot.PivotsLast7Days} pivots in the last 7 days reach the limit of {pivot.MaxPivotsPerWeek}; the next is allowed from {Format(pivot.NextPivotAllowedAt)}.",
        };
        var extensions = new Dictionary<string, object?>
        {
            ["nextPivotAllowedAt"] = pivot.NextPivotAllowedAt is { } next ? Format(next) : null,
            ["evaluation"] = evaluation,
        };
        return ApiProblem.Create(StatusCodes.Status409Conflict, guard, detail, extensions: extensions);
    }

    private static string Format(DateTimeOffset? at) => at is { } value ? Timestamps.ToText(value) : "never";

    public static async Task<Results<Ok<PivotList>, ProblemHttpResult>> ListPivots(
        string id, Caller caller, Database db, string? limit, string? cursor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var page = Page.Parse(limit, cursor, "piv_", errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        await using var connection = await db.OpenAsync(ct);
        var rows = await AdaptationStore.ListPivotsAsync(connection, caller.WorkspaceId, id, page.After, page.Limit + 1);
        var (items, next) = page.Cut(rows, r => r.Id);
        return TypedResults.Ok(new PivotList(items, next));
    }
}
