#!/usr/bin/env bash
# Generates the API reference of the public headers with Doxygen
# (docs/Doxyfile) into build/docs/api/html, and lists every warning (an
# undocumented public member, a broken doc command). --check: exits
# non-zero when there is any.
#   ./scripts/docs.sh            # build/docs/api/html/index.html
#   ./scripts/docs.sh --check    # what test.sh runs
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$top"
command -v doxygen >/dev/null || { "$top/scripts/setup.sh" || exit 1; }
out="$top/build/docs/api"
rm -rf "$out"
mkdir -p "$out"
log="$out/warnings.txt"
{
  cat docs/Doxyfile
  echo "OUTPUT_DIRECTORY = $out"
  echo "WARN_LOGFILE = $log"
} | doxygen - >"$out/doxygen.log" 2>&1 || { cat "$out/doxygen.log"; echo "docs: doxygen failed"; exit 1; }
sed -i "s|$top/||" "$log"
echo "docs: $out/html/index.html; $(grep -c 'warning:' "$log") warning(s) in all, in $log"

[ "${1:-}" = "--check" ] || exit 0
if grep -q 'warning:' "$log"; then
  cat "$log"
  echo "docs: FAILED: every public member of the public headers must be documented (the warnings above)"
  exit 1
fi
echo "docs: every public member is documented"
