using System.Diagnostics;
using Npgsql;

namespace Playbooks.Api.Tests.Infrastructure;

public enum Provider
{
    Sqlite,
    Postgres,
}

/// <summary>A database of its own for each test, on either provider.</summary>
public sealed class TestDatabase : IDisposable
{
    private readonly string? postgresName;

    public TestDatabase(Provider provider, string directory)
    {
        Provider = provider;
        if (provider == Provider.Sqlite)
        {
            SqlitePath = Path.Combine(directory, "playbooks.db");
            ConnectionString = $"Data Source={SqlitePath}";
        }
        else
        {
            (postgresName, ConnectionString) = TestPostgres.CreateDatabase();
        }
    }

    public Provider Provider { get; }

    public string ConnectionString { get; }

    public string? SqlitePath { get; }

    /// <summary>The configuration keys that point a server at this database.</summary>
    public Dictionary<string, string> Settings => new()
    {
        ["Playbooks:Database:Provider"] = Provider.ToString(),
        ["ConnectionStrings:Playbooks"] = ConnectionString,
    };

    public void Dispose()
    {
        if (postgresName is not null)
        {
            TestPostgres.DropDatabase(postgresName);
        }
        else
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }
}

/// <summary>
/// The PostgreSQL server the tests use: the one named by PLAYBOOKS_TEST_POSTGRES (CI starts one),
/// else a throwaway one that scripts/postgres.sh starts for this test run and stops at its end.
/// </summary>
public static class TestPostgres
{
    public const string EnvironmentVariable = "PLAYBOOKS_TEST_POSTGRES";

    private static readonly Lazy<string> Server = new(StartServer, LazyThreadSafetyMode.ExecutionAndPublication);

    public static (string Name, string ConnectionString) CreateDatabase()
    {
        var name = $"playbooks_test_{Guid.NewGuid():N}";
        Execute($"CREATE DATABASE {name}");
        return (name, new NpgsqlConnectionStringBuilder(Server.Value) { Database = name }.ConnectionString);
    }

    public static void DropDatabase(string name) => Execute($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");

    private static void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(Server.Value);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static string StartServer()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return configured;
        }
        var script = Path.Combine(RepositoryRoot(), "scripts", "postgres.sh");
        var (exitCode, output) = Run(script, "start");
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"scripts/postgres.sh start failed ({exitCode}); set {EnvironmentVariable} to use a running server.\n{output}");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Run(script, "stop");
        return output.Trim().Split('\n')[^1];
    }

    private static (int ExitCode, string Output) Run(string script, string verb)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(verb);
        // A port of its own, so a test run never meets the server of another (CI's, a developer's).
        start.Environment["PLAYBOOKS_PG_PORT"] = "54339";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Playbooks.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Playbooks.slnx not found above the test binaries.");
    }
}
