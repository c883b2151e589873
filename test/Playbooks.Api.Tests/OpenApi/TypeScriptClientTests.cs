using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.OpenApi;

/// <summary>
/// Issue 11: a TypeScript client generated from docs/openapi.json (openapi-typescript and
/// openapi-fetch) compiles the whole flow under tsc --strict and runs it against a real server.
/// The flow is test/openapi-clients/src/flow.ts.
/// </summary>
public sealed class TypeScriptClientTests : IDisposable
{
    // The document does not depend on the database provider, so one provider is enough here.
    private readonly PlaybooksApp app = new(Provider.Sqlite);

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task A_client_generated_from_the_document_runs_the_whole_flow_against_a_real_server()
    {
        await NodeProject.EnsureInstalledAsync();
        Assert.True(File.Exists(NodeProject.Document), $"{NodeProject.Document} is missing: the clients are generated from the committed document.");

        var generated = await NodeProject.RunPackageAsync("openapi-typescript/bin/cli.js", NodeProject.Document, "--output", "generated/schema.d.ts");
        Assert.True(generated.ExitCode == 0, $"openapi-typescript failed:\n{generated.Output}");
        var compiled = await NodeProject.RunPackageAsync("typescript/bin/tsc", "-p", "tsconfig.json");
        Assert.True(compiled.ExitCode == 0, $"The flow does not compile under tsc --strict against the document's types:\n{compiled.Output}");

        // Kestrel on a loopback port, so node reaches it over real HTTP; the server still reads
        // the test's clock, which the flow asks us to move (see flow.ts).
        app.UseKestrel(0);
        app.StartServer();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var tenant = await app.NewTenantAsync();

        var flow = await NodeProject.RunAsync(
            "node",
            ["dist/src/flow.js"],
            new Dictionary<string, string> { ["PLAYBOOKS_URL"] = address, ["PLAYBOOKS_TOKEN"] = tenant.Token },
            answer: line =>
            {
                if (line != "advance-clock 2d")
                {
                    return null;
                }
                app.Clock.Advance(TimeSpan.FromDays(2));
                return "advanced";
            });

        Assert.True(flow.ExitCode == 0, $"The TypeScript flow failed ({flow.ExitCode}):\n{flow.Output}");
        Assert.Contains("flow passed", flow.Stdout, StringComparison.Ordinal);
    }
}
