#!/usr/bin/env bash
# Installs a toolchain (default: the nightly pinned in scripts/package-toolchain) with
# rust-src for -Zbuild-std when it or its rust-src is missing, and prints its name.
#   scripts/package-toolchain.sh [toolchain]
# Used by scripts/setup.sh and scripts/npm-build.sh; a second run installs nothing.
set -euo pipefail
toolchain=${1:-$(cat "$(dirname "$0")/package-toolchain")}
if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1 \
  || ! [ -d "$(rustup run "$toolchain" rustc --print sysroot)/lib/rustlib/src/rust/library" ]; then
  echo "package-toolchain: rustup toolchain install $toolchain (minimal, with rust-src; about 15 s)" >&2
  rustup toolchain install "$toolchain" --profile minimal --component rust-src >&2
fi
echo "$toolchain"
