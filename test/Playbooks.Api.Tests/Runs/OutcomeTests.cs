using System.Net;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Runs;

public abstract class OutcomeTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task<(Tenant Tenant, string RunUrl)> StartRunAsync(string? successMetric = "meeting_booked")
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync(new
        {
            name = "N",
            mode = "outbound",
            buddyId = "prospect",
            strategy = new { hypothesis = "H", successMetric, successTarget = 3 },
        });
        var run = await (await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
        return (tenant, $"/v1/playbooks/{playbook.Id()}/runs/{run["run"]!.Id()}");
    }

    [Theory]
    [InlineData("reply_rate", 0.25)]
    [InlineData("meeting_booked", 5)]
    [InlineData("pipeline_arr", 1500.5)]
    [InlineData("custom", 1500.5)]
    [InlineData(null, 5)]
    public async Task Reports_add_up_and_metric_value_follows_the_success_metric(string? metric, double metricValue)
    {
        var (tenant, runUrl) = await StartRunAsync(metric);

        await (await tenant.Client.PostAsync($"{runUrl}/outcomes", Http.Json("""{ "samples": 12, "successes": 3, "value": 1000 }"""))).ExpectAsync(HttpStatusCode.OK);
        var run = await (await tenant.Client.PostAsync($"{runUrl}/outcomes", Http.Json("""{ "samples": 8, "successes": 2, "value": 500.5 }"""))).ExpectAsync(HttpStatusCode.OK);

        var metrics = run["run"]!["metrics"]!;
        Assert.Equal(20, metrics["samples"]!.GetValue<long>());
        Assert.Equal(5, metrics["successes"]!.GetValue<long>());
        Assert.Equal(metricValue, metrics["metricValue"]!.GetValue<double>(), 9);
        var fetched = await (await tenant.Client.GetAsync(runUrl)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(run["run"]!.ToJsonString(), fetched["run"]!.ToJsonString());
    }

    [Fact]
    public async Task Reply_rate_with_no_samples_is_zero()
    {
        var (tenant, runUrl) = await StartRunAsync("reply_rate");

        var run = await (await tenant.Client.PostAsync($"{runUrl}/outcomes", Http.Json("""{ "samples": 0, "successes": 0 }"""))).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(0, run["run"]!["metrics"]!["metricValue"]!.GetValue<double>());
    }

    public static TheoryData<string, string[]> InvalidReports => new()
    {
        { "{}", ["samples", "successes"] },
        { """{ "samples": -1, "successes": 0 }""", ["samples"] },
        { """{ "samples": 1.5, "successes": 0 }""", ["samples"] },
        { """{ "samples": "10", "successes": 0 }""", ["samples"] },
        { """{ "samples": 1000001, "successes": 0 }""", ["samples"] },
        { """{ "samples": 5, "successes": 6 }""", ["successes"] },
        { """{ "samples": 5, "successes": -1 }""", ["successes"] },
        { """{ "samples": 5, "successes": null }""", ["successes"] },
        { """{ "samples": 5, "successes": 1, "value": "100" }""", ["value"] },
        { """{ "samples": 5, "successes": 1, "value": 1e400 }""", ["value"] },
        { """{ "samples": 5, "successes": 1, "value": 2e15 }""", ["value"] },
        { """{ "samples": 5, "successes": 1, "at": "yesterday" }""", ["at"] },
        { """{ "samples": 5, "successes": 1, "at": "2026-11-28T09:00:01.000Z" }""", ["at"] },
        { """{ "samples": 5, "successes": 1, "at": "2026-11-28T08:59:59.999Z" }""", ["at"] },
        { """{ "samples": 5, "successes": 1, "at": 5 }""", ["at"] },
    };

    [Theory]
    [MemberData(nameof(InvalidReports))]
    public async Task Invalid_reports_are_400_and_change_nothing(string body, string[] fields)
    {
        var (tenant, runUrl) = await StartRunAsync();

        await (await tenant.Client.PostAsync($"{runUrl}/outcomes", Http.Json(body))).ExpectValidationAsync(fields);

        var run = await (await tenant.Client.GetAsync(runUrl)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, run["run"]!["metrics"]!["samples"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_report_may_be_dated_between_the_run_start_and_now()
    {
        var (tenant, runUrl) = await StartRunAsync();
        app.Clock.Advance(TimeSpan.FromHours(2));

        await (await tenant.Client.PostAsync($"{runUrl}/outcomes", Http.Json("""{ "samples": 5, "successes": 1, "at": "2026-11-28T09:00:00.000Z" }"""))).ExpectAsync(HttpStatusCode.OK);
        await (await tenant.Client.PostAsync($"{runUrl}/outcomes", Http.Json("""{ "samples": 5, "successes": 1, "at": "2026-11-28T11:00:00Z" }"""))).ExpectAsync(HttpStatusCode.OK);
        await (await tenant.Client.PostAsync($"{runUrl}/outcomes", Http.Json("""{ "samples": 5, "successes": 1, "at": "2026-11-28T12:30:00+02:00" }"""))).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Twenty_concurrent_clients_of_fifty_reports_each_lose_nothing()
    {
        var (tenant, runUrl) = await StartRunAsync("pipeline_arr");

        await Task.WhenAll(Enumerable.Range(0, 20).Select(async client =>
        {
            using var http = app.ClientWithToken(tenant.Token);
            for (var i = 0; i < 50; i++)
            {
                var response = await http.PostAsync($"{runUrl}/outcomes", Http.Json($$"""{ "samples": 3, "successes": {{i % 2}}, "value": 2.5 }"""));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }));

        var run = await (await tenant.Client.GetAsync(runUrl)).ExpectAsync(HttpStatusCode.OK);
        var metrics = run["run"]!["metrics"]!;
        Assert.Equal(20 * 50 * 3, metrics["samples"]!.GetValue<long>());
        Assert.Equal(20 * 25, metrics["successes"]!.GetValue<long>());
        Assert.Equal(20 * 50 * 2.5, metrics["metricValue"]!.GetValue<double>(), 6);
    }

    public sealed class OnSqlite() : OutcomeTests(Provider.Sqlite);

    public sealed class OnPostgres() : OutcomeTests(Provider.Postgres);
}
