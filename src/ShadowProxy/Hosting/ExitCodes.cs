namespace ShadowProxy.Hosting;

/// <summary>Process exit codes of SPEC §1.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int StartupFailure = 1;
    public const int InvalidConfiguration = 2;
}
