using System.Collections.Concurrent;
using System.Diagnostics;

namespace Playbooks.Api.Tests.Infrastructure;

/// <summary>
/// Checks every exchange of a test client against the OpenAPI document and fails the call that
/// breaks it. Set PLAYBOOKS_CONTRACT_REPORT to a file path to record instead of fail: the file
/// then lists, at the end of the run, every violation, every call no operation matched, and how
/// many exchanges of each operation and status were checked (with the time the checker took).
/// </summary>
public sealed class ConformanceHandler(OpenApiContract contract) : DelegatingHandler
{
    private static readonly string? ReportPath = Environment.GetEnvironmentVariable("PLAYBOOKS_CONTRACT_REPORT");
    private static readonly ConcurrentDictionary<string, int> Violations = new();
    private static readonly ConcurrentDictionary<string, int> Unmatched = new();
    private static readonly ConcurrentDictionary<string, int> Checked = new();
    private static long checkingTicks;

    static ConformanceHandler()
    {
        if (ReportPath is { Length: > 0 })
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => File.WriteAllLines(ReportPath,
                Violations.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Value,5}x {v.Key}")
                    .Append("").Append("Unmatched (no operation in the document):")
                    .Concat(Unmatched.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => $"{u.Value,5}x {u.Key}"))
                    .Append("").Append($"Checked ({Checked.Values.Sum()} exchanges, {TimeSpan.FromTicks(checkingTicks).TotalMilliseconds:F0} ms in the checker):")
                    .Concat(Checked.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value,5}x {c.Key}")));
        }
    }

    /// <summary>Fail the call that breaks the document (the default), or only record it for the report.</summary>
    public bool FailOnViolation { get; init; } = ReportPath is not { Length: > 0 };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        byte[]? requestBody = null;
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken);
            requestBody = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var responseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken);

        var started = Stopwatch.GetTimestamp();
        var verdict = contract.Check(request, requestBody, response, responseBody);
        Interlocked.Add(ref checkingTicks, Stopwatch.GetElapsedTime(started).Ticks);
        if (verdict.Operation is null)
        {
            Unmatched.AddOrUpdate($"{request.Method} {request.RequestUri?.AbsolutePath} -> {(int)response.StatusCode}", 1, (_, n) => n + 1);
        }
        else
        {
            Checked.AddOrUpdate(verdict.Operation, 1, (_, n) => n + 1);
        }
        foreach (var violation in verdict.Violations)
        {
            Violations.AddOrUpdate(violation, 1, (_, n) => n + 1);
        }
        if (verdict.Violations.Count > 0 && FailOnViolation)
        {
            throw new ContractViolationException(verdict.Violations);
        }
        return response;
    }
}

/// <summary>An exchange that breaks the OpenAPI document: the server or the document is wrong.</summary>
public sealed class ContractViolationException(IReadOnlyList<string> violations)
    : Exception("The exchange breaks docs/openapi.json:\n  " + string.Join("\n  ", violations))
{
    public IReadOnlyList<string> Violations { get; } = violations;
}
