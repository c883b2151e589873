using System.CommandLine;
using System.Net;
using System.Text.Json;
using Playbooks.Client;
using Spectre.Console;

namespace Playbooks.Cli;

/// <summary>pivot: a strategy change by hand, through the same guards as a buddy's propose_pivot.</summary>
public static class PivotCommand
{
    public static Command Build()
    {
        var id = new Argument<string>("playbookId") { Description = "Playbook id (pb_...)" };
        var reason = new Option<string>("--reason") { Description = "Why the strategy changes, as the evidence shows it", Required = true };
        var file = new Option<string>("--file", "-f") { Description = "JSON file with the strategy fields to change ('-' for standard input)", Required = true };
        var run = new Option<string?>("--run") { Description = "The run (run_...) the pivot was decided in; it must be a run of this playbook" };
        var pivot = new Command("pivot", "Change a playbook's strategy if the adaptation rules allow it now") { id, reason, file, run };
        pivot.SetAction(Cli.With(async (c, ct) =>
        {
            var playbookId = c.Get(id);
            var strategy = await PlaybookCommands.ReadObjectAsync(c.Get(file), ct);
            var why = c.Get(reason);
            if (c.Get(run) is { } runId)
            {
                // A run of another playbook is not found here, as the API does not know it under this playbook.
                await c.Client.GetRunAsync(playbookId, runId, ct);
                why = $"{why} (decided in run {runId})";
            }
            PivotResult result;
            try
            {
                result = await c.Client.PivotAsync(playbookId, why, strategy, cancellationToken: ct);
            }
            catch (PlaybooksApiException refused) when (refused.Status == HttpStatusCode.Conflict)
            {
                // Every 409 of this call is a guard of the adaptation rules, named by the problem's code.
                var next = NextAllowed(refused);
                throw new Cli.RefusedException(
                    $"Pivot refused by the {refused.Code} guard: {refused.Detail ?? refused.Title}"
                    + (next is null ? "" : $"{Environment.NewLine}Next pivot allowed at {next}."));
            }
            c.Print(result, r =>
            {
                Cli.Out.WriteLine($"pivot   {r.Pivot.Id}: version {r.Pivot.FromVersion} -> {r.Pivot.ToVersion}, {r.Pivot.Evaluation.State}");
                Cli.Out.WriteLine($"reason  {r.Pivot.Reason}");
                Output.Playbook(r.Playbook);
            });
        }));
        return pivot;
    }

    private static string? NextAllowed(PlaybooksApiException problem) =>
        problem.Problem is { ValueKind: JsonValueKind.Object } document && document.TryGetProperty("nextPivotAllowedAt", out var next) && next.ValueKind == JsonValueKind.String
            ? next.GetString()
            : null;
}
