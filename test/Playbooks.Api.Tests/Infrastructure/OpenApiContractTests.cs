using System.Net;
using System.Text;

namespace Playbooks.Api.Tests.Infrastructure;

/// <summary>The checker every test client goes through must itself be able to fail.</summary>
public sealed class OpenApiContractTests
{
    private const string Document = """
        {
          "openapi": "3.1.1",
          "paths": {
            "/v1/things/{id}": {
              "get": {
                "operationId": "GetThing",
                "responses": {
                  "200": {
                    "description": "OK",
                    "headers": { "ETag": { "$ref": "#/components/headers/ETag" } },
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ThingEnvelope" } } }
                  },
                  "404": { "$ref": "#/components/responses/Problem" }
                }
              },
              "put": {
                "operationId": "UpdateThing",
                "parameters": [{ "name": "If-Match", "in": "header", "required": true, "schema": { "type": "string" } }],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": { "schema": { "$ref": "#/components/schemas/ThingUpdate" } },
                    "application/*+json": { "schema": { "$ref": "#/components/schemas/ThingUpdate" } }
                  }
                },
                "responses": {
                  "200": { "description": "OK", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ThingEnvelope" } } } },
                  "404": { "$ref": "#/components/responses/Problem" }
                }
              }
            },
            "/v1/things/special": {
              "get": { "operationId": "GetSpecial", "responses": { "default": { "description": "Anything" } } }
            }
          },
          "components": {
            "schemas": {
              "Thing": {
                "type": "object",
                "required": ["id", "count", "createdAt", "color"],
                "additionalProperties": false,
                "properties": {
                  "id": { "type": "string", "readOnly": true },
                  "count": { "type": "integer" },
                  "createdAt": { "type": "string", "format": "date-time" },
                  "color": { "$ref": "#/components/schemas/Color" }
                }
              },
              "ThingEnvelope": { "type": "object", "required": ["thing"], "properties": { "thing": { "$ref": "#/components/schemas/Thing" } } },
              "ThingUpdate": {
                "type": "object",
                "additionalProperties": false,
                "properties": { "id": { "type": "string", "readOnly": true }, "count": { "type": "integer" }, "color": { "$ref": "#/components/schemas/Color" } }
              },
              "Color": { "enum": ["red", "blue"] },
              "Problem": { "type": "object", "required": ["status", "code"], "properties": { "status": { "type": "integer" }, "code": { "type": "string" } } }
            },
            "headers": { "ETag": { "required": true, "schema": { "type": "string", "pattern": "^\"[0-9]+\"$" } } },
            "responses": {
              "Problem": { "description": "A problem", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }
            }
          }
        }
        """;

    private const string GoodThing = """{ "thing": { "id": "t_1", "count": 3, "createdAt": "2026-11-28T09:00:00.000Z", "color": "red" } }""";

    private static readonly OpenApiContract Contract = OpenApiContract.Parse(Document);

    [Fact]
    public void A_conforming_exchange_shows_no_violation()
    {
        var verdict = Check("GET", "/v1/things/t_1", HttpStatusCode.OK, GoodThing, etag: "\"3\"");

        Assert.Equal("GET /v1/things/{id} (GetThing) -> 200", verdict.Operation);
        Assert.Empty(verdict.Violations);
    }

    [Fact]
    public void An_undocumented_status_is_a_violation()
    {
        var violation = Assert.Single(Check("GET", "/v1/things/t_1", HttpStatusCode.Conflict, """{ "status": 409, "code": "conflict" }""").Violations);

        Assert.Contains("GET /v1/things/{id} (GetThing) -> 409: status 409 is not documented (documented: 200, 404)", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_missing_a_required_property_is_a_violation()
    {
        var violation = Assert.Single(Check("GET", "/v1/things/t_1", HttpStatusCode.OK, """{ "thing": { "id": "t_1", "count": 3, "createdAt": "2026-11-28T09:00:00.000Z" } }""", etag: "\"3\"").Violations);

        Assert.Contains("response body at /thing breaks required", violation, StringComparison.Ordinal);
        Assert.Contains("color", violation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"count\": \"3\"", "at /thing/count (= \"3\") breaks type")]
    [InlineData("\"count\": 3.5", "at /thing/count (= 3.5) breaks type")]
    [InlineData("\"createdAt\": \"yesterday\"", "at /thing/createdAt (= \"yesterday\") breaks format")]
    [InlineData("\"color\": \"green\"", "at /thing/color (= \"green\") breaks enum")]
    [InlineData("\"extra\": 1", "breaks additionalProperties")]
    public void A_wrong_value_in_a_response_is_a_violation(string replacement, string expected)
    {
        var member = replacement.Split(':')[0];
        var body = GoodThing.Contains(member, StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.Replace(GoodThing, $"{member}: [^,}}]+", replacement)
            : GoodThing.Replace("\"color\": \"red\"", $"\"color\": \"red\", {replacement}", StringComparison.Ordinal);

        var violations = Check("GET", "/v1/things/t_1", HttpStatusCode.OK, body, etag: "\"3\"").Violations;

        Assert.True(violations.Any(v => v.Contains(expected, StringComparison.Ordinal)), string.Join("\n", violations));
    }

    [Fact]
    public void A_problem_is_checked_against_its_own_media_type()
    {
        Assert.Empty(Check("GET", "/v1/things/t_1", HttpStatusCode.NotFound, """{ "status": 404, "code": "not_found" }""", mediaType: "application/problem+json").Violations);
        Assert.Empty(Check("GET", "/v1/things/t_1", HttpStatusCode.NotFound, """{ "status": 404, "code": "not_found" }""", mediaType: "Application/Problem+JSON").Violations);

        Assert.Contains("response content type application/json is not documented",
            Assert.Single(Check("GET", "/v1/things/t_1", HttpStatusCode.NotFound, """{ "status": 404, "code": "not_found" }""").Violations), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_misshapen_required_header_is_a_violation()
    {
        Assert.Contains("required response header ETag is missing",
            Assert.Single(Check("GET", "/v1/things/t_1", HttpStatusCode.OK, GoodThing).Violations), StringComparison.Ordinal);

        Assert.Contains("response header ETag at / (= \"W/x\") breaks pattern",
            Assert.Single(Check("GET", "/v1/things/t_1", HttpStatusCode.OK, GoodThing, etag: "W/x").Violations), StringComparison.Ordinal);
    }

    [Fact]
    public void A_successful_request_tolerates_the_lenient_rules_and_nothing_else()
    {
        var lenient = """{ "id": 5, "count": 4, "color": "green", "unknown": { "deep": true } }""";
        Assert.Empty(Check("PUT", "/v1/things/t_1", HttpStatusCode.OK, GoodThing, request: lenient, ifMatch: "\"3\"").Violations);

        Assert.Contains("request body at /count (= \"4\") breaks type",
            Assert.Single(Check("PUT", "/v1/things/t_1", HttpStatusCode.OK, GoodThing, request: """{ "count": "4" }""", ifMatch: "\"3\"").Violations), StringComparison.Ordinal);
        Assert.Contains("request body at /color (= 7) breaks type",
            Assert.Single(Check("PUT", "/v1/things/t_1", HttpStatusCode.OK, GoodThing, request: """{ "color": 7 }""", ifMatch: "\"3\"").Violations), StringComparison.Ordinal);
        Assert.Contains("required request header If-Match is missing",
            Assert.Single(Check("PUT", "/v1/things/t_1", HttpStatusCode.OK, GoodThing, request: """{ "count": 4 }""").Violations), StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_media_type_is_found_by_range_and_an_undocumented_one_is_a_violation()
    {
        Assert.Empty(Check("PUT", "/v1/things/t_1", HttpStatusCode.OK, GoodThing, request: """{ "count": 4 }""", ifMatch: "\"3\"", requestMediaType: "application/merge-patch+json").Violations);

        Assert.Contains("request body at /count (= \"4\") breaks type",
            Assert.Single(Check("PUT", "/v1/things/t_1", HttpStatusCode.OK, GoodThing, request: """{ "count": "4" }""", ifMatch: "\"3\"", requestMediaType: "Application/Merge-Patch+JSON").Violations), StringComparison.Ordinal);
        Assert.Contains("request content type text/plain is not documented",
            Assert.Single(Check("PUT", "/v1/things/t_1", HttpStatusCode.OK, GoodThing, request: """{ "count": 4 }""", ifMatch: "\"3\"", requestMediaType: "text/plain").Violations), StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_request_is_not_held_to_the_request_schema()
    {
        Assert.Empty(Check("PUT", "/v1/things/t_1", HttpStatusCode.NotFound, """{ "status": 404, "code": "not_found" }""", request: """{ "count": "4" }""", mediaType: "application/problem+json").Violations);
    }

    [Fact]
    public void Literal_paths_win_and_unknown_paths_are_unmatched()
    {
        Assert.Equal("GET /v1/things/special (GetSpecial) -> 500", Check("GET", "/v1/things/special", HttpStatusCode.InternalServerError, "").Operation);
        Assert.Null(Check("GET", "/v1/nonsense/../x", HttpStatusCode.NotFound, "").Operation);
        Assert.Null(Check("DELETE", "/v1/things/t_1", HttpStatusCode.MethodNotAllowed, "").Operation);
    }

    [Fact]
    public async Task The_handler_fails_the_call_that_breaks_the_document()
    {
        using var client = new HttpClient(new ConformanceHandler(Contract) { FailOnViolation = true, InnerHandler = new Answer(HttpStatusCode.OK, GoodThing) }) { BaseAddress = new Uri("http://localhost") };

        var failure = await Assert.ThrowsAsync<ContractViolationException>(() => client.GetAsync("/v1/things/t_1"));

        Assert.Contains("GET /v1/things/{id} (GetThing) -> 200: required response header ETag is missing", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_committed_document_loads()
    {
        Assert.Null(Check(OpenApiContract.Committed.Value, "GET", "/nowhere", HttpStatusCode.NotFound, "").Operation);
    }

    private static OpenApiContract.Verdict Check(string method, string path, HttpStatusCode status, string body,
        string? etag = null, string? request = null, string? ifMatch = null, string mediaType = "application/json", string requestMediaType = "application/json") =>
        Check(Contract, method, path, status, body, etag, request, ifMatch, mediaType, requestMediaType);

    private static OpenApiContract.Verdict Check(OpenApiContract contract, string method, string path, HttpStatusCode status, string body,
        string? etag = null, string? request = null, string? ifMatch = null, string mediaType = "application/json", string requestMediaType = "application/json")
    {
        using var message = new HttpRequestMessage(new HttpMethod(method), new Uri("http://localhost" + path));
        if (request is not null)
        {
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request));
            message.Content.Headers.TryAddWithoutValidation("Content-Type", requestMediaType);
        }
        if (ifMatch is not null)
        {
            message.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        using var response = Respond(status, body, mediaType);
        if (etag is not null)
        {
            response.Headers.TryAddWithoutValidation("ETag", etag);
        }
        return contract.Check(message, request is null ? null : Encoding.UTF8.GetBytes(request), response, Encoding.UTF8.GetBytes(body));
    }

    private static HttpResponseMessage Respond(HttpStatusCode status, string body, string mediaType = "application/json") =>
        new(status) { Content = body.Length == 0 ? new ByteArrayContent([]) : new StringContent(body, Encoding.UTF8, mediaType) };

    private sealed class Answer(HttpStatusCode status, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Respond(status, body));
    }
}
