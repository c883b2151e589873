using System.Security.Claims;

namespace Playbooks.Api.Auth;

public static class Roles
{
    public const string Editor = "editor";
    public const string Viewer = "viewer";
    public static readonly string[] All = [Editor, Viewer];
}

public sealed record Grant(string WorkspaceId, string Role);

/// <summary>The claims a Playbooks principal carries, whichever way it authenticated.</summary>
public static class PlaybooksClaims
{
    public const string Subject = "sub";
    public const string WorkspaceId = "workspace_id";
    public const string Role = "role";

    /// <summary>What the rate limit counts requests by: the API token's id, or the subject of a JWT.</summary>
    public const string RateLimitKey = "rate_limit_key";

    /// <summary>Why no workspace could be chosen for the request (a problem code), when none could.</summary>
    public const string WorkspaceProblem = "workspace_problem";

    /// <summary>
    /// The identity of a caller with its grants, in the workspace <paramref name="workspaceId"/>
    /// names (the API's <c>X-Workspace-Id</c> header, the dashboard's chosen workspace) or, when
    /// none is named, the only one it is granted. When no workspace can be chosen, the identity
    /// says why, for the authorization policies to answer.
    /// </summary>
    public static ClaimsIdentity Identity(string authenticationType, string subject, string rateLimitKey, IReadOnlyList<Grant> grants, string? workspaceId)
    {
        var identity = new ClaimsIdentity(authenticationType, Subject, Role);
        identity.AddClaim(new Claim(Subject, subject));
        identity.AddClaim(new Claim(RateLimitKey, rateLimitKey));

        Grant? grant;
        string? problem = null;
        if (workspaceId is not null)
        {
            grant = grants.FirstOrDefault(g => string.Equals(g.WorkspaceId, workspaceId, StringComparison.Ordinal));
            problem = grant is null ? WorkspaceAccess.Forbidden : null;
        }
        else
        {
            grant = grants.Count == 1 ? grants[0] : null;
            problem = grants.Count switch { 1 => null, 0 => WorkspaceAccess.Forbidden, _ => WorkspaceAccess.Required };
        }

        if (grant is not null)
        {
            identity.AddClaim(new Claim(WorkspaceId, grant.WorkspaceId));
            identity.AddClaim(new Claim(Role, grant.Role));
        }
        else
        {
            identity.AddClaim(new Claim(WorkspaceProblem, problem!));
        }
        return identity;
    }
}

/// <summary>Who is calling and in which workspace, read from the authorized request's user.</summary>
public sealed record Caller(string Subject, string WorkspaceId, string Role)
{
    public static Caller Of(ClaimsPrincipal user) => new(
        user.FindFirstValue(PlaybooksClaims.Subject) ?? "",
        user.FindFirstValue(PlaybooksClaims.WorkspaceId) ?? "",
        user.FindFirstValue(PlaybooksClaims.Role) ?? "");
}
