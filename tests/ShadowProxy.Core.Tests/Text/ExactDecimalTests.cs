using ShadowProxy.Core.Text;

namespace ShadowProxy.Core.Tests.Text;

public sealed class ExactDecimalTests
{
    [Theory]
    [InlineData("12.5", "12.5")]
    [InlineData("12.50", "12.5")]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("100", "100")]
    [InlineData("1.25e1", "12.5")]
    [InlineData("1E2", "100")]
    [InlineData("1250e-2", "12.5")]
    [InlineData("0e999", "0")]
    [InlineData("-3.75", "-3.75")]
    [InlineData("0.0000000000000000000000000001", "0.0000000000000000000000000001")]
    [InlineData("79228162514264337593543950335", null)]
    [InlineData("9999999999999999999999999999", "9999999999999999999999999999")]
    public void Parses_numbers_that_a_decimal_holds_exactly(string text, string? expected)
    {
        Assert.Equal(expected is not null, ExactDecimal.TryParse(text, out var value));
        if (expected is not null)
        {
            Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
        }
    }

    [Theory]
    [InlineData("1e-30")]
    [InlineData("0.00000000000000000000000000001")]
    [InlineData("12.0000000000000000000000000001")]
    [InlineData("1e29")]
    [InlineData("1e9999999")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("1.")]
    [InlineData(".")]
    [InlineData("1e")]
    [InlineData("1,5")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("0x10")]
    [InlineData("1 2")]
    public void Refuses_what_a_decimal_would_round_and_what_is_not_a_number(string text)
    {
        Assert.False(ExactDecimal.TryParse(text, out _));
    }
}
