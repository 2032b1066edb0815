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
# receiver) and/or live (the publisher runs while the receiver receives).
# PEERS: tern and paho (the default); tern-log and paho-log also register an
# on_log handler, which turns on the DEBUG line per packet.
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

# max_queued_messages 0 and queue_qos0_messages: the broker keeps the whole
# backlog of an offline persistent session, QoS 0 too.
root_user=()
[ "$(id -u)" = 0 ] && root_user=("user root")
start_broker "max_inflight_messages 0" "max_queued_messages 0" "queue_qos0_messages true" \
  "set_tcp_nodelay true" "${root_user[@]}"
trap stop_broker EXIT
dir=$broker_dir
port=$broker_port

bench="$top/bench/python/flask_bench.py"
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
        flag=()
        [ "$mode" = backlog ] && flag=(--backlog)
        line=$($python "$bench" --peer "$peer" --qos "$qos" --count "$count" --size "$size" --port "$port" \
                 "${flag[@]}" 2>"$dir/err" | tail -1)
        [ -n "$line" ] && echo "$line" >>"$results" || { echo "bench-flask: $peer $mode qos $qos failed" >&2; cat "$dir/err" >&2; }
      done
    done
  done
done

$python - "$results" "$reps" <<'PY'
import collections, statistics, sys

rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
    if kv.get("peer") == "none":
        print("publisher alone, qos %s: %s msgs/s into the broker (%s of %s delivered)"
              % (kv["qos"], kv["pub_msgs_per_s"], kv.get("received", "?"), kv["count"]))
        continue
    if kv.get("status") != "ok":
        print("INCOMPLETE RUN:", line.strip())
    rows[(kv["mode"], int(kv["qos"]), kv["peer"])].append(kv)

def med(runs, key):
    return statistics.median(float(r[key]) for r in runs)

print()
print("medians of %s runs each; cpu = receiving process, all threads, first to last message" % sys.argv[2])
print(f"{'mode':8} {'qos':>3} {'peer':8} {'msgs/s':>9} {'cpu_us/msg':>10} {'cpu_all':>8} {'lost':>5} {'dup':>4} {'drop':>5}  ratios")
for mode in ("backlog", "live"):
    for qos in (0, 1):
        for peer in ("tern", "paho", "tern-log", "paho-log"):
            runs = rows.get((mode, qos, peer))
            if not runs:
                continue
            # tern against paho; a -log variant against the same library without it.
            base = {"paho": "tern", "paho-log": "tern-log"}.get(peer)
            ratio = ""
            if base and rows.get((mode, qos, base)):
                b = rows[(mode, qos, base)]
                ratio = "%s/%s rate x%.2f (higher better)  cpu x%.2f (lower better)" % (
                    base, peer, med(b, "msgs_per_s") / med(runs, "msgs_per_s"),
                    med(b, "cpu_us_per_msg") / med(runs, "cpu_us_per_msg"))
            if peer.endswith("-log") and rows.get((mode, qos, peer[:-4])):
                b = rows[(mode, qos, peer[:-4])]
                ratio += "  with/without on_log: rate x%.2f  cpu x%.2f" % (
                    med(runs, "msgs_per_s") / med(b, "msgs_per_s"), med(runs, "cpu_us_per_msg") / med(b, "cpu_us_per_msg"))
            print(f"{mode:8} {qos:>3} {peer:8} {med(runs, 'msgs_per_s'):>9.0f} {med(runs, 'cpu_us_per_msg'):>10.2f} "
                  f"{med(runs, 'cpu_all_us_per_msg'):>8.2f} {sum(int(r['lost']) for r in runs):>5} "
                  f"{sum(int(r['dup']) for r in runs):>4} {sum(int(r['dropped']) for r in runs):>5}  {ratio}")
PY
