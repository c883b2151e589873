using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Playbooks.Api.Data;

namespace Playbooks.Api.Playbooks;

/// <summary>
/// Playbooks as last read, kept between requests on SQLite: every request under
/// <c>/v1/playbooks/{id}</c> starts by finding its playbook (<see cref="PlaybookExists"/>), and on
/// a get by id that read was most of the work. An entry is served only while the playbooks table
/// is unchanged since it was read (<see cref="TableChanges"/>), so nothing read after a write's
/// answer shows what the write replaced. PostgreSQL has none: other instances write to it too.
/// Why this is exact, and what it costs: docs/reliability.md, "Playbooks kept in memory".
/// </summary>
public sealed class PlaybookCache(Database db, IOptions<JsonOptions> json) : IDisposable
{
    // Bytes, as estimated by Weight: 32 MB holds the benchmark's 10 000 playbooks, or about 900
    // of the largest; past it the least recently used go.
    private const long Capacity = 32 * 1024 * 1024;
    private const int EntryOverhead = 1024;

    private readonly TableChanges.Count? playbooksChanged = db.Changes?.Of("playbooks");
    private readonly MemoryCache entries = new(new MemoryCacheOptions { SizeLimit = Capacity });

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
            var answer = Answer(found);
            entries.Set(key, new Entry(seen, found, answer), new MemoryCacheEntryOptions { Size = Weight(found, answer) });
        }
        return found;
    }

    /// <summary>
    /// The body of <c>GET /v1/playbooks/{id}</c> for <paramref name="playbook"/>: written once for a
    /// kept playbook (one object that nothing changes), otherwise now.
    /// </summary>
    public byte[] AnswerOf(PlaybookStore.Stored playbook) =>
        playbooksChanged is not null && entries.TryGetValue((playbook.WorkspaceId, playbook.Id), out Entry? kept) && ReferenceEquals(kept!.Playbook, playbook)
            ? kept.Answer
            : Answer(playbook);

    private byte[] Answer(PlaybookStore.Stored playbook) =>
        JsonSerializer.SerializeToUtf8Bytes(new PlaybookEnvelope(playbook.ToResponse()), json.Value.SerializerOptions);

    private static long Weight(PlaybookStore.Stored playbook, byte[] answer)
    {
        var spec = playbook.Spec;
        var characters = spec.Name.Length + spec.Strategy.Hypothesis.Length + (spec.LeadSource.Query?.Length ?? 0)
            + spec.Strategy.Channels.Sum(channel => channel.Length) + playbook.CreatedBy.Length;
        return EntryOverhead + 2L * characters + answer.Length;
    }

    public void Dispose() => entries.Dispose();

    /// <summary>A playbook, its answer, and the count of changes to the table seen before it was read.</summary>
    private sealed record Entry(long Seen, PlaybookStore.Stored Playbook, byte[] Answer);
}
