using System.Data.Common;
using System.Text.Json;
using Dapper;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Adaptation;

/// <summary>Gathers what the evaluator reads: the current strategy version, its evidence and the recent pivots.</summary>
public static class AdaptationStore
{
    // Property-mapped: the providers type these sums differently (integer, numeric, real).
    private sealed class EvidenceRow
    {
        public long Samples { get; init; }
        public long Successes { get; init; }
        public double Value { get; init; }
        public double SquaresPerSample { get; init; }
    }

    public static async Task<Evaluation> EvaluateAsync(
        DbConnection connection, PlaybookStore.Stored playbook, DateTimeOffset now, DbTransaction? transaction = null) =>
        Evaluator.Evaluate(await InputAsync(connection, playbook, now, transaction));

    /// <summary>
    /// What the evaluator needs to judge the playbook's <em>state</em>, when evidence can change
    /// it at all; null when it cannot: with adaptation disabled or no target the state is fixed,
    /// and while the pivot window of even the first strategy is open it is <c>collecting</c>
    /// whatever the evidence. Recent pivots bear on the pivot guards, not the state: not read.
    /// </summary>
    public static async Task<EvaluationInput?> StateInputAsync(
        DbConnection connection, PlaybookStore.Stored playbook, DateTimeOffset now, DbTransaction transaction)
    {
        var spec = playbook.Spec;
        if (!spec.Adaptation.Enabled
            || Evaluator.TargetPerSample(spec.Strategy.SuccessMetric, spec.Strategy.SuccessTarget, spec.LeadSource.SampleSize) is null
            // The current strategy cannot have started before the playbook.
            || now < playbook.CreatedAt.AddDays(spec.Adaptation.PivotWindowDays))
        {
            return null;
        }
        return await InputAsync(connection, playbook, now, transaction, withPivots: false);
    }

    private static async Task<EvaluationInput> InputAsync(
        DbConnection connection, PlaybookStore.Stored playbook, DateTimeOffset now, DbTransaction? transaction, bool withPivots = true)
    {
        var (strategyVersion, strategySince) = (playbook.StrategyVersion, playbook.StrategySince);
        var evidence = await connection.QuerySingleAsync<EvidenceRow>(
            """
            SELECT COALESCE(SUM(samples), 0) AS samples, COALESCE(SUM(successes), 0) AS successes, COALESCE(SUM(value), 0) AS value,
                   COALESCE(SUM(squares), 0) AS squares_per_sample
            FROM runs
            WHERE workspace_id = @WorkspaceId AND playbook_id = @Id AND spec_version >= @strategyVersion
            """,
            new { playbook.WorkspaceId, playbook.Id, strategyVersion }, transaction);
        var pivots = !withPivots ? [] : await connection.QueryAsync<long>(
            "SELECT created_at FROM pivots WHERE workspace_id = @WorkspaceId AND playbook_id = @Id AND created_at > @since",
            new { playbook.WorkspaceId, playbook.Id, since = (now - Evaluator.PivotBudgetWindow).ToUnixTimeMilliseconds() }, transaction);

        return new EvaluationInput(
            playbook.Spec, strategyVersion, strategySince,
            new Evidence(evidence.Samples, evidence.Successes, evidence.Value, evidence.SquaresPerSample), pivots.Select(Timestamps.FromMilliseconds).ToList(), now);
    }

    private static readonly JsonSerializerOptions EvaluationJson = new(JsonSerializerDefaults.Web) { Converters = { new Timestamps.JsonConverter() } };

    private sealed class PivotRow
    {
        public string Id { get; init; } = "";
        public string PlaybookId { get; init; } = "";
        public long FromVersion { get; init; }
        public long ToVersion { get; init; }
        public string Reason { get; init; } = "";
        public string Evaluation { get; init; } = "";
        public long CreatedAt { get; init; }
        public string CreatedBy { get; init; } = "";

        public PivotResponse ToResponse() => new(
            Id, PlaybookId, FromVersion, ToVersion, Reason, JsonSerializer.Deserialize<PivotEvaluation>(Evaluation, EvaluationJson)!,
            Timestamps.FromMilliseconds(CreatedAt), CreatedBy);
    }

    /// <summary>Records a pivot with the evaluation that allowed it.</summary>
    public static Task InsertPivotAsync(DbConnection connection, DbTransaction transaction, string workspaceId, PivotResponse pivot) =>
        connection.ExecuteAsync(
            """
            INSERT INTO pivots (workspace_id, id, playbook_id, from_version, to_version, reason, evaluation, created_at, created_by)
            VALUES (@workspaceId, @Id, @PlaybookId, @FromVersion, @ToVersion, @Reason, @evaluation, @createdAt, @CreatedBy)
            """,
            new
            {
                workspaceId,
                pivot.Id,
                pivot.PlaybookId,
                pivot.FromVersion,
                pivot.ToVersion,
                pivot.Reason,
                evaluation = JsonSerializer.Serialize(pivot.Evaluation, EvaluationJson),
                createdAt = pivot.CreatedAt.ToUnixTimeMilliseconds(),
                pivot.CreatedBy,
            },
            transaction);

    /// <summary>A playbook's pivots oldest first, after the pivot <paramref name="after"/>.</summary>
    public static async Task<List<PivotResponse>> ListPivotsAsync(DbConnection connection, string workspaceId, string playbookId, string? after, int take)
    {
        var rows = await connection.QueryAsync<PivotRow>(
            "SELECT id, playbook_id, from_version, to_version, reason, evaluation, created_at, created_by FROM pivots "
            + "WHERE workspace_id = @workspaceId AND playbook_id = @playbookId" + (after is null ? "" : " AND id > @after") + " ORDER BY id LIMIT @take",
            new { workspaceId, playbookId, after, take });
        return rows.Select(r => r.ToResponse()).ToList();
    }
}
