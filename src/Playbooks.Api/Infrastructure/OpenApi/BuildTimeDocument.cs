using System.Reflection;

namespace Playbooks.Api.Infrastructure.OpenApi;

/// <summary>
/// The build writes docs/openapi.json by running Program under the GetDocument.Insider tool
/// (Microsoft.Extensions.ApiDescription.Server). It needs only the endpoints and the OpenAPI
/// services: nothing may touch a database or the file system then, so the build stays fast,
/// offline and free of side effects.
/// </summary>
public static class BuildTimeDocument
{
    public static bool IsGenerating { get; } = Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";
}
