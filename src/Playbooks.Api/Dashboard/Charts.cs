using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using Playbooks.Api.Adaptation;
using Playbooks.Api.Runs;

namespace Playbooks.Api.Dashboard;

/// <summary>
/// Charts drawn on the server as SVG: no script, no chart library. Each is an image with an
/// <c>aria-label</c> that says its figures in words, and the pages show the same figures as a table.
/// </summary>
public static class Charts
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static string F(double value) => Math.Round(value, 2).ToString(Invariant);

    /// <summary>Whether the metric is a per-lead rate (shown as a percentage) or a value per lead.</summary>
    public static string PerSample(string? metric, double? value) =>
        metric is "reply_rate" or "meeting_booked" ? Show.Percent(value) : Show.Number(value, 4);

    /// <summary>The 95 % credible interval and the observed rate on one axis with the target as a dashed line.</summary>
    public static IHtmlContent Interval(Evaluation evaluation)
    {
        if (evaluation.Interval is not [var low, var high] || evaluation.Observed is not { } observed)
        {
            return HtmlString.Empty;
        }
        var target = evaluation.TargetPerSample;
        var metric = evaluation.Metric;
        var label = $"Observed {PerSample(metric, observed)} per lead, 95 % credible interval {PerSample(metric, low)} to {PerSample(metric, high)}"
            + (target is { } t ? $", against the target {PerSample(metric, t)}" : ", no target") + ".";
        var max = new[] { high, observed, target ?? 0 }.Max() * 1.15;
        if (!(max > 0))
        {
            max = 1;
        }
        const double Left = 10, Width = 580;
        double X(double v) => Left + v / max * Width;

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" role=\"img\" aria-label=\"{Encode(label)}\" viewBox=\"0 0 600 90\" preserveAspectRatio=\"xMinYMid meet\">");
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{F(Left)}\" y1=\"60\" x2=\"{F(Left + Width)}\" y2=\"60\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left)}\" y=\"80\">0</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left + Width)}\" y=\"80\" text-anchor=\"end\">{Encode(PerSample(metric, max))}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"interval\" x1=\"{F(X(low))}\" y1=\"40\" x2=\"{F(X(high))}\" y2=\"40\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<circle class=\"observed\" cx=\"{F(X(observed))}\" cy=\"40\" r=\"6\"/>");
        if (target is { } value)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"target\" x1=\"{F(X(value))}\" y1=\"10\" x2=\"{F(X(value))}\" y2=\"62\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(value))}\" y=\"9\" text-anchor=\"middle\">target</text>");
        }
        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    /// <summary>Samples and successes per bucket as paired bars; the label lists every bucket that has any.</summary>
    public static IHtmlContent OverTime(StatsResponse stats)
    {
        var unit = stats.Bucket;
        var buckets = stats.Buckets;
        var words = buckets.Where(b => b.Samples > 0 || b.Successes > 0)
            .Select(b => $"{BucketName(b.Start, unit)}: {b.Samples} samples, {b.Successes} successes")
            .ToList();
        var label = $"Samples and successes per {unit}, {BucketName(stats.From, unit)} to {BucketName(stats.To.AddMilliseconds(-1), unit)}: "
            + (words.Count == 0 ? "no outcomes reported." : string.Join("; ", words) + $"; every other {unit} none.");

        (string, string)? axis = buckets.Count == 0 ? null : (BucketName(buckets[0].Start, unit), BucketName(buckets[^1].Start, unit));
        return PairedBars(label, buckets.Select(b => (b.Samples, b.Successes)).ToList(), height: 150, axis);
    }

    /// <summary>A run's outcome reports in time order: samples and successes per report.</summary>
    public static IHtmlContent Reports(IReadOnlyList<RunStore.OutcomeRow> reports)
    {
        var words = reports.Select(r => $"{Show.Time(r.At)}: {r.Samples} samples, {r.Successes} successes").ToList();
        var label = "Outcome reports of this run over time: " + (words.Count == 0 ? "none yet." : string.Join("; ", words) + ".");
        return PairedBars(label, reports.Select(r => (r.Samples, r.Successes)).ToList(), height: 120, axis: null);
    }

    /// <summary>Samples and successes as pairs of bars on a common scale from 0 to the most samples.</summary>
    private static HtmlString PairedBars(string label, IReadOnlyList<(long Samples, long Successes)> pairs, double height, (string First, string Last)? axis)
    {
        const double Left = 40, Width = 550, Top = 10;
        var max = Math.Max(1, pairs.Count == 0 ? 1 : pairs.Max(p => p.Samples));
        var slot = Width / Math.Max(1, pairs.Count);
        var bar = Math.Max(1, slot * 0.4);
        var svg = new StringBuilder();
        svg.Append(Invariant, $"<svg class=\"chart\" role=\"img\" aria-label=\"{Encode(label)}\" viewBox=\"0 0 600 {F(height + (axis is null ? 30 : 40))}\" preserveAspectRatio=\"xMinYMid meet\">");
        svg.Append(Invariant, $"<line class=\"axis\" x1=\"{F(Left)}\" y1=\"{F(Top + height)}\" x2=\"{F(Left + Width)}\" y2=\"{F(Top + height)}\"/>");
        svg.Append(Invariant, $"<text x=\"{F(Left - 4)}\" y=\"{F(Top + 10)}\" text-anchor=\"end\">{max}</text>");
        svg.Append(Invariant, $"<text x=\"{F(Left - 4)}\" y=\"{F(Top + height)}\" text-anchor=\"end\">0</text>");
        for (var i = 0; i < pairs.Count; i++)
        {
            var x = Left + i * slot;
            var samples = pairs[i].Samples / (double)max * height;
            var successes = pairs[i].Successes / (double)max * height;
            svg.Append(Invariant, $"<rect class=\"samples\" x=\"{F(x)}\" y=\"{F(Top + height - samples)}\" width=\"{F(bar)}\" height=\"{F(samples)}\"/>");
            svg.Append(Invariant, $"<rect class=\"successes\" x=\"{F(x + bar)}\" y=\"{F(Top + height - successes)}\" width=\"{F(bar)}\" height=\"{F(successes)}\"/>");
        }
        if (axis is var (first, last))
        {
            svg.Append(Invariant, $"<text x=\"{F(Left)}\" y=\"{F(Top + height + 20)}\">{Encode(first)}</text>");
            svg.Append(Invariant, $"<text x=\"{F(Left + Width)}\" y=\"{F(Top + height + 20)}\" text-anchor=\"end\">{Encode(last)}</text>");
        }
        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    public static string BucketName(DateTimeOffset start, string unit) => unit switch
    {
        "hour" => start.UtcDateTime.ToString("d MMM HH:00", Invariant),
        "week" => "week of " + start.UtcDateTime.ToString("d MMM", Invariant),
        _ => start.UtcDateTime.ToString("d MMM", Invariant),
    };

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text);
}
