using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
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
            .AddEndpointFilter<WorkspaceAccessFilter>()
            .ProducesProblems(400, 401, 403, 404, 429);
        group.MapGet("/", List).WithName("ListVersions")
            .WithSummary("List a playbook's versions")
            .WithDescription("Every saved version of the spec, oldest first, with what made it (`create`, `update` or `pivot`).");
        group.MapGet("/{n}", Get).WithName("GetVersion")
            .WithSummary("Get one version of a playbook")
            .WithDescription("The spec as saved in version `n`.");
        return group;
    }

    private sealed class Row
    {
        public long Version { get; init; }
        public string Spec { get; init; } = "";
        public long CreatedAt { get; init; }
        public string CreatedBy { get; init; } = "";
        public string Change { get; init; } = "";

        public VersionResponse ToResponse() => new(
            Version, JsonSerializer.Deserialize<PlaybookSpec>(Spec, PlaybookStore.SpecJson)!, Timestamps.FromMilliseconds(CreatedAt), CreatedBy, Change);
    }

    private const string Select = "SELECT version, spec, created_at, created_by, change FROM playbook_versions WHERE workspace_id = @workspaceId AND playbook_id = @id";

    public static async Task<Results<Ok<VersionList>, ProblemHttpResult>> List(
        string id, Caller caller, Database db, string? limit, string? cursor, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        if (await PlaybookStore.FindAsync(connection, caller.WorkspaceId, id) is null)
        {
            return ApiProblem.NotFound("playbook");
        }
        var errors = new FieldErrors();
        var page = Page.Parse(limit, cursor, after => long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out _), errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        var after = page.After is null ? 0 : long.Parse(page.After, CultureInfo.InvariantCulture);
        var rows = (await connection.QueryAsync<Row>(
            $"{Select} AND version > @after ORDER BY version LIMIT @take",
            new { workspaceId = caller.WorkspaceId, id, after, take = page.Limit + 1 })).ToList();
        var (items, next) = page.Cut(rows, r => r.Version.ToString(CultureInfo.InvariantCulture));
        return TypedResults.Ok(new VersionList(items.Select(r => r.ToResponse()).ToList(), next));
    }

    public static async Task<Results<Ok<VersionEnvelope>, ProblemHttpResult>> Get(
        string id, string n, Caller caller, Database db, CancellationToken ct)
    {
        if (!long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || !Ids.IsValid(id, "pb_"))
        {
            return ApiProblem.NotFound("version");
        }
        await using var connection = await db.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(
            $"{Select} AND version = @version", new { workspaceId = caller.WorkspaceId, id, version });
        if (row is null)
        {
            return ApiProblem.NotFound(await PlaybookStore.FindAsync(connection, caller.WorkspaceId, id) is null ? "playbook" : "version");
        }
        return TypedResults.Ok(new VersionEnvelope(row.ToResponse()));
    }
}
