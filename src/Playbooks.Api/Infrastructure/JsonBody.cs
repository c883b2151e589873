using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Playbooks.Api.Infrastructure;

/// <summary>
/// Reads a request body as one JSON object, turning every way a body can be wrong into its
/// problem: 413 over the size limit, 415 for a non-JSON content type, 400 for malformed JSON,
/// duplicate keys, nesting deeper than the limit, or a value that is not an object.
/// </summary>
public static class JsonBody
{
    public const int MaxBytes = 64 * 1024;
    public const int MaxDepth = 32;

    private static readonly JsonDocumentOptions Options = new()
    {
        MaxDepth = MaxDepth,
        AllowDuplicateProperties = false,
    };

    public readonly record struct Result(JsonDocument? Document, ProblemHttpResult? Problem)
    {
        public JsonElement Root => Document!.RootElement;
    }

    public static async Task<Result> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            return TooLarge();
        }

        var hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if (hasBody && !IsJson(request.ContentType))
        {
            return new(null, ApiProblem.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                "Send the body as JSON with Content-Type: application/json."));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(MaxBytes + 1);
        try
        {
            var length = 0;
            while (length <= MaxBytes)
            {
                var read = await request.Body.ReadAsync(buffer.AsMemory(length, MaxBytes + 1 - length), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                length += read;
            }
            if (length > MaxBytes)
            {
                return TooLarge();
            }
            if (length == 0)
            {
                return Invalid("is required: send a JSON object");
            }

            if (!Utf8.IsValid(buffer.AsSpan(0, length)))
            {
                return Invalid("is not valid UTF-8");
            }

            // The document keeps referring to the memory it was parsed from, so it gets its own
            // copy: the pooled buffer goes back to the pool when this method returns.
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(buffer.AsSpan(0, length).ToArray(), Options);
            }
            catch (JsonException ex)
            {
                return Invalid($"is not valid JSON: {ex.Message}");
            }
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                return Invalid("must be a JSON object");
            }
            return new(document, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Value is not { } type)
        {
            return false;
        }
        var isJson = type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        var charset = media.Charset.Value;
        return isJson && (charset is null || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase));
    }

    private static Result TooLarge() =>
        new(null, ApiProblem.Create(StatusCodes.Status413PayloadTooLarge, "payload_too_large",
            $"The body is larger than {MaxBytes / 1024} KiB."));

    private static Result Invalid(string message) => new(null, ApiProblem.Validation("body", message));
}
