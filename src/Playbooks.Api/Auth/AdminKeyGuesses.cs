using System.Threading.RateLimiting;

namespace Playbooks.Api.Auth;

/// <summary>
/// Failed admin authentications per client address: a bucket of 10 that refills one every 6
/// seconds. Once a client address has spent it, every admin call from there, right key or not,
/// answers 429 with <c>Retry-After</c> until the bucket refills, so the key cannot be guessed at
/// speed. Successful calls cost nothing.
/// </summary>
public sealed class AdminKeyGuesses : IDisposable
{
    public const int Burst = 10;
    public static readonly TimeSpan Refill = TimeSpan.FromSeconds(6);

    /// <summary>Where a refused request notes when the client may try again, for the problem answer.</summary>
    public const string RetryAfterItem = "Playbooks.AdminKeyRetryAfter";

    private readonly PartitionedRateLimiter<string> failures = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Burst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = Refill,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>
    /// The budget an address draws on: an IPv4 address (also when mapped into IPv6), or an IPv6
    /// address's /64, which one client usually holds whole. Behind a reverse proxy every request
    /// comes from the proxy unless forwarded headers are configured (docs/deployment.md).
    /// </summary>
    public static string PartitionOf(System.Net.IPAddress? address)
    {
        if (address is null)
        {
            return "";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        return Convert.ToHexString(bytes, 0, 8) + "/64";
    }

    /// <summary>Whether this address has failed too often to be heard now.</summary>
    public bool Blocked(string address) => failures.GetStatistics(address)?.CurrentAvailablePermits <= 0;

    /// <summary>Counts a failure; false when it is one too many.</summary>
    public bool Fail(string address)
    {
        using var lease = failures.AttemptAcquire(address);
        return lease.IsAcquired;
    }

    public void Dispose() => failures.Dispose();
}
