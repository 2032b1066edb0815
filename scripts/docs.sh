#!/usr/bin/env bash
# Generates the API reference of the public headers with Doxygen
# (docs/Doxyfile) into build/docs/api/html, and lists every warning (an
# undocumented public member, a broken doc command). --check: exits
# non-zero when a header of CHECKED has a warning (the headers whose every
# public member is documented; the list grows until it holds them all).
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

checked=(
  include/tern/client.hpp
  include/tern/client_async.hpp
  include/tern/web/mqtt.hpp
  include/tern/web/config.hpp
  include/tern/web/bridge.hpp
  include/tern/transport_error.hpp
  include/tern/transport.hpp
  include/tern/error.hpp
  include/tern/store.hpp
  include/tern/topic.hpp
)
[ "${1:-}" = "--check" ] || exit 0
bad=0
for h in "${checked[@]}"; do
  if grep "^$h:" "$log"; then bad=1; fi
done
[ $bad -eq 0 ] && echo "docs: every public member of the checked headers is documented" ||
  echo "docs: FAILED: the warnings above are in headers that must be fully documented"
exit $bad
