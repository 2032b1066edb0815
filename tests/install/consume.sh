#!/bin/sh
# Installs the build BUILD into a staging directory (meson install --destdir)
# and builds a small program against it the way a user does, with
# `pkg-config --cflags --libs PACKAGE` (tern-httplib, tern-beast), then runs it.
set -eu
build=$1
program=$2  # the consumer's source
package=$3
. "$(dirname "$0")/stage.sh"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
stage_install "$build" "$stage"
[ -n "$(find "$stage" -name "$package.pc")" ] || { echo "install: no $package.pc was installed"; exit 1; }
stage_pkgconfig "$stage"
libdir=$(pkg-config --variable=libdir tern)
# shellcheck disable=SC2046
c++ -std=c++20 -o "$stage/consumer" "$program" $(pkg-config --cflags --libs "$package") \
  -Wl,-rpath,"$libdir"
"$stage/consumer"
