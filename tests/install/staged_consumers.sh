#!/bin/sh
# Installs the build BUILD into a staging directory (meson install --destdir)
# and builds a small client program against it twice, as users do: with
# CMake (find_package(tern CONFIG), target tern::tern; also tern::core
# alone and each installed binding's target) and with meson
# (dependency('tern') through pkg-config). Then runs them, the clients
# against a private mosquitto on a free loopback port.
set -eu
build=$1
src=$2  # tests/install/staged: the consumers' projects
command -v cmake >/dev/null || { echo "staged: cmake is missing (scripts/setup.sh installs it)"; exit 1; }
stage=$(mktemp -d)
broker_pid=""
cleanup() {
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
  rm -rf "$stage"
}
trap cleanup EXIT
meson install -C "$build" --destdir "$stage" --no-rebuild --quiet >/dev/null
config=$(find "$stage" -name ternConfig.cmake | head -1)
[ -n "$config" ] || { echo "staged: no ternConfig.cmake was installed"; exit 1; }
[ -n "$(find "$stage" -name ternConfigVersion.cmake)" ] || { echo "staged: no ternConfigVersion.cmake"; exit 1; }
prefix_dir=$(dirname "$(dirname "$(dirname "$config")")")  # <prefix>/<libdir>/cmake/tern -> <prefix>/<libdir>
libdir=$prefix_dir

# CMake: the package finds its files relative to itself, staged or not.
bindings=""
for b in httplib beast; do
  [ -e "$libdir/libtern-$b.so" ] || [ -e "$libdir/libtern-$b.a" ] && bindings="$bindings${bindings:+;}$b"
done
# Ninja, which meson needs anyway: a minimal machine has no make.
cmake -G Ninja -S "$src" -B "$stage/cmake-build" -DCMAKE_PREFIX_PATH="$prefix_dir/cmake" -DTERN_BINDINGS="$bindings" \
  -DCMAKE_BUILD_RPATH="$libdir" >"$stage/cmake.log" 2>&1 || { cat "$stage/cmake.log"; exit 1; }
cmake --build "$stage/cmake-build" >>"$stage/cmake.log" 2>&1 || { cat "$stage/cmake.log"; exit 1; }

# meson: pkg-config files with their prefix moved to the staging directory.
pcfile=$(find "$stage" -name tern.pc | head -1)
prefix=$(sed -n 's/^prefix=//p' "$pcfile")
mkdir "$stage/pc"
for pc in "$(dirname "$pcfile")"/tern*.pc; do
  sed "s|^prefix=.*|prefix=$stage$prefix|" "$pc" >"$stage/pc/$(basename "$pc")"
done
PKG_CONFIG_PATH="$stage/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
  meson setup "$stage/meson-build" "$src" -Dcpp_link_args="-Wl,-rpath,$libdir" >"$stage/meson.log" 2>&1 ||
  { cat "$stage/meson.log"; exit 1; }
ninja -C "$stage/meson-build" >>"$stage/meson.log" 2>&1 || { cat "$stage/meson.log"; exit 1; }

# A private broker on a free port.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" >"$stage/mosquitto.conf"
[ "$(id -u)" = 0 ] && echo "user root" >>"$stage/mosquitto.conf"
mosquitto -c "$stage/mosquitto.conf" >"$stage/mosquitto.log" 2>&1 &
broker_pid=$!
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; do
  i=$((i + 1))
  [ $i -lt 100 ] || { echo "staged: mosquitto did not start"; cat "$stage/mosquitto.log"; exit 1; }
  sleep 0.05
done

"$stage/cmake-build/core_consumer"
for b in $(echo "$bindings" | tr ';' ' '); do
  printf 'cmake, tern::%s: ' "$b"
  "$stage/cmake-build/${b}_consumer"
done
printf 'cmake: '
"$stage/cmake-build/consumer" "127.0.0.1:$port"
printf 'meson: '
"$stage/meson-build/consumer" "127.0.0.1:$port"
