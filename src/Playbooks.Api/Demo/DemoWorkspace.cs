using System.Data.Common;
using System.Text.Json;
using Playbooks.Api.Auth;
using Playbooks.Api.Events;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;

namespace Playbooks.Api.Demo;

/// <summary>
/// The demo's playbooks and their history, written through the stores as if a clock had run
/// over the past four weeks: each playbook, run and outcome report (and its event) carries the
/// time it would have happened. The numbers come from a fixed seed, so every demo looks alike.
/// </summary>
public static class DemoWorkspace
{
    /// <param name="Spec">The playbook as a create body.</param>
    /// <param name="Age">How long ago it was created.</param>
    /// <param name="RunDays">How many days each run lasts; a new one starts when one ends.</param>
    /// <param name="LeadsPerDay">Samples in each daily report.</param>
    /// <param name="Rate">The chance that a lead succeeds.</param>
    /// <param name="DealSize">For a value metric, the value of each success.</param>
    private sealed record Plan(object Spec, TimeSpan Age, int RunDays, int LeadsPerDay, double Rate, double DealSize = 0);

    private const string PivotReadyName = "Demo: Trial sign-ups. Activation email sequence";

    private static readonly Plan[] Plans =
    [
        new(new
        {
            name = "Demo: Series B SaaS. New head of growth",
            status = "active", mode = "outbound", buddyId = "prospect",
            leadSource = new { kind = "crm-segment", query = "Series B SaaS companies that hired a head of growth in the last 90 days", sampleSize = 50 },
            strategy = new
            {
                kind = "gtm-execution", hypothesis = "New growth leaders buy tooling in their first 90 days",
                channels = new[] { "email", "linkedin" }, successMetric = "meeting_booked", successTarget = 3,
            },
            adaptation = new { enabled = true, minSampleSize = 50, pivotWindowDays = 3, maxPivotsPerWeek = 2 },
        }, TimeSpan.FromDays(28), RunDays: 7, LeadsPerDay: 20, Rate: 0.09),
        new(new
        {
            name = PivotReadyName,
            status = "active", mode = "inbound", buddyId = "campaign",
            leadSource = new { kind = "cio-segment", query = "Trial started, not activated after 3 days", sampleSize = 100 },
            strategy = new
            {
                kind = "gtm-execution", hypothesis = "A three-step product-tips sequence gets stalled trial users to reply and activate",
                channels = new[] { "email" }, successMetric = "reply_rate", successTarget = 0.25,
            },
            adaptation = new { enabled = true, minSampleSize = 100, pivotWindowDays = 7, maxPivotsPerWeek = 2 },
        }, TimeSpan.FromDays(21), RunDays: 7, LeadsPerDay: 25, Rate: 0.11),
        new(new
        {
            name = "Demo: Stalled enterprise deals. Re-engagement",
            status = "active", mode = "hybrid", buddyId = "pipeline",
            leadSource = new { kind = "crm-segment", query = "Open opportunities over 50k ARR with no activity in 30 days", sampleSize = 50 },
            strategy = new
            {
                kind = "gtm-execution", hypothesis = "A short ROI recap from the champion's peer revives stalled deals",
                channels = new[] { "email", "phone" }, successMetric = "pipeline_arr", successTarget = 100000,
            },
            adaptation = new { enabled = true, minSampleSize = 60, pivotWindowDays = 7, maxPivotsPerWeek = 1 },
        }, TimeSpan.FromDays(26), RunDays: 14, LeadsPerDay: 6, Rate: 0.08, DealSize: 30000),
        new(new
        {
            name = "Demo: Churned customers. Win-back interviews",
            status = "active", mode = "outbound", buddyId = "insights",
            leadSource = new { kind = "manual", query = (string?)null, sampleSize = 40 },
            strategy = new
            {
                kind = "pmf-research", hypothesis = "Customers who churned in the last quarter will talk about why if asked for 15 minutes",
                channels = new[] { "email" }, successMetric = "reply_rate", successTarget = 0.15,
            },
            adaptation = new { enabled = true, minSampleSize = 40, pivotWindowDays = 7, maxPivotsPerWeek = 2 },
        }, TimeSpan.FromDays(2), RunDays: 7, LeadsPerDay: 10, Rate: 0.18),
    ];

    public static readonly IReadOnlyList<string> Names = Plans.Select(p => SpecOf(p).Name).ToList();

    public static async Task<DemoCreated> WriteAsync(DbConnection connection, DbTransaction transaction, Caller caller, DateTimeOffset now)
    {
        var random = new Random(15);
        var playbooks = new List<PlaybookResponse>();
        foreach (var plan in Plans)
        {
            playbooks.Add(await WritePlaybookAsync(connection, transaction, caller, plan, now, random));
        }
        // Newest first, like the list of playbooks.
        var newestFirst = playbooks.OrderByDescending(p => p.CreatedAt).ToList();
        return new DemoCreated(newestFirst, newestFirst.Single(p => p.Name == PivotReadyName).Id);
    }

    private static async Task<PlaybookResponse> WritePlaybookAsync(
        DbConnection connection, DbTransaction transaction, Caller caller, Plan plan, DateTimeOffset now, Random random)
    {
        var createdAt = Timestamps.FromMilliseconds((now - plan.Age).ToUnixTimeMilliseconds());
        var playbook = new PlaybookStore.Stored(caller.WorkspaceId, Ids.New("pb_", createdAt), SpecOf(plan), 1, createdAt, createdAt, caller.Subject);
        await PlaybookStore.InsertAsync(connection, transaction, playbook);
        await EventLog.AppendAsync(connection, transaction, caller.WorkspaceId, EventTypes.PlaybookCreated, caller.Subject, new PlaybookData(playbook.ToResponse()), createdAt);

        for (var runStart = createdAt.AddHours(1); runStart < now; runStart = runStart.AddDays(plan.RunDays))
        {
            var run = await RunsApi.StartAsync(connection, transaction, caller, playbook, runStart);

            // A report a day, in the afternoon of the run's days that have passed.
            var lastReport = runStart;
            for (var day = 0; day < plan.RunDays; day++)
            {
                var at = runStart.AddDays(day).AddHours(6);
                if (at >= now)
                {
                    break;
                }
                var successes = Successes(plan.LeadsPerDay, plan.Rate, random);
                var report = new OutcomeReport(plan.LeadsPerDay, successes, successes * plan.DealSize, at);
                await RunStore.AddOutcomeAsync(connection, transaction, caller.WorkspaceId, run, report, Ids.New("out_", at), at.ToUnixTimeMilliseconds(), caller.Subject);
                lastReport = at;
            }

            var endsAt = lastReport.AddHours(1);
            if (runStart.AddDays(plan.RunDays) <= now && endsAt < now)
            {
                await RunsApi.EndAsync(connection, transaction, caller, playbook.Id, run.Id, "completed", null, endsAt);
            }
        }
        return playbook.ToResponse();
    }

    /// <summary>Successes among <paramref name="leads"/>, each with chance <paramref name="rate"/>.</summary>
    private static int Successes(int leads, double rate, Random random) => Enumerable.Range(0, leads).Count(_ => random.NextDouble() < rate);

    private static PlaybookSpec SpecOf(Plan plan)
    {
        var errors = new FieldErrors();
        using var document = JsonSerializer.SerializeToDocument(plan.Spec);
        return SpecReader.Create(document.RootElement, errors)
            ?? throw new InvalidOperationException($"A demo playbook is invalid: {string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}"))}");
    }
}
