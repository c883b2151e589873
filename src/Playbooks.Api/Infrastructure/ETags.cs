using Microsoft.Net.Http.Headers;

namespace Playbooks.Api.Infrastructure;

/// <summary>A playbook's ETag is its version: <c>"3"</c>.</summary>
public static class ETags
{
    public static void Set(HttpResponse response, long version) => response.Headers.ETag = $"\"{version}\"";

    /// <summary>True when there is no If-Match, or when one of its tags (or <c>*</c>) names <paramref name="version"/>.</summary>
    public static bool IfMatchAllows(HttpRequest request, long version)
    {
        var header = request.Headers.IfMatch;
        if (header.Count == 0)
        {
            return true;
        }
        if (!EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            // Accept a bare version too (If-Match: 3), which people type by hand.
            return header.ToString().Trim() == version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var expected = $"\"{version}\"";
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Tag.Value == expected);
    }
}
