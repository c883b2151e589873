using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace Playbooks.Api.Data;

/// <summary>
/// A SQLite connection that stays open across requests and keeps each statement it has compiled.
/// Microsoft.Data.Sqlite compiles every new command anew and keeps nothing across commands
/// (dotnet/efcore#14044); compiling was about half of a get by id. Here every command Dapper
/// creates runs on a compiled statement kept per SQL text, so a statement is compiled once per
/// connection. Disposing a leased connection hands it back to its <see cref="SqliteConnections"/>.
/// </summary>
internal sealed class LongLivedSqliteConnection(string connectionString, SqliteConnections owner) : SqliteConnection(connectionString)
{
    // Enough for every statement the server runs; text that varies (an IN list's length) past it is compiled each time.
    private const int MaxStatements = 256;

    private readonly Dictionary<string, SqliteCommand> statements = new(StringComparer.Ordinal);
    private int leased;
    private bool retiring;

    internal void Lease() => leased = 1;

    /// <summary>Closes the connection for good, with its statements.</summary>
    internal void Retire()
    {
        retiring = true;
        Dispose();
    }

    protected override DbCommand CreateDbCommand() => new ReusedCommand(this);

    protected override void Dispose(bool disposing)
    {
        if (!disposing)
        {
            // From the finalizer: the statements are objects of their own, not to be touched here.
            base.Dispose(disposing);
            return;
        }
        if (!retiring)
        {
            // A second dispose right after the first hands nothing back. Unlike a pooled
            // SqliteConnection, this object is the next lease's too: a holder must not touch it
            // after disposing it (every caller disposes by `await using`, once).
            if (Interlocked.Exchange(ref leased, 0) == 1)
            {
                owner.Return(this);
            }
            return;
        }
        foreach (var statement in statements.Values)
        {
            statement.Dispose();
        }
        statements.Clear();
        base.Dispose(disposing);
    }

    /// <summary>The kept command for <paramref name="sql"/>, or null when the connection keeps no more.</summary>
    private SqliteCommand? Kept(string sql)
    {
        if (statements.TryGetValue(sql, out var kept))
        {
            return kept;
        }
        if (statements.Count >= MaxStatements)
        {
            return null;
        }
        kept = base.CreateCommand();
        kept.CommandText = sql;
        statements.Add(sql, kept);
        return kept;
    }

    /// <summary>
    /// What Dapper sees as a new command: it collects text, parameters and transaction, and runs
    /// them on the kept command for the text (or on a one-off command beyond the bound).
    /// </summary>
    private sealed class ReusedCommand(LongLivedSqliteConnection connection) : DbCommand
    {
        private readonly ParameterList parameters = new();
        private SqliteCommand? bound;
        private SqliteCommand? oneOff;

        [AllowNull]
        public override string CommandText { get; set; } = "";

        public override int CommandTimeout { get; set; } = connection.DefaultTimeout;

        public override CommandType CommandType { get; set; } = CommandType.Text;

        public override bool DesignTimeVisible { get; set; }

        public override UpdateRowSource UpdatedRowSource { get; set; }

        protected override DbConnection? DbConnection
        {
            get => connection;
            set => throw new NotSupportedException("A kept command stays on its connection.");
        }

        protected override DbParameterCollection DbParameterCollection => parameters;

        protected override DbTransaction? DbTransaction { get; set; }

        public override void Cancel()
        {
        }

        public override void Prepare()
        {
        }

        protected override DbParameter CreateDbParameter() => new SqliteParameter();

        public override int ExecuteNonQuery() => Bound().ExecuteNonQuery();

        public override object? ExecuteScalar() => Bound().ExecuteScalar();

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Bound().ExecuteReader(behavior);

        protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
            await Bound().ExecuteReaderAsync(behavior, cancellationToken);

        public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => Bound().ExecuteNonQueryAsync(cancellationToken);

        public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => Bound().ExecuteScalarAsync(cancellationToken);

        private SqliteCommand Bound()
        {
            if (CommandType != CommandType.Text)
            {
                throw new NotSupportedException("SQLite runs text commands only.");
            }
            oneOff?.Dispose();
            oneOff = null;
            var command = bound = connection.Kept(CommandText) ?? (oneOff = connection.CreateOneOff(CommandText));
            command.Transaction = (SqliteTransaction?)DbTransaction;
            command.CommandTimeout = CommandTimeout;
            command.Parameters.Clear();
            foreach (SqliteParameter parameter in parameters)
            {
                command.Parameters.Add(parameter);
            }
            return command;
        }

        protected override void Dispose(bool disposing)
        {
            if (!disposing)
            {
                // From the finalizer: the connection may be another lease's by now.
                base.Dispose(disposing);
                return;
            }
            // The kept command lets go of this command's values; a one-off goes with it.
            bound?.Parameters.Clear();
            bound = null;
            oneOff?.Dispose();
            oneOff = null;
            base.Dispose(disposing);
        }
    }

    private SqliteCommand CreateOneOff(string sql)
    {
        var command = base.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    // SqliteParameterCollection's constructor is for derived collections only.
    private sealed class ParameterList : SqliteParameterCollection;
}

/// <summary>
/// The server's SQLite connections: kept open and handed out one lease at a time, at most
/// <see cref="MaxIdle"/> waiting between leases, each with its compiled statements.
/// </summary>
internal sealed class SqliteConnections(string connectionString, Func<SqliteConnection, CancellationToken, Task> prepare) : IAsyncDisposable
{
    private const int MaxIdle = 32;

    private readonly ConcurrentBag<LongLivedSqliteConnection> idle = [];
    private bool disposed;

    public async Task<LongLivedSqliteConnection> LeaseAsync(CancellationToken cancellationToken)
    {
        if (!idle.TryTake(out var connection))
        {
            connection = new LongLivedSqliteConnection(connectionString, this);
            try
            {
                await connection.OpenAsync(cancellationToken);
                await prepare(connection, cancellationToken);
            }
            catch
            {
                connection.Retire();
                throw;
            }
        }
        connection.Lease();
        return connection;
    }

    internal void Return(LongLivedSqliteConnection connection)
    {
        // A connection handed back inside a transaction (or otherwise unlike a fresh one) is not
        // handed out again: the next lease would find the last one's state.
        if (Volatile.Read(ref disposed) || idle.Count >= MaxIdle || connection.State != ConnectionState.Open
            || SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) == 0)
        {
            connection.Retire();
            return;
        }
        idle.Add(connection);
    }

    public ValueTask DisposeAsync()
    {
        Volatile.Write(ref disposed, true);
        while (idle.TryTake(out var connection))
        {
            connection.Retire();
        }
        return ValueTask.CompletedTask;
    }
}
