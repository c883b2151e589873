using System.Reflection;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Playbooks.Api.Dashboard;

/// <summary>
/// The web dashboard under <c>/app</c>: Razor Pages in this folder, rendered on the server, with
/// its one stylesheet embedded in the assembly. None of it is part of the API's description.
/// </summary>
public static class DashboardSetup
{
    private const string StylesheetResource = "Playbooks.Api.Dashboard.dashboard.css";

    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddDashboardAccess();
        services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Dashboard";
            options.Conventions.ConfigureFilter(new NeverFramed());
        });
        return services;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet("/", () => Results.Redirect("/app")).ExcludeFromDescription();
        var stylesheet = ReadStylesheet();
        app.MapGet("/app/dashboard.css", (HttpResponse response) =>
        {
            response.Headers.CacheControl = "public, max-age=3600";
            return Results.Text(stylesheet, "text/css; charset=utf-8");
        }).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// No page may show the dashboard in a frame, where a page of its own laid over it could lead a
    /// signed-in user to press a button they cannot see (clickjacking). The session cookie is
    /// SameSite=Strict, so another site's frame would not be signed in anyway; this says it to the
    /// browser outright: CSP frame-ancestors for today's browsers, X-Frame-Options for older ones.
    /// </summary>
    private sealed class NeverFramed : IAlwaysRunResultFilter
    {
        public void OnResultExecuting(ResultExecutingContext context)
        {
            var headers = context.HttpContext.Response.Headers;
            headers.ContentSecurityPolicy = "frame-ancestors 'none'";
            headers.XFrameOptions = "DENY";
        }

        public void OnResultExecuted(ResultExecutedContext context)
        {
        }
    }

    private static string ReadStylesheet()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(StylesheetResource)
            ?? throw new InvalidOperationException($"The resource {StylesheetResource} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
