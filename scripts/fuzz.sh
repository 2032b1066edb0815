#!/usr/bin/env bash
# Builds every fuzzer with clang (libFuzzer, ASan+UBSan) and runs each for
# SECONDS (default 60) on a scratch copy of its corpus in fuzz/corpus/<name>/.
# A crash leaves its input and log in the folder it names; add the minimised
# input to the corpus as a regression test.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
seconds=${1:-60}
"$top/scripts/setup.sh" || exit 1
configure_fuzz && ninja -C "$top/build-fuzz" -j "$jobs" $(fuzzer_targets) || exit 1
status=0
for name in $(fuzzer_names); do
  run_fuzzer "$name" "$seconds" || status=1
done
exit $status
