using System.Diagnostics;
using Microsoft.Playwright;

namespace Playbooks.Dashboard.Tests.Infrastructure;

/// <summary>
/// One Chromium for the whole test run: Debian's package, launched by path so Playwright never
/// downloads a browser (CI has no internet beyond the Debian and NuGet registries).
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    /// <summary>Where Debian's package puts it; PLAYBOOKS_CHROMIUM points elsewhere.</summary>
    public static readonly string ExecutablePath = Environment.GetEnvironmentVariable("PLAYBOOKS_CHROMIUM") ?? "/usr/bin/chromium";

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        EnsureInstalled();
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // CI runs as root, where Chromium's sandbox refuses to start.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        playwright?.Dispose();
    }

    /// <summary>Each test gets a fresh context: no cookies or storage shared between tests.</summary>
    public async Task<IPage> NewPageAsync(string baseUrl, int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = baseUrl,
            ViewportSize = new() { Width = width, Height = height },
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    private static void EnsureInstalled()
    {
        if (File.Exists(ExecutablePath))
        {
            return;
        }
        if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"{ExecutablePath} is missing. Install Debian's package as root: apt-get install -y chromium");
        }
        Run("apt-get", "update");
        Run("apt-get", "install -y --no-install-recommends chromium");
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"apt-get install chromium did not provide {ExecutablePath}.");
        }
    }

    private static void Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}):\n{output.Result}\n{error}");
        }
    }
}

/// <summary>Browser tests share the one Chromium and run one class at a time (2 cores, shared).</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Chromium>
{
    public const string Name = "Browser";
}
