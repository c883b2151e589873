using System.CommandLine;
using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Serialization;
using Playbooks.Client;
using Spectre.Console;

namespace Playbooks.Cli;

/// <summary>The command tree and what every command shares: where the server is, who calls, how to print, how to fail.</summary>
public static class Cli
{
    public const int ApiError = 1;
    public const int UsageError = 2;
    public const int Unreachable = 3;

    public static readonly Option<string?> Server = new("--server") { Description = "API base address [env PLAYBOOKS_SERVER, then playbooks login, default http://localhost:5080]", Recursive = true };
    public static readonly Option<string?> Token = new("--token") { Description = "Bearer token [env PLAYBOOKS_TOKEN, then playbooks login]", Recursive = true };
    public static readonly Option<string?> Workspace = new("--workspace") { Description = "Workspace id, for tokens with several workspaces [env PLAYBOOKS_WORKSPACE, then playbooks login]", Recursive = true };
    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON for scripts instead of tables", Recursive = true };

    public static RootCommand Build()
    {
        var root = new RootCommand("playbooks: executable specs for AI buddies, from a terminal.");
        root.Options.Add(Server);
        root.Options.Add(Token);
        root.Options.Add(Workspace);
        root.Options.Add(Json);
        foreach (var command in PlaybookCommands.All().Concat(RunCommands.All()).Append(EventCommands.Build()).Append(WebhookCommands.Build()).Append(McpCommand.Build()).Append(AdminCommands.Build())
            .Append(PivotCommand.Build()).Concat(LoginCommands.All()).Append(DemoCommand.Build()))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>Runs a command body with a client, turning failures into a message on stderr and an exit code.</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> With(Func<Context, CancellationToken, Task> body, bool admin = false) =>
        async (parse, cancellationToken) =>
        {
            var settings = CliConfig.Resolve(parse.GetValue(Server), parse.GetValue(Token), parse.GetValue(Workspace));
            if (settings.Problem is { } unusable)
            {
                await Console.Error.WriteLineAsync(unusable);
                return UsageError;
            }
            var token = admin ? parse.GetValue(AdminCommands.AdminKey) ?? Environment.GetEnvironmentVariable("PLAYBOOKS_ADMIN_KEY") : settings.Token;
            if (string.IsNullOrEmpty(token))
            {
                await Console.Error.WriteLineAsync(admin
                    ? "No admin key: pass --admin-key or set PLAYBOOKS_ADMIN_KEY."
                    : "No token: run playbooks login, pass --token or set PLAYBOOKS_TOKEN (a new server writes one to src/Playbooks.Api/data/dev-token).");
                return UsageError;
            }
            var server = settings.Server;
            if (CliConfig.BaseAddress(server) is not { } baseAddress)
            {
                await Console.Error.WriteLineAsync($"Not a server address: {server}");
                return UsageError;
            }
            var workspace = settings.Workspace;
            using var client = PlaybooksClient.Create(baseAddress, token, workspace);
            try
            {
                await body(new Context(parse, client, parse.GetValue(Json), new Connection(baseAddress, token, workspace)), cancellationToken);
                return 0;
            }
            catch (PlaybooksApiException problem)
            {
                await Console.Error.WriteLineAsync($"Error: {problem.Title} ({problem.Code}){(problem.Detail is null ? "" : $": {problem.Detail}")}");
                foreach (var (field, messages) in problem.Errors)
                {
                    await Console.Error.WriteLineAsync($"  {field}: {string.Join("; ", messages)}");
                }
                return ApiError;
            }
            catch (HttpRequestException unreachable)
            {
                await Console.Error.WriteLineAsync($"Cannot reach {baseAddress}: {unreachable.Message}");
                return Unreachable;
            }
            catch (UsageException usage)
            {
                await Console.Error.WriteLineAsync(usage.Message);
                return UsageError;
            }
            catch (RefusedException refused)
            {
                await Console.Error.WriteLineAsync(refused.Message);
                return ApiError;
            }
        };

    public sealed class UsageException(string message) : Exception(message);

    /// <summary>The server refused, outside a problem the client reads (exit code 1).</summary>
    public sealed class RefusedException(string message) : Exception(message);

    /// <summary>Where the server is and who calls, as the options and environment gave them.</summary>
    public sealed record Connection(Uri Server, string Token, string? Workspace);

    /// <summary>What a command body gets: its parse result, the client, whether to print JSON, and the connection the client uses.</summary>
    public sealed record Context(ParseResult Parse, PlaybooksClient Client, bool Json, Connection Connection)
    {
        public T Get<T>(Option<T> option) => Parse.GetValue(option)!;

        public T Get<T>(Argument<T> argument) => Parse.GetValue(argument)!;

        /// <summary>JSON for scripts, or the human rendering.</summary>
        public void Print<T>(T value, Action<T> human)
        {
            if (Json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(value, Indented));
            }
            else
            {
                human(value);
            }
        }
    }

    /// <summary>How --json writes: the client's names, and times in the API's own format, so that output reads as the API sent it.</summary>
    public static readonly JsonSerializerOptions JsonOutput = new(PlaybooksClient.Json) { Converters = { new ApiTime() } };

    private static readonly JsonSerializerOptions Indented = new(JsonOutput) { WriteIndented = true };

    /// <summary>Instants as the API writes them (UTC, milliseconds, Z) rather than with a +00:00 offset.</summary>
    private sealed class ApiTime : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
    }

    public static IAnsiConsole Out { get; } = CreateConsole();

    // Piped output has no window to fit: keep ids and timestamps on one line.
    private static IAnsiConsole CreateConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 200;
        }
        return console;
    }
}
