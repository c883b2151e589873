using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Operations;

/// <summary>With an OTLP endpoint configured, a real server process exports its traces and metrics there.</summary>
public sealed class TelemetryTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("playbooks-otel-").FullName;
    private readonly ConcurrentDictionary<string, int> received = new();
    private readonly TaskCompletionSource<bool> tracesAndMetrics = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> deliveryMetrics = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication collector = null!;

    public async Task InitializeAsync()
    {
        // A stand-in OTLP/HTTP collector: it counts what arrives on each signal's path.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        collector = builder.Build();
        collector.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            if (body.Length > 0)
            {
                received.AddOrUpdate(signal, 1, (_, n) => n + 1);
            }
            // OTLP protobuf keeps metric names as plain UTF-8.
            var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
            if (signal == "metrics" && text.Contains("playbooks.webhooks.attempts", StringComparison.Ordinal)
                && text.Contains("playbooks.webhooks.succeeded", StringComparison.Ordinal) && text.Contains("playbooks.webhooks.duration", StringComparison.Ordinal))
            {
                deliveryMetrics.TrySetResult(true);
            }
            if (received.ContainsKey("traces") && received.ContainsKey("metrics"))
            {
                tracesAndMetrics.TrySetResult(true);
            }
            return Results.Ok();
        });
        await collector.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await collector.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Traces_and_metrics_reach_the_configured_otlp_endpoint()
    {
        var endpoint = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        await using var server = await ServerProcess.StartAsync(directory, new Dictionary<string, string>
        {
            ["ConnectionStrings:Playbooks"] = $"Data Source={Path.Combine(directory, "playbooks.db")}",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client().GetAsync("/v1/playbooks")).StatusCode);
        }

        Assert.True(await tracesAndMetrics.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Webhook_deliveries_are_counted_and_timed_in_the_metrics()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var endpoint = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        const string AdminKey = "telemetry-admin-key";
        await using var server = await ServerProcess.StartAsync(directory, new Dictionary<string, string>
        {
            ["ConnectionStrings:Playbooks"] = $"Data Source={Path.Combine(directory, "webhooks.db")}",
            ["Playbooks:AdminKey"] = AdminKey,
            ["Playbooks:Webhooks:AllowPrivateNetworks"] = "true",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });
        var admin = server.Client(AdminKey);
        var workspace = await (await admin.PostAsJsonAsync("/v1/admin/workspaces", new { name = "Metrics" })).ExpectAsync(HttpStatusCode.Created);
        var token = await (await admin.PostAsJsonAsync("/v1/admin/tokens", new
        {
            subject = "ops",
            grants = new[] { new { workspaceId = workspace["workspace"]!.Id(), role = "editor" } },
        })).ExpectAsync(HttpStatusCode.Created);
        var client = server.Client(token.Str("secret"));
        await (await client.PostAsJsonAsync("/v1/webhooks", new { url = new Uri(receiver.Url, "/hook").ToString() })).ExpectAsync(HttpStatusCode.Created);
        await client.CreatePlaybookAsync();
        await receiver.NextAsync();

        Assert.True(await deliveryMetrics.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
