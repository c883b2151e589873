using Playbooks.Api.Infrastructure.OpenApi;

namespace Playbooks.Api.Webhooks;

public static class WebhookSetup
{
    public static IServiceCollection AddPlaybooksWebhooks(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var section = configuration.GetSection(WebhookOptions.Section);
        services.AddOptions<WebhookOptions>()
            .Configure(options => options.AllowPrivateNetworks = environment.IsDevelopment())
            .Bind(section)
            .Validate(options => options.Timeout > TimeSpan.Zero && options.Timeout <= TimeSpan.FromMinutes(1), $"{WebhookOptions.Section}:Timeout must be more than 0 and at most 00:01:00.")
            .Validate(options => options.PollInterval > TimeSpan.Zero, $"{WebhookOptions.Section}:PollInterval must be more than 0.")
            .Validate(options => options.Concurrency is > 0 and <= 256, $"{WebhookOptions.Section}:Concurrency must be 1 to 256.")
            .ValidateOnStart();
        services.AddSingleton<WebhookSecrets>();

        // No redirects, no proxy from the environment, and only public addresses unless allowed;
        // no request logging either: a webhook URL may carry a token in its path.
        services.AddHttpClient(DeliveryWorker.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebhookOptions>>().Value;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseProxy = false,
                    UseCookies = false,
                    ConnectTimeout = options.Timeout,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = NetworkGuard.Connect(options.AllowPrivateNetworks),
                };
            })
            .RemoveAllLoggers();

        if (!BuildTimeDocument.IsGenerating)
        {
            services.AddHostedService<DeliveryWorker>();
        }
        return services;
    }
}
