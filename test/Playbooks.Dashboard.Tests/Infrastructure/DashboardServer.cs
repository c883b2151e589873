using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Dashboard.Tests.Infrastructure;

/// <summary>
/// The server for one test class: its own SQLite database, on a real loopback port so the
/// browser reaches it. Tests isolate themselves further by each making a workspace of its own.
/// </summary>
public sealed class DashboardServer : IDisposable
{
    public DashboardServer()
    {
        // The webhook pages ping a receiver on loopback, which only private networks allowed lets through.
        App = new PlaybooksApp(Provider.Sqlite, settings: new Dictionary<string, string>
        {
            ["Playbooks:Webhooks:AllowPrivateNetworks"] = "true",
            ["Playbooks:Webhooks:PollInterval"] = "00:00:00.100",
        });
        // The browser keeps real time: a cookie whose expiry the test clock put in the past
        // would be dropped at once. The clock still moves only when a test moves it.
        App.Clock.SetUtcNow(TimeProvider.System.GetUtcNow());
        App.UseKestrel(0);
        App.StartServer();
        BaseUrl = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public PlaybooksApp App { get; }

    public string BaseUrl { get; }

    public void Dispose() => App.Dispose();
}
