// Configure through the options page, open the popup, and compare what it renders with
// the stand-in's ground truth. Also: server text with markup renders as text, and
// Authorization goes only to the configured origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { admin, configure, launch, loadStack, openPopup, resetSim, storage, watchErrors } from '../lib.mjs';

const stack = loadStack();
const XSS_IMG = '<img src=x onerror="window.__xss=1">disk almost full';
const XSS_SCRIPT = '<script>window.__xss=2</script>table unavailable';
let env;

before(async () => {
  await resetSim(stack);
  env = await launch(stack);
});
after(async () => {
  await env?.close();
  await resetSim(stack);
});

test('popup shows replicas, issues, GC, nginx and trust events as the stand-in reports them', async () => {
  const state = await admin(stack, 'GET', '/state');
  const ids = state.replica_ids;
  await admin(stack, 'POST', '/scenario', {
    replicas: { 1: { health: 'RethinkDB replica lagging <b>badly</b>' }, 2: { readonly: true } },
    current_issues: [
      { id: 'iss-crit', critical: true, description: XSS_IMG },
      { id: 'iss-minor', critical: false, type: 'log_write_error', description: XSS_SCRIPT },
    ],
    gc_running: true,
  });
  const options = await env.ctx.newPage();
  const optionErrors = watchErrors(options);
  const swErrors = [];
  env.sw.on('console', (m) => { if (m.type() === 'error') swErrors.push(m.text()); });
  // Record what the options page asks the browser for (the test build pre-grants
  // 127.0.0.1, so the real request resolves without a prompt).
  await options.addInitScript(() => {
    const request = chrome.permissions.request.bind(chrome.permissions);
    window.__asked = [];
    chrome.permissions.request = (p) => { window.__asked.push(p); return request(p); };
  });
  await configure(options, env.url, stack);
  const asked = await options.evaluate(() => window.__asked);
  const patterns = [stack.origin, ...stack.replica_origins].map((o) => `${o}/*`);
  assert.deepEqual(asked, [{ origins: patterns }], 'host permission for exactly the configured origins');

  // Every request of the extension (the background worker does the checks).
  const seen = [];
  env.ctx.on('request', (r) => seen.push({ url: r.url(), auth: 'authorization' in r.headers() }));
  const { page, errors } = await openPopup(env.ctx, env.url);
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.locator('.verdict .refresh:not([disabled])').waitFor();

  assert.equal(await page.locator('[data-verdict]').getAttribute('data-verdict'), 'degraded');
  // One row per replica, by id, with health, mode and reason.
  for (const id of ids) await page.locator(`tr[data-replica="${id}"]`).waitFor();
  const bad = page.locator(`tr[data-replica="${ids[1]}"]`);
  assert.match(await bad.locator('.health').innerText(), /unhealthy/);
  assert.match(await bad.locator('.reason').innerText(), /RethinkDB replica lagging <b>badly<\/b>/);
  assert.equal(await page.locator(`tr[data-replica="${ids[2]}"] .mode`).innerText(), 'read-only');
  assert.equal(await page.locator(`tr[data-replica="${ids[0]}"] .mode`).innerText(), 'read-write');
  // Three per-replica pings.
  assert.equal(await page.locator('[data-ping]').count(), 3);
  // Issues with criticality; markup is text.
  assert.equal(await page.locator('[data-issue="iss-crit"]').getAttribute('data-critical'), 'true');
  assert.equal(await page.locator('[data-issue="iss-crit"] .description').textContent(), XSS_IMG);
  assert.equal(await page.locator('[data-issue="iss-minor"] .description').textContent(), XSS_SCRIPT);
  assert.equal(await page.locator('.issues img, .issues script, .reason b').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.match(await page.getByTestId('gc').innerText(), /running/);
  assert.doesNotMatch(await page.getByTestId('gc').innerText(), /not running/);
  // nginx: connections near the live figure, a rate after two samples.
  const active = Number(await page.getByTestId('nginx-active').innerText());
  assert.ok(Number.isInteger(active) && active >= 1, `active ${active}`);
  assert.match(await page.getByTestId('nginx-rps').innerText(), /^\d+(\.\d)?$/);
  // Trust events: the newest five records of the feed, newest first.
  const shown = await page.locator('[data-event]').evaluateAll((els) => els.map((e) => e.dataset.event));
  const truth = await admin(stack, 'GET', '/truth/changefeed');
  const newest = truth.records.slice(-12).map((r) => String(r.id)).reverse();
  assert.equal(shown.length, 5);
  assert.deepEqual(shown, newest.slice(newest.indexOf(shown[0]), newest.indexOf(shown[0]) + 5), `shown ${shown} truth ${newest}`);
  const first = truth.records.find((r) => String(r.id) === shown[0]);
  const row = await page.locator(`[data-event="${shown[0]}"]`).innerText();
  assert.ok(row.includes(first.gun.replace(`${stack.registry_host}/`, '')), row);

  // Security: Authorization only to the configured origin (captured in the browser and
  // logged by the stand-in), never to a replica origin.
  assert.ok(seen.some((r) => r.url.startsWith(stack.origin)), `no MSR request captured: ${JSON.stringify(seen.slice(0, 5))}`);
  for (const r of seen.filter((x) => x.auth)) {
    assert.equal(new URL(r.url).origin, stack.origin, `Authorization sent to ${r.url}`);
  }
  const log = await admin(stack, 'GET', '/requests');
  const authed = log.requests.filter((r) => r.authorization);
  assert.ok(authed.length > 0);
  for (const r of authed) assert.equal(r.replica, null, `Authorization reached replica ${r.replica} at ${r.path}`);
  // No console errors apart from the expected 401 of the token challenge.
  // Chromium logs every non-2xx answer (the token challenge's 401, the unhealthy
  // replica's 503) as a console error; anything else is a real error.
  const unexpected = (list) => list.filter((e) => !/^Failed to load resource: the server responded with a status of (401|503)/.test(e));
  assert.deepEqual(unexpected(errors), [], 'popup console');
  assert.deepEqual(unexpected(optionErrors), [], 'options console');
  assert.deepEqual(unexpected(swErrors), [], 'service worker console');
  await page.close();
});

test('nothing secret in chrome.storage.local unless "remember" is ticked', async () => {
  const local = JSON.stringify(await storage(env.sw, 'local'));
  const token = stack.users.admin.token;
  assert.ok(!local.includes(token), 'token found in chrome.storage.local');
  const session = JSON.stringify(await storage(env.sw, 'session'));
  assert.ok(session.includes(token), 'token not in chrome.storage.session');

  const options = await env.ctx.newPage();
  await configure(options, env.url, stack, { name: 'Remembered', remember: true, kind: 'password' });
  const after = JSON.stringify(await storage(env.sw, 'local'));
  assert.ok(after.includes(stack.users.admin.password), 'remembered password not kept');
  assert.ok(!after.includes(token), 'the session-only token leaked into local storage');
  await options.close();
});

// The audit page's own tests are in audit.test.mjs (the list is virtualized there).

test('removing an instance forgets its snapshot, history and secret', async () => {
  const page = await env.ctx.newPage();
  await page.goto(env.url('options.html'));
  const before = await storage(env.sw, 'local');
  const id = before.settings.instances.find((i) => i.name === 'Stand-in').id;
  assert.ok(before[`snapshot:${id}`]);
  await page.getByRole('button', { name: 'Remove Stand-in' }).click();
  await page.getByRole('button', { name: 'Yes, remove Stand-in' }).click();
  await page.getByTestId('status').filter({ hasText: 'removed “Stand-in” and everything stored about it' }).waitFor();
  const local = await storage(env.sw, 'local');
  assert.ok(!local.settings.instances.some((i) => i.id === id));
  assert.equal(local[`snapshot:${id}`], undefined);
  assert.equal(local[`history:${id}`], undefined);
  assert.equal(local[`week:${id}`], undefined);
  const session = await storage(env.sw, 'session');
  assert.equal((session.secrets || {})[id], undefined);
  await page.close();
});

// "Latest trust events" says why it lists none, in its own place: the trust problem's
// sentence (a refused sign-in, no credentials), as text.
test('the trust section says why it shows no events', async () => {
  const trustWhy = async (settings) => {
    await env.sw.evaluate(() => chrome.storage.local.clear());
    const options = await env.ctx.newPage();
    await configure(options, env.url, stack, { name: 'Why', replicas: false, ...settings });
    await options.close();
    const { page, errors } = await openPopup(env.ctx, env.url);
    const why = await page.getByTestId('trust-why').innerText();
    const trustProblems = await page.locator('.problems [data-area="trust"]').evaluateAll((items) => items.map((li) => li.dataset.kind));
    await page.close();
    return { why, trustProblems, errors };
  };
  const wrong = await trustWhy({ kind: 'password', secret: 'not-the-password' });
  // The cluster status already says MSR refused the credentials: the trust feed's same
  // refusal is not listed again, and the trust section points to it.
  assert.equal(wrong.why, 'not read: MSR did not accept the credentials (see the problem above)');
  assert.deepEqual(wrong.trustProblems, []);
  const anonymous = await trustWhy({ user: '', secret: '' });
  assert.equal(anonymous.why, 'not signed in: the trust audit log needs an MSR admin account — add one in the options');
});
