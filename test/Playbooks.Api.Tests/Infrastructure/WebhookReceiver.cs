using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace Playbooks.Api.Tests.Infrastructure;

/// <summary>
/// A real HTTP receiver on loopback, as a team's endpoint would be: it records every delivery and
/// answers what the test tells it to (a status, or no answer for a while).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Delivery(string Path, IHeaderDictionary Headers, string Body)
    {
        public JsonNode Json => JsonNode.Parse(Body)!;

        public string Id => Headers["webhook-id"].ToString();

        /// <summary>
        /// Verifies the delivery with the Standard Webhooks library, as a consumer would; throws when no
        /// signature verifies. Each signature is given to the library on its own: StandardWebhooks 1.1.2
        /// never checks the last of several space-separated signatures (its loop ends one early).
        /// </summary>
        public void Verify(string secret)
        {
            var signatures = Headers["webhook-signature"].ToString().Split(' ');
            var errors = new List<Exception>();
            foreach (var signature in signatures)
            {
                var single = new HeaderDictionary(Headers.ToDictionary(h => h.Key, h => h.Value)) { ["webhook-signature"] = signature };
                try
                {
                    new StandardWebhook(secret).Verify(Body, single);
                    return;
                }
                catch (Exception e)
                {
                    errors.Add(e);
                }
            }
            throw new AggregateException("No signature verifies.", errors);
        }

        public bool VerifiesWith(string secret)
        {
            try
            {
                Verify(secret);
                return true;
            }
            catch (AggregateException)
            {
                return false;
            }
        }
    }

    private readonly WebApplication app;
    private readonly Channel<Delivery> received = Channel.CreateUnbounded<Delivery>();
    private readonly ConcurrentQueue<Func<Task<int>>> answers = new();

    private WebhookReceiver(WebApplication app) => this.app = app;

    public Uri Url { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var receiver = new WebhookReceiver(builder.Build());
        receiver.app.MapPost("/{**path}", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = new HeaderDictionary(request.Headers.ToDictionary(h => h.Key, h => h.Value));
            var status = receiver.answers.TryDequeue(out var answer) ? await answer() : 200;
            await receiver.received.Writer.WriteAsync(new Delivery(request.Path, headers, body));
            return Results.StatusCode(status);
        });
        await receiver.app.StartAsync();
        receiver.Url = new Uri(receiver.app.Urls.First());
        return receiver;
    }

    /// <summary>The next requests are answered with these statuses, in order; after them, 200.</summary>
    public void AnswerWith(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            answers.Enqueue(() => Task.FromResult(status));
        }
    }

    /// <summary>The next request gets no answer until <paramref name="delay"/> has passed (longer than the service waits).</summary>
    public void AnswerLate(TimeSpan delay) => answers.Enqueue(async () =>
    {
        await Task.Delay(delay);
        return 200;
    });

    /// <summary>The next delivery received, or a failure after <paramref name="within"/> (default 30 s).</summary>
    public async Task<Delivery> NextAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
        try
        {
            return await received.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No delivery arrived.");
        }
    }

    /// <summary>Whatever arrived so far and was not read.</summary>
    public List<Delivery> Pending()
    {
        var list = new List<Delivery>();
        while (received.Reader.TryRead(out var delivery))
        {
            list.Add(delivery);
        }
        return list;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
