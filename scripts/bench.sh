#!/usr/bin/env bash
# Builds the release tree and runs every microbenchmark (codec, topic,
# session). Extra arguments go to Google Benchmark, e.g.
#   ./scripts/bench.sh --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$top/scripts/setup.sh" || exit 1
configure_release && ninja -C "$top/build" -j "$jobs" || exit 1
status=0
for b in codec_bench topic_bench session_bench; do
  [ -x "$top/build/bench/$b" ] || continue
  echo "== $b"
  "$top/build/bench/$b" "$@" || status=1
done
exit $status
