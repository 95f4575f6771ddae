// axe-core: no serious or critical violation in the popup, options and audit pages,
// in the light and the dark theme; the popup is usable with the keyboard alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { configure, launch, loadStack, openPopup, resetSim, admin } from '../lib.mjs';

const stack = loadStack();
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function axe(page) {
  // Runtime.evaluate is not subject to the extension page CSP (an inline <script> would be).
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

for (const colorScheme of ['light', 'dark']) {
  test(`axe: popup, options and audit in the ${colorScheme} theme`, async () => {
    await resetSim(stack);
    await admin(stack, 'POST', '/scenario', {
      replicas: { 1: { health: 'Rethinkdb has issues' }, 2: { readonly: true, stale_secs: 900 } },
      current_issues: [{ critical: true, description: 'table unavailable' }, { critical: false, description: 'log write error' }],
      gc_running: true,
      workers: { 0: { status: 'dead' } },
      jobs_failing: true,
      waiting_job_age_secs: 600,
    });
    const env = await launch(stack, { colorScheme });
    try {
      const options = await env.ctx.newPage();
      await configure(options, env.url, stack);
      assert.deepEqual(await axe(options), []);
      await options.getByRole('button', { name: /^Edit/ }).click();
      await options.locator('#f-origin').waitFor();
      assert.deepEqual(await axe(options), []);
      const { page } = await openPopup(env.ctx, env.url);
      await page.locator('[data-testid=jobs] [data-state=dead]').waitFor({ timeout: 20000 });
      assert.deepEqual(await axe(page), []);
      // The options page with the replicas MSR lists (from the check just made).
      await options.reload();
      await options.getByTestId('discovered').waitFor({ timeout: 20000 });
      assert.deepEqual(await axe(options), []);
      const audit = await env.ctx.newPage();
      await audit.goto(env.url('audit.html'));
      await audit.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
      assert.deepEqual(await axe(audit), []);
    } finally {
      await env.close();
      await resetSim(stack);
    }
  });
}

test('popup is keyboard usable: Tab reaches Refresh, Enter re-checks', async () => {
  await resetSim(stack);
  const env = await launch(stack);
  try {
    const options = await env.ctx.newPage();
    await configure(options, env.url, stack);
    const { page } = await openPopup(env.ctx, env.url);
    let focused = '';
    for (let i = 0; i < 5 && focused !== 'Refresh'; i += 1) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
    }
    assert.equal(focused, 'Refresh');
    const before = await page.locator('.verdict .muted').innerText();
    await page.keyboard.press('Enter');
    await page.locator('.verdict .refresh[disabled]').waitFor({ timeout: 5000 }).catch(() => {});
    await page.locator('.verdict .refresh:not([disabled])').waitFor();
    assert.ok(before.startsWith('checked'));
    // The audit link and the options button are reachable too.
    const names = [];
    for (let i = 0; i < 12; i += 1) {
      await page.keyboard.press('Tab');
      names.push(await page.evaluate(() => document.activeElement?.textContent?.trim()));
    }
    assert.ok(names.includes('Full audit log →'), names.join('|'));
    assert.ok(names.includes('Options'), names.join('|'));
  } finally {
    await env.close();
  }
});
