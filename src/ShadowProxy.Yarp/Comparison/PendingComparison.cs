using ShadowProxy.Core.Comparison;
using ShadowProxy.Migrations;

namespace ShadowProxy.Comparison;

/// <summary>A pair waiting for a comparison worker, with the migration it belongs to (never looked up again by name).</summary>
internal readonly record struct PendingComparison(MigrationRuntime Migration, ShadowExchange Exchange);
