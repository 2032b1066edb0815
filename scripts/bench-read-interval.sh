#!/usr/bin/env bash
# What client_options::read_interval (MQTT_READ_INTERVAL) trades: latency
# (publish to delivery, p50 and p99) against CPU per message, for a live
# stream paced at RATE msgs/s (20,000) of SIZE-byte (64) messages, QoS 0 and
# 1, one tern publisher and one tern subscriber in tern-bench, the
# subscriber reading at most once per interval (INTERVALS, microseconds:
# 0 500 1000 2000, and auto: the adaptive interval of at most 1000). Two
# brokers: mosquitto as shipped (Nagle's algorithm on its sockets) and tuned
# (set_tcp_nodelay true, max_inflight_messages 0).
# Medians of REPS (3) runs, the intervals alternating; CPU is the process's
# (both clients) per message.
#   REPS=3 RATE=20000 COUNT=40000 ./scripts/bench-read-interval.sh
# Wrap the call in `flock /tmp/tern-build.lock` on a shared machine.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
reps=${REPS:-3}
rate=${RATE:-20000}
count=${COUNT:-40000}
size=${SIZE:-64}
read -r -a intervals <<<"${INTERVALS:-0 500 1000 2000 auto}"
build=${BUILD:-build}
case $build in /*) ;; *) build="$top/$build" ;; esac

"$top/scripts/setup.sh" || exit 1
if [ ! -f "$build/build.ninja" ]; then
  [ "$build" = "$top/build" ] && configure_release || { echo "bench-read-interval: no build in $build" >&2; exit 1; }
fi
ninja -C "$build" -j "$jobs" bench/e2e/tern-bench >/dev/null || { echo "bench-read-interval: building tern-bench failed" >&2; exit 1; }
bench="$build/bench/e2e/tern-bench"
results=$(mktemp)
trap 'stop_broker; rm -f "$results"' EXIT

for broker in shipped tuned; do
  if [ "$broker" = tuned ]; then
    start_broker "set_tcp_nodelay true" "max_inflight_messages 0"
  else
    start_broker
  fi
  for rep in $(seq "$reps"); do
    order=("${intervals[@]}")
    ((rep % 2 == 0)) && order=($(printf '%s\n' "${intervals[@]}" | tac))
    for qos in 0 1; do
      for interval in "${order[@]}"; do
        line=$("$bench" --peer tern --host 127.0.0.1 --port "$broker_port" --qos "$qos" --count "$count" \
                 --size "$size" --rate "$rate" --read-interval "$interval" 2>&1 | tail -1)
        case $line in
          *status=ok*) echo "broker=$broker interval=$interval $line" >>"$results" ;;
          *) echo "bench-read-interval: $broker broker, interval $interval, QoS $qos: $line" >&2 ;;
        esac
      done
    done
  done
  stop_broker
done

python3 - "$results" "$reps" "$rate" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
    rows[(kv["broker"], int(kv["qos"]), kv["interval"])].append(kv)
print("medians of %s runs, paced at %s msgs/s; cpu = both clients' process per message" % (sys.argv[2], sys.argv[3]))
print("%-8s %3s %9s %9s %9s %10s %6s" % ("broker", "qos", "interval", "p50_us", "p99_us", "cpu_us/msg", "lost"))
order = lambda key: (key[0], key[1], float("inf") if key[2] == "auto" else int(key[2]))
for (broker, qos, interval), runs in sorted(rows.items(), key=lambda kv: order(kv[0])):
    med = lambda k: statistics.median(float(r[k]) for r in runs)
    cpu = statistics.median(float(r["cpu_s"]) * 1e6 / float(r["count"]) for r in runs)
    lost = sum(int(r["lost"]) for r in runs)
    print("%-8s %3d %9s %9.0f %9.0f %10.2f %6d" % (broker, qos, interval, med("p50_us"), med("p99_us"), cpu, lost))
PY
