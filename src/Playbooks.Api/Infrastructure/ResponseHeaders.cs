namespace Playbooks.Api.Infrastructure;

/// <summary>The headers every answer carries, and those of answers that carry a secret.</summary>
public static class ResponseHeaders
{
    /// <summary>
    /// Every answer, errors included (set as the headers go out, after the exception handler has
    /// cleared them): browsers never guess a content type. Kestrel sends no <c>Server</c> header
    /// (<see cref="ServiceSetup"/>), so nothing says what runs here.
    /// </summary>
    public static WebApplication UseResponseHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }

    /// <summary>An answer that carries a secret (a new token, a webhook's signing secret) is never kept by a cache.</summary>
    public static void NoStore(HttpResponse response) => response.Headers.CacheControl = "no-store";
}
