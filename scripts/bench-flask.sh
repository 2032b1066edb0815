#!/usr/bin/env bash
# tern_flask against paho-mqtt 1.6 (the engine under Flask-MQTT): messages per
# second into a Python on_message handler and receiver CPU per message,
# QoS 0 and 1, through a private mosquitto on loopback, fed by a separate
# publisher process (bench/python/flask_bench.py). REPS repetitions with the
# peers' order alternating; prints medians with tern/paho ratios.
#
#   BUILD=build REPS=5 COUNT=100000 MODES="backlog live" ./scripts/bench-flask.sh
#   PEERS="tern tern-log paho paho-log" ./scripts/bench-flask.sh   # what paho's DEBUG trace costs
#
# BUILD: a build directory with the Python module (-Dpython, on by default
# when pybind11 is found); brought up to date first.
# MODES: backlog (the receiver drains N queued messages: isolates the
# receiver), live (the publisher runs while the receiver receives) and/or
# paced (live at RATE messages per second, default 20000).
# PEERS: tern and paho (the default); tern-log and paho-log also register an
# on_log handler, which turns on the DEBUG line per packet.
# NODELAY: the broker's set_tcp_nodelay, false (the default: mosquitto as
# shipped, its sockets with Nagle's algorithm, which gathers its small
# writes while one is unacknowledged: a backlog drains in larger segments)
# or true (each packet sent at once: a broker tuned for latency, and one
# that sends a backlog a third as fast).
# Wrap the call in `flock /tmp/tern-build.lock` on a shared machine.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
build=${BUILD:-build}
case $build in /*) ;; *) build="$top/$build" ;; esac
reps=${REPS:-5}
count=${COUNT:-100000}
size=${SIZE:-64}
modes=${MODES:-backlog live}
python=/usr/bin/python3  # Debian's: python3-flask and python3-paho-mqtt live there

[ -f "$build/build.ninja" ] || { echo "bench-flask: no build in $build (meson setup it, or set BUILD)" >&2; exit 1; }
ninja -C "$build" -j "$jobs" >/dev/null || { echo "bench-flask: building $build failed" >&2; exit 1; }
$python -c 'import paho.mqtt, flask' 2>/dev/null || { echo "bench-flask: needs python3-paho-mqtt and python3-flask" >&2; exit 1; }
export PYTHONPATH="$build/bindings/python"

nodelay=${NODELAY:-false}
case $nodelay in true|false) ;; *) echo "bench-flask: NODELAY must be true or false, not $nodelay" >&2; exit 1 ;; esac

# max_queued_messages 0 and queue_qos0_messages: the broker keeps the whole
# backlog of an offline persistent session, QoS 0 too.
root_user=()
[ "$(id -u)" = 0 ] && root_user=("user root")
start_broker "max_inflight_messages 0" "max_queued_messages 0" "queue_qos0_messages true" \
  "set_tcp_nodelay $nodelay" "${root_user[@]}"
trap stop_broker EXIT
dir=$broker_dir
port=$broker_port

bench="$top/bench/python/flask_bench.py"
receiver="$top/bench/python/${BENCH_RECEIVER:-flask_bench.py}"  # bench-asyncio.sh: asyncio_bench.py
rate=${RATE:-20000}  # the paced mode's messages per second
results="$dir/results.txt"
for qos in 0 1; do
  # The publisher alone, into a queued session: it must outrun both receivers.
  $python "$bench" --peer none --qos "$qos" --count "$count" --size "$size" --port "$port" >>"$results" 2>"$dir/err" ||
    cat "$dir/err" >&2
done
read -r -a peers <<<"${PEERS:-tern paho}"
for rep in $(seq "$reps"); do
  order=("${peers[@]}")
  ((rep % 2 == 0)) && order=($(printf '%s\n' "${peers[@]}" | tac))
  for mode in $modes; do
    for qos in 0 1; do
      for peer in "${order[@]}"; do
        [ "$peer" = wire ] && [ "$mode" != backlog ] && continue  # the wire peer only drains a backlog
        flag=()
        [ "$mode" = backlog ] && flag=(--backlog)
        [ "$mode" = paced ] && flag=(--rate "$rate")
        line=$($python "$receiver" --peer "$peer" --qos "$qos" --count "$count" --size "$size" --port "$port" \
                 --broker-pid "$broker_pid" "${flag[@]}" 2>"$dir/err" | tail -1)
        [ -n "$line" ] && echo "$line" >>"$results" || { echo "bench-flask: $peer $mode qos $qos failed" >&2; cat "$dir/err" >&2; }
      done
    done
  done
done

echo "broker: $("$(command -v mosquitto || echo /usr/sbin/mosquitto)" -h 2>&1 | head -1), set_tcp_nodelay $nodelay"
$python "$top/bench/python/bench_table.py" "$results" "$reps"
