"""The report of benchmarks/limit-timeline: the adaptive shadow limit second by second, and per phase.

    python3 timeline_report.py META PHASES SAMPLES > limit-timeline-latest.md

PHASES: one row per phase: mode, start and end (epoch seconds), wrk's "key=value ..." line.
SAMPLES: one row per 250 ms metrics sample: time limit in_flight compared dropped recent_p99_s
baseline_p99_s gc_pause_total_s threadpool_queue.
"""

import sys


def read_meta(path):
    meta = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            meta[parts[0]] = parts[1:] if parts[0] == "load" else parts[1]
    return meta


def read_phases(path):
    phases = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            mode, start, end, wrk = line.rstrip("\n").split("\t")
            n = {k: int(v) for k, v in (kv.split("=", 1) for kv in wrk.split())}
            phases.append({"mode": mode, "start": float(start), "end": float(end),
                           "rps": n["requests"] / (n["duration_us"] / 1e6), "p50": n["p50_us"] / 1000,
                           "p99": n["p99_us"] / 1000, "errors": n["status"] + n["connect"] + n["read"] + n["write"] + n["timeout"]})
    return phases


def read_samples(path):
    samples = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cells = line.split()
            if len(cells) != 9 or cells[1] == "":
                continue
            t, limit, inflight, compared, dropped, recent, baseline, gc, queue = cells
            samples.append({"t": float(t), "limit": int(float(limit)), "inflight": int(float(inflight)),
                            "compared": int(compared), "dropped": int(dropped), "recent": float(recent) * 1000,
                            "baseline": float(baseline) * 1000, "gc": float(gc), "queue": int(float(queue))})
    return samples


def seconds(samples, t0):
    """One row per whole second since t0: the last sample of the second, with rates against the previous row."""
    rows, previous = [], None
    by_second = {}
    for s in samples:
        if s["t"] >= t0:
            by_second[int(s["t"] - t0)] = s
    for second in sorted(by_second):
        s = by_second[second]
        if previous is not None:
            dt = s["t"] - previous["t"]
            rows.append({"second": second, **s, "pairs": (s["compared"] - previous["compared"]) / dt,
                         "drops": (s["dropped"] - previous["dropped"]) / dt, "gc_ms": (s["gc"] - previous["gc"]) * 1000 / dt})
        previous = s
    return rows


def phase_of(phases, t):
    for i, p in enumerate(phases):
        if p["start"] <= t < p["end"]:
            return i
    return None


def main(meta_path, phases_path, samples_path):
    meta, phases, samples = read_meta(meta_path), read_phases(phases_path), read_samples(samples_path)
    t0 = phases[0]["start"]
    rows = seconds(samples, t0)
    for r in rows:
        r["phase"] = phase_of(phases, r["t"])

    print("# Adaptive shadow limit over time\n")
    print(f"{meta['date']}, commit `{meta['commit']}`, {meta['load_mode']}, proxy environment: {meta['env']}. "
          f"Candidate: fast = nginx's document at once, slow = after 300 ms. Load average (1, 5, 15 min) before: "
          f"{meta['load'][0]}; after: {meta['load'][1]}.\n")

    print("| phase | candidate | s | client req/s | p50 ms | p99 ms | errors | compared pairs/s | dropped/s "
          "| limit: mean (min–max) | GC pause ms/s | limit followed |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |")
    first_fast_pairs = None
    for i, p in enumerate(phases):
        inside = [r for r in rows if r["phase"] == i]
        if not inside:
            continue
        pairs = sum(r["pairs"] for r in inside) / len(inside)
        drops = sum(r["drops"] for r in inside) / len(inside)
        gc = sum(r["gc_ms"] for r in inside) / len(inside)
        limits = [r["limit"] for r in inside]
        followed = "—"
        if p["mode"] == "slow":
            at_start = inside[0]["limit"]
            low = next((r for r in inside if r["limit"] <= at_start / 4), None)
            followed = f"limit ≤ ¼ after {low['t'] - p['start']:.1f} s" if low else "limit did not fall to ¼"
        elif first_fast_pairs is None:
            first_fast_pairs = pairs
        elif first_fast_pairs:
            back = next((r for r in inside if r["pairs"] >= 0.9 * first_fast_pairs), None)
            followed = (f"pairs/s ≥ 90 % of the first fast phase after {back['t'] - p['start']:.1f} s" if back
                        else "pairs/s stayed below 90 % of the first fast phase")
        print(f"| {i + 1} | {p['mode']} | {p['end'] - p['start']:.0f} | {p['rps']:,.0f} | {p['p50']:.2f} | {p['p99']:.2f} "
              f"| {p['errors']} | {pairs:,.0f} | {drops:,.0f} | {sum(limits) / len(limits):.0f} ({min(limits)}–{max(limits)}) "
              f"| {gc:.1f} | {followed} |")

    print("\n<details><summary>Second by second (the last 250 ms sample of each second)</summary>\n")
    print("| s | phase | candidate | limit | in flight | pairs/s | dropped/s | recent p99 ms | baseline p99 ms | GC pause ms/s | thread-pool queue |")
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        if r["phase"] is None:
            continue
        print(f"| {r['second']} | {r['phase'] + 1} | {phases[r['phase']]['mode']} | {r['limit']} | {r['inflight']} "
              f"| {r['pairs']:,.0f} | {r['drops']:,.0f} | {r['recent']:.2f} | {r['baseline']:.2f} | {r['gc_ms']:.1f} | {r['queue']} |")
    print("\n</details>\n")
    print("How to read this: benchmarks/README.md, \"The shadow budget\".")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
