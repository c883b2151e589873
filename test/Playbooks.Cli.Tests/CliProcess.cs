using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Playbooks.Cli.Tests;

/// <summary>The real <c>playbooks</c> command, run as a process like a user or a script would.</summary>
public sealed class CliProcess(Uri server, string? token = null, string? adminKey = null)
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
        return start;
    }
}
