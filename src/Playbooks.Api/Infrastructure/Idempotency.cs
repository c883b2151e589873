using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;

namespace Playbooks.Api.Infrastructure;

/// <summary>
/// <c>Idempotency-Key</c> on POST: the first request with a key claims it in the database before
/// doing any work, and stores its answer when done; a later request with the same key and the
/// same body, within 24 hours, gets that answer replayed. A duplicate that arrives while the
/// first is still working waits for the stored answer, so the work is never done twice, on any
/// instance. Keys are scoped to the workspace.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);
    private static readonly TimeSpan WaitForFirst = TimeSpan.FromSeconds(30);
    private static readonly string[] ReplayedHeaders = ["Content-Type", "Location", "ETag"];

    private sealed class Stored
    {
        public byte[] RequestHash { get; init; } = [];
        public int? StatusCode { get; init; }
        public string? ResponseHeaders { get; init; }
        public byte[]? ResponseBody { get; init; }
    }

    public sealed class Filter(Database db, TimeProvider clock) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.Headers.TryGetValue(Header, out var values))
            {
                return await next(context);
            }
            var key = values.ToString();
            if (key.Length is 0 or > MaxKeyLength || key.Any(c => c is < ' ' or > '~'))
            {
                return ApiProblem.Validation(Header, $"must be 1 to {MaxKeyLength} printable ASCII characters");
            }

            var workspaceId = http.RequestServices.GetRequiredService<Caller>().WorkspaceId;
            var hash = await HashRequestAsync(http.Request);
            var waiting = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                if (await TryClaimAsync(workspaceId, key, hash, http.RequestAborted))
                {
                    return await RunAndStoreAsync(context, next, workspaceId, key);
                }

                Stored? stored;
                await using (var connection = await db.OpenAsync(http.RequestAborted))
                {
                    stored = await connection.QuerySingleOrDefaultAsync<Stored>(
                        "SELECT request_hash, status_code, response_headers, response_body FROM idempotency_keys WHERE workspace_id = @workspaceId AND key = @key",
                        new { workspaceId, key });
                }
                if (stored is null)
                {
                    continue; // The first request failed and gave its key back: claim it again.
                }
                if (!CryptographicOperations.FixedTimeEquals(stored.RequestHash, hash))
                {
                    return ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused",
                        "This Idempotency-Key was used with a different request; use a new key for a new request.");
                }
                if (stored.StatusCode is { } status)
                {
                    await ReplayAsync(http.Response, status, stored);
                    return Results.Empty;
                }
                if (waiting.Elapsed > WaitForFirst)
                {
                    return ApiProblem.Create(StatusCodes.Status409Conflict, "idempotency_key_in_progress",
                        "A request with this Idempotency-Key is still being processed; retry later.");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(20), http.RequestAborted);
            }
        }

        /// <summary>Inserts the claim, or takes over a key whose answer has expired.</summary>
        private Task<bool> TryClaimAsync(string workspaceId, string key, byte[] hash, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            return db.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(
                """
                INSERT INTO idempotency_keys (workspace_id, key, request_hash, created_at)
                VALUES (@workspaceId, @key, @hash, @now)
                ON CONFLICT (workspace_id, key) DO UPDATE
                SET request_hash = excluded.request_hash, status_code = NULL, response_headers = NULL, response_body = NULL, created_at = excluded.created_at
                WHERE idempotency_keys.created_at < @expired
                """,
                new { workspaceId, key, hash, now = now.ToUnixTimeMilliseconds(), expired = (now - Lifetime).ToUnixTimeMilliseconds() },
                transaction) == 1, ct);
        }

        /// <summary>
        /// Runs the endpoint, writes its answer into a buffer to keep it, then sends it. An answer
        /// of 5xx, or an exception, gives the key back so that the client's retry can run.
        /// </summary>
        private async Task<object?> RunAndStoreAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, string workspaceId, string key)
        {
            var http = context.HttpContext;
            var kept = false;
            try
            {
                var result = await next(context);
                var original = http.Response.Body;
                using var buffer = new MemoryStream();
                http.Response.Body = buffer;
                try
                {
                    if (result is IResult executable)
                    {
                        await executable.ExecuteAsync(http);
                    }
                }
                finally
                {
                    http.Response.Body = original;
                }

                var body = buffer.ToArray();
                if (http.Response.StatusCode < 500)
                {
                    var headers = ReplayedHeaders
                        .Where(name => http.Response.Headers.ContainsKey(name))
                        .ToDictionary(name => name, name => http.Response.Headers[name].ToString());
                    await db.WriteAsync((connection, transaction) => connection.ExecuteAsync(
                        """
                        UPDATE idempotency_keys SET status_code = @status, response_headers = @headers, response_body = @body
                        WHERE workspace_id = @workspaceId AND key = @key
                        """,
                        new { workspaceId, key, status = http.Response.StatusCode, headers = JsonSerializer.Serialize(headers), body }, transaction),
                        CancellationToken.None);
                    kept = true;
                }
                await original.WriteAsync(body, http.RequestAborted);
                return Results.Empty;
            }
            finally
            {
                if (!kept)
                {
                    await db.WriteAsync((connection, transaction) => connection.ExecuteAsync(
                        "DELETE FROM idempotency_keys WHERE workspace_id = @workspaceId AND key = @key AND status_code IS NULL",
                        new { workspaceId, key }, transaction), CancellationToken.None);
                }
            }
        }
    }

    private static async Task ReplayAsync(HttpResponse response, int status, Stored stored)
    {
        response.StatusCode = status;
        foreach (var (name, value) in JsonSerializer.Deserialize<Dictionary<string, string>>(stored.ResponseHeaders ?? "{}") ?? [])
        {
            response.Headers[name] = value;
        }
        response.Headers[ReplayedHeader] = "true";
        await response.Body.WriteAsync(stored.ResponseBody ?? []);
    }

    /// <summary>What makes two requests "the same": method, path and the exact body bytes.</summary>
    private static async Task<byte[]> HashRequestAsync(HttpRequest request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        if (request.ContentLength is null or <= JsonBody.MaxBytes)
        {
            // In memory up to the body limit: a larger body is refused with 413 anyway.
            request.EnableBuffering(bufferThreshold: JsonBody.MaxBytes + 1);
            var buffer = new byte[8192];
            long total = 0;
            int read;
            while (total <= JsonBody.MaxBytes && (read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                total += read;
            }
            request.Body.Position = 0;
        }
        return hash.GetHashAndReset();
    }

    /// <summary>Forgets answers older than 24 hours, once an hour.</summary>
    public sealed class Purge(Database db, TimeProvider clock, ILogger<Purge> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
            try
            {
                do
                {
                    var expired = (clock.GetUtcNow() - Lifetime).ToUnixTimeMilliseconds();
                    var removed = await db.WriteAsync((connection, transaction) => connection.ExecuteAsync(
                        "DELETE FROM idempotency_keys WHERE created_at < @expired", new { expired }, transaction), stoppingToken);
                    if (removed > 0)
                    {
                        logger.LogInformation("Forgot {Count} idempotency keys older than {Lifetime}", removed, Lifetime);
                    }
                }
                while (await timer.WaitForNextTickAsync(stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping, also when the host is disposed after a failed start.
            }
        }
    }
}
