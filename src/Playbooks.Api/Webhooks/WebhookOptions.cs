namespace Playbooks.Api.Webhooks;

/// <summary><c>Playbooks:Webhooks</c>: how deliveries are made.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Playbooks:Webhooks";

    /// <summary>Allow URLs on loopback, private and link-local networks. Default: true in Development only.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long an endpoint has to answer an attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often an instance looks for work that another instance (or the clock) made due.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts made at once by one instance.</summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>An endpoint whose every delivery failed for this long is disabled.</summary>
    public static readonly TimeSpan FailingFor = TimeSpan.FromDays(5);

    /// <summary>The delays before each retry (events.md section 3); jitter adds up to a tenth.</summary>
    public static readonly TimeSpan[] RetryDelays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];
}
