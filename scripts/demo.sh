#!/usr/bin/env bash
# The demo: tern-live-dashboard, a live MQTT page in the browser (Flask-MQTT's
# Flask-SocketIO example, over tern's cpp-httplib binding). Builds it, starts
# a private mosquitto on a free loopback port unless MQTT_BROKER_URL names a
# broker, serves http://127.0.0.1:5000/ and stops both on Ctrl-C. Installs
# what is missing first.
#
#   scripts/demo.sh                          # private broker, http://127.0.0.1:5000/
#   scripts/demo.sh --listen 0.0.0.0:8080    # other arguments go to tern-live-dashboard
#   MQTT_BROKER_URL=broker.example scripts/demo.sh
#   scripts/demo.sh --bench   (or DEMO=bench) # the old demo: codec and topic microbenchmark tables
set -uo pipefail
source "$(dirname "$0")/lib.sh"

mode=${DEMO:-dashboard}
args=()
listen=127.0.0.1:5000
while [ $# -gt 0 ]; do
  case $1 in
    --bench) mode=bench ;;
    --listen) listen=${2:-}; args+=("$1" "${2:-}"); shift ;;
    *) args+=("$1") ;;
  esac
  shift
done

"$top/scripts/setup.sh" || exit 1
configure_release || exit 1

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

dashboard="$top/build/examples/live_dashboard/tern-live-dashboard"
ninja -C "$top/build" -j "$jobs" examples/live_dashboard/tern-live-dashboard || {
  echo "demo: cannot build tern-live-dashboard (is libcpp-httplib-dev installed? scripts/setup.sh installs it)" >&2
  exit 1
}

dashboard_pid=""
cleanup() {
  if [ -n "$dashboard_pid" ]; then
    kill "$dashboard_pid" 2>/dev/null
    wait "$dashboard_pid" 2>/dev/null
  fi
  stop_broker
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

if [ ${#args[@]} -eq 0 ] || [[ " ${args[*]} " != *" --listen "* ]]; then args=(--listen "$listen" "${args[@]}"); fi
"$dashboard" "${args[@]}" &
dashboard_pid=$!
echo "demo: open http://$listen/ in a browser; Ctrl-C stops the server and the broker"
wait "$dashboard_pid"
status=$?
dashboard_pid=""
exit $status
