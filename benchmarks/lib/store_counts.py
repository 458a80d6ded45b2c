#!/usr/bin/env python3
"""Prints "COUNTERS SAMPLES" for a migration through the admin API (-1 when unreachable).

usage: store_counts.py ADMIN_PORT MIGRATION
COUNTERS is the number of endpoint x path x kind rows of the diff summary; SAMPLES counts the
stored samples by paging through /diffs with its cursor (bounded to 100 pages).
"""
import json
import sys
import urllib.request


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def main():
    port, migration = sys.argv[1], sys.argv[2]
    base = f"http://127.0.0.1:{port}/api/v1/migrations/{migration}"
    try:
        counters = get(f"{base}/diffs/summary?limit=1")["total"]
        samples, before = 0, None
        for _ in range(100):
            page = get(f"{base}/diffs?limit=200" + (f"&before={before}" if before else ""))
            samples += len(page["samples"])
            before = page.get("nextBefore")
            if not before:
                break
        print(counters, samples)
    except Exception:  # the proxy may be busy or gone: the sample shows it as unknown
        print(-1, -1)


if __name__ == "__main__":
    main()
