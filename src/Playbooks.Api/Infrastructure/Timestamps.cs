using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Playbooks.Api.Infrastructure;

/// <summary>Timestamps are stored as Unix milliseconds and written as ISO 8601 UTC with milliseconds.</summary>
public static partial class Timestamps
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static DateTimeOffset FromMilliseconds(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>The clock's now, cut to the millisecond so what is returned equals what is stored.</summary>
    public static DateTimeOffset Now(TimeProvider clock) =>
        DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>The wire form: <c>2026-11-28T18:45:32.123Z</c>.</summary>
    public static string ToText(DateTimeOffset value) => value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>
    /// Only an ISO 8601 date-time with its offset (<c>2030-01-01T00:00:00Z</c>, <c>…+02:00</c>):
    /// for values where a guess would be dangerous, such as when a token expires.
    /// </summary>
    public static bool TryParseExact(string? text, out DateTimeOffset value)
    {
        value = default;
        return text is not null && ExactForm().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?(Z|[+-][0-9]{2}:[0-9]{2})\z", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex ExactForm();

    public static bool TryParse(string? text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    public sealed class JsonConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TryParse(reader.GetString(), out var value) ? value : throw new JsonException("Expected an ISO 8601 timestamp.");

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(ToText(value));
    }
}
