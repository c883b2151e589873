using Microsoft.AspNetCore.Http.HttpResults;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Infrastructure.OpenApi;

namespace Playbooks.Api.Workspaces;

/// <summary>The operator's calls for workspaces; the group they hang on carries the admin key check.</summary>
public static class WorkspacesAdminApi
{
    public static RouteGroupBuilder MapWorkspacesAdmin(this RouteGroupBuilder admin)
    {
        admin.MapPost("/workspaces", Create).WithName("CreateWorkspace")
            .WithJsonBody<CreateWorkspaceRequest>().ProducesProblems(413, 415)
            .WithSummary("Create a workspace")
            .WithDescription("A new workspace, writable unless `readOnly` is true.");
        admin.MapGet("/workspaces", List).WithName("ListWorkspaces")
            .WithSummary("List workspaces")
            .WithDescription("Oldest first. `nextCursor` is present only while another page follows.");
        admin.MapPatch("/workspaces/{id}", Update).WithName("UpdateWorkspace")
            .WithJsonBody<UpdateWorkspaceRequest>().ProducesProblems(413, 415)
            .WithSummary("Rename a workspace or mark it read-only")
            .WithDescription("Only the fields sent change. A read-only workspace refuses every mutating call with 403 `read_only_workspace`; reads keep working.");
        return admin;
    }

    public static async Task<Results<Created<WorkspaceEnvelope>, ProblemHttpResult>> Create(
        HttpRequest request, Database db, TimeProvider clock, CancellationToken ct)
    {
        var body = await JsonBody.ReadObjectAsync(request, ct);
        if (body.Problem is { } bodyProblem)
        {
            return bodyProblem;
        }
        using var document = body.Document;
        var fields = new JsonFields(body.Root, "", new FieldErrors());
        var name = fields.Text("name", null, WorkspaceStore.NameMax, required: true, trim: true);
        var readOnly = fields.Boolean("readOnly", false, false);
        if (fields.Errors.Count > 0)
        {
            return ApiProblem.Validation(fields.Errors);
        }

        var workspace = await db.WriteAsync(
            (connection, transaction) => WorkspaceStore.InsertAsync(connection, transaction, name!, readOnly, Timestamps.Now(clock)), ct);
        return TypedResults.Created($"/v1/admin/workspaces/{workspace.Id}", new WorkspaceEnvelope(workspace));
    }

    public static async Task<Results<Ok<WorkspaceList>, ProblemHttpResult>> List(Database db, string? limit, string? cursor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var page = Page.Parse(limit, cursor, "ws_", errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        await using var connection = await db.OpenAsync(ct);
        var (items, next) = page.Cut(await WorkspaceStore.ListAsync(connection, page.After, page.Limit + 1), w => w.Id);
        return TypedResults.Ok(new WorkspaceList(items, next));
    }

    public static async Task<Results<Ok<WorkspaceEnvelope>, ProblemHttpResult>> Update(
        string id, HttpRequest request, Database db, Auth.AccessCache cache, CancellationToken ct)
    {
        await using (var connection = await db.OpenAsync(ct))
        {
            if (await WorkspaceStore.FindAsync(connection, id) is null)
            {
                return ApiProblem.NotFound("workspace");
            }
        }
        var body = await JsonBody.ReadObjectAsync(request, ct);
        if (body.Problem is { } bodyProblem)
        {
            return bodyProblem;
        }
        using var document = body.Document;

        try
        {
            return await db.WriteAsync<Results<Ok<WorkspaceEnvelope>, ProblemHttpResult>>(async (connection, transaction) =>
            {
                if (await WorkspaceStore.FindAsync(connection, id, transaction) is not { } current)
                {
                    return ApiProblem.NotFound("workspace");
                }
                var fields = new JsonFields(body.Root, "", new FieldErrors());
                var updated = current with
                {
                    Name = fields.Text("name", current.Name, WorkspaceStore.NameMax, required: true, trim: true)!,
                    ReadOnly = fields.Boolean("readOnly", current.ReadOnly, false),
                };
                if (fields.Errors.Count > 0)
                {
                    return ApiProblem.Validation(fields.Errors);
                }
                await WorkspaceStore.UpdateAsync(connection, transaction, updated);
                return TypedResults.Ok(new WorkspaceEnvelope(updated));
            }, ct);
        }
        finally
        {
            // Only once the write has ended (a commit that reported an error included): a lookup
            // meanwhile would have read the old flag.
            cache.ForgetWorkspace(id);
        }
    }
}
