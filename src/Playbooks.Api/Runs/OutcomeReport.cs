using System.Text.Json;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Runs;

/// <summary>One report of what a run did: how many leads (samples), how many succeeded, what value, when.</summary>
public sealed record OutcomeReport(int Samples, int Successes, double Value, DateTimeOffset At)
{
    public const int MaxSamples = 1_000_000;
    public const double MaxValue = 1e15;

    public static OutcomeReport? Read(JsonElement body, DateTimeOffset runStartedAt, DateTimeOffset now, FieldErrors errors)
    {
        var fields = new JsonFields(body, "", errors);
        var samples = fields.RequiredInteger("samples", 0, MaxSamples);
        var successes = fields.RequiredInteger("successes", 0, MaxSamples);
        if (samples is not null && successes > samples)
        {
            errors.Add("successes", "must not be more than samples");
        }

        var value = fields.Number("value", 0, -MaxValue) ?? 0;
        if (Math.Abs(value) > MaxValue)
        {
            errors.Add("value", $"must be at most {MaxValue:0e0} in size");
        }

        var at = now;
        if (fields.Text("at", null, 64) is { } text)
        {
            if (!Timestamps.TryParse(text, out at))
            {
                errors.Add("at", "must be an ISO 8601 timestamp");
            }
            else
            {
                at = Timestamps.FromMilliseconds(at.ToUnixTimeMilliseconds());
                if (at > now)
                {
                    errors.Add("at", "must not be in the future");
                }
                else if (at < runStartedAt)
                {
                    errors.Add("at", "must not be before the run started");
                }
            }
        }
        return errors.Count == 0 ? new OutcomeReport(samples!.Value, successes!.Value, value, at) : null;
    }
}
