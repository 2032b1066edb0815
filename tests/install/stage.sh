# Sourced by the install tests: a staged `meson install` and pkg-config
# files that point into it.

# stage_install BUILD STAGE: installs BUILD under the directory STAGE.
stage_install() {
  meson install -C "$1" --destdir "$2" --no-rebuild --quiet >/dev/null
}

# stage_pkgconfig STAGE: copies the staged tern*.pc files to STAGE/pc with
# their prefix moved into STAGE, and puts STAGE/pc first on
# PKG_CONFIG_PATH. (A sysroot would move cpp-httplib's and OpenSSL's paths
# too.) Fails when no tern.pc was installed.
stage_pkgconfig() {
  _pcfile=$(find "$1" -name tern.pc | head -1)
  [ -n "$_pcfile" ] || { echo "install: no tern.pc was installed"; return 1; }
  _prefix=$(sed -n 's/^prefix=//p' "$_pcfile")
  mkdir -p "$1/pc"
  for _pc in "$(dirname "$_pcfile")"/tern*.pc; do
    sed "s|^prefix=.*|prefix=$1$_prefix|" "$_pc" >"$1/pc/$(basename "$_pc")"
  done
  PKG_CONFIG_PATH="$1/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  export PKG_CONFIG_PATH
}
