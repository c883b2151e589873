using System.Data.Common;
using System.Text.Json;
using Playbooks.Api.Adaptation;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Runs;

/// <summary>
/// The buddy's prompt for a playbook (and a run of it) as the runtime would build it: the
/// runtime's own <see cref="Client.PromptBuilder"/>, fed the API's answers in the API's JSON
/// shape (what the runtime reads). The dashboard's preview and MCP's <c>start_run</c> and
/// <c>run_playbook</c> use this, so every host sees the prompt the runtime sends.
/// </summary>
public static class BuddyPrompt
{
    private static readonly JsonSerializerOptions ApiJson = new(JsonSerializerDefaults.Web) { Converters = { new Timestamps.JsonConverter() } };

    public static async Task<string> BuildAsync(DbConnection connection, PlaybookStore.Stored playbook, RunStore.Row? run, DateTimeOffset now)
    {
        var evaluation = await AdaptationStore.EvaluateAsync(connection, playbook, now);
        return Client.PromptBuilder.Build(
            As<Client.Playbook>(playbook.ToResponse()),
            As<Client.Evaluation>(evaluation),
            run is null ? null : As<Client.Run>(run.ToResponse()));
    }

    private static T As<T>(object response) => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(response, response.GetType(), ApiJson), ApiJson)!;
}
