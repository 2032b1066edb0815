#!/usr/bin/env bash
# Installs, from Debian packages, whatever tern needs to build and test that is
# not on this machine yet. Idempotent, and silent when nothing is missing.
set -euo pipefail

packages=(meson ninja-build g++ clang libclang-rt-14-dev pkg-config
          libasio-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
          mosquitto mosquitto-clients openssl python3 libcpp-httplib-dev
          # the Boost.Beast binding (header-only Beast and Asio)
          libboost-dev
          # tern_flask (bindings/python) and its tests, examples and benchmark
          python3-dev pybind11-dev python3-flask python3-flask-socketio python3-eventlet
          python3-pytest gunicorn python3-socketio python3-websocket python3-paho-mqtt
          # the pytest suite in one process per core (pytest -n): its tests mostly wait
          python3-pytest-xdist
          # python-socketio's client makes its HTTP requests with requests, which
          # Debian's python3-socketio and python3-engineio do not depend on
          python3-requests
          # pip install ./ (pyproject.toml: meson-python, no PyPI) and the wheel
          # test (tests/install/python_wheel.sh): a venv, and the FastAPI example
          python3-mesonpy python3-pip python3-venv python3-fastapi python3-uvicorn
          # tern_fastapi's tests drive the example over HTTP, SSE and WebSocket
          python3-starlette python3-httpx python3-websockets
          # the transport tests' proxies (HTTP CONNECT and SOCKS5), started privately
          tinyproxy microsocks
          # the installed tern's CMake package, built against by a test (tests/install)
          cmake
          # the API reference (scripts/docs.sh), whose check test.sh runs
          doxygen)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The mosquitto package starts a system-wide broker on 1883; tern's tests start
# their own on a free port and never use it, so stop it where we can.
if [[ " ${missing[*]} " == *" mosquitto "* ]] && command -v systemctl >/dev/null; then
  $sudo systemctl disable --now mosquitto >/dev/null 2>&1 || true
fi
