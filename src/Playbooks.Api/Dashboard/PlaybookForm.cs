using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Dashboard;

/// <summary>
/// The playbook form's fields as the browser posts them. The form is turned into the JSON body the
/// API takes and read by the same <see cref="SpecReader"/>, so every rule and every message is the
/// API's own: a number that does not parse goes in as text and gets the API's "must be an integer".
/// </summary>
public sealed class PlaybookForm
{
    public string? Name { get; set; }
    public string? Status { get; set; }
    public string? Mode { get; set; }
    public string? BuddyId { get; set; }
    public string? LeadSourceKind { get; set; }
    public string? Query { get; set; }
    public string? SampleSize { get; set; }
    public string? StrategyKind { get; set; }
    public string? Hypothesis { get; set; }
    public string? Channels { get; set; }
    public string? SuccessMetric { get; set; }
    public string? SuccessTarget { get; set; }
    public bool AdaptationEnabled { get; set; }
    public string? MinSampleSize { get; set; }
    public string? PivotWindowDays { get; set; }
    public string? MaxPivotsPerWeek { get; set; }

    /// <summary>The version the form was loaded from: what an edit may change (If-Match).</summary>
    public long? Version { get; set; }

    public static PlaybookForm New()
    {
        var lead = SpecRules.DefaultLeadSource;
        var adaptation = SpecRules.DefaultAdaptation;
        return new PlaybookForm
        {
            Status = SpecRules.DefaultStatus,
            LeadSourceKind = lead.Kind,
            SampleSize = Text(lead.SampleSize),
            StrategyKind = SpecRules.DefaultStrategyKind,
            AdaptationEnabled = adaptation.Enabled,
            MinSampleSize = Text(adaptation.MinSampleSize),
            PivotWindowDays = Text(adaptation.PivotWindowDays),
            MaxPivotsPerWeek = Text(adaptation.MaxPivotsPerWeek),
        };
    }

    public static PlaybookForm From(PlaybookStore.Stored playbook)
    {
        var spec = playbook.Spec;
        return new PlaybookForm
        {
            Name = spec.Name,
            Status = spec.Status,
            Mode = spec.Mode,
            BuddyId = spec.BuddyId,
            LeadSourceKind = spec.LeadSource.Kind,
            Query = spec.LeadSource.Query,
            SampleSize = Text(spec.LeadSource.SampleSize),
            StrategyKind = spec.Strategy.Kind,
            Hypothesis = spec.Strategy.Hypothesis,
            Channels = string.Join('\n', spec.Strategy.Channels),
            SuccessMetric = spec.Strategy.SuccessMetric,
            SuccessTarget = spec.Strategy.SuccessTarget?.ToString(CultureInfo.InvariantCulture),
            AdaptationEnabled = spec.Adaptation.Enabled,
            MinSampleSize = Text(spec.Adaptation.MinSampleSize),
            PivotWindowDays = Text(spec.Adaptation.PivotWindowDays),
            MaxPivotsPerWeek = Text(spec.Adaptation.MaxPivotsPerWeek),
            Version = playbook.Version,
        };
    }

    /// <summary>The API's request body for these fields (a whole spec: on update, every field is sent).</summary>
    public JsonDocument ToJson()
    {
        var body = new JsonObject
        {
            ["name"] = Name ?? "",
            ["leadSource"] = Object(
                ("kind", Choice(LeadSourceKind)),
                ("query", string.IsNullOrEmpty(Query) ? null : Query),
                ("sampleSize", Number(SampleSize))),
            ["strategy"] = Object(
                ("kind", Choice(StrategyKind)),
                ("hypothesis", Hypothesis ?? ""),
                ("channels", new JsonArray((Channels ?? "").Split('\n').Select(c => c.Trim()).Where(c => c.Length > 0).Select(c => (JsonNode?)c).ToArray())),
                ("successMetric", Choice(SuccessMetric) is { } metric ? JsonValue.Create(metric) : null),
                ("successTarget", string.IsNullOrWhiteSpace(SuccessTarget) ? null : Number(SuccessTarget))),
            ["adaptation"] = Object(
                ("enabled", AdaptationEnabled),
                ("minSampleSize", Number(MinSampleSize)),
                ("pivotWindowDays", Number(PivotWindowDays)),
                ("maxPivotsPerWeek", Number(MaxPivotsPerWeek))),
        };
        // An unchosen select is a missing field, as in a body that leaves it out.
        if (Choice(Status) is { } status) body["status"] = status;
        if (Choice(Mode) is { } mode) body["mode"] = mode;
        if (Choice(BuddyId) is { } buddy) body["buddyId"] = buddy;
        return JsonDocument.Parse(body.ToJsonString());
    }

    private static JsonObject Object(params (string Key, JsonNode? Value)[] fields)
    {
        var node = new JsonObject();
        foreach (var (key, value) in fields)
        {
            // A blank optional field is left out, so it keeps its current value or default.
            if (value is not null || key is "query" or "successMetric" or "successTarget")
            {
                node[key] = value;
            }
        }
        return node;
    }

    private static string? Choice(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static JsonNode? Number(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var trimmed = text.Trim();
        if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
        {
            return whole;
        }
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            return real;
        }
        return trimmed;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What the form partial renders: the fields, the server's errors by field, and where it posts.</summary>
public sealed record PlaybookFormView(PlaybookForm Form, FieldErrors Errors, bool Editing)
{
    /// <summary>The messages for a field's path, and for the items under it (channels[3]).</summary>
    public IReadOnlyList<string> ErrorsFor(string path) => Errors
        .Where(e => e.Key == path || e.Key.StartsWith(path + "[", StringComparison.Ordinal) || e.Key.StartsWith(path + ".", StringComparison.Ordinal))
        .SelectMany(e => e.Key == path ? e.Value : e.Value.Select(m => $"{e.Key[(path.Length)..].TrimStart('.')} {m}"))
        .ToList();
}
