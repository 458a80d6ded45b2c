namespace ShadowProxy.Core.Endpoints;

/// <summary>One backend's side of a report row; latencies in milliseconds.</summary>
public sealed record BackendSide(long Requests, long Errors, double? ErrorRate, double? P50Ms, double? P95Ms, double? P99Ms);
