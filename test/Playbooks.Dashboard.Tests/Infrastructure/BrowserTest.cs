using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Playbooks.Api.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Playbooks.Dashboard.Tests.Infrastructure;

/// <summary>A test class's server and the run's Chromium; each test its own workspace and browser context.</summary>
[Collection(BrowserCollection.Name)]
public abstract class BrowserTest(DashboardServer server, Chromium chromium) : IClassFixture<DashboardServer>
{
    protected PlaybooksApp App => server.App;

    /// <summary>Where the server listens, without a trailing slash.</summary>
    protected string BaseUrl => server.BaseUrl.TrimEnd('/');

    protected Task<IPage> NewPageAsync(int width = 1280, int height = 900) => chromium.NewPageAsync(server.BaseUrl, width, height);

    /// <summary>A playbook made through the API, with a success target so the evidence has a line to draw.</summary>
    protected static async Task<JsonObject> CreatePlaybookAsync(Tenant tenant, string name, double successTarget = 0.2) =>
        await tenant.Client.CreatePlaybookAsync(new
        {
            name,
            mode = "outbound",
            buddyId = "prospect",
            strategy = new { hypothesis = "New growth leaders buy in their first 90 days", successMetric = "reply_rate", successTarget },
        });

    /// <summary>Starts a run and reports outcomes through the API; returns the run's id.</summary>
    protected static async Task<string> RunWithOutcomesAsync(Tenant tenant, string playbookId, params (int Samples, int Successes)[] reports)
    {
        var run = await (await tenant.Client.PostAsync($"/v1/playbooks/{playbookId}/run", null)).ExpectAsync(HttpStatusCode.Created);
        var runId = run["run"]!.Id();
        foreach (var (samples, successes) in reports)
        {
            await (await tenant.Client.PostAsJsonAsync($"/v1/playbooks/{playbookId}/runs/{runId}/outcomes", new { samples, successes }))
                .ExpectAsync(HttpStatusCode.OK);
        }
        return runId;
    }

    protected static async Task<JsonObject> GetPlaybookAsync(Tenant tenant, string id) =>
        (await (await tenant.Client.GetAsync($"/v1/playbooks/{id}")).ExpectAsync(HttpStatusCode.OK))["playbook"]!.AsObject();

    /// <summary>The run's page from the playbook's runs table, where each run's id is the link to it.</summary>
    protected static async Task OpenRunAsync(IPage page, string runId)
    {
        await page.Link(runId).ClickAsync();
        await Expect(page).ToHaveURLAsync(DashboardUi.Containing(runId));
    }

    /// <summary>The prompt dry run from the playbook's page, by its link "Prompt".</summary>
    protected static async Task OpenPromptAsync(IPage page)
    {
        await page.Link("Prompt").First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("prompt", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
    }

    /// <summary>Fills a labelled control whichever kind it is: select, checkbox or text.</summary>
    protected static async Task SetAsync(IPage page, string label, string value)
    {
        var field = page.Field(label);
        var kind = await field.EvaluateAsync<string>("e => e.tagName.toLowerCase() + ':' + (e.type || '')");
        if (kind.StartsWith("select", StringComparison.Ordinal))
        {
            await field.SelectOptionAsync(value);
        }
        else if (kind == "input:checkbox")
        {
            await field.SetCheckedAsync(value == "true");
        }
        else
        {
            await field.FillAsync(value);
        }
    }
}
