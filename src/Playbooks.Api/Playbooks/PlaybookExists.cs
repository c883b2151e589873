using Playbooks.Api.Auth;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Playbooks;

/// <summary>
/// "No such playbook in this workspace" for every endpoint under <c>/v1/playbooks/{id}</c>, said
/// once: it runs after the access checks and before the handler reads a body, in the contract's
/// check order, and hands the playbook it found to the handler as <see cref="FoundPlaybook"/>.
/// </summary>
public sealed class PlaybookExists(PlaybookCache playbooks) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var caller = http.RequestServices.GetRequiredService<Caller>();
        var id = http.Request.RouteValues["id"] as string ?? "";
        if (await playbooks.FindAsync(caller.WorkspaceId, id, http.RequestAborted) is not { } playbook)
        {
            return ApiProblem.NotFound("playbook");
        }
        http.RequestServices.GetRequiredService<FoundPlaybook>().Value = playbook;
        return await next(context);
    }
}

/// <summary>The playbook of the route, as <see cref="PlaybookExists"/> found it before the handler ran.</summary>
public sealed class FoundPlaybook
{
    public PlaybookStore.Stored Value { get; internal set; } = null!;
}
