using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Playbooks.Api.Adaptation;

/// <summary>
/// Judges the evidence against a playbook's target and adaptation rules, exactly as
/// adaptation.md defines it. Pure: the same input gives the same evaluation, so it is tested
/// against the spec's vectors without a server.
/// </summary>
public static class Evaluator
{
    public const double UnderperformingAt = 0.95;
    public const double AtRiskAt = 0.5;
    public static readonly TimeSpan PivotBudgetWindow = TimeSpan.FromDays(7);

    public sealed record Statistics(double Observed, double? ProbabilityBelowTarget, double[]? Interval, double? EValueBelowTarget);

    public static Evaluation Evaluate(EvaluationInput input)
    {
        var spec = input.Spec;
        var rules = spec.Adaptation;
        var evidence = input.Evidence;
        var metric = spec.Strategy.SuccessMetric;
        var target = spec.Strategy.SuccessTarget;
        var perSample = TargetPerSample(metric, target, spec.LeadSource.SampleSize);
        var statistics = Compute(metric, perSample, evidence);

        var windowEnds = input.StrategySince.AddDays(rules.PivotWindowDays);
        var windowOpen = input.Now < windowEnds;
        var state =
            !rules.Enabled ? AdaptationStates.Disabled
            : perSample is null ? AdaptationStates.NoTarget
            : evidence.Samples < rules.MinSampleSize || windowOpen ? AdaptationStates.Collecting
            : statistics?.ProbabilityBelowTarget >= UnderperformingAt ? AdaptationStates.Underperforming
            : statistics?.ProbabilityBelowTarget >= AtRiskAt ? AdaptationStates.AtRisk
            : AdaptationStates.OnTrack;

        return new Evaluation(
            state,
            metric,
            target,
            perSample,
            input.StrategyVersion,
            input.StrategySince,
            evidence.Samples,
            evidence.Successes,
            evidence.Value,
            statistics?.Observed,
            statistics?.ProbabilityBelowTarget,
            statistics?.Interval,
            statistics?.EValueBelowTarget,
            Pivot(input, state, windowOpen ? windowEnds : null),
            input.Now);
    }

    /// <summary>The per-sample target: p0 for rate metrics, mu0 (value per lead) for value metrics.</summary>
    public static double? TargetPerSample(string? metric, double? target, int sampleSize) => (metric, target) switch
    {
        (null, _) or (_, null) => null,
        ("reply_rate", { } t) => t <= 1 ? t : t / 100,
        ("meeting_booked", { } t) => Math.Min(1, t / sampleSize),
        (_, { } t) => t / sampleSize,
    };

    /// <summary>The statistics where they can be computed (some evidence); null otherwise.</summary>
    public static Statistics? Compute(string? metric, double? perSample, Evidence evidence)
    {
        if (evidence.Samples == 0)
        {
            return null;
        }
        var isValue = metric is "pipeline_arr" or "custom";
        if (perSample is not { } target)
        {
            var observed = isValue ? evidence.Value / evidence.Samples : (double)evidence.Successes / evidence.Samples;
            return new Statistics(observed, null, null, null);
        }
        return isValue ? ValueStatistics(evidence, target) : RateStatistics(evidence.Samples, evidence.Successes, target);
    }

    /// <summary>Beta-Binomial with a uniform prior: posterior Beta(1 + s, 1 + n − s).</summary>
    public static Statistics RateStatistics(long n, long s, double p0)
    {
        double a = 1 + s, b = 1 + n - s;
        var observed = (double)s / n;
        var interval = new[] { Beta.InvCDF(a, b, 0.025), Beta.InvCDF(a, b, 0.975) };
        if (p0 <= 0)
        {
            return new Statistics(observed, 0, interval, 0);
        }
        if (p0 >= 1)
        {
            // Every rate is below a target of 100 %; the likelihood ratio has no finite value.
            return new Statistics(observed, 1, interval, null);
        }
        var probability = SpecialFunctions.BetaRegularized(a, b, p0);
        // B(a, b) · I_p0(a, b) / (p0^(s+1) · (1 − p0)^(n − s)), in log space: the terms over- and underflow long before the ratio does.
        var logE = SpecialFunctions.BetaLn(a, b) + Math.Log(probability) - (s + 1) * Math.Log(p0) - (n - s) * Math.Log(1 - p0);
        var e = Math.Exp(logE);
        return new Statistics(observed, probability, interval, double.IsFinite(e) ? e : null);
    }

    /// <summary>Normal approximation of the per-lead mean.</summary>
    public static Statistics ValueStatistics(Evidence evidence, double mu0)
    {
        double n = evidence.Samples;
        var m = evidence.Value / n;
        var variance = Math.Max(evidence.SquaresPerSample / n - m * m, 0);
        var se = Math.Sqrt(variance / n);
        var probability = se == 0 ? (m < mu0 ? 1 : 0) : Normal.CDF(0, 1, (mu0 - m) / se);
        return new Statistics(m, probability, [m - 1.96 * se, m + 1.96 * se], null);
    }

    /// <summary>The guards in their order; <paramref name="windowEnds"/> is set while the pivot window is still open.</summary>
    private static PivotStatus Pivot(EvaluationInput input, string state, DateTimeOffset? windowEnds)
    {
        var rules = input.Spec.Adaptation;
        var recent = input.PivotsLast7Days.Where(p => p > input.Now - PivotBudgetWindow).Order().ToList();
        var limitReached = recent.Count >= rules.MaxPivotsPerWeek;
        // The budget frees up when enough of the recent pivots have left the trailing 7 days.
        DateTimeOffset? budgetFrees = limitReached && rules.MaxPivotsPerWeek > 0
            ? recent[recent.Count - rules.MaxPivotsPerWeek] + PivotBudgetWindow
            : null;

        var blockedBy =
            !rules.Enabled ? PivotGuards.AdaptationDisabled
            : input.Evidence.Samples < rules.MinSampleSize ? PivotGuards.InsufficientSamples
            : windowEnds is not null ? PivotGuards.PivotWindowNotElapsed
            : limitReached ? PivotGuards.PivotLimitReached
            : null;

        // When time alone lifts what blocks, the moment every time guard has lifted.
        DateTimeOffset? next = blockedBy switch
        {
            PivotGuards.PivotWindowNotElapsed when !limitReached => windowEnds,
            PivotGuards.PivotWindowNotElapsed when budgetFrees is { } frees => frees > windowEnds ? frees : windowEnds,
            PivotGuards.PivotLimitReached => budgetFrees,
            _ => null,
        };

        return new PivotStatus(state == AdaptationStates.Underperforming, blockedBy is null, blockedBy, recent.Count, rules.MaxPivotsPerWeek, next);
    }
}
