using System.CommandLine;
using System.Text.Json;
using Playbooks.Client;

namespace Playbooks.Cli;

/// <summary>login and logout: keep a server and its token in a file only the user can read, instead of exporting them in every shell.</summary>
public static class LoginCommands
{
    public static IEnumerable<Command> All()
    {
        var tokenFile = new Option<string?>("--token-file") { Description = "Read the token from this file ('-' for standard input), so that it stays out of the shell's history" };
        var login = new Command("login", "Check a token against the server and save both (with --workspace) for later commands") { tokenFile };
        login.SetAction(LoginAsync(tokenFile));
        yield return login;

        var logout = new Command("logout", "Remove the saved server and token");
        logout.SetAction(parse =>
        {
            var path = CliConfig.FilePath;
            var removed = CliConfig.Delete();
            if (parse.GetValue(Cli.Json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { removed, path }, Cli.JsonOutput));
            }
            else
            {
                Console.Out.WriteLine(removed ? $"Logged out: removed {path}." : $"Not logged in: there is no {path}.");
            }
            return 0;
        });
        yield return logout;
    }

    private static Func<ParseResult, CancellationToken, Task<int>> LoginAsync(Option<string?> tokenFile) => async (parse, cancellationToken) =>
    {
        string? token;
        try
        {
            token = await ReadTokenAsync(parse.GetValue(Cli.Token), parse.GetValue(tokenFile), cancellationToken);
        }
        catch (Cli.UsageException usage)
        {
            await Console.Error.WriteLineAsync(usage.Message);
            return Cli.UsageError;
        }
        if (string.IsNullOrEmpty(token))
        {
            await Console.Error.WriteLineAsync("No token: pass --token-file (or --token), set PLAYBOOKS_TOKEN, or run playbooks login on a terminal to be asked for it.");
            return Cli.UsageError;
        }

        // Logging in again without --server stays with the server saved before.
        var saved = CliConfig.Load().Config;
        var server = parse.GetValue(Cli.Server) ?? NonEmpty(Environment.GetEnvironmentVariable("PLAYBOOKS_SERVER")) ?? saved?.Server ?? CliConfig.DefaultServer;
        if (CliConfig.BaseAddress(server) is not { } baseAddress)
        {
            await Console.Error.WriteLineAsync($"Not a server address: {server}");
            return Cli.UsageError;
        }
        var workspace = parse.GetValue(Cli.Workspace) ?? NonEmpty(Environment.GetEnvironmentVariable("PLAYBOOKS_WORKSPACE"));

        // Nothing is saved before the server has accepted the token: a typo must not replace a working login.
        using var client = PlaybooksClient.Create(baseAddress, token, workspace, TimeSpan.FromSeconds(30));
        try
        {
            await client.ListPlaybooksAsync(new ListOptions(Limit: 1), cancellationToken);
        }
        catch (PlaybooksApiException problem)
        {
            await Console.Error.WriteLineAsync($"Error: {problem.Title} ({problem.Code}){(problem.Detail is null ? "" : $": {problem.Detail}")}");
            await Console.Error.WriteLineAsync(problem.Code == "workspace_required"
                ? "The token grants several workspaces: pass --workspace ws_... to choose one. Nothing was saved."
                : "The server refused the token. Nothing was saved.");
            return Cli.ApiError;
        }
        catch (HttpRequestException unreachable)
        {
            await Console.Error.WriteLineAsync($"Cannot reach {baseAddress}: {unreachable.Message}. Nothing was saved.");
            return Cli.Unreachable;
        }

        var config = new CliConfig(baseAddress.ToString(), token, workspace);
        try
        {
            config.Save();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"Cannot write {CliConfig.FilePath}: {e.Message}");
            return Cli.UsageError;
        }
        if (parse.GetValue(Cli.Json))
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { server = config.Server, workspace = config.Workspace, path = CliConfig.FilePath }, Cli.JsonOutput));
        }
        else
        {
            await Console.Out.WriteLineAsync($"Logged in to {config.Server.TrimEnd('/')}{(workspace is null ? "" : $", workspace {workspace}")}.");
            await Console.Out.WriteLineAsync($"Saved to {CliConfig.FilePath} (readable only by you); playbooks logout removes it.");
        }
        return 0;
    };

    private static async Task<string?> ReadTokenAsync(string? flag, string? file, CancellationToken cancellationToken)
    {
        if (flag is not null && file is not null)
        {
            throw new Cli.UsageException("Pass --token or --token-file, not both.");
        }
        if (file is null)
        {
            return flag ?? NonEmpty(Environment.GetEnvironmentVariable("PLAYBOOKS_TOKEN")) ?? (Console.IsInputRedirected ? null : Prompt());
        }
        try
        {
            var text = file == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(file, cancellationToken);
            return text.Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Cli.UsageException($"Cannot read {file}: {e.Message}");
        }
    }

    /// <summary>Asks for the token on the terminal without echoing it, as a password prompt does.</summary>
    private static string Prompt()
    {
        Console.Error.Write("Token: ");
        var token = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }
            if (key.Key == ConsoleKey.Backspace)
            {
                token.Length = Math.Max(0, token.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                token.Append(key.KeyChar);
            }
        }
        Console.Error.WriteLine();
        return token.ToString().Trim();
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
