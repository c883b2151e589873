using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace Playbooks.Api.Infrastructure;

/// <summary>
/// A 200 whose JSON body, a <typeparamref name="T"/>, was written beforehand (a kept answer),
/// documented as <see cref="TypedResults.Ok{TValue}(TValue)"/> documents it.
/// </summary>
public sealed class WrittenJson<T>(byte[] utf8) : IResult, IEndpointMetadataProvider
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = utf8.Length;
        await response.BodyWriter.WriteAsync(utf8, httpContext.RequestAborted);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
}
