using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Playbooks.Client;

namespace Playbooks.Cli;

/// <summary>events: the workspace's feed, once or followed.</summary>
public static class EventCommands
{
    public static Command Build()
    {
        // The server checks the types (an unknown one is a validation problem): a newer server may know more than this command.
        var types = new Option<string?>("--type") { Description = "Only these types, comma-separated (playbook.created, playbook.updated, playbook.deleted, run.started, run.ended, adaptation.state_changed, pivot.created)" };
        var after = new Option<string?>("--after") { Description = "Start after this event id (evt_...); default the oldest kept" };
        var limit = new Option<int>("--limit") { Description = "At most this many (without --follow)", DefaultValueFactory = _ => 100 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new events as they happen, until Ctrl-C" };
        var interval = new Option<double>("--interval") { Description = "Seconds between polls with --follow", DefaultValueFactory = _ => 2 };
        var events = new Command("events", "List the workspace's events in the order they were recorded, one line each; --follow keeps polling for new ones")
        {
            types, after, limit, follow, interval,
        };
        events.SetAction(Cli.With(async (c, ct) =>
        {
            var filter = c.Get(types)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (!c.Get(follow))
            {
                if (c.Get(limit) < 1)
                {
                    throw new Cli.UsageException("--limit must be at least 1.");
                }
                var list = await c.CollectAsync(c.Get(limit), (pageSize, cursor) => c.Client.ListEventsAsync(cursor ?? c.Get(after), filter, pageSize, ct));
                c.PrintList(list, "events", items =>
                {
                    if (items.Count == 0)
                    {
                        Console.Out.WriteLine("No events.");
                    }
                    foreach (var e in items)
                    {
                        Console.Out.WriteLine(Output.EventLine(e));
                    }
                });
                return;
            }

            if (!(c.Get(interval) > 0))
            {
                throw new Cli.UsageException("--interval must be a number of seconds above 0.");
            }
            // With --json, each event as the API sent it, taken from the page it came in.
            var sent = new Dictionary<string, JsonNode>();
            try
            {
                await foreach (var e in c.Client.FollowEventsAsync(c.Get(after), filter, TimeSpan.FromSeconds(c.Get(interval)), ct))
                {
                    if (!c.Json)
                    {
                        Console.Out.WriteLine(Output.EventLine(e));
                        continue;
                    }
                    foreach (var item in c.TakeBodies().SelectMany(b => b["events"]?.AsArray() ?? []))
                    {
                        sent[item!["id"]!.GetValue<string>()] = item;
                    }
                    // JSON Lines: one compact object per event, each flushed as it comes.
                    Console.Out.WriteLine(sent.Remove(e.Id, out var raw) ? raw.ToJsonString() : JsonSerializer.Serialize(e, Cli.JsonOutput));
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl-C (or SIGTERM) is how a follow ends: not a failure.
            }
        }));
        return events;
    }
}
