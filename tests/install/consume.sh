#!/bin/sh
# Installs the build BUILD into a staging directory (meson install --destdir)
# and builds a small program against it the way a user does, with
# `pkg-config --cflags --libs PACKAGE` (tern-httplib, tern-beast), then runs it. The staged .pc
# files get their prefix rewritten to the staging directory: a sysroot would
# move cpp-httplib's and OpenSSL's paths too.
set -eu
build=$1
program=$2  # the consumer's source
package=$3
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
meson install -C "$build" --destdir "$stage" --no-rebuild --quiet >/dev/null
pcfile=$(find "$stage" -name "$package.pc" | head -1)
[ -n "$pcfile" ] || { echo "install: no $package.pc was installed"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$pcfile")
mkdir "$stage/pc"
for pc in "$(dirname "$pcfile")"/tern*.pc; do
  sed "s|^prefix=.*|prefix=$stage$prefix|" "$pc" >"$stage/pc/$(basename "$pc")"
done
export PKG_CONFIG_PATH="$stage/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
libdir=$(pkg-config --variable=libdir tern)
# shellcheck disable=SC2046
c++ -std=c++20 -o "$stage/consumer" "$program" $(pkg-config --cflags --libs "$package") \
  -Wl,-rpath,"$libdir"
"$stage/consumer"
