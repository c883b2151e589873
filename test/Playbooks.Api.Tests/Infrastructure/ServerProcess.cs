using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Playbooks.Api.Tests.Infrastructure;

/// <summary>
/// The real server as its own OS process on a loopback port, for what an in-memory host cannot
/// show: a hard kill, a restart on the same store, several instances, the first-start console.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServerProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts the server with <paramref name="settings"/> (configuration keys) and waits until /readyz answers.</summary>
    public static async Task<ServerProcess> StartAsync(string contentRoot, IReadOnlyDictionary<string, string> settings, string environment = "Testing")
    {
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = StartInfo(contentRoot, settings, address, environment);
        var process = Process.Start(start)!;
        var server = new ServerProcess(process, address);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>The exit of a server that is expected not to start: its code, stdout and stderr.</summary>
    public sealed record Exit(int Code, string Stdout, string Stderr);

    /// <summary>Starts the server on <paramref name="address"/> and waits (at most a minute) for it to exit.</summary>
    public static async Task<Exit> RunUntilExitAsync(string contentRoot, IReadOnlyDictionary<string, string> settings, Uri? address = null, string environment = "Testing")
    {
        var start = StartInfo(contentRoot, settings, address ?? new Uri($"http://127.0.0.1:{FreePort()}"), environment);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The server did not exit:\n{await stdout}{await stderr}");
        }
        return new Exit(process.ExitCode, await stdout, await stderr);
    }

    public HttpClient Client(string? bearer = null)
    {
        // Checked against docs/openapi.json like the in-memory clients.
        var client = new HttpClient(new ConformanceHandler(OpenApiContract.Committed.Value) { InnerHandler = new HttpClientHandler() })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return client;
    }

    /// <summary>SIGKILL: no graceful shutdown, no flushing, no chance to finish anything.</summary>
    public void KillHard()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            KillHard();
        }
        await process.WaitForExitAsync();
        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {process.ExitCode}:\n{Output}");
            }
            try
            {
                if ((await client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The server did not become ready:\n{Output}");
    }

    private static ProcessStartInfo StartInfo(string contentRoot, IReadOnlyDictionary<string, string> settings, Uri address, string environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = contentRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Playbooks.Api.dll"));
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(contentRoot);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["ASPNETCORE_URLS"] = address.ToString();
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // Tests drive one token hard; the rate limit has tests of its own.
        start.Environment["Playbooks__RateLimit__PermitsPerSecond"] = "100000";
        start.Environment["Playbooks__RateLimit__Burst"] = "100000";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            if (key.StartsWith("OTEL_", StringComparison.Ordinal))
            {
                start.Environment[key] = value;
            }
        }
        return start;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
