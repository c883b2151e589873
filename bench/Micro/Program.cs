using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Playbooks.Api.Adaptation;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;

// dotnet run -c Release --project bench/Micro -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(SpecReading).Assembly).Run(args);

/// <summary>A create body from bytes to a validated spec, and an update merged onto a spec.</summary>
[MemoryDiagnoser]
public class SpecReading
{
    private static readonly byte[] CreateBody = Encoding.UTF8.GetBytes("""
        { "name": "Series B SaaS. New head of growth", "status": "active", "mode": "outbound", "buddyId": "prospect",
          "leadSource": { "kind": "crm-segment", "query": "stage = 'Series B'", "sampleSize": 50 },
          "strategy": { "kind": "gtm-execution", "hypothesis": "New heads of growth book meetings in their first 90 days",
                        "channels": ["email", "linkedin"], "successMetric": "meeting_booked", "successTarget": 3 },
          "adaptation": { "enabled": true, "minSampleSize": 50, "pivotWindowDays": 3, "maxPivotsPerWeek": 2 } }
        """);

    private static readonly byte[] UpdateBody = Encoding.UTF8.GetBytes("""{ "status": "paused", "strategy": { "successTarget": 5 }, "unknown": { "deep": [1, 2] } }""");

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = JsonBody.MaxDepth, AllowDuplicateProperties = false };

    private readonly PlaybookSpec current = Read(CreateBody, null)!;

    [Benchmark]
    public PlaybookSpec? ParseAndValidateCreate() => Read(CreateBody, null);

    [Benchmark]
    public PlaybookSpec? ParseAndMergeUpdate() => Read(UpdateBody, current);

    private static PlaybookSpec? Read(byte[] body, PlaybookSpec? onto)
    {
        using var document = JsonDocument.Parse(body, Options);
        var errors = new FieldErrors();
        return onto is null ? SpecReader.Create(document.RootElement, errors) : SpecReader.Update(document.RootElement, onto, errors);
    }
}

/// <summary>The evaluator on evidence for a rate metric and for a value metric.</summary>
[MemoryDiagnoser]
public class Evaluating
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 18, 0, 0, TimeSpan.Zero);

    private static EvaluationInput Input(string metric, double target, Evidence evidence) => new(
        new PlaybookSpec("N", "active", "outbound", "prospect", new LeadSource("manual", null, 50),
            new Strategy("gtm-execution", "H", [], metric, target), SpecRules.DefaultAdaptation),
        4, Now.AddDays(-9), evidence, [Now.AddDays(-2)], Now);

    private readonly EvaluationInput rate = Input("meeting_booked", 3, new Evidence(340, 12, 0, 0));
    private readonly EvaluationInput value = Input("pipeline_arr", 100000, new Evidence(100, 10, 300000, 9e9));

    [Benchmark]
    public Evaluation RateMetric() => Evaluator.Evaluate(rate);

    [Benchmark]
    public Evaluation ValueMetric() => Evaluator.Evaluate(value);
}
