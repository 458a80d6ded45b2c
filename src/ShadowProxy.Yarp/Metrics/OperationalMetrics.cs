using Prometheus;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Notifications;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Health;

namespace ShadowProxy.Metrics;

/// <summary>
/// The on-call gauges of docs/metrics.md#migration-state: each migration's status, stage and gates, whether the store is
/// degraded and whether the configuration file on disk is in force. Read at scrape time from the
/// published snapshots and the last gate report (every instance evaluates the fleet-wide window each
/// second), so they cost nothing on the request path and say the same on every instance of a fleet.
/// </summary>
internal sealed class OperationalMetrics
{
    private static readonly MigrationStatus[] Statuses = Enum.GetValues<MigrationStatus>();
    private static readonly GateKind[] GateKinds = Enum.GetValues<GateKind>();

    private readonly IMigrationGaugeSource _migrations;
    private readonly ReadinessState _readiness;
    private readonly Gauge _status;
    private readonly Gauge _stage;
    private readonly Gauge _gateValue;
    private readonly Gauge _gatePassing;
    private readonly Gauge _storeDegraded;
    private readonly Gauge _configValid;
    private readonly HashSet<string> _exported = new(StringComparer.Ordinal);
    private readonly Lock _collect = new();

    public OperationalMetrics(ProxyMetrics metrics, IMigrationGaugeSource migrations, ReadinessState readiness)
    {
        _migrations = migrations;
        _readiness = readiness;
        var factory = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        _status = factory.CreateGauge("shadowproxy_migration_status", "1 for the migration's current status, 0 for the others.", "migration", "status");
        _stage = factory.CreateGauge("shadowproxy_stage_index", "Index of the migration's current ramp stage (0 = first).", "migration");
        _gateValue = factory.CreateGauge("shadowproxy_gate_value", "The gate's measured value on the last fleet-wide window (NaN without data).", "migration", "gate");
        _gatePassing = factory.CreateGauge("shadowproxy_gate_passing", "The gate's verdict on the last window: 1 pass, 0 fail, -1 inconclusive.", "migration", "gate");
        _storeDegraded = factory.CreateGauge("shadowproxy_store_degraded", "1 while the store is unreachable or holds back a change in force here (see /readyz).");
        _configValid = factory.CreateGauge("shadowproxy_config_valid", "0 while the configuration file on disk is refused and the last good one stays in force.");
        metrics.Registry.AddBeforeCollectCallback(Collect);
    }

    private void Collect()
    {
        lock (_collect)
        {
            var migrations = _migrations.Gauges().ToList();
            _storeDegraded.Set(_readiness.IsStoreDegraded || migrations.Any(m => m.HasUnsaved) ? 1 : 0);
            _configValid.Set(_readiness.ConfigurationProblem is null ? 1 : 0);

            var current = new HashSet<string>(StringComparer.Ordinal);
            foreach (var migration in migrations)
            {
                current.Add(migration.Name);
                foreach (var status in Statuses)
                {
                    _status.WithLabels(migration.Name, status.ToString()).Set(migration.State.Status == status ? 1 : 0);
                }

                _stage.WithLabels(migration.Name).Set(migration.State.StageIndex);
                var report = migration.LastGateReport;
                foreach (var kind in GateKinds)
                {
                    var gate = report?.Gates.FirstOrDefault(g => g.Gate == kind);
                    var label = GateNames.Label(kind);
                    _gateValue.WithLabels(migration.Name, label).Set(gate?.Value ?? double.NaN);
                    _gatePassing.WithLabels(migration.Name, label).Set(gate?.Verdict switch
                    {
                        GateVerdict.Pass => 1,
                        GateVerdict.Fail => 0,
                        _ => -1,
                    });
                }
            }

            // A migration removed by a configuration reload disappears from the exposition.
            foreach (var removed in _exported.Where(name => !current.Contains(name)).ToList())
            {
                foreach (var status in Statuses)
                {
                    _status.RemoveLabelled(removed, status.ToString());
                }

                _stage.RemoveLabelled(removed);
                foreach (var kind in GateKinds)
                {
                    _gateValue.RemoveLabelled(removed, GateNames.Label(kind));
                    _gatePassing.RemoveLabelled(removed, GateNames.Label(kind));
                }

                _exported.Remove(removed);
            }

            _exported.UnionWith(current);
        }
    }
}
