using System.Globalization;
using System.Text.Json;
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

    /// <summary>One line per event, so that a followed feed reads (and greps) like a log.</summary>
    public static string EventLine(Event e) =>
        $"{e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}  {e.Type,-24}  {e.Id}  {OneLine(EventSummary(e))}";

    /// <summary>What the event is about, in a few words: the resource's id and the change.</summary>
    public static string EventSummary(Event e)
    {
        string Text(params string[] path)
        {
            var node = e.Data;
            foreach (var name in path)
            {
                if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(name, out node))
                {
                    return "?";
                }
            }
            return node.ValueKind == JsonValueKind.String ? node.GetString()! : node.ToString();
        }
        return e.Type switch
        {
            EventTypes.PlaybookCreated => $"{Text("playbook", "id")} \"{Text("playbook", "name")}\"",
            EventTypes.PlaybookUpdated => $"{Text("playbook", "id")} version {Text("previousVersion")} -> {Text("playbook", "version")}",
            EventTypes.PlaybookDeleted => Text("playbookId"),
            EventTypes.RunStarted => $"{Text("run", "id")} of {Text("run", "playbookId")}",
            EventTypes.RunEnded => $"{Text("run", "id")} of {Text("run", "playbookId")} {Text("run", "status")}",
            EventTypes.AdaptationStateChanged => $"{Text("playbookId")} {Text("from")} -> {Text("to")}",
            EventTypes.PivotCreated => $"{Text("pivot", "id")} of {Text("playbook", "id")} version {Text("pivot", "fromVersion")} -> {Text("pivot", "toVersion")}",
            _ => e.Subject ?? "",
        };
    }

    // A name with a line break must not split an event over two lines.
    private static string OneLine(string text) => string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c));

    public static void Webhooks(IReadOnlyList<Webhook> webhooks)
    {
        var table = Table("id", "url", "events", "enabled", "description", "updated");
        foreach (var w in webhooks)
        {
            table.AddRow(w.Id, Markup.Escape(w.Url), Markup.Escape(WebhookEvents(w)), Enabled(w), Markup.Escape(w.Description ?? ""), Time(w.UpdatedAt));
        }
        Cli.Out.Write(table);
        Cli.Out.WriteLine($"{webhooks.Count} webhook(s)");
    }

    public static void Webhook(Webhook w)
    {
        var table = Table("field", "value");
        void Row(string field, string? value) => table.AddRow(field, Markup.Escape(value ?? ""));
        Row("id", w.Id);
        Row("url", w.Url);
        Row("events", WebhookEvents(w));
        Row("enabled", Enabled(w));
        Row("description", w.Description);
        Row("created", $"{Time(w.CreatedAt)} by {w.CreatedBy}");
        Row("updated", Time(w.UpdatedAt));
        Cli.Out.Write(table);
    }

    /// <summary>The webhook, then its secret with the warning that it is not shown again.</summary>
    public static void IssuedWebhook(IssuedWebhook issued)
    {
        Webhook(issued.Webhook);
        Cli.Out.WriteLine($"secret  {issued.Secret}");
        Cli.Out.WriteLine("The secret is shown only now: store it safely (rotate-secret makes a new one).");
    }

    private static string WebhookEvents(Webhook w) => w.Events.Count == 0 ? "all" : string.Join(", ", w.Events);

    private static string Enabled(Webhook w) => w.Enabled ? "yes" : w.DisabledReason is { } reason ? $"no ({reason})" : "no";

    public static void Deliveries(IReadOnlyList<Delivery> deliveries)
    {
        var table = Table("id", "event", "type", "status", "attempts", "last answer", "last attempt", "next attempt");
        foreach (var d in deliveries)
        {
            var answer = d.LastStatusCode is { } code ? code.ToString(CultureInfo.InvariantCulture) : "";
            if (d.LastError is { } error)
            {
                answer = answer.Length == 0 ? error : $"{answer} {error}";
            }
            table.AddRow(d.Id, d.EventId, d.EventType, d.Status, d.Attempts.ToString(CultureInfo.InvariantCulture), Markup.Escape(answer), Time(d.LastAttemptAt), Time(d.NextAttemptAt));
        }
        Cli.Out.Write(table);
        Cli.Out.WriteLine($"{deliveries.Count} deliver{(deliveries.Count == 1 ? "y" : "ies")}");
    }

    public static void Delivery(Delivery d) => Deliveries([d]);
}
