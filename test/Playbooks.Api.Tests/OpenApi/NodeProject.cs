using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.OpenApi;

/// <summary>
/// The npm project in test/openapi-clients: the TypeScript client, its generator and the
/// document linter, at the versions its package-lock.json pins. Installed by the test run itself
/// (npm ci, once, and again only when the lock file is newer than node_modules).
/// </summary>
public static class NodeProject
{
    private static readonly Lazy<Task> Installed = new(InstallAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Folder { get; } = Path.Combine(TestPostgres.RepositoryRoot(), "test", "openapi-clients");

    /// <summary>The committed document every client is generated from.</summary>
    public static string Document { get; } = Path.Combine(TestPostgres.RepositoryRoot(), "docs", "openapi.json");

    public static Task EnsureInstalledAsync() => Installed.Value;

    /// <summary>Runs a package's command-line entry (node_modules/&lt;package&gt;/&lt;bin&gt;) with node.</summary>
    public static Task<Finished> RunPackageAsync(string entry, params string[] arguments) =>
        RunAsync("node", [Path.Combine("node_modules", entry), .. arguments]);

    /// <summary>
    /// Runs <paramref name="file"/> in the project folder. Each line it prints goes to
    /// <paramref name="answer"/>; a non-null answer is written back to its stdin.
    /// </summary>
    public static async Task<Finished> RunAsync(
        string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, Func<string, string?>? answer = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // No update banners, no telemetry, no colour codes in the output the assertions show.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";
        start.Environment["npm_config_update_notifier"] = "false";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"'{file}' was not found: the OpenAPI client tests need Node.js 20 or later with npm on the PATH. ({e.Message})", e);
        }
        using (process)
        {
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }
                if (answer?.Invoke(e.Data) is { } reply)
                {
                    process.StandardInput.WriteLine(reply);
                    process.StandardInput.Flush();
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in 5 minutes:\n{stdout}\n{stderr}");
            }
            lock (stdout)
            {
                lock (stderr)
                {
                    return new Finished(process.ExitCode, stdout.ToString(), stderr.ToString());
                }
            }
        }
    }

    private static async Task InstallAsync()
    {
        var node = await RunAsync("node", ["--version"]);
        if (node.ExitCode != 0 || !Version.TryParse(node.Stdout.Trim().TrimStart('v'), out var version) || version.Major < 20)
        {
            throw new InvalidOperationException($"The OpenAPI client tests need Node.js 20 or later; `node --version` said: {node.Stdout}{node.Stderr}");
        }
        // npm keeps a copy of the lock it installed from; a newer package-lock.json means stale packages.
        var installed = new FileInfo(Path.Combine(Folder, "node_modules", ".package-lock.json"));
        var locked = new FileInfo(Path.Combine(Folder, "package-lock.json"));
        if (installed.Exists && installed.LastWriteTimeUtc >= locked.LastWriteTimeUtc)
        {
            return;
        }
        var ci = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
        Assert.True(ci.ExitCode == 0, $"npm ci failed in {Folder} ({ci.ExitCode}):\n{ci.Output}");
    }
}

public sealed record Finished(int ExitCode, string Stdout, string Stderr)
{
    public string Output => $"{Stdout}{Stderr}";
}
