using ShadowProxy.Core.Storage;

namespace ShadowProxy.Core.Tests.Storage;

public sealed class BoundedKeysTests
{
    [Fact]
    public void Known_keys_stay_new_ones_are_admitted_while_there_is_room_and_the_rest_count_as_the_overflow()
    {
        var keys = new BoundedKeys(["a"], max: 3, overflowTakesAPlace: false);

        Assert.Equal(["a", "b", "c", StorageLimits.Overflow, StorageLimits.Overflow, "b"], new[] { "a", "b", "c", "d", "e", "b" }.Select(keys.Admit));
    }

    [Fact]
    public void Endpoints_leave_the_overflow_out_of_the_bound_and_versions_count_it()
    {
        var endpoints = new BoundedKeys(["a", StorageLimits.Overflow], max: 2, overflowTakesAPlace: false);
        var versions = new BoundedKeys(["a", StorageLimits.Overflow], max: 2, overflowTakesAPlace: true);

        Assert.Equal("b", endpoints.Admit("b"));
        Assert.Equal(StorageLimits.Overflow, endpoints.Admit("c"));
        Assert.Equal(StorageLimits.Overflow, versions.Admit("b"));
    }

    [Fact]
    public void The_first_overflow_takes_a_place_only_where_it_counts()
    {
        var versions = new BoundedKeys(["a"], max: 2, overflowTakesAPlace: true);

        Assert.Equal("b", versions.Admit("b"));
        Assert.Equal(StorageLimits.Overflow, versions.Admit("c"));
        Assert.Equal(StorageLimits.Overflow, versions.Admit("d"));
    }
}
