namespace Playbooks.Api.Infrastructure;

/// <summary>The headers every answer carries, and those of answers that carry a secret.</summary>
public static class ResponseHeaders
{
    /// <summary>
    /// Every answer, errors included: browsers never guess a content type. Set before the request
    /// goes on, and again after the exception handler has cleared the headers (<see cref="AfterFailure"/>).
    /// (A callback run as the headers go out would cover both, but registering one on every
    /// request cost a get by id about a sixth of its throughput.) Kestrel sends no <c>Server</c>
    /// header (<see cref="ServiceSetup"/>), so nothing says what runs here.
    /// </summary>
    public static WebApplication UseResponseHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            NoSniff(context.Response);
            return next(context);
        });
        return app;
    }

    private static void NoSniff(HttpResponse response) => response.Headers.XContentTypeOptions = "nosniff";

    /// <summary>
    /// Runs inside the exception handler, after it has cleared the response and before it writes
    /// the problem (or, when the client accepts no JSON, an empty answer): puts the header back.
    /// </summary>
    public sealed class AfterFailure : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
    {
        public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            NoSniff(httpContext.Response);
            return ValueTask.FromResult(false);
        }
    }

    /// <summary>An answer that carries a secret (a new token, a webhook's signing secret) is never kept by a cache.</summary>
    public static void NoStore(HttpResponse response) => response.Headers.CacheControl = "no-store";
}
