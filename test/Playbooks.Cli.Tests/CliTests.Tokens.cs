namespace Playbooks.Cli.Tests;

/// <summary>admin token list: what was issued, never a secret.</summary>
public sealed partial class CliTests
{
    [Fact]
    public async Task Admin_token_list_shows_every_token_with_its_grants_and_never_a_secret()
    {
        var (workspaceId, secret, cli) = await TenantWithTokenAsync();
        var revoked = await Admin.RunAsync("admin", "token", "create", "--subject", "ci-bot", "--grant", $"{workspaceId}:viewer", "--expires-at", "2099-01-01T00:00:00Z", "--json");
        var revokedId = revoked.Json["token"]!["id"]!.GetValue<string>();
        Assert.Equal(0, (await Admin.RunAsync("admin", "token", "revoke", revokedId)).ExitCode);

        var table = await Admin.RunAsync("admin", "token", "list");

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("user_42", table.Out, StringComparison.Ordinal);
        Assert.Contains($"{workspaceId}:editor", table.Out, StringComparison.Ordinal);
        Assert.Contains(revokedId, table.Out, StringComparison.Ordinal);
        Assert.Contains("2099-01-01 00:00", table.Out, StringComparison.Ordinal);
        Assert.Contains("2 tokens", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(revoked.Json["secret"]!.GetValue<string>(), table.Out, StringComparison.Ordinal);

        var json = await Admin.RunAsync("admin", "token", "list", "--json");
        var tokens = json.Json["tokens"]!.AsArray();
        Assert.Equal(["user_42", "ci-bot"], tokens.Select(t => t!["subject"]!.GetValue<string>()));
        Assert.Null(tokens[0]!["revokedAt"]);
        Assert.NotNull(tokens[1]!["revokedAt"]);
        Assert.DoesNotContain("secret", json.Out, StringComparison.OrdinalIgnoreCase);

        var withoutKey = await cli.RunAsync("admin", "token", "list");
        Assert.Equal(2, withoutKey.ExitCode);
        Assert.Contains("No admin key", withoutKey.Error, StringComparison.Ordinal);
    }
}
