using System.CommandLine;
using Playbooks.Client;

namespace Playbooks.Cli;

/// <summary>
/// <c>playbooks demo</c>: fills the workspace with the server's demo playbooks (four weeks of runs
/// and outcomes, one ready to pivot now) and says what to look at next.
/// </summary>
public static class DemoCommand
{
    public const string PivotHypothesis = "A personal note from a founder gets stalled trial users to reply";

    public static Command Build()
    {
        var command = new Command("demo", "Fill the workspace with demo playbooks and four weeks of history, one ready to pivot now (servers in Development)");
        command.SetAction(Cli.With(async (context, cancellationToken) =>
        {
            var demo = await context.Client.DemoAsync(cancellationToken: cancellationToken);
            context.Print(demo, result => Print(result, context.Connection.Server));
        }));
        return command;
    }

    private static void Print(DemoResult demo, Uri server)
    {
        Console.Out.WriteLine($"Created {demo.Playbooks.Count} demo playbooks with four weeks of runs and outcomes:");
        foreach (var playbook in demo.Playbooks)
        {
            Console.Out.WriteLine($"  {playbook.Id}  {playbook.Name}  ({playbook.BuddyId}, {playbook.Strategy.SuccessMetric})");
        }
        var ready = demo.PivotReadyPlaybookId;
        Console.Out.WriteLine();
        Console.Out.WriteLine($"{ready} is underperforming and may pivot now. Next:");
        string[][] next =
        [
            [$"playbooks evaluate {ready}", "the evidence, and whether a pivot is allowed"],
            [$"playbooks stats {ready}", "samples and successes per day"],
            [new Uri(server, "app").ToString(), "the dashboard (sign in with the same token)"],
        ];
        var width = next.Max(line => line[0].Length) + 3;
        foreach (var line in next)
        {
            Console.Out.WriteLine($"  {line[0].PadRight(width)}{line[1]}");
        }
        Console.Out.WriteLine("Pivot it now (a new strategy version; the evidence starts again):");
        Console.Out.WriteLine($$"""  echo '{ "hypothesis": "{{PivotHypothesis}}" }' | playbooks pivot {{ready}} --reason "Replies far below target" -f -""");
    }
}
