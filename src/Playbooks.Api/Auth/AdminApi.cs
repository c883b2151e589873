using Playbooks.Api.Infrastructure.OpenApi;
using Playbooks.Api.Workspaces;

namespace Playbooks.Api.Auth;

public static class AdminApi
{
    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder routes) =>
        routes.MapGroup("/v1/admin")
            .WithTags("Admin")
            .AddEndpointFilter<AdminKeyFilter>()
            .ProducesProblems(400, 401, 404)
            .MapWorkspacesAdmin()
            .MapTokensAdmin();
}
