using System.Globalization;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Dashboard;

/// <summary>A spec as labelled fields, and the fields that differ between two versions.</summary>
public static class SpecDiff
{
    public sealed record Change(string Field, string Before, string After);

    public static IReadOnlyList<(string Field, string Value)> Fields(PlaybookSpec spec) =>
    [
        ("Name", spec.Name),
        ("Status", spec.Status),
        ("Mode", spec.Mode),
        ("Buddy", spec.BuddyId),
        ("Lead source", spec.LeadSource.Kind),
        ("Query", spec.LeadSource.Query ?? "—"),
        ("Sample size", Text(spec.LeadSource.SampleSize)),
        ("Strategy", spec.Strategy.Kind),
        ("Hypothesis", spec.Strategy.Hypothesis),
        ("Channels", spec.Strategy.Channels.Count == 0 ? "—" : string.Join(", ", spec.Strategy.Channels)),
        ("Success metric", spec.Strategy.SuccessMetric ?? "—"),
        ("Success target", spec.Strategy.SuccessTarget?.ToString(CultureInfo.InvariantCulture) ?? "—"),
        ("Adaptation enabled", spec.Adaptation.Enabled ? "yes" : "no"),
        ("Minimum sample size", Text(spec.Adaptation.MinSampleSize)),
        ("Pivot window (days)", Text(spec.Adaptation.PivotWindowDays)),
        ("Max pivots per week", Text(spec.Adaptation.MaxPivotsPerWeek)),
    ];

    public static IReadOnlyList<Change> Between(PlaybookSpec? before, PlaybookSpec after)
    {
        var now = Fields(after);
        if (before is null)
        {
            return now.Select(f => new Change(f.Field, "", f.Value)).ToList();
        }
        var then = Fields(before);
        return now.Zip(then).Where(p => p.First.Value != p.Second.Value).Select(p => new Change(p.First.Field, p.Second.Value, p.First.Value)).ToList();
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
