using ShadowProxy.Core.Storage;

namespace ShadowProxy.Migrations;

/// <summary>Applies noise marks made through the admin API to the next comparison of the migration.</summary>
internal sealed class NoiseMarksApplier(MigrationRegistry registry) : INoiseMarksChanged
{
    public void OnNoiseMarksChanged(string migration, IReadOnlyList<NoiseMark> marks)
    {
        if (registry.TryGet(migration, out var runtime))
        {
            runtime.SetNoiseMarks(marks.Select(m => (m.Path, m.Endpoint)).ToList());
        }
    }
}
