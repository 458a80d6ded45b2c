namespace ShadowProxy.Hosting;

/// <summary>Process exit codes (docs/configuration.md#validation-and-exit-codes).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int StartupFailure = 1;
    public const int InvalidConfiguration = 2;
}
