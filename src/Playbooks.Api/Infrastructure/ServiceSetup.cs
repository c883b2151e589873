using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure.OpenApi;
using Scalar.AspNetCore;

namespace Playbooks.Api.Infrastructure;

/// <summary>The named pieces Program.cs puts together.</summary>
public static class ServiceSetup
{
    public const string ProviderKey = "Playbooks:Database:Provider";
    public const string ConnectionStringName = "Playbooks";

    public static IServiceCollection AddPlaybooksDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var providerName = configuration[ProviderKey];
        if (!Enum.TryParse<DatabaseProvider>(string.IsNullOrWhiteSpace(providerName) ? nameof(DatabaseProvider.Sqlite) : providerName, ignoreCase: true, out var provider))
        {
            throw new InvalidOperationException($"{ProviderKey} must be Sqlite or Postgres, not '{providerName}'.");
        }
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        // Made by a factory so that the container disposes it (and the PostgreSQL pool) at shutdown.
        services.AddSingleton(_ => new Database(provider, connectionString));
        // The Data Protection key ring (dashboard cookies, webhook secrets) lives in the store, shared by every instance.
        var dataProtection = services.AddDataProtection().SetApplicationName("Playbooks");
        if (BuildTimeDocument.IsGenerating)
        {
            // Writing the OpenAPI document at build time touches no database.
            dataProtection.UseEphemeralDataProtectionProvider();
        }
        else
        {
            services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
                .Configure<Database>((options, db) => options.XmlRepository = new DatabaseKeyRing(db));
        }
        return services;
    }

    /// <summary>Console logs, one line each with the request's scopes, secrets redacted.</summary>
    public static ILoggingBuilder AddPlaybooksLogging(this ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddConsole(options => options.FormatterName = RedactingConsoleFormatter.Name)
            .AddConsoleFormatter<RedactingConsoleFormatter, Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>(options => options.IncludeScopes = true);
        return logging;
    }

    public static IServiceCollection AddPlaybooksApi(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);
        services.AddScoped<Playbooks.FoundPlaybook>();
        services.AddSingleton<Playbooks.PlaybookCache>();
        if (!OpenApi.BuildTimeDocument.IsGenerating)
        {
            services.AddHostedService<Idempotency.Purge>();
        }
        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.Converters.Add(new Timestamps.JsonConverter());
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJson.Default);
        });
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ApiProblem.Complete);
        services.AddExceptionHandler<ResponseHeaders.AfterFailure>();
        services.AddPlaybooksOpenApi();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>Every error, including the framework's own 404/405 and any crash, answers as a problem.</summary>
    public static WebApplication UseProblemResponses(this WebApplication app)
    {
        app.UseResponseHeaders();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Playbooks.Api.ClientFailures");
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = StatusFor,
            // A failure the client caused (a body too slow or malformed at the HTTP level, a request it
            // abandoned) is not the server's: one line at Information, no stack trace, no error log.
            SuppressDiagnosticsCallback = context =>
            {
                if (!CausedByClient(context.Exception, context.HttpContext))
                {
                    return false;
                }
                log.LogInformation("{Method} {Path} ended by the client: {Reason}",
                    context.HttpContext.Request.Method, context.HttpContext.Request.Path, context.Exception.Message);
                return true;
            },
        });
        app.UseStatusCodePages();
        // Pages answer people: a dashboard address that answers an error without a page of its own
        // (a deleted playbook: 404) shows the dashboard's page for it, with the status kept. Inside the
        // problem pages above, so it answers first; before routing, so the re-executed request is routed.
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/app"),
            dashboard => dashboard.UseStatusCodePagesWithReExecute("/app/not-found"));
        app.UseRouting();
        return app;
    }

    public static WebApplication MapOperations(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapOpenApi("/openapi/{documentName}.json");
        // Everything /docs loads comes from this server (the package serves its own bundle); no
        // buttons or calls that lead to internet services. The tokens start empty for the user to paste.
        app.MapScalarApiReference("/docs", options => options
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .WithTitle("Playbooks API")
            .HideClientButton()
            .HideDeveloperTools()
            .DisableTelemetry()
            .DisableDefaultFonts()
            .DisableAgent()
            .DisableMcp()
            .WithCustomCss("a[href^='https://scalar.com'] { display: none; }")
            .AddPreferredSecuritySchemes([OpenApiSetup.ApiToken])
            .AddHttpAuthentication(OpenApiSetup.ApiToken, scheme => scheme.Token = "")
            .AddHttpAuthentication(OpenApiSetup.AdminKey, scheme => scheme.Token = ""));
        return app;
    }

    // A client that hangs up or sends a body Kestrel refuses is not a server fault.
    private static int StatusFor(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        OperationCanceledException or Microsoft.AspNetCore.Connections.ConnectionResetException => 499,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static bool CausedByClient(Exception exception, HttpContext context) =>
        exception is BadHttpRequestException or Microsoft.AspNetCore.Connections.ConnectionResetException
        || (exception is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested);
}
