namespace ShadowProxy.Migrations;

/// <summary>The log lines of the <see cref="MigrationController"/> and its <see cref="RampWriter"/>, under the controller's category.</summary>
internal static partial class MigrationLog
{
    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Migration {Migration}: {Change}")]
    public static partial void Change(ILogger logger, string migration, string change);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Migration {Migration} restored: {State}")]
    public static partial void Restored(ILogger logger, string migration, string state);

    [LoggerMessage(EventId = 32, Level = LogLevel.Error, Message = "Migration {Migration}: gate evaluation failed")]
    public static partial void EvaluationFailed(ILogger logger, string migration, Exception exception);

    [LoggerMessage(EventId = 34, Level = LogLevel.Warning, Message = "Migration {Migration}: state not restored from the store ({Reason}); serving the first stage until it answers")]
    public static partial void RestoreDeferred(ILogger logger, string migration, string reason);

    [LoggerMessage(EventId = 33, Level = LogLevel.Error, Message = "Migration {Migration}: the new state is in force but could not be saved")]
    public static partial void PersistFailed(ILogger logger, string migration, Exception exception);

    [LoggerMessage(EventId = 35, Level = LogLevel.Information, Message = "Migration {Migration}: the state in force is saved now that the store answers again: {State}")]
    public static partial void SavedLate(ILogger logger, string migration, string state);
}
