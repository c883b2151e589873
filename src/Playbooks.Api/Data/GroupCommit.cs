using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Playbooks.Api.Data;

/// <summary>
/// SQLite's writer: write requests that arrive while a commit is on its way to disk join the next
/// transaction, so several of them share one commit and one fsync. Each runs in a savepoint of its
/// own (a failure rolls back that request alone) and hears its answer, success or failure,
/// only once the shared commit is durable. Nothing waits to gather a batch: a write that finds
/// the writer idle commits at once; a batch is whatever queued while the one before it ran, at
/// most <see cref="MaxBatch"/> writes.
/// </summary>
internal sealed class GroupCommit : IAsyncDisposable
{
    public const string MeterName = "Playbooks.Database";

    // A batch holds its writes' answers back until its commit: a bound keeps the first write of a
    // long batch from waiting on too many after it.
    internal const int MaxBatch = 64;

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<int> BatchSizes = Meter.CreateHistogram<int>(
        "playbooks.db.commit.writes", unit: "{write}", description: "Write requests committed together by one SQLite commit");

    private readonly Func<CancellationToken, Task<DbConnection>> open;
    private readonly Action onCommit;
    private readonly TableChanges changes;
    private readonly Channel<Write> queue = Channel.CreateUnbounded<Write>();
    private readonly Task writer;
    private DbConnection? connection;

    public GroupCommit(Func<CancellationToken, Task<DbConnection>> open, Action onCommit, TableChanges changes)
    {
        this.open = open;
        this.onCommit = onCommit;
        this.changes = changes;
        writer = Task.Run(RunAsync);
    }

    /// <summary>Writes waiting for the writer.</summary>
    public int Queued => queue.Reader.Count;

    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var write = new Write<T>(work, cancellationToken);
        if (!queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(Database));
        }
        return write.Answer;
    }

    private async Task RunAsync()
    {
        var batch = new List<Write>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var write))
            {
                if (write.CancellationToken.IsCancellationRequested)
                {
                    write.Cancel();
                }
                else
                {
                    batch.Add(write);
                }
            }
            if (batch.Count > 0)
            {
                try
                {
                    await CommitAsync(batch);
                }
                catch (Exception failure)
                {
                    // Nothing may end this loop, or every later write would wait forever. A write
                    // already answered after its commit keeps its answer.
                    changes.Settle();
                    foreach (var write in batch)
                    {
                        write.Fail(failure);
                    }
                }
                batch.Clear();
            }
        }
    }

    private async Task CommitAsync(List<Write> batch)
    {
        try
        {
            connection ??= await OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            foreach (var write in batch)
            {
                await transaction.SaveAsync("write");
                try
                {
                    await write.RunAsync(connection, transaction);
                    await transaction.ReleaseAsync("write");
                }
                catch (Exception failure)
                {
                    // Only this request's work is undone; the batch goes on.
                    write.FailAlone(failure);
                    try
                    {
                        await transaction.RollbackAsync("write");
                        await transaction.ReleaseAsync("write");
                    }
                    catch (Exception) when (!InTransaction(connection))
                    {
                        // The work's failure ended the whole transaction, savepoint and all (SQLite
                        // does on a full disk or an I/O error): it is the cause the batch fails with.
                        ExceptionDispatchInfo.Throw(failure);
                    }
                }
                if (!InTransaction(connection))
                {
                    // A work ended the shared transaction (SQLite rolls it back on a full disk or
                    // an I/O error even when the error was caught): the writes after it would
                    // commit on their own, so the batch stops here and fails as a whole.
                    throw new InvalidOperationException("A write ended the transaction it shared with other writes.");
                }
            }
            await transaction.CommitAsync();
        }
        catch (Exception failure)
        {
            // Nothing of the batch is on disk: every write fails with the cause, those that failed
            // alone too, since their failure may have come from a write before them that is not on
            // disk either. SQLite has rolled the transaction back; the connection serves the next batch.
            changes.Settle();
            foreach (var write in batch)
            {
                write.Fail(failure);
            }
            return;
        }

        changes.Settle();
        foreach (var write in batch)
        {
            write.Complete();
        }
        onCommit();
        BatchSizes.Record(batch.Count);
    }

    private async Task<DbConnection> OpenAsync()
    {
        var opened = await open(CancellationToken.None);
        if (opened is SqliteConnection sqlite)
        {
            // Every row this connection inserts, updates or deletes, as SQLite changes it (the
            // connection keeps the delegate alive).
            raw.sqlite3_update_hook(sqlite.Handle, (_, change, _, table, _) =>
            {
                if (change != raw.SQLITE_INSERT)
                {
                    changes.Changing(table.utf8_to_string());
                }
            }, null);
        }
        return opened;
    }

    private static bool InTransaction(DbConnection connection) =>
        connection is not SqliteConnection sqlite || raw.sqlite3_get_autocommit(sqlite.Handle) == 0;

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await writer;
        if (connection is SqliteConnection sqlite)
        {
            raw.sqlite3_update_hook(sqlite.Handle, (delegate_update?)null, null);
        }
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }

    private abstract class Write(CancellationToken cancellationToken)
    {
        public CancellationToken CancellationToken { get; } = cancellationToken;

        public abstract Task RunAsync(DbConnection connection, DbTransaction transaction);

        /// <summary>Answers the caller once the commit is durable: its result, or how it failed alone.</summary>
        public abstract void Complete();

        /// <summary>
        /// Its work threw and was rolled back; the caller hears it once the batch has committed. It may
        /// have failed because of a write before it in the batch (a key that write inserted), and that
        /// write is not durable until then.
        /// </summary>
        public abstract void FailAlone(Exception failure);

        /// <summary>The batch failed: nothing of it is on disk.</summary>
        public abstract void Fail(Exception failure);

        public abstract void Cancel();
    }

    private sealed class Write<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) : Write(cancellationToken)
    {
        // Continuations run off the writer, which goes on to the next batch.
        private readonly TaskCompletionSource<T> answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? result;
        private Exception? failedAlone;

        public Task<T> Answer => answer.Task;

        public override async Task RunAsync(DbConnection connection, DbTransaction transaction) =>
            result = await work(connection, transaction);

        public override void Complete()
        {
            if (failedAlone is null)
            {
                answer.TrySetResult(result!);
            }
            else
            {
                Fail(failedAlone);
            }
        }

        public override void FailAlone(Exception failure) => failedAlone = failure;

        public override void Fail(Exception failure)
        {
            if (failure is OperationCanceledException canceled && canceled.CancellationToken == CancellationToken)
            {
                answer.TrySetCanceled(CancellationToken);
            }
            else
            {
                answer.TrySetException(failure);
            }
        }

        public override void Cancel() => answer.TrySetCanceled(CancellationToken);
    }
}
