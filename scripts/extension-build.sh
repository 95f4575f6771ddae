#!/usr/bin/env bash
# Build the MSR Lens browser extension:
#   extension/dist/chrome/          loadable unpacked MV3 extension (Chromium)
#   extension/dist/firefox/         the Firefox variant (background.scripts, browser_specific_settings)
#   extension/dist/msr-lens-chrome.zip, extension/dist/msr-lens-firefox.zip
#
# Options (environment):
#   MSR_LENS_HOST_PERMISSIONS="https://127.0.0.1/*"   TEST/DEMO ONLY: put these patterns in
#       host_permissions (pre-granted), so headless Chromium needs no permission prompt.
#   MSR_LENS_PRECONFIG=/path/preconfig.json   DEMO ONLY: ship {settings, secrets}; the
#       background worker applies it once on install.
#   MSR_LENS_DEMO_ORIGIN, MSR_LENS_DEMO_USER, MSR_LENS_DEMO_TOKEN[, MSR_LENS_DEMO_REPLICAS]
#       DEMO ONLY (what `cargo xtask demo` sets): write such a preconfig for that origin
#       (admin access token, space-separated replica origins) and pre-grant exactly it.
#   MSR_LENS_DIST=/path/to/dist   output folder (default extension/dist)
#   MSR_LENS_NO_OPT=1             skip wasm-opt of the UI modules
#   MSR_LENS_NPM_PKG=/path/msr-lens   a built `msr-lens` npm package folder to use as it is
#       (default dist/npm/msr-lens, (re)built by scripts/npm-build.sh when missing or older
#       than crates/{wasm,core,transport} or Cargo.lock)
#
# Needs: rust target wasm32-unknown-unknown, wasm-bindgen 0.2.130 on PATH, and
# tests/e2e/node_modules (npm ci there) for npm binaryen's wasm-opt. Never Debian's binaryen.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
dist="${MSR_LENS_DIST:-$root/extension/dist}"
chrome="$dist/chrome"
firefox="$dist/firefox"

wasm_opt="$root/tests/e2e/node_modules/.bin/wasm-opt"
if [[ -z "${MSR_LENS_NO_OPT:-}" && ! -x "$wasm_opt" ]]; then
  (cd tests/e2e && npm ci --no-audit --no-fund >/dev/null)
fi
command -v wasm-bindgen >/dev/null || { echo "wasm-bindgen 0.2.130 is missing: cargo install wasm-bindgen-cli --version 0.2.130" >&2; exit 1; }
wasm-bindgen --version | grep -q ' 0.2.130' || { echo "wasm-bindgen must be 0.2.130 (found $(wasm-bindgen --version))" >&2; exit 1; }

target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
wasm="$target_dir/wasm32-unknown-unknown/release/msr_lens_ui.wasm"
rm -rf "$chrome" "$firefox"
mkdir -p "$chrome/icons"

# The background worker's engine: the `msr-lens` npm package (crates/wasm), its web build.
npm_pkg="${MSR_LENS_NPM_PKG:-}"
if [[ -z "$npm_pkg" ]]; then
  npm_pkg="$root/dist/npm/msr-lens"
  if [[ ! -f "$npm_pkg/msr_lens_bg.wasm" ]] || [[ -n "$(find crates/wasm crates/core crates/transport Cargo.lock scripts/npm-build.sh \
      -newer "$npm_pkg/msr_lens_bg.wasm" -type f -print -quit)" ]]; then
    bash "$root/scripts/npm-build.sh"
  fi
fi
for f in msr_lens.js msr_lens_bg.wasm snippets; do
  [[ -e "$npm_pkg/$f" ]] || { echo "the msr-lens package in $npm_pkg has no $f (scripts/npm-build.sh builds it)" >&2; exit 1; }
done

# Two UI modules from the same crate, so each page loads only its own code: `popup`
# (the popup view) and `pages` (options + audit).
# opt-level "z" for the UI build only (the workspace release profile says "s").
for feature in popup pages; do
  CARGO_PROFILE_RELEASE_OPT_LEVEL=z cargo build --release --target wasm32-unknown-unknown \
    -p msr-lens-ui --no-default-features --features "$feature"
  wasm-bindgen --target web --no-typescript --out-dir "$chrome/pkg/$feature" "$wasm"
  if [[ -z "${MSR_LENS_NO_OPT:-}" ]]; then
    "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-reference-types --enable-mutable-globals \
      "$chrome/pkg/$feature/msr_lens_ui_bg.wasm" -o "$chrome/pkg/$feature/msr_lens_ui_bg.wasm"
  fi
done
mkdir -p "$chrome/pkg/msr-lens"
cp -r "$npm_pkg/msr_lens.js" "$npm_pkg/msr_lens_bg.wasm" "$npm_pkg/snippets" "$npm_pkg/package.json" "$chrome/pkg/msr-lens/"
cp extension/*.html extension/*.js extension/style.css "$chrome/"
cp extension/icons/*.png "$chrome/icons/"

if [[ -n "${MSR_LENS_DEMO_ORIGIN:-}" ]]; then
  demo_pre="$dist/demo-preconfig.json"
  python3 - "$demo_pre" <<'PY'
import json, os, sys
origin = os.environ["MSR_LENS_DEMO_ORIGIN"].rstrip("/")
replicas = os.environ.get("MSR_LENS_DEMO_REPLICAS", "").split()
pre = {
    "settings": {
        "instances": [{"id": "stand-in", "name": "MSR stand-in", "origin": origin, "replicas": replicas,
                        "username": os.environ.get("MSR_LENS_DEMO_USER", "admin"), "secretKind": "token", "remember": False}],
        "pollMinutes": 1, "notifyVerdict": True, "notifyDeletions": True,
    },
    "secrets": {"stand-in": os.environ.get("MSR_LENS_DEMO_TOKEN", "")},
}
json.dump(pre, open(sys.argv[1], "w"), indent=2)
PY
  MSR_LENS_PRECONFIG="$demo_pre"
  demo_hosts="$(python3 -c 'import os, urllib.parse as u
for o in [os.environ["MSR_LENS_DEMO_ORIGIN"]] + os.environ.get("MSR_LENS_DEMO_REPLICAS", "").split():
    p = u.urlsplit(o); print(f"{p.scheme}://{p.netloc}/*")')"
  MSR_LENS_HOST_PERMISSIONS="${MSR_LENS_HOST_PERMISSIONS:-} $demo_hosts"
fi

python3 - "$root/extension/manifest.json" "$chrome/manifest.json" "${MSR_LENS_HOST_PERMISSIONS:-}" <<'PY'
import json, sys
src, dst, hosts = sys.argv[1], sys.argv[2], sys.argv[3]
m = json.load(open(src))
if hosts.strip():
    m["host_permissions"] = hosts.split()
json.dump(m, open(dst, "w"), indent=2)
PY
if [[ -n "${MSR_LENS_PRECONFIG:-}" ]]; then
  cp "$MSR_LENS_PRECONFIG" "$chrome/preconfig.json"
  # It holds a secret (an access token): readable by this user only, and said so in the build.
  chmod 600 "$chrome/preconfig.json"
  [[ -z "${demo_pre:-}" ]] || chmod 600 "$demo_pre"
  cat > "$chrome/README-DEMO.txt" <<TXT
DEMO BUILD - CONTAINS A SECRET - DO NOT SHARE OR PUBLISH

This build of MSR Lens was made with MSR_LENS_PRECONFIG${MSR_LENS_DEMO_ORIGIN:+ (cargo xtask demo)}.
preconfig.json embeds the credentials of an MSR instance${MSR_LENS_DEMO_ORIGIN:+ (user ${MSR_LENS_DEMO_USER:-admin} on ${MSR_LENS_DEMO_ORIGIN})}:
an access token, in clear text. Anyone who can read this folder or its zip can use that
token against that MSR. Delete this build when you are done with it. Builds made without
MSR_LENS_PRECONFIG / MSR_LENS_DEMO_* ship no preconfig.json and no secret.
TXT
fi

# Firefox: same files, an event-page background (the same ES module) and a gecko id.
cp -r "$chrome" "$firefox"
python3 - "$chrome/manifest.json" "$firefox/manifest.json" <<'PY'
import json, re, sys
m = json.load(open(sys.argv[1]))
m["background"] = {"scripts": ["background.js"], "type": "module"}
m.pop("minimum_chrome_version", None)
# Firefox match patterns have no port: it accepts "https://host:8443/*" but that opens
# nothing, while "https://host/*" covers every port of the host (test/demo builds only;
# a release build has no host_permissions).
if "host_permissions" in m:
    hosts = [re.sub(r"^([a-z*]+://(?:\[[^\]]*\]|[^/:]*)):\d+/", r"\1/", p) for p in m["host_permissions"]]
    m["host_permissions"] = list(dict.fromkeys(hosts))
# Firefox >= 112 runs "type": "module" background scripts, >= 115 has storage.session, and
# 140 (ESR; Android 142) reads data_collection_permissions: MSR Lens collects nothing for
# itself (it talks only to the MSR instances the user configures).
m["browser_specific_settings"] = {
    "gecko": {"id": "msr-lens@msr-lens.invalid", "strict_min_version": "140.0",
              "data_collection_permissions": {"required": ["none"]}},
    "gecko_android": {"strict_min_version": "142.0"},
}
json.dump(m, open(sys.argv[2], "w"), indent=2)
PY

python3 - "$dist" <<'PY'
import os, sys, zipfile
dist = sys.argv[1]
for name in ("chrome", "firefox"):
    base = os.path.join(dist, name)
    with zipfile.ZipFile(os.path.join(dist, f"msr-lens-{name}.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        for folder, _, files in os.walk(base):
            for f in sorted(files):
                path = os.path.join(folder, f)
                z.write(path, os.path.relpath(path, base))
PY
echo "built $chrome and $firefox (+ zips)"
for f in "$chrome"/pkg/{popup,pages}/msr_lens_ui_bg.wasm "$chrome/pkg/msr-lens/msr_lens_bg.wasm"; do
  echo "  ${f#"$chrome/pkg/"}: $(stat -c %s "$f") bytes raw, $(gzip -9 -c "$f" | wc -c) bytes gzip"
done
