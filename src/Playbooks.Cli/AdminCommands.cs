using System.CommandLine;
using Playbooks.Client;
using Spectre.Console;

namespace Playbooks.Cli;

/// <summary>admin workspace create|list|set-read-only, admin token create|list|revoke: with the operator's admin key.</summary>
public static class AdminCommands
{
    public static readonly Option<string?> AdminKey = new("--admin-key") { Description = "The server's admin key [env PLAYBOOKS_ADMIN_KEY]", Recursive = true };

    public static Command Build()
    {
        var admin = new Command("admin", "Operator commands: workspaces and tokens (need the admin key)") { AdminKey };

        var name = new Argument<string>("name") { Description = "Workspace name" };
        var readOnly = new Option<bool>("--read-only") { Description = "Create it read-only" };
        var create = new Command("create", "Create a workspace") { name, readOnly };
        create.SetAction(Cli.With(async (c, ct) => c.Print(await c.Client.CreateWorkspaceAsync(c.Get(name), c.Get(readOnly), ct), Workspaces), admin: true));

        var list = new Command("list", "List workspaces");
        list.SetAction(Cli.With(async (c, ct) => c.PrintList(await c.Client.ListAllWorkspacesAsync(ct).ToListAsync(ct), "workspaces", Workspaces), admin: true));

        var workspaceId = new Argument<string>("workspaceId") { Description = "Workspace id (ws_...)" };
        var flag = new Argument<bool>("readOnly") { Description = "true to make it read-only, false to make it writable again", DefaultValueFactory = _ => true };
        var setReadOnly = new Command("set-read-only", "Make a workspace read-only (or writable again with false)") { workspaceId, flag };
        setReadOnly.SetAction(Cli.With(async (c, ct) => c.Print(await c.Client.UpdateWorkspaceAsync(c.Get(workspaceId), readOnly: c.Get(flag), cancellationToken: ct), Workspaces), admin: true));

        admin.Subcommands.Add(new Command("workspace", "Workspaces") { create, list, setReadOnly });

        var subject = new Option<string>("--subject") { Description = "Who the token is for, e.g. user_42", Required = true };
        var grants = new Option<string[]>("--grant") { Description = "workspaceId:role (role editor or viewer); repeat for several", Required = true, AllowMultipleArgumentsPerToken = true };
        var expiresAt = new Option<DateTimeOffset?>("--expires-at") { Description = "When the token stops working (ISO 8601)" };
        var tokenCreate = new Command("create", "Issue a token; its secret is shown once") { subject, grants, expiresAt };
        tokenCreate.SetAction(Cli.With(async (c, ct) =>
        {
            var parsed = c.Get(grants).Select(g => g.Split(':', 2) is [var ws, var role] ? new Grant(ws, role) : throw new Cli.UsageException($"--grant {g}: expected workspaceId:role")).ToList();
            var issued = await c.Client.CreateTokenAsync(c.Get(subject), parsed, c.Get(expiresAt), ct);
            c.Print(issued, t =>
            {
                Cli.Out.WriteLine($"token   {t.Token.Id} for {t.Token.Subject}: {string.Join(", ", t.Token.Grants.Select(g => $"{g.WorkspaceId} ({g.Role})"))}");
                Cli.Out.WriteLine($"secret  {t.Secret}");
                Cli.Out.WriteLine("The secret is shown only now: store it safely.");
            });
        }, admin: true));

        var tokenId = new Argument<string>("tokenId") { Description = "Token id (tok_...)" };
        var revoke = new Command("revoke", "Revoke a token; it stops working at once") { tokenId };
        revoke.SetAction(Cli.With(async (c, ct) =>
        {
            await c.Client.RevokeTokenAsync(c.Get(tokenId), ct);
            c.Print(new { ok = true }, _ => Cli.Out.WriteLine($"Revoked {c.Get(tokenId)}."));
        }, admin: true));

        var tokenList = new Command("list", "List tokens (never their secrets), oldest first, revoked ones included");
        tokenList.SetAction(Cli.With(async (c, ct) => c.Print(await c.Client.ListAllTokensAsync(ct).ToListAsync(ct), Tokens), admin: true));

        admin.Subcommands.Add(new Command("token", "Tokens") { tokenCreate, tokenList, revoke });
        return admin;
    }

    private static void Tokens(IReadOnlyList<Token> tokens) => Output.Grid(
        [new("id"), new("subject", Shrinks: true), new("grants"), new("expires", Drop: 2), new("revoked", Drop: 1)],
        tokens.Select(t => new[]
        {
            t.Id, t.Subject, string.Join(", ", t.Grants.Select(g => $"{g.WorkspaceId}:{g.Role}")),
            t.ExpiresAt is null ? "never" : Output.Time(t.ExpiresAt), Output.Time(t.RevokedAt),
        }).ToList(),
        "No tokens.", Output.Count(tokens.Count, "token"));

    private static void Workspaces(Workspace workspace) => Workspaces([workspace]);

    private static void Workspaces(IReadOnlyList<Workspace> workspaces) => Output.Grid(
        [new("id"), new("name", Shrinks: true), new("read-only"), new("created", Drop: 1)],
        workspaces.Select(w => new[] { w.Id, w.Name, w.ReadOnly ? "yes" : "no", Output.Time(w.CreatedAt) }).ToList(),
        "No workspaces.", Output.Count(workspaces.Count, "workspace"));
}
