namespace Playbooks.Api.Auth;

public static class Roles
{
    public const string Editor = "editor";
    public const string Viewer = "viewer";
    public static readonly string[] All = [Editor, Viewer];
}

public sealed record Grant(string WorkspaceId, string Role);

/// <summary>Who is calling and in which workspace: set once per request by <see cref="WorkspaceAccessFilter"/>.</summary>
public sealed class Caller
{
    public string TokenId { get; private set; } = "";
    public string Subject { get; private set; } = "";
    public string WorkspaceId { get; private set; } = "";
    public string Role { get; private set; } = "";

    internal void Set(string tokenId, string subject, string workspaceId, string role)
    {
        TokenId = tokenId;
        Subject = subject;
        WorkspaceId = workspaceId;
        Role = role;
    }
}
