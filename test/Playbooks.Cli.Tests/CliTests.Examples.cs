using System.Text.Json.Nodes;

namespace Playbooks.Cli.Tests;

/// <summary>The specs in examples/ at the repository root: each one is accepted as it is and comes back unchanged.</summary>
public sealed partial class CliTests
{
    public static TheoryData<string> Examples => new() { "prospect", "campaign", "pipeline", "insights" };

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Every_example_is_accepted_and_round_trips(string buddy)
    {
        var (_, cli) = await TenantAsync();
        var path = Path.Combine(RepositoryRoot(), "examples", $"{buddy}.json");
        var spec = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();

        var created = await cli.RunAsync("create", "-f", path, "--json");

        Assert.True(created.ExitCode == 0, created.Error);
        var fetched = await cli.RunAsync("get", created.Json["playbook"]!["id"]!.GetValue<string>(), "--json");
        Assert.Equal(0, fetched.ExitCode);
        Assert.Equal(buddy, fetched.Json["playbook"]!["buddyId"]!.GetValue<string>());
        AssertHolds(spec, fetched.Json["playbook"]!, "");
        foreach (var field in new[] { "leadSource", "strategy", "adaptation" })
        {
            Assert.True(spec.ContainsKey(field), $"{buddy}.json has no {field}");
        }
        Assert.NotEmpty(spec["strategy"]!["channels"]!.AsArray());
    }

    /// <summary>Every value the file sets is the value the API answers with.</summary>
    private static void AssertHolds(JsonNode expected, JsonNode actual, string path)
    {
        if (expected is JsonObject fields)
        {
            foreach (var (name, value) in fields)
            {
                var answered = actual[name];
                Assert.True(answered is not null, $"{path}{name} is missing from the answer");
                AssertHolds(value!, answered!, $"{path}{name}.");
            }
            return;
        }
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{path.TrimEnd('.')}: sent {expected.ToJsonString()}, got {actual.ToJsonString()}");
    }

    private static string RepositoryRoot()
    {
        for (var at = new DirectoryInfo(AppContext.BaseDirectory); at is not null; at = at.Parent)
        {
            if (File.Exists(Path.Combine(at.FullName, "Playbooks.slnx")))
            {
                return at.FullName;
            }
        }
        throw new InvalidOperationException($"No Playbooks.slnx above {AppContext.BaseDirectory}");
    }
}
