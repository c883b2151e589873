using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Playbooks.Api.Data;

public sealed class DatabaseHealthCheck(Database db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.IsReachableAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The database is not reachable.");
}
