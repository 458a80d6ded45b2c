# Load generation with wrk: fixed connections and duration, one thread.
# With PIN_WRK=1 wrk is pinned to the last CPU (see README, "Hardware caveat").

# wrk_cmd SECONDS URL [CONNECTIONS INTERVAL_MS] — closed loop on $CONNECTIONS connections, or with the
# last two arguments a fixed rate: each connection waits INTERVAL_MS between requests (lib/wrk-rate.lua).
wrk_cmd() {
  local cmd=(wrk -t1 -c"$CONNECTIONS" -d"$1"s --timeout 5s -s "$BENCH_DIR/lib/wrk-report.lua" "$2")
  if [ $# -ge 4 ]; then
    cmd=(wrk -t1 -c"$3" -d"$1"s --timeout 5s -s "$BENCH_DIR/lib/wrk-rate.lua" "$2" -- "$4")
  fi
  if [ "${PIN_WRK:-1}" = 1 ] && [ "$(nproc)" -gt 1 ]; then
    cmd=(taskset -c "$(($(nproc) - 1))" "${cmd[@]}")
  fi
  "${cmd[@]}"
}

# load SECONDS URL [CONNECTIONS INTERVAL_MS] — run wrk (see wrk_cmd) and print its WRK_RESULT line as
# "key=value ..." (empty on failure).
load() {
  wrk_cmd "$@" 2>&1 | sed -n 's/^WRK_RESULT //p'
}

# rate_args C:MS — "C MS", the fixed-rate arguments of load, from a --rate value; a message and
# status 2 for anything else.
rate_args() {
  [[ $1 =~ ^[0-9]+:[0-9]+$ ]] || { echo "--rate wants CONNECTIONS:INTERVAL_MS, e.g. 64:4" >&2; return 2; }
  echo "${1%%:*} ${1##*:}"
}

CLK_TCK=$(getconf CLK_TCK)

# load_measured PID SECONDS URL [CONNECTIONS INTERVAL_MS] — load, then wait until PID is quiet (lib/procs.sh);
# prints load's line with server_cpu_us=..: the CPU PID and its children used for the run, shadow and
# diff work still queued when wrk stopped included. Empty when wrk failed.
load_measured() {
  local pid=$1 ticks line
  shift
  ticks=$(cpu_ticks "$pid")
  line=$(load "$@")
  wait_quiet "$pid"
  ticks=$(($(cpu_ticks "$pid") - ticks))
  [ -z "$line" ] || echo "$line server_cpu_us=$((ticks * 1000000 / CLK_TCK))"
}

# field LINE KEY — the value of KEY in a "key=value ..." line.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# shadow_outcomes ADMIN_PORT — "completed dropped other compared" from shadowproxy_shadow_requests_total
# and shadowproxy_comparisons_total (docs/metrics.md), or "- - - -" when the metrics are not there yet.
shadow_outcomes() {
  curl -fsS --max-time 3 "http://127.0.0.1:$1/metrics" 2>/dev/null | awk '
    /^shadowproxy_shadow_requests_total\{/ {
      seen = 1
      if ($0 ~ /outcome="completed"/) c += $NF
      else if ($0 ~ /outcome="dropped"/) d += $NF
      else if ($0 !~ /outcome="skipped_/) o += $NF
    }
    /^shadowproxy_comparisons_total\{/ { p += $NF }
    END { if (seen) printf "%d %d %d %d\n", c, d, o, p; else print "- - - -" }'
}
