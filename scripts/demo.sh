#!/usr/bin/env bash
# The demo, until the web demo lands: builds tern and prints the codec and
# topic microbenchmark tables (decode/encode speed against memcpy, trie
# matching against a linear scan). Installs what is missing first.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$top/scripts/setup.sh" || exit 1
configure_release && ninja -C "$top/build" -j "$jobs" || exit 1
for b in codec_bench topic_bench; do
  [ -x "$top/build/bench/$b" ] || continue
  echo "== $b"
  "$top/build/bench/$b" --benchmark_min_time=0.1 || exit 1
done
