#!/bin/sh
# tern as a meson subproject, the way a user adds it: a wrap file providing
# `tern` (here its directory already holds the checkout, so nothing is
# fetched) and `dependency('tern')`. Checks that tern then configures no
# test, benchmark, fuzz replay or Python target of its own, and that both
# dependencies resolve; builds a consumer of `tern_core` (the sans-I/O
# layers: building all of tern again would double this test's time; the
# pkg-config tests build against the whole of it) and runs it.
set -eu
src=$1      # tern's checkout
program=$2  # the consumer's source
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/subprojects"
ln -s "$src" "$work/subprojects/tern"
cp "$program" "$work/consumer.cpp"
cat >"$work/subprojects/tern.wrap" <<'WRAP'
[wrap-git]
url = https://example.invalid/tern.git
revision = head
directory = tern

[provide]
dependency_names = tern, tern_core
WRAP
cat >"$work/meson.build" <<'BUILD'
project('consumer', 'cpp', default_options: ['cpp_std=c++20'])
executable('consumer', 'consumer.cpp', dependencies: dependency('tern_core'))
executable('client_consumer', 'consumer.cpp', dependencies: dependency('tern'), build_by_default: false)
BUILD
if ! meson setup "$work/build" "$work" --force-fallback-for=tern --wrap-mode=nodownload >"$work/setup.log" 2>&1; then
  cat "$work/setup.log"
  echo "subproject: FAILED: meson setup"
  exit 1
fi
extra=$(meson introspect "$work/build" --targets | python3 -c '
import json, re, sys
for t in json.load(sys.stdin):
    if re.search(r"(_tests|_bench|bench|_replay|^_core)", t["name"]):
        print(t["name"])
')
if [ -n "$extra" ]; then
  echo "subproject: FAILED: tern configured targets a subproject does not want: $extra"
  exit 1
fi
ninja -C "$work/build" consumer >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; echo "subproject: FAILED: build"; exit 1; }
"$work/build/consumer"
