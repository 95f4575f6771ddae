#!/usr/bin/env bash
# Builds the msr-lens npm package: `wasm-pack build --target web` (stable Rust) for
# browsers, workers and bundlers, a small Node.js entry that instantiates the same .wasm
# from its bytes (npm/tools/msr_lens_node.js), package.json from Cargo, README and
# licences; the `msr-lens/audit` sub-entry (<msr-lens-audit>: crates/ui's audit view, its
# own .wasm in audit/); then packs it.
#
#   scripts/npm-build.sh            -> dist/npm/msr-lens/ and dist/npm/msr-lens-<version>.tgz
#   MSR_LENS_NPM_OUT=/some/dir scripts/npm-build.sh
#   MSR_LENS_WASM_OPT=0 scripts/npm-build.sh   (skip wasm-opt: faster, bigger)
#   MSR_LENS_WASM_OPT_LEVEL=-O3                 (wasm-opt passes; default
#                                                "--flatten --rereloop -Oz -Os", see below)
#
# wasm-pack builds with cargo's release profile, at opt-level "z" here (smallest code,
# the same setting as the audit element and the extension, so their dependencies are
# shared). wasm-pack's own wasm-opt step is off (Cargo.toml of crates/wasm): it would
# download binaryen; npm binaryen's wasm-opt runs below instead (never Debian's, which
# corrupts modules). Its passes, "--flatten --rereloop -Oz -Os" with --converge and
# --low-memory-unused, gave the smallest gzip at the same parse speed (-Os alone after
# the rereloop: 0.3 % more; -Oz alone, -O3, --gufa: more still; opt-level "s": 6 % more).
#
# Needs: wasm-pack (cargo install wasm-pack), wasm-bindgen 0.2.130 on PATH (cargo install
# wasm-bindgen-cli --version 0.2.130; wasm-pack uses it instead of downloading one),
# node >= 20, and npm/node_modules (npm ci in npm/, done here when missing) for wasm-opt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${MSR_LENS_NPM_OUT:-$ROOT/dist/npm}
PKG=$OUT/msr-lens
OPT_LEVEL=${MSR_LENS_WASM_OPT_LEVEL:---flatten --rereloop -Oz -Os}

if [ ! -x "$ROOT/npm/node_modules/.bin/wasm-opt" ]; then
  echo "npm-build: installing build tools (npm ci in npm/)"
  (cd "$ROOT/npm" && npm ci --no-audit --no-fund --loglevel=error)
fi
export PATH="$ROOT/npm/node_modules/.bin:$PATH"

want=$(grep -A2 'name = "wasm-bindgen"' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p' | head -1)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [ "$want" != "$have" ]; then
  echo "npm-build: wasm-bindgen CLI $have does not match the crate version $want" >&2
  echo "           cargo install wasm-bindgen-cli --version $want" >&2
  exit 1
fi
command -v wasm-pack >/dev/null || { echo "npm-build: wasm-pack missing: cargo install wasm-pack" >&2; exit 1; }

rm -rf "$PKG"
mkdir -p "$PKG"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "npm-build: wasm-pack build --target web ($(wasm-pack --version), stable Rust, opt-level z)"
CARGO_PROFILE_RELEASE_OPT_LEVEL=z wasm-pack --quiet build crates/wasm --release --target web \
  --out-dir "$PKG" --out-name msr_lens --no-pack -- --locked
# wasm-pack's extras: the package.json comes from make-package.mjs below, and its
# .gitignore would hide the files from npm pack.
rm -f "$PKG/.gitignore" "$PKG/package.json" "$PKG/msr_lens_bg.wasm.d.ts"
cp npm/tools/msr_lens_node.js npm/tools/msr_lens_node.d.ts "$PKG/"
PROFILE=release-z

if [ "${MSR_LENS_WASM_OPT:-1}" != 0 ]; then
  echo "npm-build: wasm-opt $OPT_LEVEL ($(wasm-opt --version))"
  # shellcheck disable=SC2086 # OPT_LEVEL is a list of passes
  wasm-opt $OPT_LEVEL --converge --low-memory-unused --strip-debug --strip-producers \
    "$PKG/msr_lens_bg.wasm" -o "$PKG/msr_lens_bg.wasm"
else
  OPT_LEVEL=none
fi
printf '{"cargoProfile":"%s","toolchain":"stable","wasmOpt":"%s","wasmBindgen":"%s","wasmPack":"%s"}\n' "$PROFILE" "$OPT_LEVEL" "$have" "$(wasm-pack --version | awk '{print $2}')" > "$OUT/build-info.json"

# msr-lens/audit: the trust audit view of the extension (crates/ui, feature `embed`) as the
# <msr-lens-audit> element, with a .wasm of its own so msr_lens_bg.wasm is unaffected.
# opt-level "z" as in scripts/extension-build.sh (same flags: the UI's dependencies are shared).
echo "npm-build: audit element (crates/ui --features embed)"
CARGO_PROFILE_RELEASE_OPT_LEVEL=z cargo build --locked --quiet --release --target wasm32-unknown-unknown \
  -p msr-lens-ui --no-default-features --features embed
AUDIT=$PKG/audit
wasm-bindgen --target web --out-dir "$AUDIT" --out-name msr_lens_audit \
  "$ROOT/target/wasm32-unknown-unknown/release/msr_lens_ui.wasm"
rm -f "$AUDIT/msr_lens_audit_bg.wasm.d.ts"
if [ "${MSR_LENS_WASM_OPT:-1}" != 0 ]; then
  wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-reference-types --enable-mutable-globals \
    "$AUDIT/msr_lens_audit_bg.wasm" -o "$AUDIT/msr_lens_audit_bg.wasm"
fi
cp crates/ui/embed/index.js "$AUDIT/index.js"
node npm/tools/make-audit-css.mjs "$AUDIT/style.js" >/dev/null
# index.d.ts generated from the JSDoc of index.js.
tsc --allowJs --declaration --emitDeclarationOnly --skipLibCheck --strict --target es2022 \
  --module es2022 --moduleResolution bundler --lib es2022,dom --outDir "$TMP/audit-types" "$AUDIT/index.js"
cp "$TMP/audit-types/index.d.ts" "$AUDIT/index.d.ts"

cp crates/wasm/README.md crates/wasm/LICENSE-MIT crates/wasm/LICENSE-APACHE "$PKG/"
cargo metadata --locked --format-version 1 --no-deps | node npm/tools/make-package.mjs "$PKG"

(cd "$OUT" && npm pack --silent "$PKG" >/dev/null)
raw=$(wc -c < "$PKG/msr_lens_bg.wasm")
gz=$(gzip -9 -c "$PKG/msr_lens_bg.wasm" | wc -c)
echo "npm-build: $PKG ($(ls "$OUT"/msr-lens-*.tgz | xargs -n1 basename)); msr_lens_bg.wasm $raw bytes, $gz gzip -9"
echo "npm-build: audit/msr_lens_audit_bg.wasm $(wc -c < "$AUDIT/msr_lens_audit_bg.wasm") bytes, $(gzip -9 -c "$AUDIT/msr_lens_audit_bg.wasm" | wc -c) gzip -9"
