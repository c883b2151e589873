namespace Playbooks.Api.Infrastructure;

/// <summary>The headers every answer carries, and those of answers that carry a secret.</summary>
public static class ResponseHeaders
{
    /// <summary>
    /// Every answer, errors included: browsers never guess a content type. Set before the request
    /// goes on, and again on every problem (<see cref="ApiProblem.Complete"/>), as the exception
    /// handler clears the headers before it writes one. (A callback run as the headers go out
    /// would cover both, but registering one cost a get by id about a sixth of its throughput.)
    /// Kestrel sends no <c>Server</c> header (<see cref="ServiceSetup"/>), so nothing says what runs here.
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

    public static void NoSniff(HttpResponse response) => response.Headers.XContentTypeOptions = "nosniff";

    /// <summary>An answer that carries a secret (a new token, a webhook's signing secret) is never kept by a cache.</summary>
    public static void NoStore(HttpResponse response) => response.Headers.CacheControl = "no-store";
}
