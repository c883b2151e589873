using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Playbooks.Api.Auth;

/// <summary>The body of token creation as the OpenAPI document describes it; the handler reads it field by field.</summary>
public sealed record CreateTokenRequest
{
    [StringLength(TokensAdminApi.SubjectMax, MinimumLength = 1), Description("Who the token is for, e.g. `user_42`; trimmed.")]
    public required string Subject { get; init; }

    [MinLength(1), MaxLength(TokensAdminApi.GrantsMax), Description("One grant per workspace.")]
    public required IReadOnlyList<Grant> Grants { get; init; }

    [Description("Must be in the future; absent or null: the token does not expire.")]
    public DateTimeOffset? ExpiresAt { get; init; }
}
