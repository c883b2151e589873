using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Playbooks.Api.Infrastructure;

/// <summary>
/// The console log format, one line per entry with its scopes (the request id and trace id),
/// with anything shaped like a token secret, and the configured admin key, replaced before it
/// is written. Our code never logs secrets; this also covers what the framework logs, such as a
/// request line whose query string a client put a secret in.
/// </summary>
public sealed partial class RedactingConsoleFormatter(IConfiguration configuration, IOptionsMonitor<SimpleConsoleFormatterOptions> options)
    : ConsoleFormatter(Name)
{
    public new const string Name = "redacting";

    [GeneratedRegex("pbt_[0-9A-Za-z]{26}_[A-Za-z0-9_-]{20,}")]
    private static partial Regex TokenSecret();

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if ((message is null && logEntry.Exception is null) || IsStartFailure(logEntry.Category, logEntry.EventId))
        {
            return;
        }
        var line = new System.Text.StringBuilder();
        if (options.CurrentValue.TimestampFormat is { } format)
        {
            line.Append(DateTimeOffset.UtcNow.ToString(format, System.Globalization.CultureInfo.InvariantCulture));
        }
        line.Append(logEntry.LogLevel switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            LogLevel.Critical => "crit",
            _ => "none",
        }).Append(": ").Append(logEntry.Category).Append('[').Append(logEntry.EventId.Id).Append("] ");
        if (options.CurrentValue.IncludeScopes && scopeProvider is not null)
        {
            scopeProvider.ForEachScope((scope, builder) => builder.Append("=> ").Append(scope).Append(' '), line);
        }
        line.Append(message);
        if (logEntry.Exception is { } exception)
        {
            line.AppendLine().Append(exception);
        }
        textWriter.WriteLine(Redact(line.ToString()));
    }

    // "Hosting failed to start" with its stack trace: StartFailure reports the cause in one line instead.
    private static bool IsStartFailure(string category, EventId eventId) =>
        eventId.Id == 11 && category == "Microsoft.Extensions.Hosting.Internal.Host";

    private string Redact(string text)
    {
        text = TokenSecret().Replace(text, "pbt_[redacted]");
        var adminKey = configuration[Auth.AdminKeyAuthentication.ConfigurationKey];
        return string.IsNullOrEmpty(adminKey) ? text : text.Replace(adminKey, "[redacted]", StringComparison.Ordinal);
    }
}
