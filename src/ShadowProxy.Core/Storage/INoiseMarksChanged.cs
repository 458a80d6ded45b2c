namespace ShadowProxy.Core.Storage;

/// <summary>Told when a migration's noise marks changed, so the diff engine applies them at once.</summary>
public interface INoiseMarksChanged
{
    /// <summary>Called with the migration's complete, current set of marks. Must not block.</summary>
    void OnNoiseMarksChanged(string migration, IReadOnlyList<NoiseMark> marks);
}
