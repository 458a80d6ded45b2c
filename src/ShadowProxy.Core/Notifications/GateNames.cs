using System.Text;
using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Notifications;

/// <summary>The <c>gate</c> names used in metric labels and payloads.</summary>
public static class GateNames
{
    /// <summary><c>diff_rate</c>, <c>error_rate_increase</c>, <c>p99_latency_ratio</c>: the kind in snake case.</summary>
    public static string Label(GateKind gate)
    {
        var name = gate.ToString();
        var label = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                label.Append('_');
            }

            label.Append(char.ToLowerInvariant(name[i]));
        }

        return label.ToString();
    }
}
