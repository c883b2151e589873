using System.Globalization;
using System.Threading.RateLimiting;

namespace Playbooks.Api.Auth;

/// <summary>
/// A token bucket per token (<c>Playbooks:RateLimit:PermitsPerSecond</c>, default 50, and
/// <c>Playbooks:RateLimit:Burst</c>, default 100). Keyed by the token id only after the token
/// was verified, so a forged id cannot spend someone else's budget.
/// </summary>
public sealed class TokenRateLimiter : IDisposable
{
    public const string PermitsKey = "Playbooks:RateLimit:PermitsPerSecond";
    public const string BurstKey = "Playbooks:RateLimit:Burst";

    private readonly PartitionedRateLimiter<string> limiter;

    public TokenRateLimiter(IConfiguration configuration)
    {
        var permitsPerSecond = Read(configuration, PermitsKey, 50);
        var burst = (int)Math.Max(1, Read(configuration, BurstKey, 100));
        // Under one permit a second, one permit comes back every 1/rate seconds.
        var (tokens, period) = permitsPerSecond >= 1
            ? ((int)permitsPerSecond, TimeSpan.FromSeconds(1))
            : (1, TimeSpan.FromSeconds(1 / permitsPerSecond));
        limiter = PartitionedRateLimiter.Create<string, string>(tokenId => RateLimitPartition.GetTokenBucketLimiter(tokenId, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Null when the request may go on; otherwise when to try again.</summary>
    public TimeSpan? TryAcquire(string tokenId)
    {
        using var lease = limiter.AttemptAcquire(tokenId);
        if (lease.IsAcquired)
        {
            return null;
        }
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => limiter.Dispose();

    private static double Read(IConfiguration configuration, string key, double fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value > 0))
        {
            throw new InvalidOperationException($"{key} must be a number above 0, not '{text}'.");
        }
        return value;
    }
}
