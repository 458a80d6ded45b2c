# Process helpers: every server is started in the background with its own log files under
# $RUN_DIR, its pid is remembered, and stop_all (the run script's EXIT trap) ends exactly
# those pids — never anything found by name.

STARTED_PIDS=()

# start_bg NAME COMMAND... — start COMMAND in the background, logs in $RUN_DIR/NAME.{out,err}.
start_bg() {
  local name=$1; shift
  "$@" >"$RUN_DIR/$name.out" 2>"$RUN_DIR/$name.err" &
  local pid=$!
  STARTED_PIDS+=("$pid")
  echo "$pid" >"$RUN_DIR/$name.pid"
}

pid_of() { cat "$RUN_DIR/$1.pid"; }

is_running() { kill -0 "$1" 2>/dev/null; }

# stop_all — TERM every started pid, give them 5 s to drain, then KILL what is left.
stop_all() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${STARTED_PIDS[@]}"; do is_running "$pid" && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.1
  done
  for pid in "${STARTED_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}

# wait_http URL SECONDS [PID] — poll until URL answers 2xx; fail early if PID has exited.
wait_http() {
  local url=$1 seconds=$2 pid=${3:-}
  local deadline=$((SECONDS + seconds))
  while [ $SECONDS -lt $deadline ]; do
    if [ -n "$pid" ] && ! is_running "$pid"; then return 1; fi
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

# peak_rss_mib PID — peak resident set (VmHWM) so far of PID plus its direct children
# (nginx's workers), in MiB.
peak_rss_mib() {
  local pids=("$1") children
  children=$(pgrep -P "$1" || true)
  [ -z "$children" ] || pids+=($children)
  local files=("${pids[@]/#//proc/}")
  awk '/^VmHWM:/ { kib += $2 } END { printf "%.0f", kib / 1024 }' "${files[@]/%//status}" 2>/dev/null || echo "-"
}

# cpu_ticks PID — user + system CPU time of PID and its direct children (nginx's workers), in
# clock ticks (getconf CLK_TCK per second).
cpu_ticks() {
  local pids=("$1") children
  children=$(pgrep -P "$1" || true)
  [ -z "$children" ] || pids+=($children)
  local files=("${pids[@]/#//proc/}")
  # utime and stime are the 12th and 13th fields after the name, which ends at the last ')' and may
  # contain spaces.
  sed 's/.*) //' "${files[@]/%//stat}" 2>/dev/null | awk '{ ticks += $12 + $13 } END { print ticks + 0 }'
}

# wait_quiet PID — wait (at most 10 s) until PID uses < 10% of a core, so that work left over
# from one scenario (queued shadow requests, diffs, store writes) does not run in the next.
wait_quiet() {
  local pid=$1 before after
  for _ in $(seq 20); do
    before=$(cpu_ticks "$pid"); sleep 0.5; after=$(cpu_ticks "$pid")
    [ $((after - before)) -lt 5 ] && return 0
  done
}
