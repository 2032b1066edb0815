#!/usr/bin/env bash
# Web fan-out: tern's web bindings against Flask-MQTT's Flask-SocketIO
# example, through a private mosquitto on loopback. For each row (a server
# and how its clients talk to it), a fresh server per measurement:
#   down: a publisher at each RATE (1000 5000) on one topic that N = CLIENTS
#         (1 16 100 1000; 16 is the httplib demo's stream limit) streaming
#         clients watch, DURATION (5) seconds of publishing after all opened;
#   up:   UP_CLIENTS clients sending publish requests back to back for
#         DURATION seconds.
# REPS repetitions with the rows' order alternating; prints a table of
# medians and each row's ratios to the reference.
#
#   BUILD=build-bw REPS=3 DURATION=5 ./scripts/bench-web.sh
#   ROWS="httplib reference" RATES=1000 CLIENTS="1 100" ./scripts/bench-web.sh
#
# ROWS: httplib (cpp-httplib binding, SSE; up: HTTP POST), beast-sse and
# beast-ws (the Boost.Beast binding, tern-live-dashboard --binding beast:
# SSE and HTTP POST, or its WebSocket both ways), reference (Flask-SocketIO
# + paho-mqtt, bench/web/reference_server.py), tern_flask (the same app on
# tern_flask). A row whose server is not built says so in the table.
# BUILD: a build directory with tern-web-bench (bench/web, needs Boost),
# tern-live-dashboard and tern_flask; brought up to date first.
# READER_THREADS (1): threads of tern-web-bench's readers.
# Wrap the call in `flock /tmp/tern-build.lock` on a shared machine.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
build=${BUILD:-build}
case $build in /*) ;; *) build="$top/$build" ;; esac
reps=${REPS:-3}
duration=${DURATION:-5}
rates=${RATES:-1000 5000}
clients=${CLIENTS:-1 16 100 1000}
up_clients=${UP_CLIENTS:-100}
modes=${MODES:-down up}
reader_threads=${READER_THREADS:-1}
read -r -a rows <<<"${ROWS:-httplib beast-sse beast-ws reference tern_flask}"
python=/usr/bin/python3  # Debian's: flask-socketio, eventlet and paho-mqtt live there

[ -f "$build/build.ninja" ] || { echo "bench-web: no build in $build (meson setup it, or set BUILD)" >&2; exit 1; }
# Only what the rows run, not the tests: tern-web-bench, the demo server, tern_flask.
targets=$(ninja -C "$build" -t targets all 2>/dev/null |
  grep -oE '^(bench/web/tern-web-bench|examples/live_dashboard/tern-live-dashboard|bindings/python/tern_flask/_core[^:]*\.so):' |
  tr -d :)
ninja -C "$build" -j "$jobs" $targets >/dev/null || { echo "bench-web: building $targets in $build failed" >&2; exit 1; }
bench="$build/bench/web/tern-web-bench"
dashboard="$build/examples/live_dashboard/tern-live-dashboard"
[ -x "$bench" ] || { echo "bench-web: $bench was not built (it needs libboost-dev)" >&2; exit 1; }
$python -c 'import flask_socketio, eventlet, paho.mqtt' 2>/dev/null ||
  { echo "bench-web: needs python3-flask-socketio, python3-eventlet and python3-paho-mqtt" >&2; exit 1; }
export PYTHONPATH="$build/bindings/python"

# 1,000 streaming clients, and as many server-side sockets in the servers,
# which inherit this limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" -ge 2200 ] 2>/dev/null || echo "bench-web: ulimit -n is $(ulimit -n): the 1,000-client rows may fail" >&2

start_broker "max_queued_messages 0" "set_tcp_nodelay true"
dir=$broker_dir
server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null
  for _ in $(seq 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=""
}
trap 'stop_server; stop_broker' EXIT

beast_built=no
"$dashboard" --help 2>&1 | grep -q -- '--binding' && beast_built=yes

# row_server ROW: whether ROW's server exists in this build ("yes", or why not).
row_server() {
  case $1 in
    httplib) [ -x "$dashboard" ] && echo yes || echo "not built (needs libcpp-httplib-dev)" ;;
    beast-sse | beast-ws) [ "$beast_built" = yes ] && echo yes || echo "not built (no --binding beast)" ;;
    reference) echo yes ;;
    tern_flask) $python -c 'import tern_flask' 2>/dev/null && echo yes || echo "not built (no tern_flask in $PYTHONPATH)" ;;
    *) echo "unknown row" ;;
  esac
}

# start_server ROW PORT TOPIC: starts ROW's server in the background (server_pid)
# and waits until it listens. TOPIC: what the Python servers relay.
start_server() {
  local row=$1 port=$2 topic=$3 log="$dir/server-$1.log"
  case $row in
    httplib) MQTT_BROKER_URL=127.0.0.1 MQTT_BROKER_PORT=$broker_port "$dashboard" --listen "127.0.0.1:$port" >"$log" 2>&1 & ;;
    beast-*) MQTT_BROKER_URL=127.0.0.1 MQTT_BROKER_PORT=$broker_port "$dashboard" --binding beast \
               --listen "127.0.0.1:$port" >"$log" 2>&1 & ;;
    reference | tern_flask)
      local engine=paho
      [ "$row" = tern_flask ] && engine=tern
      MQTT_BROKER_URL=127.0.0.1 MQTT_BROKER_PORT=$broker_port $python "$top/bench/web/reference_server.py" \
        --engine "$engine" --port "$port" --topic "$topic" >"$log" 2>&1 & ;;
  esac
  server_pid=$!
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench-web: the $row server did not come up:" >&2
  tail -5 "$log" >&2
  stop_server
  return 1
}

# How each row's clients talk: the down path's readers and the up path's requests.
down_proto() { case $1 in httplib | beast-sse) echo sse ;; beast-ws) echo ws ;; *) echo sio ;; esac; }
up_proto() { case $1 in httplib | beast-sse) echo http ;; beast-ws) echo ws ;; *) echo sio ;; esac; }

# measure ROW REP TEST ARGS...: one fresh server, one tern-web-bench run, one result line.
measure() {
  local row=$1 rep=$2 test=$3
  shift 3
  local port topic line why
  port=$(free_port)
  # The servers relay .../down; the up path publishes elsewhere, so that its
  # messages are not relayed back to its own clients.
  topic="bench/web/$row/$rep/$test/down"
  if ! start_server "$row" "$port" "$topic"; then
    why=$(tail -1 "$dir/server-$row.log" 2>/dev/null)
    echo "row=$row rep=$rep test=$test status=no_server problem=${why// /_}" >>"$results"
    return
  fi
  [[ $test == up-* ]] && topic="bench/web/$row/$rep/$test/up"
  line=$(timeout 300 "$bench" --port "$port" --topic "$topic" --broker-port "$broker_port" --server-pid "$server_pid" \
           --threads "$reader_threads" --duration "$duration" "$@" 2>>"$dir/bench.err" | tail -1)
  stop_server
  [ -n "$line" ] || line="status=bench_failed"
  echo "row=$row rep=$rep test=$test $line" >>"$results"
  echo "bench-web: rep $rep $row $test: $line" >&2
}

results="$dir/results.txt"
: >"$results"
for row in "${rows[@]}"; do
  why=$(row_server "$row")
  [ "$why" = yes ] || echo "row=$row rep=0 test=all status=absent why=${why// /_}" >>"$results"
done
for rep in $(seq "$reps"); do
  # Alternate the order so no row always runs first (or after the same one).
  order=("${rows[@]}")
  ((rep % 2 == 0)) && order=($(printf '%s\n' "${rows[@]}" | tac))
  for mode in $modes; do
    if [ "$mode" = down ]; then
      for rate in $rates; do
        for n in $clients; do
          for row in "${order[@]}"; do
            [ "$(row_server "$row")" = yes ] || continue
            measure "$row" "$rep" "down-$rate-$n" --mode down --proto "$(down_proto "$row")" --rate "$rate" --clients "$n"
          done
        done
      done
    else
      for row in "${order[@]}"; do
        [ "$(row_server "$row")" = yes ] || continue
        measure "$row" "$rep" "up-$up_clients" --mode up --proto "$(up_proto "$row")" --clients "$up_clients"
      done
    fi
  done
done

echo
echo "medians of $reps runs; $duration s of publishing (down) or requests (up) per run; a fresh server per run"
$python "$top/bench/web/table.py" "$results" "${rows[@]}"
cp "$results" "${RESULTS:-/dev/null}" 2>/dev/null || true
