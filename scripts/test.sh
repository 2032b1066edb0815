#!/usr/bin/env bash
# Builds tern and runs every test: the unit tests and corpus replays of the
# release build, tern_flask's pytest suite, the wheel pip builds (installed
# into a venv, its examples run), the API reference's check (scripts/docs.sh:
# Doxygen: every public member documented), the parsing layers (codec, topic, session,
# store, WebSocket, proxy handshakes) again under ASan+UBSan, the client, web,
# transport and integration suites again under ThreadSanitizer, then the
# library built with clang and each fuzzer run for FUZZ_SECONDS (10)
# seconds, one per core at a time. Each phase prints how long it took.
# Installs what is missing first. A private mosquitto runs on a free
# loopback port for the tests that need a broker.
# Prints how many tests were skipped on the line before the last, and ends with
# one line `tests: N passed, N failed`; exits non-zero on any failure.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$top"

"$top/scripts/setup.sh" || { echo "skipped: 0"; echo "tests: 0 passed, 1 failed"; exit 1; }

passed=0
failed=0
skipped=0
add() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + ${3:-0})); }

# meson_tests DIR [meson test args...]: runs them and adds their cases.
meson_tests() {
  local dir=$1
  shift
  rm -f "$top/$dir/meson-logs/testlog.junit.xml"
  meson test -C "$top/$dir" --print-errorlogs --num-processes "$jobs" "$@"
  add $(junit_counts "$top/$dir/meson-logs/testlog.junit.xml")
}

# build DIR [TARGETS...]: a failed build counts as one failed test.
build() {
  local dir=$1
  shift
  if ninja -C "$top/$dir" -j "$jobs" "$@"; then return 0; fi
  echo "build of $dir FAILED" >&2
  add 0 1
  return 1
}

trap stop_broker EXIT
start_broker

# phase NAME: ends the previous phase (printing its duration) and starts NAME.
phase_name=""
phase_start=$SECONDS
phase() {
  [ -n "$phase_name" ] && echo "-- $phase_name: $((SECONDS - phase_start)) s"
  phase_name=$1
  phase_start=$SECONDS
  [ -n "$phase_name" ] && echo "== $phase_name"
}

# The browser test: installs node, npm and chromium when missing, and
# playwright-core (lib.sh). Under `meson test` alone a missing prerequisite
# skips the test; here it fails it (TERN_BROWSER_REQUIRED), so that no run of
# this script quietly runs one test less.
export TERN_BROWSER_REQUIRED=1
browser_prerequisites

phase "release build and tests"
if configure_release && build build; then
  meson_tests build
  # The browser test exists only when tern-live-dashboard is built: its
  # absence is a failure too. Otherwise its one-line verdict, from the meson log.
  if meson introspect "$top/build" --tests | grep -q '"tern:browser"'; then
    grep -h '^browser: ' "$top/build/meson-logs/testlog.txt" 2>/dev/null | tail -1 | cut -c1-200
  else
    echo "browser: FAILED: build/ has no browser test (tern-live-dashboard was not built: libcpp-httplib-dev?)" >&2
    add 0 1
  fi

  phase "Python: tern_flask, tern_asyncio, tern_fastapi (pytest, Debian's python3)"
  if [ -d "$top/build/bindings/python/tern_flask" ]; then
    rm -f "$top/build/pytest.junit.xml"
    # One worker per core (pytest-xdist): each has its own brokers, on free ports.
    PYTHONPATH="$top/build/bindings/python" /usr/bin/python3 -m pytest -p no:cacheprovider -q -n "$jobs" \
      --junitxml="$top/build/pytest.junit.xml" "$top/tests/python"
    add $(junit_counts "$top/build/pytest.junit.xml")
  else
    echo "tern_flask was not built (pybind11 or python3-dev missing)" >&2
    add 0 1
  fi
fi

# pip's way in (pyproject.toml, meson-python): builds the wheel (tern compiled
# once more, release, into the extension), installs it into a fresh venv and
# runs the Flask and FastAPI examples from it. One test.
phase "Python wheel (pip into a fresh venv)"
if "$top/tests/install/python_wheel.sh"; then add 1 0; else add 0 1; fi

# The API reference: every public member of the public headers documented
# (scripts/docs.sh). One test.
phase "API reference (Doxygen)"
if "$top/scripts/docs.sh" --check; then add 1 0; else add 0 1; fi

phase "ASan+UBSan: the parsing layers (tern_core, WebSocket, proxy handshakes)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# -O1, as the sanitizers' documentation advises: reports stay exact, and the
# build takes half as long as at -O2.
if configure build-asan -Doptimization=1 -Ddebug=true -Db_ndebug=false -Dwerror=true -Dbench=false \
     -Db_sanitize=address,undefined -Db_lundef=false && build build-asan $(suite_targets build-asan core websocket); then
  meson_tests build-asan --suite core --suite websocket --no-rebuild --timeout-multiplier 3
fi

# The threads: the client's strand and callers, the web facade's handler
# threads, and the integration suites' brokers, proxies and faults. -O1
# without debug info keeps the build short; -Wno-tsan because Asio's
# headers use atomic_thread_fence, which GCC warns TSan cannot see; a
# fork()ed test child may start threads (die_after_fork=0).
phase "ThreadSanitizer: client, web, transport and integration suites"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:die_after_fork=0"
if configure build-tsan -Doptimization=1 -Ddebug=false -Dcpp_args=-Wno-tsan -Db_sanitize=thread -Db_lundef=false -Dwerror=true \
     -Dbench=false -Dpython=false -Dtests=true && build build-tsan $(suite_targets build-tsan client web transport integration); then
  # The long loss-and-order runs repeat paths the other tests take already
  # (the reset run keeps reconnects and re-sends; the kill -9 runs are about
  # files, not threads), and the keep-alive run idles for 15 s: left to the
  # release pass.
  GTEST_FILTER='-KeepAlive.StaysConnectedThrough15sIdleWithKeepAlive5s:Faults.BlackholeThenResumeLosesNothing:Faults.LatencyBurstLosesNothing:Faults.OneByteWritesLoseNothing:Faults.BandwidthCapLosesNothing:Faults.StopReadingThenResumeLosesNothing:Runs/StoreKill.*' \
    meson_tests build-tsan --suite client --suite web --suite transport --suite integration --no-rebuild \
    --timeout-multiplier 3
fi

phase "clang: the library built, then the fuzzers, ${FUZZ_SECONDS:-10} s each, $jobs at a time"
if ! configure_fuzz; then
  echo "the clang build's configuration FAILED" >&2
  add 0 1
else
  # Everything the fuzz build holds (every layer of the library, the C API,
  # the web facade and bindings, the tools' libraries) compiles with clang
  # as well as with g++: one test, as a user's CXX=clang++ build would find.
  build build-fuzz && add 1 0
  # After a failed build the fuzzers may still build (the failure counted once).
  if ninja -C "$top/build-fuzz" -j "$jobs" $(fuzzer_targets) >/dev/null 2>&1; then
    # A fuzzer is one process on one core.
    mapfile -t names < <(fuzzer_names)
    for ((i = 0; i < ${#names[@]}; i += jobs)); do
      pids=()
      for name in "${names[@]:i:jobs}"; do
        run_fuzzer "$name" "${FUZZ_SECONDS:-10}" &
        pids+=($!)
      done
      for pid in "${pids[@]}"; do
        if wait "$pid"; then add 1 0; else add 0 1; fi
      done
    done
  fi
fi
phase ""

echo "skipped: $skipped"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
