using Playbooks.Api.Workspaces;

namespace Playbooks.Api.Auth;

public static class AdminApi
{
    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder routes) =>
        routes.MapGroup("/v1/admin")
            .WithTags("Admin")
            .RequireAuthorization(Policies.Admin)
            .MapWorkspacesAdmin()
            .MapTokensAdmin();
}
