using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
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

    /// <summary>A count with its noun: "1 day", "2 days", "1 delivery", "3 deliveries".</summary>
    public static string Count(long n, string one, string? many = null) =>
        $"{n.ToString(CultureInfo.InvariantCulture)} {(n == 1 ? one : many ?? one + "s")}";

    /// <summary>A key-value table for one resource; long values wrap inside it.</summary>
    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(column));
        }
        return table;
    }

    /// <summary>
    /// A column of a list table. Ids and other fixed values are never cut; <paramref name="Shrinks"/>
    /// text is cut with "…" when the terminal is narrow; a column with a <paramref name="Drop"/> rank
    /// is left out (highest rank first) when cutting is not enough.
    /// </summary>
    public sealed record Column(string Header, bool Shrinks = false, int Drop = 0);

    private const int MinShrunk = 8;

    /// <summary>
    /// A list as a table that fits the terminal: text columns are cut, then optional columns dropped,
    /// and if it still does not fit each row is printed as a block of "field value" lines under its id.
    /// </summary>
    public static void Grid(IReadOnlyList<Column> columns, IReadOnlyList<string[]> rows, string empty, string? footer = null)
    {
        if (rows.Count == 0)
        {
            Cli.Out.WriteLine(empty);
            return;
        }
        var width = Cli.Out.Profile.Width;
        var shown = Enumerable.Range(0, columns.Count).ToList();
        int[] widths = columns.Select((c, i) => rows.Select(r => Cells(r[i])).Append(Cells(c.Header)).Max()).ToArray();
        int Total() => shown.Sum(i => widths[i]) + (3 * shown.Count) + 1;

        // Optional columns go first (highest rank first), then text is cut, widest column first.
        while (Total() > width && shown.Where(i => columns[i].Drop > 0).OrderByDescending(i => columns[i].Drop).FirstOrDefault(-1) is var drop and >= 0)
        {
            shown.Remove(drop);
        }
        while (Total() > width && shown.Where(i => columns[i].Shrinks && widths[i] > Math.Max(MinShrunk, Cells(columns[i].Header)))
                   .OrderByDescending(i => widths[i]).FirstOrDefault(-1) is var widest and >= 0)
        {
            widths[widest]--;
        }
        if (Total() > width)
        {
            Blocks(columns, rows, width);
            PrintFooter(footer);
            return;
        }

        var table = new Table().Border(TableBorder.Rounded);
        foreach (var i in shown)
        {
            table.AddColumn(new TableColumn(new Text(columns[i].Header)) { NoWrap = true });
        }
        foreach (var row in rows)
        {
            table.AddRow(shown.Select(i => (Spectre.Console.Rendering.IRenderable)new Text(Cut(row[i], widths[i]))));
        }
        Cli.Out.Write(table);
        PrintFooter(footer);
    }

    private static void PrintFooter(string? footer)
    {
        if (footer is not null)
        {
            Cli.Out.WriteLine(footer);
        }
    }

    /// <summary>The narrow layout: the first column (the id) on a line of its own, then one line per other field.</summary>
    private static void Blocks(IReadOnlyList<Column> columns, IReadOnlyList<string[]> rows, int width)
    {
        var label = columns.Skip(1).Max(c => Cells(c.Header));
        for (var r = 0; r < rows.Count; r++)
        {
            if (r > 0)
            {
                Cli.Out.WriteLine();
            }
            Console.Out.WriteLine(rows[r][0]);
            for (var i = 1; i < columns.Count; i++)
            {
                if (rows[r][i].Length > 0)
                {
                    Console.Out.WriteLine($"  {columns[i].Header.PadRight(label)}  {Cut(rows[r][i], Math.Max(MinShrunk, width - label - 4))}");
                }
            }
        }
    }

    /// <summary>How many terminal cells the text takes (wide characters take two).</summary>
    public static int Cells(string text) => text.GetCellWidth();

    /// <summary>Text cut to <paramref name="cells"/> terminal cells, ending in "…" when cut; one line always.</summary>
    public static string Cut(string text, int cells)
    {
        text = OneLine(text);
        if (Cells(text) <= cells)
        {
            return text;
        }
        var cut = new System.Text.StringBuilder();
        var used = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var w = Cells(rune.ToString());
            if (used + w > cells - 1)
            {
                break;
            }
            cut.Append(rune.ToString());
            used += w;
        }
        return cut.Append('…').ToString();
    }

    public static void Playbooks(IReadOnlyList<Playbook> playbooks) => Grid(
        [new("id"), new("name", Shrinks: true), new("status"), new("mode", Drop: 2), new("buddy", Drop: 3), new("version"), new("updated", Drop: 1)],
        playbooks.Select(p => new[] { p.Id, p.Name, p.Status, p.Mode, p.BuddyId, p.Version.ToString(CultureInfo.InvariantCulture), Time(p.UpdatedAt) }).ToList(),
        "No playbooks.", Count(playbooks.Count, "playbook"));

    public static void Playbook(Playbook p) => Fields(
        ("id", p.Id),
        ("name", p.Name),
        ("status", p.Status),
        ("mode", p.Mode),
        ("buddy", p.BuddyId),
        ("lead source", $"{p.LeadSource.Kind}, {Count(p.LeadSource.SampleSize, "lead")}" + (p.LeadSource.Query is { } q ? $", query {q}" : "")),
        ("strategy", p.Strategy.Kind),
        ("hypothesis", p.Strategy.Hypothesis),
        ("channels", string.Join(", ", p.Strategy.Channels)),
        ("success", p.Strategy.SuccessMetric is null ? "no metric" : $"{p.Strategy.SuccessMetric}, target {(p.Strategy.SuccessTarget is { } t ? Number(t) : "none")}"),
        ("adaptation", p.Adaptation.Enabled
            ? $"on: {Count(p.Adaptation.MinSampleSize, "sample")}, {Count(p.Adaptation.PivotWindowDays, "day")}, {Count(p.Adaptation.MaxPivotsPerWeek, "pivot")}/week"
            : "off"),
        ("version", p.Version.ToString(CultureInfo.InvariantCulture)),
        ("created", $"{Time(p.CreatedAt)} by {p.CreatedBy}"),
        ("updated", Time(p.UpdatedAt)));

    /// <summary>One object as a table of its fields, one row each; a null value shows empty.</summary>
    private static void Fields(params (string Field, string? Value)[] fields)
    {
        var table = Table("field", "value");
        foreach (var (field, value) in fields)
        {
            table.AddRow(new Text(field), new Text(value ?? ""));
        }
        Cli.Out.Write(table);
    }

    public static void Runs(IReadOnlyList<Run> runs) => Grid(
        [new("id"), new("version"), new("status"), new("samples"), new("successes"), new("metric", Drop: 1), new("measured by", Drop: 2), new("started", Drop: 4), new("ended", Drop: 3)],
        runs.Select(r => new[]
        {
            r.Id, r.SpecVersion.ToString(CultureInfo.InvariantCulture), r.Status, r.Metrics.Samples.ToString(CultureInfo.InvariantCulture),
            r.Metrics.Successes.ToString(CultureInfo.InvariantCulture), Number(r.Metrics.MetricValue), r.SuccessMetric ?? "successes", Time(r.StartedAt), Time(r.EndedAt),
        }).ToList(),
        "No runs.", Count(runs.Count, "run"));

    /// <summary>One run, every field: what measures it is shown even where the list has to drop it.</summary>
    public static void Run(Run r) => Fields(
    [
        ("id", r.Id),
        ("playbook", r.PlaybookId),
        ("version", r.SpecVersion.ToString(CultureInfo.InvariantCulture)),
        ("status", r.Status),
        ("samples", r.Metrics.Samples.ToString(CultureInfo.InvariantCulture)),
        ("successes", r.Metrics.Successes.ToString(CultureInfo.InvariantCulture)),
        ("metric", $"{Number(r.Metrics.MetricValue)}, measured by {r.SuccessMetric ?? "successes (no metric)"}"),
        ("started", $"{Time(r.StartedAt)} by {r.CreatedBy}"),
        ("ended", Time(r.EndedAt)),
        .. r.Note is { } note ? [("note", note)] : Array.Empty<(string, string?)>(),
    ]);

    /// <summary>Each version with what made it and which fields changed from the version before.</summary>
    public static void Versions(IReadOnlyList<SpecVersion> versions) => Grid(
        [new("version"), new("change"), new("changed fields", Shrinks: true), new("by", Shrinks: true, Drop: 1), new("at", Drop: 2), new("hypothesis", Shrinks: true, Drop: 3)],
        versions.Select((v, i) => new[]
        {
            v.Version.ToString(CultureInfo.InvariantCulture), v.Change,
            i == 0 && v.Version == 1 ? "(first version)" : i == 0 ? "" : ChangedFields(versions[i - 1].Spec, v.Spec) is { Count: > 0 } fields ? string.Join(", ", fields) : "(none)",
            v.CreatedBy, Time(v.CreatedAt), v.Spec.Strategy.Hypothesis,
        }).ToList(),
        "No versions.", Count(versions.Count, "version"));

    /// <summary>The paths of the spec's fields that differ, e.g. strategy.channels, adaptation.minSampleSize (a list counts as one field).</summary>
    public static List<string> ChangedFields(PlaybookSpec before, PlaybookSpec after)
    {
        var changed = new List<string>();
        void Compare(string path, JsonNode? a, JsonNode? b)
        {
            if (a is JsonObject x && b is JsonObject y)
            {
                foreach (var name in x.Select(p => p.Key).Union(y.Select(p => p.Key)))
                {
                    Compare(path.Length == 0 ? name : $"{path}.{name}", x[name], y[name]);
                }
            }
            else if (!JsonNode.DeepEquals(a, b))
            {
                changed.Add(path);
            }
        }
        Compare("", JsonSerializer.SerializeToNode(before, PlaybooksClient.Json), JsonSerializer.SerializeToNode(after, PlaybooksClient.Json));
        return changed;
    }

    public static void Pivots(IReadOnlyList<Pivot> pivots) => Grid(
        [new("id"), new("from"), new("to"), new("recommended"), new("P(below)", Drop: 2), new("at", Drop: 1), new("reason", Shrinks: true)],
        pivots.Select(p => new[]
        {
            p.Id, p.FromVersion.ToString(CultureInfo.InvariantCulture), p.ToVersion.ToString(CultureInfo.InvariantCulture),
            p.Evaluation.Recommended ? "yes" : "no", Percent(p.Evaluation.ProbabilityBelowTarget), Time(p.CreatedAt), p.Reason,
        }).ToList(),
        "No pivots.", Count(pivots.Count, "pivot"));

    /// <summary>The state, the numbers, and the evidence drawn against the target on one scale.</summary>
    public static void Evaluation(Evaluation e)
    {
        var isValue = e.Metric is "pipeline_arr" or "custom";
        string Measure(double? v) => v is null ? "n/a" : isValue ? Number(v.Value) + " per lead" : Percent(v);

        Cli.Out.WriteLine($"state      {e.State}");
        Cli.Out.WriteLine($"metric     {e.Metric ?? "none"}, target {(e.Target is { } t ? Number(t) : "none")} ({Measure(e.TargetPerSample)})");
        Cli.Out.WriteLine($"evidence   {Count(e.Samples, "sample")}, {Count(e.Successes, "success", "successes")}{(isValue ? $", value {Number(e.Value)}" : "")}");
        Cli.Out.WriteLine($"           since version {e.StrategyVersion} ({Time(e.StrategySince)})");
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
            Cli.Out.WriteLine($"interval   95 % from {Measure(low)} to {Measure(high)}");
            Cli.Out.WriteLine();
            Cli.Out.WriteLine($"           0{new string(' ', BarWidth - 1)}{Measure(scale)}");
            Cli.Out.WriteLine($"evidence   {new string(line)}");
            Cli.Out.WriteLine("           ● observed  [─] 95 % interval  | target");
        }

        var p = e.Pivot;
        Cli.Out.WriteLine();
        Cli.Out.WriteLine($"pivot      {(p.Recommended ? "recommended" : "not recommended")}, {(p.Allowed ? "allowed now" : $"blocked by {p.BlockedBy}")}");
        if (p.NextPivotAllowedAt is { } next)
        {
            Cli.Out.WriteLine($"           allowed again at {Time(next)}");
        }
        Cli.Out.WriteLine($"           {p.PivotsLast7Days} of {Count(p.MaxPivotsPerWeek, "pivot")} used in the last 7 days");
    }

    /// <summary>Outcomes over time: one row per bucket with a bar for its samples and one for its successes, as wide as the terminal allows.</summary>
    public static void Stats(Stats stats)
    {
        var total = $"{Count(stats.Buckets.Sum(b => b.Samples), "sample")}, {Count(stats.Buckets.Sum(b => b.Successes), "success", "successes")}, "
            + $"{Count(stats.Buckets.Sum(b => b.RunsStarted), "run")} from {Time(stats.From)} to {Time(stats.To)}";
        if (stats.Buckets.All(b => b.Samples == 0 && b.RunsStarted == 0))
        {
            Cli.Out.WriteLine($"No outcomes: {total}.");
            return;
        }
        var rows = stats.Buckets.Select(b => new[]
        {
            Time(b.Start), b.RunsStarted.ToString(CultureInfo.InvariantCulture), b.Samples.ToString(CultureInfo.InvariantCulture),
            b.Successes.ToString(CultureInfo.InvariantCulture), Number(b.Value), "",
        }).ToList();
        string[] headers = [stats.Bucket, "runs", "samples", "successes", "value", "chart"];
        var used = headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).Sum() + (3 * headers.Length) + 1;
        var barWidth = Math.Clamp(Cli.Out.Profile.Width - used, 5, BarWidth);
        var maxSamples = Math.Max(1, stats.Buckets.Max(b => b.Samples));
        for (var i = 0; i < rows.Count; i++)
        {
            var b = stats.Buckets[i];
            var samples = (int)Math.Round((double)b.Samples / maxSamples * barWidth);
            var successes = (int)Math.Round((double)b.Successes / maxSamples * barWidth);
            rows[i][5] = new string('█', successes) + new string('▇', Math.Max(0, samples - successes));
        }
        Grid([.. headers.Select(h => new Column(h))], rows, "", "▇ samples  █ successes");
        Cli.Out.WriteLine(total);
    }

    /// <summary>
    /// One line per event, so that a followed feed reads (and greps) like a log; when that line is wider
    /// than the terminal, what the event is about goes on a second, indented line.
    /// </summary>
    public static string EventLine(Event e)
    {
        var head = $"{e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}  {e.Type,-24}";
        var width = Cli.Out.Profile.Width;
        var summary = EventSummary(e, name => name);
        if (Cells(head) + 2 + Cells(e.Id) + 2 + Cells(summary) <= width)
        {
            return $"{head}  {e.Id}  {summary}";
        }
        // Narrow: only the playbook's name is cut, and lines break between words, so an id is never split.
        var room = width - 4 - Cells(EventSummary(e, _ => ""));
        var words = EventSummary(e, name => Cut(name, Math.Max(MinShrunk, room))).Split(' ');
        var lines = new List<string> { head };
        if (Cells(head) + 2 + Cells(e.Id) <= width)
        {
            lines[0] += "  " + e.Id;
        }
        else
        {
            lines[0] = head.TrimEnd();
            lines.Add("    " + e.Id);
        }
        lines.Add("   ");
        foreach (var word in words)
        {
            if (lines[^1].Length > 4 && Cells(lines[^1]) + 1 + Cells(word) > width)
            {
                lines.Add("   ");
            }
            lines[^1] += " " + word;
        }
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>What the event is about, in a few words: the resource's id and the change.</summary>
    public static string EventSummary(Event e) => EventSummary(e, name => name);

    private static string EventSummary(Event e, Func<string, string> name)
    {
        string Text(params string[] path)
        {
            var node = e.Data;
            foreach (var member in path)
            {
                if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(member, out node))
                {
                    return "?";
                }
            }
            return OneLine(node.ValueKind == JsonValueKind.String ? node.GetString()! : node.ToString());
        }
        return e.Type switch
        {
            EventTypes.PlaybookCreated => $"{Text("playbook", "id")} \"{name(Text("playbook", "name"))}\"",
            EventTypes.PlaybookUpdated => $"{Text("playbook", "id")} version {Text("previousVersion")} -> {Text("playbook", "version")}",
            EventTypes.PlaybookDeleted => Text("playbookId"),
            EventTypes.RunStarted => $"{Text("run", "id")} of {Text("run", "playbookId")}",
            EventTypes.RunEnded => $"{Text("run", "id")} of {Text("run", "playbookId")} {Text("run", "status")}",
            EventTypes.AdaptationStateChanged => $"{Text("playbookId")} {Text("from")} -> {Text("to")}",
            EventTypes.PivotCreated => $"{Text("pivot", "id")} of {Text("playbook", "id")} version {Text("pivot", "fromVersion")} -> {Text("pivot", "toVersion")}",
            _ => OneLine(e.Subject ?? ""),
        };
    }

    // A name with a line break must not split an event or a table row over two lines.
    private static string OneLine(string text) => string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c));

    public static void Webhooks(IReadOnlyList<Webhook> webhooks) => Grid(
        [new("id"), new("url", Shrinks: true), new("events", Shrinks: true), new("enabled"), new("description", Shrinks: true, Drop: 2), new("updated", Drop: 1)],
        webhooks.Select(w => new[] { w.Id, w.Url, WebhookEvents(w), Enabled(w), w.Description ?? "", Time(w.UpdatedAt) }).ToList(),
        "No webhooks.", Count(webhooks.Count, "webhook"));

    public static void Webhook(Webhook w) => Fields(
        ("id", w.Id),
        ("url", w.Url),
        ("events", WebhookEvents(w)),
        ("enabled", Enabled(w)),
        ("description", w.Description),
        ("created", $"{Time(w.CreatedAt)} by {w.CreatedBy}"),
        ("updated", Time(w.UpdatedAt)));

    /// <summary>The webhook, then its secret with the warning that it is not shown again.</summary>
    public static void IssuedWebhook(IssuedWebhook issued)
    {
        Webhook(issued.Webhook);
        Cli.Out.WriteLine($"secret  {issued.Secret}");
        Cli.Out.WriteLine("The secret is shown only now: store it safely (rotate-secret makes a new one).");
    }

    private static string WebhookEvents(Webhook w) => w.Events.Count == 0 ? "all" : string.Join(", ", w.Events);

    private static string Enabled(Webhook w) => w.Enabled ? "yes" : w.DisabledReason is { } reason ? $"no ({reason})" : "no";

    public static void Deliveries(IReadOnlyList<Delivery> deliveries) => Grid(
        [new("id"), new("event", Drop: 3), new("type"), new("status"), new("attempts"), new("last answer", Shrinks: true), new("last attempt", Drop: 2), new("next attempt", Drop: 1)],
        deliveries.Select(d =>
        {
            var answer = d.LastStatusCode is { } code ? code.ToString(CultureInfo.InvariantCulture) : "";
            if (d.LastError is { } error)
            {
                answer = answer.Length == 0 ? error : $"{answer} {error}";
            }
            return new[] { d.Id, d.EventId, d.EventType, d.Status, d.Attempts.ToString(CultureInfo.InvariantCulture), answer, Time(d.LastAttemptAt), Time(d.NextAttemptAt) };
        }).ToList(),
        "No deliveries.", Count(deliveries.Count, "delivery", "deliveries"));

    public static void Delivery(Delivery d) => Deliveries([d]);
}
