// Firefox: the truth at a glance — the banner's one line with critical issues first, and
// several instances with status dots: the toolbar button opens the popup (in Firefox's
// panel) on the worst one, its tooltip names it, and a pick is kept for the next opening.
// Follows tests/e2e/test/glance.test.mjs.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { admin, loadStack, resetSim } from '../../lib.mjs';
import { addInstance, closeToolbarPopup, extensionErrors, launchFirefox, open, openToolbarPopup, popupSettled, statusLine, toolbarBadge, toolbarPopupShows, until } from '../lib.mjs';

const stack = loadStack();
const host = new URL(stack.origin).hostname;
let env;
// No tab is closed while the test runs (see messages.test.mjs: Firefox logs an extension
// API promise still pending when its page unloads as an error); each test saves on an
// options page of its own, opened after the slate was cleaned (an options page keeps the
// instances it read). The toolbar popup's panel is closed as a user closes it.
let options;
// Firefox asks for the host once; later instances are on the same host (every port).
let granted = false;

before(async () => {
  assert.equal(host, '127.0.0.1', 'the closed port of this test is on 127.0.0.1, the stand-in\'s host');
  await resetSim(stack);
  env = await launchFirefox(stack);
});
after(async () => {
  await env?.close();
  await resetSim(stack);
});
beforeEach(async () => { await resetSim(stack); });

function closedPort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

// Drop every configured instance and what is stored about them (a clean slate per test),
// then open the options page to save new ones on.
async function clearInstances() {
  await env.ext(async () => {
    await chrome.storage.local.clear();
    await chrome.storage.session.clear();
    return true;
  });
  options = await open(env, 'options.html');
}

async function save(opts) {
  await addInstance(env, options, stack, { ...opts, prompt: granted ? null : 'allow' });
  granted = true;
  await statusLine(options, `saved “${opts.name}”`);
}

test('banner: one line of reasons, critical issues first; issues above the replicas', async () => {
  await clearInstances();
  await admin(stack, 'POST', '/scenario', {
    replicas: { 1: { health: 'RethinkDB replica lagging' } },
    current_issues: [
      { id: 'iss-minor', critical: false, type: 'log_write_error', description: 'log write failed' },
      { id: 'iss-crit', critical: true, type: 'table_availability', description: 'Table `dtr.tags` is not ready' },
    ],
  });
  await save({ name: 'banner' });
  const page = await open(env, 'popup.html');
  const shown = await popupSettled(page, 'banner', 'a degraded check', (s) => s.verdict === 'degraded');
  const tables = /^1 critical issue · 1 replica unhealthy · 1 minor issue · (\d+) tables? not ready$/.exec(shown.summary);
  assert.ok(tables, shown.summary);
  const details = await page.evaluate(() => ({
    tables: document.querySelector('[data-testid=other-reasons] [data-code=tablesReplicasNotReady]')?.textContent,
    issues: [...document.querySelectorAll('[data-issue]')].map((e) => [e.dataset.issue, e.textContent]),
    issuesFirst: Boolean(document.querySelector('[data-testid=issues]').compareDocumentPosition(document.querySelector('[data-testid=replicas]')) & Node.DOCUMENT_POSITION_FOLLOWING),
    registryHost: document.querySelector('[data-testid=registry-host]')?.textContent,
    repos: [...document.querySelectorAll('[data-event] .repo')].map((e) => e.textContent),
  }));
  assert.match(details.tables, new RegExp(`^info ${tables[1]} table\\(s\\) have replicas that are not ready: `));
  assert.deepEqual(details.issues, [
    ['iss-crit', 'critical table_availability: Table `dtr.tags` is not ready'],
    ['iss-minor', 'minor log_write_error: log write failed'],
  ]);
  assert.ok(details.issuesFirst, 'issues before replicas');
  assert.equal(details.registryHost, `repositories on ${stack.registry_host}`);
  assert.ok(details.repos.length > 0, 'no trust events');
  for (const row of details.repos) assert.ok(!row.includes(stack.registry_host), row);
});

test('several instances: the toolbar popup opens on the worst, with status dots; the tooltip names it; a pick is kept', async () => {
  await clearInstances();
  const port = await closedPort();
  await save({ name: 'Broken', origin: `https://127.0.0.1:${port}`, replicas: false });
  await save({ name: 'Good' });
  const { results } = await env.ext(() => chrome.runtime.sendMessage({ type: 'refresh' }));
  assert.deepEqual(results.map((r) => r.verdict).sort(), ['healthy', 'unknown'], JSON.stringify(results.map((r) => r.problems)));
  // "Good" was saved last (picked); once that is more than two minutes ago the popup
  // opens on the worst instance.
  await env.ext(() => chrome.storage.local.set({ selectedAt: Date.now() - 10 * 60_000 }));
  await openToolbarPopup(env);
  const shows = () => toolbarPopupShows(env);
  const shown = await popupSettled(null, 'Broken', 'the toolbar popup on "Broken"', () => true, { shows });
  assert.deepEqual(shown.instances, [
    { name: 'Broken', state: 'unknown', current: true },
    { name: 'Good', state: 'healthy', current: false },
  ]);
  assert.equal(shown.verdict, 'unknown');
  // Nothing was read from it: every cluster section says unknown, never "none".
  assert.equal(shown.summary, 'not reachable');
  const sections = await env.ext(() => {
    const doc = chrome.extension.getViews({ type: 'popup' })[0].document;
    return { issues: doc.querySelector('[data-testid=issues]').textContent, gc: doc.querySelector('[data-testid=gc]').textContent };
  });
  assert.match(sections.issues, /unknown \(cluster status was not read\)/);
  assert.doesNotMatch(sections.issues, /\bnone\b/);
  assert.match(sections.gc, /Garbage collection: unknown/);
  // Firefox's unreachable message names its own error.
  const why = `nothing listens at 127.0.0.1:${port} (connection refused: NS_ERROR_CONNECTION_REFUSED)`;
  assert.deepEqual(shown.problems.map((p) => [p.area, p.kind, p.text]), [['connection', 'unreachable', `could not reach https://127.0.0.1:${port}: ${why}`]]);
  // The toolbar button's tooltip (set after the worker stored history and notifications
  // for each snapshot, so it may lag the refresh answer) names "Broken".
  const TITLE = new RegExp(`^MSR Lens: Broken unknown \\(1 needs attention; 1 other instance\\) — could not reach https://127\\.0\\.0\\.1:${port}`);
  await until(async () => {
    const badge = await toolbarBadge(env);
    return TITLE.test(badge.title) ? badge : { ok: false, ...badge };
  }, 'the toolbar tooltip naming "Broken"');
  // Picking the other one in the panel shows it, and it stays picked for the next opening.
  await env.ext(() => [...chrome.extension.getViews({ type: 'popup' })[0].document.querySelectorAll('button[data-instance]')]
    .find((b) => b.querySelector('.name').textContent === 'Good').click());
  const good = await popupSettled(null, 'Good', 'the toolbar popup on "Good"', (s) => s.verdict === 'healthy', { shows });
  assert.deepEqual(good.instances.map((i) => [i.name, i.current]), [['Broken', false], ['Good', true]]);
  assert.deepEqual(good.problems, []);
  await closeToolbarPopup(env);
  await openToolbarPopup(env);
  const again = await popupSettled(null, 'Good', 'the reopened toolbar popup on "Good"', () => true, { shows });
  assert.equal(again.instances.find((i) => i.current)?.name, 'Good');
  await closeToolbarPopup(env);
});

test('no extension context logged an error', async () => {
  const messages = await env.consoleMessages();
  assert.deepEqual(extensionErrors(messages), [], JSON.stringify(messages, null, 1));
});
