using System.Globalization;
using Playbooks.Client;
using Spectre.Console;

namespace Playbooks.Cli;

/// <summary>How things look to people: tables, and charts drawn with block characters.</summary>
public static class Output
{
    private const int BarWidth = 40;

    public static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";

    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Percent(double? fraction) => fraction is { } f ? (f * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "n/a";

    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(column));
        }
        return table;
    }

    public static void Playbooks(IReadOnlyList<Playbook> playbooks)
    {
        var table = Table("id", "name", "status", "mode", "buddy", "version", "updated");
        foreach (var p in playbooks)
        {
            table.AddRow(p.Id, Markup.Escape(p.Name), p.Status, p.Mode, p.BuddyId, p.Version.ToString(CultureInfo.InvariantCulture), Time(p.UpdatedAt));
        }
        Cli.Out.Write(table);
        Cli.Out.WriteLine($"{playbooks.Count} playbook(s)");
    }

    public static void Playbook(Playbook p)
    {
        var table = Table("field", "value");
        void Row(string field, string? value) => table.AddRow(field, Markup.Escape(value ?? ""));
        Row("id", p.Id);
        Row("name", p.Name);
        Row("status", p.Status);
        Row("mode", p.Mode);
        Row("buddy", p.BuddyId);
        Row("lead source", $"{p.LeadSource.Kind}, {p.LeadSource.SampleSize} leads" + (p.LeadSource.Query is { } q ? $", query {q}" : ""));
        Row("strategy", p.Strategy.Kind);
        Row("hypothesis", p.Strategy.Hypothesis);
        Row("channels", string.Join(", ", p.Strategy.Channels));
        Row("success", p.Strategy.SuccessMetric is null ? "no metric" : $"{p.Strategy.SuccessMetric}, target {(p.Strategy.SuccessTarget is { } t ? Number(t) : "none")}");
        Row("adaptation", p.Adaptation.Enabled
            ? $"on: {p.Adaptation.MinSampleSize} samples, {p.Adaptation.PivotWindowDays} days, {p.Adaptation.MaxPivotsPerWeek} pivots/week"
            : "off");
        Row("version", p.Version.ToString(CultureInfo.InvariantCulture));
        Row("created", $"{Time(p.CreatedAt)} by {p.CreatedBy}");
        Row("updated", Time(p.UpdatedAt));
        Cli.Out.Write(table);
    }

    public static void Runs(IReadOnlyList<Run> runs)
    {
        var table = Table("id", "version", "status", "samples", "successes", "metric", "started", "ended");
        foreach (var r in runs)
        {
            table.AddRow(r.Id, r.SpecVersion.ToString(CultureInfo.InvariantCulture), r.Status, r.Metrics.Samples.ToString(CultureInfo.InvariantCulture),
                r.Metrics.Successes.ToString(CultureInfo.InvariantCulture), Number(r.Metrics.MetricValue), Time(r.StartedAt), Time(r.EndedAt));
        }
        Cli.Out.Write(table);
        Cli.Out.WriteLine($"{runs.Count} run(s)");
    }

    public static void Run(Run r) => Runs([r]);

    /// <summary>The state, the numbers, and the evidence drawn against the target on one scale.</summary>
    public static void Evaluation(Evaluation e)
    {
        var isValue = e.Metric is "pipeline_arr" or "custom";
        string Measure(double? v) => v is null ? "n/a" : isValue ? Number(v.Value) + " per lead" : Percent(v);

        Cli.Out.WriteLine($"state      {e.State}");
        Cli.Out.WriteLine($"metric     {e.Metric ?? "none"}, target {(e.Target is { } t ? Number(t) : "none")} ({Measure(e.TargetPerSample)})");
        Cli.Out.WriteLine($"evidence   {e.Samples} samples, {e.Successes} successes{(isValue ? $", value {Number(e.Value)}" : "")} since version {e.StrategyVersion} ({Time(e.StrategySince)})");
        Cli.Out.WriteLine($"observed   {Measure(e.Observed)}");
        Cli.Out.WriteLine($"P(below)   {Percent(e.ProbabilityBelowTarget)}");
        if (e.EValueBelowTarget is { } evidence)
        {
            Cli.Out.WriteLine($"e-value    {Number(evidence)}{(evidence >= 20 ? " (strong evidence of being below target)" : "")}");
        }

        if (e.Interval is [var low, var high] && e.TargetPerSample is { } target && e.Observed is { } observed)
        {
            var scale = Math.Max(Math.Max(high, target), 1e-9) * 1.1;
            int At(double v) => Math.Clamp((int)Math.Round(v / scale * BarWidth), 0, BarWidth);
            var line = new char[BarWidth + 1];
            Array.Fill(line, ' ');
            for (var i = At(low); i <= At(high); i++)
            {
                line[i] = '─';
            }
            line[At(low)] = '[';
            line[At(high)] = ']';
            line[At(observed)] = '●';
            line[At(target)] = '|';
            Cli.Out.WriteLine();
            Cli.Out.WriteLine($"           0{new string(' ', BarWidth - 1)}{Measure(scale)}");
            Cli.Out.WriteLine($"evidence   {new string(line)}");
            Cli.Out.WriteLine($"           ● observed  [─] 95 % interval {Measure(low)} to {Measure(high)}  | target");
        }

        var p = e.Pivot;
        Cli.Out.WriteLine();
        Cli.Out.WriteLine($"pivot      {(p.Recommended ? "recommended" : "not recommended")}, {(p.Allowed ? "allowed now" : $"blocked by {p.BlockedBy}")}"
            + (p.NextPivotAllowedAt is { } next ? $" until {Time(next)}" : "")
            + $"; {p.PivotsLast7Days} of {p.MaxPivotsPerWeek} pivots used in the last 7 days");
    }

    /// <summary>Outcomes over time: one row per bucket with a bar for its samples and one for its successes.</summary>
    public static void Stats(Stats stats)
    {
        var maxSamples = Math.Max(1, stats.Buckets.Count == 0 ? 1 : stats.Buckets.Max(b => b.Samples));
        var table = Table(stats.Bucket, "runs", "samples", "successes", "value", "samples ▇  successes █");
        foreach (var b in stats.Buckets)
        {
            var samples = (int)Math.Round((double)b.Samples / maxSamples * BarWidth);
            var successes = (int)Math.Round((double)b.Successes / maxSamples * BarWidth);
            table.AddRow(Time(b.Start), b.RunsStarted.ToString(CultureInfo.InvariantCulture), b.Samples.ToString(CultureInfo.InvariantCulture),
                b.Successes.ToString(CultureInfo.InvariantCulture), Number(b.Value), new string('█', successes) + new string('▇', Math.Max(0, samples - successes)));
        }
        Cli.Out.Write(table);
        Cli.Out.WriteLine($"{stats.Buckets.Sum(b => b.Samples)} samples, {stats.Buckets.Sum(b => b.Successes)} successes, {stats.Buckets.Sum(b => b.RunsStarted)} runs from {Time(stats.From)} to {Time(stats.To)}");
    }
}
