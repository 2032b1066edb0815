#!/bin/sh
# Runs the browser test with the node on PATH when the test runs, not when
# meson was configured: scripts/test.sh installs node after build/ may have
# been configured without it, and a configured build directory never looks again.
# Without node the test is skipped (77), or fails when TERN_BROWSER_REQUIRED is
# set (scripts/test.sh sets it, so that its runs never skip the test silently).
if ! command -v node >/dev/null 2>&1; then
  if [ -n "${TERN_BROWSER_REQUIRED:-}" ]; then
    echo "browser: FAILED: node is missing: apt-get install nodejs npm"
    exit 1
  fi
  echo "browser: skipped (node is missing: apt-get install nodejs npm)"
  exit 77
fi
exec node "$(dirname "$0")/live_dashboard.test.mjs"
