using System.Net;
using System.Net.Sockets;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Operations;

/// <summary>A server that cannot start says why in one line on stderr and exits with 1, no stack trace.</summary>
public sealed class StartFailureTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("playbooks-start-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    // Information level (not the tests' usual Warning), so that whatever a user would see is checked.
    private Dictionary<string, string> Settings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["ConnectionStrings:Playbooks"] = $"Data Source={Path.Combine(directory, "playbooks.db")}",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    [Fact]
    public async Task A_port_in_use_is_one_line_naming_the_address()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var exit = await ServerProcess.RunUntilExitAsync(directory, Settings(), new Uri($"http://127.0.0.1:{port}"));

        var line = AssertOneLineFailure(exit);
        Assert.Contains($"address 127.0.0.1:{port} is already in use", line, StringComparison.Ordinal);
        Assert.Contains("ASPNETCORE_URLS", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Playbooks:RateLimit:PermitsPerSecond", "fast")]
    [InlineData("Playbooks:RateLimit:Burst", "-3")]
    [InlineData("Playbooks:Database:Provider", "Oracle")]
    [InlineData("Playbooks:Webhooks:Concurrency", "0")]
    [InlineData("Playbooks:Webhooks:Timeout", "soon")]
    public async Task Invalid_configuration_is_one_line_naming_the_key(string key, string value)
    {
        var exit = await ServerProcess.RunUntilExitAsync(directory, Settings((key, value)));

        var line = AssertOneLineFailure(exit);
        Assert.Contains("invalid configuration", line, StringComparison.Ordinal);
        Assert.Contains(key, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_refuses_an_admin_key_shorter_than_32_characters_and_takes_a_long_one()
    {
        var exit = await ServerProcess.RunUntilExitAsync(directory, Settings(("Playbooks:AdminKey", "short-key-1234")), environment: "Production");

        var line = AssertOneLineFailure(exit);
        Assert.Contains("Playbooks:AdminKey is 14 characters long; in Production it must be at least 32", line, StringComparison.Ordinal);
        Assert.DoesNotContain("short-key-1234", exit.Stdout + exit.Stderr, StringComparison.Ordinal);

        await using var started = await ServerProcess.StartAsync(directory, Settings(("Playbooks:AdminKey", new string('k', 32))), environment: "Production");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await started.Client().GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task An_unreachable_database_is_one_line_naming_the_address()
    {
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var exit = await ServerProcess.RunUntilExitAsync(directory, Settings(
            ("Playbooks:Database:Provider", "Postgres"),
            ("ConnectionStrings:Playbooks", $"Host=127.0.0.1;Port={closedPort};Database=playbooks;Username=playbooks;Password=secret-pw-1;Timeout=5")));

        var line = AssertOneLineFailure(exit);
        Assert.Contains("database", line, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{closedPort}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw-1", exit.Stdout + exit.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_server_on_the_same_SQLite_file_is_one_line_and_the_first_serves_on()
    {
        await using (var first = await ServerProcess.StartAsync(directory, Settings()))
        {
            var exit = await ServerProcess.RunUntilExitAsync(directory, Settings());

            var line = AssertOneLineFailure(exit);
            Assert.Contains($"another server process holds {Path.Combine(directory, "playbooks.db.lock")}", line, StringComparison.Ordinal);
            Assert.Contains("one process per SQLite file", line, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await first.Client().GetAsync("/readyz")).StatusCode);
        }

        // The lock goes with the process that held it.
        await using var next = await ServerProcess.StartAsync(directory, Settings());
        Assert.Equal(HttpStatusCode.OK, (await next.Client().GetAsync("/readyz")).StatusCode);
    }

    private static string AssertOneLineFailure(ServerProcess.Exit exit)
    {
        Assert.Equal(1, exit.Code);
        var lines = exit.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("playbooks: cannot start: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", exit.Stdout + exit.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", exit.Stdout + exit.Stderr, StringComparison.Ordinal);
        return line;
    }
}
