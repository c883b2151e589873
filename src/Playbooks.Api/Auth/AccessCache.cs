using System.Collections.Concurrent;
using System.Diagnostics;

namespace Playbooks.Api.Auth;

/// <summary>
/// Keeps what authorizing a request reads (a token's row, a workspace's read-only flag) for two
/// seconds of real time, so most requests make one database round trip instead of three.
/// Revoking a token or changing a workspace drops its entry here at once; other instances see
/// the change within the lifetime, inside the five seconds the contract allows. Only successful
/// lookups are kept, and the cache is bounded, so unknown tokens cannot fill it.
/// </summary>
public sealed class AccessCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (TokenStore.Usable Token, long Until)> tokens = new();
    private readonly ConcurrentDictionary<string, (bool ReadOnly, long Until)> workspaces = new();

    public TokenStore.Usable? Token(string id) => tokens.TryGetValue(id, out var entry) && entry.Until > Now ? entry.Token : null;

    public bool? WorkspaceReadOnly(string id) => workspaces.TryGetValue(id, out var entry) && entry.Until > Now ? entry.ReadOnly : null;

    public void Keep(string tokenId, TokenStore.Usable token) => Keep(tokens, tokenId, (token, Now + LifetimeTicks));

    public void Keep(string workspaceId, bool readOnly) => Keep(workspaces, workspaceId, (readOnly, Now + LifetimeTicks));

    public void ForgetToken(string id) => tokens.TryRemove(id, out _);

    public void ForgetWorkspace(string id) => workspaces.TryRemove(id, out _);

    private static long Now => Stopwatch.GetTimestamp();

    private static readonly long LifetimeTicks = (long)(Lifetime.TotalSeconds * Stopwatch.Frequency);

    private static void Keep<T>(ConcurrentDictionary<string, T> entries, string key, T value)
    {
        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }
        entries[key] = value;
    }
}
