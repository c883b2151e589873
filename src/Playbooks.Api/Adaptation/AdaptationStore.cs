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
        DbConnection connection, PlaybookStore.Stored playbook, DateTimeOffset now, DbTransaction? transaction = null)
    {
        var (strategyVersion, strategySince) = await StrategyVersionAsync(connection, playbook, transaction);
        var evidence = await connection.QuerySingleAsync<EvidenceRow>(
            """
            SELECT COALESCE(SUM(samples), 0) AS samples, COALESCE(SUM(successes), 0) AS successes, COALESCE(SUM(value), 0) AS value,
                   COALESCE(SUM(CASE WHEN samples > 0 THEN value * value / samples ELSE 0 END), 0) AS squares_per_sample
            FROM outcomes
            WHERE workspace_id = @WorkspaceId AND playbook_id = @Id AND spec_version >= @strategyVersion
            """,
            new { playbook.WorkspaceId, playbook.Id, strategyVersion }, transaction);
        var pivots = await connection.QueryAsync<long>(
            "SELECT created_at FROM pivots WHERE workspace_id = @WorkspaceId AND playbook_id = @Id AND created_at > @since",
            new { playbook.WorkspaceId, playbook.Id, since = (now - Evaluator.PivotBudgetWindow).ToUnixTimeMilliseconds() }, transaction);

        return Evaluator.Evaluate(new EvaluationInput(
            playbook.Spec, strategyVersion, strategySince,
            new Evidence(evidence.Samples, evidence.Successes, evidence.Value, evidence.SquaresPerSample), pivots.Select(Timestamps.FromMilliseconds).ToList(), now));
    }

    /// <summary>
    /// The newest version whose strategy differs from the version before it: walk the versions
    /// from the newest back until the strategy changes. They are read in small pages, each a
    /// whole query: stopping inside an open reader would make the driver cancel the command,
    /// which on PostgreSQL opens a new connection every time.
    /// </summary>
    public static async Task<(long Version, DateTimeOffset Since)> StrategyVersionAsync(
        DbConnection connection, PlaybookStore.Stored playbook, DbTransaction? transaction)
    {
        const int PageSize = 16;
        (long Version, long CreatedAt) candidate = (playbook.Version, playbook.UpdatedAt.ToUnixTimeMilliseconds());
        var current = playbook.Spec.Strategy;
        for (var below = playbook.Version + 1; below > 1;)
        {
            var page = (await connection.QueryAsync<(long Version, string Spec, long CreatedAt)>(
                """
                SELECT version, spec, created_at FROM playbook_versions
                WHERE workspace_id = @WorkspaceId AND playbook_id = @Id AND version < @below
                ORDER BY version DESC LIMIT @take
                """,
                new { playbook.WorkspaceId, playbook.Id, below, take = PageSize }, transaction)).ToList();
            foreach (var row in page)
            {
                if (JsonSerializer.Deserialize<PlaybookSpec>(row.Spec, PlaybookStore.SpecJson)!.Strategy != current)
                {
                    return (candidate.Version, Timestamps.FromMilliseconds(candidate.CreatedAt));
                }
                candidate = (row.Version, row.CreatedAt);
            }
            if (page.Count < PageSize)
            {
                break;
            }
            below = page[^1].Version;
        }
        return (candidate.Version, Timestamps.FromMilliseconds(candidate.CreatedAt));
    }
}
