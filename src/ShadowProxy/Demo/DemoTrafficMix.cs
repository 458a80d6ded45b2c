using System.Globalization;

namespace ShadowProxy.Demo;

/// <summary>
/// What the demo traffic sends: a shop's mix of reads and an occasional order creation, from a pool of users whose
/// cohort key and bearer token stay the same from request to request.
/// </summary>
internal static class DemoTrafficMix
{
    public const int UserPoolSize = 500;
    public const string UserIdHeader = "X-User-Id";
    public const string TokenPrefix = "demo-token-";

    /// <summary>The cohort key of user <paramref name="index"/> (1..<see cref="UserPoolSize"/>), e.g. <c>user-0042</c>.</summary>
    public static string UserId(int index) => "user-" + index.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>One request of the mix: mostly reads, weighted like a shop's traffic, and 2 % order creations.</summary>
    public static DemoRequest NextRequest(Random random)
    {
        var user = random.Next(1, UserPoolSize + 1);
        var roll = random.Next(100);
        return roll switch
        {
            < 34 => Get(user, "api/orders/" + Number(random.Next(1, DemoShop.OrderCount + 1))),
            < 35 => Get(user, "api/orders/" + Number(DemoShop.OrderCount + random.Next(1, 1000))), // not found on both
            < 50 => Get(user, "api/orders?page=" + Number(random.Next(1, 11))),
            < 68 => Get(user, "api/customers/" + Number(random.Next(1, DemoShop.CustomerCount + 1))),
            < 78 => Get(user, "api/catalog/products"),
            < 95 => Get(user, "api/catalog/products/" + DemoShop.SkuOf(random.Next(1, DemoShop.ProductCount + 1))),
            < 98 => Get(user, "api/health"),
            _ => new DemoRequest(HttpMethod.Post, "api/orders", user, NewOrderJson(random)),
        };

        static DemoRequest Get(int user, string path) => new(HttpMethod.Get, path, user, null);
    }

    private static string NewOrderJson(Random random)
    {
        var customer = random.Next(1, DemoShop.CustomerCount + 1);
        var sku = DemoShop.SkuOf(random.Next(1, DemoShop.ProductCount + 1));
        var quantity = random.Next(1, 4);
        return string.Create(
            CultureInfo.InvariantCulture,
            $$"""{"customerId":{{customer}},"items":[{"sku":"{{sku}}","quantity":{{quantity}}}]}""");
    }

    /// <summary>A stable per-user token: realistic enough to show that <c>Authorization</c> is redacted in stored samples.</summary>
    public static string Token(int user) => TokenPrefix + ((uint)(user * 2654435761u)).ToString("x8", CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    public sealed record DemoRequest(HttpMethod Method, string Path, int User, string? JsonBody);
}
