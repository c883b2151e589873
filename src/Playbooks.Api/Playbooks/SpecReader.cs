using System.Text.Json;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Playbooks;

/// <summary>
/// Turns a request body into a <see cref="PlaybookSpec"/>: on create over the defaults, on update
/// over the current spec (nested objects shallow-merge). Returns the spec only when it is valid.
/// </summary>
public static class SpecReader
{
    public static PlaybookSpec? Create(JsonElement body, FieldErrors errors) => Read(body, null, errors);

    public static PlaybookSpec? Update(JsonElement body, PlaybookSpec current, FieldErrors errors) => Read(body, current, errors);

    private static PlaybookSpec? Read(JsonElement body, PlaybookSpec? current, FieldErrors errors)
    {
        var fields = new JsonFields(body, "", errors);
        var name = fields.Text("name", current?.Name, SpecRules.NameMax, required: true, trim: true);
        var status = fields.Enum("status", current?.Status ?? SpecRules.DefaultStatus, SpecRules.Statuses, SpecRules.DefaultStatus);
        var mode = fields.Enum("mode", current?.Mode, SpecRules.Modes, null, required: true);
        var buddyId = fields.Enum("buddyId", current?.BuddyId, SpecRules.Buddies, null, required: true);
        var leadSource = ReadLeadSource(fields, current?.LeadSource ?? SpecRules.DefaultLeadSource);
        var strategy = ReadStrategy(fields, current?.Strategy);
        var adaptation = ReadAdaptation(fields, current?.Adaptation ?? SpecRules.DefaultAdaptation);

        return errors.Count == 0
            ? new PlaybookSpec(name!, status!, mode!, buddyId!, leadSource, strategy!, adaptation)
            : null;
    }

    private static LeadSource ReadLeadSource(JsonFields fields, LeadSource current)
    {
        switch (fields.Object("leadSource", out var lead))
        {
            case Presence.Null:
                return SpecRules.DefaultLeadSource;
            case Presence.Value:
                var defaults = SpecRules.DefaultLeadSource;
                return new LeadSource(
                    lead.Enum("kind", current.Kind, SpecRules.LeadSourceKinds, defaults.Kind)!,
                    lead.Text("query", current.Query, SpecRules.QueryMax, min: 0),
                    lead.Integer("sampleSize", current.SampleSize, 1, SpecRules.SampleSizeMax, defaults.SampleSize));
            default:
                return current;
        }
    }

    /// <summary>
    /// Strategy holds the required hypothesis, so it has no default: a missing or null strategy
    /// leaves the hypothesis missing, reported at <c>strategy.hypothesis</c>.
    /// </summary>
    private static Strategy? ReadStrategy(JsonFields fields, Strategy? current)
    {
        var presence = fields.Object("strategy", out var strategy);
        if (presence == Presence.Invalid)
        {
            return current;
        }
        if (presence == Presence.Null)
        {
            current = null;
        }
        if (presence != Presence.Value)
        {
            if (current is null)
            {
                fields.Errors.Add("strategy.hypothesis", "is required");
            }
            return current;
        }
        return ApplyStrategy(strategy, current);
    }

    /// <summary>
    /// Merges a (partial) strategy object over <paramref name="current"/>; also what a pivot applies.
    /// The target is checked against the merged metric, so a metric and a target that arrive in
    /// different requests are held to the same rule. A request without a strategy object does not
    /// come here, so a status change never fails on a target saved before the rule.
    /// </summary>
    public static Strategy? ApplyStrategy(JsonFields strategy, Strategy? current)
    {
        var hypothesis = strategy.Text("hypothesis", current?.Hypothesis, SpecRules.HypothesisMax, required: true);
        var kind = strategy.Enum("kind", current?.Kind ?? SpecRules.DefaultStrategyKind, SpecRules.StrategyKinds, SpecRules.DefaultStrategyKind)!;
        var channels = ReadChannels(strategy, current?.Channels ?? []);
        var metric = strategy.Enum("successMetric", current?.SuccessMetric, SpecRules.SuccessMetrics, null);
        var target = strategy.Number("successTarget", current?.SuccessTarget, 0);
        var targetPath = strategy.PathOf("successTarget");
        if (metric == "reply_rate" && target > SpecRules.ReplyRateTargetMax && !strategy.Errors.ContainsKey(targetPath))
        {
            strategy.Errors.Add(targetPath, "must be at most 100 for reply_rate (a percentage, or a fraction up to 1)");
        }
        return new Strategy(kind, hypothesis!, channels, metric, target);
    }

    private static IReadOnlyList<string> ReadChannels(JsonFields strategy, IReadOnlyList<string> current)
    {
        switch (strategy.Find("channels", out var value))
        {
            case Presence.Absent:
                return current;
            case Presence.Null:
                return [];
        }
        var path = strategy.PathOf("channels");
        if (value.ValueKind != JsonValueKind.Array)
        {
            strategy.Errors.Add(path, "must be an array of strings");
            return current;
        }
        if (value.GetArrayLength() > SpecRules.ChannelsMax)
        {
            strategy.Errors.Add(path, $"must have at most {SpecRules.ChannelsMax} items");
            return current;
        }
        var channels = new List<string>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (strategy.TextValue(item, $"{path}[{index++}]", null, SpecRules.ChannelMax) is { } channel)
            {
                channels.Add(channel);
            }
        }
        return channels;
    }

    private static Adaptation ReadAdaptation(JsonFields fields, Adaptation current)
    {
        switch (fields.Object("adaptation", out var adaptation))
        {
            case Presence.Null:
                return SpecRules.DefaultAdaptation;
            case Presence.Value:
                var defaults = SpecRules.DefaultAdaptation;
                return new Adaptation(
                    adaptation.Boolean("enabled", current.Enabled, defaults.Enabled),
                    adaptation.Integer("minSampleSize", current.MinSampleSize, 1, SpecRules.MinSampleSizeMax, defaults.MinSampleSize),
                    adaptation.Integer("pivotWindowDays", current.PivotWindowDays, 1, SpecRules.PivotWindowDaysMax, defaults.PivotWindowDays),
                    adaptation.Integer("maxPivotsPerWeek", current.MaxPivotsPerWeek, 0, SpecRules.MaxPivotsPerWeekMax, defaults.MaxPivotsPerWeek));
            default:
                return current;
        }
    }
}
