using Microsoft.AspNetCore.Http.HttpResults;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Infrastructure.OpenApi;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Demo;

/// <summary>The demo playbooks made, and the one whose evaluation allows a pivot now.</summary>
public sealed record DemoCreated(IReadOnlyList<PlaybookResponse> Playbooks, string PivotReadyPlaybookId);

/// <summary>
/// <c>POST /v1/demo</c>: fills the caller's workspace with demo playbooks and four weeks of runs
/// and outcomes, so evaluations, statistics and the dashboard show something real at once.
/// On when <c>Playbooks:Demo:Enabled</c> is true (default: in Development only); off, it is 404.
/// </summary>
public static class DemoApi
{
    public const string EnabledKey = "Playbooks:Demo:Enabled";

    public static RouteHandlerBuilder MapDemo(this WebApplication app)
    {
        var enabled = IsEnabled(app.Configuration, app.Environment);
        return app.MapPost("/v1/demo", (Caller caller, Database db, TimeProvider clock, CancellationToken ct) => Create(enabled, caller, db, clock, ct))
            .WithTags("Demo")
            .WithName("CreateDemo")
            .RequireAuthorization(Policies.Write)
            .RequireRateLimiting(Policies.PerToken)
            .Idempotent()
            .ProducesProblems(400, 401, 403, 404, 409, 422, 429)
            .WithSummary("Fill the workspace with demo playbooks")
            .WithDescription(
                "Creates four playbooks named `Demo: …` (one per buddy) with runs and outcome reports spread over the past four weeks, "
                + "so that the evaluation, the statistics and the dashboard show real evidence at once. One of them, `pivotReadyPlaybookId`, "
                + "is underperforming with its pivot window elapsed: a pivot is allowed now. No body. "
                + "409 `demo_exists` when the workspace already has them (delete them to make them again); "
                + "404 `not_found` when the server has the demo disabled (`Playbooks:Demo:Enabled`, on by default only in Development).");
    }

    public static async Task<Results<Created<DemoCreated>, ProblemHttpResult>> Create(
        bool enabled, Caller caller, Database db, TimeProvider clock, CancellationToken ct)
    {
        if (!enabled)
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, "not_found", $"This server has no demo ({EnabledKey} is false).");
        }
        return await db.WriteAsync<Results<Created<DemoCreated>, ProblemHttpResult>>(async (connection, transaction) =>
        {
            // Two demo calls at once in one workspace: the second waits here, then sees the first's playbooks.
            await Workspaces.WorkspaceStore.LockAsync(connection, transaction, caller.WorkspaceId);
            var existing = await PlaybookStore.FindNamedAsync(connection, transaction, caller.WorkspaceId, DemoWorkspace.Names);
            if (existing.Count > 0)
            {
                return ApiProblem.Create(StatusCodes.Status409Conflict, "demo_exists",
                    $"This workspace already has the demo playbooks ({string.Join(", ", existing.Select(p => p.Id))}); delete them to make them again.");
            }
            var created = await DemoWorkspace.WriteAsync(connection, transaction, caller, Timestamps.Now(clock));
            return TypedResults.Created("/v1/playbooks", created);
        }, ct);
    }

    private static bool IsEnabled(IConfiguration configuration, IHostEnvironment environment)
    {
        var text = configuration[EnabledKey];
        if (string.IsNullOrWhiteSpace(text))
        {
            return environment.IsDevelopment();
        }
        return bool.TryParse(text, out var enabled)
            ? enabled
            : throw new InvalidOperationException($"{EnabledKey} must be true or false, not '{text}'.");
    }
}
