# Shared by the scripts in this folder: sourced, not run.
# Every build directory lives at the top of the checkout.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${TERN_JOBS:-$(nproc)}

# configure DIR [meson options...]: sets up DIR, or re-applies the options to it.
configure() {
  local dir=$1
  shift
  if [ -f "$top/$dir/build.ninja" ]; then
    # Regenerated now, so that introspection (suite_targets) sees the new
    # options and any test added since.
    meson configure "$top/$dir" "$@" >/dev/null && ninja -C "$top/$dir" build.ninja >/dev/null
  else
    meson setup "$top/$dir" "$top" "$@" >"$top/$dir.setup.log" 2>&1 || { cat "$top/$dir.setup.log" >&2; return 1; }
  fi
}

# The release build every script shares: optimised, assertions on, warnings are errors.
configure_release() {
  configure build --buildtype=release -Db_ndebug=false -Dwerror=true -Dtests=true -Dbench=true
}

# The libFuzzer build: clang, ASan+UBSan, coverage on the library code too.
configure_fuzz() {
  CXX=clang++ configure build-fuzz --buildtype=debugoptimized -Dfuzz=true -Dtests=false -Dbench=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Dcpp_args=-fsanitize=fuzzer-no-link -Dwerror=true
}

fuzzer_names() {
  local f
  for f in "$top"/fuzz/*_fuzzer.cpp; do basename "$f" .cpp; done
}

fuzzer_targets() {
  local name
  for name in $(fuzzer_names); do echo "fuzz/$name"; done
}

# run_fuzzer NAME SECONDS: fuzzes on a scratch copy of the corpus, so the
# repository's corpus only changes when someone adds a regression input.
run_fuzzer() {
  local name=$1 seconds=$2 work
  work=$(mktemp -d)
  cp -r "$top/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
  (cd "$work" && "$top/build-fuzz/fuzz/$name" -max_total_time="$seconds" -rss_limit_mb=2048 \
     -print_final_stats=1 "$work" >"$work.log" 2>&1)
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "fuzz: $name FAILED (log: $work.log; crash inputs in $work)" >&2
    tail -40 "$work.log" >&2
  else
    echo "fuzz: $name ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$') runs in ${seconds}s"
    rm -rf "$work" "$work.log"
  fi
  return $rc
}

# apt_install PKG...: installs Debian packages, quietly; updates the package
# index and tries again when the first attempt fails (a fresh machine has no
# index yet, an old one may name versions the mirror no longer has).
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 && return
  $sudo apt-get update -qq >/dev/null &&
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# browser_prerequisites: what suite 'browser' (tests/browser) needs: node and
# npm (the machine's, or Debian's: node 18 on Debian 12, which the pinned
# playwright-core supports), Debian's chromium and playwright-core from npm.
# chromium is large, so it is installed for this test only, not by setup.sh.
# What cannot be installed is said on stderr; the test then names it too.
browser_prerequisites() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "setup: installing nodejs npm (browser test)" >&2
    apt_install nodejs npm || echo "browser: nodejs and npm could not be installed" >&2
  fi
  if [ ! -x /usr/bin/chromium ]; then
    echo "setup: installing chromium (browser test)" >&2
    apt_install chromium || echo "browser: chromium could not be installed" >&2
  fi
  # npm ci again whenever package-lock.json changed since the last one (a new
  # pin), not only when node_modules is missing. npm ci empties node_modules,
  # this copy of the lock file included.
  local lock=$top/tests/browser/package-lock.json stamp=$top/tests/browser/node_modules/.tern-package-lock.json
  if command -v npm >/dev/null && ! cmp -s "$lock" "$stamp"; then
    if (cd "$top/tests/browser" && npm ci --no-audit --no-fund --loglevel=error); then
      cp "$lock" "$stamp"
    else
      echo "browser: npm ci failed in tests/browser" >&2
    fi
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_broker: a private mosquitto on a free loopback port, for the tests
# that need a broker; exports TERN_TEST_BROKER=127.0.0.1:PORT. stop_broker ends it.
# start_broker [CONF_LINE...]: a private mosquitto on a free loopback port,
# with CONF_LINEs added to its configuration. Sets broker_dir, broker_port,
# broker_pid and TERN_TEST_BROKER; stop_broker ends it.
start_broker() {
  local bin i line
  bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  broker_dir=$(mktemp -d)
  broker_port=$(free_port)
  cat >"$broker_dir/mosquitto.conf" <<CONF
listener $broker_port 127.0.0.1
allow_anonymous true
persistence false
log_dest file $broker_dir/mosquitto.log
CONF
  # Started as root, mosquitto switches to the user mosquitto, who cannot
  # write the log in this root-only directory (nor, where / itself is
  # root-only, read the files it checks for each connection): it stays root,
  # as the tests' own brokers do. Unless a CONF_LINE says so already: mosquitto
  # refuses a second user line.
  if [ "$(id -u)" -eq 0 ] && ! printf '%s\n' "$@" | grep -q '^user '; then
    echo "user root" >>"$broker_dir/mosquitto.conf"
  fi
  for line in "$@"; do echo "$line" >>"$broker_dir/mosquitto.conf"; done
  "$bin" -c "$broker_dir/mosquitto.conf" >/dev/null 2>&1 &
  broker_pid=$!
  for i in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$broker_port") 2>/dev/null && break
    sleep 0.1
  done
  export TERN_TEST_BROKER="127.0.0.1:$broker_port"
}

stop_broker() {
  [ -n "${broker_pid:-}" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
  [ -n "${broker_dir:-}" ] && rm -rf "$broker_dir"
  broker_pid=""
}

# junit_counts FILE: "PASSED FAILED SKIPPED" over the test cases of a meson
# (or pytest) JUnit log (gtest cases one by one, other tests as one case each).
junit_counts() {
  python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("0 1 0"); sys.exit()
p = f = s = 0
for case in root.iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        f += 1
    elif case.find("skipped") is not None:
        s += 1
    else:
        p += 1
print(p, f, s)
PY
}

# suite_targets DIR SUITE...: the ninja targets the tests of those suites run,
# and the programs they start (their `depends`: the tools, helper processes),
# so that a build directory can build just those.
suite_targets() {
  local dir=$1
  shift
  local targets
  targets=$(meson introspect "$top/$dir" --targets) || return 1
  meson introspect "$top/$dir" --tests | TARGETS="$targets" python3 -c '
import json, os, sys
build, suites = sys.argv[1], set(sys.argv[2:])
files = {t["id"]: t["filename"] for t in json.loads(os.environ["TARGETS"])}
seen = set()
for t in json.load(sys.stdin):
    if any(s.split(":")[-1] in suites for s in t["suite"]):
        for path in [t["cmd"][0]] + [f for d in t["depends"] for f in files.get(d, [])]:
            target = os.path.relpath(path, build)
            if target not in seen:
                seen.add(target)
                print(target)
' "$top/$dir" "$@"
}

# build_with_peers NAME TARGET...: builds TARGETs in build-e2e/, configured
# with libmosquitto and Paho C, the peers tern is compared with (installed
# first when missing: they are build dependencies of the benchmarks only, so
# setup.sh leaves them out). NAME prefixes what it says on stderr. Fails,
# saying why, when a peer cannot be installed or built.
build_with_peers() {
  local name=$1 missing=() p
  shift
  for p in libmosquitto-dev libpaho-mqtt-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "$name: installing ${missing[*]}" >&2
    apt_install "${missing[@]}" ||
      { echo "$name: cannot install ${missing[*]}: no peer to compare tern with" >&2; return 1; }
  fi
  # A build directory of its own, not build/: test.sh and demo.sh configure
  # build/ first, on a fresh machine without the peers, and meson keeps its
  # cached "Has header mosquitto.h: NO" through every reconfigure (only
  # --wipe forgets it, and that would rebuild all of build/). Here
  # -Dbench_peers=enabled makes both peers required, so this directory is
  # configured with both or not at all; one whose setup failed is started
  # afresh, for the same cache. The options are configure_release's, so the
  # figures compare with those of build/'s programs.
  [ -f "$top/build-e2e/build.ninja" ] || rm -rf "$top/build-e2e"
  configure build-e2e --buildtype=release -Db_ndebug=false -Dwerror=true -Dtests=false -Dbench=true \
    -Dbench_peers=enabled ||
    { echo "$name: cannot configure build-e2e/ with libmosquitto and Paho C (see above)" >&2; return 1; }
  ninja -C "$top/build-e2e" -j "$jobs" "$@" || { echo "$name: cannot build $* with the peers" >&2; return 1; }
}
