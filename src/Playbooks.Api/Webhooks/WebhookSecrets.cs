using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Playbooks.Api.Webhooks;

/// <summary>
/// Signing secrets: made here, shown once, stored only protected by ASP.NET Core Data Protection
/// (whose key ring lives in the database, so every instance can sign), and used to sign deliveries
/// the Standard Webhooks way.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider protection)
{
    public const string Prefix = "whsec_";

    private readonly IDataProtector protector = protection.CreateProtector("Playbooks.Webhooks.Secret.v1");

    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret) => protector.Protect(secret);

    public string Unprotect(string stored) => protector.Unprotect(stored);

    /// <summary>
    /// The <c>webhook-signature</c> header: <c>v1,</c> + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")) per secret,
    /// space-separated, the key being the base64-decoded part of the secret after <c>whsec_</c>.
    /// </summary>
    public static string Sign(IEnumerable<string> secrets, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return string.Join(' ', secrets.Select(secret =>
            "v1," + Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(secret[Prefix.Length..]), content))));
    }
}
