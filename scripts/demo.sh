#!/usr/bin/env bash
# The demo: tern-live-dashboard, a live MQTT page in the browser (Flask-MQTT's
# Flask-SocketIO example, over tern's cpp-httplib binding, or with
# `--binding beast` over Boost.Beast and a WebSocket). Builds it, starts
# a private mosquitto on a free loopback port unless MQTT_BROKER_URL names a
# broker, serves http://127.0.0.1:5000/ and stops both on Ctrl-C. Installs
# what is missing first.
#
#   scripts/demo.sh                          # private broker, http://127.0.0.1:5000/
#   scripts/demo.sh --listen 0.0.0.0:8080    # other arguments go to tern-live-dashboard
#   scripts/demo.sh --binding beast          # the page over one WebSocket
#   MQTT_BROKER_URL=broker.example scripts/demo.sh
#   scripts/demo.sh --check                  # no browser: checks the demo works, then stops
#   scripts/demo.sh --bench   (or DEMO=bench) # the old demo: codec and topic microbenchmark tables
#
# --check does the same on a free port (or --listen's), then fetches / and
# /mqtt/status from the server, waits up to 10 s for the MQTT connection, stops
# both and prints one line: `demo: ok (GET / 200, N bytes; /mqtt/status
# connected)` with exit 0, or `demo: FAILED: ...` and the server's output with
# exit 1. TERN_DASHBOARD=path/to/tern-live-dashboard runs that binary instead
# of installing packages and building one in build/ (the meson test 'demo_check'
# does, on the binary it built).
set -uo pipefail
source "$(dirname "$0")/lib.sh"

mode=${DEMO:-dashboard}
args=()
listen=""
while [ $# -gt 0 ]; do
  case $1 in
    --bench) mode=bench ;;
    --check) mode=check ;;
    --listen) listen=${2:-}; args+=("$1" "${2:-}"); shift ;;
    *) args+=("$1") ;;
  esac
  shift
done

dashboard=${TERN_DASHBOARD:-}
if [ -z "$dashboard" ] || [ "$mode" = bench ]; then
  "$top/scripts/setup.sh" || exit 1
  configure_release || exit 1
fi

if [ "$mode" = bench ]; then
  # Decode/encode speed against memcpy, trie matching against a linear scan.
  ninja -C "$top/build" -j "$jobs" || exit 1
  for b in codec_bench topic_bench; do
    [ -x "$top/build/bench/$b" ] || continue
    echo "== $b"
    "$top/build/bench/$b" --benchmark_min_time=0.1 || exit 1
  done
  exit 0
fi

if [ -z "$dashboard" ]; then
  dashboard="$top/build/examples/live_dashboard/tern-live-dashboard"
  ninja -C "$top/build" -j "$jobs" examples/live_dashboard/tern-live-dashboard || {
    echo "demo: cannot build tern-live-dashboard (is libcpp-httplib-dev installed? scripts/setup.sh installs it)" >&2
    exit 1
  }
fi

dashboard_pid=""
dashboard_log=""
cleanup() {
  if [ -n "$dashboard_pid" ]; then
    kill "$dashboard_pid" 2>/dev/null
    wait "$dashboard_pid" 2>/dev/null
  fi
  stop_broker
  [ -n "$dashboard_log" ] && rm -f "$dashboard_log"
}
trap cleanup EXIT
# Ctrl-C reaches this script; the EXIT trap then stops the server (SIGTERM)
# and the broker. (A background job of a script ignores SIGINT itself.)
trap 'echo; echo "demo: stopping"; exit 0' INT TERM

if [ -z "${MQTT_BROKER_URL:-}" ]; then
  start_broker
  export MQTT_BROKER_URL=${TERN_TEST_BROKER%:*} MQTT_BROKER_PORT=${TERN_TEST_BROKER##*:}
  echo "demo: private mosquitto on $TERN_TEST_BROKER (log: $broker_dir/mosquitto.log)"
fi

if [ -z "$listen" ]; then
  # A check must not depend on 5000 being free: another demo may be running.
  if [ "$mode" = check ]; then listen=127.0.0.1:$(free_port); else listen=127.0.0.1:5000; fi
  args=(--listen "$listen" "${args[@]}")
fi

if [ "$mode" = check ]; then
  dashboard_log=$(mktemp)
  "$dashboard" "${args[@]}" >"$dashboard_log" 2>&1 &
  dashboard_pid=$!
  # The server's own address, not --listen's: 0.0.0.0 is not somewhere to connect to.
  host=${listen%:*}
  [ "$host" = 0.0.0.0 ] && host=127.0.0.1
  python3 - "http://$host:${listen##*:}" "$dashboard_pid" <<'PY'
import json, sys, time, urllib.request

base, pid = sys.argv[1], sys.argv[2]
# Straight to the server, whatever http_proxy says.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def fail(what):
    print(f"demo: FAILED: {what}")
    sys.exit(1)

def server_exited():
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True

def get(path):
    with opener.open(base + path, timeout=5) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read()

deadline = time.monotonic() + 10
while True:
    try:
        status, ctype, body = get("/")
        break
    except OSError as e:
        if server_exited():
            fail("tern-live-dashboard exited before serving /")
        if time.monotonic() > deadline:
            fail(f"GET {base}/: {e}")
        time.sleep(0.1)
if status != 200 or not ctype.startswith("text/html") or b"<title>tern live dashboard</title>" not in body:
    fail(f"GET / answered {status} {ctype!r}, {len(body)} bytes, not the dashboard's page")

deadline = time.monotonic() + 10
while True:
    try:
        _, _, raw = get("/mqtt/status")
        state = json.loads(raw)
    except (OSError, ValueError) as e:
        fail(f"GET /mqtt/status: {e}")
    if state.get("connected") is True:
        break
    if time.monotonic() > deadline:
        fail(f"/mqtt/status still not connected after 10 s: {raw.decode(errors='replace')}")
    time.sleep(0.1)
print(f"demo: ok (GET / {status}, {len(body)} bytes; /mqtt/status connected)")
PY
  status=$?
  if [ $status -ne 0 ]; then
    echo "demo: tern-live-dashboard's output:" >&2
    tail -20 "$dashboard_log" >&2
  fi
  exit $status
fi

"$dashboard" "${args[@]}" &
dashboard_pid=$!
echo "demo: open http://$listen/ in a browser; Ctrl-C stops the server and the broker"
wait "$dashboard_pid"
status=$?
dashboard_pid=""
exit $status
