#!/usr/bin/env bash
# Builds the msr-lens npm package: one .wasm shared by a browser/bundler/worker build
# (wasm-bindgen --target web) and a Node.js build (--target experimental-nodejs-module,
# ESM), package.json from Cargo, README and licences; the `msr-lens/audit` sub-entry
# (<msr-lens-audit>: crates/ui's audit view, its own .wasm in audit/); then packs it.
#
#   scripts/npm-build.sh            -> dist/npm/msr-lens/ and dist/npm/msr-lens-<version>.tgz
#   MSR_LENS_NPM_OUT=/some/dir scripts/npm-build.sh
#   MSR_LENS_WASM_OPT=0 scripts/npm-build.sh   (skip wasm-opt: faster, bigger)
#   MSR_LENS_WASM_PROFILE=wasm-fast             (cargo opt-level 3 instead of "z": about a
#                                                third bigger .wasm, page parsing about 1.3x
#                                                faster; default wasm-release)
#   MSR_LENS_WASM_OPT_LEVEL=-O3                 (wasm-opt passes; default
#                                                "--flatten --rereloop -Os", see below)
#
# msr_lens_bg.wasm is built with stable Rust and its prebuilt std, like the rest of the
# workspace.
#
# wasm-opt also runs with --converge (repeat until nothing changes) and
# --low-memory-unused (Rust puts the stack first: the low 1 KiB is the bottom of the 1 MiB
# stack, never addressed otherwise), together about 1.3 KB of gzip. Its passes are
# "--flatten --rereloop -Os": the control flow rebuilt by the relooper, then -Os, gave 0.33 KB
# less gzip than -Oz (which is smaller raw but compresses worse), at the same parse speed.
#
# Needs: wasm-bindgen 0.2.130 (cargo install wasm-bindgen-cli --version 0.2.130), node >= 20,
# and npm/node_modules (npm ci in npm/, done here when missing) for wasm-opt (npm binaryen,
# never Debian's, which corrupts modules).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${MSR_LENS_NPM_OUT:-$ROOT/dist/npm}
PKG=$OUT/msr-lens
PROFILE=${MSR_LENS_WASM_PROFILE:-wasm-release}
OPT_LEVEL=${MSR_LENS_WASM_OPT_LEVEL:---flatten --rereloop -Os}
CRATE_WASM=$ROOT/target/wasm32-unknown-unknown/$PROFILE/msr_lens_wasm.wasm

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

echo "npm-build: cargo build (stable, profile $PROFILE)"
cargo build --locked --quiet --profile "$PROFILE" --target wasm32-unknown-unknown -p msr-lens-wasm

rm -rf "$PKG"
mkdir -p "$PKG"
echo "npm-build: wasm-bindgen (web, node)"
wasm-bindgen --target web --out-dir "$PKG" --out-name msr_lens "$CRATE_WASM"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
wasm-bindgen --target experimental-nodejs-module --out-dir "$TMP" --out-name msr_lens "$CRATE_WASM"
# Both builds carry the same .wasm (same --out-name); the Node glue loads it with
# `new URL('msr_lens_bg.wasm', import.meta.url)` and is renamed msr_lens_node.js.
cmp -s "$TMP/msr_lens_bg.wasm" "$PKG/msr_lens_bg.wasm" \
  || { echo "npm-build: the web and node .wasm differ" >&2; exit 1; }
grep -q "new URL('msr_lens_bg.wasm', import.meta.url)" "$TMP/msr_lens.js" \
  || { echo "npm-build: unexpected Node glue from wasm-bindgen (wasm URL not found)" >&2; exit 1; }
sed 's|@ts-self-types="./msr_lens.d.ts"|@ts-self-types="./msr_lens_node.d.ts"|' \
  "$TMP/msr_lens.js" > "$PKG/msr_lens_node.js"
cp "$TMP/msr_lens.d.ts" "$PKG/msr_lens_node.d.ts"
diff -rq "$TMP/snippets" "$PKG/snippets" >/dev/null \
  || { echo "npm-build: the web and node snippets differ" >&2; exit 1; }
rm -f "$PKG/msr_lens_bg.wasm.d.ts"

if [ "${MSR_LENS_WASM_OPT:-1}" != 0 ]; then
  echo "npm-build: wasm-opt $OPT_LEVEL ($(wasm-opt --version))"
  # shellcheck disable=SC2086 # OPT_LEVEL is a list of passes
  wasm-opt $OPT_LEVEL --converge --low-memory-unused --strip-debug --strip-producers \
    "$PKG/msr_lens_bg.wasm" -o "$PKG/msr_lens_bg.wasm"
else
  OPT_LEVEL=none
fi
# Short import names in the .wasm and both glue files (npm/tools/minify-imports.mjs: about
# 1.6 KB of gzip).
node npm/tools/minify-imports.mjs "$PKG/msr_lens_bg.wasm" "$PKG/msr_lens.js" "$PKG/msr_lens_node.js"
printf '{"cargoProfile":"%s","toolchain":"stable","wasmOpt":"%s","wasmBindgen":"%s"}\n' "$PROFILE" "$OPT_LEVEL" "$have" > "$OUT/build-info.json"

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
