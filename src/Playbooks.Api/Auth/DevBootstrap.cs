using Playbooks.Api.Data;
using Playbooks.Api.Workspaces;

namespace Playbooks.Api.Auth;

/// <summary>
/// First start in Development: on an empty database, make a <c>default</c> workspace and an
/// editor token for <c>dev</c>, so a new user can call the API at once. The secret is printed
/// to the console once (never through the log pipeline) and written to data/dev-token, mode 0600.
/// </summary>
public static class DevBootstrap
{
    public static async Task RunAsync(WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            return;
        }
        var db = app.Services.GetRequiredService<Database>();
        var clock = app.Services.GetRequiredService<TimeProvider>();
        var issued = await db.WriteAsync<IssuedToken?>(async (connection, transaction) =>
        {
            if (await WorkspaceStore.AnyAsync(connection, transaction))
            {
                return null;
            }
            var now = Infrastructure.Timestamps.Now(clock);
            var workspace = await WorkspaceStore.InsertAsync(connection, transaction, "default", readOnly: false, now);
            return await TokenStore.IssueAsync(connection, transaction, "dev", [new Grant(workspace.Id, Roles.Editor)], null, now);
        }, CancellationToken.None);
        if (issued is null)
        {
            return;
        }

        var path = Path.Combine(app.Environment.ContentRootPath, "data", "dev-token");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using (var file = new StreamWriter(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options))
        {
            await file.WriteAsync(issued.Secret);
        }
        Console.WriteLine($"""

            First start: created workspace "default" and a token for subject "dev".
              token: {issued.Secret}
              saved: {path}
            Try: curl -H "Authorization: Bearer $(cat {path})" <server address>/v1/playbooks

            """);
    }
}
