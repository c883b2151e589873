using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Playbooks.Client;

/// <summary>
/// The typed client for the whole Playbooks API, admin included (construct it with the admin key
/// as the token for those calls). Problems come back as <see cref="PlaybooksApiException"/>.
/// GET, PUT and DELETE retry transient failures with backoff; every POST carries an
/// <c>Idempotency-Key</c> (one is made when the caller gives none), so POSTs retry safely too.
/// </summary>
public sealed class PlaybooksClient : IDisposable
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string WorkspaceHeader = "X-Workspace-Id";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient http;
    private readonly bool ownsHttp;

    /// <summary>Over an <see cref="HttpClient"/> the caller set up (base address, auth, handlers).</summary>
    public PlaybooksClient(HttpClient http)
    {
        this.http = http;
    }

    private PlaybooksClient(HttpClient http, bool ownsHttp)
        : this(http) => this.ownsHttp = ownsHttp;

    /// <summary>A client for <paramref name="server"/> with a bearer token, an optional workspace, and retries.</summary>
    public static PlaybooksClient Create(Uri server, string token, string? workspaceId = null, TimeSpan? timeout = null)
    {
        var http = new HttpClient(CreateRetryingHandler(new SocketsHttpHandler())) { BaseAddress = server, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (!string.IsNullOrEmpty(workspaceId))
        {
            http.DefaultRequestHeaders.Add(WorkspaceHeader, workspaceId);
        }
        return new PlaybooksClient(http, ownsHttp: true);
    }

    /// <summary>
    /// Retries transient failures (connection errors, timeouts, 408, 429, 5xx) with exponential
    /// backoff and jitter, honouring Retry-After, but only for calls that are safe to repeat:
    /// GET, PUT, DELETE, and a POST that carries an Idempotency-Key.
    /// </summary>
    public static DelegatingHandler CreateRetryingHandler(HttpMessageHandler inner, int maxRetries = 3)
    {
        var retry = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = maxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
        };
        var transient = retry.ShouldHandle;
        retry.ShouldHandle = async args => IsSafeToRepeat(args.Context.GetRequestMessage()) && await transient(args);
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(retry).Build();
        return new ResilienceHandler(pipeline) { InnerHandler = inner };
    }

    private static bool IsSafeToRepeat(HttpRequestMessage? request) => request is not null
        && (request.Method == HttpMethod.Get || request.Method == HttpMethod.Put || request.Method == HttpMethod.Delete
            || (request.Method == HttpMethod.Post && request.Headers.Contains(IdempotencyKeyHeader)));

    /// <summary>
    /// When set, receives the body of every successful answer exactly as the API sent it (members,
    /// order, nulls, timestamps), before the typed method reads it: for a caller that shows the API's
    /// own JSON, such as the CLI's <c>--json</c>, without a second request.
    /// </summary>
    public Action<JsonNode>? BodyRead { get; set; }

    public void Dispose()
    {
        if (ownsHttp)
        {
            http.Dispose();
        }
    }

    // Playbooks

    public Task<Page<Playbook>> ListPlaybooksAsync(ListOptions? options = null, CancellationToken cancellationToken = default) =>
        PageAsync<Playbook>("v1/playbooks", "playbooks", options, cancellationToken);

    public IAsyncEnumerable<Playbook> ListAllPlaybooksAsync(ListOptions? options = null, CancellationToken cancellationToken = default) =>
        AllAsync<Playbook>("v1/playbooks", "playbooks", options, cancellationToken);

    public Task<Playbook> GetPlaybookAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<Playbook>(HttpMethod.Get, $"v1/playbooks/{Escape(id)}", "playbook", null, cancellationToken);

    /// <summary>Creates a playbook from a spec as the API takes it (see the field table).</summary>
    public Task<Playbook> CreatePlaybookAsync(JsonObject spec, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<Playbook>(HttpMethod.Post, "v1/playbooks", "playbook", Body(spec), cancellationToken, idempotencyKey);

    /// <summary>A partial update; with <paramref name="ifMatchVersion"/> it applies only over that version (else 412).</summary>
    public Task<Playbook> UpdatePlaybookAsync(string id, JsonObject patch, long? ifMatchVersion = null, CancellationToken cancellationToken = default) =>
        SendAsync<Playbook>(HttpMethod.Put, $"v1/playbooks/{Escape(id)}", "playbook", Body(patch), cancellationToken,
            configure: ifMatchVersion is { } version ? r => r.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\"")) : null);

    public Task DeletePlaybookAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<bool>(HttpMethod.Delete, $"v1/playbooks/{Escape(id)}", "ok", null, cancellationToken);

    public Task<Page<SpecVersion>> ListVersionsAsync(string playbookId, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        PageAsync<SpecVersion>($"v1/playbooks/{Escape(playbookId)}/versions", "versions", options, cancellationToken);

    public IAsyncEnumerable<SpecVersion> ListAllVersionsAsync(string playbookId, CancellationToken cancellationToken = default) =>
        AllAsync<SpecVersion>($"v1/playbooks/{Escape(playbookId)}/versions", "versions", null, cancellationToken);

    public Task<SpecVersion> GetVersionAsync(string playbookId, long version, CancellationToken cancellationToken = default) =>
        SendAsync<SpecVersion>(HttpMethod.Get, $"v1/playbooks/{Escape(playbookId)}/versions/{version}", "version", null, cancellationToken);

    // Runs

    public Task<Run> StartRunAsync(string playbookId, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<Run>(HttpMethod.Post, $"v1/playbooks/{Escape(playbookId)}/run", "run", null, cancellationToken, idempotencyKey);

    public Task<Page<Run>> ListRunsAsync(string playbookId, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        PageAsync<Run>($"v1/playbooks/{Escape(playbookId)}/runs", "runs", options, cancellationToken);

    public IAsyncEnumerable<Run> ListAllRunsAsync(string playbookId, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        AllAsync<Run>($"v1/playbooks/{Escape(playbookId)}/runs", "runs", options, cancellationToken);

    public Task<Run> GetRunAsync(string playbookId, string runId, CancellationToken cancellationToken = default) =>
        SendAsync<Run>(HttpMethod.Get, $"v1/playbooks/{Escape(playbookId)}/runs/{Escape(runId)}", "run", null, cancellationToken);

    /// <summary>A run by its id alone.</summary>
    public Task<Run> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        SendAsync<Run>(HttpMethod.Get, $"v1/runs/{Escape(runId)}", "run", null, cancellationToken);

    /// <summary>Ends a run as <c>completed</c>, <c>failed</c> or <c>cancelled</c>. Not retried: a second try would find it ended.</summary>
    public Task<Run> EndRunAsync(string playbookId, string runId, string status, string? note = null, CancellationToken cancellationToken = default) =>
        SendAsync<Run>(HttpMethod.Patch, $"v1/playbooks/{Escape(playbookId)}/runs/{Escape(runId)}", "run",
            JsonContent.Create(new { status, note }, options: Json), cancellationToken);

    public Task<Run> ReportOutcomeAsync(string playbookId, string runId, OutcomeReport report, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<Run>(HttpMethod.Post, $"v1/playbooks/{Escape(playbookId)}/runs/{Escape(runId)}/outcomes", "run",
            JsonContent.Create(report, options: Json), cancellationToken, idempotencyKey);

    /// <summary>Outcomes over time: <paramref name="bucket"/> is hour, day (default) or week.</summary>
    public Task<Stats> GetStatsAsync(string playbookId, string? bucket = null, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default) =>
        SendAsync<Stats>(HttpMethod.Get, $"v1/playbooks/{Escape(playbookId)}/stats" + Query(("bucket", bucket), ("from", Time(from)), ("to", Time(to))), null, null, cancellationToken);

    // Adaptation

    public Task<Evaluation> EvaluateAsync(string playbookId, CancellationToken cancellationToken = default) =>
        SendAsync<Evaluation>(HttpMethod.Get, $"v1/playbooks/{Escape(playbookId)}/adaptation", "evaluation", null, cancellationToken);

    /// <summary>Proposes a pivot; a guard that refuses it comes back as a 409 <see cref="PlaybooksApiException"/> with its code.</summary>
    public Task<PivotResult> PivotAsync(string playbookId, string reason, JsonObject strategy, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<PivotResult>(HttpMethod.Post, $"v1/playbooks/{Escape(playbookId)}/pivots", null,
            Body(new JsonObject { ["reason"] = reason, ["strategy"] = strategy.DeepClone() }), cancellationToken, idempotencyKey);

    // Demo

    /// <summary>
    /// Fills the workspace with the demo playbooks and four weeks of history (one ready to pivot
    /// now). A 409 <c>demo_exists</c> when the workspace has them already; 404 when the server has the demo off.
    /// </summary>
    public Task<DemoResult> DemoAsync(string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<DemoResult>(HttpMethod.Post, "v1/demo", null, null, cancellationToken, idempotencyKey);

    public Task<Page<Pivot>> ListPivotsAsync(string playbookId, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        PageAsync<Pivot>($"v1/playbooks/{Escape(playbookId)}/pivots", "pivots", options, cancellationToken);

    // Events

    /// <summary>
    /// One page of the workspace's events, oldest first, strictly after the event <paramref name="after"/>
    /// (from the oldest kept when null). <see cref="Page{T}.NextCursor"/> is null once the caller has caught up.
    /// </summary>
    public Task<Page<Event>> ListEventsAsync(string? after = null, IEnumerable<string>? types = null, int? limit = null, CancellationToken cancellationToken = default) =>
        PageAsync<Event>("v1/events" + EventQuery(after, types, limit), "events", cancellationToken);

    /// <summary>The events after <paramref name="after"/> that exist now, page after page; it ends once the caller has caught up.</summary>
    public async IAsyncEnumerable<Event> ListAllEventsAsync(
        string? after = null, IEnumerable<string>? types = null, int? pageSize = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = types?.ToList();
        while (true)
        {
            var page = await ListEventsAsync(after, filter, pageSize, cancellationToken);
            foreach (var item in page.Items)
            {
                yield return item;
            }
            if (page.NextCursor is null)
            {
                yield break;
            }
            after = page.NextCursor;
        }
    }

    /// <summary>
    /// The events after <paramref name="after"/>, then each new one as it is recorded, until cancelled: pages are read
    /// at once while more follow, and once caught up the feed is polled every <paramref name="interval"/> (default 2 s)
    /// with the last event seen as the cursor, so no event is skipped.
    /// </summary>
    public async IAsyncEnumerable<Event> FollowEventsAsync(
        string? after = null, IEnumerable<string>? types = null, TimeSpan? interval = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = types?.ToList();
        var wait = interval ?? TimeSpan.FromSeconds(2);
        while (true)
        {
            var page = await ListEventsAsync(after, filter, 1000, cancellationToken);
            foreach (var item in page.Items)
            {
                yield return item;
            }
            // With a type filter the next cursor can be past the last event returned; either way nothing is skipped.
            after = page.NextCursor ?? (page.Items.Count > 0 ? page.Items[^1].Id : after);
            if (page.NextCursor is null)
            {
                await Task.Delay(wait, cancellationToken);
            }
        }
    }

    public Task<Event> GetEventAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<Event>(HttpMethod.Get, $"v1/events/{Escape(id)}", "event", null, cancellationToken);

    // Webhooks

    /// <summary>
    /// Registers an endpoint; the answer holds its signing secret, which is shown only here and on
    /// rotation. Never retried: the server keeps no replay of an answer that holds a secret, so a
    /// retry would make a second endpoint.
    /// </summary>
    public Task<IssuedWebhook> CreateWebhookAsync(
        string url, IEnumerable<string>? events = null, string? description = null, bool? enabled = null, CancellationToken cancellationToken = default) =>
        SendAsync<IssuedWebhook>(HttpMethod.Post, "v1/webhooks", null,
            JsonContent.Create(new { url, events = events?.ToList(), description, enabled }, options: Json), cancellationToken, retried: false);

    public async Task<IReadOnlyList<Webhook>> ListWebhooksAsync(CancellationToken cancellationToken = default) =>
        await SendAsync<List<Webhook>>(HttpMethod.Get, "v1/webhooks", "webhooks", null, cancellationToken);

    public Task<Webhook> GetWebhookAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<Webhook>(HttpMethod.Get, $"v1/webhooks/{Escape(id)}", "webhook", null, cancellationToken);

    /// <summary>Changes the fields set in <paramref name="changes"/>; enabling again clears <see cref="Webhook.DisabledReason"/>.</summary>
    public Task<Webhook> UpdateWebhookAsync(string id, WebhookChanges changes, CancellationToken cancellationToken = default) =>
        SendAsync<Webhook>(HttpMethod.Patch, $"v1/webhooks/{Escape(id)}", "webhook", JsonContent.Create(changes, options: Json), cancellationToken);

    public Task DeleteWebhookAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<bool>(HttpMethod.Delete, $"v1/webhooks/{Escape(id)}", "ok", null, cancellationToken);

    /// <summary>A new signing secret; for 24 hours deliveries are signed with the old one too. Never retried, like creation.</summary>
    public Task<IssuedWebhook> RotateWebhookSecretAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<IssuedWebhook>(HttpMethod.Post, $"v1/webhooks/{Escape(id)}/rotate-secret", null, null, cancellationToken, retried: false);

    /// <summary>Queues a <c>webhook.ping</c> event for this endpoint only.</summary>
    public Task<Delivery> PingWebhookAsync(string id, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<Delivery>(HttpMethod.Post, $"v1/webhooks/{Escape(id)}/ping", "delivery", null, cancellationToken, idempotencyKey);

    /// <summary>One page of an endpoint's deliveries, newest first; <see cref="ListOptions.Status"/> is pending, succeeded or failed.</summary>
    public Task<Page<Delivery>> ListDeliveriesAsync(string webhookId, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        PageAsync<Delivery>($"v1/webhooks/{Escape(webhookId)}/deliveries", "deliveries", options, cancellationToken);

    public IAsyncEnumerable<Delivery> ListAllDeliveriesAsync(string webhookId, ListOptions? options = null, CancellationToken cancellationToken = default) =>
        AllAsync<Delivery>($"v1/webhooks/{Escape(webhookId)}/deliveries", "deliveries", options, cancellationToken);

    /// <summary>Sends a delivery's event to its endpoint again, as a new delivery.</summary>
    public Task<Delivery> RedeliverAsync(string webhookId, string deliveryId, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<Delivery>(HttpMethod.Post, $"v1/webhooks/{Escape(webhookId)}/deliveries/{Escape(deliveryId)}/redeliver", "delivery", null, cancellationToken, idempotencyKey);

    // Admin (the client's token is the admin key)

    public Task<Workspace> CreateWorkspaceAsync(string name, bool readOnly = false, CancellationToken cancellationToken = default) =>
        SendAsync<Workspace>(HttpMethod.Post, "v1/admin/workspaces", "workspace", JsonContent.Create(new { name, readOnly }, options: Json), cancellationToken);

    public IAsyncEnumerable<Workspace> ListAllWorkspacesAsync(CancellationToken cancellationToken = default) =>
        AllAsync<Workspace>("v1/admin/workspaces", "workspaces", null, cancellationToken);

    public Task<Workspace> UpdateWorkspaceAsync(string id, string? name = null, bool? readOnly = null, CancellationToken cancellationToken = default) =>
        SendAsync<Workspace>(HttpMethod.Patch, $"v1/admin/workspaces/{Escape(id)}", "workspace", JsonContent.Create(new { name, readOnly }, options: Json), cancellationToken);

    public Task<IssuedToken> CreateTokenAsync(string subject, IEnumerable<Grant> grants, DateTimeOffset? expiresAt = null, CancellationToken cancellationToken = default) =>
        SendAsync<IssuedToken>(HttpMethod.Post, "v1/admin/tokens", null,
            JsonContent.Create(new { subject, grants, expiresAt = Time(expiresAt) }, options: Json), cancellationToken);

    /// <summary>One page of every token issued, oldest first, revoked and expired ones included; never a secret.</summary>
    public Task<Page<Token>> ListTokensAsync(ListOptions? options = null, CancellationToken cancellationToken = default) =>
        PageAsync<Token>("v1/admin/tokens", "tokens", options, cancellationToken);

    public IAsyncEnumerable<Token> ListAllTokensAsync(CancellationToken cancellationToken = default) =>
        AllAsync<Token>("v1/admin/tokens", "tokens", null, cancellationToken);

    public Task RevokeTokenAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<bool>(HttpMethod.Delete, $"v1/admin/tokens/{Escape(id)}", "ok", null, cancellationToken);

    // The plumbing

    /// <summary>
    /// Sends one call and reads <paramref name="member"/> of the answer (the whole answer when null).
    /// Workspace POSTs get an Idempotency-Key: the caller's, or a new one that every retry of this call reuses;
    /// except those that are never retried (<paramref name="retried"/> false).
    /// </summary>
    private async Task<T> SendAsync<T>(
        HttpMethod method, string path, string? member, HttpContent? content, CancellationToken cancellationToken,
        string? idempotencyKey = null, Action<HttpRequestMessage>? configure = null, bool retried = true)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (retried && method == HttpMethod.Post && !path.StartsWith("v1/admin/", StringComparison.Ordinal))
        {
            request.Headers.Add(IdempotencyKeyHeader, idempotencyKey ?? Guid.NewGuid().ToString("N"));
        }
        configure?.Invoke(request);

        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await PlaybooksApiException.ReadAsync(response, cancellationToken);
        }
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        if (BodyRead is { } read)
        {
            read(JsonNode.Parse(document.RootElement.GetRawText())!);
        }
        var element = member is null ? document.RootElement : document.RootElement.GetProperty(member);
        return element.Deserialize<T>(Json)!;
    }

    private async Task<Page<T>> PageAsync<T>(string path, string member, ListOptions? options, CancellationToken cancellationToken)
    {
        var query = Query(
            ("limit", options?.Limit?.ToString(CultureInfo.InvariantCulture)), ("cursor", options?.Cursor),
            ("status", options?.Status), ("mode", options?.Mode), ("buddyId", options?.BuddyId));
        return await PageAsync<T>(path + query, member, cancellationToken);
    }

    private async Task<Page<T>> PageAsync<T>(string pathAndQuery, string member, CancellationToken cancellationToken)
    {
        var page = await SendAsync<JsonElement>(HttpMethod.Get, pathAndQuery, null, null, cancellationToken);
        var items = page.GetProperty(member).Deserialize<List<T>>(Json)!;
        return new Page<T>(items, page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null);
    }

    /// <summary>Every item of a list, page after page, following nextCursor.</summary>
    private async IAsyncEnumerable<T> AllAsync<T>(string path, string member, ListOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var current = options ?? new ListOptions();
        while (true)
        {
            var page = await PageAsync<T>(path, member, current, cancellationToken);
            foreach (var item in page.Items)
            {
                yield return item;
            }
            if (page.NextCursor is null)
            {
                yield break;
            }
            current = current with { Cursor = page.NextCursor };
        }
    }

    private static string EventQuery(string? after, IEnumerable<string>? types, int? limit)
    {
        var filter = types?.Where(t => t.Length > 0).ToList();
        return Query(("after", after), ("type", filter is { Count: > 0 } ? string.Join(",", filter) : null), ("limit", limit?.ToString(CultureInfo.InvariantCulture)));
    }

    private static StringContent Body(JsonNode node) => new(node.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static string? Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? "" : "?" + string.Join("&", present);
    }
}
