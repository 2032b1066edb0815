#!/usr/bin/env bash
# End-to-end benchmark: tern against libmosquitto (with and without
# TCP_NODELAY) and Paho C, through a private mosquitto on loopback, in one
# run. Each peer x QoS 0/1/2 x 64 B and 4 KiB, unpaced with window 100 and
# paced at 5,000 msgs/s, REPS (3) repetitions with the peers alternating.
# Prints a table of medians with the tern/peer ratio per row.
#   REPS=3 COUNT=20000 PACED_COUNT=5000 ./scripts/bench-e2e.sh
# TERN_BENCH=path/to/tern-bench runs that binary instead of building one in build/.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
reps=${REPS:-3}
count=${COUNT:-20000}
paced_count=${PACED_COUNT:-5000}

"$top/scripts/setup.sh" || exit 1
# The peers are optional build dependencies of the benchmark only.
for p in libmosquitto-dev libpaho-mqtt-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    apt-get install -y -qq "$p" >/dev/null 2>&1 || echo "bench-e2e: $p not installed, its peer is skipped" >&2
done
bench=${TERN_BENCH:-}
if [ -z "$bench" ]; then
  configure_release && ninja -C "$top/build" -j "$jobs" bench/e2e/tern-bench || exit 1
  bench="$top/build/bench/e2e/tern-bench"
fi

start_broker "max_inflight_messages 0" "max_queued_messages 0" "set_tcp_nodelay true"
trap stop_broker EXIT
dir=$broker_dir
port=$broker_port

peers=(tern mosquitto mosquitto-nodelay paho)
results="$dir/results.txt"
for rep in $(seq "$reps"); do
  # Alternate the order so no peer always runs first (or after the same one).
  order=("${peers[@]}")
  ((rep % 2 == 0)) && order=($(printf '%s\n' "${peers[@]}" | tac))
  for size in 64 4096; do
    for qos in 0 1 2; do
      for mode in unpaced paced; do
        for peer in "${order[@]}"; do
          if [ "$mode" = paced ]; then args=(--count "$paced_count" --rate 5000); else args=(--count "$count" --window 100); fi
          line=$("$bench" --peer "$peer" --host 127.0.0.1 --port "$port" --qos "$qos" --size "$size" \
                   --timeout 60 "${args[@]}" 2>/dev/null | tail -1)
          [ -n "$line" ] && echo "mode=$mode $line" >>"$results"
        done
      done
    done
  done
done

python3 - "$results" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
    if kv.get("status") not in ("ok",) and "status" in kv:
        print("FAILED RUN:", line.strip())
    if "msgs_per_s" not in kv:
        continue
    rows[(kv["mode"], int(kv["qos"]), int(kv["size"]), kv["peer"])].append(kv)

def med(runs, key):
    return statistics.median(float(r[key]) for r in runs)

print(f"{'mode':8} {'qos':>3} {'size':>5} {'peer':18} {'msgs/s':>9} {'p50_us':>9} {'p99_us':>9} {'cpu_us/msg':>10} {'lost':>5} {'dup':>5}  tern/peer")
for mode in ("unpaced", "paced"):
    for qos in (0, 1, 2):
        for size in (64, 4096):
            tern = rows.get((mode, qos, size, "tern"))
            for peer in ("tern", "mosquitto", "mosquitto-nodelay", "paho"):
                runs = rows.get((mode, qos, size, peer))
                if not runs:
                    continue
                rate, p50, p99 = med(runs, "msgs_per_s"), med(runs, "p50_us"), med(runs, "p99_us")
                cpu = statistics.median(float(r["cpu_s"]) * 1e6 / float(r["count"]) for r in runs)
                lost = sum(int(r["lost"]) for r in runs)
                dup = sum(int(r["dup"]) for r in runs)
                ratio = ""
                if tern and peer != "tern":
                    if mode == "unpaced":
                        ratio = f"rate x{med(tern, 'msgs_per_s') / rate:.2f}"
                    else:
                        ratio = f"p50 x{p50 / med(tern, 'p50_us'):.2f} p99 x{p99 / med(tern, 'p99_us'):.2f} (peer/tern)"
                    tcpu = statistics.median(float(r["cpu_s"]) * 1e6 / float(r["count"]) for r in tern)
                    ratio += f" cpu x{tcpu / cpu:.2f}"
                print(f"{mode:8} {qos:>3} {size:>5} {peer:18} {rate:>9.0f} {p50:>9.1f} {p99:>9.1f} {cpu:>10.2f} {lost:>5} {dup:>5}  {ratio}")
PY
