using System.Net.Sockets;
using System.Text;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Hardening;

/// <summary>Requests no well-behaved client library would send, written byte by byte to a real server process.</summary>
public sealed class RawHttpTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("playbooks-raw-").FullName;
    private ServerProcess server = null!;

    public async Task InitializeAsync() => server = await ServerProcess.StartAsync(directory, new Dictionary<string, string>
    {
        ["ConnectionStrings:Playbooks"] = $"Data Source={Path.Combine(directory, "playbooks.db")}",
    });

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
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
}
