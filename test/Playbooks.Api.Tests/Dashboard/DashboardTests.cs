using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Dashboard;

/// <summary>
/// The dashboard through HTTP as a browser uses it: a cookie container, forms with their
/// antiforgery tokens, redirects read one at a time. The browser tests (Playwright) are separate.
/// </summary>
public abstract partial class DashboardTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A browser-like client: keeps cookies, does not follow redirects, not checked against the API's document.</summary>
    private HttpClient Browser() =>
        ((WebApplicationFactory<Program>)app).CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private static async Task<string> AntiforgeryAsync(HttpClient browser, string page)
    {
        var html = await (await browser.GetAsync(page)).Content.ReadAsStringAsync();
        return AntiforgeryField().Match(html).Groups[1].Value;
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string url, string antiforgeryFrom, params (string Key, string Value)[] fields)
    {
        var token = await AntiforgeryAsync(browser, antiforgeryFrom);
        var form = fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)).Append(new("__RequestVerificationToken", token));
        return await browser.PostAsync(url, new FormUrlEncodedContent(form));
    }

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string secret) =>
        await PostFormAsync(browser, "/app/sign-in", "/app/sign-in", ("secret", secret));

    [Fact]
    public async Task Signing_in_with_a_real_token_sets_an_HttpOnly_SameSite_Strict_cookie_without_the_secret()
    {
        var tenant = await app.NewTenantAsync();
        var browser = Browser();

        var response = await SignInAsync(browser, tenant.Token);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/app", response.Headers.Location?.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("playbooks_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(tenant.Token, cookie, StringComparison.Ordinal);

        var list = await browser.GetAsync("/app");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var html = await list.Content.ReadAsStringAsync();
        Assert.Contains(">Sign out</button>", html, StringComparison.Ordinal);
        Assert.Contains(">New playbook</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_token_does_not_sign_in()
    {
        await app.NewTenantAsync();
        var browser = Browser();

        var response = await SignInAsync(browser, "pbt_01JD0000000000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("playbooks_session=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Pages_need_the_session_and_the_root_leads_to_the_dashboard()
    {
        var browser = Browser();

        var root = await browser.GetAsync("/");
        var page = await browser.GetAsync("/app");

        Assert.Equal("/app", root.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Found, page.StatusCode);
        Assert.StartsWith("/app/sign-in", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused()
    {
        var tenant = await app.NewTenantAsync();
        var browser = Browser();
        await SignInAsync(browser, tenant.Token);

        var response = await browser.PostAsync("/app/playbooks/new", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Name"] = "Forged",
            ["Mode"] = "outbound",
            ["BuddyId"] = "prospect",
            ["Hypothesis"] = "x",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var list = await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(list["playbooks"]!.AsArray());
    }

    [Fact]
    public async Task The_form_shows_the_APIs_field_errors_and_then_creates_the_playbook()
    {
        var tenant = await app.NewTenantAsync();
        var browser = Browser();
        await SignInAsync(browser, tenant.Token);
        (string, string)[] fields =
        [
            ("Name", ""), ("Status", "draft"), ("Mode", "outbound"), ("BuddyId", "prospect"), ("LeadSourceKind", "manual"),
            ("SampleSize", "lots"), ("StrategyKind", "hybrid"), ("Hypothesis", "CTOs reply"), ("Channels", "email\nlinkedin"),
            ("SuccessMetric", "reply_rate"), ("SuccessTarget", "0.1"), ("AdaptationEnabled", "true"),
            ("MinSampleSize", "50"), ("PivotWindowDays", "3"), ("MaxPivotsPerWeek", "2"),
        ];

        var invalid = await PostFormAsync(browser, "/app/playbooks/new", "/app/playbooks/new", fields);
        var html = await invalid.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.Contains("id=\"name-error\">must be 1 to 200 characters<", html, StringComparison.Ordinal);
        Assert.Contains("id=\"sample-size-error\">must be an integer<", html, StringComparison.Ordinal);

        fields[0] = ("Name", "From the form");
        fields[5] = ("SampleSize", "40");
        var created = await PostFormAsync(browser, "/app/playbooks/new", "/app/playbooks/new", fields);

        Assert.Equal(HttpStatusCode.Found, created.StatusCode);
        var id = created.Headers.Location!.OriginalString["/app/playbooks/".Length..];
        var playbook = (await (await tenant.Client.GetAsync($"/v1/playbooks/{id}")).ExpectAsync(HttpStatusCode.OK))["playbook"]!;
        Assert.Equal("From the form", playbook["name"]!.GetValue<string>());
        Assert.Equal(40, playbook["leadSource"]!["sampleSize"]!.GetValue<int>());
        Assert.Equal(["email", "linkedin"], playbook["strategy"]!["channels"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(0.1, playbook["strategy"]!["successTarget"]!.GetValue<double>());
    }

    [Fact]
    public async Task An_edit_over_a_version_someone_changed_since_is_a_conflict_that_overwrites_nothing()
    {
        var tenant = await app.NewTenantAsync();
        var id = (await tenant.Client.CreatePlaybookAsync()).Id();
        var browser = Browser();
        await SignInAsync(browser, tenant.Token);
        var token = await AntiforgeryAsync(browser, $"/app/playbooks/{id}/edit");
        await (await tenant.Client.PutAsync($"/v1/playbooks/{id}", JsonContent.Create(new { name = "Changed by the API" }))).ExpectAsync(HttpStatusCode.OK);

        var response = await browser.PostAsync($"/app/playbooks/{id}/edit", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["Version"] = "1",
            ["Name"] = "Changed in the browser",
            ["Mode"] = "outbound",
            ["BuddyId"] = "prospect",
            ["Hypothesis"] = "x",
        }));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("changed this playbook since you opened it", html, StringComparison.Ordinal);
        Assert.Contains("value=\"Changed by the API\"", html, StringComparison.Ordinal);
        var playbook = (await (await tenant.Client.GetAsync($"/v1/playbooks/{id}")).ExpectAsync(HttpStatusCode.OK))["playbook"]!;
        Assert.Equal("Changed by the API", playbook["name"]!.GetValue<string>());
        Assert.Equal(2, playbook["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_viewers_forged_status_change_is_refused_and_changes_nothing()
    {
        var editor = await app.NewTenantAsync();
        var id = (await editor.Client.CreatePlaybookAsync()).Id();
        var (_, viewerSecret) = await app.CreateTokenAsync("viewer_1", (editor.WorkspaceId, "viewer"));
        var browser = Browser();
        await SignInAsync(browser, viewerSecret);

        var page = await (await browser.GetAsync($"/app/playbooks/{id}")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(">Activate</button>", page, StringComparison.Ordinal);
        Assert.Contains("viewer grant", page, StringComparison.Ordinal);

        // The viewer's own antiforgery token, taken from a page it may read: only the permission stops it.
        var response = await PostFormAsync(browser, $"/app/playbooks/{id}?handler=Status", $"/app/playbooks/{id}", ("status", "active"));
        var edit = await browser.GetAsync($"/app/playbooks/{id}/edit");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/app/forbidden?why=insufficient_role", response.Headers.Location?.OriginalString);
        Assert.Equal("/app/forbidden?why=insufficient_role", edit.Headers.Location?.OriginalString);
        var refusal = await browser.GetAsync("/app/forbidden?why=insufficient_role");
        Assert.Equal(HttpStatusCode.Forbidden, refusal.StatusCode);
        var playbook = (await (await editor.Client.GetAsync($"/v1/playbooks/{id}")).ExpectAsync(HttpStatusCode.OK))["playbook"]!;
        Assert.Equal("draft", playbook["status"]!.GetValue<string>());
        Assert.Equal(1, playbook["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task Revoking_the_token_ends_its_session_at_once()
    {
        var tenant = await app.NewTenantAsync();
        var browser = Browser();
        await SignInAsync(browser, tenant.Token);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/app")).StatusCode);

        await (await app.AdminClient().DeleteAsync($"/v1/admin/tokens/{tenant.TokenId}")).ExpectAsync(HttpStatusCode.OK);
        var response = await browser.GetAsync("/app");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.StartsWith("/app/sign-in", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_playbook_page_draws_its_charts_as_labelled_images()
    {
        var tenant = await app.NewTenantAsync();
        var id = (await tenant.Client.CreatePlaybookAsync(new
        {
            name = "Charted",
            mode = "outbound",
            buddyId = "prospect",
            strategy = new { hypothesis = "CTOs reply", successMetric = "reply_rate", successTarget = 0.1 },
        })).Id();
        var run = await (await tenant.Client.PostAsync($"/v1/playbooks/{id}/run", null)).ExpectAsync(HttpStatusCode.Created);
        await (await tenant.Client.PostAsync($"/v1/playbooks/{id}/runs/{run["run"]!.Id()}/outcomes", JsonContent.Create(new { samples = 50, successes = 3 })))
            .ExpectAsync(HttpStatusCode.OK);
        var browser = Browser();
        await SignInAsync(browser, tenant.Token);

        var html = await (await browser.GetAsync($"/app/playbooks/{id}")).Content.ReadAsStringAsync();

        Assert.Contains("<h1>Charted</h1>", html, StringComparison.Ordinal);
        Assert.Contains("role=\"img\" aria-label=\"Observed 6.0 % per lead", html, StringComparison.Ordinal);
        Assert.Contains("50 samples, 3 successes", html, StringComparison.Ordinal);
    }

    /// <summary>
    /// The edit form goes through the API's rules: a reply_rate target above 100 comes back on
    /// the form with the API's message. A run keeps the metric of its version on its page and in
    /// the playbook's list of runs after the form changed the metric.
    /// </summary>
    [Fact]
    public async Task The_edit_form_refuses_a_reply_rate_target_above_100_and_a_run_keeps_its_metric_after_an_edit()
    {
        var tenant = await app.NewTenantAsync();
        var id = (await tenant.Client.CreatePlaybookAsync(new
        {
            name = "Edited",
            mode = "outbound",
            buddyId = "prospect",
            strategy = new { hypothesis = "CTOs book meetings", successMetric = "meeting_booked", successTarget = 150 },
        })).Id();
        var runId = (await (await tenant.Client.PostAsync($"/v1/playbooks/{id}/run", null)).ExpectAsync(HttpStatusCode.Created))["run"]!.Id();
        await (await tenant.Client.PostAsync($"/v1/playbooks/{id}/runs/{runId}/outcomes", JsonContent.Create(new { samples = 50, successes = 3, value = 12000 })))
            .ExpectAsync(HttpStatusCode.OK);
        var browser = Browser();
        await SignInAsync(browser, tenant.Token);
        (string, string)[] fields =
        [
            ("Version", "1"), ("Name", "Edited"), ("Status", "draft"), ("Mode", "outbound"), ("BuddyId", "prospect"), ("LeadSourceKind", "manual"),
            ("SampleSize", "50"), ("StrategyKind", "gtm-execution"), ("Hypothesis", "CTOs book meetings"), ("Channels", ""),
            ("SuccessMetric", "reply_rate"), ("SuccessTarget", "150"), ("AdaptationEnabled", "true"),
            ("MinSampleSize", "50"), ("PivotWindowDays", "3"), ("MaxPivotsPerWeek", "2"),
        ];

        var invalid = await PostFormAsync(browser, $"/app/playbooks/{id}/edit", $"/app/playbooks/{id}/edit", fields);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.Contains("id=\"success-target-error\">must be at most 100 for reply_rate", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var unchanged = (await (await tenant.Client.GetAsync($"/v1/playbooks/{id}")).ExpectAsync(HttpStatusCode.OK))["playbook"]!;
        Assert.Equal(1, unchanged["version"]!.GetValue<int>());

        fields[10] = ("SuccessMetric", "pipeline_arr");
        fields[11] = ("SuccessTarget", "100000");
        var saved = await PostFormAsync(browser, $"/app/playbooks/{id}/edit", $"/app/playbooks/{id}/edit", fields);
        Assert.Equal(HttpStatusCode.Found, saved.StatusCode);

        var runPage = await (await browser.GetAsync($"/app/playbooks/{id}/runs/{runId}")).Content.ReadAsStringAsync();
        Assert.Contains("<div>Metric value (meeting_booked)</div><div class=\"value\">3</div>", runPage, StringComparison.Ordinal);
        var playbookPage = await (await browser.GetAsync($"/app/playbooks/{id}")).Content.ReadAsStringAsync();
        Assert.Matches($"{runId}</a></td>\\s*<td>running</td>\\s*<td class=\"num\">1</td>(\\s*<td[^>]*>[^<]*</td>){{2}}\\s*<td>meeting_booked</td>\\s*<td class=\"num\">3</td>", playbookPage);
    }

    [Fact]
    public async Task A_read_only_workspace_shows_its_pages_without_controls_and_refuses_changes()
    {
        var tenant = await app.NewTenantAsync(readOnly: true);
        var browser = Browser();
        await SignInAsync(browser, tenant.Token);

        var list = await (await browser.GetAsync("/app")).Content.ReadAsStringAsync();
        var create = await browser.GetAsync("/app/playbooks/new");

        Assert.DoesNotContain(">New playbook</a>", list, StringComparison.Ordinal);
        Assert.Contains("This workspace is read-only", list, StringComparison.Ordinal);
        Assert.Equal("/app/forbidden?why=read_only_workspace", create.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task An_address_that_names_nothing_is_a_dashboard_page_with_404()
    {
        var tenant = await app.NewTenantAsync();
        var browser = Browser();
        await SignInAsync(browser, tenant.Token);
        var deleted = (await tenant.Client.CreatePlaybookAsync()).Id();
        await (await tenant.Client.DeleteAsync($"/v1/playbooks/{deleted}")).ExpectAsync(HttpStatusCode.OK);

        foreach (var address in new[] { $"/app/playbooks/{deleted}", "/app/playbooks/pb_NOPE", "/app/no-such-page" })
        {
            var response = await browser.GetAsync(address);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("<h1>Not found</h1>", html, StringComparison.Ordinal);
            Assert.Contains("href=\"/app\"", html, StringComparison.Ordinal);
        }
        // The API keeps its problems.
        await (await tenant.Client.GetAsync($"/v1/playbooks/{deleted}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.GetAsync("/v1/nothing-here")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_token_with_two_grants_switches_between_its_workspaces()
    {
        var first = await app.CreateWorkspaceAsync("First");
        var second = await app.CreateWorkspaceAsync("Second");
        var (_, secret) = await app.CreateTokenAsync("user_7", (first, "editor"), (second, "viewer"));
        var browser = Browser();
        await SignInAsync(browser, secret);

        var before = await (await browser.GetAsync("/app")).Content.ReadAsStringAsync();
        var switched = await PostFormAsync(browser, "/app/workspace", "/app", ("workspaceId", second));
        var after = await (await browser.GetAsync("/app")).Content.ReadAsStringAsync();
        var foreign = await PostFormAsync(browser, "/app/workspace", "/app", ("workspaceId", "ws_01JD0000000000000000000000"));

        Assert.Contains(">Switch</button>", before, StringComparison.Ordinal);
        Assert.Contains(">New playbook</a>", before, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, switched.StatusCode);
        Assert.DoesNotContain(">New playbook</a>", after, StringComparison.Ordinal);
        Assert.Contains("viewer grant", after, StringComparison.Ordinal);
        Assert.Equal("/app/forbidden?why=workspace_forbidden", foreign.Headers.Location?.OriginalString);
    }

    public sealed class OnSqlite() : DashboardTests(Provider.Sqlite);

    public sealed class OnPostgres() : DashboardTests(Provider.Postgres);
}
