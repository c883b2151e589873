using Playbooks.Api.Infrastructure.OpenApi;
using Playbooks.Api.Workspaces;

namespace Playbooks.Api.Auth;

public static class AdminApi
{
    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder routes) =>
        routes.MapGroup("/v1/admin")
            .WithTags("Admin")
            .RequireAuthorization(Policies.Admin)
            .ProducesProblems(400, 401, 404, 429)
            .MapWorkspacesAdmin()
            .MapTokensAdmin();
}
