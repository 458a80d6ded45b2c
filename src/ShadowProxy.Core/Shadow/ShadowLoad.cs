namespace ShadowProxy.Core.Shadow;

/// <summary>What the shadows of one migration did during one sampling tick.</summary>
/// <param name="InFlight">Shadows in flight when the tick was taken.</param>
/// <param name="Refused">Shadows the limit refused since the previous tick.</param>
public readonly record struct ShadowLoad(int InFlight, long Refused);
