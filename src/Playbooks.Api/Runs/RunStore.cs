using System.Data.Common;
using Dapper;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Runs;

/// <summary>The SQL for runs and their outcomes. Every statement names the workspace and the playbook.</summary>
public static class RunStore
{
    public sealed class Row
    {
        public string Id { get; init; } = "";
        public string PlaybookId { get; init; } = "";
        public long SpecVersion { get; init; }

        /// <summary>The success metric of the spec version the run is pinned to (migration 0007); it sets the run's <c>metricValue</c>.</summary>
        public string? SuccessMetric { get; init; }
        public string Status { get; init; } = "";
        public long Samples { get; init; }
        public long Successes { get; init; }
        public double Value { get; init; }
        public long StartedAt { get; init; }
        public long? EndedAt { get; init; }
        public string? Note { get; init; }
        public string CreatedBy { get; init; } = "";

        public RunMetrics Metrics => RunMetrics.For(SuccessMetric, Samples, Successes, Value);

        public RunResponse ToResponse() => new(
            Id, PlaybookId, SpecVersion, SuccessMetric, Status, Metrics,
            Timestamps.FromMilliseconds(StartedAt), EndedAt is { } ended ? Timestamps.FromMilliseconds(ended) : null, Note, CreatedBy);
    }

    private const string Columns = "id, playbook_id, spec_version, success_metric, status, samples, successes, value, started_at, ended_at, note, created_by";

    public static Task<Row?> FindAsync(DbConnection connection, string workspaceId, string playbookId, string runId, DbTransaction? transaction = null) =>
        !Ids.IsValid(runId, "run_") ? Task.FromResult<Row?>(null) : connection.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM runs WHERE workspace_id = @workspaceId AND playbook_id = @playbookId AND id = @runId",
            new { workspaceId, playbookId, runId }, transaction);

    /// <summary>A run by its id alone, for clients that hold only the run id.</summary>
    public static Task<Row?> FindAsync(DbConnection connection, string workspaceId, string runId) =>
        !Ids.IsValid(runId, "run_") ? Task.FromResult<Row?>(null) : connection.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM runs WHERE workspace_id = @workspaceId AND id = @runId", new { workspaceId, runId });

    /// <summary>Runs oldest first: ids are time-ordered, so id order is start order.</summary>
    public static async Task<List<Row>> ListAsync(DbConnection connection, string workspaceId, string playbookId, string? status, string? after, int take)
    {
        var sql = $"SELECT {Columns} FROM runs WHERE workspace_id = @workspaceId AND playbook_id = @playbookId"
            + (status is null ? "" : " AND status = @status")
            + (after is null ? "" : " AND id > @after")
            + " ORDER BY id LIMIT @take";
        return (await connection.QueryAsync<Row>(sql, new { workspaceId, playbookId, status, after, take })).ToList();
    }

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, string workspaceId, Row run) =>
        connection.ExecuteAsync(
            """
            INSERT INTO runs (workspace_id, id, playbook_id, spec_version, success_metric, status, started_at, created_by)
            VALUES (@workspaceId, @Id, @PlaybookId, @SpecVersion, @SuccessMetric, @Status, @StartedAt, @CreatedBy)
            """,
            new { workspaceId, run.Id, run.PlaybookId, run.SpecVersion, run.SuccessMetric, run.Status, run.StartedAt, run.CreatedBy }, transaction);

    /// <summary>Ends a running run and returns it as it is now; null when it is not (or no longer) running.</summary>
    public static async Task<Row?> EndAsync(
        DbConnection connection, DbTransaction transaction, string workspaceId, string playbookId, string runId, string status, string? note, long endedAt) =>
        !Ids.IsValid(runId, "run_") ? null : await connection.QuerySingleOrDefaultAsync<Row>(
            $"""
            UPDATE runs SET status = @status, note = @note, ended_at = @endedAt
            WHERE workspace_id = @workspaceId AND playbook_id = @playbookId AND id = @runId AND status = 'running'
            RETURNING {Columns}
            """,
            new { workspaceId, playbookId, runId, status, note, endedAt }, transaction);

    /// <summary>
    /// Adds a report to a running run: the counters are incremented in SQL, so concurrent reports
    /// never lose one, and the report is kept with its time. Returns the run as it is now; null
    /// when it is not running.
    /// </summary>
    public static async Task<Row?> AddOutcomeAsync(
        DbConnection connection, DbTransaction transaction, string workspaceId, Row run, OutcomeReport report, string id, long createdAt, string createdBy)
    {
        var counted = await connection.QuerySingleOrDefaultAsync<Row>(
            $"""
            UPDATE runs SET samples = samples + @Samples, successes = successes + @Successes, value = value + @Value, squares = squares + @squares
            WHERE workspace_id = @workspaceId AND playbook_id = @playbookId AND id = @runId AND status = 'running'
            RETURNING {Columns}
            """,
            new
            {
                workspaceId, playbookId = run.PlaybookId, runId = run.Id, report.Samples, report.Successes, report.Value,
                squares = report.Samples > 0 ? report.Value * report.Value / report.Samples : 0,
            },
            transaction);
        if (counted is null)
        {
            return null;
        }
        await connection.ExecuteAsync(
            """
            INSERT INTO outcomes (workspace_id, id, playbook_id, run_id, spec_version, samples, successes, value, at, created_at, created_by)
            VALUES (@workspaceId, @id, @playbookId, @runId, @specVersion, @Samples, @Successes, @Value, @at, @createdAt, @createdBy)
            """,
            new
            {
                workspaceId,
                id,
                playbookId = run.PlaybookId,
                runId = run.Id,
                specVersion = run.SpecVersion,
                report.Samples,
                report.Successes,
                report.Value,
                at = report.At.ToUnixTimeMilliseconds(),
                createdAt,
                createdBy,
            },
            transaction);
        return counted;
    }

    public sealed class StatsRow
    {
        public long Bucket { get; init; }
        public long Samples { get; init; }
        public long Successes { get; init; }
        public double Value { get; init; }
        public long Runs { get; init; }
    }

    /// <summary>
    /// A playbook's outcomes and started runs from <paramref name="first"/> to <paramref name="end"/>
    /// (milliseconds), summed per bucket of <paramref name="size"/> counted from <paramref name="origin"/>;
    /// buckets with nothing in them are left out.
    /// </summary>
    public static async Task<(List<StatsRow> Outcomes, List<StatsRow> Runs)> StatsAsync(
        DbConnection connection, string workspaceId, string playbookId, long origin, long size, long first, long end)
    {
        var parameters = new { workspaceId, playbookId, origin, size, first, end };
        var outcomes = await connection.QueryAsync<StatsRow>(
            """
            SELECT (at - @origin) / @size AS bucket, SUM(samples) AS samples, SUM(successes) AS successes, SUM(value) AS value
            FROM outcomes
            WHERE workspace_id = @workspaceId AND playbook_id = @playbookId AND at >= @first AND at < @end
            GROUP BY 1
            """, parameters);
        var runs = await connection.QueryAsync<StatsRow>(
            """
            SELECT (started_at - @origin) / @size AS bucket, COUNT(*) AS runs
            FROM runs
            WHERE workspace_id = @workspaceId AND playbook_id = @playbookId AND started_at >= @first AND started_at < @end
            GROUP BY 1
            """, parameters);
        return (outcomes.ToList(), runs.ToList());
    }

    public sealed class PlaybookSummary
    {
        public string PlaybookId { get; init; } = "";
        public long? LastRunAt { get; init; }
        public long Samples { get; init; }
        public long Successes { get; init; }
    }

    /// <summary>The latest start and the summed counters of the runs of each of these playbooks, in one query (for a page of a list).</summary>
    public static async Task<Dictionary<string, PlaybookSummary>> SummariesAsync(DbConnection connection, string workspaceId, IReadOnlyCollection<string> playbookIds)
    {
        if (playbookIds.Count == 0)
        {
            return [];
        }
        var rows = await connection.QueryAsync<PlaybookSummary>(
            """
            SELECT playbook_id, MAX(started_at) AS last_run_at, COALESCE(SUM(samples), 0) AS samples, COALESCE(SUM(successes), 0) AS successes
            FROM runs
            WHERE workspace_id = @workspaceId AND playbook_id IN @playbookIds
            GROUP BY playbook_id
            """,
            new { workspaceId, playbookIds });
        return rows.ToDictionary(r => r.PlaybookId);
    }

    public sealed class OutcomeRow
    {
        public string Id { get; init; } = "";
        public long Samples { get; init; }
        public long Successes { get; init; }
        public double Value { get; init; }
        public long At { get; init; }
    }

    /// <summary>A run's outcome reports, the newest <paramref name="take"/>, oldest first.</summary>
    public static async Task<List<OutcomeRow>> ListOutcomesAsync(DbConnection connection, string workspaceId, string playbookId, string runId, int take)
    {
        var rows = await connection.QueryAsync<OutcomeRow>(
            """
            SELECT id, samples, successes, value, at FROM outcomes
            WHERE workspace_id = @workspaceId AND playbook_id = @playbookId AND run_id = @runId
            ORDER BY at DESC, id DESC LIMIT @take
            """,
            new { workspaceId, playbookId, runId, take });
        return rows.Reverse().ToList();
    }
}
