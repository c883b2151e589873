using Playbooks.Api.Adaptation;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Tests.Adaptation;

/// <summary>The evaluator without a server: the test vectors of adaptation.md, the states and the guards.</summary>
public sealed class EvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 18, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(50, 0, 0.06, 0.957389, 6.9020, 0.00050, 0.06978)]
    [InlineData(50, 1, 0.06, 0.818677, 1.8493, 0.00478, 0.10447)]
    [InlineData(50, 3, 0.06, 0.366560, 0.5184, 0.02178, 0.16242)]
    [InlineData(100, 2, 0.06, 0.945874, 3.7664, 0.00617, 0.06971)]
    [InlineData(100, 12, 0.06, 0.007472, 0.1249, 0.07035, 0.19835)]
    [InlineData(200, 4, 0.10, 0.999992, 7152.6256, 0.00813, 0.05017)]
    [InlineData(60, 2, 0.08, 0.875504, 1.9952, 0.01026, 0.11347)]
    [InlineData(500, 20, 0.05, 0.823730, 0.6371, 0.02613, 0.06098)]
    public void Rate_metrics_reproduce_the_spec_vectors(int n, int s, double p0, double p, double e, double low, double high)
    {
        var statistics = Evaluator.RateStatistics(n, s, p0);

        Assert.Equal(p, Math.Round(statistics.ProbabilityBelowTarget!.Value, 6));
        Assert.Equal(e, Math.Round(statistics.EValueBelowTarget!.Value, 4));
        Assert.Equal(low, Math.Round(statistics.Interval![0], 5));
        Assert.Equal(high, Math.Round(statistics.Interval![1], 5));
        Assert.Equal((double)s / n, statistics.Observed);
    }

    [Theory]
    [InlineData(55, 0.0, 5, 10000.0, 833.3333, 356.8120, 0.999462)]
    [InlineData(40, 0.0, 10, 5000.0, 1000.0000, 282.8427, 0.999797)]
    [InlineData(90, 0.0, 10, 30000.0, 3000.0000, 900.0000, 0.133260)]
    public void Value_metrics_reproduce_the_spec_vectors(int zeros, double zeroValue, int hits, double hitValue, double m, double se, double p)
    {
        // One outcome report per lead: each report has 1 sample, so Q is the sum of value².
        var reports = Enumerable.Repeat(zeroValue, zeros).Concat(Enumerable.Repeat(hitValue, hits)).ToList();
        var evidence = new Evidence(reports.Count, 0, reports.Sum(), reports.Sum(v => v * v));

        var statistics = Evaluator.ValueStatistics(evidence, mu0: 100000.0 / 50);

        Assert.Equal(m, Math.Round(statistics.Observed, 4));
        Assert.Equal(se, Math.Round((statistics.Interval![1] - statistics.Interval[0]) / (2 * 1.96), 4));
        Assert.Equal(p, Math.Round(statistics.ProbabilityBelowTarget!.Value, 6));
        Assert.Null(statistics.EValueBelowTarget);
    }

    [Fact]
    public void A_value_metric_with_no_spread_is_certain()
    {
        Assert.Equal(1, Evaluator.ValueStatistics(new Evidence(10, 0, 10, 10), mu0: 2).ProbabilityBelowTarget);
        Assert.Equal(0, Evaluator.ValueStatistics(new Evidence(10, 0, 30, 90), mu0: 2).ProbabilityBelowTarget);
    }

    [Theory]
    [InlineData("reply_rate", 0.08, 50, 0.08)]
    [InlineData("reply_rate", 8.0, 50, 0.08)]
    [InlineData("reply_rate", 1.0, 50, 1.0)]
    [InlineData("meeting_booked", 3.0, 50, 0.06)]
    [InlineData("meeting_booked", 80.0, 50, 1.0)]
    [InlineData("pipeline_arr", 100000.0, 50, 2000.0)]
    [InlineData("custom", 10.0, 20, 0.5)]
    public void The_per_sample_target_follows_the_metric(string metric, double target, int sampleSize, double expected) =>
        Assert.Equal(expected, Evaluator.TargetPerSample(metric, target, sampleSize)!.Value, 12);

    private static PlaybookSpec Spec(
        string? metric = "meeting_booked", double? target = 3, bool enabled = true, int minSampleSize = 50, int windowDays = 3, int maxPivots = 2) =>
        new("N", "active", "outbound", "prospect", new LeadSource("manual", null, 50),
            new Strategy("gtm-execution", "H", [], metric, target),
            new global::Playbooks.Api.Playbooks.Adaptation(enabled, minSampleSize, windowDays, maxPivots));

    private static Evaluation Evaluate(PlaybookSpec spec, Evidence evidence, TimeSpan since, params TimeSpan[] pivotsAgo) =>
        Evaluator.Evaluate(new EvaluationInput(spec, 2, Now - since, evidence, pivotsAgo.Select(a => Now - a).ToList(), Now));

    public static TheoryData<string, string> States => new()
    {
        { "disabled", AdaptationStates.Disabled },
        { "no metric", AdaptationStates.NoTarget },
        { "no target", AdaptationStates.NoTarget },
        { "too few samples", AdaptationStates.Collecting },
        { "window not elapsed", AdaptationStates.Collecting },
        { "P 0.997", AdaptationStates.Underperforming },
        { "P 0.57", AdaptationStates.AtRisk },
        { "P 0.007", AdaptationStates.OnTrack },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void States_are_evaluated_in_order(string situation, string state)
    {
        var poor = new Evidence(400, 12, 0, 0);
        var evaluation = situation switch
        {
            "disabled" => Evaluate(Spec(enabled: false, target: null), poor, TimeSpan.FromDays(9)),
            "no metric" => Evaluate(Spec(metric: null), poor, TimeSpan.FromDays(9)),
            "no target" => Evaluate(Spec(target: null), poor, TimeSpan.FromDays(9)),
            "too few samples" => Evaluate(Spec(minSampleSize: 500), poor, TimeSpan.FromDays(9)),
            "window not elapsed" => Evaluate(Spec(), poor, TimeSpan.FromDays(3) - TimeSpan.FromMilliseconds(1)),
            "P 0.997" => Evaluate(Spec(), poor, TimeSpan.FromDays(3)),
            "P 0.57" => Evaluate(Spec(), new Evidence(220, 12, 0, 0), TimeSpan.FromDays(9)),
            _ => Evaluate(Spec(), new Evidence(100, 12, 0, 0), TimeSpan.FromDays(9)),
        };

        Assert.Equal(state, evaluation.State);
        Assert.Equal(state == AdaptationStates.Underperforming, evaluation.Pivot.Recommended);
    }

    [Fact]
    public void Statistics_are_reported_while_collecting_but_not_without_evidence_or_target()
    {
        var collecting = Evaluate(Spec(minSampleSize: 1000), new Evidence(200, 4, 0, 0), TimeSpan.FromDays(9));
        Assert.Equal(AdaptationStates.Collecting, collecting.State);
        Assert.Equal(0.02, collecting.Observed);
        Assert.NotNull(collecting.ProbabilityBelowTarget);
        Assert.NotNull(collecting.Interval);

        var empty = Evaluate(Spec(), Evidence.None, TimeSpan.FromDays(9));
        Assert.Null(empty.Observed);
        Assert.Null(empty.ProbabilityBelowTarget);
        Assert.Null(empty.Interval);
        Assert.Null(empty.EValueBelowTarget);

        var noTarget = Evaluate(Spec(target: null), new Evidence(200, 4, 0, 0), TimeSpan.FromDays(9));
        Assert.Equal(0.02, noTarget.Observed);
        Assert.Null(noTarget.ProbabilityBelowTarget);
        Assert.Null(noTarget.TargetPerSample);
    }

    [Fact]
    public void The_guards_block_in_order_and_say_when_time_lifts_them()
    {
        var enough = new Evidence(400, 12, 0, 0);

        var disabled = Evaluate(Spec(enabled: false, minSampleSize: 1000), Evidence.None, TimeSpan.Zero, TimeSpan.FromHours(1), TimeSpan.FromHours(2));
        Assert.Equal((false, PivotGuards.AdaptationDisabled, (DateTimeOffset?)null), (disabled.Pivot.Allowed, disabled.Pivot.BlockedBy, disabled.Pivot.NextPivotAllowedAt));

        var fewSamples = Evaluate(Spec(), new Evidence(49, 0, 0, 0), TimeSpan.Zero);
        Assert.Equal((PivotGuards.InsufficientSamples, (DateTimeOffset?)null), (fewSamples.Pivot.BlockedBy, fewSamples.Pivot.NextPivotAllowedAt));

        var window = Evaluate(Spec(), enough, TimeSpan.FromDays(1));
        Assert.Equal((PivotGuards.PivotWindowNotElapsed, (DateTimeOffset?)(Now + TimeSpan.FromDays(2))), (window.Pivot.BlockedBy, window.Pivot.NextPivotAllowedAt));

        // Window and budget both block: the pivot is allowed once both have lifted.
        var both = Evaluate(Spec(maxPivots: 1), enough, TimeSpan.FromDays(1), TimeSpan.FromDays(1));
        Assert.Equal((PivotGuards.PivotWindowNotElapsed, (DateTimeOffset?)(Now + TimeSpan.FromDays(6))), (both.Pivot.BlockedBy, both.Pivot.NextPivotAllowedAt));

        var limit = Evaluate(Spec(maxPivots: 2), enough, TimeSpan.FromDays(4), TimeSpan.FromDays(4), TimeSpan.FromDays(6), TimeSpan.FromDays(8));
        Assert.Equal((PivotGuards.PivotLimitReached, 2, (DateTimeOffset?)(Now + TimeSpan.FromDays(1))),
            (limit.Pivot.BlockedBy, limit.Pivot.PivotsLast7Days, limit.Pivot.NextPivotAllowedAt));

        var never = Evaluate(Spec(maxPivots: 0), enough, TimeSpan.FromDays(9));
        Assert.Equal((PivotGuards.PivotLimitReached, (DateTimeOffset?)null), (never.Pivot.BlockedBy, never.Pivot.NextPivotAllowedAt));

        var allowed = Evaluate(Spec(maxPivots: 2), enough, TimeSpan.FromDays(3), TimeSpan.FromDays(1), TimeSpan.FromDays(7));
        Assert.Equal((true, (string?)null, 1), (allowed.Pivot.Allowed, allowed.Pivot.BlockedBy, allowed.Pivot.PivotsLast7Days));
    }
}
