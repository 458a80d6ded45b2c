namespace ShadowProxy.Fleet;

/// <summary>The log lines of fleet mode, all under the <see cref="FleetCoordinator"/>'s category.</summary>
internal static partial class FleetLog
{
    [LoggerMessage(EventId = 410, Level = LogLevel.Warning, Message = "Fleet: {Reason}")]
    public static partial void Unreachable(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(EventId = 411, Level = LogLevel.Error, Message = "Fleet: synchronisation failed")]
    public static partial void SyncFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 412, Level = LogLevel.Information, Message = "Fleet: instance {Instance} {Change} the decider lease")]
    public static partial void Lease(ILogger logger, string instance, string change);

    [LoggerMessage(EventId = 413, Level = LogLevel.Warning, Message = "Fleet: migration {Migration}: the rollback applied while Redis was unreachable is now written (version {Version})")]
    public static partial void Replayed(ILogger logger, string migration, long version);
}
