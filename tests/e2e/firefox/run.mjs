// Build the release extension (extension/dist/{chrome,firefox}: nothing pre-granted, no
// preconfig — what `cargo xtask extension` makes), then run the Firefox e2e tests with
// node --test against the running stand-in.
// Usage: node tests/e2e/firefox/run.mjs [test files...]   (MSR_LENS_SKIP_BUILD=1 skips the build)
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../lib.mjs';

if (!process.env.MSR_LENS_SKIP_BUILD) {
  const env = { ...process.env };
  // A release build: whatever a demo or test build was asked for elsewhere does not apply.
  for (const key of Object.keys(env)) {
    if (/^MSR_LENS_(DIST|HOST_PERMISSIONS|PRECONFIG|DEMO_.*)$/.test(key)) delete env[key];
  }
  execFileSync('bash', [path.join(ROOT, 'scripts/extension-build.sh')], { stdio: 'inherit', env });
}
const files = process.argv.slice(2);
const here = path.dirname(new URL(import.meta.url).pathname);
const started = Date.now();
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...(files.length ? files : [path.join(here, 'test')])], { stdio: 'inherit' });
console.log(`firefox e2e: ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(r.status ?? 1);
