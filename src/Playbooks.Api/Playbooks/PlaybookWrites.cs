using System.Text.Json;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Events;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Playbooks;

/// <summary>What saving a playbook came to.</summary>
public abstract record SaveResult
{
    public sealed record Saved(PlaybookStore.Stored Playbook) : SaveResult;

    public sealed record Invalid(FieldErrors Errors) : SaveResult;

    /// <summary>The version the caller asked to change is no longer the current one, which is <paramref name="Current"/>.</summary>
    public sealed record Conflict(PlaybookStore.Stored Current) : SaveResult;

    public sealed record NotFound : SaveResult;
}

/// <summary>
/// Creating and updating a playbook from a JSON body read by <see cref="SpecReader"/>: the one path
/// behind the API's handlers and the dashboard's form. Each change writes its event in its own transaction.
/// </summary>
public static class PlaybookWrites
{
    public static async Task<SaveResult> CreateAsync(JsonElement body, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (SpecReader.Create(body, errors) is not { } spec)
        {
            return new SaveResult.Invalid(errors);
        }

        var now = Timestamps.Now(clock);
        var playbook = new PlaybookStore.Stored(caller.WorkspaceId, Ids.New("pb_", now), spec, 1, now, now, caller.Subject);
        await db.WriteAsync(async (connection, transaction) =>
        {
            await PlaybookStore.InsertAsync(connection, transaction, playbook);
            await EventLog.AppendAsync(connection, transaction, caller.WorkspaceId, EventTypes.PlaybookCreated, caller.Subject, new PlaybookData(playbook.ToResponse()), now);
            return 0;
        }, ct);
        return new SaveResult.Saved(playbook);
    }

    /// <summary>
    /// Partial update with optimistic concurrency: the write succeeds only over the version it was
    /// merged onto. When <paramref name="versionAllowed"/> refuses the current version (If-Match),
    /// it is a conflict, because the caller asked to change exactly that version; otherwise a lost
    /// race merges again onto the newer version. An update that changes nothing writes nothing.
    /// </summary>
    public static async Task<SaveResult> UpdateAsync(
        JsonElement body, PlaybookStore.Stored current, Func<long, bool> versionAllowed, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        while (true)
        {
            var errors = new FieldErrors();
            if (SpecReader.Update(body, current.Spec, errors) is not { } spec)
            {
                return new SaveResult.Invalid(errors);
            }
            if (!versionAllowed(current.Version))
            {
                return new SaveResult.Conflict(current);
            }
            if (spec == current.Spec)
            {
                return new SaveResult.Saved(current);
            }

            var updated = current.Next(spec, Timestamps.Now(clock));
            var expected = current.Version;
            var written = await db.WriteAsync(async (connection, transaction) =>
            {
                if (!await PlaybookStore.UpdateAsync(connection, transaction, updated, expected, "update", caller.Subject))
                {
                    return false;
                }
                await EventLog.AppendAsync(
                    connection, transaction, caller.WorkspaceId, EventTypes.PlaybookUpdated, caller.Subject, new PlaybookUpdatedData(updated.ToResponse(), expected), updated.UpdatedAt);
                return true;
            }, ct);
            if (written)
            {
                return new SaveResult.Saved(updated);
            }

            if (await PlaybookStore.FindAsync(db, caller.WorkspaceId, current.Id, ct) is not { } newer)
            {
                return new SaveResult.NotFound();
            }
            current = newer;
        }
    }

    public static Task<bool> DeleteAsync(string id, Caller caller, Database db, TimeProvider clock, CancellationToken ct) =>
        db.WriteAsync(async (connection, transaction) =>
        {
            if (!await PlaybookStore.DeleteAsync(connection, transaction, caller.WorkspaceId, id))
            {
                return false;
            }
            await EventLog.AppendAsync(connection, transaction, caller.WorkspaceId, EventTypes.PlaybookDeleted, caller.Subject, new PlaybookDeletedData(id), Timestamps.Now(clock));
            return true;
        }, ct);
}
