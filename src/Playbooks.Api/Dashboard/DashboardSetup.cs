using System.Reflection;

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
        services.AddRazorPages(options => options.RootDirectory = "/Dashboard");
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

    private static string ReadStylesheet()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(StylesheetResource)
            ?? throw new InvalidOperationException($"The resource {StylesheetResource} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
