#!/usr/bin/env bash
# Installs the build BUILD into a staging directory (meson install --destdir)
# and builds a small client program against it twice, as users do: with
# CMake (find_package(tern CONFIG), target tern::tern; also tern::core
# alone and each installed binding's target) and with meson
# (dependency('tern') through pkg-config). Then runs them, the clients
# against a private mosquitto on a free loopback port.
set -euo pipefail
build=$1
src=$2  # tests/install/staged: the consumers' projects
here=$(dirname "$0")
source "$here/../../scripts/lib.sh"
source "$here/stage.sh"
command -v cmake >/dev/null || { echo "staged: cmake is missing (scripts/setup.sh installs it)"; exit 1; }
stage=$(mktemp -d)
trap 'stop_broker; rm -rf "$stage"' EXIT
stage_install "$build" "$stage"
config=$(find "$stage" -name ternConfig.cmake | head -1)
[ -n "$config" ] || { echo "staged: no ternConfig.cmake was installed"; exit 1; }
[ -n "$(find "$stage" -name ternConfigVersion.cmake)" ] || { echo "staged: no ternConfigVersion.cmake"; exit 1; }
libdir=$(dirname "$(dirname "$(dirname "$config")")")  # <prefix>/<libdir>/cmake/tern -> <prefix>/<libdir>

# CMake: the package finds its files relative to itself, staged or not.
bindings=""
for b in httplib beast; do
  if [ -e "$libdir/libtern-$b.so" ] || [ -e "$libdir/libtern-$b.a" ]; then bindings="$bindings${bindings:+;}$b"; fi
done
# Ninja, which meson needs anyway: a minimal machine has no make.
cmake -G Ninja -S "$src" -B "$stage/cmake-build" -DCMAKE_PREFIX_PATH="$libdir/cmake" -DTERN_BINDINGS="$bindings" \
  -DCMAKE_BUILD_RPATH="$libdir" >"$stage/cmake.log" 2>&1 || { cat "$stage/cmake.log"; exit 1; }
cmake --build "$stage/cmake-build" >>"$stage/cmake.log" 2>&1 || { cat "$stage/cmake.log"; exit 1; }

# meson: through the staged pkg-config files.
stage_pkgconfig "$stage"
meson setup "$stage/meson-build" "$src" -Dcpp_link_args="-Wl,-rpath,$libdir" >"$stage/meson.log" 2>&1 ||
  { cat "$stage/meson.log"; exit 1; }
ninja -C "$stage/meson-build" >>"$stage/meson.log" 2>&1 || { cat "$stage/meson.log"; exit 1; }

# A bare C compiler with pkg-config, as docs/c.md shows (--static: the
# default libtern is a static library, so its private libraries are needed).
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Wpedantic -Werror "$src/c_consumer.c" $(pkg-config --cflags --libs --static tern) -lstdc++ \
  -Wl,-rpath,"$libdir" -o "$stage/c_consumer" || { echo "staged: the C consumer does not build with cc and pkg-config"; exit 1; }

start_broker
"$stage/cmake-build/core_consumer"
for b in ${bindings//;/ }; do
  printf 'cmake, tern::%s: ' "$b"
  "$stage/cmake-build/${b}_consumer"
done
printf 'cmake: '
"$stage/cmake-build/consumer" "$TERN_TEST_BROKER"
printf 'meson: '
"$stage/meson-build/consumer" "$TERN_TEST_BROKER"
for build in cmake-build meson-build; do
  printf '%s, C: ' "${build%-build}"
  "$stage/$build/c_consumer" "$TERN_TEST_BROKER"
done
printf 'cc and pkg-config, C: '
"$stage/c_consumer" "$TERN_TEST_BROKER"
