using Microsoft.AspNetCore.Http.HttpResults;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Infrastructure.OpenApi;

namespace Playbooks.Api.Playbooks;

public static class PlaybooksApi
{
    public static RouteGroupBuilder MapPlaybooks(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/playbooks")
            .WithTags("Playbooks")
            .RequireRateLimiting(Policies.PerToken)
            .ProducesProblems(400, 401, 403, 429);

        group.MapGet("/", List).WithName("ListPlaybooks").RequireAuthorization(Policies.Read)
            .WithSummary("List playbooks")
            .WithDescription("The workspace's playbooks, newest first, optionally filtered. `nextCursor` is present only while another page follows.");
        group.MapPost("/", Create).WithName("CreatePlaybook").RequireAuthorization(Policies.Write).Idempotent()
            .WithJsonBody<CreatePlaybookRequest>().WithETag().ProducesProblems(409, 413, 415, 422)
            .WithSummary("Create a playbook")
            .WithDescription("Creates version 1 from `name`, `mode`, `buddyId` and `strategy.hypothesis`; everything else takes its default. Unknown fields are dropped; an invalid optional enum value takes the default.");

        var playbook = group.MapGroup("/{id}").AddEndpointFilter<PlaybookExists>().ProducesProblems(404);
        playbook.MapGet("", Get).WithName("GetPlaybook").RequireAuthorization(Policies.Read)
            .WithETag()
            .WithSummary("Get a playbook")
            .WithDescription("The playbook, with its version as ETag.");
        playbook.MapPut("", Update).WithName("UpdatePlaybook").RequireAuthorization(Policies.Write)
            .WithJsonBody<UpdatePlaybookRequest>().WithETag().WithIfMatch().ProducesProblems(412, 413, 415)
            .WithSummary("Update a playbook")
            .WithDescription("Partial update: only the fields sent change and nested objects shallow-merge. A change bumps `version` and `updatedAt`; an update that changes nothing bumps neither. With If-Match it applies only over that version (412 otherwise).");
        playbook.MapDelete("", Delete).WithName("DeletePlaybook").RequireAuthorization(Policies.Write)
            .WithSummary("Delete a playbook")
            .WithDescription("Removes the playbook with its runs, versions and pivots.");
        return group;
    }

    public static async Task<Results<Ok<PlaybookList>, ProblemHttpResult>> List(
        Caller caller, Database db, string? status, string? mode, string? buddyId, string? limit, string? cursor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        CheckFilter(errors, "status", status, SpecRules.Statuses);
        CheckFilter(errors, "mode", mode, SpecRules.Modes);
        CheckFilter(errors, "buddyId", buddyId, SpecRules.Buddies);
        var page = Page.Parse(limit, cursor, "pb_", errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        await using var connection = await db.OpenAsync(ct);
        var rows = await PlaybookStore.ListAsync(connection, caller.WorkspaceId, status, mode, buddyId, page.After, page.Limit + 1);
        var (items, next) = page.Cut(rows, p => p.Id);
        return TypedResults.Ok(new PlaybookList(items.Select(p => p.ToResponse()).ToList(), next));
    }

    public static async Task<Results<Created<PlaybookEnvelope>, ProblemHttpResult>> Create(
        HttpContext http, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        var body = await JsonBody.ReadObjectAsync(http.Request, ct);
        if (body.Problem is { } bodyProblem)
        {
            return bodyProblem;
        }
        using var document = body.Document;

        var result = await CreateAsync(body.Root, caller, db, clock, ct);
        if (result.Result is Created<PlaybookEnvelope> { Value: { } created })
        {
            ETags.Set(http.Response, created.Playbook.Version);
        }
        return result;
    }

    /// <summary>Creates a playbook from the body of <c>POST /v1/playbooks</c>: the API's and MCP's one path.</summary>
    public static async Task<Results<Created<PlaybookEnvelope>, ProblemHttpResult>> CreateAsync(
        System.Text.Json.JsonElement body, Caller caller, Database db, TimeProvider clock, CancellationToken ct) =>
        await PlaybookWrites.CreateAsync(body, caller, db, clock, ct) switch
        {
            SaveResult.Saved(var playbook) => TypedResults.Created($"/v1/playbooks/{playbook.Id}", new PlaybookEnvelope(playbook.ToResponse())),
            SaveResult.Invalid(var errors) => ApiProblem.Validation(errors),
            var other => throw new InvalidOperationException($"Creating cannot end as {other}."),
        };

    public static WrittenJson<PlaybookEnvelope> Get(HttpResponse response, FoundPlaybook playbook, PlaybookCache playbooks)
    {
        ETags.Set(response, playbook.Value.Version);
        return new(playbooks.AnswerOf(playbook.Value));
    }

    /// <summary>Partial update with optimistic concurrency (see <see cref="PlaybookWrites.UpdateAsync"/>); If-Match names the version to change.</summary>
    public static async Task<Results<Ok<PlaybookEnvelope>, ProblemHttpResult>> Update(
        HttpContext http, FoundPlaybook found, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        var body = await JsonBody.ReadObjectAsync(http.Request, ct);
        if (body.Problem is { } bodyProblem)
        {
            return bodyProblem;
        }
        using var document = body.Document;

        var result = await UpdateAsync(body.Root, found.Value, version => ETags.IfMatchAllows(http.Request, version), caller, db, clock, ct);
        if (result.Result is Ok<PlaybookEnvelope> { Value: { } updated })
        {
            ETags.Set(http.Response, updated.Playbook.Version);
        }
        return result;
    }

    /// <summary>Updates <paramref name="current"/> by the body of <c>PUT /v1/playbooks/:id</c>: the API's and MCP's one path.</summary>
    public static async Task<Results<Ok<PlaybookEnvelope>, ProblemHttpResult>> UpdateAsync(
        System.Text.Json.JsonElement body, PlaybookStore.Stored current, Func<long, bool> versionAllowed, Caller caller, Database db, TimeProvider clock, CancellationToken ct) =>
        await PlaybookWrites.UpdateAsync(body, current, versionAllowed, caller, db, clock, ct) switch
        {
            SaveResult.Saved(var playbook) => TypedResults.Ok(new PlaybookEnvelope(playbook.ToResponse())),
            SaveResult.Invalid(var errors) => ApiProblem.Validation(errors),
            SaveResult.Conflict(var newer) => PreconditionFailed(newer.Version),
            _ => ApiProblem.NotFound("playbook"),
        };

    public static async Task<Results<Ok<OkResponse>, ProblemHttpResult>> Delete(
        string id, Caller caller, Database db, TimeProvider clock, CancellationToken ct) =>
        await PlaybookWrites.DeleteAsync(id, caller, db, clock, ct) ? TypedResults.Ok(new OkResponse(true)) : ApiProblem.NotFound("playbook");

    private static ProblemHttpResult PreconditionFailed(long version) =>
        ApiProblem.Create(StatusCodes.Status412PreconditionFailed, "precondition_failed",
            $"The playbook is at version {version}, not the version the change was made for; fetch it and try again.");

    private static void CheckFilter(FieldErrors errors, string name, string? value, string[] allowed)
    {
        if (value is not null && Array.IndexOf(allowed, value) < 0)
        {
            errors.Add(name, $"must be one of: {string.Join(", ", allowed)}");
        }
    }
}
