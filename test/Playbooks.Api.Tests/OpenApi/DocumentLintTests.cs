using System.Text.Json.Nodes;

namespace Playbooks.Api.Tests.OpenApi;

/// <summary>Issue 11: Redocly's recommended ruleset reports no errors on docs/openapi.json.</summary>
public sealed class DocumentLintTests
{
    [Fact]
    public async Task The_document_has_no_errors_under_redoclys_recommended_rules()
    {
        await NodeProject.EnsureInstalledAsync();
        Assert.True(File.Exists(NodeProject.Document), $"{NodeProject.Document} is missing.");

        var lint = await NodeProject.RunPackageAsync("@redocly/cli/bin/cli.js", "lint", NodeProject.Document, "--extends=recommended", "--format=json");

        // The exit code only says "some error"; the report says which, so the failure can name them.
        var report = JsonNode.Parse(lint.Stdout) ?? throw new InvalidOperationException($"redocly printed no report:\n{lint.Output}");
        var errors = report["problems"]!.AsArray()
            .Where(p => p!["severity"]!.GetValue<string>() == "error")
            .Select(p => $"{p!["ruleId"]} at {p["location"]?[0]?["pointer"]}: {p["message"]}")
            .ToList();
        Assert.True(errors.Count == 0, $"redocly lint (recommended) found {errors.Count} errors:\n{string.Join('\n', errors)}");
        Assert.Equal(0, report["totals"]!["errors"]!.GetValue<int>());
        Assert.Equal(0, lint.ExitCode);
    }
}
