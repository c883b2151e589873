using System.Collections.Concurrent;
using System.Diagnostics;

namespace Playbooks.Api.Auth;

/// <summary>
/// Keeps what authorizing a request reads (a token's row, a workspace's read-only flag) for two
/// seconds of real time, so most requests make one database round trip instead of three.
/// Revoking a token or changing a workspace drops its entry here once the change has committed;
/// other instances see the change within the lifetime, inside the five seconds the contract
/// allows. Only successful lookups are kept, and the cache is bounded, so unknown tokens cannot
/// fill it.
/// </summary>
/// <remarks>
/// A lookup that read the database before a change committed must not keep its answer after the
/// change dropped the entry: it would stay stale for a whole lifetime. So every drop moves a
/// generation on, a lookup notes the generation before it reads (<see cref="Generation"/>), and
/// what it keeps is dropped again if the generation moved meanwhile. From the moment a revoking
/// or read-only call returns, this instance answers with the change.
/// </remarks>
public sealed class AccessCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (TokenStore.Usable Token, long Until)> tokens = new();
    private readonly ConcurrentDictionary<string, (bool ReadOnly, long Until)> workspaces = new();

    public TokenStore.Usable? Token(string id) => tokens.TryGetValue(id, out var entry) && entry.Until > Now ? entry.Token : null;

    public bool? WorkspaceReadOnly(string id) => workspaces.TryGetValue(id, out var entry) && entry.Until > Now ? entry.ReadOnly : null;

    private readonly Lock gate = new();
    private long generation;

    /// <summary>Noted before a lookup reads the database, and given back to <c>Keep</c>.</summary>
    public long Generation => Interlocked.Read(ref generation);

    public void Keep(string tokenId, TokenStore.Usable token, long readAt) => Keep(tokens, tokenId, (token, Now + LifetimeTicks), readAt);

    public void Keep(string workspaceId, bool readOnly, long readAt) => Keep(workspaces, workspaceId, (readOnly, Now + LifetimeTicks), readAt);

    /// <summary>Call once the revocation has committed.</summary>
    public void ForgetToken(string id) => Forget(tokens, id);

    /// <summary>Call once the change of the workspace has committed.</summary>
    public void ForgetWorkspace(string id) => Forget(workspaces, id);

    private void Forget<T>(ConcurrentDictionary<string, T> entries, string key)
    {
        lock (gate)
        {
            Interlocked.Increment(ref generation);
            entries.TryRemove(key, out _);
        }
    }

    private static long Now => Stopwatch.GetTimestamp();

    private static readonly long LifetimeTicks = (long)(Lifetime.TotalSeconds * Stopwatch.Frequency);

    private void Keep<T>(ConcurrentDictionary<string, T> entries, string key, T value, long readAt)
    {
        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }
        // Under the lock a drop takes too: a value read before a drop is never visible after it.
        lock (gate)
        {
            if (Generation == readAt)
            {
                entries[key] = value;
            }
        }
    }
}
