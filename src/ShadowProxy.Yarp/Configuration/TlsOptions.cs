namespace ShadowProxy.Configuration;

/// <summary>
/// The server certificate of <c>https://</c> listeners: a PEM certificate with its PEM key
/// (<see cref="KeyPath"/>), or a PKCS#12 file with an optional <see cref="Password"/>.
/// </summary>
internal sealed record TlsOptions
{
    public string? CertificatePath { get; init; }

    public string? KeyPath { get; init; }

    public string? Password { get; init; }
}
