#!/usr/bin/env bash
# Installs everything MSR Lens needs on a fresh Debian 12 machine of this project's kind.
# Idempotent: a second run installs nothing and takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need_apt=()
command -v notary-server >/dev/null || need_apt+=(notary)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v curl >/dev/null || need_apt+=(curl)
command -v jq >/dev/null || need_apt+=(jq)
command -v psql >/dev/null || need_apt+=(postgresql-client)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)
# Firefox ESR for the Firefox e2e suite (tests/e2e/firefox, driven over WebDriver BiDi) and
# `cargo xtask demo --browser firefox`; certutil puts the stand-in's CA into its profiles.
[ -x /usr/bin/firefox-esr ] || need_apt+=(firefox-esr)
command -v certutil >/dev/null || need_apt+=(libnss3-tools)
command -v node >/dev/null || need_apt+=(nodejs npm)
# Prometheus and promtool for the exporter's tests (`msr-lens exporter` scraped by a real
# Prometheus; `promtool check metrics`, `promtool test rules deploy/prometheus/alerts.test.yml`).
[ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ] || need_apt+=(prometheus)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# Debian starts a system Prometheus on :9090 (and its node exporter) on install; the tests
# start their own on loopback ports of their own.
if [ -x /usr/sbin/service ] && pgrep -x prometheus >/dev/null 2>&1 && [ -f /etc/default/prometheus ]; then
  $SUDO service prometheus stop >/dev/null 2>&1 || true
  $SUDO service prometheus-node-exporter stop >/dev/null 2>&1 || true
fi
# Debian starts a system nginx on port 80 on install; MSR Lens runs its own.
if [ -x /usr/sbin/service ] && pgrep -x nginx >/dev/null 2>&1 && [ -f /run/nginx.pid ]; then
  $SUDO service nginx stop >/dev/null 2>&1 || true
fi

rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
# wasm-bindgen CLI: exactly the version of the wasm-bindgen crate in Cargo.lock (a mismatch
# fails at build time). Not --locked: the registry here lacks one of its locked deps.
want_wbg=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p' | head -1)
have_wbg=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ -n "$want_wbg" ] && [ "$want_wbg" != "$have_wbg" ]; then
  echo "setup: cargo install wasm-bindgen-cli $want_wbg (about 4 minutes)"
  cargo install -q wasm-bindgen-cli --version "$want_wbg"
fi

# Node packages for the browser tests, the wasm-opt of npm binaryen (never Debian's) and
# the demo screenshots: installed when missing or when the lock file changed.
for dir in tests/e2e npm; do
  [ -f "$dir/package-lock.json" ] || continue
  stamp="$dir/node_modules/.msr-lens-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    echo "setup: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
done
echo "setup: ok"
