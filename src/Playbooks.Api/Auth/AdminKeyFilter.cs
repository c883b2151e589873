using System.Security.Cryptography;
using System.Text;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Auth;

/// <summary>
/// Guards the admin API with the operator key of <c>Playbooks:AdminKey</c>. Without a configured
/// key the admin API does not exist (404). Keys are compared as SHA-256 digests in constant time,
/// so neither content nor length leaks through timing.
/// </summary>
public sealed class AdminKeyFilter(IConfiguration configuration) : IEndpointFilter
{
    public const string ConfigurationKey = "Playbooks:AdminKey";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var configured = configuration[ConfigurationKey];
        if (string.IsNullOrEmpty(configured))
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, "not_found", "There is no admin API on this server.");
        }
        var presented = TokenSecrets.BearerOf(context.HttpContext.Request);
        if (presented is null || !CryptographicOperations.FixedTimeEquals(Digest(presented), Digest(configured)))
        {
            return WorkspaceAccessFilter.Challenge(context.HttpContext, "Send the admin key as Authorization: Bearer <admin key>.");
        }
        return await next(context);
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
