using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Tests.Hardening;

public sealed class IntegerLiteralTests
{
    [Theory]
    [InlineData("50", true)]
    [InlineData("-3", true)]
    [InlineData("0", true)]
    [InlineData("0.0", true)]
    [InlineData("-0e-5", true)]
    [InlineData("50.0", true)]
    [InlineData("5e1", true)]
    [InlineData("2.5e1", true)]
    [InlineData("500e-1", true)]
    [InlineData("1E2", true)]
    [InlineData("2.5", false)]
    [InlineData("1e-400", false)]
    [InlineData("2.55e1", false)]
    [InlineData("5e-1", false)]
    [InlineData("505e-1", false)]
    [InlineData("1e99999999999", true)]
    public void Integrality_is_read_from_the_digits(string text, bool integer) => Assert.Equal(integer, JsonFields.IsIntegerLiteral(text));
}
