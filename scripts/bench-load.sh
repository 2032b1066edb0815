#!/usr/bin/env bash
# Many connections in one process: tern-load against the same driver over
# Paho C (MQTTAsync, its one background thread for every client) and
# libmosquitto (a mosquitto_loop_start thread per client; and one external
# poll loop over every socket), through a private mosquitto on loopback
# (max_connections -1, the descriptor limit raised). Per engine and
# repetition, engines alternating:
#   idle:    CLIENTS connections held open: RSS per connection, the time to
#            connect them all, failures;
#   traffic: CLIENTS/2 publishers at RATE msgs/s each and CLIENTS/2
#            subscribers (each to one publisher's topic), QoS QOS, SIZE
#            bytes, for SECS seconds, publishers and subscribers in two
#            processes: delivered msgs/s, p50/p99 latency (publish to
#            delivery), CPU per delivered message of both processes.
# Prints a table of medians with each engine's ratio to tern.
#   REPS=3 CLIENTS=10000 RATE=1 QOS=1 SIZE=64 SECS=20 ./scripts/bench-load.sh
# ENGINES narrows the list (tern paho mosquitto-thread mosquitto-external).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
reps=${REPS:-3}
clients=${CLIENTS:-10000}
rate=${RATE:-1}
qos=${QOS:-1}
size=${SIZE:-64}
secs=${SECS:-20}
read -r -a engines <<<"${ENGINES:-tern paho mosquitto-thread mosquitto-external}"

"$top/scripts/setup.sh" || exit 1
build_with_peers bench-load tools/tern-load bench/load/load-paho bench/load/load-mosquitto || exit 1

# One descriptor per connection in the client processes and in the broker,
# which inherits this limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((clients + 100)) ]; then
  echo "bench-load: the descriptor limit is $(ulimit -n); $((clients + 100)) needed (raise the hard limit, or lower CLIENTS)" >&2
  exit 1
fi
start_broker "max_connections -1"
trap stop_broker EXIT
port=$broker_port
results="$broker_dir/results.txt"
: >"$results"

run_engine() {  # ENGINE ARGS...: one run of ENGINE's load program
  local engine=$1
  shift
  case $engine in
    tern) "$top/build-e2e/tools/tern-load" "$@" ;;
    paho) "$top/build-e2e/bench/load/load-paho" "$@" ;;
    mosquitto-thread) MOSQ_LOOP=thread "$top/build-e2e/bench/load/load-mosquitto" "$@" ;;
    mosquitto-external) MOSQ_LOOP=external "$top/build-e2e/bench/load/load-mosquitto" "$@" ;;
  esac
}

half=$((clients / 2))
connect_rate=5000
for rep in $(seq "$reps"); do
  order=("${engines[@]}")
  ((rep % 2 == 0)) && order=($(printf '%s\n' "${engines[@]}" | tac))
  for engine in "${order[@]}"; do
    tag="$engine-$rep"
    line=$(run_engine "$engine" conn -p "$port" -c "$clients" -R "$connect_rate" -d 2 --id "idle-$tag-%i" \
             --progress 0 --connect-timeout 60 2>>"$broker_dir/$engine.err" | tail -1)
    echo "run=idle engine=$engine $line" >>"$results"
    # The subscribers hold on through the publishers' connecting and sending.
    hold=$((secs + half / connect_rate + 8))
    run_engine "$engine" sub -p "$port" -c "$half" -R "$connect_rate" -q "$qos" -t "load/$tag/%i" --id "sub-$tag-%i" \
      -d "$hold" --progress 0 >"$broker_dir/sub.out" 2>>"$broker_dir/$engine.err" &
    sub=$!
    sleep $((half / connect_rate + 3))
    pub_line=$(run_engine "$engine" pub -p "$port" -c "$half" -R "$connect_rate" -q "$qos" -s "$size" -r "$rate" \
                 -t "load/$tag/%i" --id "pub-$tag-%i" -d "$secs" --progress 0 2>>"$broker_dir/$engine.err" | tail -1)
    wait "$sub"
    sub_line=$(tail -1 "$broker_dir/sub.out")
    echo "run=traffic engine=$engine pub: $pub_line sub: $sub_line" >>"$results"
  done
done

python3 - "$results" "${engines[@]}" <<'PY'
import sys, statistics, collections
engines = sys.argv[2:]
idle, traffic = collections.defaultdict(list), collections.defaultdict(list)
bad = []
def fields(text):
    return dict(f.split("=", 1) for f in text.split() if "=" in f)
for line in open(sys.argv[1]):
    head = fields(line.split(" pub: ")[0])
    if head["run"] == "idle":
        kv = fields(line)
        if kv.get("status") != "ok": bad.append(line.strip())
        if "rss_per_conn_kib" in kv: idle[head["engine"]].append(kv)
    else:
        pub_part, _, sub_part = line.partition(" pub: ")[2].partition(" sub: ")
        pub, sub = fields(pub_part), fields(sub_part)
        if pub.get("status") != "ok" or sub.get("status") != "ok": bad.append(line.strip())
        if "sent" in pub and "received" in sub and float(sub["received"]) > 0:
            traffic[head["engine"]].append((pub, sub))
med = statistics.median
def idle_row(e):
    runs = idle.get(e)
    if not runs: return None
    return (med(float(r["rss_per_conn_kib"]) for r in runs), med(float(r["connect_s"]) for r in runs),
            sum(int(r["clients"]) - int(r["connected"]) for r in runs))
def traffic_row(e):
    runs = traffic.get(e)
    if not runs: return None
    return (med(float(s["received"]) / float(p["secs"]) for p, s in runs),
            med(float(s["p50_us"]) / 1000 for p, s in runs), med(float(s["p99_us"]) / 1000 for p, s in runs),
            med((float(p["cpu_s"]) + float(s["cpu_s"])) * 1e6 / float(s["received"]) for p, s in runs),
            sum(int(p["sent"]) - int(s["received"]) for p, s in runs))
print(f"{'engine':20} {'RSS/conn KiB':>12} {'connect s':>9} {'failed':>6} | {'msgs/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU us/msg':>10} {'lost':>5} | tern/engine: RSS, CPU")
base_i, base_t = idle_row("tern"), traffic_row("tern")
for e in engines:
    i, t = idle_row(e), traffic_row(e)
    cols = f"{i[0]:>12.2f} {i[1]:>9.2f} {i[2]:>6}" if i else f"{'-':>12} {'-':>9} {'-':>6}"
    cols += f" | {t[0]:>8.0f} {t[1]:>7.2f} {t[2]:>7.2f} {t[3]:>10.2f} {t[4]:>5}" if t else f" | {'-':>8} {'-':>7} {'-':>7} {'-':>10} {'-':>5}"
    ratio = ""
    if e != "tern" and i and base_i: ratio += f"x{base_i[0] / i[0]:.2f}"
    if e != "tern" and t and base_t: ratio += f", x{base_t[3] / t[3]:.2f}"
    print(f"{e:20} {cols} | {ratio}")
for line in bad: print("NOT OK:", line)
PY
