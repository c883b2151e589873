using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Playbooks.Api.Infrastructure;

/// <summary>
/// <c>limit</c> and <c>cursor</c> of a list call. The cursor is the last id of the previous
/// page, wrapped so that clients treat it as opaque.
/// </summary>
public readonly record struct Page(int Limit, string? After)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static Page Parse(string? limit, string? cursor, string idPrefix, FieldErrors errors) =>
        Parse(limit, cursor, after => Ids.IsValid(after, idPrefix), errors);

    /// <summary>For lists ordered by something else than an id: <paramref name="isValid"/> checks the decoded cursor.</summary>
    public static Page Parse(string? limit, string? cursor, Func<string, bool> isValid, FieldErrors errors)
    {
        var take = DefaultLimit;
        if (limit is not null
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take < 1 || take > MaxLimit))
        {
            errors.Add("limit", $"must be an integer from 1 to {MaxLimit}");
        }

        string? after = null;
        if (cursor is not null)
        {
            after = Decode(cursor);
            if (after is null || !isValid(after))
            {
                errors.Add("cursor", "is not a cursor this list returned");
            }
        }
        return new(take, after);
    }

    /// <summary>Cuts the one extra row fetched to learn whether another page follows.</summary>
    public (IReadOnlyList<T> Items, string? NextCursor) Cut<T>(List<T> rows, Func<T, string> id)
    {
        if (rows.Count <= Limit)
        {
            return (rows, null);
        }
        rows.RemoveRange(Limit, rows.Count - Limit);
        return (rows, Base64Url.EncodeToString(Encoding.UTF8.GetBytes(id(rows[^1]))));
    }

    private static string? Decode(string cursor)
    {
        // TryDecodeFromChars throws on characters outside the alphabet, so check them first.
        if (cursor.Length > 64 || !Base64Url.IsValid(cursor))
        {
            return null;
        }
        var bytes = new byte[Base64Url.GetMaxDecodedLength(cursor.Length)];
        return Base64Url.TryDecodeFromChars(cursor, bytes, out var written) ? Encoding.UTF8.GetString(bytes, 0, written) : null;
    }
}
