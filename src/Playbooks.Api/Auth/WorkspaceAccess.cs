using Microsoft.AspNetCore.Authorization;
using Playbooks.Api.Data;
using Playbooks.Api.Workspaces;

namespace Playbooks.Api.Auth;

/// <summary>
/// The requirement of the <c>read</c> and <c>write</c> policies: the caller works in a workspace
/// it is granted and that exists; to write, the workspace is not read-only and the grant is an
/// editor's. Each refusal names its problem code (see <see cref="AccessProblems"/>).
/// </summary>
public sealed class WorkspaceAccess(bool write) : IAuthorizationRequirement
{
    public const string Header = "X-Workspace-Id";

    public const string Required = "workspace_required";
    public const string Forbidden = "workspace_forbidden";
    public const string ReadOnly = "read_only_workspace";
    public const string InsufficientRole = "insufficient_role";

    public bool Write { get; } = write;

    /// <summary>The workspace an API request names with the header, or null when it names none.</summary>
    public static string? NamedBy(HttpRequest request) =>
        request.Headers.TryGetValue(Header, out var named) ? named.ToString() : null;

    public sealed class Handler(Database db, AccessCache cache) : AuthorizationHandler<WorkspaceAccess>
    {
        protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, WorkspaceAccess requirement)
        {
            var user = context.User;
            if (user.Identity?.IsAuthenticated != true)
            {
                return; // The policy's authenticated-user requirement answers 401.
            }
            if (user.FindFirst(PlaybooksClaims.WorkspaceProblem)?.Value is { } problem)
            {
                context.Fail(new AuthorizationFailureReason(this, problem));
                return;
            }

            var caller = Caller.Of(user);
            var readOnly = cache.WorkspaceReadOnly(caller.WorkspaceId) ?? await LoadReadOnlyAsync(caller.WorkspaceId, context.Resource);
            var refusal = readOnly switch
            {
                null => Forbidden, // granted, but the workspace no longer exists
                true when requirement.Write => ReadOnly,
                _ when requirement.Write && caller.Role != Roles.Editor => InsufficientRole,
                _ => null,
            };
            if (refusal is null)
            {
                context.Succeed(requirement);
            }
            else
            {
                context.Fail(new AuthorizationFailureReason(this, refusal));
            }
        }

        private async Task<bool?> LoadReadOnlyAsync(string workspaceId, object? resource)
        {
            var aborted = (resource as HttpContext)?.RequestAborted ?? CancellationToken.None;
            var readAt = cache.Generation;
            await using var connection = await db.OpenAsync(aborted);
            var readOnly = (await WorkspaceStore.FindAsync(connection, workspaceId))?.ReadOnly;
            if (readOnly is { } known)
            {
                cache.Keep(workspaceId, known, readAt);
            }
            return readOnly;
        }
    }
}
