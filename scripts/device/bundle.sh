#!/usr/bin/env bash
# Builds the device bundle: the small libraries dep builds against, copied from this machine's
# Debian packages into an ignored folder, with a CMake hint, so that scripts/device/run.sh can
# configure dep on the GPU machine, which reaches no package registry (docs/cuda.md).
#
#   scripts/device/bundle.sh [OUT]        # default build/device-bundle (ignored; carried by run)
#
# What goes in (what cmake/DepDependencies.cmake finds, and nothing else):
#   CLI11, nlohmann_json, spdlog + fmt (shared libraries), Catch2 v2 (tests), PCRE2 (8-bit) and
#   utf8proc (found through pkg-config), and pkgconf itself in case the machine has no pkg-config.
#   sentencepiece is not among them: dep reads .model files with its own Unigram code.
# Plus the reference fixtures the CUDA tests read (tiny-qwen2, tiny-xlmr, tiny-dep-step): the
# ../shared beside the checkout does not travel to the device.
# The CMake hint is OUT/dep-bundle.cmake, given to cmake with -C; it finds everything relative to
# its own folder, so the bundle works wherever it lands.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/build/device-bundle}"
fixtures="${DEP_FIXTURES:-$root/../shared/fixtures}"
packages=(libcli11-dev nlohmann-json3-dev libspdlog-dev libspdlog1.10 libfmt-dev libfmt9 catch2
          libpcre2-dev libpcre2-8-0 libutf8proc-dev libutf8proc2 pkgconf-bin libpkgconf3)

for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    { echo "bundle: Debian package $p is not installed (scripts/setup.sh installs dep's packages)" >&2; exit 2; }
done

rm -rf "$out.tmp"
mkdir -p "$out.tmp/prefix"
# Headers, shared libraries, CMake configs and .pc files; no docs, static archives (but Catch2's
# main, which its CMake targets file names), or the 16/32-bit and POSIX PCRE2 variants dep does not use.
for p in "${packages[@]}"; do
  dpkg -L "$p" | while read -r f; do
    case "$f" in
      */libCatch2WithMain.a) ;;
      /usr/share/doc/*|/usr/share/man/*|/usr/share/lintian/*|/usr/share/Catch2/*|*.a|*pcre2-16*|*pcre2-32*|*pcre2-posix*|*/pcre2-config) continue ;;
    esac
    if [ -L "$f" ] || [ -f "$f" ]; then
      dest="$out.tmp/prefix/${f#/usr/}"
      mkdir -p "$(dirname "$dest")"
      cp -a "$f" "$dest"
    fi
  done
done
printf '%s\n' "${packages[@]}" | xargs dpkg-query -W -f='${Package} ${Version}\n' > "$out.tmp/PACKAGES"

# .pc files name /usr as their prefix; make them relative to where they lie.
for pc in "$out.tmp"/prefix/lib/x86_64-linux-gnu/pkgconfig/*.pc; do
  sed -i -e 's|^prefix=/usr$|prefix=${pcfiledir}/../../..|' -e '/^prefix=/!s|=/usr\b|=${prefix}|' "$pc"
done
for pc in "$out.tmp"/prefix/share/pkgconfig/*.pc; do
  sed -i -e 's|^prefix=/usr$|prefix=${pcfiledir}/../..|' -e '/^prefix=/!s|=/usr\b|=${prefix}|' "$pc"
done
if grep -l '=/usr' "$out.tmp"/prefix/lib/x86_64-linux-gnu/pkgconfig/*.pc "$out.tmp"/prefix/share/pkgconfig/*.pc; then
  echo "bundle: a .pc file above still names /usr" >&2; exit 1
fi

# pkg-config that searches the bundle only, whichever machine it runs on.
cat > "$out.tmp/pkg-config" <<'SH'
#!/bin/sh
here="$(cd "$(dirname "$0")" && pwd)"
export PKG_CONFIG_LIBDIR="$here/prefix/lib/x86_64-linux-gnu/pkgconfig:$here/prefix/share/pkgconfig"
export LD_LIBRARY_PATH="$here/prefix/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$here/prefix/bin/pkgconf" "$@"
SH
chmod +x "$out.tmp/pkg-config"

cat > "$out.tmp/dep-bundle.cmake" <<'CMAKE'
# Initial cache (cmake -C) that points dep's find_package and pkg-config calls at this bundle
# (scripts/device/bundle.sh). Its headers come before the system's (-isystem), so a machine that
# also has the packages still builds against the bundle's.
get_filename_component(_dep_bundle "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
set(CMAKE_PREFIX_PATH "${_dep_bundle}/prefix" CACHE STRING "dep device bundle")
set(CMAKE_LIBRARY_ARCHITECTURE x86_64-linux-gnu CACHE STRING "")
set(PKG_CONFIG_EXECUTABLE "${_dep_bundle}/pkg-config" CACHE FILEPATH "dep device bundle's pkg-config")
set(DEP_DEVICE_BUNDLE "${_dep_bundle}" CACHE PATH "dep device bundle")
# A pip-installed CMake 4 rejects package files that ask for policies older than 3.5 (the Debian
# ones name ranges such as 2.8.3...3.22, which it accepts; this covers any that do not).
set(CMAKE_POLICY_VERSION_MINIMUM 3.5 CACHE STRING "")
CMAKE

if [ -d "$fixtures" ]; then
  mkdir -p "$out.tmp/fixtures"
  for f in README.md tiny-qwen2 tiny-xlmr tiny-dep-step; do cp -a "$fixtures/$f" "$out.tmp/fixtures/"; done
else
  echo "bundle: warning: no fixtures at $fixtures (the CUDA parity tests will fail on the device)" >&2
fi

rm -rf "$out"
mv "$out.tmp" "$out"
size_kib=$(du -sk "$out" | cut -f1)
echo "bundle: $out, $((size_kib / 1024)) MiB (${size_kib} KiB; the device carries 64 MiB in all)"
if [ "$size_kib" -gt $((16 * 1024)) ]; then
  echo "bundle: larger than 16 MiB; look at what came in" >&2; exit 1
fi
