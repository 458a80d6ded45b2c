using System.Globalization;

namespace ShadowProxy.Demo;

internal sealed record DemoCustomer(int Id, string Name, string Email, string Tier, DateTimeOffset Since);

internal sealed record DemoProduct(
    string Sku, string Name, string Category, decimal Price, int Stock, IReadOnlyList<string> Tags);

internal sealed record DemoOrderLine(DemoProduct Product, int Quantity)
{
    public decimal LineTotal => Product.Price * Quantity;
}

internal sealed record DemoOrder(
    int Id,
    DemoCustomer Customer,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<DemoOrderLine> Lines,
    string? CouponCode)
{
    public decimal Total => Lines.Sum(line => line.LineTotal);
}

/// <summary>
/// The demo shop's data, generated from a fixed seed so both demo backends (and every run) serve the same records.
/// </summary>
internal sealed class DemoShop
{
    public const int CustomerCount = 50;
    public const int ProductCount = 40;
    public const int OrderCount = 200;
    public const string Currency = "EUR";

    /// <summary>Orders carrying this old-format coupon make the candidate fail: 1 in 50, i.e. 2 % of ids.</summary>
    public const string LegacyCouponCode = "SUMMER19-OLD";

    public const string CancelledStatus = "cancelled";

    private const int Seed = 20_240_611;

    private static readonly string[] FirstNames =
    [
        "Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Ken", "Margaret", "Dennis", "Radia",
        "Tim", "Sophie", "Linus", "Hedy", "John", "Katherine", "Niklaus", "Anita", "Donald", "Shafi",
    ];

    private static readonly string[] LastNames =
    [
        "Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Allen", "Thompson", "Hamilton", "Ritchie", "Perlman",
        "Berners-Lee", "Wilson", "Torvalds", "Lamarr", "Backus", "Johnson", "Wirth", "Borg", "Knuth", "Goldwasser",
    ];

    private static readonly string[] Tiers = ["bronze", "silver", "gold", "platinum"];

    private static readonly (string Category, string[] Nouns, string[] Tags)[] Categories =
    [
        ("kitchen", ["Kettle", "Teapot", "Knife Set", "Cutting Board", "Espresso Cups"], ["home", "gift", "steel"]),
        ("office", ["Notebook", "Desk Lamp", "Fountain Pen", "Monitor Stand", "Stapler"], ["work", "paper", "desk"]),
        ("outdoor", ["Tent", "Headlamp", "Water Bottle", "Trail Map", "Camp Stove"], ["camping", "hiking", "summer"]),
        ("audio", ["Headphones", "Speaker", "Turntable", "Microphone", "Cable Kit"], ["music", "wireless", "studio"]),
    ];

    private static readonly string[] Adjectives = ["Classic", "Compact", "Pro", "Eco", "Deluxe", "Travel", "Nordic", "Urban"];

    private static readonly string[] Statuses = ["pending", "paid", "shipped", "delivered", CancelledStatus];

    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<int, DemoCustomer> _customers;
    private readonly Dictionary<string, DemoProduct> _products;
    private readonly Dictionary<int, DemoOrder> _orders;

    private DemoShop(IReadOnlyList<DemoCustomer> customers, IReadOnlyList<DemoProduct> products, IReadOnlyList<DemoOrder> orders)
    {
        Customers = customers;
        Products = products;
        Orders = orders;
        _customers = customers.ToDictionary(c => c.Id);
        _products = products.ToDictionary(p => p.Sku, StringComparer.OrdinalIgnoreCase);
        _orders = orders.ToDictionary(o => o.Id);
    }

    /// <summary>One shared instance: the data is immutable and identical for both backends.</summary>
    public static DemoShop Instance { get; } = Create();

    public IReadOnlyList<DemoCustomer> Customers { get; }

    public IReadOnlyList<DemoProduct> Products { get; }

    /// <summary>Orders with ids 1..<see cref="OrderCount"/>.</summary>
    public IReadOnlyList<DemoOrder> Orders { get; }

    /// <summary>SKU of the product with the given 1-based index, e.g. <c>SKU-1007</c>.</summary>
    public static string SkuOf(int index) => "SKU-" + (1000 + index).ToString(CultureInfo.InvariantCulture);

    /// <summary>Whether the candidate backend fails on this order (an old-format coupon it cannot parse).</summary>
    public static bool HasLegacyCoupon(int orderId) => orderId % 50 == 17;

    public DemoCustomer? FindCustomer(int id) => _customers.GetValueOrDefault(id);

    public DemoProduct? FindProduct(string sku) => _products.GetValueOrDefault(sku);

    public DemoOrder? FindOrder(int id) => _orders.GetValueOrDefault(id);

    private static DemoShop Create()
    {
        // System.Random with a seed yields the same sequence on every run and platform.
        var random = new Random(Seed);

        var customers = new List<DemoCustomer>(CustomerCount);
        for (var id = 1; id <= CustomerCount; id++)
        {
            var first = FirstNames[random.Next(FirstNames.Length)];
            var last = LastNames[random.Next(LastNames.Length)];
            var email = string.Create(CultureInfo.InvariantCulture, $"{first}.{last}{id}@example.com").ToLowerInvariant();
            var since = Epoch.AddDays(-random.Next(30, 2000));
            customers.Add(new DemoCustomer(id, first + " " + last, email, Tiers[random.Next(Tiers.Length)], since));
        }

        var products = new List<DemoProduct>(ProductCount);
        for (var index = 1; index <= ProductCount; index++)
        {
            var (category, nouns, tags) = Categories[(index - 1) % Categories.Length];
            var name = Adjectives[random.Next(Adjectives.Length)] + " " + nouns[random.Next(nouns.Length)];

            // Prices in steps of 0.10 so that "12.5" versus "12.50" shows up in the candidate's formatting.
            var price = random.Next(25, 2500) / 10m;
            var productTags = tags.Where(_ => random.Next(2) == 0).DefaultIfEmpty(tags[0]).ToArray();
            products.Add(new DemoProduct(SkuOf(index), name, category, price, random.Next(0, 500), productTags));
        }

        var orders = new List<DemoOrder>(OrderCount);
        for (var id = 1; id <= OrderCount; id++)
        {
            var customer = customers[random.Next(customers.Count)];
            var lines = new DemoOrderLine[random.Next(1, 5)];
            for (var i = 0; i < lines.Length; i++)
            {
                lines[i] = new DemoOrderLine(products[random.Next(products.Count)], random.Next(1, 4));
            }

            var created = Epoch.AddMinutes(random.Next(0, 60 * 24 * 180));
            var updated = created.AddMinutes(random.Next(5, 60 * 24 * 7));
            var coupon = HasLegacyCoupon(id) ? LegacyCouponCode : null;
            orders.Add(new DemoOrder(id, customer, Statuses[random.Next(Statuses.Length)], created, updated, lines, coupon));
        }

        return new DemoShop(customers, products, orders);
    }
}
