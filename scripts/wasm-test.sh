#!/usr/bin/env bash
# wasm-bindgen tests of the fetch transport (crates/transport/tests/wasm_fetch.rs) and the
# bindings (crates/wasm/tests/bindings.rs), against the fake MSR of npm/test/fake-msr.mjs,
# run by wasm-pack: first `wasm-pack test --node`, then `wasm-pack test --headless
# --chrome` (Debian chromium + /usr/bin/chromedriver). wasm-pack uses the
# wasm-bindgen-test-runner installed with wasm-bindgen-cli (on PATH, same version).
#
#   scripts/wasm-test.sh              node and chromium
#   scripts/wasm-test.sh node         node only
#   scripts/wasm-test.sh browser      chromium only
#   MSR_LENS_FAKE_PORT=<port> picks the fake server's ports (port .. port+2); default
#   MSR_LENS_PORT_BASE + 40 (8483), so checkouts that test side by side with their own
#   MSR_LENS_PORT_BASE do not collide
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WHICH=${1:-all}
PORT=${MSR_LENS_FAKE_PORT:-$(( ${MSR_LENS_PORT_BASE:-8443} + 40 ))}

command -v wasm-bindgen-test-runner >/dev/null || {
  echo "wasm-test: wasm-bindgen-test-runner missing: cargo install wasm-bindgen-cli --version 0.2.130" >&2
  exit 1
}
command -v wasm-pack >/dev/null || { echo "wasm-test: wasm-pack missing: cargo install wasm-pack" >&2; exit 1; }

LOG=$(mktemp)
node npm/test/fake-msr.mjs "$PORT" >"$LOG" 2>&1 &
FAKE_PID=$!
trap 'kill $FAKE_PID 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 100); do
  grep -q "fake-msr ready" "$LOG" && break
  kill -0 $FAKE_PID 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.1
done
read -r _ _ ORIGIN REPLICA REPLICA2 < <(grep "fake-msr ready" "$LOG")
export MSR_LENS_FAKE_MSR=$ORIGIN MSR_LENS_FAKE_REPLICA=$REPLICA MSR_LENS_FAKE_REPLICA2=$REPLICA2
echo "wasm-test: fake MSR at $ORIGIN (replica $REPLICA)"

export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-60}
# Each crate with its wasm test target.
run() {
  wasm-pack test "$@" crates/transport --locked --test wasm_fetch
  wasm-pack test "$@" crates/wasm --locked --test bindings
}

if [ "$WHICH" = all ] || [ "$WHICH" = node ]; then
  echo "wasm-test: wasm-pack test --node (Node.js $(node --version))"
  run --node
fi
if [ "$WHICH" = all ] || [ "$WHICH" = browser ]; then
  echo "wasm-test: wasm-pack test --headless --chrome ($(chromium --version 2>/dev/null || echo chromium))"
  # The suites are not `run_in_browser` (the same tests run in Node.js): tell the runner.
  WASM_BINDGEN_USE_BROWSER=1 run --headless --chrome --chromedriver "${CHROMEDRIVER:-/usr/bin/chromedriver}"
fi
