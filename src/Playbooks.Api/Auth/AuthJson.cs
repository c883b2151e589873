using System.Text.Json;
using System.Text.Json.Serialization;

namespace Playbooks.Api.Auth;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<Grant>))]
internal sealed partial class AuthJson : JsonSerializerContext;
