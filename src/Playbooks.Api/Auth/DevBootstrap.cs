using Playbooks.Api.Data;
using Playbooks.Api.Workspaces;

namespace Playbooks.Api.Auth;

/// <summary>
/// Every start in Development: when data/dev-token does not hold a token that is valid on this
/// database (known, not revoked, not expired), issue an editor token for <c>dev</c> in the
/// workspace <c>default</c> (made if missing) and write it there, mode 0600. So the file always
/// follows the store the server runs on, also after switching databases. The secret is printed
/// to the console once (never through the log pipeline); a valid file is left as it is.
/// </summary>
public static class DevBootstrap
{
    public const string WorkspaceName = "default";
    public const string Subject = "dev";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static async Task RunAsync(WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            return;
        }
        var path = Path.Combine(app.Environment.ContentRootPath, "data", "dev-token");
        if (File.Exists(path)
            && await app.Services.GetRequiredService<TokenCheck>().VerifySecretAsync((await File.ReadAllTextAsync(path)).Trim(), CancellationToken.None) is not null)
        {
            RestrictToOwner(path);
            return;
        }

        var db = app.Services.GetRequiredService<Database>();
        var clock = app.Services.GetRequiredService<TimeProvider>();
        var (issued, created) = await db.WriteAsync(async (connection, transaction) =>
        {
            var now = Infrastructure.Timestamps.Now(clock);
            var workspace = await WorkspaceStore.FindByNameAsync(connection, transaction, WorkspaceName);
            var created = workspace is null;
            workspace ??= await WorkspaceStore.InsertAsync(connection, transaction, WorkspaceName, readOnly: false, now);
            return (await TokenStore.IssueAsync(connection, transaction, Subject, [new Grant(workspace.Id, Roles.Editor)], null, now), created);
        }, CancellationToken.None);

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }
        // An existing file keeps its mode when overwritten, so narrow it before the secret goes in.
        RestrictToOwner(path);
        await using (var file = new StreamWriter(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options))
        {
            await file.WriteAsync(issued.Secret);
        }
        var what = created
            ? $"""created workspace "{WorkspaceName}" and a token for subject "{Subject}"."""
            : $"""{path} held no valid token for this database: issued a new token for subject "{Subject}" in workspace "{WorkspaceName}".""";
        Console.WriteLine($"""

            Development start: {what}
              token: {issued.Secret}
              saved: {path}
            Try: curl -H "Authorization: Bearer $(cat {path})" http://localhost:5080/v1/playbooks (or the address the server says it listens on)

            """);
    }

    private static void RestrictToOwner(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path) && File.GetUnixFileMode(path) != OwnerOnly)
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }
    }
}
