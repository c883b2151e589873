using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Operations;

/// <summary>Two real server processes sharing one PostgreSQL database, as behind a load balancer.</summary>
public sealed class MultiInstanceTests : IAsyncLifetime
{
    private const string AdminKey = "multi-instance-admin";
    private readonly string directory = Directory.CreateTempSubdirectory("playbooks-multi-").FullName;
    private readonly TestDatabase database;
    private ServerProcess first = null!;
    private ServerProcess second = null!;

    public MultiInstanceTests() => database = new TestDatabase(Provider.Postgres, directory);

    private Dictionary<string, string> Settings => new(database.Settings)
    {
        ["Playbooks:AdminKey"] = AdminKey,
        // The receiver is on loopback; a short poll lets each instance pick up what the other dispatched.
        ["Playbooks:Webhooks:AllowPrivateNetworks"] = "true",
        ["Playbooks:Webhooks:PollInterval"] = "00:00:00.100",
    };

    /// <summary>Both start at the same moment on the empty database: both must end up serving one schema.</summary>
    public async Task InitializeAsync()
    {
        var starting = await Task.WhenAll(ServerProcess.StartAsync(directory, Settings), ServerProcess.StartAsync(directory, Settings));
        (first, second) = (starting[0], starting[1]);
    }

    public async Task DisposeAsync()
    {
        await first.DisposeAsync();
        await second.DisposeAsync();
        database.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private async Task<string> TokenAsync(ServerProcess server)
    {
        var admin = server.Client(AdminKey);
        var workspace = await (await admin.PostAsJsonAsync("/v1/admin/workspaces", new { name = "Shared" })).ExpectAsync(HttpStatusCode.Created);
        var issued = await (await admin.PostAsJsonAsync("/v1/admin/tokens", new
        {
            subject = "user_42",
            grants = new[] { new { workspaceId = workspace["workspace"]!.Id(), role = "editor" } },
        })).ExpectAsync(HttpStatusCode.Created);
        return issued.Str("secret");
    }

    [Fact]
    public async Task Instances_starting_together_leave_one_schema()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*), count(DISTINCT version) FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.True(reader.GetInt64(0) > 0);
        Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
        Assert.Equal(HttpStatusCode.OK, (await first.Client().GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.Client().GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task A_write_through_one_is_read_through_the_other()
    {
        var token = await TokenAsync(first);

        var created = await first.Client(token).CreatePlaybookAsync();
        var updated = await (await second.Client(token).PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "status": "active" }""")).ExpectAsync(HttpStatusCode.OK);
        var run = await (await second.Client(token).PostAsync($"/v1/playbooks/{created.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);

        var fetched = await (await first.Client(token).GetAsync($"/v1/playbooks/{created.Id()}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(updated["playbook"]!.ToJsonString(), fetched["playbook"]!.ToJsonString());
        var runs = await (await first.Client(token).GetAsync($"/v1/playbooks/{created.Id()}/runs")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(run["run"]!.Id(), runs["runs"]![0]!.Id());
    }

    [Fact]
    public async Task Concurrent_if_match_updates_through_both_let_exactly_one_win_per_version()
    {
        var token = await TokenAsync(first);
        var created = await first.Client(token).CreatePlaybookAsync();
        var clients = new[] { first.Client(token), second.Client(token) };

        for (var version = 1; version <= 5; version++)
        {
            var attempts = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
                clients[i % 2].PutJsonAsync($"/v1/playbooks/{created.Id()}", $$"""{ "name": "v{{version}} by {{i}}" }""", ifMatch: $"\"{version}\"")));

            Assert.Equal(1, attempts.Count(r => r.StatusCode == HttpStatusCode.OK));
            Assert.Equal(9, attempts.Count(r => r.StatusCode == HttpStatusCode.PreconditionFailed));
        }
        var final = await (await second.Client(token).GetAsync($"/v1/playbooks/{created.Id()}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(6, final["playbook"]!["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_token_revoked_through_one_is_refused_by_the_other_within_five_seconds()
    {
        var admin = first.Client(AdminKey);
        var workspace = await (await admin.PostAsJsonAsync("/v1/admin/workspaces", new { name = "Revoke" })).ExpectAsync(HttpStatusCode.Created);
        var issued = await (await admin.PostAsJsonAsync("/v1/admin/tokens", new
        {
            subject = "leaver",
            grants = new[] { new { workspaceId = workspace["workspace"]!.Id(), role = "editor" } },
        })).ExpectAsync(HttpStatusCode.Created);
        var onSecond = second.Client(issued.Str("secret"));
        await (await onSecond.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);

        await (await admin.DeleteAsync($"/v1/admin/tokens/{issued["token"]!.Id()}")).ExpectAsync(HttpStatusCode.OK);

        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            status = (await onSecond.GetAsync("/v1/playbooks")).StatusCode;
        }
        while (status == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(6));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"refused only after {clock.Elapsed}");
    }

    [Fact]
    public async Task Both_instances_deliver_every_event_and_never_send_one_attempt_twice()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var token = await TokenAsync(first);
        var webhook = await (await first.Client(token).PostAsJsonAsync("/v1/webhooks", new { url = new Uri(receiver.Url, "/hook").ToString() }))
            .ExpectAsync(HttpStatusCode.Created);
        var webhookId = webhook["webhook"]!.Id();
        var clients = new[] { first.Client(token), second.Client(token) };

        // 200 creates, 8 at a time, alternating between the instances: both dispatch and attempt.
        const int Creates = 200;
        var created = new List<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Creates), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var playbook = await clients[i % 2].CreatePlaybookAsync();
            lock (created)
            {
                created.Add(playbook.Id());
            }
        });

        // On PostgreSQL the feed shows a transaction only once every older one has settled, cluster-wide
        // (other tests' databases included), so read it until it holds every create, within a bound.
        var feed = new List<JsonNode>();
        string? after = null;
        var feedDeadline = DateTime.UtcNow.AddSeconds(30);
        while (feed.Count < Creates && DateTime.UtcNow < feedDeadline)
        {
            var page = await (await clients[0].GetAsync("/v1/events?limit=1000" + (after is null ? "" : $"&after={after}"))).ExpectAsync(HttpStatusCode.OK);
            var events = page["events"]!.AsArray().Select(e => e!).ToList();
            feed.AddRange(events);
            after = events.Count > 0 ? events[^1].Id() : after;
            if (events.Count == 0)
            {
                await Task.Delay(50);
            }
        }
        Assert.Equal(created.Order(), feed.Select(e => e.Str("data.playbook.id")).Order());
        var eventIds = feed.Select(e => e.Id()).ToHashSet();

        // Wait (bounded) until both instances have recorded an outcome for every delivery.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<JsonNode> deliveries;
        while (true)
        {
            deliveries = [];
            string? cursor = null;
            do
            {
                var page = await (await clients[1].GetAsync($"/v1/webhooks/{webhookId}/deliveries?limit=1000" + (cursor is null ? "" : $"&cursor={cursor}")))
                    .ExpectAsync(HttpStatusCode.OK);
                deliveries.AddRange(page["deliveries"]!.AsArray().Select(d => d!));
                cursor = page["nextCursor"]?.GetValue<string>();
            }
            while (cursor is not null);
            if (deliveries.Count == Creates && deliveries.All(d => d.Str("status") != "pending"))
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline,
                $"{deliveries.Count(d => d.Str("status") != "pending")} of {Creates} deliveries done after 60 s; first: {first.Output}\nsecond: {second.Output}");
            await Task.Delay(100);
        }

        Assert.Equal(eventIds.Order(), deliveries.Select(d => d.Str("eventId")).Order());
        Assert.All(deliveries, d =>
        {
            Assert.Equal("succeeded", d.Str("status"));
            Assert.Equal(1, d["attempts"]!.GetValue<int>());
        });
        // The receiver answers 200 to everything, so a second receipt of an id would be a second attempt.
        var received = receiver.Pending().GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(eventIds.Order(), received.Keys.Order());
        Assert.All(received, r => Assert.True(r.Value == 1, $"{r.Key} received {r.Value} times"));
    }
}
