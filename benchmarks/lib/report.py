"""Turns the raw rows of one benchmark run into the markdown table and the target ratios.

    python3 report.py META.tsv RESULTS.tsv > latest.md

RESULTS.tsv has one row per measured wrk run:
    scenario  round  "requests=.. duration_us=.. p50_us=.. ... server_cpu_us=.."  peak_rss_mib  "c d o p"  "c d o p"
(the last two are the shadow outcome counters completed/dropped/other and the compared pairs before and
after the run; server_cpu_us is the CPU the server process and its children used for the run, lib/load.sh).
Compared pairs per second = pairs compared from the start of the run until the proxy is quiet after it,
over wrk's duration.
Ratios are computed per round (both scenarios of a ratio ran in the same round, minutes apart)
and the median of those per-round ratios is reported: that cancels most of the drift a shared
machine adds between rounds.
"""

import statistics
import sys
from collections import defaultdict

# (name, numerator, denominator, metric, comparison, target)
TARGETS = [
    ("shadow off ÷ plain YARP, req/s", "shadowproxy-off", "yarp", "rps", ">=", 0.95),
    ("shadow off ÷ plain YARP, p99", "shadowproxy-off", "yarp", "p99", "<=", 1.10),
    ("shadow 100% + diff ÷ nginx mirror, req/s", "shadowproxy-shadow", "nginx-mirror", "rps", ">=", 1.5),
    ("slow-candidate p99 ÷ shadow-off p99", "shadowproxy-slow", "shadowproxy-off", "p99", "<=", 1.10),
    ("slow-candidate p99 ÷ shadow-off p99, both at a fixed rate", "shadowproxy-slow-rate", "shadowproxy-off-rate", "p99", "<=", 1.10),
    ("shadow 100% + diff, adaptive ÷ Adaptive false, req/s", "shadowproxy-shadow", "shadowproxy-shadow-fixed", "rps", ">=", 0.95),
    ("shadow 100% + diff, adaptive ÷ Adaptive false, compared pairs/s", "shadowproxy-shadow", "shadowproxy-shadow-fixed", "pairs", ">=", 0.95),
]

# Shown for context, no target.
CONTEXT = [
    ("plain YARP ÷ direct, req/s", "yarp", "direct", "rps"),
    ("nginx mirror ÷ plain YARP, req/s", "nginx-mirror", "yarp", "rps"),
    ("shadow 100% + diff ÷ plain YARP, req/s", "shadowproxy-shadow", "yarp", "rps"),
    ("weight 50 + shadow ÷ plain YARP, req/s", "shadowproxy-w50", "yarp", "rps"),
    ("nginx mirror slow p99 ÷ nginx mirror p99", "nginx-mirror-slow", "nginx-mirror", "p99"),
    ("shadow 100% + diff ÷ nginx mirror, server CPU per request", "shadowproxy-shadow", "nginx-mirror", "cpu"),
    ("shadow off ÷ plain YARP, server CPU per request", "shadowproxy-off", "yarp", "cpu"),
    ("noise probe at 2 % ÷ probe off, req/s", "shadowproxy-shadow", "shadowproxy-noprobe", "rps"),
    ("noise probe at 2 % ÷ probe off, p99", "shadowproxy-shadow", "shadowproxy-noprobe", "p99"),
    ("noise probe at 2 % ÷ probe off, server CPU per request", "shadowproxy-shadow", "shadowproxy-noprobe", "cpu"),
    ("slow candidate, Adaptive false: p99 ÷ shadow-off p99", "shadowproxy-slow-fixed", "shadowproxy-off", "p99"),
    ("slow candidate, Adaptive false: p99 ÷ shadow-off p99, fixed rate", "shadowproxy-slow-fixed-rate", "shadowproxy-off-rate", "p99"),
    ("slow candidate, compared pairs/s: adaptive ÷ Adaptive false", "shadowproxy-slow", "shadowproxy-slow-fixed", "pairs"),
    ("slow candidate, compared pairs/s at a fixed rate: adaptive ÷ Adaptive false", "shadowproxy-slow-rate", "shadowproxy-slow-fixed-rate", "pairs"),
]


def read_meta(path):
    meta, labels, notes = {}, {}, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "label":
                labels[parts[1]] = parts[2]
            elif parts[0] == "note":
                notes.append(parts[1])
            elif parts[0] == "load":
                meta["load_before"], meta["load_after"] = parts[1], parts[2]
            else:
                meta[parts[0]] = parts[1] if len(parts) > 1 else ""
    return meta, labels, notes


def parse_run(cells):
    """One results.tsv row -> dict of numbers."""
    fields = dict(kv.split("=", 1) for kv in cells[2].split())
    n = {k: int(v) for k, v in fields.items()}
    run = {
        "round": int(cells[1]),
        "rps": n["requests"] / (n["duration_us"] / 1e6),
        "p50": n["p50_us"] / 1000,
        "p99": n["p99_us"] / 1000,
        "http_errors": n["status"],
        "socket_errors": n["connect"] + n["read"] + n["write"] + n["timeout"],
        "rss": None if cells[3] in ("", "-") else int(cells[3]),
    }
    run["completed"], run["dropped"], compared = shadow_delta(cells[4], cells[5])
    run["pairs"] = None if compared is None else compared / (n["duration_us"] / 1e6)
    run["cpu"] = n["server_cpu_us"] / n["requests"] if "server_cpu_us" in n and n["requests"] else None
    return run


def shadow_delta(before, after):
    """(completed, dropped, compared) during the run; compared is None for rows written without it."""
    b, a = before.split(), after.split()
    if "-" in b or "-" in a:
        return None, None, None
    compared = int(a[3]) - int(b[3]) if len(a) > 3 and len(b) > 3 else None
    return int(a[0]) - int(b[0]), int(a[1]) - int(b[1]), compared


def read_results(path):
    runs = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if len(cells) >= 6:
                runs[cells[0]].append(parse_run(cells))
    return runs


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def paired_ratios(runs, num, den, metric):
    """num/den per round, both measured in the same round, in round order."""
    by_round = {r["round"]: r[metric] for r in runs.get(den, [])}
    return [r[metric] / by_round[r["round"]] for r in sorted(runs.get(num, []), key=lambda r: r["round"])
            if r[metric] is not None and by_round.get(r["round"])]


def fmt(value, spec):
    return "—" if value is None else format(value, spec)


def shadow_cell(rs):
    done = [r["completed"] for r in rs if r["completed"] is not None]
    dropped = [r["dropped"] for r in rs if r["dropped"] is not None]
    if not done:
        return "—"
    return f"{sum(done):,} / {sum(dropped):,}"


def table(runs, labels, skipped):
    yield ("| scenario | req/s (median) | compared pairs/s (median) | p50 ms | p99 ms | server CPU µs / request "
           "| errors (HTTP ≥400 / socket) | peak RSS MiB | shadows completed / dropped |")
    yield "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for sid, label in labels.items():
        rs = runs.get(sid)
        if not rs:
            reason = skipped or "not run"
            yield f"| {label} | not run: {reason} | | | | | | | |"
            continue
        errors = f"{sum(r['http_errors'] for r in rs)} / {sum(r['socket_errors'] for r in rs)}"
        rss = max((r["rss"] for r in rs if r["rss"] is not None), default=None)
        yield (f"| {label} | {fmt(median(r['rps'] for r in rs), ',.0f')} | {fmt(median(r['pairs'] for r in rs), ',.0f')} "
               f"| {fmt(median(r['p50'] for r in rs), '.2f')} | {fmt(median(r['p99'] for r in rs), '.2f')} "
               f"| {fmt(median(r['cpu'] for r in rs), '.1f')} | {errors} | {fmt(rss, 'd')} | {shadow_cell(rs)} |")


def per_round(runs, labels):
    rounds = sorted({r["round"] for rs in runs.values() for r in rs})
    yield "| scenario | " + " | ".join(f"round {n}" for n in rounds) + " |"
    yield "| --- |" + " ---: |" * len(rounds)
    for sid in labels:
        by_round = {r["round"]: r for r in runs.get(sid, [])}
        cells = [f"{by_round[n]['rps']:,.0f} · {by_round[n]['p99']:.2f}"
                 + (f" · {by_round[n]['pairs']:,.0f}" if by_round[n]["pairs"] is not None else "")
                 if n in by_round else "—" for n in rounds]
        yield f"| {sid} | " + " | ".join(cells) + " |"


def meets(value, op, target):
    return value >= target if op == ">=" else value <= target


def verdict(value, ratios, op, target):
    """PASS or FAIL on the median of the per-round ratios, with how many rounds met the target on their
    own: a median that passes in 2 of 3 rounds is at its line, not over it."""
    if not ratios:
        return "not measured"
    held = sum(meets(r, op, target) for r in ratios)
    result = "**PASS**" if meets(value, op, target) else "**FAIL**"
    return f"{result} ({held} of {len(ratios)} rounds)"


def rounds_cell(ratios):
    return " · ".join(f"{r:.2f}" for r in ratios) or "—"


def ratio_lines(runs):
    yield "| ratio (same run, median of per-round ratios) | value | per round | target | result |"
    yield "| --- | ---: | ---: | ---: | --- |"
    for name, num, den, metric, op, target in TARGETS:
        ratios = paired_ratios(runs, num, den, metric)
        value = median(ratios)
        yield (f"| {name} | {fmt(value, '.2f')} | {rounds_cell(ratios)} "
               f"| {op.replace('>=', '≥').replace('<=', '≤')} {target} | {verdict(value, ratios, op, target)} |")
    slow = median(r["p99"] for r in runs.get("nginx-mirror-slow", []))
    yield f"| nginx mirror, slow candidate: client p99 | {fmt(slow, '.1f')} ms | | (context: nginx waits for the mirror) | |"
    for name, num, den, metric in CONTEXT:
        ratios = paired_ratios(runs, num, den, metric)
        yield f"| {name} | {fmt(median(ratios), '.2f')} | {rounds_cell(ratios)} | (context) | |"


def load_line(meta):
    """The machine's load average around the run. The run itself keeps 2-4 processes busy, so
    only the load before it tells whether other work competed."""
    before, after = meta.get("load_before", "?"), meta.get("load_after", "?")
    line = f"Load average (1, 5, 15 min) before the run: {before}; after it (this run included): {after}."
    try:
        if float(before.split()[0]) > int(meta["cpus"]):
            line += (f" **The machine was busy (load > {meta['cpus']}): other processes competed "
                     "for the CPUs, so absolute numbers and even ratios are unreliable; re-run on an idle machine.**")
    except ValueError:
        pass
    return line


def main(meta_path, results_path):
    meta, labels, notes = read_meta(meta_path)
    runs = read_results(results_path)
    print("# ShadowProxy benchmark: latest run\n")
    print(f"{meta['date']}, commit `{meta['commit']}`, mode `{meta['mode']}`: {meta['rounds']} round(s) × "
          f"{meta['duration']} s per scenario, {meta['connections']} connections, wrk 1 thread"
          f"{' pinned to the last CPU' if meta.get('wrk_pinned') == '1' else ''}, "
          f"{meta['warmup']} s warm-up per scenario. {meta['cpus']} CPUs ({meta['cpu']}), "
          "shared by the load generator, the proxies and the backends.\n")
    print(load_line(meta) + "\n")
    print("\n".join(table(runs, labels, meta.get("skipped"))))
    print()
    print("\n".join(ratio_lines(runs)))
    if notes:
        print("\nChecks:\n")
        for note in notes:
            print(f"- {note}")
    print("\n<details><summary>Per-round numbers (req/s · p99 ms · compared pairs/s)</summary>\n")
    print("\n".join(per_round(runs, labels)))
    print("\n</details>")
    print("\nHow to read this: benchmarks/README.md.")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
