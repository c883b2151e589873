using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Playbooks.Api.Infrastructure;

/// <summary>
/// A server that cannot start says why in one line on stderr and exits with code 1, instead of
/// a stack trace: the port is taken, the configuration is invalid, the database is unreachable.
/// </summary>
public static partial class StartFailure
{
    public const int ExitCode = 1;

    /// <summary>Runs the server; a start that fails is reported as one line and <see cref="ExitCode"/>.</summary>
    public static async Task<int> RunAsync(Func<Task> server)
    {
        try
        {
            await server();
            return 0;
        }
        catch (Exception e) when (e is not HostAbortedException)
        {
            // HostAbortedException is how WebApplicationFactory and the build-time OpenAPI tool stop the program on purpose.
            await Console.Error.WriteLineAsync($"playbooks: cannot start: {Describe(e)}");
            return ExitCode;
        }
    }

    public static string Describe(Exception failure)
    {
        var chain = Chain(failure).ToList();
        if (chain.OfType<AddressInUseException>().Any())
        {
            var address = BindAddress().Match(failure.Message) is { Success: true } match ? match.Groups[1].Value : "the configured address";
            return $"address {address} is already in use (set ASPNETCORE_URLS or --urls to another)";
        }
        if (chain.OfType<OptionsValidationException>().FirstOrDefault() is { } options)
        {
            return $"invalid configuration: {string.Join(" ", options.Failures)}";
        }
        if (chain.OfType<DbException>().FirstOrDefault() is { } database)
        {
            var cause = chain.Last();
            var detail = cause == database ? database.Message : $"{database.Message} ({cause.Message})";
            return $"cannot use the database (check ConnectionStrings:Playbooks and Playbooks:Database:Provider): {OneLine(detail)}";
        }
        if (failure is InvalidOperationException or FormatException or ArgumentException)
        {
            return $"invalid configuration: {OneLine(failure.Message)}";
        }
        return OneLine(string.Join(": ", chain.Select(e => e.Message).Distinct()));
    }

    private static IEnumerable<Exception> Chain(Exception failure)
    {
        for (var e = failure; e is not null; e = e is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : e.InnerException)
        {
            yield return e;
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    [GeneratedRegex(@"address https?://([^\s]+?):? address already in use", RegexOptions.IgnoreCase)]
    private static partial Regex BindAddress();
}
