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

        const double Left = 40, Width = 550, Top = 10, Height = 150;
        var max = Math.Max(1, buckets.Count == 0 ? 1 : buckets.Max(b => b.Samples));
        var slot = Width / Math.Max(1, buckets.Count);
        var bar = Math.Max(1, slot * 0.4);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" role=\"img\" aria-label=\"{Encode(label)}\" viewBox=\"0 0 600 190\" preserveAspectRatio=\"xMinYMid meet\">");
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{F(Left)}\" y1=\"{F(Top + Height)}\" x2=\"{F(Left + Width)}\" y2=\"{F(Top + Height)}\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left - 4)}\" y=\"{F(Top + 10)}\" text-anchor=\"end\">{max}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left - 4)}\" y=\"{F(Top + Height)}\" text-anchor=\"end\">0</text>");
        for (var i = 0; i < buckets.Count; i++)
        {
            var b = buckets[i];
            var x = Left + i * slot;
            var samples = b.Samples / (double)max * Height;
            var successes = b.Successes / (double)max * Height;
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"samples\" x=\"{F(x)}\" y=\"{F(Top + Height - samples)}\" width=\"{F(bar)}\" height=\"{F(samples)}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"successes\" x=\"{F(x + bar)}\" y=\"{F(Top + Height - successes)}\" width=\"{F(bar)}\" height=\"{F(successes)}\"/>");
        }
        if (buckets.Count > 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left)}\" y=\"{F(Top + Height + 20)}\">{Encode(BucketName(buckets[0].Start, unit))}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left + Width)}\" y=\"{F(Top + Height + 20)}\" text-anchor=\"end\">{Encode(BucketName(buckets[^1].Start, unit))}</text>");
        }
        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    /// <summary>A run's outcome reports in time order: samples and successes per report.</summary>
    public static IHtmlContent Reports(IReadOnlyList<RunStore.OutcomeRow> reports)
    {
        var words = reports.Select(r => $"{Show.Time(r.At)}: {r.Samples} samples, {r.Successes} successes").ToList();
        var label = "Outcome reports of this run over time: " + (words.Count == 0 ? "none yet." : string.Join("; ", words) + ".");
        const double Left = 40, Width = 550, Top = 10, Height = 120;
        var max = Math.Max(1, reports.Count == 0 ? 1 : reports.Max(r => r.Samples));
        var slot = Width / Math.Max(1, reports.Count);
        var bar = Math.Max(1, slot * 0.4);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" role=\"img\" aria-label=\"{Encode(label)}\" viewBox=\"0 0 600 150\" preserveAspectRatio=\"xMinYMid meet\">");
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{F(Left)}\" y1=\"{F(Top + Height)}\" x2=\"{F(Left + Width)}\" y2=\"{F(Top + Height)}\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Left - 4)}\" y=\"{F(Top + 10)}\" text-anchor=\"end\">{max}</text>");
        for (var i = 0; i < reports.Count; i++)
        {
            var r = reports[i];
            var x = Left + i * slot;
            var samples = r.Samples / (double)max * Height;
            var successes = r.Successes / (double)max * Height;
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"samples\" x=\"{F(x)}\" y=\"{F(Top + Height - samples)}\" width=\"{F(bar)}\" height=\"{F(samples)}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"successes\" x=\"{F(x + bar)}\" y=\"{F(Top + Height - successes)}\" width=\"{F(bar)}\" height=\"{F(successes)}\"/>");
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
