using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Playbooks.Api.Data;

namespace Playbooks.Api.Playbooks;

/// <summary>
/// Playbooks as last read, kept between requests on the SQLite default: every request under
/// <c>/v1/playbooks/{id}</c> starts by finding its playbook (<see cref="PlaybookExists"/>), and
/// most of a get by id was that read. An entry is served only while the playbooks table is
/// unchanged since it was read (<see cref="TableChanges"/>): an update, pivot or delete anywhere
/// makes every entry old before it commits, so no answer given after a write's answer shows what
/// the write replaced. Changes to playbooks are rare next to reads of them (runs and outcome
/// reports change other tables); a workload that updates playbooks all the time reads from the
/// database, as it did before.
/// <para>
/// PostgreSQL has no cache: other instances write to it too, and this one cannot see their changes.
/// </para>
/// </summary>
public sealed class PlaybookCache(Database db, IOptions<JsonOptions> json) : IDisposable
{
    // What the entries may hold together, counted in characters of their text plus a fixed part
    // each: about 16 MB of strings, at least 1 800 playbooks of the largest size and usually many
    // more. Past it, the least recently used go.
    private const long Capacity = 8_000_000;
    private const int EntryOverhead = 256;

    private readonly TableChanges.Count? playbooksChanged = db.Changes?.Of("playbooks");
    private readonly MemoryCache entries = new(new MemoryCacheOptions { SizeLimit = Capacity });

    // A kept playbook is one object, never changed, shared by every request it serves: the answer
    // of a get by id is written once for it and goes when it goes.
    private readonly ConditionalWeakTable<PlaybookStore.Stored, byte[]> answers = new();

    /// <summary>The workspace's playbook <paramref name="id"/> as the database holds it now, or null.</summary>
    public async Task<PlaybookStore.Stored?> FindAsync(string workspaceId, string id, CancellationToken cancellationToken)
    {
        if (playbooksChanged is null)
        {
            return await PlaybookStore.FindAsync(db, workspaceId, id, cancellationToken);
        }

        var key = (workspaceId, id);
        if (entries.TryGetValue(key, out Entry? kept) && playbooksChanged.Unchanged(kept!.Seen))
        {
            return kept.Playbook;
        }

        var seen = playbooksChanged.Now;
        var found = await PlaybookStore.FindAsync(db, workspaceId, id, cancellationToken);
        if (found is not null && playbooksChanged.Unchanged(seen))
        {
            entries.Set(key, new Entry(seen, found), new MemoryCacheEntryOptions { Size = Weight(found) });
        }
        return found;
    }

    /// <summary>The body of <c>GET /v1/playbooks/{id}</c> for <paramref name="playbook"/>, as the API's JSON options write it.</summary>
    public byte[] AnswerOf(PlaybookStore.Stored playbook) =>
        playbooksChanged is null ? Answer(playbook) : answers.GetValue(playbook, Answer);

    private byte[] Answer(PlaybookStore.Stored playbook) =>
        JsonSerializer.SerializeToUtf8Bytes(new PlaybookEnvelope(playbook.ToResponse()), json.Value.SerializerOptions);

    private static long Weight(PlaybookStore.Stored playbook) =>
        EntryOverhead + playbook.Spec.Name.Length + playbook.Spec.Strategy.Hypothesis.Length
        + (playbook.Spec.LeadSource.Query?.Length ?? 0) + playbook.Spec.Strategy.Channels.Sum(channel => channel.Length);

    public void Dispose() => entries.Dispose();

    /// <summary>A playbook, and the count of changes to the table when it was read.</summary>
    private sealed record Entry(long Seen, PlaybookStore.Stored Playbook);
}
