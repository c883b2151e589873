using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Playbooks.Client;
using Spectre.Console;

namespace Playbooks.Cli;

/// <summary>list, get, create, update, delete, versions.</summary>
public static class PlaybookCommands
{
    public static IEnumerable<Command> All()
    {
        var id = new Argument<string>("id") { Description = "Playbook id (pb_...)" };

        var status = new Option<string?>("--status") { Description = "Only playbooks with this status (draft, active, paused, archived)" };
        var mode = new Option<string?>("--mode") { Description = "Only this mode (inbound, outbound, hybrid)" };
        var buddy = new Option<string?>("--buddy") { Description = "Only this buddy (insights, prospect, campaign, pipeline)" };
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "List the workspace's playbooks, newest first") { status, mode, buddy, limit };
        list.SetAction(Cli.With(async (c, ct) =>
        {
            if (c.Get(limit) < 1)
            {
                throw new Cli.UsageException("--limit must be at least 1.");
            }
            var playbooks = await c.CollectAsync(c.Get(limit), (pageSize, cursor) =>
                c.Client.ListPlaybooksAsync(new ListOptions(pageSize, cursor, c.Get(status), c.Get(mode), c.Get(buddy)), ct));
            c.PrintList(playbooks, "playbooks", Output.Playbooks);
        }));
        yield return list;

        var get = new Command("get", "Show one playbook") { id };
        get.SetAction(Cli.With(async (c, ct) => c.Print(await c.Client.GetPlaybookAsync(c.Get(id), ct), Output.Playbook)));
        yield return get;

        var specFile = new Option<string>("--file", "-f") { Description = "JSON file with the spec ('-' for standard input)", Required = true };
        var create = new Command("create", "Create a playbook from a JSON spec") { specFile };
        create.SetAction(Cli.With(async (c, ct) => c.Print(await c.Client.CreatePlaybookAsync(await ReadObjectAsync(c.Get(specFile), ct), cancellationToken: ct), Output.Playbook)));
        yield return create;

        var patchFile = new Option<string>("--file", "-f") { Description = "JSON file with the fields to change ('-' for standard input)", Required = true };
        var ifMatch = new Option<long?>("--if-match") { Description = "Apply only over this version (else the update fails with 412)" };
        var update = new Command("update", "Change some fields of a playbook (nested objects merge)") { id, patchFile, ifMatch };
        update.SetAction(Cli.With(async (c, ct) =>
            c.Print(await c.Client.UpdatePlaybookAsync(c.Get(id), await ReadObjectAsync(c.Get(patchFile), ct), c.Get(ifMatch), ct), Output.Playbook)));
        yield return update;

        var yes = new Option<bool>("--yes", "-y") { Description = "Delete without asking (needed when standard input is not a terminal)" };
        var delete = new Command("delete", "Delete a playbook with its runs, versions and pivots (asks first, unless --yes)") { id, yes };
        delete.SetAction(Cli.With(async (c, ct) =>
        {
            if (!c.Get(yes))
            {
                // A script cannot answer a question: it must say --yes rather than hang or delete by default.
                if (Console.IsInputRedirected)
                {
                    throw new Cli.UsageException($"Not deleting {c.Get(id)}: standard input is not a terminal to confirm on; pass --yes to delete without asking.");
                }
                var playbook = await c.Client.GetPlaybookAsync(c.Get(id), ct);
                await Console.Error.WriteAsync($"Delete {playbook.Id} \"{playbook.Name}\" with its runs, versions and pivots? [y/N] ");
                var answer = (await Console.In.ReadLineAsync(ct))?.Trim();
                if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
                {
                    await Console.Error.WriteLineAsync($"Kept {playbook.Id}.");
                    return;
                }
            }
            await c.Client.DeletePlaybookAsync(c.Get(id), ct);
            c.Print(new { ok = true }, _ => Cli.Out.WriteLine($"Deleted {c.Get(id)}."));
        }));
        yield return delete;

        var versions = new Command("versions", "List the saved versions of a playbook's spec") { id };
        versions.SetAction(Cli.With(async (c, ct) =>
        {
            var all = await c.CollectAsync(null, (pageSize, cursor) => c.Client.ListVersionsAsync(c.Get(id), new ListOptions(pageSize, cursor), ct));
            c.PrintList(all, "versions", Output.Versions);
        }));
        yield return versions;
    }

    public static async Task<JsonObject> ReadObjectAsync(string path, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = path == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (IOException e)
        {
            throw new Cli.UsageException($"Cannot read {path}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new Cli.UsageException($"Cannot read {path}: {e.Message}");
        }
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new Cli.UsageException($"{path} must hold one JSON object.");
        }
        catch (JsonException e)
        {
            throw new Cli.UsageException($"{path} is not valid JSON: {e.Message}");
        }
    }
}
