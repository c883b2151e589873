using System.Globalization;

namespace Playbooks.Api.Dashboard;

/// <summary>How the pages write figures and times: invariant, UTC, the same on every machine.</summary>
public static class Show
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Time(DateTimeOffset? at) => at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", Invariant) : "—";

    public static string Time(long? milliseconds) => milliseconds is { } ms ? Time(DateTimeOffset.FromUnixTimeMilliseconds(ms)) : "—";

    /// <summary>For a <c>time</c> element's <c>datetime</c>: exact, for machines and assistive technology.</summary>
    public static string Iso(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", Invariant);

    public static string Number(double? value, int decimals = 3) => value is { } v ? Math.Round(v, decimals).ToString(Invariant) : "—";

    public static string Count(long value) => value.ToString("N0", Invariant);

    public static string Percent(double? value) => value is { } v ? (v * 100).ToString("0.0", Invariant) + " %" : "—";

    public static string State(string state) => state switch
    {
        "on_track" => "On track",
        "at_risk" => "At risk",
        "underperforming" => "Underperforming",
        "collecting" => "Collecting",
        "no_target" => "No target",
        "disabled" => "Adaptation off",
        _ => state,
    };
}
