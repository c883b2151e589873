namespace Playbooks.Cli.Tests;

/// <summary>login and logout: a checked token saved for later commands, readable by its owner only.</summary>
public sealed partial class CliTests
{
    private const string Unreachable = "http://127.0.0.1:1";

    private string ConfigHome => Path.Combine(directory, "config-home");

    private string ConfigFile => Path.Combine(ConfigHome, "playbooks", "config.json");

    /// <summary>The command with only the saved configuration to go by: no server, token or workspace in its environment.</summary>
    private CliProcess Bare(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var environment = new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = ConfigHome, ["PLAYBOOKS_SERVER"] = null };
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            environment[name] = value;
        }
        return new CliProcess(server.BaseAddress, environment: environment);
    }

    [Fact]
    public async Task Login_saves_a_checked_token_that_later_commands_use_with_no_flags_or_environment()
    {
        var (_, token, cli) = await TenantWithTokenAsync();
        var created = await cli.RunAsync("create", "-f", WriteFile("spec.json", Spec("Saved login")), "--json");
        var id = created.Json["playbook"]!["id"]!.GetValue<string>();
        var tokenFile = WriteFile("token", token + "\n");

        var login = await Bare().RunAsync("login", "--server", server.BaseAddress.ToString(), "--token-file", tokenFile);

        Assert.Equal(0, login.ExitCode);
        Assert.Contains("Logged in", login.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(token, login.Out + login.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(ConfigFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(ConfigFile)!));
        }
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(ConfigFile)!));

        var list = await Bare().RunAsync("list", "--json");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(id, list.Json["playbooks"]!.AsArray().Single()!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_refused_or_unreachable_login_saves_nothing()
    {
        var (_, token, _) = await TenantWithTokenAsync();

        var refused = await Bare().RunAsync("login", "--server", server.BaseAddress.ToString(), "--token", "pbk_wrong");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("unauthorized", refused.Error, StringComparison.Ordinal);
        Assert.Contains("Nothing was saved", refused.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(ConfigFile));

        var unreachable = await Bare().RunAsync("login", "--server", Unreachable, "--token", token);
        Assert.Equal(3, unreachable.ExitCode);
        Assert.False(File.Exists(ConfigFile));

        var noToken = await Bare().RunAsync("login", "--server", server.BaseAddress.ToString());
        Assert.Equal(2, noToken.ExitCode);
        Assert.False(File.Exists(ConfigFile));
    }

    [Fact]
    public async Task Logout_removes_the_saved_login_and_is_fine_without_one()
    {
        var (_, token, _) = await TenantWithTokenAsync();
        Assert.Equal(0, (await Bare().RunAsync("login", "--server", server.BaseAddress.ToString(), "--token", token)).ExitCode);

        var logout = await Bare().RunAsync("logout");
        Assert.Equal(0, logout.ExitCode);
        Assert.Contains("Logged out", logout.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(ConfigFile));

        var again = await Bare().RunAsync("logout");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("Not logged in", again.Out, StringComparison.Ordinal);

        var list = await Bare().RunAsync("list");
        Assert.Equal(2, list.ExitCode);
        Assert.Contains("playbooks login", list.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flags_and_environment_override_the_saved_login_and_the_saved_token_goes_to_its_server_only()
    {
        var (_, token, _) = await TenantWithTokenAsync();
        Assert.Equal(0, (await Bare().RunAsync("login", "--server", server.BaseAddress.ToString(), "--token", token)).ExitCode);

        var flagToken = await Bare().RunAsync("list", "--token", "pbk_wrong");
        Assert.Equal(1, flagToken.ExitCode);
        Assert.Contains("unauthorized", flagToken.Error, StringComparison.Ordinal);

        var environmentToken = await Bare(new Dictionary<string, string?> { ["PLAYBOOKS_TOKEN"] = "pbk_wrong" }).RunAsync("list");
        Assert.Equal(1, environmentToken.ExitCode);

        var flagServer = await Bare().RunAsync("list", "--server", Unreachable, "--token", token);
        Assert.Equal(3, flagServer.ExitCode);

        // Another server never receives the token saved for this one.
        var elsewhere = await Bare(new Dictionary<string, string?> { ["PLAYBOOKS_SERVER"] = Unreachable }).RunAsync("list");
        Assert.Equal(2, elsewhere.ExitCode);
        Assert.Contains("No token", elsewhere.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_saves_the_workspace_a_token_of_several_needs_and_the_flag_still_chooses()
    {
        var first = await Admin.RunAsync("admin", "workspace", "create", "Growth", "--json");
        var second = await Admin.RunAsync("admin", "workspace", "create", "Sales", "--json");
        var growth = first.Json["workspace"]!["id"]!.GetValue<string>();
        var sales = second.Json["workspace"]!["id"]!.GetValue<string>();
        var issued = await Admin.RunAsync("admin", "token", "create", "--subject", "user_7", "--grant", $"{growth}:editor", "--grant", $"{sales}:editor", "--json");
        var token = issued.Json["secret"]!.GetValue<string>();
        var inGrowth = await new CliProcess(server.BaseAddress, token, environment: new Dictionary<string, string?> { ["PLAYBOOKS_WORKSPACE"] = growth })
            .RunAsync("create", "-f", WriteFile("growth.json", Spec("Growth playbook")), "--json");
        var inSales = await new CliProcess(server.BaseAddress, token, environment: new Dictionary<string, string?> { ["PLAYBOOKS_WORKSPACE"] = sales })
            .RunAsync("create", "-f", WriteFile("sales.json", Spec("Sales playbook")), "--json");

        var withoutWorkspace = await Bare().RunAsync("login", "--server", server.BaseAddress.ToString(), "--token", token);
        Assert.Equal(1, withoutWorkspace.ExitCode);
        Assert.Contains("workspace_required", withoutWorkspace.Error, StringComparison.Ordinal);
        Assert.Contains("--workspace", withoutWorkspace.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(ConfigFile));

        Assert.Equal(0, (await Bare().RunAsync("login", "--server", server.BaseAddress.ToString(), "--token", token, "--workspace", growth)).ExitCode);

        var saved = await Bare().RunAsync("list", "--json");
        Assert.Equal(0, saved.ExitCode);
        Assert.Equal(inGrowth.Json["playbook"]!["id"]!.GetValue<string>(), saved.Json["playbooks"]!.AsArray().Single()!["id"]!.GetValue<string>());
        var flag = await Bare().RunAsync("list", "--workspace", sales, "--json");
        Assert.Equal(0, flag.ExitCode);
        Assert.Equal(inSales.Json["playbook"]!["id"]!.GetValue<string>(), flag.Json["playbooks"]!.AsArray().Single()!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Login_on_a_terminal_asks_for_the_token()
    {
        var (_, token, _) = await TenantWithTokenAsync();

        var login = await Bare().RunOnTerminalAsync(token + "\n", "login", "--server", server.BaseAddress.ToString());

        Assert.True(login.ExitCode == 0, login.Out);
        Assert.Contains("Token:", login.Out, StringComparison.Ordinal);
        // The test types ahead, so the terminal may echo the token before the prompt turns echo off; what login prints after is checked.
        Assert.DoesNotContain(token, login.Out[login.Out.IndexOf("Logged in", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.True(File.Exists(ConfigFile));
        Assert.Equal(0, (await Bare().RunAsync("list")).ExitCode);
    }

    [Fact]
    public async Task A_broken_saved_login_is_reported_unless_flags_say_it_all()
    {
        var (_, token, _) = await TenantWithTokenAsync();
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigFile)!);
        await File.WriteAllTextAsync(ConfigFile, "{ not json");

        var broken = await Bare().RunAsync("list");
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains(ConfigFile, broken.Error, StringComparison.Ordinal);
        Assert.Contains("playbooks logout", broken.Error, StringComparison.Ordinal);

        Assert.Equal(0, (await Bare().RunAsync("list", "--server", server.BaseAddress.ToString(), "--token", token)).ExitCode);
        Assert.Equal(0, (await Bare().RunAsync("logout")).ExitCode);
        Assert.False(File.Exists(ConfigFile));
    }
}
