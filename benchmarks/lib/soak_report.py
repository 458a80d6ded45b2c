#!/usr/bin/env python3
"""Markdown report of a soak run (benchmarks/run --soak): target 5 of the benchmark issue.

usage: soak_report.py SAMPLES_TSV WRK_OUT METRICS CONFIG_JSON MINUTES RATE COMMIT

Verdict: the working set (VmRSS) grows < 10 % after the first minute, i.e. the highest sample
after minute 1 stays below 1.10 x the sample at minute 1; and the store stays within its bounds
(stored samples <= MaxSamplesPerMigration and <= SamplesPerPath x counter rows, counter rows <=
MaxPathsPerMigration), with its file size reported at minute 1 and at the end.
"""
import datetime
import json
import re
import sys

GROWTH_LIMIT = 0.10
# Defaults of StoreOptions (src/ShadowProxy.Core/Configuration/ShadowProxyOptions.cs).
STORE_DEFAULTS = {"SamplesPerPath": 5, "MaxSamplesPerMigration": 5000, "MaxPathsPerMigration": 20000}


def read_samples(path):
    rows = []
    with open(path) as f:
        next(f)
        for line in f:
            second, rss, store, counters, samples = line.rstrip("\n").split("\t")
            rows.append({"second": second, "rss": int(rss), "store": int(store), "counters": int(counters), "samples": int(samples)})
    return rows


def read_wrk(path):
    text = open(path).read()
    match = re.search(r"WRK_RESULT (.*)", text)
    return dict(kv.split("=") for kv in match.group(1).split()) if match else {}


def read_metrics(path):
    values = {}
    try:
        for line in open(path):
            if line.startswith("shadowproxy_shadow_requests_total") or line.startswith("shadowproxy_comparisons_"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
    except OSError:
        pass
    return values


def mib(kib):
    return kib / 1024


def main():
    samples_path, wrk_path, metrics_path, config_path, minutes, rate, commit = sys.argv[1:8]
    rows = read_samples(samples_path)
    timed = [r for r in rows if r["second"] != "end"]
    end = rows[-1]
    wrk = read_wrk(wrk_path)
    metrics = read_metrics(metrics_path)
    store_options = dict(STORE_DEFAULTS)
    store_options.update({k: v for k, v in json.load(open(config_path))["ShadowProxy"].get("Store", {}).items() if k in STORE_DEFAULTS})

    first_minute = next((r for r in timed if r["second"].isdigit() and int(r["second"]) >= 60), timed[-1])
    after = [r for r in timed if r["second"].isdigit() and int(r["second"]) > 60 and r["rss"] > 0]
    base_rss = first_minute["rss"]
    peak_after = max((r["rss"] for r in after), default=base_rss)
    growth = (peak_after - base_rss) / base_rss if base_rss else float("nan")
    last_growth = (end["rss"] - base_rss) / base_rss if base_rss else float("nan")

    requests = int(wrk.get("requests", 0))
    duration_s = int(wrk.get("duration_us", 1)) / 1e6
    errors = sum(int(wrk.get(k, 0)) for k in ("status", "connect", "read", "write", "timeout"))
    counters, stored = end["counters"], end["samples"]
    bounds = [
        ("stored samples ≤ MaxSamplesPerMigration", stored, store_options["MaxSamplesPerMigration"], 0 <= stored <= store_options["MaxSamplesPerMigration"]),
        ("stored samples ≤ SamplesPerPath × counter rows", stored, store_options["SamplesPerPath"] * max(counters, 0), 0 <= stored <= store_options["SamplesPerPath"] * max(counters, 0)),
        ("counter rows ≤ MaxPathsPerMigration", counters, store_options["MaxPathsPerMigration"], 0 <= counters <= store_options["MaxPathsPerMigration"]),
    ]
    memory_ok = growth < GROWTH_LIMIT
    store_ok = all(ok for *_, ok in bounds)
    completed = metrics.get('shadowproxy_shadow_requests_total{migration="bench",outcome="completed"}', 0)
    compared = sum(v for k, v in metrics.items() if k.startswith("shadowproxy_comparisons_total"))
    not_compared = metrics.get('shadowproxy_comparisons_dropped_total{migration="bench"}', 0)
    dropped = metrics.get('shadowproxy_shadow_requests_total{migration="bench",outcome="dropped"}', 0)

    out = []
    out.append("# ShadowProxy soak: latest run\n")
    out.append(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit `{commit}`: {minutes} min of `GET /api/orders/{{random id}}` "
               f"at a fixed rate (target {rate} req/s) through ShadowProxy's \"shadow 100% + diff\" mode "
               "(`benchmarks/configs/shadowproxy-shadow.json`): every request mirrored to the candidate and compared, every pair differs.\n")
    out.append("| target 5 | measured | limit | result |")
    out.append("| --- | ---: | ---: | --- |")
    out.append(f"| working set growth after minute 1 (peak of minutes 2–{minutes} ÷ minute 1) | {growth * 100:+.1f}% | < +10% | **{'PASS' if memory_ok else 'FAIL'}** |")
    for name, value, limit, ok in bounds:
        out.append(f"| {name} | {value:,} | {limit:,} | **{'PASS' if ok else 'FAIL'}** |")
    out.append("")
    out.append("| load | value |")
    out.append("| --- | ---: |")
    out.append(f"| requests (achieved rate) | {requests:,} ({requests / duration_s:,.0f} req/s) |")
    out.append(f"| client errors (HTTP ≥ 400 / socket) | {errors} |")
    out.append(f"| client p50 / p99 / max | {int(wrk.get('p50_us', 0)) / 1000:.2f} / {int(wrk.get('p99_us', 0)) / 1000:.2f} / {int(wrk.get('max_us', 0)) / 1000:.1f} ms |")
    out.append(f"| shadows completed / dropped | {completed:,.0f} / {dropped:,.0f} |")
    out.append(f"| pairs compared / not compared (queue full) | {compared:,.0f} / {not_compared:,.0f} |")
    out.append(f"| working set at minute 1 / peak after / end | {mib(base_rss):.0f} / {mib(peak_after):.0f} / {mib(end['rss']):.0f} MiB ({last_growth * 100:+.1f}% at the end) |")
    out.append(f"| store file (database + WAL) at minute 1 / end | {first_minute['store'] / 1048576:.2f} / {end['store'] / 1048576:.2f} MiB |")
    out.append("")
    out.append("<details><summary>Samples (every 5 s)</summary>\n")
    out.append("| second | working set MiB | store MiB | counter rows | samples |")
    out.append("| ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        out.append(f"| {r['second']} | {mib(r['rss']):.1f} | {r['store'] / 1048576:.2f} | {r['counters']} | {r['samples']} |")
    out.append("\n</details>\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
