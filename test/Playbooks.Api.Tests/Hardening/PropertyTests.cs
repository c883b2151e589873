using System.Net;
using System.Text.Json.Nodes;
using CsCheck;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Hardening;

/// <summary>
/// Generated bodies, valid and invalid, sent to every endpoint that takes one: never a 5xx;
/// an accepted spec obeys every bound of the field table; an update changes only what it was
/// asked to change, and a refused one changes nothing.
/// </summary>
public abstract class PropertyTests(Provider provider) : IDisposable
{
    private const int Iterations = 150;
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private static readonly string[] Enums = ["draft", "active", "paused", "archived", "inbound", "outbound", "hybrid", "insights", "prospect", "campaign",
        "pipeline", "orange-slice", "crm-segment", "cio-segment", "manual", "pmf-research", "gtm-execution", "reply_rate", "meeting_booked", "pipeline_arr",
        "custom", "completed", "failed", "cancelled", "running", "editor", "viewer", "Active", ""];

    // Lengths around every limit of the field table, and text that is hard to store.
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.OneOf(Enums),
        Gen.Int[0, 3].Select(n => new string('a', n)),
        Gen.OneOf(60, 61, 199, 200, 201, 1000, 1001, 2000, 2001).Select(n => new string('x', n)),
        Gen.OneOf("\u0000", "😀", "\ud800", "line\nbreak", "quote\"s", "</script>", "' OR 1=1 --", "  padded  ", "ws_01JD0000000000000000000000"));

    private static readonly JsonNode? Null = null;

    private static readonly Gen<JsonNode?> Scalar = Gen.OneOf<JsonNode?>(
        Gen.Const(Null),
        Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.OneOf(-1, 0, 1, 2, 3, 12, 13, 20, 21, 49, 50, 90, 91, 5000, 5001, 10000, 10001, int.MaxValue).Select(i => (JsonNode?)JsonValue.Create(i)),
        Gen.OneOf(-0.5, 0.08, 1.5, 8.0, 1e15, 1e300, double.Epsilon).Select(d => (JsonNode?)JsonValue.Create(d)),
        Text.Select(s => (JsonNode?)JsonValue.Create(s)));

    private static readonly Gen<JsonNode?> Value = Gen.OneOf(
        Scalar, Scalar, Scalar,
        Scalar.Array[0, 14].Select(items => (JsonNode?)new JsonArray(items.Select(i => i?.DeepClone()).ToArray())),
        Gen.Const(() => (JsonNode?)new JsonObject { ["nested"] = new JsonArray(1, "two") }));

    /// <summary>An object with each member present or not, at random, with a generated value.</summary>
    private static Gen<JsonObject> ObjectOf(params (string Key, Gen<JsonNode?> Value)[] members)
    {
        var chosen = Gen.Const(Array.Empty<(string Key, JsonNode? Value)>());
        foreach (var (key, value) in members)
        {
            chosen = chosen.SelectMany(sofar => Gen.Bool.SelectMany(present => present
                ? value.Select(v => sofar.Append((key, v)).ToArray())
                : Gen.Const(sofar)));
        }
        return chosen.Select(pairs =>
        {
            var result = new JsonObject();
            foreach (var (key, value) in pairs)
            {
                result[key] = value?.DeepClone();
            }
            return result;
        });
    }

    private static readonly Gen<JsonNode?> LeadSource = Gen.OneOf(Value, ObjectOf(("kind", Value), ("query", Value), ("sampleSize", Value), ("extra", Value)).Select(o => (JsonNode?)o));
    private static readonly Gen<JsonNode?> Strategy = Gen.OneOf(Value, ObjectOf(("kind", Value), ("hypothesis", Value), ("channels", Value), ("successMetric", Value), ("successTarget", Value)).Select(o => (JsonNode?)o));
    private static readonly Gen<JsonNode?> Adaptation = Gen.OneOf(Value, ObjectOf(("enabled", Value), ("minSampleSize", Value), ("pivotWindowDays", Value), ("maxPivotsPerWeek", Value)).Select(o => (JsonNode?)o));

    private static readonly Gen<JsonObject> SpecBody = ObjectOf(
        ("name", Value), ("status", Value), ("mode", Value), ("buddyId", Value), ("leadSource", LeadSource), ("strategy", Strategy),
        ("adaptation", Adaptation), ("id", Value), ("version", Value), ("unknown", Value));

    /// <summary>Mostly-valid bodies too, so that acceptance is exercised as much as refusal.</summary>
    private static readonly Gen<JsonObject> CreateBody = Gen.OneOf(SpecBody, SpecBody.Select(body =>
    {
        body["name"] ??= "Generated";
        body["mode"] = "outbound";
        body["buddyId"] = "prospect";
        if (body["strategy"] is not JsonObject strategy)
        {
            body["strategy"] = strategy = new JsonObject();
        }
        strategy["hypothesis"] = "Generated hypothesis";
        return body;
    }));

    [Fact]
    public async Task Create_never_fails_and_accepted_specs_obey_every_bound()
    {
        var tenant = await app.NewTenantAsync();
        var accepted = 0;

        await CreateBody.SampleAsync(async body =>
        {
            var response = await tenant.Client.PostAsync("/v1/playbooks", Http.Json(body.ToJsonString()));
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.BadRequest, $"{(int)response.StatusCode} for {body.ToJsonString()[..Math.Min(300, body.ToJsonString().Length)]}");
            if (response.StatusCode == HttpStatusCode.Created)
            {
                AssertWithinBounds((await response.BodyAsync())["playbook"]!);
                Interlocked.Increment(ref accepted);
            }
        }, iter: Iterations);

        Assert.True(accepted > 0, "no generated body was accepted: the generator tests refusals only");
    }

    [Fact]
    public async Task An_update_changes_only_what_it_was_asked_to_and_a_refused_one_nothing()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync(new
        {
            name = "Original", status = "active", mode = "outbound", buddyId = "prospect",
            leadSource = new { kind = "crm-segment", query = "q", sampleSize = 80 },
            strategy = new { kind = "pmf-research", hypothesis = "H", channels = new[] { "email" }, successMetric = "reply_rate", successTarget = 0.08 },
            adaptation = new { enabled = false, minSampleSize = 10, pivotWindowDays = 7, maxPivotsPerWeek = 1 },
        });
        var url = $"/v1/playbooks/{playbook.Id()}";

        await SpecBody.SampleAsync(async patch =>
        {
            var before = (await (await tenant.Client.GetAsync(url)).ExpectAsync(HttpStatusCode.OK))["playbook"]!.AsObject();
            var response = await tenant.Client.PutJsonAsync(url, patch.ToJsonString());
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}");
            var after = (await (await tenant.Client.GetAsync(url)).ExpectAsync(HttpStatusCode.OK))["playbook"]!.AsObject();

            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                Assert.Equal(before.ToJsonString(), after.ToJsonString());
                return;
            }
            AssertWithinBounds(after);
            foreach (var field in new[] { "name", "status", "mode", "buddyId", "leadSource", "strategy", "adaptation" })
            {
                if (!patch.ContainsKey(field))
                {
                    Assert.Equal(before[field]!.ToJsonString(), after[field]!.ToJsonString());
                }
                else if (patch[field] is JsonObject nested && before[field] is JsonObject old)
                {
                    foreach (var (key, value) in old)
                    {
                        if (!nested.ContainsKey(key))
                        {
                            Assert.Equal(value?.ToJsonString(), after[field]![key]?.ToJsonString());
                        }
                    }
                }
            }
            foreach (var owned in new[] { "id", "workspaceId", "createdAt", "createdBy" })
            {
                Assert.Equal(before[owned]!.ToJsonString(), after[owned]!.ToJsonString());
            }
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public async Task Every_other_body_endpoint_answers_4xx_or_success_never_5xx()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();
        var admin = app.AdminClient();
        var anyBody = ObjectOf(("samples", Value), ("successes", Value), ("value", Value), ("at", Value), ("status", Value), ("note", Value),
            ("reason", Value), ("strategy", Strategy), ("name", Value), ("readOnly", Value), ("subject", Value), ("grants", Value), ("expiresAt", Value));

        await anyBody.SampleAsync(async body =>
        {
            var run = await (await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
            var runUrl = $"/v1/playbooks/{playbook.Id()}/runs/{run["run"]!.Id()}";
            var json = body.ToJsonString();
            foreach (var response in new[]
            {
                await tenant.Client.PostAsync($"{runUrl}/outcomes", Http.Json(json)),
                await tenant.Client.PatchAsync(runUrl, Http.Json(json)),
                await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/pivots", Http.Json(json)),
                await admin.PostAsync("/v1/admin/workspaces", Http.Json(json)),
                await admin.PatchAsync($"/v1/admin/workspaces/{tenant.WorkspaceId}", Http.Json(json)),
                await admin.PostAsync("/v1/admin/tokens", Http.Json(json)),
            })
            {
                Assert.True((int)response.StatusCode < 500, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: {(int)response.StatusCode} for {json}");
            }
            // Admin patches may have made the workspace read-only: make it writable again for the next sample.
            await (await admin.PatchAsync($"/v1/admin/workspaces/{tenant.WorkspaceId}", Http.Json("""{ "readOnly": false }"""))).ExpectAsync(HttpStatusCode.OK);
        }, iter: Iterations / 3, threads: 1);
    }

    /// <summary>Every rule of the field table, checked on what the API returned.</summary>
    private static void AssertWithinBounds(JsonNode playbook)
    {
        static int Length(JsonNode? node) => node!.GetValue<string>().EnumerateRunes().Count();
        static void InRange(JsonNode? node, double min, double max) => Assert.InRange(node!.GetValue<double>(), min, max);

        Assert.InRange(Length(playbook["name"]), 1, 200);
        Assert.Contains(playbook.Str("status"), new[] { "draft", "active", "paused", "archived" });
        Assert.Contains(playbook.Str("mode"), new[] { "inbound", "outbound", "hybrid" });
        Assert.Contains(playbook.Str("buddyId"), new[] { "insights", "prospect", "campaign", "pipeline" });
        Assert.Contains(playbook.Str("leadSource.kind"), new[] { "orange-slice", "crm-segment", "cio-segment", "manual" });
        if (playbook["leadSource"]!["query"] is { } query)
        {
            Assert.InRange(Length(query), 0, 1000);
        }
        InRange(playbook["leadSource"]!["sampleSize"], 1, 5000);
        Assert.Contains(playbook.Str("strategy.kind"), new[] { "pmf-research", "gtm-execution", "hybrid" });
        Assert.InRange(Length(playbook["strategy"]!["hypothesis"]), 1, 2000);
        var channels = playbook["strategy"]!["channels"]!.AsArray();
        Assert.InRange(channels.Count, 0, 12);
        Assert.All(channels, c => Assert.InRange(Length(c), 1, 60));
        if (playbook["strategy"]!["successMetric"] is { } metric)
        {
            Assert.Contains(metric.GetValue<string>(), new[] { "reply_rate", "meeting_booked", "pipeline_arr", "custom" });
        }
        if (playbook["strategy"]!["successTarget"] is { } target)
        {
            Assert.True(double.IsFinite(target.GetValue<double>()) && target.GetValue<double>() >= 0);
        }
        Assert.True(playbook["adaptation"]!["enabled"]!.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False);
        InRange(playbook["adaptation"]!["minSampleSize"], 1, 10000);
        InRange(playbook["adaptation"]!["pivotWindowDays"], 1, 90);
        InRange(playbook["adaptation"]!["maxPivotsPerWeek"], 0, 20);
    }

    public sealed class OnSqlite() : PropertyTests(Provider.Sqlite);

    public sealed class OnPostgres() : PropertyTests(Provider.Postgres);
}
