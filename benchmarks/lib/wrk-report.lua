-- wrk reporter: one machine-readable line after the run, so that the harness never has to
-- parse wrk's human summary. Only done() is defined: per-request Lua hooks would slow wrk down.
-- Latencies are in microseconds; "status" counts HTTP responses with status >= 400.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d" ..
    " status=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
