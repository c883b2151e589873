using System.CommandLine;
using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
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
            catch (HttpRequestException unreachable) when (unreachable.StatusCode is null)
            {
                await Console.Error.WriteLineAsync($"Cannot reach {baseAddress}: {Describe(unreachable)}");
                return Unreachable;
            }
            catch (TaskCanceledException timeout) when (!cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"Cannot reach {baseAddress}: no answer in time ({Describe(timeout)})");
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
            catch (CannotReachException unreachable)
            {
                await Console.Error.WriteLineAsync(unreachable.Message);
                return Unreachable;
            }
            catch (Exception unexpected) when (unexpected is not OperationCanceledException)
            {
                // The last resort: one line, never a stack trace (PLAYBOOKS_DEBUG=1 shows it, for a bug report).
                await Console.Error.WriteLineAsync(Environment.GetEnvironmentVariable("PLAYBOOKS_DEBUG") is "1"
                    ? unexpected.ToString()
                    : $"Error: {Describe(unexpected)}");
                return ApiError;
            }
        };

    /// <summary>An exception's message with those of its causes, on one line.</summary>
    public static string Describe(Exception exception)
    {
        var messages = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var message = string.Join(' ', e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            if (message.Length > 0 && !messages.Any(m => m.Contains(message, StringComparison.Ordinal)))
            {
                messages.Add(message);
            }
        }
        return string.Join(": ", messages);
    }

    public sealed class UsageException(string message) : Exception(message);

    /// <summary>Something the command needs could not be reached, e.g. a chat endpoint (exit code 3).</summary>
    public sealed class CannotReachException(string message) : Exception(message);

    /// <summary>The server refused, outside a problem the client reads (exit code 1).</summary>
    public sealed class RefusedException(string message) : Exception(message);

    /// <summary>Where the server is and who calls, as the options and environment gave them.</summary>
    public sealed record Connection(Uri Server, string Token, string? Workspace);

    /// <summary>What a command body gets: its parse result, the client, whether to print JSON, and the connection the client uses.</summary>
    public sealed record Context(ParseResult Parse, PlaybooksClient Client, bool Json, Connection Connection)
    {
        // With --json, every answer's body as the API sent it: what Print and PrintList write.
        private readonly List<JsonNode> bodies = Record(Client, Json);

        public T Get<T>(Option<T> option) => Parse.GetValue(option)!;

        public T Get<T>(Argument<T> argument) => Parse.GetValue(argument)!;

        /// <summary>
        /// An answer of the API: with --json the body of the last answer read, exactly as the API sent
        /// it (a value the command made without calling the API is written as JSON); else the human rendering.
        /// </summary>
        public void Print<T>(T value, Action<T> human)
        {
            if (!Json)
            {
                human(value);
            }
            else if (bodies.Count > 0)
            {
                WriteJson(bodies[^1]);
            }
            else
            {
                PrintOwn(value, human);
            }
        }

        /// <summary>
        /// A list read page by page: with --json one envelope as the API writes a page, holding every item
        /// printed, and the last page's <c>nextCursor</c> (null unless more remain); else the human rendering.
        /// </summary>
        public void PrintList<T>(IReadOnlyList<T> items, string member, Action<IReadOnlyList<T>> human)
        {
            if (!Json)
            {
                human(items);
                return;
            }
            var pages = bodies.OfType<JsonObject>().Where(b => b[member] is JsonArray).ToList();
            if (pages.Count == 0)
            {
                PrintOwn(items, human);
                return;
            }
            var envelope = pages[^1].DeepClone().AsObject();
            envelope[member] = new JsonArray([.. pages.SelectMany(p => p[member]!.AsArray()).Select(i => i?.DeepClone())]);
            WriteJson(envelope);
        }

        /// <summary>What the command itself made (a run's transcript, a prompt): JSON in the API's style, or the human rendering.</summary>
        public void PrintOwn<T>(T value, Action<T> human)
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

        /// <summary>
        /// Reads a list page by page, <paramref name="limit"/> items at most (every one when null): each page asks
        /// only for what is still wanted, so the last page's cursor is where a script would go on.
        /// </summary>
        public async Task<List<T>> CollectAsync<T>(int? limit, Func<int?, string?, Task<Page<T>>> page)
        {
            var items = new List<T>();
            string? cursor = null;
            do
            {
                var wanted = limit is { } l ? Math.Min(l - items.Count, 1000) : (int?)null;
                var next = await page(wanted, cursor);
                items.AddRange(next.Items);
                cursor = next.NextCursor;
            }
            while (cursor is not null && (limit is null || items.Count < limit));
            return items;
        }

        /// <summary>The bodies read since the last call, oldest first (for output that streams, like events --follow).</summary>
        public List<JsonNode> TakeBodies()
        {
            var taken = bodies.ToList();
            bodies.Clear();
            return taken;
        }

        private static List<JsonNode> Record(PlaybooksClient client, bool json)
        {
            var bodies = new List<JsonNode>();
            if (json)
            {
                client.BodyRead = bodies.Add;
            }
            return bodies;
        }

        private static void WriteJson(JsonNode body) => Console.Out.WriteLine(body.ToJsonString(IndentedRaw));
    }

    // Written as read: no naming policy or converters, only indentation, and characters as the API escapes them.
    private static readonly JsonSerializerOptions IndentedRaw = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

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
