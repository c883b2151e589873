using System.Net;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Playbooks;

/// <summary>Every row of the field table: in range, out of range, wrong type, invalid enum; on create and on update.</summary>
public abstract class FieldRuleTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private static readonly string Long200 = new('n', 200);

    /// <summary>field path, JSON value sent, JSON value stored (null: a 400 naming the field is expected).</summary>
    public static TheoryData<string, string, string?> CreateRows() => new()
    {
        { "name", "\"x\"", "\"x\"" },
        { "name", "\"  padded  \"", "\"padded\"" },
        { "name", $"\"{Long200}\"", $"\"{Long200}\"" },
        { "name", $"\"{Long200}n\"", null },
        { "name", "\"   \"", null },
        { "name", "42", null },
        { "name", "null", null },
        { "mode", "\"inbound\"", "\"inbound\"" },
        { "mode", "\"hybrid\"", "\"hybrid\"" },
        { "mode", "\"sideways\"", null },
        { "mode", "1", null },
        { "buddyId", "\"insights\"", "\"insights\"" },
        { "buddyId", "\"pipeline\"", "\"pipeline\"" },
        { "buddyId", "\"nobody\"", null },
        { "buddyId", "[]", null },
        { "status", "\"active\"", "\"active\"" },
        { "status", "\"archived\"", "\"archived\"" },
        { "status", "\"foo\"", "\"draft\"" },
        { "status", "null", "\"draft\"" },
        { "status", "true", null },
        { "leadSource.kind", "\"orange-slice\"", "\"orange-slice\"" },
        { "leadSource.kind", "\"cio-segment\"", "\"cio-segment\"" },
        { "leadSource.kind", "\"telepathy\"", "\"manual\"" },
        { "leadSource.kind", "7", null },
        { "leadSource.query", "\"industry = 'saas'\"", "\"industry = 'saas'\"" },
        { "leadSource.query", $"\"{new string('q', 1000)}\"", $"\"{new string('q', 1000)}\"" },
        { "leadSource.query", $"\"{new string('q', 1001)}\"", null },
        { "leadSource.query", "null", "null" },
        { "leadSource.query", "{}", null },
        { "leadSource.sampleSize", "1", "1" },
        { "leadSource.sampleSize", "5000", "5000" },
        { "leadSource.sampleSize", "0", null },
        { "leadSource.sampleSize", "5001", null },
        { "leadSource.sampleSize", "2.5", null },
        { "leadSource.sampleSize", "\"50\"", null },
        { "leadSource.sampleSize", "1e400", null },
        { "strategy.kind", "\"pmf-research\"", "\"pmf-research\"" },
        { "strategy.kind", "\"hybrid\"", "\"hybrid\"" },
        { "strategy.kind", "\"vibes\"", "\"gtm-execution\"" },
        { "strategy.kind", "false", null },
        { "strategy.hypothesis", $"\"{new string('h', 2000)}\"", $"\"{new string('h', 2000)}\"" },
        { "strategy.hypothesis", $"\"{new string('h', 2001)}\"", null },
        { "strategy.hypothesis", "\"\"", null },
        { "strategy.hypothesis", "3", null },
        { "strategy.hypothesis", "null", null },
        { "strategy.channels", "[\"email\",\"linkedin\"]", "[\"email\",\"linkedin\"]" },
        { "strategy.channels", Channels(12, 60), Channels(12, 60) },
        { "strategy.channels", Channels(13, 5), null },
        { "strategy.channels", "\"email\"", null },
        { "strategy.channels", "null", "[]" },
        { "strategy.channels[0]", Channels(1, 61), null },
        { "strategy.channels[0]", "[\"\"]", null },
        { "strategy.channels[1]", "[\"email\", 5]", null },
        { "strategy.successMetric", "\"reply_rate\"", "\"reply_rate\"" },
        { "strategy.successMetric", "\"pipeline_arr\"", "\"pipeline_arr\"" },
        { "strategy.successMetric", "\"custom\"", "\"custom\"" },
        { "strategy.successMetric", "\"happiness\"", "null" },
        { "strategy.successMetric", "null", "null" },
        { "strategy.successMetric", "2", null },
        { "strategy.successTarget", "0", "0" },
        { "strategy.successTarget", "0.08", "0.08" },
        { "strategy.successTarget", "100000", "100000" },
        { "strategy.successTarget", "-0.5", null },
        { "strategy.successTarget", "\"3\"", null },
        { "strategy.successTarget", "null", "null" },
        { "adaptation.enabled", "false", "false" },
        { "adaptation.enabled", "\"true\"", null },
        { "adaptation.enabled", "null", "true" },
        { "adaptation.minSampleSize", "1", "1" },
        { "adaptation.minSampleSize", "10000", "10000" },
        { "adaptation.minSampleSize", "0", null },
        { "adaptation.minSampleSize", "10001", null },
        { "adaptation.minSampleSize", "1.5", null },
        { "adaptation.pivotWindowDays", "1", "1" },
        { "adaptation.pivotWindowDays", "90", "90" },
        { "adaptation.pivotWindowDays", "0", null },
        { "adaptation.pivotWindowDays", "91", null },
        { "adaptation.pivotWindowDays", "\"3\"", null },
        { "adaptation.maxPivotsPerWeek", "0", "0" },
        { "adaptation.maxPivotsPerWeek", "20", "20" },
        { "adaptation.maxPivotsPerWeek", "-1", null },
        { "adaptation.maxPivotsPerWeek", "21", null },
        { "leadSource", "\"crm\"", null },
        { "strategy", "[]", null },
        { "adaptation", "5", null },
    };

    [Theory]
    [MemberData(nameof(CreateRows))]
    public async Task Create_applies_the_field_rule(string path, string sent, string? stored)
    {
        var tenant = await app.NewTenantAsync();
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Http.ExamplePlaybook))!.AsObject();
        Set(body, FieldOf(path), JsonNode.Parse(sent));

        var response = await tenant.Client.PostAsync("/v1/playbooks", Http.Json(body.ToJsonString()));

        if (stored is null)
        {
            await response.ExpectValidationAsync(path);
            return;
        }
        var playbook = (await response.ExpectAsync(HttpStatusCode.Created))["playbook"]!;
        AssertJsonEqual(stored, playbook.Walk(FieldOf(path)));
    }

    /// <summary>On update: the same bounds, an invalid enum keeps the value, null resets to the default.</summary>
    public static TheoryData<string, string, string?> UpdateRows() => new()
    {
        { "name", "\"Renamed\"", "\"Renamed\"" },
        { "name", $"\"{Long200}n\"", null },
        { "name", "null", null },
        { "name", "\"\"", null },
        { "mode", "\"inbound\"", "\"inbound\"" },
        { "mode", "\"sideways\"", "\"outbound\"" },
        { "mode", "null", null },
        { "mode", "3", null },
        { "buddyId", "\"campaign\"", "\"campaign\"" },
        { "buddyId", "\"nobody\"", "\"prospect\"" },
        { "buddyId", "null", null },
        { "status", "\"paused\"", "\"paused\"" },
        { "status", "\"foo\"", "\"active\"" },
        { "status", "null", "\"draft\"" },
        { "status", "{}", null },
        { "leadSource.kind", "\"crm-segment\"", "\"crm-segment\"" },
        { "leadSource.kind", "\"telepathy\"", "\"orange-slice\"" },
        { "leadSource.kind", "null", "\"manual\"" },
        { "leadSource.query", "null", "null" },
        { "leadSource.query", $"\"{new string('q', 1001)}\"", null },
        { "leadSource.sampleSize", "null", "50" },
        { "leadSource.sampleSize", "5001", null },
        { "leadSource.sampleSize", "4999", "4999" },
        { "strategy.kind", "\"vibes\"", "\"pmf-research\"" },
        { "strategy.kind", "null", "\"gtm-execution\"" },
        { "strategy.hypothesis", "null", null },
        { "strategy.hypothesis", "\"Better\"", "\"Better\"" },
        { "strategy.hypothesis", $"\"{new string('h', 2001)}\"", null },
        { "strategy.channels", "null", "[]" },
        { "strategy.channels", Channels(13, 5), null },
        { "strategy.successMetric", "\"happiness\"", "\"reply_rate\"" },
        { "strategy.successMetric", "null", "null" },
        { "strategy.successTarget", "null", "null" },
        { "strategy.successTarget", "-1", null },
        { "strategy.successTarget", "12.5", "12.5" },
        // The playbook's metric is reply_rate: a fraction up to 1 or a percentage up to 100.
        { "strategy.successTarget", "100", "100" },
        { "strategy.successTarget", "100.001", null },
        { "adaptation.enabled", "null", "true" },
        { "adaptation.enabled", "0", null },
        { "adaptation.minSampleSize", "null", "50" },
        { "adaptation.minSampleSize", "10001", null },
        { "adaptation.pivotWindowDays", "null", "3" },
        { "adaptation.pivotWindowDays", "91", null },
        { "adaptation.maxPivotsPerWeek", "null", "2" },
        { "adaptation.maxPivotsPerWeek", "21", null },
    };

    [Theory]
    [MemberData(nameof(UpdateRows))]
    public async Task Update_applies_the_field_rule(string path, string sent, string? stored)
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync(new
        {
            name = "Original",
            status = "active",
            mode = "outbound",
            buddyId = "prospect",
            leadSource = new { kind = "orange-slice", query = "role = 'vp growth'", sampleSize = 100 },
            strategy = new { kind = "pmf-research", hypothesis = "Original", channels = new[] { "email" }, successMetric = "reply_rate", successTarget = 0.08 },
            adaptation = new { enabled = false, minSampleSize = 10, pivotWindowDays = 7, maxPivotsPerWeek = 1 },
        });
        var patch = new JsonObject();
        Set(patch, path, JsonNode.Parse(sent));

        var response = await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", patch.ToJsonString());

        if (stored is null)
        {
            await response.ExpectValidationAsync(path);
            var unchanged = await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}")).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(created.ToJsonString(), unchanged["playbook"]!.ToJsonString());
            return;
        }
        var playbook = (await response.ExpectAsync(HttpStatusCode.OK))["playbook"]!;
        AssertJsonEqual(stored, playbook.Walk(path));
    }

    private static string Channels(int count, int length) =>
        new JsonArray(Enumerable.Range(0, count).Select(i => (JsonNode)JsonValue.Create(new string((char)('a' + i % 26), length))).ToArray()).ToJsonString();

    /// <summary><c>strategy.channels[0]</c> is reported at the item, but sent as the whole array.</summary>
    private static string FieldOf(string path) => path.Contains('[', StringComparison.Ordinal) ? path[..path.IndexOf('[', StringComparison.Ordinal)] : path;

    private static void Set(JsonObject body, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var target = body;
        foreach (var part in parts[..^1])
        {
            if (target[part] is not JsonObject next)
            {
                target[part] = next = new JsonObject();
            }
            target = next;
        }
        target[parts[^1]] = value;
    }

    private static void AssertJsonEqual(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"Expected {expected}, got {actual?.ToJsonString() ?? "null"}");

    public sealed class OnSqlite() : FieldRuleTests(Provider.Sqlite);

    public sealed class OnPostgres() : FieldRuleTests(Provider.Postgres);
}
