using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Playbooks.Cli.Tests;

/// <summary>
/// The real <c>playbooks</c> command, run as a process like a user or a script would. <paramref name="environment"/> is applied
/// last (a null value unsets the variable). XDG_CONFIG_HOME points at an empty place unless it sets one, so that no saved login
/// of the machine's user leaks into a test.
/// </summary>
public sealed class CliProcess(Uri server, string? token = null, string? adminKey = null, IReadOnlyDictionary<string, string?>? environment = null)
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public JsonNode Json => JsonNode.Parse(Out)!;
    }

    public async Task<Result> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    public async Task<Result> RunWithInputAsync(string? input, params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>
    /// Runs the command on a pseudo-terminal (util-linux <c>script</c>), typing <paramref name="input"/>: as a person at a
    /// terminal would. Standard output and error both arrive in <see cref="Result.Out"/>, as on a screen.
    /// </summary>
    public async Task<Result> RunOnTerminalAsync(string input, params string[] args)
    {
        var start = StartInfo(args);
        var command = string.Join(' ', new[] { start.FileName }.Concat(start.ArgumentList).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        start.FileName = "script";
        start.ArgumentList.Clear();
        foreach (var arg in new[] { "-qec", command, "/dev/null" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        await process.StandardInput.FlushAsync();
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>Starts a command that does not end by itself (<c>events --follow</c>) and hands it over still running.</summary>
    public Running Start(params string[] args)
    {
        var process = Process.Start(StartInfo(args))!;
        process.StandardInput.Close();
        return new Running(process);
    }

    /// <summary>A command still running: its output line by line, and Ctrl-C.</summary>
    public sealed class Running : IAsyncDisposable
    {
        private readonly Process process;
        private readonly Task<string> error;

        internal Running(Process process)
        {
            this.process = process;
            error = process.StandardError.ReadToEndAsync();
        }

        /// <summary>The next line of standard output, failing if none comes within <paramref name="timeout"/>.</summary>
        public async Task<string> ReadLineAsync(TimeSpan timeout)
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(timeout);
            return line ?? throw new InvalidOperationException($"The command ended ({process.ExitCode}) without printing a line: {await error}");
        }

        /// <summary>
        /// Sends SIGTERM, which the command handles like Ctrl-C (SIGINT itself may be ignored: a non-interactive
        /// shell starts background processes with it ignored, and children inherit that), and waits for the exit code.
        /// </summary>
        public async Task<int> StopAsync(TimeSpan timeout)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            await process.WaitForExitAsync().WaitAsync(timeout);
            return process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    /// <summary>
    /// Runs the command in a pseudo-terminal of <paramref name="columns"/> columns (util-linux <c>script</c>), as a
    /// person at a terminal would see it: standard output and error together, without the terminal's control sequences.
    /// </summary>
    public async Task<Result> RunInTerminalAsync(int columns, params string[] args)
    {
        static string Quote(string arg) => "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var command = $"stty cols {columns} rows 50; exec dotnet {Quote(Path.Combine(AppContext.BaseDirectory, "playbooks.dll"))} {string.Join(' ', args.Select(Quote))}";
        var start = WithEnvironment(new ProcessStartInfo("script") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false });
        start.ArgumentList.Add("-qec");
        start.ArgumentList.Add(command);
        start.ArgumentList.Add("/dev/null");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var screen = System.Text.RegularExpressions.Regex.Replace(await output, @"\x1B(\[[0-9;?]*[A-Za-z]|[=>])", "").Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal);
        return new Result(process.ExitCode, screen, await error);
    }

    private ProcessStartInfo StartInfo(string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "playbooks.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return WithEnvironment(start);
    }

    private ProcessStartInfo WithEnvironment(ProcessStartInfo start)
    {
        start.Environment["PLAYBOOKS_SERVER"] = server.ToString();
        start.Environment.Remove("PLAYBOOKS_TOKEN");
        start.Environment.Remove("PLAYBOOKS_ADMIN_KEY");
        start.Environment.Remove("PLAYBOOKS_WORKSPACE");
        if (token is not null)
        {
            start.Environment["PLAYBOOKS_TOKEN"] = token;
        }
        if (adminKey is not null)
        {
            start.Environment["PLAYBOOKS_ADMIN_KEY"] = adminKey;
        }
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(Path.GetTempPath(), "playbooks-cli-no-config");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        return start;
    }
}
