// Firefox demo screenshots: the popup of the pre-configured demo build (light and dark) in
// headless firefox-esr, as PNG files next to the Chromium ones; prints their paths.
// Usage: node tests/e2e/firefox/screenshots.mjs [out-dir]   (default <repo>/.demo/screenshots)
// Needs a running stack (MSR_LENS_STACK_JSON) and a demo build (MSR_LENS_FIREFOX_EXT_DIR,
// default extension/dist/firefox, built by `cargo xtask demo` with its preconfig.json) — or
// any build, which is then configured through the options page like a user would.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, loadStack } from '../lib.mjs';
import { FIREFOX_EXT_DIR, addInstance, launchFirefox, open, statusLine, until } from './lib.mjs';

const stack = loadStack();
const out = path.resolve(process.argv[2] || path.join(ROOT, '.demo/screenshots'));
mkdirSync(out, { recursive: true });
const shots = [];

// Firefox's colour scheme for pages: 0 dark, 1 light.
for (const [scheme, override] of [['light', 1], ['dark', 0]]) {
  const env = await launchFirefox(stack, { prefs: { 'layout.css.prefers-color-scheme.content-override': override } });
  try {
    if (existsSync(path.join(FIREFOX_EXT_DIR, 'preconfig.json'))) {
      // The demo build applies its preconfig.json on install.
      await until(async () => (await env.ext(() => chrome.storage.local.get('settings'))).settings?.instances?.length, 'the demo settings');
    } else {
      const options = await open(env, 'options.html');
      await addInstance(env, options, stack, { name: 'MSR stand-in' });
      await statusLine(options, 'saved');
      await options.close();
    }
    const page = await open(env, 'popup.html', { viewport: { width: 440, height: 900 } });
    await page.waitForSelector('[data-testid=verdict][data-fresh="true"]', { timeout: 30000 });
    await page.waitForSelector('[data-event]', { timeout: 30000 });
    const file = path.join(out, `firefox-popup-${scheme}.png`);
    const main = await page.waitForSelector('main');
    await main.screenshot({ path: file });
    shots.push(file);
    await page.close();
  } finally {
    await env.close();
  }
}
for (const s of shots) console.log(s);
