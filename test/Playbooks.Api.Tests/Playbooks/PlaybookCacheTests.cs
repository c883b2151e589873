using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Playbooks.Api.Data;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Playbooks;

/// <summary>
/// On SQLite, playbooks read by requests under <c>/v1/playbooks/{id}</c> are kept between requests
/// (PlaybookCache): whatever a request reads after a write's answer must be what the write left,
/// through every path that changes a playbook. PostgreSQL keeps none, and must answer alike.
/// </summary>
public abstract class PlaybookCacheTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_playbook_read_before_a_change_is_read_as_changed()
    {
        var tenant = await app.NewTenantAsync();
        var id = (await tenant.Client.CreatePlaybookAsync()).Id();
        var url = $"/v1/playbooks/{id}";
        for (var i = 0; i < 3; i++)
        {
            await (await tenant.Client.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        }

        await (await tenant.Client.PutJsonAsync(url, """{ "name": "Renamed", "strategy": { "hypothesis": "Sharper" } }""")).ExpectAsync(HttpStatusCode.OK);
        var updated = await tenant.Client.GetAsync(url);
        var playbook = (await updated.ExpectAsync(HttpStatusCode.OK))["playbook"]!;
        Assert.Equal("Renamed", playbook.Str("name"));
        Assert.Equal("Sharper", playbook.Str("strategy.hypothesis"));
        Assert.Equal(2, playbook["version"]!.GetValue<int>());
        Assert.Equal("\"2\"", updated.Headers.ETag!.Tag);

        // A run pins the version its request found, which the cache served.
        var run = await (await tenant.Client.PostAsync($"{url}/run", null)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(2, run["run"]!["specVersion"]!.GetValue<int>());

        await (await tenant.Client.DeleteAsync(url)).ExpectAsync(HttpStatusCode.OK);
        await (await tenant.Client.GetAsync(url)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.GetAsync($"{url}/runs")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Every_read_after_an_acknowledged_update_sees_it_while_other_updates_go_on()
    {
        // Writers and readers at once: each writer reads its playbook right after each of its
        // updates is acknowledged, while the other writers' updates keep the table changing.
        var tenant = await app.NewTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await tenant.Client.CreatePlaybookAsync()).Id());
        }

        await Task.WhenAll(ids.Select(async id =>
        {
            for (var round = 1; round <= 15; round++)
            {
                var name = $"Round {round}";
                var written = await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{id}", $$"""{ "name": "{{name}}" }""")).ExpectAsync(HttpStatusCode.OK);
                var read = await (await tenant.Client.GetAsync($"/v1/playbooks/{id}")).ExpectAsync(HttpStatusCode.OK);
                Assert.Equal(written["playbook"]!["version"]!.GetValue<int>(), read["playbook"]!["version"]!.GetValue<int>());
                Assert.Equal(name, read["playbook"]!.Str("name"));
            }
        }));
    }

    /// <summary>
    /// The count the cache relies on, watched from inside writes: no request can see the moment
    /// between a change and its commit, so these tests look at it directly. (That the count settles
    /// before the writes are answered is the order of two lines in GroupCommit; no test can catch
    /// the answer in between.)
    /// </summary>
    public sealed class OnSqlite() : PlaybookCacheTests(Provider.Sqlite)
    {
        private TableChanges.Count PlaybooksChanged => app.Services.GetRequiredService<Database>().Changes!.Of("playbooks");

        [Fact]
        public async Task A_change_to_playbooks_is_unsettled_until_its_transaction_ends_and_an_insert_is_no_change()
        {
            var tenant = await app.NewTenantAsync();
            var db = app.Services.GetRequiredService<Database>();
            var id = (await tenant.Client.CreatePlaybookAsync()).Id();
            var before = PlaybooksChanged.Now;
            Assert.True(PlaybooksChanged.Unchanged(before));

            // Inserting a playbook makes no playbook read before it wrong.
            await tenant.Client.CreatePlaybookAsync();
            Assert.True(PlaybooksChanged.Unchanged(before));

            // Updates: unsettled inside their transaction (a second one too), settled once it has committed.
            bool? unchangedAfterFirst = null, unchangedAfterSecond = null;
            await db.WriteAsync(async (connection, transaction) =>
            {
                await connection.ExecuteAsync("UPDATE playbooks SET updated_at = updated_at + 1 WHERE id = @id", new { id }, transaction);
                unchangedAfterFirst = PlaybooksChanged.Unchanged(PlaybooksChanged.Now);
                await connection.ExecuteAsync("UPDATE playbooks SET updated_at = updated_at + 1 WHERE id = @id", new { id }, transaction);
                unchangedAfterSecond = PlaybooksChanged.Unchanged(PlaybooksChanged.Now);
                return 0;
            }, CancellationToken.None);
            Assert.False(unchangedAfterFirst);
            Assert.False(unchangedAfterSecond);
            Assert.False(PlaybooksChanged.Unchanged(before));
            var committed = PlaybooksChanged.Now;
            Assert.True(PlaybooksChanged.Unchanged(committed));

            // A write that fails after its change, and one that ends the shared transaction: the
            // count settles all the same, or the cache would never serve again.
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.WriteAsync<int>(async (connection, transaction) =>
            {
                await connection.ExecuteAsync("DELETE FROM playbooks WHERE id = @id", new { id }, transaction);
                throw new InvalidOperationException("refused");
            }, CancellationToken.None));
            await Assert.ThrowsAnyAsync<Exception>(() => db.WriteAsync(async (connection, transaction) =>
            {
                await connection.ExecuteAsync("DELETE FROM playbooks WHERE id = @id", new { id }, transaction);
                await transaction.RollbackAsync();
                return 0;
            }, CancellationToken.None));
            Assert.True(PlaybooksChanged.Unchanged(PlaybooksChanged.Now));
            Assert.NotEqual(committed, PlaybooksChanged.Now);

            // Neither removed the playbook, and the read after them shows it.
            await (await tenant.Client.GetAsync($"/v1/playbooks/{id}")).ExpectAsync(HttpStatusCode.OK);
        }
    }

    public sealed class OnPostgres() : PlaybookCacheTests(Provider.Postgres)
    {
        [Fact]
        public void No_cache_is_kept()
        {
            Assert.Null(app.Services.GetRequiredService<Database>().Changes);
        }
    }
}
