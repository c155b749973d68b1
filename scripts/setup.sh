#!/usr/bin/env bash
# Installs what dep needs on Debian 12 (idempotent: skips what is present).
#   Debian packages: compilers' libraries, CLI11, nlohmann-json, spdlog/fmt, Catch2 v2, PCRE2,
#                    utf8proc, sentencepiece, ninja, ccache, WordNet 3.0, Gloo headers (c10d), jq
#                    (scripts/reproduce.sh), clang with its sanitizer/libFuzzer runtimes (scripts/fuzz.sh).
#   Python venv ($DEP_VENV, default ./.venv): the torch wheel (its LibTorch is what dep builds
#                    against) and the reference stack tests/benchmarks compare with.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${DEP_VENV:-$root/.venv}"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

apt_packages=(build-essential cmake ninja-build ccache pkg-config python3 python3-venv
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev catch2 libpcre2-dev libutf8proc-dev
  libsentencepiece-dev wordnet-base libgloo-dev jq
  clang libclang-rt-dev)  # scripts/fuzz.sh: libFuzzer, AddressSanitizer, UBSan
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

requirements="$root/scripts/requirements.txt"
stamp="$venv/.dep-requirements"
if [ ! -x "$venv/bin/python3" ]; then
  echo "setup: creating virtual environment $venv"
  python3 -m venv "$venv"
fi
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
  echo "setup: installing Python packages into $venv (torch wheel: a few GB the first time)"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r "$requirements"
  cp "$requirements" "$stamp"
fi
echo "setup: ok (venv $venv)"
