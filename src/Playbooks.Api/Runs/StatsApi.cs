using Microsoft.AspNetCore.Http.HttpResults;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Runs;

public sealed record StatsBucket(DateTimeOffset Start, long Samples, long Successes, double Value, long RunsStarted);

public sealed record StatsResponse(string Bucket, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<StatsBucket> Buckets);

/// <summary>
/// A playbook's outcomes over time, for charts: every bucket from <c>from</c> to <c>to</c> (UTC
/// hours, days, or ISO weeks starting Monday), empty ones included, so they add up to the totals.
/// </summary>
public static class StatsApi
{
    public const int MaxBuckets = 1000;

    private sealed record BucketSize(long Milliseconds, long Origin, TimeSpan DefaultSpan);

    private static readonly Dictionary<string, BucketSize> Sizes = new()
    {
        ["hour"] = new(3_600_000, 0, TimeSpan.FromHours(48)),
        ["day"] = new(86_400_000, 0, TimeSpan.FromDays(30)),
        // 1970-01-05 was a Monday.
        ["week"] = new(604_800_000, 4 * 86_400_000, TimeSpan.FromDays(7 * 26)),
    };

    public static IReadOnlyCollection<string> BucketNames => Sizes.Keys;

    public static async Task<Results<Ok<StatsResponse>, ProblemHttpResult>> Get(
        string id, Caller caller, Database db, TimeProvider clock, string? from, string? to, string? bucket, CancellationToken ct)
    {
        var errors = new FieldErrors();
        bucket ??= "day";
        if (!Sizes.TryGetValue(bucket, out var size))
        {
            errors.Add("bucket", "must be one of: hour, day, week");
            size = Sizes["day"];
        }
        // By default everything reported so far counts, including what was reported this very millisecond.
        var end = ParseTime(to, "to", Timestamps.Now(clock).AddMilliseconds(1), errors);
        var start = ParseTime(from, "from", end - size.DefaultSpan, errors);
        if (errors.Count == 0 && start >= end)
        {
            errors.Add("from", "must be before to");
        }

        var first = Floor(start.ToUnixTimeMilliseconds(), size);
        var last = Floor(end.ToUnixTimeMilliseconds() - 1, size);
        var count = (last - first) / size.Milliseconds + 1;
        if (errors.Count == 0 && count > MaxBuckets)
        {
            errors.Add("from", $"spans {count} buckets; ask for at most {MaxBuckets}");
        }
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        await using var connection = await db.OpenAsync(ct);
        var (outcomes, runs) = await RunStore.StatsAsync(connection, caller.WorkspaceId, id, size.Origin, size.Milliseconds, first, last + size.Milliseconds);
        var byBucket = outcomes.ToDictionary(r => r.Bucket);
        var runsByBucket = runs.ToDictionary(r => r.Bucket, r => r.Runs);
        var buckets = new List<StatsBucket>((int)count);
        for (var at = first; at <= last; at += size.Milliseconds)
        {
            var index = (at - size.Origin) / size.Milliseconds;
            var row = byBucket.GetValueOrDefault(index);
            buckets.Add(new StatsBucket(
                Timestamps.FromMilliseconds(at), row?.Samples ?? 0, row?.Successes ?? 0, row?.Value ?? 0, runsByBucket.GetValueOrDefault(index)));
        }
        return TypedResults.Ok(new StatsResponse(bucket, Timestamps.FromMilliseconds(first), Timestamps.FromMilliseconds(last + size.Milliseconds), buckets));
    }

    private static long Floor(long ms, BucketSize size) => size.Origin + Math.DivRem(ms - size.Origin, size.Milliseconds, out var rest) * size.Milliseconds - (rest < 0 ? size.Milliseconds : 0);

    private static DateTimeOffset ParseTime(string? text, string name, DateTimeOffset fallback, FieldErrors errors)
    {
        if (text is null)
        {
            return fallback;
        }
        if (!Timestamps.TryParse(text, out var value) || value.Year < 2000 || value.Year > 9000)
        {
            errors.Add(name, "must be an ISO 8601 timestamp");
            return fallback;
        }
        return value;
    }
}
