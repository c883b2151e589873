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

        using var process = Process.Start(start)!;
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
}
