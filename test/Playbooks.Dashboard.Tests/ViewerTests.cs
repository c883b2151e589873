using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Playbooks.Dashboard.Tests;

public sealed class ViewerTests(DashboardServer server, Chromium chromium) : BrowserTest(server, chromium)
{
    private const string AntiforgeryField = "__RequestVerificationToken";

    private async Task<(Tenant Editor, string ViewerToken, string PlaybookId)> WorkspaceWithViewerAsync()
    {
        var editor = await App.NewTenantAsync();
        var playbook = await CreatePlaybookAsync(editor, "Series B SaaS");
        var (_, viewerToken) = await App.CreateTokenAsync("viewer_7", (editor.WorkspaceId, "viewer"));
        return (editor, viewerToken, playbook.Id());
    }

    [Fact]
    public async Task A_viewer_sees_every_page_without_the_controls_that_change_anything_and_is_told_why()
    {
        var (editor, viewerToken, playbookId) = await WorkspaceWithViewerAsync();
        await RunWithOutcomesAsync(editor, playbookId, (10, 2));
        var page = await NewPageAsync();

        await page.SignInAsync(viewerToken);
        await Expect(page.Link("Series B SaaS")).ToBeVisibleAsync();
        await Expect(page.Link("New playbook")).ToHaveCountAsync(0);
        await Expect(page.GetByText(new Regex("read-only|view only|viewer", RegexOptions.IgnoreCase)).First).ToBeVisibleAsync();

        await page.OpenPlaybookAsync("Series B SaaS");
        await Expect(page.Link("Edit")).ToHaveCountAsync(0);
        foreach (var action in new[] { "Activate", "Pause", "Archive", "Delete", "Save" })
        {
            await Expect(page.Button(action)).ToHaveCountAsync(0);
        }
        await Expect(page.Charts().First).ToBeVisibleAsync();
        // Signing out changes nothing in the workspace, so it stays.
        await Expect(page.Button("Sign out")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_server_refuses_a_viewers_forged_edit_post_and_nothing_changes()
    {
        var (editor, viewerToken, playbookId) = await WorkspaceWithViewerAsync();
        var before = await GetPlaybookAsync(editor, playbookId);

        // What the editor's browser would post: the edit form's action and every field.
        var editorPage = await NewPageAsync();
        await editorPage.SignInAsync(editor.Token);
        await editorPage.OpenPlaybookAsync("Series B SaaS");
        await editorPage.Link("Edit").ClickAsync();
        await Expect(editorPage.Field("Name")).ToBeVisibleAsync();
        var form = editorPage.Locator("form").Filter(new() { Has = editorPage.Button("Save") });
        var action = await form.EvaluateAsync<string>("f => f.action");
        var fields = await form.EvaluateAsync<Dictionary<string, string>>(
            "f => Object.fromEntries([...new FormData(f).entries()].filter(([, v]) => typeof v === 'string'))");
        var nameField = await editorPage.Field("Name").GetAttributeAsync("name");
        Assert.False(string.IsNullOrEmpty(nameField), "The Name input has no name attribute to post.");

        // The viewer's own valid antiforgery token, from a form the viewer is shown (sign out).
        var viewerPage = await NewPageAsync();
        await viewerPage.SignInAsync(viewerToken);
        await viewerPage.OpenPlaybookAsync("Series B SaaS");
        var antiforgery = await viewerPage.Locator($"input[name='{AntiforgeryField}']").First.InputValueAsync();
        fields[AntiforgeryField] = antiforgery;
        fields[nameField!] = "Forged by a viewer";

        var response = await viewerPage.Context.APIRequest.PostAsync(action, new() { Form = FormDataOf(viewerPage, fields), MaxRedirects = 0 });

        // Refused: an error status, or a redirect anywhere but back to the saved playbook.
        var location = response.Headers.TryGetValue("location", out var value) ? value : "";
        Assert.True(response.Status >= 400 || (response.Status is >= 300 and < 400 && !location.EndsWith(playbookId, StringComparison.Ordinal)),
            $"The forged post was answered {response.Status} {location}.");
        var after = await GetPlaybookAsync(editor, playbookId);
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
    }

    [Fact]
    public async Task An_edit_post_without_an_antiforgery_token_is_refused_even_for_an_editor()
    {
        var (editor, _, playbookId) = await WorkspaceWithViewerAsync();
        var before = await GetPlaybookAsync(editor, playbookId);
        var page = await NewPageAsync();
        await page.SignInAsync(editor.Token);
        await page.OpenPlaybookAsync("Series B SaaS");
        await page.Link("Edit").ClickAsync();
        var form = page.Locator("form").Filter(new() { Has = page.Button("Save") });
        var action = await form.EvaluateAsync<string>("f => f.action");
        var fields = await form.EvaluateAsync<Dictionary<string, string>>(
            "f => Object.fromEntries([...new FormData(f).entries()].filter(([k, v]) => typeof v === 'string' && k !== '__RequestVerificationToken'))");
        var nameField = await page.Field("Name").GetAttributeAsync("name");
        fields[nameField!] = "Posted without a token";

        var response = await page.Context.APIRequest.PostAsync(action, new() { Form = FormDataOf(page, fields), MaxRedirects = 0 });

        Assert.True(response.Status >= 400, $"A post without an antiforgery token was answered {response.Status}.");
        Assert.Equal(before.ToJsonString(), (await GetPlaybookAsync(editor, playbookId)).ToJsonString());
    }

    private static IFormData FormDataOf(IPage page, Dictionary<string, string> fields)
    {
        var data = page.Context.APIRequest.CreateFormData();
        foreach (var (key, value) in fields)
        {
            data.Set(key, value);
        }
        return data;
    }
}
