using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Auth;

/// <summary>The policies endpoints declare with <c>RequireAuthorization</c>.</summary>
public static class Policies
{
    /// <summary>An authenticated caller in a workspace it is granted.</summary>
    public const string Read = "read";

    /// <summary>Read, plus: the workspace is not read-only and the grant is an editor's.</summary>
    public const string Write = "write";

    /// <summary>The operator, by the admin key.</summary>
    public const string Admin = "admin";

    /// <summary>The rate limit of workspace endpoints: a token bucket per token.</summary>
    public const string PerToken = "per-token";
}

/// <summary>
/// Authentication, the rate limit and authorization, in the order of the contract's checks:
/// who is calling (401), too many requests (429), workspace context (400/403), mutation
/// permission (403). Existence, body validation and state are the endpoints' own.
/// </summary>
public static class AccessSetup
{
    private const string BearerScheme = "Bearer";
    public const string PermitsKey = "Playbooks:RateLimit:PermitsPerSecond";
    public const string BurstKey = "Playbooks:RateLimit:Burst";

    public static IServiceCollection AddPlaybooksAccess(this IServiceCollection services, IConfiguration configuration)
    {
        var jwt = JwtAuthentication.IsConfigured(configuration);
        services.AddAuthentication(BearerScheme)
            .AddPolicyScheme(BearerScheme, null, options =>
                options.ForwardDefaultSelector = context => jwt && JwtAuthentication.Presents(context.Request) ? JwtAuthentication.Scheme : ApiTokenAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthentication>(ApiTokenAuthentication.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthentication>(AdminKeyAuthentication.SchemeName, null)
            .AddPlaybooksJwt(configuration);

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Read, policy => policy.RequireAuthenticatedUser().AddRequirements(new WorkspaceAccess(write: false)))
            .AddPolicy(Policies.Write, policy => policy.RequireAuthenticatedUser().AddRequirements(new WorkspaceAccess(write: true)))
            .AddPolicy(Policies.Admin, policy => policy.AddAuthenticationSchemes(AdminKeyAuthentication.SchemeName).RequireAuthenticatedUser());
        services.AddSingleton<IAuthorizationHandler, WorkspaceAccess.Handler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AccessProblems>();
        services.AddSingleton<AccessCache>();
        services.AddSingleton<AdminKeyGuesses>();
        services.AddHostedService<AdminKeyAuthentication.StartCheck>();
        services.AddSingleton<TokenCheck>();
        services.AddHttpContextAccessor();
        services.AddScoped(provider => Caller.Of(provider.GetRequiredService<IHttpContextAccessor>().HttpContext!.User));

        var bucket = TokenBucket(configuration);
        return services.AddRateLimiter(limiter =>
        {
            // Keyed by what authentication verified, so a forged token cannot spend someone else's budget.
            limiter.AddPolicy(Policies.PerToken, http => http.User.FindFirst(PlaybooksClaims.RateLimitKey)?.Value is { } key
                ? RateLimitPartition.GetTokenBucketLimiter(key, _ => bucket)
                : RateLimitPartition.GetNoLimiter(""));
            limiter.OnRejected = async (context, _) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = (int)Math.Ceiling(Math.Max(retryAfter.TotalSeconds, 1));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ApiProblem.Create(StatusCodes.Status429TooManyRequests, "rate_limited", $"Too many requests for this token; retry after {seconds} s.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
    }

    public static WebApplication UsePlaybooksAccess(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary><c>Playbooks:RateLimit:PermitsPerSecond</c> (default 50) refilling a bucket of <c>Burst</c> (default 100).</summary>
    private static TokenBucketRateLimiterOptions TokenBucket(IConfiguration configuration)
    {
        var permitsPerSecond = Read(configuration, PermitsKey, 50);
        var burst = (int)Math.Max(1, Read(configuration, BurstKey, 100));
        // Under one permit a second, one permit comes back every 1/rate seconds.
        var (tokens, period) = permitsPerSecond >= 1
            ? ((int)permitsPerSecond, TimeSpan.FromSeconds(1))
            : (1, TimeSpan.FromSeconds(1 / permitsPerSecond));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

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
