// Demo screenshots: popup (light and dark), options (with "Test connection" results),
// the audit view, its timeline (light and dark) and a filter over a partial history with a
// deletion's record open, as PNG files; prints their paths.
// Usage: node tests/e2e/screenshots.mjs [out-dir]   (default <repo>/.demo/screenshots)
// Needs a running stack (MSR_LENS_STACK_JSON) and a test or demo build (MSR_LENS_EXT_DIR,
// default extension/dist/test/chrome, built by run.mjs).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { EXT_DIR, ROOT, configure, launch, loadStack, openPopup } from './lib.mjs';

const stack = loadStack();
const out = path.resolve(process.argv[2] || path.join(ROOT, '.demo/screenshots'));
mkdirSync(out, { recursive: true });
const shots = [];

for (const colorScheme of ['light', 'dark']) {
  const env = await launch(stack, { colorScheme, viewport: { width: 440, height: 900 } });
  try {
    const options = await env.ctx.newPage();
    // A demo build applies its preconfig.json on install; a test build is configured here.
    if (existsSync(path.join(EXT_DIR, 'preconfig.json'))) {
      await env.sw.evaluate(async () => {
        for (let i = 0; i < 100; i += 1) {
          const { settings } = await chrome.storage.local.get('settings');
          if (settings?.instances?.length) return;
          await new Promise((r) => setTimeout(r, 50));
        }
      });
    } else {
      await configure(options, env.url, stack, { name: 'MSR stand-in' });
    }
    const { page } = await openPopup(env.ctx, env.url);
    const popupFile = path.join(out, `popup-${colorScheme}.png`);
    await page.locator('main').screenshot({ path: popupFile });
    shots.push(popupFile);
    if (colorScheme === 'light') {
      await options.setViewportSize({ width: 900, height: 1000 });
      await options.goto(env.url('options.html'));
      await options.getByRole('button', { name: /^Edit/ }).first().click();
      await options.getByRole('button', { name: 'Test connection' }).click();
      await options.getByTestId('test-results').waitFor({ timeout: 20000 });
      const optionsFile = path.join(out, 'options.png');
      await options.screenshot({ path: optionsFile, fullPage: true });
      shots.push(optionsFile);
      const audit = await env.ctx.newPage();
      await audit.setViewportSize({ width: 1000, height: 900 });
      await audit.goto(env.url('audit.html'));
      await audit.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
      const auditFile = path.join(out, 'audit.png');
      await audit.screenshot({ path: auditFile });
      shots.push(auditFile);
    }
    // The timeline over the newest records, full width.
    const timeline = await env.ctx.newPage();
    await timeline.setViewportSize({ width: 1200, height: 800 });
    await timeline.goto(env.url('audit.html'));
    await timeline.getByTestId('timeline').waitFor({ timeout: 20000 });
    const timelineFile = path.join(out, `audit-timeline-${colorScheme}.png`);
    await timeline.screenshot({ path: timelineFile });
    shots.push(timelineFile);
    // Deletions only, before everything is loaded: the scope banner; a deletion's record.
    await timeline.goto(env.url('audit.html#category=deletion'));
    await timeline.reload();
    await timeline.getByTestId('scope').waitFor({ timeout: 20000 });
    await timeline.locator('[data-testid=audit] tbody tr').first().click();
    await timeline.getByTestId('record').waitFor();
    const scopeFile = path.join(out, `audit-scope-${colorScheme}.png`);
    await timeline.screenshot({ path: scopeFile, fullPage: true });
    shots.push(scopeFile);
    await timeline.close();
  } finally {
    await env.close();
  }
}
for (const s of shots) console.log(s);
