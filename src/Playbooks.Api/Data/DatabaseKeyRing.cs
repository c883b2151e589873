using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Playbooks.Api.Data;

/// <summary>
/// The ASP.NET Core Data Protection key ring, kept in the database: every instance on one store
/// reads the same keys, so a secret protected by one is readable by all, and a dashboard cookie
/// made by one is accepted by the others.
/// </summary>
public sealed class DatabaseKeyRing(Database db) : IXmlRepository
{
    // Data Protection calls these synchronously, rarely (at start and when a key is made).
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = db.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        return connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY name").Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName) =>
        db.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "INSERT INTO data_protection_keys (name, xml) VALUES (@friendlyName, @xml)",
            new { friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) }, transaction), CancellationToken.None).GetAwaiter().GetResult();
}
