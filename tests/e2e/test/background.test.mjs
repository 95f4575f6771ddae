// The background worker: badge colour/text follow the verdict, notifications on a
// verdict change and on a new trust deletion, bounded history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, admin, configure, launch, loadStack, resetSim } from '../lib.mjs';

const stack = loadStack();
let env;
let page;

const GREEN = [30, 142, 62, 255];
const AMBER = [227, 116, 0, 255];
const RED = [217, 48, 37, 255];
const BLUE = [26, 115, 232, 255];
const PURPLE = [147, 52, 230, 255];

before(async () => {
  await resetSim(stack);
  env = await launch(stack);
  page = await env.ctx.newPage();
  await configure(page, env.url, stack, { name: 'bg' });
});
after(async () => { await env?.close(); await resetSim(stack); });

const badge = () => env.sw.evaluate(async () => ({
  text: await chrome.action.getBadgeText({}),
  color: await chrome.action.getBadgeBackgroundColor({}),
}));
const refresh = () => page.evaluate(() => chrome.runtime.sendMessage({ type: 'refresh' }));
const notifications = () => env.sw.evaluate(() => chrome.notifications.getAll());

async function until(fn, what, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last.ok) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what}: last seen ${JSON.stringify(last)}`);
}

test('the worker checks with the msr-lens package: its snapshot matches the stand-in', async () => {
  const pkg = await env.sw.evaluate(() => fetch(chrome.runtime.getURL('pkg/msr-lens/package.json')).then((r) => r.json()));
  assert.equal(pkg.name, 'msr-lens');
  const gone = await env.sw.evaluate(() => fetch(chrome.runtime.getURL('pkg/worker/msr_lens_ui.js')).then((r) => r.status, () => 'absent'));
  assert.notEqual(gone, 200, 'the UI crate\'s worker module is still shipped');
  const answer = await refresh();
  assert.equal(answer.ok, true);
  const [snap] = answer.results;
  // The fields of crates/ui/src/model.rs `Snapshot` (what the popup parses), no more.
  const model = readFileSync(path.join(ROOT, 'crates/ui/src/model.rs'), 'utf8');
  const fields = [.../pub struct Snapshot \{([\s\S]*?)\n\}/.exec(model)[1].matchAll(/pub (\w+):/g)]
    .map((m) => m[1].replace(/_(\w)/g, (_, c) => c.toUpperCase())).sort();
  assert.deepEqual(Object.keys(snap).sort(), fields);
  assert.deepEqual([snap.verdict, snap.pendingTrust, snap.problems], ['healthy', false, []]);
  const state = await admin(stack, 'GET', '/state');
  assert.deepEqual(snap.replicas.map((r) => r.id).sort(), [...state.replica_ids].sort());
  assert.deepEqual(snap.pings.map((p) => p.label), stack.replica_origins.map((o) => new URL(o).host));
  const truth = await admin(stack, 'GET', '/truth/changefeed');
  assert.deepEqual(snap.trust.events.map((e) => e.id), truth.records.slice(-10).map((r) => String(r.id)).reverse());
  assert.equal(snap.trust.events[0].repository, truth.records.at(-1).gun.replace(`${stack.registry_host}/`, ''));
  assert.ok(snap.nginx && snap.nginx.active >= 1, JSON.stringify(snap.nginx));
  // What the popup reads is what the worker answered.
  const stored = await env.sw.evaluate(async (id) => (await chrome.storage.local.get(`snapshot:${id}`))[`snapshot:${id}`], snap.instanceId);
  assert.deepEqual(stored, snap);
});

test('badge follows the verdict, and a verdict change notifies', async () => {
  await refresh();
  await until(async () => { const b = await badge(); return { ...b, ok: b.text === '' && b.color.join() === GREEN.join() }; }, 'green badge');

  await admin(stack, 'POST', '/scenario', { replicas: { 1: { health: 'Rethinkdb has issues' } } });
  await refresh();
  await until(async () => { const b = await badge(); return { ...b, ok: b.text === '1' && b.color.join() === AMBER.join() }; }, 'amber badge with 1');
  // notifications.create is not awaited by the worker: the notification may land after the badge.
  await until(async () => {
    const keys = Object.keys(await notifications());
    return { keys, ok: keys.some((k) => k.startsWith('verdict:')) };
  }, 'a verdict notification');

  await admin(stack, 'POST', '/scenario', { replicas: { 0: { healthy: false }, 1: { healthy: false }, 2: { healthy: false } } });
  await refresh();
  await until(async () => { const b = await badge(); return { ...b, ok: b.color.join() === RED.join() }; }, 'red badge');

  await resetSim(stack);
  await refresh();
  await until(async () => { const b = await badge(); return { ...b, ok: b.color.join() === GREEN.join() }; }, 'green again');
});

test('a wrong password is never green: purple "auth"; no secret: blue "up"', async () => {
  // Change the stored secret the way the options page stores it (session storage).
  const setSecret = (secret) => env.sw.evaluate(async (value) => {
    const { settings } = await chrome.storage.local.get('settings');
    const id = settings.instances[0].id;
    const { secrets = {} } = await chrome.storage.session.get('secrets');
    const kept = secrets[id];
    if (value === null) delete secrets[id]; else secrets[id] = value;
    await chrome.storage.session.set({ secrets });
    return kept;
  }, secret);
  const title = () => env.sw.evaluate(() => chrome.action.getTitle({}));
  const verdictOf = (answer) => answer.results[0].verdict;
  const kept = await setSecret('not-the-secret');
  try {
    const answer = await refresh();
    assert.equal(verdictOf(answer), 'unknown');
    assert.equal(answer.results[0].reasons[0].code, 'signInFailed');
    await until(async () => { const b = await badge(); return { ...b, ok: b.text === 'auth' && b.color.join() === PURPLE.join() }; }, 'purple auth badge');
    assert.match(await title(), /cannot sign in/);

    await setSecret(null);
    const anonymous = await refresh();
    assert.equal(verdictOf(anonymous), 'reachable');
    await until(async () => { const b = await badge(); return { ...b, ok: b.text === 'up' && b.color.join() === BLUE.join() }; }, 'blue up badge');
    assert.match(await title(), /^MSR Lens: .+ reachable \(cluster status not checked\) — \S/);
  } finally {
    await setSecret(kept);
  }
  await refresh();
  await until(async () => { const b = await badge(); return { ...b, ok: b.text === '' && b.color.join() === GREEN.join() }; }, 'green again');
});

// The worker stores a check's health half first, then the complete snapshot with the same
// `checkedAt`. When only MSR's token service refuses the credentials (cluster status,
// with basic auth, accepts them), the health half is "healthy" and the complete snapshot
// "unknown: cannot sign in". History, week buckets and notifications follow the latter.
test('history, the week bucket and notifications carry a check\'s final verdict, once per change', async () => {
  const id = await env.sw.evaluate(async () => (await chrome.storage.local.get('settings')).settings.instances[0].id);
  const stored = (key) => env.sw.evaluate(async (k) => (await chrome.storage.local.get(k))[k], key);
  const pointOf = (answer) => until(async () => {
    const history = (await stored(`history:${id}`)) || [];
    const points = history.filter((p) => p.t === answer.results[0].checkedAt);
    return { points, ok: points.length > 0 };
  }, 'the check\'s history point');
  const weekSums = async () => ((await stored(`week:${id}`)) || []).reduce(
    (sum, b) => ({ checks: sum.checks + b.checks, healthy: sum.healthy + b.healthy }), { checks: 0, healthy: 0 });
  const verdictKeys = async () => Object.keys(await notifications()).filter((k) => k.startsWith(`verdict:${id}:`));

  const green = await refresh();
  assert.equal(green.results[0].verdict, 'healthy');
  await pointOf(green);
  const weekBefore = await weekSums();
  const keysBefore = await verdictKeys();
  await admin(stack, 'POST', '/fault', {
    kind: 'status', status: 401, paths: ['/auth/token'],
    body: '{"details":"incorrect username or password"}', content_type: 'application/json',
  });
  // The admin's password instead of the token (basic auth takes either): a new secret
  // makes the worker a new client, whose token cache is empty — the trust step asks the
  // (refusing) token service.
  const setSecret = (secret) => env.sw.evaluate(async ([i, value]) => {
    const { secrets = {} } = await chrome.storage.session.get('secrets');
    const kept = secrets[i];
    secrets[i] = value;
    await chrome.storage.session.set({ secrets });
    return kept;
  }, [id, secret]);
  const kept = await setSecret(stack.users.admin.password);
  let refused;
  try {
    // Two such checks: one change (healthy -> unknown), one notification.
    refused = [await refresh(), await refresh()];
    for (const answer of refused) {
      const snap = answer.results[0];
      assert.deepEqual([snap.verdict, snap.reasons[0].code], ['unknown', 'signInFailed']);
      assert.ok(snap.pings.every((p) => p.state === 'healthy'), 'the health half was healthy');
      const { points } = await pointOf(answer);
      assert.deepEqual(points.map((p) => p.verdict), ['unknown'], JSON.stringify(points));
      assert.match(points[0].reason, /token service rejected/);
    }
    // Both counted once, neither as healthy (their health halves were).
    assert.deepEqual(await weekSums(), { checks: weekBefore.checks + 2, healthy: weekBefore.healthy });
  } finally {
    await admin(stack, 'DELETE', '/fault');
    await setSecret(kept);
  }
  // Back to healthy: the second change. Its notification is the last one the worker makes
  // (one at a time, in order): once it is there, every earlier one is too.
  const back = await refresh();
  assert.equal(back.results[0].verdict, 'healthy');
  const backKey = `verdict:${id}:${back.results[0].checkedAt}`;
  await until(async () => { const keys = await verdictKeys(); return { keys, ok: keys.includes(backKey) }; }, 'the "healthy again" notification');
  const made = (await verdictKeys()).filter((k) => !keysBefore.includes(k)).sort();
  assert.deepEqual(made, [`verdict:${id}:${refused[0].results[0].checkedAt}`, backKey].sort());
  const { points } = await pointOf(back);
  assert.deepEqual(points.map((p) => p.verdict), ['healthy']);
});

test('a health half whose complete snapshot never came still leaves its history point', async () => {
  // The worker stopped between the two writes of a check: the next check's health half
  // replaces it, and the stopped check is recorded as it was.
  const id = await env.sw.evaluate(async () => (await chrome.storage.local.get('settings')).settings.instances[0].id);
  const t = await env.sw.evaluate(async (i) => {
    const key = `snapshot:${i}`;
    const { [key]: snap } = await chrome.storage.local.get(key);
    const first = { ...snap, checkedAt: Date.now(), verdict: 'degraded', pendingTrust: true };
    await chrome.storage.local.set({ [key]: first });
    await chrome.storage.local.set({ [key]: { ...first, checkedAt: first.checkedAt + 1, verdict: 'healthy' } });
    return first.checkedAt;
  }, id);
  const { history } = await until(async () => {
    const key = `history:${id}`;
    const list = (await env.sw.evaluate(async (k) => (await chrome.storage.local.get(k))[k], key)) || [];
    return { history: list, ok: list.some((p) => p.t === t) };
  }, 'the stopped check\'s history point');
  assert.deepEqual(history.filter((p) => p.t >= t).map((p) => [p.t - t, p.verdict]), [[0, 'degraded']]);
  // The second health half is still pending: no point for it yet. A real check ends it.
  await refresh();
});

test('a new trust deletion notifies once', async () => {
  // The stand-in cannot delete trust data on demand, so a check result with a new
  // deletion is written the way the popup writes its checks.
  const before = Object.keys(await notifications()).filter((k) => k.startsWith('deletion:')).length;
  await env.sw.evaluate(async () => {
    const { settings } = await chrome.storage.local.get('settings');
    const id = settings.instances[0].id;
    const key = `snapshot:${id}`;
    const { [key]: snap } = await chrome.storage.local.get(key);
    snap.checkedAt = Date.now();
    snap.trust.events.unshift({ id: 'e2e-deletion-1', gun: '127.0.0.1:8443/library/gone', repository: 'library/gone', version: 0, category: 'deletion', createdRaw: '', sha256: '' });
    await chrome.storage.local.set({ [key]: snap });
  });
  await until(async () => {
    const keys = Object.keys(await notifications()).filter((k) => k.startsWith('deletion:'));
    return { keys, ok: keys.length === before + 1 && keys.some((k) => k.endsWith(':e2e-deletion-1')) };
  }, 'deletion notification');
});

test('a trust deletion that commits late (behind newer records) still notifies', async () => {
  // Two overlapping transactions on notary's PostgreSQL (msr-sim /late/begin): A takes an
  // id for a deletion and stays open while B commits an update with a larger id; a check
  // sees B's record only. A commits behind it; the next check notifies the deletion.
  const gun = `${stack.registry_host}/library/late-gone`;
  await refresh();
  const begun = await admin(stack, 'POST', '/late/begin', {
    held: { gun, category: 'deletion' },
    committed: [{ gun: `${stack.registry_host}/library/late-kept`, version: 1 }],
  });
  const heldId = String(begun.held.id);
  const deletionKeys = async () => Object.keys(await notifications()).filter((k) => k.startsWith('deletion:'));
  try {
    const answer = await refresh();
    const ids = answer.results[0].trust.events.map((e) => String(e.id));
    assert.ok(ids.includes(String(begun.committed[0].id)), `B's record is read: ${ids}`);
    assert.ok(!ids.includes(heldId), 'A\'s record is invisible while its transaction is open');
    assert.ok(!(await deletionKeys()).some((k) => k.endsWith(`:${heldId}`)));
  } finally {
    await admin(stack, 'POST', '/late/commit', { handle: begun.handle });
  }
  const before = (await deletionKeys()).length;
  await refresh();
  await until(async () => {
    const keys = await deletionKeys();
    return { keys, ok: keys.length === before + 1 && keys.some((k) => k.endsWith(`:${heldId}`)) };
  }, 'late deletion notification');
});

test('the popup shows the last known state at once, then the fresh check', async () => {
  await refresh();
  await admin(stack, 'POST', '/fault', { kind: 'latency', latency_ms: 1500 });
  try {
    const popup = await env.ctx.newPage();
    await popup.goto(env.url('popup.html'));
    // The stored verdict is on screen while the (slow) check still runs.
    await popup.locator('[data-verdict][data-fresh], [data-testid=verdict][data-fresh="false"]').first().waitFor({ timeout: 5000 });
    assert.equal(await popup.getByTestId('verdict').getAttribute('data-fresh'), 'false');
    assert.equal(await popup.locator('.verdict .refresh').getAttribute('aria-busy'), 'true');
    assert.equal(await popup.locator('.verdict .refresh').innerText(), 'Checking…');
    await popup.locator('[data-testid=verdict][data-fresh="true"]').waitFor({ timeout: 15000 });
    await popup.close();
  } finally {
    await admin(stack, 'DELETE', '/fault');
  }
});

test('the popup draws the requests/s sparkline from the history', async () => {
  for (let i = 0; i < 3; i += 1) await refresh();
  const popup = await env.ctx.newPage();
  await popup.goto(env.url('popup.html'));
  await popup.locator('svg.sparkline polyline').waitFor({ timeout: 15000 });
  const points = await popup.locator('svg.sparkline polyline').getAttribute('points');
  assert.ok(points.split(' ').length >= 2, points);
  await popup.close();
});

test('history is kept in chrome.storage.local and bounded to 24 h', async () => {
  const written = await env.sw.evaluate(async () => {
    const { settings } = await chrome.storage.local.get('settings');
    const id = settings.instances[0].id;
    const old = Date.now() - 25 * 3600 * 1000;
    await chrome.storage.local.set({ [`history:${id}`]: [{ t: old, verdict: 'healthy', rps: 1, active: 1 }] });
    const key = `snapshot:${id}`;
    const { [key]: snap } = await chrome.storage.local.get(key);
    snap.checkedAt = Date.now();
    await chrome.storage.local.set({ [key]: snap });
    return { id, old, checkedAt: snap.checkedAt };
  });
  // The worker appends the point in its storage.onChanged handler, after the snapshot
  // write above returned (and after any check still queued before it): wait for it.
  const { history } = await until(async () => {
    const key = `history:${written.id}`;
    const { [key]: list = [] } = await env.sw.evaluate((k) => chrome.storage.local.get(k), key);
    return { history: list, ok: list.some((p) => p.t === written.checkedAt) };
  }, 'the new check in the history');
  assert.ok(history.every((p) => p.t > written.old), JSON.stringify(history));
});
