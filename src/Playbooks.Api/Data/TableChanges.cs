using System.Collections.Concurrent;

namespace Playbooks.Api.Data;

/// <summary>
/// Counts, per table, the changes SQLite's writer makes, so that a cache of rows read outside a
/// write can tell whether they are still the table's rows. Exact because one process owns a SQLite
/// file (docs/deployment.md) and all its writes go through <see cref="GroupCommit"/>, whose
/// connection reports every row it changes (SQLite's update hook).
/// <para>
/// A table's count turns odd when a transaction first updates or deletes one of its rows, and even
/// again, one higher, once that transaction has committed or failed, before any of its writes is
/// answered. Inserts leave it alone: they make no row read before them wrong. So a row read after
/// the count was seen even is the table's present row for as long as the count stays the same.
/// </para>
/// </summary>
public sealed class TableChanges
{
    private readonly ConcurrentDictionary<string, Count> counts = new(StringComparer.Ordinal);

    // The counts the writer's open transaction has made odd; only the writer touches this list.
    private readonly List<Count> unsettled = [];

    public Count Of(string table) => counts.GetOrAdd(table, _ => new Count());

    internal void Changing(string table)
    {
        var count = Of(table);
        if (!unsettled.Contains(count))
        {
            count.Advance();
            unsettled.Add(count);
        }
    }

    /// <summary>The writer's transaction has committed or failed: its changes are final either way.</summary>
    internal void Settle()
    {
        foreach (var count in unsettled)
        {
            count.Advance();
        }
        unsettled.Clear();
    }

    public sealed class Count
    {
        private long value;

        /// <summary>Read it before reading rows of the table; they hold while <see cref="Unchanged"/> says so.</summary>
        public long Now => Volatile.Read(ref value);

        /// <summary>No change was on its way when <paramref name="seen"/> was read, and none has begun since.</summary>
        public bool Unchanged(long seen) => (seen & 1) == 0 && Now == seen;

        internal void Advance() => Interlocked.Increment(ref value);
    }
}
