using Playbooks.Api.Adaptation;
using Playbooks.Api.Auth;
using Playbooks.Api.Dashboard;
using Playbooks.Api.Data;
using Playbooks.Api.Demo;
using Playbooks.Api.Events;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Infrastructure.OpenApi;
using Playbooks.Api.Mcp;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;
using Playbooks.Api.Webhooks;

// A start that fails prints one line on stderr and exits with 1 (StartFailure).
return await StartFailure.RunAsync(async () =>
{
    var builder = WebApplication.CreateBuilder(args);

    builder.Logging.AddPlaybooksLogging();
    builder.Services.AddPlaybooksDatabase(builder.Configuration);
    builder.Services.AddPlaybooksApi();
    builder.Services.AddPlaybooksAccess(builder.Configuration);
    builder.Services.AddDashboard();
    builder.Services.AddPlaybooksWebhooks(builder.Configuration, builder.Environment);
    builder.Services.AddPlaybooksMcp();
    builder.Services.AddPlaybooksTelemetry(builder.Configuration);

    var app = builder.Build();

    app.UseProblemResponses();
    app.UsePlaybooksAccess();

    app.MapOperations();
    app.MapAdmin();
    app.MapPlaybooks();
    app.MapRuns();
    app.MapVersions();
    app.MapAdaptation();
    app.MapEvents();
    app.MapWebhooks();
    app.MapDashboard();
    app.MapPlaybooksMcp();
    app.MapDemo();

    if (!BuildTimeDocument.IsGenerating)
    {
        await app.Services.GetRequiredService<Database>().MigrateAsync(app.Lifetime.ApplicationStopping);
        await DevBootstrap.RunAsync(app);
    }

    await app.RunAsync();
});

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
