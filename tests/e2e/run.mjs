// Build the test variant of the extension once, then run the e2e tests with node --test.
// Usage: node tests/e2e/run.mjs [test files...]
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './lib.mjs';

if (!process.env.MSR_LENS_SKIP_BUILD) {
  execFileSync('bash', [path.join(ROOT, 'scripts/extension-build.sh')], {
    stdio: 'inherit',
    env: { ...process.env, MSR_LENS_DIST: path.join(ROOT, 'extension/dist/test'), MSR_LENS_HOST_PERMISSIONS: 'https://127.0.0.1/*' },
  });
}
const files = process.argv.slice(2);
const here = path.dirname(new URL(import.meta.url).pathname);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...(files.length ? files : [path.join(here, 'test')])], { stdio: 'inherit' });
process.exit(r.status ?? 1);
