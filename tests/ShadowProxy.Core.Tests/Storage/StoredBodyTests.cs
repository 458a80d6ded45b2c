using System.Text;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Core.Tests.Storage;

public sealed class StoredBodyTests
{
    [Fact]
    public void Utf8_is_kept_as_text_and_anything_else_as_base64()
    {
        Assert.Equal(new StoredBody("{\"name\":\"Zoë\"}", false, false, 15), StoredBody.Create(Encoding.UTF8.GetBytes("{\"name\":\"Zoë\"}")));
        Assert.Equal(new StoredBody("iVBORw==", true, false, 4), StoredBody.Create([0x89, 0x50, 0x4e, 0x47]));
    }

    [Fact]
    public void A_cut_never_splits_a_character_and_says_it_was_cut()
    {
        // "aé€" is 1 + 2 + 3 bytes: a cap of 5 would split the euro sign.
        var body = StoredBody.Create(Encoding.UTF8.GetBytes("aé€"), maxBytes: 5);

        Assert.Equal(new StoredBody("aé", false, true, 6), body);
    }

    [Fact]
    public void A_prefix_captured_upstream_stays_marked_truncated_with_its_full_length()
    {
        var body = StoredBody.Create(Encoding.UTF8.GetBytes("abc"), alreadyTruncated: true, length: 10_000);

        Assert.Equal(new StoredBody("abc", false, true, 10_000), body);
    }

    [Fact]
    public void Capped_shortens_only_oversized_bodies()
    {
        var small = new StoredBody("abc", false, false, 3);
        Assert.Same(small, small.Capped(10));
        Assert.Equal(new StoredBody("ab", false, true, 5), new StoredBody("abcde", false, false, 5).Capped(2));
        Assert.Equal(new StoredBody("AAE=", true, true, 4), new StoredBody(Convert.ToBase64String([0, 1, 2, 3]), true, false, 4).Capped(2));
    }
}
