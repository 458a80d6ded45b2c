namespace ShadowProxy.Demo;

/// <summary>
/// How one demo backend renders the shared shop data. The candidate differs from the legacy backend the way
/// rewrites usually do: some differences are real (a renamed field, a new spelling, a failing order, a slower
/// endpoint), some only look different and must not count (number formatting, key order).
/// The candidate "deploys" a second release a little after start (<see cref="CandidateReleaseAfter"/>), which
/// fixes the rename and the spelling and names itself in <see cref="VersionHeader"/>, so that the demo shows a fix
/// taking effect (docs/comparison.md#noise).
/// </summary>
internal sealed record DemoBackendProfile
{
    /// <summary>The response header in which the candidate names its release (the demo's <c>Candidate:VersionHeader</c>).</summary>
    public const string VersionHeader = "X-App-Version";

    /// <summary>When the demo candidate's second release (<see cref="CandidateFixed"/>) replaces the first.</summary>
    public static readonly TimeSpan CandidateReleaseAfter = TimeSpan.FromSeconds(90);

    public static readonly DemoBackendProfile Legacy = new()
    {
        Name = "legacy",
        ServerHeader = "legacy-demo",
        PoweredBy = "Express",
        Version = "1.14.2",
        CustomerNameField = "customerName",
        MoneyFormat = "0.##",
        CancelledStatus = DemoShop.CancelledStatus,
        ReorderKeys = false,
        FailsOnLegacyCoupon = false,

        // The legacy catalog query is not free either, so the candidate's p99 ratio stays under the demo gate of 3.
        ProductListDelayMs = (40, 60),
    };

    public static readonly DemoBackendProfile Candidate = new()
    {
        Name = "candidate",
        ServerHeader = "candidate-demo",
        PoweredBy = "ASP.NET",
        Version = "2.0.0-rc.3",
        SendsVersionHeader = true,
        CustomerNameField = "customer_name",
        MoneyFormat = "0.00",
        CancelledStatus = "canceled",
        ReorderKeys = true,
        FailsOnLegacyCoupon = true,
        ProductListDelayMs = (80, 140),
    };

    /// <summary>The candidate's second release: the rename and the spelling fixed; the legacy-coupon failure is not.</summary>
    public static readonly DemoBackendProfile CandidateFixed = Candidate with
    {
        Version = "2.0.0-rc.4",
        CustomerNameField = Legacy.CustomerNameField,
        CancelledStatus = Legacy.CancelledStatus,
    };

    /// <summary><c>legacy</c> or <c>candidate</c>.</summary>
    public required string Name { get; init; }

    public required string ServerHeader { get; init; }

    /// <summary><c>X-Powered-By</c> on every answer: a rewrite on another stack changes it, and no client cares (a cosmetic difference).</summary>
    public required string PoweredBy { get; init; }

    /// <summary>Reported by <c>GET /api/health</c>; differs between the two, as versions do.</summary>
    public required string Version { get; init; }

    /// <summary>Names <see cref="Version"/> in the <see cref="VersionHeader"/> response header.</summary>
    public bool SendsVersionHeader { get; init; }

    /// <summary>Name of the customer's name field on <c>GET /api/customers/{id}</c>.</summary>
    public required string CustomerNameField { get; init; }

    /// <summary>Format of money amounts: <c>12.5</c> versus <c>12.50</c> is text noise, not a value difference.</summary>
    public required string MoneyFormat { get; init; }

    /// <summary>How the cancelled order status is spelled.</summary>
    public required string CancelledStatus { get; init; }

    /// <summary>Writes order keys in another order, which a structural comparison must ignore.</summary>
    public required bool ReorderKeys { get; init; }

    /// <summary>Answers 500 for orders carrying <see cref="DemoShop.LegacyCouponCode"/>.</summary>
    public required bool FailsOnLegacyCoupon { get; init; }

    /// <summary>Simulated query time of <c>GET /api/catalog/products</c>, inclusive range in milliseconds.</summary>
    public required (int Min, int Max) ProductListDelayMs { get; init; }
}
