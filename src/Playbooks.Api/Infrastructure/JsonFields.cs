using System.Globalization;
using System.Text.Json;

namespace Playbooks.Api.Infrastructure;

public enum Presence
{
    Absent,
    Null,
    Value,
    Invalid,
}

/// <summary>
/// Reads the members of one JSON object the way the contract wants: an absent member keeps the
/// current value, <c>null</c> resets an optional member, an unknown enum value is ignored, and
/// every violation is added to <see cref="Errors"/> under its field path, so all are reported at once.
/// Members that are never asked for are simply never read: unknown fields drop out by construction.
/// </summary>
public readonly struct JsonFields(JsonElement element, string prefix, FieldErrors errors)
{
    public FieldErrors Errors => errors;

    public string PathOf(string key) => prefix.Length == 0 ? key : $"{prefix}.{key}";

    public Presence Find(string key, out JsonElement value)
    {
        if (!element.TryGetProperty(key, out value))
        {
            return Presence.Absent;
        }
        return value.ValueKind == JsonValueKind.Null ? Presence.Null : Presence.Value;
    }

    /// <summary>A string. Absent keeps <paramref name="current"/>; null gives null, or "is required" when <paramref name="required"/>.</summary>
    public string? Text(string key, string? current, int max, bool required = false, bool trim = false, int min = 1)
    {
        switch (Find(key, out var value))
        {
            case Presence.Absent:
                if (required && current is null)
                {
                    errors.Add(PathOf(key), "is required");
                }
                return current;
            case Presence.Null:
                if (required)
                {
                    errors.Add(PathOf(key), "is required");
                    return current;
                }
                return null;
        }
        return TextValue(value, PathOf(key), current, max, trim, min);
    }

    public string? TextValue(JsonElement value, string path, string? current, int max, bool trim = false, int min = 1)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(path, "must be a string");
            return current;
        }
        if (!TryGetText(value, out var text))
        {
            errors.Add(path, "must be valid Unicode text");
            return current;
        }
        if (trim)
        {
            text = text.Trim();
        }
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(path, "must not contain NUL characters");
            return current;
        }
        var length = LengthOf(text);
        if (length < min || length > max)
        {
            errors.Add(path, min == max ? $"must be {max} characters" : min == 0 ? $"must be at most {max} characters" : $"must be {min} to {max} characters");
            return current;
        }
        return text;
    }

    /// <summary>
    /// One of <paramref name="allowed"/>. A string outside the set is ignored (the current value
    /// stays); when that leaves a required member without a value, it is reported as missing.
    /// </summary>
    public string? Enum(string key, string? current, string[] allowed, string? fallback, bool required = false)
    {
        var path = PathOf(key);
        switch (Find(key, out var value))
        {
            case Presence.Absent:
                break;
            case Presence.Null:
                if (required)
                {
                    errors.Add(path, "is required");
                    return current;
                }
                return fallback;
            default:
                if (value.ValueKind != JsonValueKind.String)
                {
                    errors.Add(path, $"must be one of: {string.Join(", ", allowed)}");
                    return current;
                }
                var text = value.GetString();
                if (Array.IndexOf(allowed, text) >= 0)
                {
                    return text;
                }
                if (required && current is null)
                {
                    errors.Add(path, $"must be one of: {string.Join(", ", allowed)}");
                }
                return current;
        }
        if (required && current is null)
        {
            errors.Add(path, "is required");
        }
        return current;
    }

    /// <summary>A whole number within bounds. Null resets to <paramref name="fallback"/>.</summary>
    public int Integer(string key, int current, int min, int max, int fallback)
    {
        switch (Find(key, out var value))
        {
            case Presence.Absent:
                return current;
            case Presence.Null:
                return fallback;
        }
        return IntegerValue(value, PathOf(key), current, min, max);
    }

    /// <summary>A whole number that must be sent; null when it is missing or invalid (already reported).</summary>
    public int? RequiredInteger(string key, int min, int max)
    {
        if (Find(key, out var value) != Presence.Value)
        {
            errors.Add(PathOf(key), "is required");
            return null;
        }
        var before = errors.Count;
        var number = IntegerValue(value, PathOf(key), 0, min, max);
        return errors.Count == before ? number : null;
    }

    public int IntegerValue(JsonElement value, string path, int current, int min, int max)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            errors.Add(path, "must be an integer");
            return current;
        }
        if (!IsIntegerLiteral(value.GetRawText()) || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            errors.Add(path, "must be an integer");
            return current;
        }
        if (number < min || number > max)
        {
            errors.Add(path, $"must be from {min} to {max}");
            return current;
        }
        return (int)number;
    }

    /// <summary>A finite number of at least <paramref name="min"/>, or null.</summary>
    public double? Number(string key, double? current, double min)
    {
        switch (Find(key, out var value))
        {
            case Presence.Absent:
                return current;
            case Presence.Null:
                return null;
        }
        var path = PathOf(key);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            errors.Add(path, "must be a finite number");
            return current;
        }
        if (number < min)
        {
            errors.Add(path, $"must be at least {min.ToString(CultureInfo.InvariantCulture)}");
            return current;
        }
        return number;
    }

    public bool Boolean(string key, bool current, bool fallback)
    {
        switch (Find(key, out var value))
        {
            case Presence.Absent:
                return current;
            case Presence.Null:
                return fallback;
        }
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors.Add(PathOf(key), "must be true or false");
            return current;
        }
        return value.GetBoolean();
    }

    /// <summary>A nested object; <see cref="Presence.Invalid"/> (already reported) when it is another type.</summary>
    public Presence Object(string key, out JsonFields nested)
    {
        var presence = Find(key, out var value);
        nested = new JsonFields(value, PathOf(key), errors);
        if (presence == Presence.Value && value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(PathOf(key), "must be an object");
            return Presence.Invalid;
        }
        return presence;
    }

    /// <summary>
    /// Whether a JSON number's text is a whole number (50, 50.0, 5e1, 2.5e1), decided from its
    /// digits and exponent: 1e-400 rounds to 0 as a double, but is no integer.
    /// </summary>
    public static bool IsIntegerLiteral(string text)
    {
        var exponentAt = text.IndexOfAny(['e', 'E']);
        var mantissa = (exponentAt < 0 ? text : text[..exponentAt]).TrimStart('-');
        if (!long.TryParse(exponentAt < 0 ? "0" : text[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent))
        {
            return false;
        }
        // The value is digits × 10^scale; trailing zeros of the digits move into the scale.
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        var scale = exponent - (point < 0 ? 0 : mantissa.Length - point - 1);
        var significant = digits.TrimEnd('0');
        return significant.Trim('0').Length == 0 || scale + (digits.Length - significant.Length) >= 0;
    }

    /// <summary>Length as people count it: Unicode scalar values, so an emoji is one character.</summary>
    public static int LengthOf(string text) => text.EnumerateRunes().Count();

    private static bool TryGetText(JsonElement value, out string text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate written as an escape (\ud800) cannot become a string.
            text = "";
            return false;
        }
    }
}
