using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Infrastructure.OpenApi;

namespace Playbooks.Api.Playbooks;

public sealed record VersionResponse(long Version, PlaybookSpec Spec, DateTimeOffset CreatedAt, string CreatedBy, string Change);

public sealed record VersionEnvelope(VersionResponse Version);

public sealed record VersionList(
    IReadOnlyList<VersionResponse> Versions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor);

/// <summary>Every change to a playbook saves an immutable version; these endpoints read them.</summary>
public static class VersionsApi
{
    public static RouteGroupBuilder MapVersions(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/playbooks/{id}/versions")
            .WithTags("Versions")
            .RequireRateLimiting(Policies.PerToken)
            .AddEndpointFilter<PlaybookExists>()
            .ProducesProblems(400, 401, 403, 404, 429);
        group.MapGet("/", List).WithName("ListVersions").RequireAuthorization(Policies.Read)
            .WithSummary("List a playbook's versions")
            .WithDescription("Every saved version of the spec, oldest first, with what made it (`create`, `update` or `pivot`).");
        group.MapGet("/{n}", Get).WithName("GetVersion").RequireAuthorization(Policies.Read)
            .WithSummary("Get one version of a playbook")
            .WithDescription("The spec as saved in version `n`.");
        return group;
    }

    public static async Task<Results<Ok<VersionList>, ProblemHttpResult>> List(
        string id, Caller caller, Database db, string? limit, string? cursor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var page = Page.Parse(limit, cursor, after => long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out _), errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        var after = page.After is null ? 0 : long.Parse(page.After, CultureInfo.InvariantCulture);
        await using var connection = await db.OpenAsync(ct);
        var rows = await PlaybookStore.ListVersionsAsync(connection, caller.WorkspaceId, id, after, page.Limit + 1);
        var (items, next) = page.Cut(rows, r => r.Version.ToString(CultureInfo.InvariantCulture));
        return TypedResults.Ok(new VersionList(items.Select(r => r.ToResponse()).ToList(), next));
    }

    public static async Task<Results<Ok<VersionEnvelope>, ProblemHttpResult>> Get(
        string id, string n, Caller caller, Database db, CancellationToken ct)
    {
        if (!long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return ApiProblem.NotFound("version");
        }
        await using var connection = await db.OpenAsync(ct);
        return await PlaybookStore.FindVersionAsync(connection, caller.WorkspaceId, id, version) is { } row
            ? TypedResults.Ok(new VersionEnvelope(row.ToResponse()))
            : ApiProblem.NotFound("version");
    }
}
