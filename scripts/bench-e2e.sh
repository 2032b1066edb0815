#!/usr/bin/env bash
# End-to-end benchmark: tern against libmosquitto (with and without
# TCP_NODELAY) and Paho C, through a private mosquitto on loopback, in one
# run. Each peer x QoS 0/1/2 x 64 B and 4 KiB, unpaced with window 100 and
# paced at 5,000 msgs/s, REPS (3) repetitions with the peers alternating.
# Prints a table of medians with the tern/peer ratio per row.
#   REPS=3 COUNT=20000 PACED_COUNT=5000 ./scripts/bench-e2e.sh
# Installs libmosquitto-dev and libpaho-mqtt-dev, and builds tern-bench with
# both in build-e2e/. Exits non-zero, saying why on stderr, when a peer cannot
# be installed or built, or when one of them produced no result.
# TERN_BENCH=path/to/tern-bench runs that binary instead of building one.
# PEERS, QOSES, SIZES and MODES narrow or widen the matrix; BASE is the peer
# the ratios compare with (default tern); STORE_DIR is where persisting peers
# write (default build-e2e/store-bench, on the disk of the checkout), and
# the disk's fsync rate there is printed first (bench-store.sh sets these).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
reps=${REPS:-3}
count=${COUNT:-20000}
paced_count=${PACED_COUNT:-5000}
read -r -a peers <<<"${PEERS:-tern mosquitto mosquitto-nodelay paho}"
read -r -a qoses <<<"${QOSES:-0 1 2}"
read -r -a sizes <<<"${SIZES:-64 4096}"
read -r -a modes <<<"${MODES:-unpaced paced}"
base=${BASE:-tern}

"$top/scripts/setup.sh" || exit 1
bench=${TERN_BENCH:-}
if [ -z "$bench" ]; then
  build_with_peers bench-e2e bench/e2e/tern-bench bench/e2e/fsync-rate || exit 1
  bench="$top/build-e2e/bench/e2e/tern-bench"
fi
store_dir=${STORE_DIR:-$top/build-e2e/store-bench}
mkdir -p "$store_dir"
fsync_rate="$(dirname "$bench")/fsync-rate"
[ -x "$fsync_rate" ] && echo "disk under $store_dir: $("$fsync_rate" "$store_dir" 2)"

start_broker "max_inflight_messages 0" "max_queued_messages 0" "set_tcp_nodelay true"
trap stop_broker EXIT
dir=$broker_dir
port=$broker_port

results="$dir/results.txt"
: >"$results"
for rep in $(seq "$reps"); do
  # Alternate the order so no peer always runs first (or after the same one).
  order=("${peers[@]}")
  ((rep % 2 == 0)) && order=($(printf '%s\n' "${peers[@]}" | tac))
  for size in "${sizes[@]}"; do
    for qos in "${qoses[@]}"; do
      for mode in "${modes[@]}"; do
        for peer in "${order[@]}"; do
          if [ "$mode" = paced ]; then args=(--count "$paced_count" --rate "${RATE:-5000}"); else args=(--count "$count" --window 100); fi
          run_dir=$(mktemp -d "$store_dir/run-XXXXXX")
          line=$("$bench" --peer "$peer" --host 127.0.0.1 --port "$port" --qos "$qos" --size "$size" \
                   --timeout 120 --store-dir "$run_dir" "${args[@]}" 2>>"$dir/$peer.err" | tail -1)
          rm -rf "$run_dir"
          [ -n "$line" ] && echo "mode=$mode $line" >>"$results"
        done
      done
    done
  done
done

python3 - "$results" "$base" "${peers[@]}" <<'PY'
import sys, statistics, collections
base, peers = sys.argv[2], sys.argv[3:]
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

print(f"{'mode':8} {'qos':>3} {'size':>5} {'peer':18} {'msgs/s':>9} {'p50_us':>9} {'p99_us':>9} {'cpu_us/msg':>10} {'lost':>5} {'dup':>5}  {base}/peer")
for mode in ("unpaced", "paced"):
    for qos in (0, 1, 2):
        for size in (64, 4096):
            tern = rows.get((mode, qos, size, base))
            for peer in peers:
                runs = rows.get((mode, qos, size, peer))
                if not runs:
                    continue
                rate, p50, p99 = med(runs, "msgs_per_s"), med(runs, "p50_us"), med(runs, "p99_us")
                cpu = statistics.median(float(r["cpu_s"]) * 1e6 / float(r["count"]) for r in runs)
                lost = sum(int(r["lost"]) for r in runs)
                dup = sum(int(r["dup"]) for r in runs)
                ratio = ""
                if tern and peer != base:
                    if mode == "unpaced":
                        ratio = f"rate x{med(tern, 'msgs_per_s') / rate:.2f}"
                    else:
                        ratio = f"p50 x{p50 / med(tern, 'p50_us'):.2f} p99 x{p99 / med(tern, 'p99_us'):.2f} (peer/tern)"
                    tcpu = statistics.median(float(r["cpu_s"]) * 1e6 / float(r["count"]) for r in tern)
                    ratio += f" cpu x{tcpu / cpu:.2f}"
                print(f"{mode:8} {qos:>3} {size:>5} {peer:18} {rate:>9.0f} {p50:>9.1f} {p99:>9.1f} {cpu:>10.2f} {lost:>5} {dup:>5}  {ratio}")
PY

# A peer without a single result (built without it, or failing at every run)
# would only be missing from the table: say so, and fail.
status=0
for peer in "${peers[@]}"; do
  if ! grep -q "peer=$peer .*msgs_per_s=" "$results"; then
    echo "bench-e2e: no result from peer $peer" >&2
    # Every run fails the same way: its distinct lines, without tern-bench's usage text.
    [ -s "$dir/$peer.err" ] && { echo "bench-e2e: $peer's errors:" >&2; grep -v '^usage: ' "$dir/$peer.err" |
      awk '!seen[$0]++' | tail -3 >&2; }
    status=1
  fi
done
exit $status
