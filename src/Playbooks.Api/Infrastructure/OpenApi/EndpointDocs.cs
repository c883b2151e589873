namespace Playbooks.Api.Infrastructure.OpenApi;

/// <summary>What an endpoint registration declares for the OpenAPI document beyond its handler's signature.</summary>
public static class EndpointDocs
{
    public const string ProblemContentType = "application/problem+json";
    public const string JsonContentType = "application/json";

    /// <summary>The problems (see <see cref="Problem"/>) the endpoints can answer with, besides their success.</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(statuses.Select(status => (object)new ProducesResponseTypeMetadata(status, typeof(Problem), [ProblemContentType])).ToArray());

    /// <summary>
    /// The JSON body the endpoint reads, for the document only. Not <c>Accepts&lt;T&gt;</c>: its
    /// metadata also makes routing answer 415 before authentication and the existence checks,
    /// which would break the contract's check order; the handlers check the content type themselves.
    /// </summary>
    public static RouteHandlerBuilder WithJsonBody<TBody>(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new DocumentedBody(typeof(TBody)));

    /// <summary>Every success carries <c>ETag: "&lt;version&gt;"</c> of the playbook in it.</summary>
    public static TBuilder WithETag<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(DocumentedHeader.ETag);

    /// <summary>The endpoint honours <c>If-Match</c>.</summary>
    public static TBuilder WithIfMatch<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(DocumentedHeader.IfMatch);

    /// <summary>
    /// Runs the endpoint under <see cref="Idempotency.Filter"/> and says so in the document, so the
    /// document cannot promise an <c>Idempotency-Key</c> the endpoint does not honour.
    /// </summary>
    public static RouteHandlerBuilder Idempotent(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<Idempotency.Filter>().WithMetadata(DocumentedHeader.IdempotencyKey);
}

/// <summary>Endpoint metadata read by <see cref="OperationRules"/>: the type that describes the request body.</summary>
public sealed record DocumentedBody(Type Type);

/// <summary>Endpoint metadata read by <see cref="OperationRules"/>: a header the endpoint reads or sends.</summary>
public sealed record DocumentedHeader(string Name)
{
    public static readonly DocumentedHeader ETag = new("ETag");
    public static readonly DocumentedHeader IfMatch = new("If-Match");
    public static readonly DocumentedHeader IdempotencyKey = new(Idempotency.Header);
}
