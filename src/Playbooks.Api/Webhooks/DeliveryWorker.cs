using Stopwatch = System.Diagnostics.Stopwatch;
using System.Diagnostics.Metrics;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Playbooks.Api.Data;
using Playbooks.Api.Events;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Webhooks;

/// <summary>
/// Delivers events in the background (events.md section 3). Two steps, each its own short
/// transaction, so a hard kill anywhere loses nothing:
/// <list type="number">
/// <item>dispatch: the events after the dispatch cursor become one pending delivery per matching
/// enabled endpoint, and the cursor moves, in one transaction;</item>
/// <item>attempts: due deliveries are leased to this instance, attempted outside any transaction,
/// and their outcome recorded. A lease that runs out (its instance died) makes the attempt due
/// again: at least once, never twice at the same time.</item>
/// </list>
/// On PostgreSQL several instances share both steps with <c>FOR UPDATE SKIP LOCKED</c>.
/// </summary>
public sealed class DeliveryWorker(
    Database db, WebhookSecrets secrets, IHttpClientFactory httpClients, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<DeliveryWorker> logger)
    : BackgroundService
{
    public const string HttpClientName = "webhooks";
    public const string MeterName = "Playbooks.Webhooks";

    // Small batches: on SQLite each dispatch holds the one write lock the API's writes wait for.
    private const int DispatchBatch = 100;
    private const int PurgeBatch = 1000;
    private const int ErrorMax = 500;

    // Under a stream of writes, dispatch at most this often, so that the dispatcher's own
    // transactions stay few beside the API's.
    private static readonly TimeSpan DispatchPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromHours(1);

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Attempted = Meter.CreateCounter<long>("playbooks.webhooks.attempts", description: "Delivery attempts made");
    private static readonly Counter<long> Succeeded = Meter.CreateCounter<long>("playbooks.webhooks.succeeded", description: "Attempts answered with a 2xx");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("playbooks.webhooks.failed", description: "Attempts that failed");
    private static readonly Histogram<double> Latency = Meter.CreateHistogram<double>("playbooks.webhooks.duration", unit: "ms", description: "How long an attempt took");

    private readonly WebhookOptions settings = options.Value;
    // Attempts still running at shutdown release their slot late, so it is never disposed.
    private readonly SemaphoreSlim slots = new(options.Value.Concurrency, options.Value.Concurrency);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var purgedAt = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var dispatched = await DispatchAsync(stoppingToken);
                var started = await StartDueAsync(stoppingToken);
                // The purge is dated by the time it purged up to, read once: a later reading could
                // pass over a span that this purge never covered.
                var now = clock.GetUtcNow();
                if (now - purgedAt > PurgeEvery && await PurgeAsync(now, stoppingToken))
                {
                    purgedAt = now;
                }
                if (dispatched > 0 || started > 0)
                {
                    await Task.Delay(DispatchPause, stoppingToken);
                }
                else
                {
                    await db.WaitForCommitAsync(settings.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database may be away for a moment; everything is still in it.
                logger.LogWarning(e, "Webhook delivery round failed; trying again");
                await Task.Delay(settings.PollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private sealed class Cursor
    {
        public long Tx { get; init; }
        public long Seq { get; init; }
    }

    /// <summary>Turns new events into deliveries; returns how many events it dispatched.</summary>
    private async Task<int> DispatchAsync(CancellationToken ct)
    {
        // A look without the write lock first: most rounds find nothing new.
        await using (var connection = await db.OpenAsync(ct))
        {
            var cursor = await connection.QuerySingleAsync<Cursor>("SELECT tx, seq FROM event_dispatch WHERE id = 1");
            if (!await connection.ExecuteScalarAsync<bool>(
                $"SELECT EXISTS (SELECT 1 FROM events WHERE webhook_id IS NULL AND (tx, seq) > (@Tx, @Seq){EventLog.Settled(connection)})", cursor))
            {
                return 0;
            }
        }

        var now = Timestamps.Now(clock);
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var skipLocked = connection is SqliteConnection ? "" : " FOR UPDATE SKIP LOCKED";
            if (await connection.QuerySingleOrDefaultAsync<Cursor>($"SELECT tx, seq FROM event_dispatch WHERE id = 1{skipLocked}", transaction: transaction) is not { } cursor)
            {
                return 0; // Another instance is dispatching right now.
            }
            var events = (await connection.QueryAsync<EventLog.Row>(
                $"""
                SELECT tx, seq, workspace_id, id, type FROM events
                WHERE webhook_id IS NULL AND (tx, seq) > (@Tx, @Seq){EventLog.Settled(connection)}
                ORDER BY tx, seq LIMIT {DispatchBatch}
                """, cursor, transaction)).ToList();
            if (events.Count == 0)
            {
                return 0;
            }

            var endpoints = new Dictionary<string, List<WebhookStore.Row>>();
            foreach (var e in events)
            {
                if (!endpoints.TryGetValue(e.WorkspaceId, out var workspaceEndpoints))
                {
                    workspaceEndpoints = (await WebhookStore.ListAsync(connection, e.WorkspaceId, transaction)).Where(w => w.Enabled).ToList();
                    endpoints[e.WorkspaceId] = workspaceEndpoints;
                }
                foreach (var endpoint in workspaceEndpoints.Where(w => w.Wants(e.Type)))
                {
                    await WebhookStore.InsertDeliveryAsync(connection, transaction, e.WorkspaceId, endpoint.Id, e.Id, e.Type, now);
                }
            }
            await connection.ExecuteAsync(
                "UPDATE event_dispatch SET tx = @Tx, seq = @Seq WHERE id = 1", new { events[^1].Tx, events[^1].Seq }, transaction);
            return events.Count;
        }, ct);
    }

    /// <summary>Leases as many due deliveries as there are free slots and starts their attempts.</summary>
    private async Task<int> StartDueAsync(CancellationToken ct)
    {
        var free = slots.CurrentCount;
        if (free == 0)
        {
            return 0;
        }
        var now = Timestamps.Now(clock).ToUnixTimeMilliseconds();
        await using (var connection = await db.OpenAsync(ct))
        {
            if (!await connection.ExecuteScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM deliveries WHERE status = 'pending' AND next_attempt_at <= @now AND leased_until < @now)", new { now }))
            {
                return 0;
            }
        }
        // Long enough for any attempt to finish or time out; after that another instance may take it.
        var leaseUntil = now + (long)(settings.Timeout * 2 + TimeSpan.FromSeconds(30)).TotalMilliseconds;
        var claimed = await db.WriteAsync((connection, transaction) => WebhookStore.ClaimDueAsync(connection, transaction, now, leaseUntil, free), ct);
        foreach (var delivery in claimed)
        {
            await slots.WaitAsync(ct);
            _ = Task.Run(async () =>
            {
                try
                {
                    await AttemptAsync(delivery, ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    // The lease runs out and the attempt is made again.
                    logger.LogWarning(e, "Recording delivery {DeliveryId} failed", delivery.Id);
                }
                finally
                {
                    slots.Release();
                }
            }, CancellationToken.None);
        }
        return claimed.Count;
    }

    private async Task AttemptAsync(WebhookStore.DeliveryRow delivery, CancellationToken ct)
    {
        EventLog.Row? evt;
        WebhookStore.Row? webhook;
        await using (var connection = await db.OpenAsync(ct))
        {
            evt = await EventLog.FindAsync(connection, delivery.WorkspaceId, delivery.EventId);
            webhook = await WebhookStore.FindAsync(connection, delivery.WorkspaceId, delivery.WebhookId);
        }
        var now = Timestamps.Now(clock);
        if (webhook is null)
        {
            return; // Deleted with its deliveries meanwhile.
        }
        if (evt is null || (!webhook.Enabled && delivery.EventType != EventTypes.WebhookPing))
        {
            var why = evt is null ? "the event is no longer kept" : "the endpoint is disabled";
            await db.WriteAsync((connection, transaction) => WebhookStore.RecordAttemptAsync(
                connection, transaction, delivery, DeliveryStatuses.Failed, now.ToUnixTimeMilliseconds(), null, why, null), ct);
            return;
        }

        var (statusCode, error, elapsed) = await SendAsync(webhook, evt, now, ct);
        Attempted.Add(1);
        Latency.Record(elapsed.TotalMilliseconds);
        var succeeded = statusCode is >= 200 and < 300;
        (succeeded ? Succeeded : Failed).Add(1);

        var attempts = delivery.Attempts + 1;
        var gone = statusCode == StatusCodes.Status410Gone;
        var retry = !succeeded && !gone && attempts <= WebhookOptions.RetryDelays.Length;
        var status = succeeded ? DeliveryStatuses.Succeeded : retry ? DeliveryStatuses.Pending : DeliveryStatuses.Failed;
        long? next = retry ? (now + Jittered(WebhookOptions.RetryDelays[attempts - 1])).ToUnixTimeMilliseconds() : null;
        await db.WriteAsync(async (connection, transaction) =>
        {
            var at = now.ToUnixTimeMilliseconds();
            if (await WebhookStore.RecordAttemptAsync(connection, transaction, delivery, status, at, statusCode, error, next) == 0)
            {
                return 0; // The lease ran out and another instance took the attempt over.
            }
            if (succeeded)
            {
                await WebhookStore.RecordEndpointSuccessAsync(connection, transaction, delivery.WorkspaceId, delivery.WebhookId);
            }
            else if (gone)
            {
                await WebhookStore.DisableAsync(connection, transaction, delivery.WorkspaceId, delivery.WebhookId, DisabledReasons.Gone, at);
            }
            else if (webhook.Enabled)
            {
                // A ping to a disabled endpoint keeps why it was disabled.
                await WebhookStore.RecordEndpointFailureAsync(
                    connection, transaction, delivery.WorkspaceId, delivery.WebhookId, at, (now - WebhookOptions.FailingFor).ToUnixTimeMilliseconds());
            }
            return 1;
        }, ct);
        logger.LogInformation(
            "Delivery {DeliveryId} of {EventId} to webhook {WebhookId}: attempt {Attempt} {Outcome}",
            delivery.Id, delivery.EventId, delivery.WebhookId, attempts, statusCode is { } code ? $"HTTP {code}" : error);
    }

    /// <summary>One POST in the Standard Webhooks format; the status code, or why there was none.</summary>
    private async Task<(int? StatusCode, string? Error, TimeSpan Elapsed)> SendAsync(WebhookStore.Row webhook, EventLog.Row evt, DateTimeOffset now, CancellationToken ct)
    {
        var body = evt.ToJsonBytes();
        // The receiver checks the timestamp against its own clock: it is always the wall clock's.
        var timestamp = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        var keys = new List<string>();
        try
        {
            keys.Add(secrets.Unprotect(webhook.Secret));
            if (webhook.PreviousSecret is { } previous && webhook.PreviousExpiresAt > now.ToUnixTimeMilliseconds())
            {
                keys.Add(secrets.Unprotect(previous));
            }
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // The key ring lost the key that protected it: an attempt that fails, and says why.
            return (null, "the signing secret cannot be read (Data Protection key ring); rotate the secret", TimeSpan.Zero);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("webhook-id", evt.Id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSecrets.Sign(keys, evt.Id, timestamp, body));
        request.Headers.UserAgent.ParseAdd("Playbooks-Webhooks/1");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.Timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var client = httpClients.CreateClient(HttpClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            return (code, code is >= 300 and < 400 ? $"HTTP {code}: redirects are not followed" : code is >= 200 and < 300 ? null : $"HTTP {code}",
                Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"no answer within {settings.Timeout.TotalSeconds:0.###} s", Stopwatch.GetElapsedTime(started));
        }
        catch (HttpRequestException e)
        {
            var message = e.InnerException is { } inner and not HttpRequestException && !e.Message.Contains(inner.Message, StringComparison.Ordinal)
                ? $"{e.Message} ({inner.Message})"
                : e.Message;
            return (null, message.Length > ErrorMax ? message[..ErrorMax] : message, Stopwatch.GetElapsedTime(started));
        }
    }

    private static TimeSpan Jittered(TimeSpan delay) => delay * (0.9 + Random.Shared.NextDouble() * 0.2);

    /// <summary>
    /// Forgets finished deliveries and events older than the retention (events only once
    /// dispatched), a batch per transaction so that no writer waits long behind it.
    /// </summary>
    /// <returns>
    /// False when events past the retention are still waiting for dispatch: the purge is tried
    /// again next round rather than an hour later.
    /// </returns>
    private async Task<bool> PurgeAsync(DateTimeOffset now, CancellationToken ct)
    {
        var before = (now - EventLog.Retention).ToUnixTimeMilliseconds();
        while (await db.WriteAsync((connection, transaction) => WebhookStore.PurgeDeliveriesAsync(connection, transaction, before, PurgeBatch), ct) == PurgeBatch)
        {
        }
        while (await db.WriteAsync((connection, transaction) => EventLog.PurgeAsync(connection, transaction, before, PurgeBatch), ct) == PurgeBatch)
        {
        }
        await using var connection = await db.OpenAsync(ct);
        return !await EventLog.AnyUndispatchedBeforeAsync(connection, before);
    }

}
