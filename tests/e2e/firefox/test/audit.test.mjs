// Firefox: the trust audit page opens newest first, follows a record published with the
// notary CLI while it is open, and keeps what it read in IndexedDB for the next visit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadStack, resetSim, admin } from '../../lib.mjs';
import { addInstance, extensionErrors, launchFirefox, notaryPublish, open, statusLine, until } from '../lib.mjs';

const stack = loadStack();
const VIEWPORT = { width: 1200, height: 800 };
let env;

before(async () => {
  await resetSim(stack);
  env = await launchFirefox(stack);
  const page = await open(env, 'options.html');
  await addInstance(env, page, stack, { name: 'audit', replicas: false });
  await statusLine(page, 'saved “audit”');
  await page.close();
});
after(async () => {
  await env?.close();
  await resetSim(stack);
});

// The rows in the DOM (the list is virtualized: only the visible ones), top first.
// `gun`: the full GUN (data-gun); `name`: what the row shows (without the registry host).
const rows = (page) => page.$$eval('[data-testid=audit] tbody tr', (els) => els.map((e) => ({
  id: e.dataset.event, category: e.dataset.category, gun: e.dataset.gun, name: e.querySelector('.gun')?.textContent,
})));

test('the audit page opens newest first', async () => {
  const page = await open(env, 'audit.html', { viewport: VIEWPORT });
  await page.waitForSelector('[data-testid=audit] tbody tr', { timeout: 20000 });
  const truth = (await admin(stack, 'GET', '/truth/changefeed')).records;
  const shown = await rows(page);
  assert.ok(shown.length > 5, `${shown.length} rows`);
  // The first row is the newest record (or one of the newest, should a publish land meanwhile).
  const newest = truth.slice(-5).map((r) => String(r.id));
  assert.ok(newest.includes(shown[0].id), `first row ${shown[0].id}, truth ends with ${newest}`);
  // Newest first: the stand-in's SQL ids are one sequence, so they fall down the list.
  const ids = shown.map((r) => Number(r.id));
  assert.ok(ids.every((id, i) => i === 0 || id < ids[i - 1]), `not newest first: ${ids}`);
  for (const r of shown.slice(0, 5)) {
    const record = truth.find((t) => String(t.id) === r.id);
    assert.equal(r.gun, record.gun);
    assert.equal(r.name, record.gun.replace(`${stack.registry_host}/`, ''));
    assert.equal(r.category, record.category);
  }
  await page.close();
});

test('a record published with the notary CLI while the page is open appears at the top, once', async () => {
  const page = await open(env, 'audit.html', { viewport: VIEWPORT });
  await page.waitForSelector('[data-testid=audit] tbody tr', { timeout: 20000 });
  const gun = `${stack.registry_host}/firefox-e2e/follow-${Date.now()}`;
  // `notary init` + `notary add`: two changefeed records of a new GUN.
  notaryPublish(stack, gun, ['v1']);
  const published = (await admin(stack, 'GET', `/truth/changefeed?gun=${encodeURIComponent(gun)}`)).records;
  assert.equal(published.length, 2, JSON.stringify(published));
  const top = await until(async () => {
    const shown = (await rows(page)).slice(0, 2);
    return shown.every((r) => r.gun === gun) ? shown : { ok: false, shown };
  }, 'the published records at the top', 30000);
  assert.deepEqual(top.map((r) => r.id), published.map((r) => String(r.id)).reverse());
  // Each once: a search for the GUN finds exactly its two records.
  await page.type('#f-q', gun);
  await until(() => page.$eval('[data-testid=counts]', (e) => Number(e.dataset.total) === 2), 'two matches');
  await page.close();
});

test('IndexedDB keeps what was read: a reopened page shows it and asks only for newer records', async () => {
  await admin(stack, 'GET', '/requests?clear=1');
  const page = await open(env, 'audit.html', { viewport: VIEWPORT });
  await page.waitForSelector('[data-testid=audit] tbody tr', { timeout: 20000 });
  const dbs = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  assert.ok(dbs.includes('msr-lens-audit'), JSON.stringify(dbs));
  // Let the first poll run, then look at what was asked: no newest-first page read again.
  await until(async () => (await admin(stack, 'GET', '/requests')).requests.some((r) => /_trust\/changefeed\?/.test(r.path)), 'a changefeed request');
  const feeds = (await admin(stack, 'GET', '/requests')).requests.filter((r) => /_trust\/changefeed\?/.test(r.path));
  assert.ok(feeds.every((r) => !/change_id=-1/.test(r.path)), `the newest page was read again: ${feeds.map((r) => r.path).join(' ')}`);
  await page.close();
});

test('no extension context logged an error', async () => {
  const messages = await env.consoleMessages();
  assert.deepEqual(extensionErrors(messages), [], JSON.stringify(messages, null, 1));
});
