using System.Text.Json;

namespace Playbooks.Cli;

/// <summary>
/// What <c>playbooks login</c> saved: a server, its token, and optionally a workspace, in a file only its owner
/// can read. <see cref="Resolve"/> is the one place that decides which server, token and workspace a command uses.
/// </summary>
public sealed record CliConfig(string Server, string Token, string? Workspace)
{
    public const string DefaultServer = "http://localhost:5080";

    private static readonly JsonSerializerOptions FileJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary><c>$XDG_CONFIG_HOME/playbooks/config.json</c>, or <c>~/.config/playbooks/config.json</c> when XDG_CONFIG_HOME is unset.</summary>
    public static string FilePath
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
            if (string.IsNullOrEmpty(root))
            {
                root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            }
            return Path.Combine(root, "playbooks", "config.json");
        }
    }

    /// <summary>The server, token and workspace in effect, or why the saved configuration could not be read.</summary>
    public sealed record Settings(string Server, string? Token, string? Workspace, string? Problem = null);

    /// <summary>
    /// Each of server, token and workspace: the flag, else the environment, else the saved configuration, else the default.
    /// The saved token and workspace belong to the saved server: they are used only when the server in effect is that one,
    /// so that <c>--server</c> or PLAYBOOKS_SERVER pointing elsewhere never receives the saved token.
    /// </summary>
    public static Settings Resolve(string? serverFlag, string? tokenFlag, string? workspaceFlag)
    {
        var (saved, problem) = Load();
        var server = serverFlag ?? Variable("PLAYBOOKS_SERVER");
        var token = tokenFlag ?? Variable("PLAYBOOKS_TOKEN");
        var savedApplies = saved is not null && (server is null || SameServer(server, saved.Server));
        return new Settings(
            server ?? saved?.Server ?? DefaultServer,
            token ?? (savedApplies ? saved!.Token : null),
            workspaceFlag ?? Variable("PLAYBOOKS_WORKSPACE") ?? (savedApplies ? saved!.Workspace : null),
            // A broken file matters only to a command that needs it: flags and environment that say it all still work.
            server is null || token is null ? problem : null);
    }

    /// <summary>The saved configuration; none when there is no file; a problem when there is one that cannot be used.</summary>
    public static (CliConfig? Config, string? Problem) Load()
    {
        var path = FilePath;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"Cannot read {path}: {e.Message} (playbooks logout removes it).");
        }
        try
        {
            var config = JsonSerializer.Deserialize<CliConfig>(text, FileJson);
            if (config is { Server.Length: > 0, Token.Length: > 0 })
            {
                return (config, null);
            }
        }
        catch (JsonException)
        {
            // Reported below, as a file without a server and a token is.
        }
        return (null, $"{path} is not a configuration playbooks login wrote: run playbooks login again, or playbooks logout to remove it.");
    }

    /// <summary>Writes the file readable by its owner only (0600, in a 0700 directory), replacing any earlier one at once.</summary>
    public void Save()
    {
        var path = FilePath;
        var directory = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        // Written beside the file and renamed over it: the token is never in a file with wider permissions, nor half written.
        var temporary = Path.Combine(directory, $".config.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using (var file = new FileStream(temporary, options))
            {
                JsonSerializer.Serialize(file, this, FileJson);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Removes the file; false when there was none.</summary>
    public static bool Delete()
    {
        var path = FilePath;
        if (!File.Exists(path))
        {
            return false;
        }
        File.Delete(path);
        return true;
    }

    /// <summary>The address as the client uses it (with a trailing slash), or null when it is not an absolute URL.</summary>
    public static Uri? BaseAddress(string server) =>
        Uri.TryCreate(server.EndsWith('/') ? server : server + "/", UriKind.Absolute, out var address) ? address : null;

    private static bool SameServer(string a, string b) => BaseAddress(a) is { } x && BaseAddress(b) is { } y && x == y;

    // An empty variable counts as unset, as `PLAYBOOKS_TOKEN= playbooks …` is how people unset one for a command.
    private static string? Variable(string name) => System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
