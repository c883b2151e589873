using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Runs;

public static class RunsApi
{
    public static RouteGroupBuilder MapRuns(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/playbooks/{id}")
            .WithTags("Runs")
            .AddEndpointFilter<WorkspaceAccessFilter>();

        group.MapPost("/run", Start).WithName("StartRun");
        group.MapGet("/runs", List).WithName("ListRuns");
        return group;
    }

    internal sealed class Row
    {
        public string Id { get; init; } = "";
        public string PlaybookId { get; init; } = "";
        public long SpecVersion { get; init; }
        public string Status { get; init; } = "";
        public long Samples { get; init; }
        public long Successes { get; init; }
        public double Value { get; init; }
        public long StartedAt { get; init; }
        public long? EndedAt { get; init; }
        public string CreatedBy { get; init; } = "";

        public RunResponse ToResponse(string? successMetric) => new(
            Id, PlaybookId, SpecVersion, Status, RunMetrics.For(successMetric, Samples, Successes, Value),
            Timestamps.FromMilliseconds(StartedAt), EndedAt is { } ended ? Timestamps.FromMilliseconds(ended) : null, CreatedBy);
    }

    private const string Columns = "id, playbook_id, spec_version, status, samples, successes, value, started_at, ended_at, created_by";

    /// <summary>Records that a run started, pinned to the playbook's current version.</summary>
    public static async Task<Results<Created<RunEnvelope>, ProblemHttpResult>> Start(
        string id, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        return await db.WriteAsync<Results<Created<RunEnvelope>, ProblemHttpResult>>(async (connection, transaction) =>
        {
            if (await PlaybookStore.FindAsync(connection, caller.WorkspaceId, id, transaction, db.RowShareLock) is not { } playbook)
            {
                return ApiProblem.NotFound("playbook");
            }
            if (playbook.Spec.Status == "archived")
            {
                return ApiProblem.Create(StatusCodes.Status409Conflict, "playbook_archived",
                    "The playbook is archived; set its status to active or draft to run it.");
            }

            var now = Timestamps.Now(clock);
            var run = new Row
            {
                Id = Ids.New("run_", now),
                PlaybookId = playbook.Id,
                SpecVersion = playbook.Version,
                Status = RunStatuses.Running,
                StartedAt = now.ToUnixTimeMilliseconds(),
                CreatedBy = caller.Subject,
            };
            await connection.ExecuteAsync(
                """
                INSERT INTO runs (workspace_id, id, playbook_id, spec_version, status, started_at, created_by)
                VALUES (@WorkspaceId, @Id, @PlaybookId, @SpecVersion, @Status, @StartedAt, @CreatedBy)
                """,
                new { caller.WorkspaceId, run.Id, run.PlaybookId, run.SpecVersion, run.Status, run.StartedAt, run.CreatedBy }, transaction);
            return TypedResults.Created($"/v1/playbooks/{playbook.Id}/runs/{run.Id}", new RunEnvelope(run.ToResponse(playbook.Spec.Strategy.SuccessMetric)));
        }, ct);
    }

    public static async Task<Results<Ok<RunList>, ProblemHttpResult>> List(
        string id, Caller caller, Database db, string? status, string? limit, string? cursor, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        if (await PlaybookStore.FindAsync(connection, caller.WorkspaceId, id) is not { } playbook)
        {
            return ApiProblem.NotFound("playbook");
        }

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

        var rows = await ListAsync(connection, caller.WorkspaceId, id, status, page.After, page.Limit + 1);
        var (items, next) = page.Cut(rows, r => r.Id);
        var metric = playbook.Spec.Strategy.SuccessMetric;
        return TypedResults.Ok(new RunList(items.Select(r => r.ToResponse(metric)).ToList(), next));
    }

    /// <summary>Runs oldest first: ids are time-ordered, so id order is start order.</summary>
    private static async Task<List<Row>> ListAsync(DbConnection connection, string workspaceId, string playbookId, string? status, string? after, int take)
    {
        var sql = $"SELECT {Columns} FROM runs WHERE workspace_id = @workspaceId AND playbook_id = @playbookId"
            + (status is null ? "" : " AND status = @status")
            + (after is null ? "" : " AND id > @after")
            + " ORDER BY id LIMIT @take";
        return (await connection.QueryAsync<Row>(sql, new { workspaceId, playbookId, status, after, take })).ToList();
    }
}
