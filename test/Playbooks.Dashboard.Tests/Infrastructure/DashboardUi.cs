using System.Text;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Playbooks.Dashboard.Tests.Infrastructure;

/// <summary>
/// What a person does on the dashboard, found the way assistive technology finds it: by role and
/// the accessible names dashboard.md promises ("Names that outside tests rely on").
/// </summary>
public static class DashboardUi
{
    public static ILocator Button(this IPage page, string name) =>
        page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    public static ILocator Link(this IPage page, string name) =>
        page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    public static ILocator Link(this ILocator scope, string name) =>
        scope.GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    public static ILocator Button(this ILocator scope, string name) =>
        scope.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    /// <summary>The main navigation's link, by the names dashboard.md keeps.</summary>
    public static ILocator Navigation(this IPage page, string name) =>
        page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).Link(name);

    public static ILocator Field(this IPage page, string label) =>
        page.GetByLabel(label, new() { Exact = true });

    public static async Task SignInAsync(this IPage page, string token)
    {
        await page.GotoAsync("/app");
        await page.Field("API token").FillAsync(token);
        await page.Button("Sign in").ClickAsync();
        await Expect(page.Button("Sign out")).ToBeVisibleAsync();
    }

    /// <summary>From the list, by the playbook's name as a link; its page has the name as h1.</summary>
    public static async Task OpenPlaybookAsync(this IPage page, string name)
    {
        await page.Link("Playbooks").First.ClickAsync();
        await page.Link(name).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = name, Exact = true })).ToBeVisibleAsync();
    }

    public static ILocator Charts(this IPage page) => page.Locator("svg[role='img']");

    /// <summary>axe-core on the page as it is; serious and critical violations fail, listed in full.</summary>
    public static async Task ExpectNoSeriousViolationsAsync(this IPage page, string what)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        if (serious.Count == 0)
        {
            return;
        }
        var text = new StringBuilder($"axe-core: {serious.Count} serious or critical violation(s) on {what} ({page.Url}):\n");
        foreach (var violation in serious)
        {
            text.AppendLine($"- [{violation.Impact}] {violation.Id}: {violation.Help} ({violation.HelpUrl})");
            foreach (var node in violation.Nodes.Take(5))
            {
                text.AppendLine($"    {node.Target}: {node.Html}");
            }
        }
        Assert.Fail(text.ToString());
    }

    /// <summary>At 375 px wide the page must not scroll sideways.</summary>
    public static async Task ExpectNoHorizontalScrollAt375Async(this IPage page, string what)
    {
        await page.SetViewportSizeAsync(375, 800);
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 375, $"{what} ({page.Url}) is {width} px wide at a 375 px viewport: it scrolls sideways.");
    }

    public static Regex Containing(string text) => new(Regex.Escape(text));
}
