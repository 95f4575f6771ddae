// Firefox: the release build installs, the options page saves the stand-in (an MSR on a
// non-default port) through Firefox's real permission prompt, the popup shows what the
// stand-in reports, secrets stay in storage.session unless "remember" is ticked, and no
// extension context logs an error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { admin, loadStack, resetSim } from '../../lib.mjs';
import { addInstance, closeToolbarPopup, extensionErrors, launchFirefox, open, openToolbarPopup, statusLine, toolbarPopup, until } from '../lib.mjs';

const stack = loadStack();
const host = new URL(stack.origin).hostname;
let env;

before(async () => {
  await resetSim(stack);
  env = await launchFirefox(stack);
});
after(async () => {
  await env?.close();
  await resetSim(stack);
});

const storage = (area) => env.ext((a) => chrome.storage[a].get(null), area);

test('the release build installs as an event-page add-on with no host granted', async () => {
  assert.deepEqual(env.manifest.background, { scripts: ['background.js'], type: 'module' });
  assert.equal(env.manifest.host_permissions, undefined, 'a release build pre-grants nothing');
  assert.ok(!existsSync(path.join(env.extDir, 'preconfig.json')), 'a release build ships no preconfig');
  const all = await env.ext(() => chrome.permissions.getAll());
  assert.deepEqual(all.origins, []);
  assert.deepEqual([...all.permissions].sort(), ['alarms', 'notifications', 'storage', 'webRequest']);
  // The background script ran its install handler (a module event page, no service worker).
  const alarm = await until(() => env.ext(() => chrome.alarms.get('msr-lens-poll')), 'the poll alarm');
  assert.equal(alarm.periodInMinutes, 1);
  const info = await env.ext(() => browser.runtime.getBrowserInfo());
  assert.equal(info.name, 'Firefox');
});

test('"Deny" in Firefox\'s prompt saves nothing and stores no secret', async (t) => {
  await admin(stack, 'GET', '/requests?clear=1');
  const page = await open(env, 'options.html');
  const prompt = await addInstance(env, page, stack, { name: 'refused', prompt: 'deny' });
  assert.match(prompt.text, new RegExp(host.replaceAll('.', '\\.')), prompt.text);
  t.diagnostic(`Firefox's prompt: ${prompt.text} [${prompt.allow} | ${prompt.deny}]`);
  const line = await statusLine(page, 'not granted');
  assert.equal(line, `access to https://${host}/* was not granted; MSR Lens cannot check it without it`);
  const local = await storage('local');
  assert.deepEqual(local.settings?.instances ?? [], []);
  assert.ok(!JSON.stringify(await storage('session')).includes(stack.users.admin.token), 'the secret was stored');
  assert.deepEqual((await env.ext(() => chrome.permissions.getAll())).origins, []);
  assert.deepEqual((await admin(stack, 'GET', '/requests')).requests, [], 'the stand-in was contacted');
  await page.close();
});

test(`Save for ${stack.origin} asks Firefox for https://${host}/* and the grant really opens the port`, async () => {
  const page = await open(env, 'options.html');
  // What the page asks for (the real request still runs and Firefox shows its prompt).
  await page.evaluate(() => {
    const request = chrome.permissions.request.bind(chrome.permissions);
    window.__asked = [];
    chrome.permissions.request = (p) => { window.__asked.push(p); return request(p); };
  });
  const prompt = await addInstance(env, page, stack, { name: 'Stand-in' });
  assert.equal(prompt.allow, 'Allow');
  await statusLine(page, 'saved “Stand-in”');
  // Origin and the three replica origins share one host: one pattern without a port,
  // because Firefox's match patterns have none (a pattern with :port is "granted" but
  // opens nothing).
  assert.deepEqual(await page.evaluate(() => window.__asked), [{ origins: [`https://${host}/*`] }]);
  assert.deepEqual((await env.ext(() => chrome.permissions.getAll())).origins, [`https://${host}/*`]);
  // The background's check reached the stand-in through TLS (the profile trusts its CA)
  // and the host permission: a healthy snapshot.
  const snap = await until(async () => {
    const local = await storage('local');
    const id = local.settings.instances[0].id;
    const s = local[`snapshot:${id}`];
    return s && !s.pendingTrust ? s : { ok: false, s };
  }, 'a complete snapshot from the background');
  assert.equal(snap.verdict, 'healthy', JSON.stringify(snap.problems));
  assert.deepEqual(snap.problems, []);
  await page.close();
});

test('the popup shows the healthy verdict, replicas, nginx and the latest trust events', async () => {
  await admin(stack, 'GET', '/requests?clear=1');
  const page = await open(env, 'popup.html');
  await page.waitForSelector('.verdict .refresh:not([disabled])', { timeout: 20000 });
  await page.waitForSelector('[data-testid=verdict][data-fresh="true"]', { timeout: 20000 });
  assert.equal(await page.$eval('[data-verdict]', (e) => e.dataset.verdict), 'healthy');
  assert.equal(await page.$eval('.verdict-word', (e) => e.textContent.trim().toLowerCase()), 'healthy');
  const state = await admin(stack, 'GET', '/state');
  const replicas = await page.$$eval('tr[data-replica]', (rows) => rows.map((r) => r.dataset.replica));
  assert.deepEqual([...replicas].sort(), [...state.replica_ids].sort());
  const pings = await page.$$eval('[data-ping]', (els) => els.map((e) => [e.dataset.ping, e.dataset.state]));
  assert.deepEqual(pings.map(([label]) => label), stack.replica_origins.map((o) => new URL(o).host));
  const active = Number(await page.$eval('[data-testid=nginx-active]', (e) => e.textContent));
  assert.ok(Number.isInteger(active) && active >= 1, `active ${active}`);
  // The newest trust records, newest first, as the stand-in's ground truth has them.
  const shown = await page.$$eval('[data-event]', (els) => els.map((e) => e.dataset.event));
  const truth = (await admin(stack, 'GET', '/truth/changefeed')).records;
  const newest = truth.slice(-15).map((r) => String(r.id)).reverse();
  assert.equal(shown.length, 5);
  const at = newest.indexOf(shown[0]);
  assert.ok(at >= 0, `shown ${shown}, truth ${newest}`);
  assert.deepEqual(shown, newest.slice(at, at + 5));
  const first = truth.find((r) => String(r.id) === shown[0]);
  const row = await page.$eval(`[data-event="${shown[0]}"]`, (e) => e.textContent);
  assert.ok(row.includes(first.gun.replace(`${stack.registry_host}/`, '')), row);
  // Credentials went only to the configured origin, never to a replica origin.
  const log = (await admin(stack, 'GET', '/requests')).requests;
  assert.ok(log.some((r) => r.authorization), 'no authenticated request reached the stand-in');
  for (const r of log.filter((x) => x.authorization)) assert.equal(r.replica, null, `Authorization reached replica ${r.replica} at ${r.path}`);
  await page.close();
});

test('the toolbar button opens the popup in Firefox\'s panel; its audit link opens the audit log in a tab', async () => {
  await openToolbarPopup(env);
  // The popup's document (same extension process): the verdict of a fresh check.
  const shown = await until(() => env.ext(() => {
    const [view] = chrome.extension.getViews({ type: 'popup' });
    const verdict = view?.document.querySelector('[data-testid=verdict][data-fresh="true"] [data-verdict]');
    return verdict ? { verdict: verdict.dataset.verdict, events: view.document.querySelectorAll('[data-event]').length } : null;
  }), 'the popup to render a fresh check');
  assert.deepEqual(shown, { verdict: 'healthy', events: 5 });
  // Firefox sizes the panel to the content, up to its 800 x 600 limit (the rest scrolls).
  await until(async () => {
    const popup = await toolbarPopup(env);
    return popup.width >= 360 && popup.height >= 500 ? popup : { ok: false, ...popup };
  }, 'the popup panel sized to its content');
  await env.ext(() => chrome.extension.getViews({ type: 'popup' })[0].document.querySelector('a.audit-link').click());
  const id = (await storage('local')).selected;
  await until(() => env.chrome((url) => gBrowser.tabs.some((t) => t.linkedBrowser.currentURI.spec === url), env.url(`audit.html?id=${id}`)), 'the audit tab');
  await closeToolbarPopup(env);
});

test('secrets stay in storage.session unless "remember" is ticked', async () => {
  const token = stack.users.admin.token;
  assert.ok(!JSON.stringify(await storage('local')).includes(token), 'token in storage.local');
  assert.ok(JSON.stringify(await storage('session')).includes(token), 'token not in storage.session');
  const page = await open(env, 'options.html');
  // Same host: already granted, so Firefox shows no prompt this time.
  await addInstance(env, page, stack, { name: 'Remembered', kind: 'password', remember: true, prompt: null });
  await statusLine(page, 'saved “Remembered”');
  const local = JSON.stringify(await storage('local'));
  assert.ok(local.includes(stack.users.admin.password), 'the remembered password is not kept');
  assert.ok(!local.includes(token), 'the session-only token leaked into storage.local');
  await page.close();
});

test('no extension context logged an error', async () => {
  const messages = await env.consoleMessages();
  const errors = extensionErrors(messages);
  assert.deepEqual(errors, [], JSON.stringify(messages, null, 1));
});
