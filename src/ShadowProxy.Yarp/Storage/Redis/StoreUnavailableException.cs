namespace ShadowProxy.Storage;

/// <summary>
/// The shared store (Redis in fleet mode) cannot be reached: the admin API answers 503 with
/// <see cref="Exception.Message"/> as the problem's detail.
/// </summary>
internal sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
