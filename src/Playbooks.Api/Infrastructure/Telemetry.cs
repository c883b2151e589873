using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Playbooks.Api.Infrastructure;

/// <summary>
/// OpenTelemetry traces and metrics of every request (and the .NET runtime's metrics), exported
/// over OTLP when an endpoint is configured with the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
/// (and the other standard <c>OTEL_*</c> variables). Without one, nothing is collected.
/// </summary>
public static class Telemetry
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IServiceCollection AddPlaybooksTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration[EndpointKey]))
        {
            return services;
        }
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("playbooks-api"))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options => options.Filter = http => !http.Request.Path.StartsWithSegments("/healthz"))
                .AddOtlpExporter())
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddMeter("System.Runtime")
                .AddMeter(Webhooks.DeliveryWorker.MeterName)
                .AddOtlpExporter());
        return services;
    }
}
