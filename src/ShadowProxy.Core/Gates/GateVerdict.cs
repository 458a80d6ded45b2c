namespace ShadowProxy.Core.Gates;

public enum GateVerdict
{
    Pass,
    Fail,

    /// <summary>Too few samples to judge: neither advances nor rolls back.</summary>
    Inconclusive,
}
