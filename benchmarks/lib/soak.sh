# Soak (target 5): ShadowProxy in its "shadow 100% + diff" mode at a fixed rate for N minutes.
# Samples the proxy's working set (VmRSS) and its store (database + WAL size, counters, samples)
# every SOAK_SAMPLE seconds, then writes a verdict: working set growth after the first minute
# (< 10%) and the store within its configured bounds. Sourced by benchmarks/run (--soak).

SOAK_MINUTES=${SOAK_MINUTES:-5} SOAK_RATE=${SOAK_RATE:-2000} SOAK_CONNECTIONS=16 SOAK_SAMPLE=5
SOAK_OUT=${SOAK_OUT:-$BENCH_DIR/results/soak-latest.md}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

store_bytes() { # store_bytes DIR — the SQLite database plus its WAL
  local total=0 f
  for f in "$1"/data/shadowproxy.db "$1"/data/shadowproxy.db-wal; do
    [ -e "$f" ] && total=$((total + $(stat -c %s "$f")))
  done
  echo "$total"
}

# store_counts ADMIN_PORT — "counters samples" of the bench migration, from the admin API.
store_counts() { python3 "$BENCH_DIR/lib/store_counts.py" "$1" bench; }

run_soak() {
  local id=shadowproxy-shadow pid dir admin interval seconds url
  pid=$(pid_of "$id"); dir=$RUN_DIR/$id; admin=$(admin_port "$id")
  url="http://127.0.0.1:$(config_port "$BENCH_DIR/configs/$id.json")"
  interval=$((SOAK_CONNECTIONS * 1000 / SOAK_RATE))
  seconds=$((SOAK_MINUTES * 60))
  log "soak: $SOAK_MINUTES min at ~$SOAK_RATE req/s ($SOAK_CONNECTIONS connections, ${interval} ms apart), 100% shadowed and compared"
  local samples=$RUN_DIR/soak-samples.tsv
  printf 'second\trss_kib\tstore_bytes\tcounters\tsamples\n' >"$samples"
  wrk_cmd "$seconds" "$url" "$SOAK_CONNECTIONS" "$interval" >"$RUN_DIR/soak-wrk.out" 2>&1 &
  local wrk_pid=$! t=0
  while kill -0 "$wrk_pid" 2>/dev/null && [ $t -le $((seconds + 10)) ]; do
    printf '%s\t%s\t%s\t%s\n' "$t" "$(rss_kib "$pid")" "$(store_bytes "$dir")" "$(store_counts "$admin" | tr ' ' '\t')" >>"$samples"
    sleep "$SOAK_SAMPLE"; t=$((t + SOAK_SAMPLE))
  done
  wait "$wrk_pid" || true
  sleep 2 # let the last batch reach the store
  printf '%s\t%s\t%s\t%s\n' "end" "$(rss_kib "$pid")" "$(store_bytes "$dir")" "$(store_counts "$admin" | tr ' ' '\t')" >>"$samples"
  curl -fsS --max-time 5 "http://127.0.0.1:$admin/metrics" >"$RUN_DIR/soak-metrics.txt" || true
  mkdir -p "$(dirname "$SOAK_OUT")"
  python3 "$BENCH_DIR/lib/soak_report.py" "$samples" "$RUN_DIR/soak-wrk.out" "$RUN_DIR/soak-metrics.txt" \
    "$BENCH_DIR/configs/$id.json" "$SOAK_MINUTES" "$SOAK_RATE" \
    "$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')" >"$SOAK_OUT"
  cat "$SOAK_OUT"
  log "written to $SOAK_OUT"
}
