using ShadowProxy.Core.Ramp;

namespace ShadowProxy.Core.Storage;

/// <summary>An audit entry with the store's id, which orders entries and serves as paging cursor.</summary>
public sealed record StoredAuditEntry(long Id, AuditEntry Entry);
