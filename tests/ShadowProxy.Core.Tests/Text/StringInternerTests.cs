using ShadowProxy.Core.Text;

namespace ShadowProxy.Core.Tests.Text;

public sealed class StringInternerTests
{
    [Fact]
    public void The_same_text_gets_the_same_string()
    {
        var interner = new StringInterner(maxCount: 10, maxLength: 100);

        var first = interner.Intern("$.items[2].price".AsSpan());
        var second = interner.Intern("$.items[2].price".ToCharArray());

        Assert.Equal("$.items[2].price", first);
        Assert.Same(first, second);
        Assert.NotSame(first, interner.Intern("$.items[3].price".AsSpan()));
    }

    [Fact]
    public void Past_its_bounds_it_returns_new_strings_with_the_same_text()
    {
        var interner = new StringInterner(maxCount: 2, maxLength: 5);
        interner.Intern("a");
        interner.Intern("b");

        var third = interner.Intern("c");
        var long1 = interner.Intern("abcdef");

        Assert.Equal("c", third);
        Assert.NotSame(third, interner.Intern("c"));
        Assert.Equal("abcdef", long1);
        Assert.NotSame(long1, interner.Intern("abcdef"));
        Assert.Same(interner.Intern("a"), interner.Intern("a"));
    }

    [Fact]
    public void Concurrent_callers_get_equal_strings()
    {
        var interner = new StringInterner(maxCount: 1000, maxLength: 100);

        var results = Enumerable.Range(0, 8).AsParallel().SelectMany(_ => Enumerable.Range(0, 500).Select(i => (i, interner.Intern($"$.x[{i}]")))).ToList();

        Assert.All(results, r => Assert.Equal($"$.x[{r.i}]", r.Item2));
    }
}
