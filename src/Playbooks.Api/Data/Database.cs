using System.Data.Common;
using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Playbooks.Api.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Opens connections to the configured store and runs writes as single transactions.
/// SQL is shared between providers; where a provider needs its own, <see cref="Sql"/> picks it.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    public const string DefaultSqliteConnectionString = "Data Source=data/playbooks.db";

    // Any fixed number: every instance takes the same advisory lock to migrate one at a time.
    private const long MigrationLockKey = 0x706c6179626f6f6b;

    private readonly SqliteConnections? sqlite;
    private readonly FileStream? sqliteFileLock;
    private readonly NpgsqlDataSource? postgres;

    // SQLite admits one writer at a time: its writes queue here and commit in groups, rather
    // than collide inside SQLite and back off on SQLITE_BUSY. PostgreSQL needs neither.
    private readonly GroupCommit? sqliteWriter;

    // synchronous=FULL: a commit is on disk before the client hears 2xx, so neither a killed
    // process nor a lost machine loses an acknowledged write. The bundled SQLite defaults to it
    // (also in WAL mode); MigrateAsync checks, and only a build that differs pays a PRAGMA per open.
    private bool sqliteNeedsSynchronousFull;

    // Released after a commit, so that the delivery worker looks for new events at once; one
    // release stands for any number of commits.
    private readonly SemaphoreSlim committed = new(0, 1);

    static Database()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public Database(DatabaseProvider provider, string? connectionString)
    {
        Provider = provider;
        if (provider == DatabaseProvider.Sqlite)
        {
            var sqliteSettings = SqliteSettings(connectionString ?? DefaultSqliteConnectionString);
            sqlite = new SqliteConnections(sqliteSettings.ToString(), PrepareSqliteAsync);
            Changes = new TableChanges();
            sqliteWriter = new GroupCommit(OpenAsync, SignalCommit, Changes);
            // Last, so that nothing after it can fail and leave it held (nothing before it opens the file).
            sqliteFileLock = LockSqliteFile(sqliteSettings);
        }
        else
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("Playbooks:Database:Provider is Postgres, so ConnectionStrings:Playbooks must name the database.");
            }
            postgres = NpgsqlDataSource.Create(connectionString);
        }
    }

    public DatabaseProvider Provider { get; }

    /// <summary>
    /// What the SQLite writer has changed, per table, for caches of rows read outside a write; null
    /// on PostgreSQL, where other instances write too and no cache can know their changes.
    /// </summary>
    public TableChanges? Changes { get; }

    /// <summary>SQLite writes waiting for the writer (none on PostgreSQL, whose writes do not queue here).</summary>
    internal int QueuedWrites => sqliteWriter?.Queued ?? 0;

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (postgres is not null)
        {
            return await postgres.OpenConnectionAsync(cancellationToken);
        }

        return await sqlite!.LeaseAsync(cancellationToken);
    }

    private async Task PrepareSqliteAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        if (sqliteNeedsSynchronousFull)
        {
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous = FULL";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction whose changes are on disk when this returns,
    /// and not at all if it throws. On SQLite the transaction may be shared with other writes
    /// (<see cref="GroupCommit"/>): <paramref name="work"/> then runs in a savepoint of its own.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        if (sqliteWriter is not null)
        {
            return await sqliteWriter.WriteAsync(work, cancellationToken);
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(CancellationToken.None);
        SignalCommit();
        return result;
    }

    private void SignalCommit()
    {
        if (committed.CurrentCount == 0)
        {
            try
            {
                committed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another commit signalled first: one signal is enough.
            }
        }
    }

    /// <summary>
    /// <paramref name="column"/> is one of the array parameter <paramref name="parameter"/>: Dapper
    /// expands a list into <c>IN (@p1, @p2…)</c> for SQLite, while Npgsql takes the array as one value.
    /// </summary>
    public static string AnyOf(DbConnection connection, string column, string parameter) =>
        connection is SqliteConnection ? $"{column} IN @{parameter}" : $"{column} = ANY(@{parameter})";

    /// <summary>Waits until a write commits on this instance, or <paramref name="timeout"/> passes.</summary>
    public Task WaitForCommitAsync(TimeSpan timeout, CancellationToken cancellationToken) => committed.WaitAsync(timeout, cancellationToken);

    /// <summary>
    /// Applies every embedded migration not yet applied, oldest first, in one transaction under a
    /// database-wide lock, so instances starting at the same moment migrate one after the other.
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (Provider == DatabaseProvider.Sqlite)
        {
            await using var connection = await OpenAsync(cancellationToken);
            // WAL is a property of the file: readers no longer wait for the writer.
            await connection.ExecuteAsync("PRAGMA journal_mode = WAL");
            sqliteNeedsSynchronousFull = await connection.ExecuteScalarAsync<long>("PRAGMA synchronous") != 2;
            await PrepareSqliteAsync((SqliteConnection)connection, cancellationToken);
        }

        await WriteAsync(async (connection, transaction) =>
        {
            if (Provider == DatabaseProvider.Postgres)
            {
                // SQLite's write transaction already locks the whole file.
                await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", new { key = MigrationLockKey }, transaction);
            }
            await connection.ExecuteAsync(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                transaction: transaction);
            var applied = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations", transaction: transaction)).ToHashSet();
            foreach (var (version, name, sql) in Migrations())
            {
                if (applied.Contains(version))
                {
                    continue;
                }
                await connection.ExecuteAsync(sql, transaction: transaction);
                await connection.ExecuteAsync(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                    new { version, name, at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, transaction);
            }
            return 0;
        }, cancellationToken);
    }

    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            return await connection.ExecuteScalarAsync<long>("SELECT 1") == 1;
        }
        catch (DbException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }
            if (sqliteWriter is not null)
            {
                await sqliteWriter.DisposeAsync();
            }
            if (sqlite is not null)
            {
                await sqlite.DisposeAsync();
            }
            committed.Dispose();
        }
        finally
        {
            // After the connections have closed: the next server may start as soon as this goes.
            sqliteFileLock?.Dispose();
        }
    }

    private IEnumerable<(long Version, string Name, string Sql)> Migrations()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var prefix = $"{typeof(Database).Namespace}.Migrations.{Provider}.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..^".sql".Length];
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            yield return (long.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture), name, reader.ReadToEnd());
        }
    }

    private static SqliteConnectionStringBuilder SqliteSettings(string configured)
    {
        var builder = new SqliteConnectionStringBuilder(configured)
        {
            ForeignKeys = true,
            // SqliteConnections keeps the connections open itself, with their compiled statements.
            Pooling = false,
        };
        if (builder.Mode is not SqliteOpenMode.Memory && !string.IsNullOrEmpty(builder.DataSource) && Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { } directory)
        {
            Directory.CreateDirectory(directory);
            // Only a plain file this server may create: not a file: URI or a read-only database.
            if (IsPlainFile(builder) && builder.Mode is not SqliteOpenMode.ReadOnly)
            {
                CreateOwnerOnly(Path.GetFullPath(builder.DataSource));
            }
        }
        return builder;
    }

    private static bool IsPlainFile(SqliteConnectionStringBuilder builder) =>
        builder.Mode is not SqliteOpenMode.Memory && !string.IsNullOrEmpty(builder.DataSource)
        && builder.DataSource != ":memory:" && !builder.DataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// One server process per SQLite file. The playbook cache knows its playbooks are current because
    /// every write to the file is its own (docs/reliability.md, "Playbooks kept in memory"), so a
    /// second server on the same file must not start. It takes an exclusive lock on
    /// <c>&lt;file&gt;.lock</c> beside the database, held while the process lives and let go by the
    /// system however it ends (a kill included). Tools that open the database itself, such as the
    /// sqlite3 shell or a backup, do not take it.
    /// </summary>
    private static FileStream? LockSqliteFile(SqliteConnectionStringBuilder builder)
    {
        if (!IsPlainFile(builder))
        {
            return null;
        }
        var path = Path.GetFullPath(builder.DataSource) + ".lock";
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            return new FileStream(path, options);
        }
        catch (IOException e) when (e.HResult is EWouldBlockLinux or EWouldBlockMacOs or SharingViolationWindows)
        {
            throw new IOException(
                $"another server process holds {path}, so it uses {builder.DataSource}: one process per SQLite file (several instances need PostgreSQL; docs/deployment.md)");
        }
    }

    // How .NET reports a lock that another process holds (any other failure to open the file goes up as it is).
    private const int EWouldBlockLinux = 11;
    private const int EWouldBlockMacOs = 35;
    private const int SharingViolationWindows = unchecked((int)0x80070020);

    /// <summary>
    /// A new database file is readable by its owner only (0600): it holds the workspaces' data and
    /// the Data Protection key ring. SQLite gives its -wal and -shm files the database file's mode.
    /// An existing file keeps the mode its operator gave it.
    /// </summary>
    private static void CreateOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }
        try
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another instance created it in the meantime.
        }
    }
}
