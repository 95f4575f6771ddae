// The demo, after the stack is up and a demo build exists (see extension/README.md):
// with a display, opens Chromium with the extension loaded on its options page and the
// popup in a tab, and waits for Ctrl-C; without one (no DISPLAY), writes screenshots of
// the popup, options and audit views and prints their paths.
// Usage: node tests/e2e/demo.mjs [screenshot-dir]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { EXT_DIR, ROOT, loadStack, trustArgs } from './lib.mjs';

const stack = loadStack();
if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  const dir = process.argv[2] || path.join(ROOT, '.demo/screenshots');
  const child = spawn(process.execPath, [path.join(path.dirname(new URL(import.meta.url).pathname), 'screenshots.mjs'), dir], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  const profile = path.join(ROOT, '.demo/chromium-profile');
  const chromium = spawn(process.env.CHROMIUM || '/usr/bin/chromium', [
    `--user-data-dir=${profile}`, `--disable-extensions-except=${EXT_DIR}`, `--load-extension=${EXT_DIR}`,
    '--no-first-run', ...trustArgs(stack), stack.origin,
  ], { stdio: 'inherit' });
  console.log(`Chromium runs with MSR Lens from ${EXT_DIR}; click the toolbar icon. Ctrl-C stops it.`);
  const stop = () => { chromium.kill('SIGTERM'); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  chromium.on('exit', (code) => process.exit(code ?? 0));
}
