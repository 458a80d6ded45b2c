using ShadowProxy.Configuration;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Storage;

internal static class StoreOptionsLimits
{
    /// <summary>The bounds <paramref name="options"/> configure, as every store applies them.</summary>
    public static StorageLimits Limits(this StoreOptions options) =>
        new(options.SamplesPerPath, options.MaxSamplesPerMigration, options.MaxPathsPerMigration, options.MaxAuditEntries);
}
