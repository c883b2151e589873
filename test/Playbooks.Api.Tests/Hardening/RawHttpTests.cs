using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Hardening;

/// <summary>Requests no well-behaved client library would send, written byte by byte to a real server process.</summary>
public sealed class RawHttpTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("playbooks-raw-").FullName;
    private ServerProcess server = null!;

    private const string AdminKey = "raw-http-admin-key";

    public async Task InitializeAsync() => server = await ServerProcess.StartAsync(directory, new Dictionary<string, string>
    {
        ["ConnectionStrings:Playbooks"] = $"Data Source={Path.Combine(directory, "playbooks.db")}",
        ["Playbooks:AdminKey"] = AdminKey,
        ["Logging:LogLevel:Default"] = "Information",
    });

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private static async Task<byte[]> ReadSomeAsync(NetworkStream stream)
    {
        var buffer = new byte[8192];
        var read = await stream.ReadAsync(buffer);
        return buffer[..read];
    }

    private async Task<string> SendAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        var buffer = new byte[8192];
        var read = await stream.ReadAsync(buffer);
        return Encoding.Latin1.GetString(buffer, 0, read);
    }

    [Theory]
    [InlineData("GET /v1/playbooks/%00 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer pbt_x\r\n\r\n")]
    [InlineData("GET /v1/playbooks HTTP/1.1\r\nHost: x\r\nX-Workspace-Id: ws_1\r\n X-Injected: folded\r\n\r\n")]
    [InlineData("GET /v1/playbooks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\rb\r\n\r\n")]
    [InlineData("POST /v1/playbooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")]
    [InlineData("POST /v1/playbooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("BREW /v1/playbooks HTTP/1.1\r\nHost: x\r\n\r\n")]
    public async Task Malformed_requests_get_a_4xx_and_the_server_stays_up(string request)
    {
        var answer = await SendAsync(request);

        Assert.Matches(@"^HTTP/1\.1 4\d\d ", answer);
        var health = await server.Client().GetAsync("/readyz");
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task The_database_the_server_created_is_readable_by_its_owner_only()
    {
        await server.Client().GetAsync("/readyz");
        if (OperatingSystem.IsWindows())
        {
            return; // no Unix file modes to check
        }
        foreach (var file in Directory.GetFiles(directory, "playbooks.db*"))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        Assert.True(File.Exists(Path.Combine(directory, "playbooks.db-wal")), "the WAL file is checked too");
    }

    [Fact]
    public async Task Every_answer_says_nosniff_and_nothing_names_the_server()
    {
        var client = server.Client();
        var answers = new[]
        {
            await client.GetAsync("/healthz"),
            await client.GetAsync("/v1/playbooks"),
            await client.GetAsync("/no/such/route"),
            await client.PostAsync("/v1/playbooks", Http.Json("{ broken")),
            await client.GetAsync("/app/signin"),
            await client.GetAsync("/openapi/v1.json"),
        };
        foreach (var answer in answers)
        {
            Assert.Equal("nosniff", answer.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.False(answer.Headers.Contains("Server"), $"{answer.RequestMessage!.RequestUri} names the server");
        }
    }

    [Fact]
    public async Task A_client_that_abandons_its_body_is_logged_as_information_without_a_stack_trace()
    {
        var admin = server.Client(AdminKey);
        var workspace = await (await admin.PostAsJsonAsync("/v1/admin/workspaces", new { name = "Raw" })).ExpectAsync(System.Net.HttpStatusCode.Created);
        var token = (await (await admin.PostAsJsonAsync("/v1/admin/tokens", new
        {
            subject = "raw",
            grants = new[] { new { workspaceId = workspace["workspace"]!.Id(), role = "editor" } },
        })).ExpectAsync(System.Net.HttpStatusCode.Created)).Str("secret");

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
            await tcp.GetStream().WriteAsync(Encoding.Latin1.GetBytes(
                $"POST /v1/playbooks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{ \"name\": "));
        }

        // Chunked framing that breaks its own rules, found only when the handler reads the body.
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.Latin1.GetBytes(
                $"POST /v1/playbooks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n"));
            Assert.Matches(@"^HTTP/1\.1 400 ", Encoding.Latin1.GetString(await ReadSomeAsync(stream)));
        }

        // Bounded: the server notices the closed connection on its own time.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!server.Output.Contains("ended by the client", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Contains("info: Playbooks.Api.ClientFailures", server.Output, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Client().GetAsync("/readyz")).StatusCode);
        Assert.DoesNotContain("fail:", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", server.Output, StringComparison.Ordinal);
    }
}
