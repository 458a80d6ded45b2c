# nginx helpers: render a config from benchmarks/nginx/*.conf and run it in the foreground
# (daemon off) under start_bg, with every path inside $RUN_DIR.

ECHO_MODULE=${ECHO_MODULE:-/usr/lib/nginx/modules/ngx_http_echo_module.so}

# prepare_nginx_dir — data files and temp paths that the nginx workers (user nobody) can read.
prepare_nginx_dir() {
  mkdir -p "$RUN_DIR/data" "$RUN_DIR/nginx-tmp"
  cp "$BENCH_DIR"/nginx/data/*.json "$RUN_DIR/data/"
  chmod 755 "$RUN_DIR" "$RUN_DIR/data"; chmod 644 "$RUN_DIR"/data/*.json
  local t
  for t in client_body proxy fastcgi uwsgi scgi; do
    echo "${t}_temp_path $RUN_DIR/nginx-tmp/$t;"
  done >"$RUN_DIR/nginx-temp-paths.conf"
}

# render_nginx NAME — benchmarks/nginx/NAME.conf with the port and path variables filled in.
render_nginx() {
  local vars='${RUN_DIR} ${ECHO_MODULE} ${LEGACY_PORT} ${CANDIDATE_PORT} ${SLOW_PORT} ${MIRROR_PORT} ${MIRROR_SLOW_PORT} ${SWITCH_PORT}'
  RUN_DIR=$RUN_DIR ECHO_MODULE=$ECHO_MODULE LEGACY_PORT=$LEGACY_PORT CANDIDATE_PORT=$CANDIDATE_PORT \
  SLOW_PORT=$SLOW_PORT MIRROR_PORT=$MIRROR_PORT MIRROR_SLOW_PORT=$MIRROR_SLOW_PORT SWITCH_PORT=${SWITCH_PORT:-19104} \
    envsubst "$vars" <"$BENCH_DIR/nginx/$1.conf" >"$RUN_DIR/$1.conf"
}

# start_nginx NAME — test the rendered config, then run it.
start_nginx() {
  render_nginx "$1"
  nginx -t -q -p "$RUN_DIR" -c "$RUN_DIR/$1.conf" 2>"$RUN_DIR/$1.test.err" \
    || { cat "$RUN_DIR/$1.test.err" >&2; return 1; }
  start_bg "nginx-$1" nginx -p "$RUN_DIR" -c "$RUN_DIR/$1.conf"
}
