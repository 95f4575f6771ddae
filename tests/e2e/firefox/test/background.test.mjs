// Firefox: a fault set on msr-sim reaches the toolbar badge, a notification and the popup
// through the background's own alarm-driven check (Firefox starts the stopped event page
// for the alarm), and clearing it turns everything green again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { admin, loadStack, resetSim } from '../../lib.mjs';
import { addInstance, alertWindows, backgroundState, extensionErrors, launchFirefox, open, statusLine, toolbarBadge, until } from '../lib.mjs';

const stack = loadStack();
let env;
let instanceId;

before(async () => {
  await resetSim(stack);
  env = await launchFirefox(stack);
  const page = await open(env, 'options.html');
  await addInstance(env, page, stack, { name: 'bg' });
  await statusLine(page, 'saved “bg”');
  await page.close();
  instanceId = (await env.ext(() => chrome.storage.local.get('settings'))).settings.instances[0].id;
});
after(async () => {
  await admin(stack, 'DELETE', '/fault').catch(() => {});
  await env?.close();
  await resetSim(stack);
});

const snapshot = () => env.ext(async (id) => (await chrome.storage.local.get(`snapshot:${id}`))[`snapshot:${id}`], instanceId);
const apiBadge = () => env.ext(async () => ({ text: await chrome.action.getBadgeText({}), color: await chrome.action.getBadgeBackgroundColor({}) }));

/**
 * The first complete snapshot checked after `since` with this verdict (no popup open,
 * nobody asks: the poll alarm's checks). A check already running when the stand-in changed
 * may still report the old state; the next one must not.
 */
async function checkWith(verdict, since, what, ms) {
  return until(async () => {
    const s = await snapshot();
    return s && s.checkedAt > since && !s.pendingTrust && s.verdict === verdict ? s : { ok: false, checkedAt: s?.checkedAt, verdict: s?.verdict };
  }, what, ms);
}

test('healthy: green badge, empty text, in the API and on the toolbar button', async () => {
  await until(async () => (await snapshot())?.verdict === 'healthy', 'a healthy snapshot');
  const badge = await until(async () => {
    const b = await apiBadge();
    return b.text === '' && b.color.join() === '30,142,62,255' ? b : { ok: false, ...b };
  }, 'green badge');
  assert.deepEqual(badge.color, [30, 142, 62, 255]);
  // What the toolbar button shows follows (Firefox updates it after the next paint).
  const shown = await until(async () => {
    const b = await toolbarBadge(env);
    return /background-color: rgba\(30, 142, 62, 1\)/.test(b.style) ? b : { ok: false, ...b };
  }, 'a green toolbar badge');
  assert.equal(shown.text, '');
});

test('a fault on msr-sim turns the badge amber after the next background check, with a notification', async () => {
  // Firefox stops an idle event page (30 s without events); the poll alarm starts it again.
  await until(async () => (await backgroundState(env)) === 'stopped', 'Firefox to stop the idle background page', 120000);
  const before = Date.now();
  // Replica 1's /_ping answers 503 (nginx's error page) until the fault is removed.
  await admin(stack, 'POST', '/fault', { kind: 'status', status: 503, paths: ['/_ping'], replicas: [1] });
  const snap = await checkWith('degraded', before, 'a degraded background check after the fault', 150000);
  const bad = snap.pings.filter((p) => p.state !== 'healthy');
  assert.equal(bad.length, 1, JSON.stringify(snap.pings));
  assert.equal(bad[0].label, new URL(stack.replica_origins[1]).host);
  assert.match(bad[0].detail, /^HTTP 503/);
  assert.ok(snap.attention >= 1, `attention ${snap.attention}`);
  // The badge is three calls (text, tooltip, colour): wait for the whole of it.
  const badge = await until(async () => {
    const b = await apiBadge();
    return b.color.join() === '227,116,0,255' && b.text === String(snap.attention) ? b : { ok: false, ...b };
  }, `an amber badge saying ${snap.attention}`);
  assert.equal(badge.text, String(snap.attention));
  const shown = await until(async () => {
    const b = await toolbarBadge(env);
    return /background-color: rgba\(227, 116, 0, 1\)/.test(b.style) && b.text === badge.text ? b : { ok: false, ...b };
  }, 'an amber toolbar badge with the same count');
  assert.equal(shown.text, badge.text);
  // The tooltip names the worst instance and its reason.
  assert.match(shown.title, /^MSR Lens: bg degraded \(\d+ needs? attention\)( — .+)?$/);
  // The verdict change notified: Firefox's own notification window showed it.
  const alerts = await until(async () => {
    const list = await alertWindows(env);
    return list.some((a) => a.title === 'bg: degraded') ? list : { ok: false, list };
  }, 'a "degraded" notification');
  assert.ok(alerts.find((a) => a.title === 'bg: degraded').text.startsWith('was healthy.'), JSON.stringify(alerts));

  // The popup shows the same state: degraded, replica 1's ping failing.
  const popup = await open(env, 'popup.html');
  await popup.waitForSelector('[data-testid=verdict][data-fresh="true"]', { timeout: 20000 });
  assert.equal(await popup.$eval('[data-verdict]', (e) => e.dataset.verdict), 'degraded');
  const pings = await popup.$$eval('[data-ping]', (els) => els.map((e) => [e.dataset.ping, e.dataset.state]));
  assert.deepEqual(pings.filter(([, s]) => s !== 'healthy').map(([l]) => l), [new URL(stack.replica_origins[1]).host]);
  await popup.close();
});

test('every replica unhealthy turns it red; a healthy stand-in turns it green again', async () => {
  await admin(stack, 'DELETE', '/fault');
  await admin(stack, 'POST', '/scenario', { replicas: { 0: { healthy: false }, 1: { healthy: false }, 2: { healthy: false } } });
  // The popup's Refresh asks the background for a check now.
  const popup = await open(env, 'popup.html');
  await popup.waitForSelector('.verdict .refresh:not([disabled])', { timeout: 20000 });
  await until(async () => (await popup.$eval('[data-verdict]', (e) => e.dataset.verdict)) === 'down', 'the popup to say down', 30000);
  await until(async () => (await apiBadge()).color.join() === '217,48,37,255', 'red badge');
  await until(async () => /background-color: rgba\(217, 48, 37, 1\)/.test((await toolbarBadge(env)).style), 'a red toolbar badge');

  await resetSim(stack);
  await popup.waitForSelector('.verdict .refresh:not([disabled])', { timeout: 20000 });
  await popup.click('.verdict .refresh');
  await until(async () => (await popup.$eval('[data-verdict]', (e) => e.dataset.verdict)) === 'healthy', 'the popup to say healthy', 30000);
  await until(async () => (await apiBadge()).color.join() === '30,142,62,255', 'green badge again');
  await until(async () => {
    const b = await toolbarBadge(env);
    return b.text === '' && /background-color: rgba\(30, 142, 62, 1\)/.test(b.style);
  }, 'a green toolbar badge again');
  await popup.close();
});

test('no extension context logged an error', async () => {
  const messages = await env.consoleMessages();
  assert.deepEqual(extensionErrors(messages), [], JSON.stringify(messages, null, 1));
});
