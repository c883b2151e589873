using System.CommandLine;
using Playbooks.Client;
using Spectre.Console;

namespace Playbooks.Cli;

/// <summary>webhooks create|list|get|update|delete|rotate-secret|ping|deliveries|redeliver.</summary>
public static class WebhookCommands
{
    public static Command Build()
    {
        var id = new Argument<string>("id") { Description = "Webhook id (wh_...)" };
        const string EventsHelp = "Event types to send, comma-separated (playbook.created, run.ended, ...); none or empty for every type";

        var url = new Option<string>("--url") { Description = "Where to POST the events: an absolute https (or http) URL", Required = true };
        var events = new Option<string?>("--events") { Description = EventsHelp };
        var description = new Option<string?>("--description") { Description = "What the endpoint is for" };
        var disabled = new Option<bool>("--disabled") { Description = "Create it disabled (enable it later with update --enable)" };
        var create = new Command("create", "Register an endpoint; its signing secret is shown once") { url, events, description, disabled };
        create.SetAction(Cli.With(async (c, ct) => c.Print(
            await c.Client.CreateWebhookAsync(c.Get(url), Types(c.Get(events)), c.Get(description), c.Get(disabled) ? false : null, cancellationToken: ct),
            Output.IssuedWebhook)));

        var list = new Command("list", "List the workspace's webhook endpoints");
        list.SetAction(Cli.With(async (c, ct) => c.PrintList(await c.Client.ListWebhooksAsync(ct), "webhooks", Output.Webhooks)));

        var get = new Command("get", "Show one webhook endpoint") { id };
        get.SetAction(Cli.With(async (c, ct) => c.Print(await c.Client.GetWebhookAsync(c.Get(id), ct), Output.Webhook)));

        var newUrl = new Option<string?>("--url") { Description = "A new URL" };
        var newEvents = new Option<string?>("--events") { Description = EventsHelp };
        var newDescription = new Option<string?>("--description") { Description = "A new description" };
        var enable = new Option<bool>("--enable") { Description = "Enable it (also after the server disabled it)" };
        var disable = new Option<bool>("--disable") { Description = "Disable it: nothing is sent until it is enabled again" };
        var update = new Command("update", "Change some fields of a webhook endpoint") { id, newUrl, newEvents, newDescription, enable, disable };
        update.SetAction(Cli.With(async (c, ct) =>
        {
            if (c.Get(enable) && c.Get(disable))
            {
                throw new Cli.UsageException("Pass --enable or --disable, not both.");
            }
            var changes = new WebhookChanges(c.Get(newUrl), Types(c.Get(newEvents)), c.Get(newDescription), c.Get(enable) ? true : c.Get(disable) ? false : null);
            c.Print(await c.Client.UpdateWebhookAsync(c.Get(id), changes, ct), Output.Webhook);
        }));

        var delete = new Command("delete", "Delete a webhook endpoint; nothing more is sent to it") { id };
        delete.SetAction(Cli.With(async (c, ct) =>
        {
            await c.Client.DeleteWebhookAsync(c.Get(id), ct);
            c.Print(new { ok = true }, _ => Cli.Out.WriteLine($"Deleted {c.Get(id)}."));
        }));

        var rotate = new Command("rotate-secret", "Make a new signing secret, shown once (the old one still signs for 24 hours)") { id };
        rotate.SetAction(Cli.With(async (c, ct) => c.Print(await c.Client.RotateWebhookSecretAsync(c.Get(id), cancellationToken: ct), Output.IssuedWebhook)));

        var ping = new Command("ping", "Send a webhook.ping event to this endpoint; prints the delivery") { id };
        ping.SetAction(Cli.With(async (c, ct) => c.Print(await c.Client.PingWebhookAsync(c.Get(id), cancellationToken: ct), Output.Delivery)));

        var status = new Option<string?>("--status") { Description = "Only deliveries with this status" };
        status.AcceptOnlyFromAmong("pending", "succeeded", "failed");
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 100 };
        var deliveries = new Command("deliveries", "List an endpoint's deliveries, newest first") { id, status, limit };
        deliveries.SetAction(Cli.With(async (c, ct) =>
        {
            if (c.Get(limit) < 1)
            {
                throw new Cli.UsageException("--limit must be at least 1.");
            }
            var all = await c.CollectAsync(c.Get(limit), (pageSize, cursor) =>
                c.Client.ListDeliveriesAsync(c.Get(id), new ListOptions(pageSize, cursor, c.Get(status)), ct));
            c.PrintList(all, "deliveries", Output.Deliveries);
        }));

        var deliveryId = new Argument<string>("deliveryId") { Description = "Delivery id (dlv_...)" };
        var redeliver = new Command("redeliver", "Send a delivery's event to its endpoint again") { id, deliveryId };
        redeliver.SetAction(Cli.With(async (c, ct) => c.Print(await c.Client.RedeliverAsync(c.Get(id), c.Get(deliveryId), cancellationToken: ct), Output.Delivery)));

        return new Command("webhooks", "Webhook endpoints that receive the workspace's events")
        {
            create, list, get, update, delete, rotate, ping, deliveries, redeliver,
        };
    }

    /// <summary>Comma-separated types; an empty value is an empty list (every type), no value leaves them as they are.</summary>
    private static string[]? Types(string? value) =>
        value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
