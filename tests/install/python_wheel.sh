#!/usr/bin/env bash
# shellcheck disable=SC2154,SC2119  # top, broker_port, start_broker: scripts/lib.sh
# The Python packages as pip users get them: builds tern-mqtt's wheel from
# the checkout with Debian's pip and meson-python (pyproject.toml; no PyPI:
# --no-build-isolation --no-index), installs it into a fresh venv that sees
# Debian's packages (Flask, FastAPI, uvicorn), and runs
# python_wheel_check.py with the venv's python from a scratch directory: the
# packages come from the venv's site-packages, and the Flask-SocketIO and
# FastAPI examples work against a private mosquitto. Exit 0 when all of it
# works. Leaves nothing behind: scratch directory, broker and servers go at
# exit (meson-python removes its own build directory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
source "$here/../../scripts/lib.sh"  # top, start_broker, stop_broker

work=$(mktemp -d)
# meson-python writes its native file into the source directory.
native=$top/.mesonpy-native-file.ini
[ -e "$native" ] && keep_native=1 || keep_native=0
cleanup() {
  stop_broker
  rm -rf "$work"
  [ "$keep_native" = 1 ] || rm -f "$native"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The installed packages are under test, not a build tree.
unset PYTHONPATH
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_NO_INPUT=1

started=$SECONDS
if ! /usr/bin/python3 -m pip wheel --no-build-isolation --no-index --no-deps --no-cache-dir \
     -w "$work/wheel" "$top" >"$work/pip-wheel.log" 2>&1; then
  tail -40 "$work/pip-wheel.log"
  echo "wheel: FAILED: pip wheel (log above)"
  exit 1
fi
wheel=$(echo "$work"/wheel/tern_mqtt-*.whl)
[ -f "$wheel" ] || { echo "wheel: FAILED: no tern_mqtt wheel in $work/wheel"; exit 1; }
built=$((SECONDS - started))

/usr/bin/python3 -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install --no-index --no-deps --no-cache-dir --quiet "$wheel"

start_broker
mkdir "$work/run"
if (cd "$work/run" && "$work/venv/bin/python" "$here/python_wheel_check.py" "$top" "$broker_port"); then
  echo "wheel: ok ($(basename "$wheel"), built in ${built}s, all in $((SECONDS - started))s)"
else
  echo "wheel: FAILED ($(basename "$wheel"))"
  exit 1
fi
