using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Playbooks.Api.Auth;

/// <summary>
/// A token secret reads <c>pbt_&lt;ulid&gt;_&lt;random&gt;</c>: the ULID is the token's id (so the row is
/// found by primary key, never by comparing secrets in SQL), the random part is 256 bits.
/// Only the SHA-256 of the whole secret is stored; the secret is high-entropy, so a fast hash suffices.
/// </summary>
public static class TokenSecrets
{
    public const string SecretPrefix = "pbt_";
    public const string IdPrefix = "tok_";
    private const int RandomBytes = 32;
    private static readonly int RandomChars = Base64Url.GetEncodedLength(RandomBytes);
    private static readonly int SecretLength = SecretPrefix.Length + Infrastructure.Ids.UlidLength + 1 + RandomChars;

    public static string NewSecret(string tokenId)
    {
        var random = RandomNumberGenerator.GetBytes(RandomBytes);
        return $"{SecretPrefix}{tokenId[IdPrefix.Length..]}_{Base64Url.EncodeToString(random)}";
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>The token id a secret claims to belong to, or null when it is not shaped like one.</summary>
    public static string? TokenIdOf(string secret)
    {
        if (secret.Length != SecretLength || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal)
            || secret[SecretPrefix.Length + Infrastructure.Ids.UlidLength] != '_')
        {
            return null;
        }
        var id = IdPrefix + secret.Substring(SecretPrefix.Length, Infrastructure.Ids.UlidLength);
        return Infrastructure.Ids.IsValid(id, IdPrefix) ? id : null;
    }

    public static bool Matches(string secret, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);

    /// <summary>The credential of an <c>Authorization: Bearer</c> header, or null.</summary>
    public static string? BearerOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var credential = header[scheme.Length..].Trim();
        return credential.Length is > 0 and <= 512 ? credential : null;
    }
}
