#!/usr/bin/env bash
# What including a tern header costs a user's translation unit, against
# libmosquitto's <mosquitto.h>: the preprocessed size (lines, non-blank
# lines, -P) and the time to compile a 20-line program at -O0 (medians of
# REPS, 7 by default, the headers alternating), with the ratio to
# mosquitto.h's time from the same run. tern_h: tern's C API, <tern/tern.h>
# (the same facade as web/mqtt.hpp). client: a client made, a handler set
# and a subscription made with <tern/client.hpp> alone; client_options: the
# options a configured client needs (<tern/client_options.hpp>). web_mqtt: a
# facade made, a handler set and a message published with
# <tern/web/mqtt.hpp> alone; web_config: a configuration map
# (<tern/web/config.hpp>).
#   REPS=7 ./scripts/bench-headers.sh
# Installs libmosquitto-dev when missing (the comparison needs mosquitto.h).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
reps=${REPS:-7}
cxx=${CXX:-c++}
"$top/scripts/setup.sh" || exit 1
if ! dpkg-query -W -f='${Status}' libmosquitto-dev 2>/dev/null | grep -q 'install ok installed'; then
  echo "bench-headers: installing libmosquitto-dev" >&2
  apt_install libmosquitto-dev || { echo "bench-headers: cannot install libmosquitto-dev" >&2; exit 1; }
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# program NAME INCLUDE BODY: a 20-line program using the header.
program() {
  {
    echo "#include <$2>"
    echo "#include <cstdio>"
    for i in $(seq 1 14); do echo "// line $i"; done
    echo "int main() {"
    echo "  $3"
    echo "  return 0;"
    echo "}"
  } >"$dir/$1.cpp"
}
program mosquitto mosquitto.h 'mosquitto_lib_init(); std::printf("%d\n", MOSQ_ERR_SUCCESS); mosquitto_lib_cleanup();'
program client tern/client.hpp 'tern::client c("mqtt://127.0.0.1:1883"); c.on_message([](const tern::message_received& m) { std::printf("%.*s\n", int(m.topic.size()), m.topic.data()); }); auto r = c.subscribe("a/#", tern::qos::at_least_once); std::printf("%d\n", r ? 1 : 0);'
program client_options tern/client_options.hpp 'tern::client_options o; o.brokers = {"mqtt://127.0.0.1:1883"}; std::printf("%zu\n", o.brokers.size());'
program client_async tern/client_async.hpp 'tern::client_options o; std::printf("%zu\n", o.brokers.size());'
program web_mqtt tern/web/mqtt.hpp 'tern::web::mqtt m; m.on_message([](tern::web::mqtt&, const std::any&, const tern::web::message& msg) { std::printf("%s\n", msg.topic.c_str()); }); auto r = m.publish("a/b", "on"); std::printf("%d\n", int(r.result));'
program web_config tern/web/config.hpp 'tern::web::config_map c{{"MQTT_BROKER_URL", "127.0.0.1"}}; std::printf("%zu\n", c.keys().size());'
program codec tern/codec.hpp 'std::printf("%d\n", 1);'
program tern_h tern/tern.h 'tern_mqtt* m = tern_mqtt_new(0); std::printf("%s\n", tern_result_name(TERN_ERR_SUCCESS)); tern_mqtt_destroy(m);'
flags=(-std=c++20 -O0 -DASIO_STANDALONE -I"$top/include")

names=(mosquitto tern_h client client_options client_async web_mqtt web_config codec)

for n in "${names[@]}"; do
  lines=$($cxx "${flags[@]}" -E "$dir/$n.cpp" | wc -l)
  nonblank=$($cxx "${flags[@]}" -E -P "$dir/$n.cpp" | grep -cv '^[[:space:]]*$')
  echo "$n $lines $nonblank" >>"$dir/sizes"
done
for r in $(seq "$reps"); do
  order=("${names[@]}")
  ((r % 2 == 0)) && order=($(printf '%s\n' "${names[@]}" | tac))
  for n in "${order[@]}"; do
    start=$(date +%s%N)
    $cxx "${flags[@]}" -c "$dir/$n.cpp" -o "$dir/$n.o" || { echo "bench-headers: $n does not compile" >&2; exit 1; }
    echo "$n $(( ($(date +%s%N) - start) / 1000000 ))" >>"$dir/times"
  done
done

python3 - "$dir/sizes" "$dir/times" "$reps" <<'PY'
import statistics, sys
sizes = {l.split()[0]: l.split()[1:] for l in open(sys.argv[1])}
times = {}
for l in open(sys.argv[2]):
    n, ms = l.split()
    times.setdefault(n, []).append(int(ms))
base = statistics.median(times["mosquitto"])
print("median of %s compiles each, -O0; ratio = time / mosquitto.h's time" % sys.argv[3])
print("%-13s %9s %9s %9s %7s" % ("header", "lines", "nonblank", "ms", "ratio"))
for n in ["mosquitto", "tern_h", "client", "client_options", "client_async", "web_mqtt", "web_config", "codec"]:
    m = statistics.median(times[n])
    print("%-13s %9s %9s %9.0f %6.1fx" % (n, sizes[n][0], sizes[n][1], m, m / base))
PY
