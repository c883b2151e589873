using System.Text.Json.Serialization;

namespace Playbooks.Api.Adaptation;

public static class AdaptationStates
{
    public const string Disabled = "disabled";
    public const string NoTarget = "no_target";
    public const string Collecting = "collecting";
    public const string Underperforming = "underperforming";
    public const string AtRisk = "at_risk";
    public const string OnTrack = "on_track";
    public static readonly string[] All = [Disabled, NoTarget, Collecting, Underperforming, AtRisk, OnTrack];
}

/// <summary>The guards of a pivot, in the order they are checked; each is also its 409 code.</summary>
public static class PivotGuards
{
    public const string AdaptationDisabled = "adaptation_disabled";
    public const string InsufficientSamples = "insufficient_samples";
    public const string PivotWindowNotElapsed = "pivot_window_not_elapsed";
    public const string PivotLimitReached = "pivot_limit_reached";
    public static readonly string[] All = [AdaptationDisabled, InsufficientSamples, PivotWindowNotElapsed, PivotLimitReached];
}

/// <summary>What was observed under the current strategy version (adaptation.md, "Evidence").</summary>
/// <param name="Samples">n: summed samples.</param>
/// <param name="Successes">s: summed successes.</param>
/// <param name="Value">V: summed value.</param>
/// <param name="SquaresPerSample">Q: the sum over reports of value² / samples.</param>
public sealed record Evidence(long Samples, long Successes, double Value, double SquaresPerSample)
{
    public static readonly Evidence None = new(0, 0, 0, 0);

    /// <summary>This evidence with one more report.</summary>
    public Evidence Plus(long samples, long successes, double value) =>
        new(Samples + samples, Successes + successes, Value + value, SquaresPerSample + (samples > 0 ? value * value / samples : 0));
}

/// <summary>Everything the evaluator reads, gathered by the caller; the evaluator itself does no I/O.</summary>
public sealed record EvaluationInput(
    Playbooks.PlaybookSpec Spec,
    long StrategyVersion,
    DateTimeOffset StrategySince,
    Evidence Evidence,
    IReadOnlyList<DateTimeOffset> PivotsLast7Days,
    DateTimeOffset Now);

public sealed record PivotStatus(
    bool Recommended,
    bool Allowed,
    string? BlockedBy,
    int PivotsLast7Days,
    int MaxPivotsPerWeek,
    DateTimeOffset? NextPivotAllowedAt);

public sealed record Evaluation(
    string State,
    string? Metric,
    double? Target,
    double? TargetPerSample,
    long StrategyVersion,
    DateTimeOffset StrategySince,
    long Samples,
    long Successes,
    double Value,
    double? Observed,
    double? ProbabilityBelowTarget,
    double[]? Interval,
    double? EValueBelowTarget,
    PivotStatus Pivot,
    DateTimeOffset EvaluatedAt);

public sealed record EvaluationEnvelope(Evaluation Evaluation);

/// <summary>The evaluation a pivot was made under, kept with the pivot record.</summary>
public sealed record PivotEvaluation(
    string State,
    bool Recommended,
    double? ProbabilityBelowTarget,
    double? EValueBelowTarget,
    [property: JsonPropertyName("n")] long N,
    [property: JsonPropertyName("s")] long S,
    double Value,
    double? TargetPerSample,
    long StrategyVersion,
    DateTimeOffset EvaluatedAt)
{
    public static PivotEvaluation Of(Evaluation e) => new(
        e.State, e.Pivot.Recommended, e.ProbabilityBelowTarget, e.EValueBelowTarget, e.Samples, e.Successes, e.Value,
        e.TargetPerSample, e.StrategyVersion, e.EvaluatedAt);
}
