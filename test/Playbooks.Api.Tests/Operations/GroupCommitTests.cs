using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Operations;

/// <summary>
/// On SQLite, writes that queue while the writer is busy share its next transaction and commit
/// (GroupCommit); each still runs in a savepoint of its own, so it succeeds or fails alone. On
/// PostgreSQL each write is its own transaction; the same rules hold there trivially, and are checked too.
/// </summary>
public abstract class GroupCommitTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private Database Db => app.Services.GetRequiredService<Database>();

    // How long a test waits for an answer before it fails, rather than hang when one never comes.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_write_that_fails_in_a_batch_fails_alone_and_the_others_commit()
    {
        var tenant = await app.NewTenantAsync();
        var playbooks = Enumerable.Range(0, 10).Select(i => NewPlaybook(tenant.WorkspaceId, $"Batch {i}")).ToList();
        var failing = playbooks[4];
        bool? nextSawFailed = null;

        Task[] writes;
        await using (await HoldWriterAsync())
        {
            writes = playbooks.Select((playbook, i) => Db.WriteAsync(async (connection, transaction) =>
            {
                if (i == 5)
                {
                    nextSawFailed = await PlaybookStore.FindAsync(connection, tenant.WorkspaceId, failing.Id, transaction) is not null;
                }
                await PlaybookStore.InsertAsync(connection, transaction, playbook);
                if (playbook == failing)
                {
                    throw new InvalidOperationException("this write fails after it inserted");
                }
                return 0;
            }, CancellationToken.None)).ToArray<Task>();
        }

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => writes[4]);
        Assert.Equal("this write fails after it inserted", failure.Message);
        await Task.WhenAll(writes.Where((_, i) => i != 4));
        Assert.False(nextSawFailed, "the write after the failing one saw its rolled-back insert");

        await (await tenant.Client.GetAsync($"/v1/playbooks/{failing.Id}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        var listed = await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(
            playbooks.Where(p => p != failing).Select(p => p.Id).Order(),
            listed["playbooks"]!.AsArray().Select(p => p!.Id()).Order());
    }

    [Fact]
    public async Task Writes_that_succeed_around_a_failure_keep_every_change_they_made()
    {
        // Through the API: playbooks created and updated while a write in the same queue fails.
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync();
        Task failingWrite;
        Task<HttpResponseMessage>[] requests;
        await using (await HoldWriterAsync())
        {
            failingWrite = Db.WriteAsync<int>((connection, transaction) => throw new InvalidOperationException("refused"), CancellationToken.None);
            requests =
            [
                tenant.Client.PostAsync("/v1/playbooks", Http.Json(JsonSerializer.Serialize(Http.ExamplePlaybook))),
                tenant.Client.PutAsync($"/v1/playbooks/{created.Id()}", Http.Json("""{ "name": "Renamed in a batch" }""")),
                tenant.Client.PostAsync($"/v1/playbooks/{created.Id()}/run", null),
            ];
            // The requests reach the writer's queue only once their handlers run.
            await WaitUntilQueuedAsync(1 + requests.Length);
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => failingWrite);
        var made = await (await requests[0]).ExpectAsync(HttpStatusCode.Created);
        await (await requests[1]).ExpectAsync(HttpStatusCode.OK);
        var run = await (await requests[2]).ExpectAsync(HttpStatusCode.Created);

        await (await tenant.Client.GetAsync($"/v1/playbooks/{made["playbook"]!.Id()}")).ExpectAsync(HttpStatusCode.OK);
        var renamed = await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Renamed in a batch", renamed.Str("playbook.name"));
        await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}/runs/{run["run"]!.Id()}")).ExpectAsync(HttpStatusCode.OK);
    }

    private static PlaybookStore.Stored NewPlaybook(string workspaceId, string name)
    {
        using var body = JsonDocument.Parse(JsonSerializer.Serialize(Http.ExamplePlaybook));
        var spec = SpecReader.Create(body.RootElement, new FieldErrors())! with { Name = name };
        var now = DateTimeOffset.UtcNow;
        return new PlaybookStore.Stored(workspaceId, Ids.New("pb_", now), spec, 1, now, now, "writer");
    }

    /// <summary>
    /// Starts a write that waits, inside the writer, until the returned handle is disposed. On
    /// SQLite every write queued meanwhile joins the next batch.
    /// </summary>
    private async Task<IAsyncDisposable> HoldWriterAsync()
    {
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = Db.WriteAsync(async (_, _) =>
        {
            holding.SetResult();
            await release.Task;
            return 0;
        }, CancellationToken.None);
        await holding.Task;
        return new Held(release, held);
    }

    private sealed class Held(TaskCompletionSource release, Task write) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            release.SetResult();
            await write;
        }
    }

    private async Task WaitUntilQueuedAsync(int count)
    {
        if (provider == Provider.Postgres)
        {
            return; // No queue: each write goes ahead on its own connection.
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Db.QueuedWrites < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{count} writes never queued ({Db.QueuedWrites} did)");
            await Task.Delay(10);
        }
    }

    public sealed class OnSqlite() : GroupCommitTests(Provider.Sqlite)
    {
        [Fact]
        public async Task Writes_queued_behind_a_busy_writer_commit_together_and_answer_after_the_commit()
        {
            var tenant = await app.NewTenantAsync();
            var first = NewPlaybook(tenant.WorkspaceId, "First");
            var last = NewPlaybook(tenant.WorkspaceId, "Last");
            Task firstWrite, lastWrite;
            await using (await HoldWriterAsync())
            {
                firstWrite = Db.WriteAsync(async (c, t) => { await PlaybookStore.InsertAsync(c, t, first); return 0; }, CancellationToken.None);
                lastWrite = Db.WriteAsync(async (c, t) => { await PlaybookStore.InsertAsync(c, t, last); return 0; }, CancellationToken.None);
            }

            // The first write's answer comes only after the commit it shares with the last one,
            // so the last one's change is already visible to any reader.
            await firstWrite;
            await (await tenant.Client.GetAsync($"/v1/playbooks/{last.Id}")).ExpectAsync(HttpStatusCode.OK);
            await lastWrite;
        }

        [Fact]
        public async Task A_write_that_ends_the_shared_transaction_fails_its_batch_and_every_answer_matches_the_disk()
        {
            // SQLite ends a transaction by itself on a full disk or an I/O error; a work that
            // rolls back the whole transaction stands in for that here.
            var tenant = await app.NewTenantAsync();
            var playbooks = Enumerable.Range(0, 3).Select(i => NewPlaybook(tenant.WorkspaceId, $"Ended {i}")).ToList();
            Task[] writes;
            await using (await HoldWriterAsync())
            {
                writes = playbooks.Select((playbook, i) => Db.WriteAsync(async (connection, transaction) =>
                {
                    await PlaybookStore.InsertAsync(connection, transaction, playbook);
                    if (i == 1)
                    {
                        await transaction.RollbackAsync();
                    }
                    return 0;
                }, CancellationToken.None)).ToArray<Task>();
            }

            foreach (var write in writes)
            {
                await Assert.ThrowsAnyAsync<Exception>(() => write);
            }
            var listed = await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
            Assert.Empty(listed["playbooks"]!.AsArray());

            // The writer goes on with the next write.
            await tenant.Client.CreatePlaybookAsync();
        }

        [Fact]
        public async Task A_write_that_fails_in_a_batch_hears_it_only_once_the_batch_has_committed()
        {
            // The second write fails because of the first (the same id inserted twice). Until the
            // commit, the first is not durable, and so neither is the reason the second failed.
            var tenant = await app.NewTenantAsync();
            var playbook = NewPlaybook(tenant.WorkspaceId, "Taken");
            var thirdRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thirdMayEnd = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task first, second, third;
            await using (await HoldWriterAsync())
            {
                first = Db.WriteAsync(async (c, t) => { await PlaybookStore.InsertAsync(c, t, playbook); return 0; }, CancellationToken.None);
                second = Db.WriteAsync(async (c, t) => { await PlaybookStore.InsertAsync(c, t, playbook); return 0; }, CancellationToken.None);
                third = Db.WriteAsync(async (_, _) =>
                {
                    thirdRunning.SetResult();
                    await thirdMayEnd.Task;
                    return 0;
                }, CancellationToken.None);
            }

            // The second write's work has thrown by now; its caller has heard nothing.
            await thirdRunning.Task.WaitAsync(Patience);
            var answeredEarly = second.IsCompleted;
            thirdMayEnd.SetResult();
            Assert.False(answeredEarly, "a write that failed alone was answered before its batch committed");

            var failure = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => second.WaitAsync(Patience));
            Assert.Equal(19, failure.SqliteErrorCode); // SQLITE_CONSTRAINT: the first write's row
            await (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id}")).ExpectAsync(HttpStatusCode.OK);
            await first.WaitAsync(Patience);
            await third.WaitAsync(Patience);
        }

        [Fact]
        public async Task When_a_write_ends_the_batch_every_write_fails_with_its_cause_those_that_failed_alone_too()
        {
            // The third write stands for a full disk: SQLite ends the whole transaction, and the work
            // throws. That is the cause every write hears, the second's too: the first write's row,
            // which made the second fail, is not on disk after all.
            var tenant = await app.NewTenantAsync();
            var playbook = NewPlaybook(tenant.WorkspaceId, "Never taken");
            var diskFull = new IOException("the disk is full (a stand-in)");
            Task first, second, third;
            await using (await HoldWriterAsync())
            {
                first = Db.WriteAsync(async (c, t) => { await PlaybookStore.InsertAsync(c, t, playbook); return 0; }, CancellationToken.None);
                second = Db.WriteAsync(async (c, t) => { await PlaybookStore.InsertAsync(c, t, playbook); return 0; }, CancellationToken.None);
                third = Db.WriteAsync<int>(async (_, transaction) =>
                {
                    await transaction.RollbackAsync();
                    throw diskFull;
                }, CancellationToken.None);
            }

            foreach (var write in new[] { first, second, third })
            {
                Assert.Same(diskFull, await Assert.ThrowsAsync<IOException>(() => write.WaitAsync(Patience)));
            }
            await (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        }

        [Fact]
        public async Task A_write_whose_caller_gave_up_while_it_ran_is_canceled_and_undone()
        {
            var tenant = await app.NewTenantAsync();
            var abandoned = NewPlaybook(tenant.WorkspaceId, "Abandoned while running");
            using var gaveUp = new CancellationTokenSource();

            var write = Db.WriteAsync<int>(async (c, t) =>
            {
                await PlaybookStore.InsertAsync(c, t, abandoned);
                await gaveUp.CancelAsync();
                gaveUp.Token.ThrowIfCancellationRequested();
                return 0;
            }, gaveUp.Token);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.WaitAsync(Patience));
            Assert.True(write.IsCanceled);
            await (await tenant.Client.GetAsync($"/v1/playbooks/{abandoned.Id}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        }

        [Fact]
        public async Task A_write_whose_caller_gave_up_while_it_waited_never_runs()
        {
            var tenant = await app.NewTenantAsync();
            var abandoned = NewPlaybook(tenant.WorkspaceId, "Abandoned");
            var ran = false;
            using var gaveUp = new CancellationTokenSource();
            Task write;
            await using (await HoldWriterAsync())
            {
                write = Db.WriteAsync(async (c, t) =>
                {
                    ran = true;
                    await PlaybookStore.InsertAsync(c, t, abandoned);
                    return 0;
                }, gaveUp.Token);
                await gaveUp.CancelAsync();
            }

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
            Assert.False(ran);
            await (await tenant.Client.GetAsync($"/v1/playbooks/{abandoned.Id}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        }
    }

    public sealed class OnPostgres() : GroupCommitTests(Provider.Postgres);
}
