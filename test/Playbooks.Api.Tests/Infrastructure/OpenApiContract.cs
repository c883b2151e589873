using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Playbooks.Api.Tests.Infrastructure;

/// <summary>
/// An OpenAPI 3.1 document as a checker of HTTP exchanges: the operation, the status, the bodies
/// and the headers, with the seed's lenient request rules (product.md section 4) tolerated.
/// </summary>
public sealed partial class OpenApiContract
{
    /// <summary>The document clients use, read once per test run.</summary>
    public static readonly Lazy<OpenApiContract> Committed = new(
        () => Parse(File.ReadAllText(Path.Combine(TestPostgres.RepositoryRoot(), "docs", "openapi.json"))),
        LazyThreadSafetyMode.ExecutionAndPublication);

    // The yes/no answer is cheap; the list of errors is asked for only when there is one.
    private static readonly EvaluationOptions Verdicts = new() { OutputFormat = OutputFormat.Flag, RequireFormatValidation = true };
    private static readonly EvaluationOptions Explanations = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private readonly JsonElement document;
    private readonly List<(Regex Path, string Template, int Literals)> paths;
    private readonly Catalog strict;
    private readonly Catalog lenient;

    private OpenApiContract(JsonElement document, JsonElement lenientDocument)
    {
        this.document = document;
        // A path of more literal segments wins: /v1/playbooks/{id}/runs before /v1/playbooks/{id}/{x}.
        paths = document.GetProperty("paths").EnumerateObject()
            .Select(p => (new Regex("^" + TemplateParameter().Replace(Regex.Escape(p.Name).Replace(@"\{", "{", StringComparison.Ordinal), "[^/]+") + "$"),
                p.Name, p.Name.Split('/').Count(s => !s.StartsWith('{'))))
            .OrderByDescending(p => p.Item3)
            .ToList();
        strict = new Catalog(document);
        lenient = new Catalog(lenientDocument);
    }

    public static OpenApiContract Parse(string json)
    {
        var node = JsonNode.Parse(json)!;
        WithoutDiscriminators(node);
        var lenientNode = node.DeepClone();
        Loosen(lenientNode);
        return new OpenApiContract(JsonSerializer.SerializeToElement(node), JsonSerializer.SerializeToElement(lenientNode));
    }

    /// <summary>What one exchange shows: the operation it matched (null: none) and every violation.</summary>
    public sealed record Verdict(string? Operation, IReadOnlyList<string> Violations);

    public Verdict Check(HttpRequestMessage request, byte[]? requestBody, HttpResponseMessage response, byte[] responseBody)
    {
        var path = request.RequestUri!.IsAbsoluteUri ? request.RequestUri.AbsolutePath : request.RequestUri.OriginalString.Split('?')[0];
        var method = request.Method.Method.ToLowerInvariant();
        var match = paths.FirstOrDefault(p => p.Path.IsMatch(path) && document.GetProperty("paths").GetProperty(p.Template).TryGetProperty(method, out _));
        if (match.Template is null)
        {
            return new Verdict(null, []);
        }
        var pathPointer = "/paths/" + Escape(match.Template);
        var operationPointer = $"{pathPointer}/{method}";
        var operation = document.GetProperty("paths").GetProperty(match.Template).GetProperty(method);
        var status = (int)response.StatusCode;
        var name = $"{request.Method} {match.Template}" + (operation.TryGetProperty("operationId", out var id) ? $" ({id})" : "") + $" -> {status}";
        var violations = new List<string>();
        CheckResponse(operationPointer, status, response, responseBody, violations);
        if (status is >= 200 and < 300)
        {
            CheckRequest(pathPointer, operationPointer, request, requestBody, violations);
        }
        return new Verdict(name, violations.Select(v => $"{name}: {v}").ToList());
    }

    private void CheckResponse(string operationPointer, int status, HttpResponseMessage response, byte[] body, List<string> violations)
    {
        var responses = At(operationPointer).GetProperty("responses");
        var key = new[] { status.ToString(CultureInfo.InvariantCulture), $"{status / 100}XX", "default" }.FirstOrDefault(k => responses.TryGetProperty(k, out _));
        if (key is null)
        {
            violations.Add($"status {status} is not documented (documented: {string.Join(", ", responses.EnumerateObject().Select(r => r.Name))})");
            return;
        }
        var (answer, answerPointer) = Resolve(responses.GetProperty(key), $"{operationPointer}/responses/{key}");

        if (answer.TryGetProperty("headers", out var headers))
        {
            foreach (var header in headers.EnumerateObject())
            {
                var (definition, definitionPointer) = Resolve(header.Value, $"{answerPointer}/headers/{Escape(header.Name)}");
                var value = HeaderValue(response.Headers, response.Content.Headers, header.Name);
                if (value is null)
                {
                    if (definition.TryGetProperty("required", out var required) && required.GetBoolean())
                    {
                        violations.Add($"required response header {header.Name} is missing");
                    }
                }
                else if (definition.TryGetProperty("schema", out _))
                {
                    CheckHeaderValue(strict, $"{definitionPointer}/schema", $"response header {header.Name}", value, violations);
                }
            }
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var documented = answer.TryGetProperty("content", out var content) ? content : default;
        if (body.Length == 0)
        {
            if (documented.ValueKind == JsonValueKind.Object && documented.EnumerateObject().Any())
            {
                violations.Add($"the response has no body; the document says {string.Join(", ", documented.EnumerateObject().Select(c => c.Name))}");
            }
            return;
        }
        if (documented.ValueKind != JsonValueKind.Object || MediaType(documented, mediaType) is not { } media)
        {
            violations.Add($"response content type {mediaType ?? "(none)"} is not documented for this status");
            return;
        }
        if (media.Value.TryGetProperty("schema", out _) && IsJson(media.Name))
        {
            CheckBody(strict, $"{answerPointer}/content/{Escape(media.Name)}/schema", "response body", body, violations);
        }
    }

    private void CheckRequest(string pathPointer, string operationPointer, HttpRequestMessage request, byte[]? body, List<string> violations)
    {
        foreach (var (parameter, _) in Parameters(pathPointer).Concat(Parameters(operationPointer)))
        {
            // OpenAPI ignores header parameters named Accept, Content-Type and Authorization: security schemes say those.
            if (parameter.GetProperty("in").GetString() == "header"
                && parameter.TryGetProperty("required", out var required) && required.GetBoolean()
                && parameter.GetProperty("name").GetString() is { } name
                && !new[] { "Accept", "Content-Type", "Authorization" }.Contains(name, StringComparer.OrdinalIgnoreCase)
                && HeaderValue(request.Headers, request.Content?.Headers, name) is null)
            {
                violations.Add($"required request header {name} is missing");
            }
        }

        var operation = At(operationPointer);
        if (!operation.TryGetProperty("requestBody", out var requestBody))
        {
            return;
        }
        var (definition, definitionPointer) = Resolve(requestBody, $"{operationPointer}/requestBody");
        if (body is null || body.Length == 0)
        {
            if (definition.TryGetProperty("required", out var required) && required.GetBoolean())
            {
                violations.Add("the request had no body; the document requires one");
            }
            return;
        }
        var mediaType = request.Content?.Headers.ContentType?.MediaType;
        if (MediaType(definition.GetProperty("content"), mediaType) is not { } media)
        {
            violations.Add($"request content type {mediaType ?? "(none)"} is not documented");
            return;
        }
        if (media.Value.TryGetProperty("schema", out _) && IsJson(media.Name))
        {
            CheckBody(lenient, $"{definitionPointer}/content/{Escape(media.Name)}/schema", "request body", body, violations);
        }
    }

    private IEnumerable<(JsonElement Parameter, string Pointer)> Parameters(string pointer)
    {
        if (!At(pointer).TryGetProperty("parameters", out var parameters))
        {
            yield break;
        }
        var index = 0;
        foreach (var parameter in parameters.EnumerateArray())
        {
            yield return Resolve(parameter, $"{pointer}/parameters/{index++}");
        }
    }

    private static void CheckBody(Catalog catalog, string schemaPointer, string what, byte[] body, List<string> violations)
    {
        JsonElement instance;
        try
        {
            instance = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException e)
        {
            violations.Add($"{what} is not JSON: {e.Message}");
            return;
        }
        violations.AddRange(catalog.Errors(schemaPointer, instance).Select(e => $"{what} {e}"));
    }

    private static void CheckHeaderValue(Catalog catalog, string schemaPointer, string what, string value, List<string> violations)
    {
        // A header is text; a schema of type integer describes its digits.
        var errors = catalog.Errors(schemaPointer, JsonSerializer.SerializeToElement(value));
        if (errors.Count > 0 && decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            errors = catalog.Errors(schemaPointer, JsonSerializer.SerializeToElement(number));
        }
        violations.AddRange(errors.Select(e => $"{what} {e}"));
    }

    private static string? HeaderValue(HttpHeaders headers, HttpContentHeaders? contentHeaders, string name) =>
        headers.TryGetValues(name, out var values) || (contentHeaders?.TryGetValues(name, out values) ?? false)
            ? string.Join(", ", values!)
            : null;

    /// <summary>
    /// The documented entry for a media type: the exact one, else a range such as
    /// <c>application/*+json</c> or <c>*/*</c>. Media types are case-insensitive (RFC 9110 section 8.3.1).
    /// </summary>
    private static JsonProperty? MediaType(JsonElement content, string? mediaType)
    {
        if (mediaType is null)
        {
            return null;
        }
        var entries = content.EnumerateObject().ToList();
        return entries.Cast<JsonProperty?>().FirstOrDefault(c => string.Equals(c!.Value.Name, mediaType, StringComparison.OrdinalIgnoreCase))
            ?? entries.Cast<JsonProperty?>().FirstOrDefault(c => c!.Value.Name.Contains('*', StringComparison.Ordinal)
                && Regex.IsMatch(mediaType, "^" + Regex.Escape(c.Value.Name).Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase));
    }

    private static bool IsJson(string mediaType) =>
        mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Follows a local <c>$ref</c> (responses, headers, parameters, request bodies live in components).</summary>
    private (JsonElement Element, string Pointer) Resolve(JsonElement element, string pointer)
    {
        while (element.TryGetProperty("$ref", out var reference) && reference.GetString() is { } target && target.StartsWith("#/", StringComparison.Ordinal))
        {
            pointer = Uri.UnescapeDataString(target[1..]);
            element = At(pointer);
        }
        return (element, pointer);
    }

    private JsonElement At(string pointer)
    {
        var element = document;
        foreach (var segment in Segments(pointer))
        {
            element = element.ValueKind == JsonValueKind.Array ? element[int.Parse(segment, CultureInfo.InvariantCulture)] : element.GetProperty(segment);
        }
        return element;
    }

    private static string[] Segments(string pointer) =>
        pointer.Split('/')[1..].Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private static string Escape(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary>
    /// The seed's lenient rules as schema edits: unknown members are dropped (no closed objects), an
    /// invalid enum value is ignored (an enum only asks for its type), server-owned (read-only)
    /// members are ignored.
    /// </summary>
    /// <summary>
    /// <c>discriminator</c> is OpenAPI's hint for code generators, not a JSON Schema keyword; the
    /// <c>oneOf</c> beside it is what validates, so the validator is given the schemas without it.
    /// </summary>
    private static void WithoutDiscriminators(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject schema:
                schema.Remove("discriminator");
                foreach (var (_, child) in schema.ToList())
                {
                    WithoutDiscriminators(child);
                }
                break;
            case JsonArray items:
                foreach (var child in items)
                {
                    WithoutDiscriminators(child);
                }
                break;
        }
    }

    private static void Loosen(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject schema:
                if (schema["additionalProperties"] is JsonValue closed && closed.GetValueKind() == JsonValueKind.False)
                {
                    schema.Remove("additionalProperties");
                }
                if (schema["unevaluatedProperties"] is JsonValue unevaluated && unevaluated.GetValueKind() == JsonValueKind.False)
                {
                    schema.Remove("unevaluatedProperties");
                }
                if (schema["enum"] is JsonArray values)
                {
                    schema.Remove("enum");
                    if (!schema.ContainsKey("type"))
                    {
                        schema["type"] = new JsonArray(values.Select(v => (JsonNode?)JsonTypeName(v)).Distinct().ToArray());
                    }
                }
                if (schema["properties"] is JsonObject properties)
                {
                    foreach (var owned in properties.Where(p => p.Value?["readOnly"]?.GetValueKind() == JsonValueKind.True).Select(p => p.Key).ToList())
                    {
                        properties.Remove(owned);
                    }
                }
                foreach (var (_, child) in schema.ToList())
                {
                    Loosen(child);
                }
                break;
            case JsonArray items:
                foreach (var child in items)
                {
                    Loosen(child);
                }
                break;
        }
    }

    private static string JsonTypeName(JsonNode? value) => value?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Array => "array",
        _ => "object",
    };

    [GeneratedRegex(@"\{[^}/]+\}")]
    private static partial Regex TemplateParameter();

    /// <summary>One document registered for <c>$ref</c> resolution, with a schema built once per location.</summary>
    private sealed class Catalog
    {
        private readonly Uri id = new($"urn:playbooks:openapi:{Guid.NewGuid():N}");
        private readonly BuildOptions options = new();
        private readonly ConcurrentDictionary<string, JsonSchema> schemas = new();

        public Catalog(JsonElement document) => options.SchemaRegistry.Register(id, new JsonElementBaseDocument(document, id));

        public IReadOnlyList<string> Errors(string pointer, JsonElement instance)
        {
            var schema = schemas.GetOrAdd(pointer, Build);
            if (schema.Evaluate(instance, Verdicts).IsValid)
            {
                return [];
            }
            return (schema.Evaluate(instance, Explanations).Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e =>
                    $"at {Location(d.InstanceLocation.ToString())}{Value(d.InstanceLocation.Evaluate(instance))} breaks {Rule(e.Key, d.SchemaLocation.Fragment)} ({Uri.UnescapeDataString(d.SchemaLocation.Fragment)}): {e.Value}"))
                .Distinct()
                .ToList();
        }

        // Building registers in the registry; a build per location, one at a time, keeps that simple.
        private JsonSchema Build(string pointer)
        {
            lock (options)
            {
                return JsonSchema.FromText(
                    JsonSerializer.Serialize(new Dictionary<string, string> { ["$ref"] = $"{id}#{string.Join('/', pointer.Split('/').Select(Uri.EscapeDataString))}" }),
                    options);
            }
        }

        private static string Location(string pointer) => pointer.Length == 0 ? "/" : pointer;

        // A scalar is shown as sent; an object or array would only repeat the body.
        private static string Value(JsonElement? value) => value?.ValueKind is JsonValueKind.Object or JsonValueKind.Array or null
            ? ""
            : $" (= {(value.Value.GetRawText() is { Length: > 60 } raw ? raw[..60] + "..." : value.Value.GetRawText())})";

        // A false schema (additionalProperties: false) reports no keyword: its place names the rule.
        private static string Rule(string keyword, string fragment) => keyword.Length > 0 ? keyword : fragment.Split('/')[^1];
    }
}
