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

    /// <summary>A token secret, any of whose characters may be percent-encoded (as a client may send it in a URL).</summary>
    [GeneratedRegex("(?:p|%70)(?:b|%62)(?:t|%74)(?:_|%5F)(?:[0-9A-Za-z]|%[0-9A-F]{2}){26}(?:_|%5F)(?:[A-Za-z0-9_-]|%[0-9A-F]{2}){20,}", RegexOptions.IgnoreCase)]
    private static partial Regex TokenSecret();

    /// <summary>
    /// Shorter admin keys are not redacted: replacing every occurrence of a short key would mark
    /// ordinary words in the logs, and so tell the key. Production refuses keys under 32 characters.
    /// </summary>
    public const int RedactedKeyMin = 16;

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
        string redacted;
        try
        {
            redacted = Redact(line.ToString());
        }
        catch (RegexMatchTimeoutException)
        {
            // Never let logging fail a request or stop a worker; never write what could not be checked.
            redacted = $"{logEntry.LogLevel}: {logEntry.Category}[{logEntry.EventId.Id}] [entry withheld: it could not be checked for secrets in time]";
        }
        textWriter.WriteLine(redacted);
    }

    // "Hosting failed to start" with its stack trace: StartFailure reports the cause in one line instead.
    private static bool IsStartFailure(string category, EventId eventId) =>
        eventId.Id == 11 && category == "Microsoft.Extensions.Hosting.Internal.Host";

    private string Redact(string text)
    {
        text = TokenSecret().Replace(text, "pbt_[redacted]");
        var adminKey = configuration[Auth.AdminKeyAuthentication.ConfigurationKey];
        if (string.IsNullOrEmpty(adminKey) || adminKey.Length < RedactedKeyMin)
        {
            return text;
        }
        // Formatters run on every logging thread: the pattern is swapped whole, never torn.
        var pattern = Volatile.Read(ref adminKeyPattern);
        if (pattern?.Key != adminKey)
        {
            pattern = new KeyPattern(adminKey, Anywhere(adminKey));
            Volatile.Write(ref adminKeyPattern, pattern);
        }
        return pattern.Pattern.Replace(text, "[redacted]");
    }

    private sealed record KeyPattern(string Key, Regex Pattern);

    private KeyPattern? adminKeyPattern;

    /// <summary>The key as written, or with any of its characters percent-encoded as a client may send it in a URL.</summary>
    private static Regex Anywhere(string key)
    {
        var pattern = new System.Text.StringBuilder();
        foreach (var rune in key.EnumerateRunes())
        {
            var bytes = new byte[rune.Utf8SequenceLength];
            rune.EncodeToUtf8(bytes);
            pattern.Append("(?:").Append(Regex.Escape(rune.ToString())).Append('|')
                .Append(string.Concat(bytes.Select(b => $"%{b:X2}"))).Append(')');
        }
        return new Regex(pattern.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
