using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Endpoints;

namespace ShadowProxy.Core.Tests.Endpoints;

public sealed class EndpointLearnerTests
{
    private readonly EndpointNamer _namer = new(new EndpointsOptions());

    private string Name(string path, string method = "GET") => _namer.Name(method, null, path);

    private void See(params string[] paths)
    {
        foreach (var path in paths)
        {
            Name(path);
        }
    }

    [Fact]
    public void Sku_style_ids_fold_into_one_endpoint_once_enough_siblings_are_seen()
    {
        var skus = Enumerable.Range(1011, 40).Select(n => $"/api/catalog/products/SKU-{n}").ToList();

        See([.. skus]);

        Assert.All(skus, path => Assert.Equal("GET /api/catalog/products/{id}", Name(path)));
        Assert.Equal("GET /api/catalog/products/{id}", Name("/api/catalog/products/SKU-9999"));
    }

    [Fact]
    public void A_literal_of_another_shape_stays_next_to_folded_ids()
    {
        See([.. Enumerable.Range(1, 20).Select(n => $"/products/SKU-{n:D4}")]);

        Assert.Equal("GET /products/search", Name("/products/search"));
        Assert.Equal("GET /products/{id}/reviews", Name("/products/SKU-0007/reviews"));
        Assert.Equal("GET /products/search", Name("/products/search"));
    }

    [Fact]
    public void Me_next_to_numeric_ids_stays_literal()
    {
        See([.. Enumerable.Range(1, 100).Select(n => $"/users/{n}")]);

        Assert.Equal("GET /users/me", Name("/users/me"));
        Assert.Equal("GET /users/{id}", Name("/users/12345"));
    }

    [Fact]
    public void Me_stands_out_among_usernames_when_words_fold()
    {
        var users = Enumerable.Range(0, EndpointLearner.WordThreshold + 10).Select(n => "/users/" + new string((char)('a' + (n % 26)), 1) + Letters(n)).ToList();
        for (var round = 0; round < 20; round++)
        {
            Name("/users/me");
        }

        See([.. users]);

        Assert.Equal("GET /users/me", Name("/users/me"));
        Assert.Equal("GET /users/{id}", Name(users[0]));
        Assert.Equal("GET /users/{id}", Name("/users/zelda"));
    }

    [Fact]
    public void Version_prefixes_stay_literal()
    {
        for (var id = 1; id < 50; id++)
        {
            See($"/v1/orders/{id}", $"/v2/orders/{id}");
        }

        Assert.Equal("GET /v1/orders/{id}", Name("/v1/orders/7"));
        Assert.Equal("GET /v2/orders/{id}", Name("/v2/orders/7"));
    }

    [Theory]
    [InlineData("/reports/2024-01-05", "GET /reports/{id}")]
    [InlineData("/reports/2024-01-05T10:00:00Z/summary", "GET /reports/{id}/summary")]
    [InlineData("/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "GET /orders/{id}")]
    [InlineData("/orders/42", "GET /orders/{id}")]
    public void Ids_by_their_shape_need_no_learning(string path, string expected) => Assert.Equal(expected, Name(path));

    [Fact]
    public void Slugs_fold_after_more_siblings_than_tokens()
    {
        var slugs = Enumerable.Range(0, EndpointLearner.SlugThreshold).Select(n => $"/blog/how-to-cook-{Letters(n)}").ToList();
        See([.. slugs.Take(EndpointLearner.SlugThreshold - 1)]);
        Assert.Equal("GET /blog/how-to-cook-a", Name("/blog/how-to-cook-a"));

        See(slugs[^1]);

        Assert.Equal("GET /blog/{id}", Name("/blog/how-to-cook-a"));
        Assert.Equal("GET /blog/archive", Name("/blog/archive"));
    }

    [Fact]
    public void Short_ids_with_digits_fold()
    {
        var ids = new[] { "aB3x9", "k2Jd8", "Zx81q", "p0Lm2", "Qw3rT", "m9Nb1", "x7Yz0", "R4nd0", "c5Vb6" };

        See([.. ids.Select(id => "/s/" + id)]);

        Assert.Equal("GET /s/{id}", Name("/s/aB3x9"));
        Assert.Equal("GET /s/{id}", Name("/s/NEW99"));
    }

    [Fact]
    public void A_position_with_only_three_values_never_folds()
    {
        for (var round = 0; round < 500; round++)
        {
            See("/reports/daily", "/reports/weekly", "/reports/monthly", "/api/v1/x", "/api/v2/x", "/api/v3/x");
        }

        Assert.Equal("GET /reports/weekly", Name("/reports/weekly"));
        Assert.Equal("GET /api/v3/x", Name("/api/v3/x"));
    }

    [Fact]
    public void Resource_names_under_one_parent_stay_literal()
    {
        var resources = new[] { "orders", "users", "products", "catalog", "cart", "checkout", "search", "health", "payments", "invoices", "shipments", "returns" };

        See([.. resources.Select(r => "/api/" + r)]);

        Assert.All(resources, r => Assert.Equal("GET /api/" + r, Name("/api/" + r)));
    }

    [Fact]
    public void Methods_share_the_learned_position_but_keep_their_names()
    {
        See([.. Enumerable.Range(1, 10).Select(n => $"/items/X{n}")]);

        Assert.Equal("PUT /items/{id}", Name("/items/X3", "PUT"));
        Assert.Same(Name("/items/X4", "GET"), Name("/items/X5", "GET"));
    }

    [Fact]
    public void Declared_templates_win_and_keep_their_parameter_names()
    {
        var namer = new EndpointNamer(new EndpointsOptions { Templates = ["/api/catalog/products/{sku:regex(^SKU-\\d+$)}", "/files/{**path}"] });

        Assert.Equal("GET /api/catalog/products/{sku}", namer.Name("GET", null, "/api/catalog/products/SKU-1011?x=1"));
        Assert.Equal("DELETE /files/{path}", namer.Name("delete", null, "/files/a/b/c.txt"));
        Assert.Equal("GET /api/catalog/products/SKU-1011/reviews", namer.Name("GET", null, "/api/catalog/products/SKU-1011/reviews"));
    }

    [Fact]
    public void Without_learning_only_shapes_fold()
    {
        var namer = new EndpointNamer(new EndpointsOptions { Learn = false });
        for (var n = 0; n < 100; n++)
        {
            namer.Name("GET", null, $"/p/SKU-{n}");
        }

        Assert.Equal("GET /p/SKU-1", namer.Name("GET", null, "/p/SKU-1"));
        Assert.Equal("GET /p/{id}", namer.Name("GET", null, "/p/17"));
    }

    [Fact]
    public void What_was_learned_names_the_same_on_another_instance()
    {
        See([.. Enumerable.Range(1, 30).Select(n => $"/api/catalog/products/SKU-{n}")]);
        var folds = _namer.Learner.TakeUnsaved();
        var other = new EndpointNamer(new EndpointsOptions());

        foreach (var fold in folds)
        {
            Assert.True(LearnedFold.TryParse(fold.Key, string.Join(' ', fold.Kept), out var stored));
            other.Learner.Apply(stored);
        }

        Assert.Single(folds);
        Assert.Equal("GET /api/catalog/products/{id}", other.Name("GET", null, "/api/catalog/products/SKU-1"));
        Assert.Empty(_namer.Learner.TakeUnsaved());
    }

    [Fact]
    public void Names_counted_before_a_fold_are_renamed_to_it()
    {
        var early = Name("/api/catalog/products/SKU-1");
        See([.. Enumerable.Range(2, 20).Select(n => $"/api/catalog/products/SKU-{n}")]);

        Assert.Equal("GET /api/catalog/products/SKU-1", early);
        Assert.Equal("GET /api/catalog/products/{id}", _namer.Rename(early));
        Assert.Equal("GET /unknown/thing", _namer.Rename("GET /unknown/thing"));
        Assert.Equal("(other)", _namer.Rename("(other)"));
    }

    [Fact]
    public void Paths_are_bounded()
    {
        var learner = new EndpointLearner();
        for (var n = 0; n < EndpointLearner.MaxNodes * 2; n++)
        {
            learner.Name($"GET /words/{Letters(n)}x/{Letters(n + 1)}y/z");
        }

        Assert.StartsWith("GET /", learner.Name("GET /words/brandnew/zz/z"), StringComparison.Ordinal);
        Assert.True(learner.Folds().Count < EndpointLearner.MaxNodes);
    }

    [Fact]
    public void A_known_endpoint_is_named_without_allocating()
    {
        See([.. Enumerable.Range(1, 20).Select(n => $"/api/catalog/products/SKU-{n}")]);
        Name("/api/catalog/products/SKU-3");
        Name("/api/catalog/products/SKU-3");

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Name("/api/catalog/products/SKU-3");
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static string Letters(int n)
    {
        var text = string.Empty;
        do
        {
            text = (char)('a' + (n % 26)) + text;
            n /= 26;
        }
        while (n > 0);

        return text;
    }
}
