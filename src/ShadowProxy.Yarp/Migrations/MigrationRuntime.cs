using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Noise;
using ShadowProxy.Core.Versions;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Metrics;

namespace ShadowProxy.Migrations;

/// <summary>
/// The live state of one migration: its current <see cref="MigrationSnapshot"/> (one volatile read on
/// the request path) and the counters the data path shares, such as shadow requests in flight.
/// </summary>
internal sealed class MigrationRuntime
{
    private MigrationSnapshot _snapshot;
    private RampResult[]? _unsaved;
    private GateReport? _lastGateReport;
    private MigrationComparer _comparer;
    private GateWindow _gates;
    private CandidateFailover? _failover;
    private int _shadowInFlight;
    private string? _declaredVersion;
    private SharedTotals _sharedTotals = SharedTotals.None;

    private readonly TimeProvider _time;

    public MigrationRuntime(MigrationOptions options, MigrationSnapshot initial, MigrationMetrics metrics, TimeProvider time)
    {
        Name = options.Name;
        Metrics = metrics;
        _time = time;
        _gates = new GateWindow(options.Ramp.Gates.Window);
        Probe = new ProbeNoise(options.Diff.NoiseProbe.MinPairs, options.Diff.NoiseProbe.Threshold);
        _comparer = new MigrationComparer(options, [], Probe);
        _failover = options.Failover.Enabled ? new CandidateFailover(options.Failover, time) : null;
        ShadowBudget = new ShadowBudget(options.Shadow, metrics, time);
        Endpoints = new EndpointNamer(options.Endpoints);
        metrics.Weight.Set((double)initial.Weight);
        _snapshot = initial;
    }

    public string Name { get; }

    public MigrationMetrics Metrics { get; }

    /// <summary>The sliding window the ramp's gates are judged on: live and shadow calls, comparisons.</summary>
    public GateWindow Gates => Volatile.Read(ref _gates);

    /// <summary>The candidate version declared through the API (docs/comparison.md#candidate-versions), or null.</summary>
    public string? DeclaredVersion => Volatile.Read(ref _declaredVersion);

    /// <summary>Makes <paramref name="version"/> the declared candidate version (null: none).</summary>
    public void DeclareVersion(string? version) => Volatile.Write(ref _declaredVersion, version);

    /// <summary>The version a comparison is tagged with: the candidate's version header, else the declared version, else <c>unknown</c>.</summary>
    public string CandidateVersionOf(CapturedResponse candidate)
    {
        var header = Current.Options.Candidate?.VersionHeader;
        return (header is null ? null : CandidateVersion.Normalize(candidate.GetHeader(header)))
            ?? DeclaredVersion
            ?? CandidateVersion.Unknown;
    }

    /// <summary>What the noise probe learned for this migration (docs/comparison.md#the-noise-probe).</summary>
    public ProbeNoise Probe { get; private set; }

    /// <summary>The comparison rules in force: diff engine, redactor, noise rules.</summary>
    public MigrationComparer Comparer => Volatile.Read(ref _comparer);

    public void SetNoiseMarks(IReadOnlyCollection<(string Path, string? Endpoint)> marks) =>
        Volatile.Write(ref _comparer, Comparer.WithNoiseMarks(marks));

    /// <summary>Failover to legacy when the candidate fails as primary; null when disabled.</summary>
    public CandidateFailover? Failover => Volatile.Read(ref _failover);

    public MigrationSnapshot Current => Volatile.Read(ref _snapshot);

    public int ShadowInFlight => Volatile.Read(ref _shadowInFlight);

    /// <summary>How many shadows may be in flight (docs/configuration.md#shadow: adaptive, or <c>MaxInFlight</c>).</summary>
    public ShadowBudget ShadowBudget { get; }

    /// <summary>Serializes state changes of this migration (admin commands, the ramp timer); never taken on the request path.</summary>
    public SemaphoreSlim ChangeLock { get; } = new(1, 1);

    /// <summary>The last hour of counters, for rate charts.</summary>
    public RateHistory History { get; } = new();

    /// <summary>The fleet-wide totals as last read from the store (see <see cref="SharedCounters"/>).</summary>
    public SharedTotals SharedTotals => Volatile.Read(ref _sharedTotals);

    /// <summary>Keeps <paramref name="totals"/>, just read from the store.</summary>
    public void UpdateSharedTotals(SharedTotals totals) => Volatile.Write(ref _sharedTotals, totals);

    /// <summary>The gate report of the last evaluation, for the admin API and the on-call gauges.</summary>
    public GateReport? LastGateReport => Volatile.Read(ref _lastGateReport);

    /// <summary>Keeps <paramref name="report"/> as the last evaluation's; returns the one before it.</summary>
    public GateReport? RecordGateReport(GateReport report) => Interlocked.Exchange(ref _lastGateReport, report);

    /// <summary>Makes <paramref name="snapshot"/> the one the next request sees.</summary>
    public void Publish(MigrationSnapshot snapshot)
    {
        Volatile.Write(ref _snapshot, snapshot);
        Metrics.Weight.Set((double)snapshot.Weight);
    }

    /// <summary>
    /// True while a change in force here (a lowered weight; in fleet mode only a rollback) is not in the
    /// store yet because the store refused it or could not be reached.
    /// </summary>
    public bool HasUnsaved => Volatile.Read(ref _unsaved) is not null;

    /// <summary>The latest change in force here that the store does not have yet, or null.</summary>
    public RampResult? LatestUnsaved => Volatile.Read(ref _unsaved)?[^1];

    /// <summary>Keeps <paramref name="change"/>, in force here, until it is saved. Called under <see cref="ChangeLock"/>.</summary>
    public void KeepUnsaved(RampResult change)
    {
        var unsaved = Volatile.Read(ref _unsaved) ?? [];
        Volatile.Write(ref _unsaved, [.. unsaved, change]);
    }

    /// <summary>
    /// Saves the changes kept unsaved, oldest first, each with <paramref name="save"/>; forgets each once
    /// saved. False when there was nothing to save. Called under <see cref="ChangeLock"/>.
    /// </summary>
    public async Task<bool> SaveUnsavedAsync(Func<RampResult, Task> save)
    {
        if (Volatile.Read(ref _unsaved) is not { } unsaved)
        {
            return false;
        }

        for (var i = 0; i < unsaved.Length; i++)
        {
            await save(unsaved[i]).ConfigureAwait(false);
            Volatile.Write(ref _unsaved, i + 1 < unsaved.Length ? unsaved[(i + 1)..] : null);
        }

        return true;
    }

    /// <summary>Forgets the changes kept unsaved once the store has them (or a state that supersedes them). Called under <see cref="ChangeLock"/>.</summary>
    public void ForgetUnsaved() => Volatile.Write(ref _unsaved, null);

    /// <summary>
    /// Applies a state read from the store or another instance wrote when it is not older than the one in
    /// force (never an older version), unless an unsaved local rollback is in force and the state is not a
    /// rollback. True when applied.
    /// </summary>
    public async Task<bool> ApplyRemoteAsync(RampState remote, CancellationToken cancellationToken)
    {
        await ChangeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Current;
            if (remote.Version < current.State.Version || remote == current.State
                || (HasUnsaved && remote.Status != MigrationStatus.RolledBack))
            {
                return false;
            }

            Publish(new MigrationSnapshot(current.Options, remote));
            return true;
        }
        finally
        {
            ChangeLock.Release();
        }
    }

    /// <summary>
    /// A configuration reload: the new options take effect with the next request, on the ramp state
    /// given (already fitted to the new stages). The comparer keeps its noise marks; the gate window
    /// and the breaker restart only when their own settings changed. Called under <see cref="ChangeLock"/>.
    /// </summary>
    public void ApplyOptions(MigrationOptions options, RampState state)
    {
        var previous = Current.Options;
        if (options.Diff.NoiseProbe.MinPairs != previous.Diff.NoiseProbe.MinPairs || options.Diff.NoiseProbe.Threshold != previous.Diff.NoiseProbe.Threshold)
        {
            // What was learned stays in force until the new rules have their pairs.
            var probe = new ProbeNoise(options.Diff.NoiseProbe.MinPairs, options.Diff.NoiseProbe.Threshold);
            probe.Restore(Probe.Learned.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value], StringComparer.Ordinal));
            Probe = probe;
        }

        Volatile.Write(ref _comparer, new MigrationComparer(options, Comparer.NoiseMarks, Probe));
        if (options.Ramp.Gates.Window != previous.Ramp.Gates.Window)
        {
            Volatile.Write(ref _gates, new GateWindow(options.Ramp.Gates.Window));
        }

        if (options.Failover != previous.Failover)
        {
            Volatile.Write(ref _failover, options.Failover.Enabled ? new CandidateFailover(options.Failover, _time) : null);
        }

        if (options.Shadow != previous.Shadow)
        {
            ShadowBudget.Configure(options.Shadow);
        }

        if (options.Endpoints != previous.Endpoints)
        {
            Endpoints.Configure(options.Endpoints);
        }

        Publish(new MigrationSnapshot(options, state));
    }

    /// <summary>Takes a shadow slot unless <paramref name="maxInFlight"/> are taken; never waits.</summary>
    public bool TryEnterShadow(int maxInFlight)
    {
        if (Interlocked.Increment(ref _shadowInFlight) <= maxInFlight)
        {
            // Inc and Dec, not Set(count): two shadows ending together could set their counts out of
            // order and leave the gauge at 1 with nothing in flight (seen in ShadowFaultTests).
            Metrics.ShadowInFlight.Inc();
            return true;
        }

        Interlocked.Decrement(ref _shadowInFlight);
        return false;
    }

    public void ExitShadow()
    {
        Interlocked.Decrement(ref _shadowInFlight);
        Metrics.ShadowInFlight.Dec();
    }

    /// <summary>Counts one backend call (live or shadow) towards the gates.</summary>
    public void RecordCall(Backend backend, bool isError, TimeSpan latency) => Gates.RecordRequest(backend, isError, latency, _time.GetUtcNow());

    public void RecordComparison(ComparisonTally tally) => Gates.RecordComparison(tally, _time.GetUtcNow());

    /// <summary>Counts a comparison with differences by its signature, so the gate judges it by the noise rules in force when it evaluates.</summary>
    public void RecordComparison(ComparisonTally tally, DiffSignature signature) => Gates.RecordComparison(tally, signature, _time.GetUtcNow());

    /// <summary>The gate window now, its comparisons judged by the noise rules in force now (docs/comparison.md#what-the-gates-and-counters-count).</summary>
    public WindowStats GateSnapshot(DateTimeOffset now) => Gates.Snapshot(now, Comparer.IsNoiseNow);

    /// <summary>How this migration names its endpoints: declared and learned templates (kept across configuration reloads).</summary>
    public EndpointNamer Endpoints { get; }

    /// <summary>
    /// The endpoint a request of this migration belongs to, e.g. <c>GET /api/orders/{id}</c>: the one name every
    /// stage (inventory, comparison, report, store, replay corpus) groups it under.
    /// </summary>
    public string EndpointOf(string method, string? routeTemplate, string path) => Endpoints.Name(method, routeTemplate, path);

    /// <summary>The id of the cluster generated for a backend given by its <c>Address</c>.</summary>
    public static string ClusterIdFor(string migration, string backend) => $"{ConfigValidator.GeneratedIdPrefix}{migration}.{backend}";
}
