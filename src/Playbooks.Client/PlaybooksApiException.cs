using System.Net;
using System.Text.Json;

namespace Playbooks.Client;

/// <summary>The API answered with a problem (RFC 9457): its status, stable code, field errors and trace id.</summary>
public sealed class PlaybooksApiException : Exception
{
    public PlaybooksApiException(HttpStatusCode status, string code, string title, string? detail,
        IReadOnlyDictionary<string, string[]> errors, string? traceId, JsonElement? problem)
        : base(detail is null ? $"{title} ({code})" : $"{title} ({code}): {detail}")
    {
        Status = status;
        Code = code;
        Title = title;
        Detail = detail;
        Errors = errors;
        TraceId = traceId;
        Problem = problem;
    }

    public HttpStatusCode Status { get; }

    /// <summary>The machine code, e.g. <c>validation_failed</c> or <c>pivot_limit_reached</c>.</summary>
    public string Code { get; }

    public string Title { get; }

    public string? Detail { get; }

    /// <summary>Field path to messages, for validation problems.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    public string? TraceId { get; }

    /// <summary>The whole problem document, for members such as <c>nextPivotAllowedAt</c>.</summary>
    public JsonElement? Problem { get; }

    internal static async Task<PlaybooksApiException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonElement? problem = null;
        try
        {
            problem = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's HTML page, say): keep what we know.
        }
        string? Member(string name) =>
            problem is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        var errors = new Dictionary<string, string[]>();
        if (problem is { ValueKind: JsonValueKind.Object } document && document.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in fields.EnumerateObject())
            {
                errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                    ? field.Value.EnumerateArray().Select(m => m.ToString()).ToArray()
                    : [field.Value.ToString()];
            }
        }
        return new PlaybooksApiException(
            response.StatusCode,
            Member("code") ?? $"http_{(int)response.StatusCode}",
            Member("title") ?? response.ReasonPhrase ?? response.StatusCode.ToString(),
            Member("detail") ?? (problem is null && text.Length > 0 ? text[..Math.Min(text.Length, 200)] : null),
            errors,
            Member("traceId"),
            problem);
    }
}
