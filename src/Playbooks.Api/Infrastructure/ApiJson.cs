using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Playbooks.Api.Adaptation;
using Playbooks.Api.Events;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;

namespace Playbooks.Api.Infrastructure;

/// <summary>
/// Source-generated JSON for what the busiest requests read and write: the stored spec, the
/// playbook, run and evaluation answers, and the events of writes. Their (de)serializers are made
/// at build time rather than by reflection at run time. Any other type still goes through reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PlaybookSpec))]
[JsonSerializable(typeof(PlaybookEnvelope))]
[JsonSerializable(typeof(PlaybookList))]
[JsonSerializable(typeof(RunEnvelope))]
[JsonSerializable(typeof(RunList))]
[JsonSerializable(typeof(EvaluationEnvelope))]
[JsonSerializable(typeof(PlaybookData))]
[JsonSerializable(typeof(PlaybookUpdatedData))]
[JsonSerializable(typeof(RunData))]
[JsonSerializable(typeof(StateChangedData))]
internal sealed partial class ApiJson : JsonSerializerContext
{
    /// <summary>These types from the generated code, every other by reflection.</summary>
    public static IJsonTypeInfoResolver WithReflection { get; } = JsonTypeInfoResolver.Combine(Default, new DefaultJsonTypeInfoResolver());
}
