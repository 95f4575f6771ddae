#!/usr/bin/env bash
# Tests of the msr-lens npm package (node --test npm/test/): the packed tarball's contents,
# package.json and exports map, `tsc --noEmit` of an example consumer, the JS API against a
# fake MSR, the generated declarations against real results, and — when the stack is up —
# the JS API against the stack (.stack/stack.json, or $MSR_LENS_STACK_DIR/stack.json).
#
#   scripts/npm-test.sh               build the package (scripts/npm-build.sh), then test
#   MSR_LENS_NPM_SKIP_BUILD=1 scripts/npm-test.sh   test the package already in dist/npm
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ "${MSR_LENS_NPM_SKIP_BUILD:-0}" != 1 ]; then
  scripts/npm-build.sh
fi
if [ ! -x npm/node_modules/.bin/tsc ]; then
  (cd npm && npm ci --no-audit --no-fund --loglevel=error)
fi

STACK_JSON=${MSR_LENS_STACK_DIR:-$ROOT/.stack}/stack.json
if [ -f "$STACK_JSON" ]; then
  CA=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).ca_file)' "$STACK_JSON")
  export NODE_EXTRA_CA_CERTS=$CA
  echo "npm-test: stack found ($STACK_JSON); Node.js trusts $CA"
else
  echo "npm-test: no stack ($STACK_JSON missing): the stack tests will be skipped"
fi
node --test npm/test/*.test.mjs
