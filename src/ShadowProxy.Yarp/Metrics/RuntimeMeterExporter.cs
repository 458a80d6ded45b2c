using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using Prometheus;

namespace ShadowProxy.Metrics;

/// <summary>
/// .NET's built-in <c>System.Runtime</c> meter (thread pool, GC, lock contention, exceptions, JIT, timers)
/// in the host's Prometheus registry, named as OpenTelemetry names instruments for Prometheus so that
/// standard .NET runtime dashboards read them: <c>dotnet.gc.pause.time</c> (s) is
/// <c>dotnet_gc_pause_time_seconds_total</c>, <c>dotnet.thread_pool.queue.length</c> is
/// <c>dotnet_thread_pool_queue_length</c>. A starved thread pool is what an overloaded proxy shows first
/// (DESIGN-NOTES: an unbounded mirror starves the thread pool). Observable instruments are read at scrape
/// time; the one instrument recorded as it happens (<c>dotnet.exceptions</c>) costs a label lookup per
/// exception thrown.
/// </summary>
/// <remarks>
/// prometheus-net's own <c>MeterAdapter</c> is not used: it prefixes names with the meter's, exports
/// counters as gauges and drops a series that has not changed for five minutes (a lock contention count
/// that stays flat would vanish from dashboards and alerts).
/// </remarks>
internal sealed class RuntimeMeterExporter : IDisposable
{
    public const string MeterName = "System.Runtime";

    /// <summary>
    /// Exported under their Prometheus-conventional names by prometheus-net's process set instead
    /// (<c>process_cpu_seconds_total</c>, <c>process_working_set_bytes</c>, <c>dotnet_collection_count_total</c>),
    /// which generic process dashboards read: one series per number.
    /// </summary>
    private static readonly FrozenSet<string> ExportedElsewhere = FrozenSet.Create(
        StringComparer.Ordinal, "dotnet.process.cpu.time", "dotnet.process.memory.working_set", "dotnet.gc.collections");

    /// <summary>
    /// Current values the runtime publishes as <see cref="ObservableCounter{T}"/> though they go down
    /// (dotnet/runtime#126167): exported as gauges, as the semantic conventions define them.
    /// </summary>
    private static readonly FrozenSet<string> GaugesPublishedAsCounters = FrozenSet.Create(
        StringComparer.Ordinal, "dotnet.thread_pool.thread.count", "dotnet.thread_pool.queue.length");

    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly ConcurrentDictionary<Instrument, Export> _exports = new();

    public RuntimeMeterExporter(ProxyMetrics metrics)
    {
        _factory = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && !ExportedElsewhere.Contains(instrument.Name) && KindOf(instrument) is not InstrumentKind.Unsupported)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
        metrics.Registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    private enum InstrumentKind
    {
        Unsupported,

        /// <summary>A running total, reported as it grows (<see cref="Counter{T}"/>): measurements are increments.</summary>
        CounterIncrement,

        /// <summary>A running total read at scrape time (<see cref="ObservableCounter{T}"/>): measurements are the total.</summary>
        CounterTotal,

        /// <summary>A value that goes up and down, reported as it changes (<see cref="UpDownCounter{T}"/>).</summary>
        GaugeIncrement,

        /// <summary>A value read at scrape time (observable up-down counters and gauges, <see cref="Gauge{T}"/>).</summary>
        GaugeValue,
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>An instrument's Prometheus name: dots to underscores, the unit as a suffix, <c>_total</c> for running totals.</summary>
    public static string PrometheusName(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        var unit = instrument.Unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => "", // {thread}, {exception}, ...: annotations in braces are not units
        };
        if (!name.EndsWith(unit, StringComparison.Ordinal))
        {
            name += unit;
        }

        return KindOf(instrument) is InstrumentKind.CounterIncrement or InstrumentKind.CounterTotal ? name + "_total" : name;
    }

    private static InstrumentKind KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return InstrumentKind.Unsupported;
        }

        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(Counter<>) ? InstrumentKind.CounterIncrement
            : definition == typeof(ObservableCounter<>) && GaugesPublishedAsCounters.Contains(instrument.Name) ? InstrumentKind.GaugeValue
            : definition == typeof(ObservableCounter<>) ? InstrumentKind.CounterTotal
            : definition == typeof(UpDownCounter<>) ? InstrumentKind.GaugeIncrement
            : definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>) || definition == typeof(Gauge<>) ? InstrumentKind.GaugeValue
            : InstrumentKind.Unsupported; // histograms: System.Runtime has none
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_exports.TryGetValue(instrument, out var export))
        {
            // The first measurement names the labels (an instrument's tags are the same on every measurement).
            var labels = new string[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                labels[i] = tags[i].Key;
            }

            export = _exports.GetOrAdd(instrument, new Export(_factory, instrument, labels));
        }

        export.Record(value, tags);
    }

    /// <summary>One instrument's Prometheus metric and how a measurement applies to it.</summary>
    private sealed class Export
    {
        private readonly InstrumentKind _kind;
        private readonly string[] _tagKeys;
        private readonly Counter? _counter;
        private readonly Gauge? _gauge;

        public Export(IMetricFactory factory, Instrument instrument, string[] tagKeys)
        {
            _kind = KindOf(instrument);
            _tagKeys = tagKeys;
            var name = PrometheusName(instrument);
            var help = instrument.Description ?? instrument.Name;
            var labels = Array.ConvertAll(tagKeys, key => key.Replace('.', '_'));
            if (_kind is InstrumentKind.CounterIncrement or InstrumentKind.CounterTotal)
            {
                _counter = factory.CreateCounter(name, help, labels);
            }
            else
            {
                _gauge = factory.CreateGauge(name, help, labels);
            }
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != _tagKeys.Length)
            {
                return;
            }

            string[] values = tags.Length == 0 ? [] : new string[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                // Tags may come in another order than the first measurement's.
                var index = Array.IndexOf(_tagKeys, tags[i].Key);
                if (index < 0)
                {
                    return;
                }

                values[index] = tags[i].Value?.ToString() ?? "";
            }

            switch (_kind)
            {
                case InstrumentKind.CounterIncrement:
                    _counter!.WithLabels(values).Inc(value);
                    break;
                case InstrumentKind.CounterTotal:
                    _counter!.WithLabels(values).IncTo(value);
                    break;
                case InstrumentKind.GaugeIncrement:
                    _gauge!.WithLabels(values).Inc(value);
                    break;
                default:
                    _gauge!.WithLabels(values).Set(value);
                    break;
            }
        }
    }
}
