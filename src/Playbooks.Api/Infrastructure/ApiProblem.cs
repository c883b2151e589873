using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Playbooks.Api.Infrastructure;

/// <summary>Field path to messages, in the order the violations were found.</summary>
public sealed class FieldErrors : Dictionary<string, List<string>>
{
    public void Add(string path, string message)
    {
        if (!TryGetValue(path, out var messages))
        {
            this[path] = messages = [];
        }
        messages.Add(message);
    }
}

/// <summary>
/// The one place that shapes RFC 9457 problems: every error the API sends carries a stable
/// <c>code</c> and the <c>traceId</c> of the request, whoever produced it.
/// </summary>
public static class ApiProblem
{
    public static ProblemHttpResult Create(
        int status, string code, string detail, FieldErrors? errors = null, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = ReasonPhrases.GetReasonPhrase(status),
            Detail = detail,
        };
        problem.Extensions["code"] = code;
        if (errors is { Count: > 0 })
        {
            problem.Extensions["errors"] = errors;
        }
        foreach (var (name, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[name] = value;
        }
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult Validation(FieldErrors errors) =>
        Create(StatusCodes.Status400BadRequest, "validation_failed", "The request is invalid; see errors for each field.", errors);

    public static ProblemHttpResult Validation(string path, string message)
    {
        var errors = new FieldErrors();
        errors.Add(path, message);
        return Validation(errors);
    }

    public static ProblemHttpResult NotFound(string what) =>
        Create(StatusCodes.Status404NotFound, "not_found", $"No {what} with that id exists in this workspace.");

    public static ProblemHttpResult Unauthorized(string detail) =>
        Create(StatusCodes.Status401Unauthorized, "unauthorized", detail);

    /// <summary>Fills what every problem needs, including those made by the framework itself.</summary>
    public static void Complete(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(status);
        problem.Detail ??= status switch
        {
            404 => "There is no such endpoint.",
            405 => "The endpoint does not take that method.",
            >= 500 => "The server failed; the traceId identifies the failure in its logs.",
            _ => null,
        };
        problem.Extensions.TryAdd("code", DefaultCode(status));
        problem.Type = $"urn:playbooks:problem:{problem.Extensions["code"]}";
        problem.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
        problem.Extensions.Remove("requestId");
        problem.Extensions.Remove("exception");
    }

    private static string DefaultCode(int status) => status switch
    {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        412 => "precondition_failed",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        429 => "rate_limited",
        _ when status >= 500 => "internal_error",
        _ => "error",
    };
}
