using System.Text.Json.Serialization;

namespace Playbooks.Api.Runs;

public static class RunStatuses
{
    public const string Running = "running";
    public static readonly string[] Final = ["completed", "failed", "cancelled"];
    public static readonly string[] All = [Running, .. Final];
}

public sealed record RunMetrics(long Samples, long Successes, double MetricValue)
{
    /// <summary>
    /// <c>metricValue</c> follows the success metric (product.md section 5) of the spec version the
    /// run is pinned to, never the playbook's current one: a run's figures do not change with later edits.
    /// </summary>
    public static RunMetrics For(string? successMetric, long samples, long successes, double value) => new(
        samples,
        successes,
        successMetric switch
        {
            "reply_rate" => samples == 0 ? 0 : (double)successes / samples,
            "pipeline_arr" or "custom" => value,
            _ => successes,
        });
}

public sealed record RunResponse(
    string Id,
    string PlaybookId,
    long SpecVersion,
    string? SuccessMetric,
    string Status,
    RunMetrics Metrics,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? Note,
    string CreatedBy);

public sealed record RunEnvelope(RunResponse Run);

public sealed record RunList(
    IReadOnlyList<RunResponse> Runs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor);
