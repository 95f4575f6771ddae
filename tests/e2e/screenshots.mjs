// Demo screenshots: popup (light and dark), options (with "Test connection" results),
// the audit view, its timeline (light and dark) and a filter over a partial history with a
// deletion's record open, as PNG files; prints their paths. Then the states of issue 18,
// in light and dark: a degraded instance with its 24-hour and 7-day strips
// (popup-degraded-*), the options list with the strips (options-instances-*), several
// instances with the worst opened (popup-several-*), a forgotten secret (popup-secret-*),
// a wrong secret (popup-signin-*) and a non-admin account (popup-partial-*).
// Usage: node tests/e2e/screenshots.mjs [out-dir]   (default <repo>/.demo/screenshots)
// Needs a running stack (MSR_LENS_STACK_JSON) and a test or demo build (MSR_LENS_EXT_DIR,
// default extension/dist/test/chrome, built by run.mjs).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { EXT_DIR, ROOT, admin, configure, launch, loadStack, openPopup, resetSim } from './lib.mjs';

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
    // The banner needs a partial history (more than one page of records): a stand-in with
    // less has everything loaded at once, and there is no scope to show.
    await timeline.locator('[data-testid=scope], [data-testid=complete]').first().waitFor({ timeout: 20000 });
    if (await timeline.getByTestId('scope').isVisible()) {
      await timeline.locator('[data-testid=audit] tbody tr').first().click();
      await timeline.getByTestId('record').waitFor();
      const scopeFile = path.join(out, `audit-scope-${colorScheme}.png`);
      await timeline.screenshot({ path: scopeFile, fullPage: true });
      shots.push(scopeFile);
    } else {
      console.log(`screenshots: no audit-scope-${colorScheme}.png — the whole history fits in one page (\`cargo xtask demo\` adds older records to a small history; or \`cargo xtask stack load 3000 --older\`)`);
    }
    await timeline.close();
    await glanceShots(env, options, colorScheme);
  } finally {
    await env.close();
  }
}
for (const s of shots) console.log(s);

// The stand-in has run for minutes, not days: write a day of checks (every 5 minutes)
// and a week of hourly buckets the way the background worker stores them, with a
// degraded stretch and a short outage, so the strips show what they are for.
async function writeHistory(env) {
  await env.sw.evaluate(async () => {
    const { settings } = await chrome.storage.local.get('settings');
    const id = settings.instances[0].id;
    const now = Date.now();
    const history = [];
    for (let t = now - 24 * 3600_000 + 60_000; t < now - 10 * 60_000; t += 5 * 60_000) {
      const ago = (now - t) / 3600_000;
      let verdict = 'healthy';
      let reason = null;
      if (ago > 8.2 && ago < 9) { verdict = 'degraded'; reason = '1 replica unhealthy: RethinkDB replica lagging'; }
      if (ago > 2.9 && ago < 3.1) { verdict = 'down'; reason = 'every replica answered 503 to /_ping'; }
      const rps = verdict === 'down' ? null : Math.round((6 + 4 * Math.sin(t / 5_400_000) + (t % 7)) * 10) / 10;
      history.push({ t, verdict, rps, active: verdict === 'down' ? null : 4, reason });
    }
    const week = [];
    for (let t = now - (now % 3600_000) - 167 * 3600_000; t < now - 3600_000; t += 3600_000) {
      const ago = Math.round((now - t) / 3600_000);
      const bad = ago === 9 ? 'degraded' : ago === 3 ? 'down' : ago === 50 || ago === 51 ? 'degraded' : null;
      week.push({ t, verdict: bad || 'healthy', checks: 60, healthy: bad ? 42 : 60, reason: bad ? 'replica lagging' : null });
    }
    const { [`history:${id}`]: real = [], [`week:${id}`]: realWeek = [] } = await chrome.storage.local.get([`history:${id}`, `week:${id}`]);
    await chrome.storage.local.set({ [`history:${id}`]: [...history, ...real], [`week:${id}`]: [...week, ...realWeek] });
  });
}

function closedPort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

async function shoot(page, name) {
  const file = path.join(out, name);
  await page.locator('main').screenshot({ path: file });
  shots.push(file);
}

async function glanceShots(env, options, colorScheme) {
  // The background worker checks every instance now (asked from an extension page).
  await options.goto(env.url('options.html'));
  const refreshAll = () => options.evaluate(() => chrome.runtime.sendMessage({ type: 'refresh' }));
  await writeHistory(env);
  await admin(stack, 'POST', '/scenario', {
    replicas: { 1: { health: 'RethinkDB replica lagging' } },
    current_issues: [{ critical: true, type: 'table_availability', description: '15 tables not ready' }],
  });
  await refreshAll();
  let { page } = await openPopup(env.ctx, env.url);
  await page.locator('[data-testid=strip-24h] .seg.s-degraded').first().waitFor();
  await shoot(page, `popup-degraded-${colorScheme}.png`);
  await page.close();

  await options.setViewportSize({ width: 900, height: 700 });
  await options.goto(env.url('options.html'));
  await options.locator('[data-testid=strip-24h] .seg.s-degraded').first().waitFor();
  await shoot(options, `options-instances-${colorScheme}.png`);

  // A second instance nobody answers for: the popup opens on it, the worst.
  await resetSim(stack);
  const port = await closedPort();
  await env.sw.evaluate(async (origin) => {
    const { settings } = await chrome.storage.local.get('settings');
    settings.instances.push({ id: 'staging', name: 'Staging', origin, replicas: [], username: '', secretKind: 'token', remember: false });
    await chrome.storage.local.set({ settings, selectedAt: 0 });
  }, `https://127.0.0.1:${port}`);
  await refreshAll();
  ({ page } = await openPopup(env.ctx, env.url));
  await page.locator('button[data-instance][aria-current="true"]', { hasText: 'Staging' }).waitFor();
  await shoot(page, `popup-several-${colorScheme}.png`);
  await page.close();

  // The browser restarted: the session secret is gone.
  await env.sw.evaluate(async () => {
    const { settings } = await chrome.storage.local.get('settings');
    settings.instances = settings.instances.filter((i) => i.id !== 'staging');
    await chrome.storage.local.set({ settings, selected: settings.instances[0].id, selectedAt: Date.now() });
    await chrome.storage.local.remove(['snapshot:staging', 'history:staging', 'week:staging']);
    await chrome.storage.session.clear();
  });
  await refreshAll();
  ({ page } = await openPopup(env.ctx, env.url));
  await page.getByTestId('secret-prompt').waitFor();
  await shoot(page, `popup-secret-${colorScheme}.png`);
  await page.close();

  // A wrong secret: never green ("Unknown", cannot sign in).
  await env.sw.evaluate(async () => {
    const { settings } = await chrome.storage.local.get('settings');
    await chrome.storage.session.set({ secrets: { [settings.instances[0].id]: 'not-the-token' } });
  });
  await refreshAll();
  ({ page } = await openPopup(env.ctx, env.url));
  await page.locator('.verdict [data-verdict="unknown"]').waitFor();
  await shoot(page, `popup-signin-${colorScheme}.png`);
  await page.close();

  // A second instance signed in as a non-admin: reachable, cluster status not checked.
  await env.sw.evaluate(async (token) => {
    const { settings } = await chrome.storage.local.get('settings');
    const main = settings.instances[0];
    settings.instances.push({ id: 'dev', name: 'as dev', origin: main.origin, replicas: main.replicas, username: 'dev', secretKind: 'token', remember: false });
    const { secrets = {} } = await chrome.storage.session.get('secrets');
    await chrome.storage.session.set({ secrets: { ...secrets, dev: token } });
    await chrome.storage.local.set({ settings, selected: 'dev', selectedAt: Date.now() });
  }, stack.users.dev.token);
  await refreshAll();
  ({ page } = await openPopup(env.ctx, env.url));
  await page.locator('.verdict [data-verdict="reachable"]').waitFor();
  await shoot(page, `popup-partial-${colorScheme}.png`);
  await page.close();
}
