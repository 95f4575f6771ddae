// The trust audit explorer with a big feed (a separate CI step: it needs a stand-in loaded
// with ~100 000 records, e.g. `MSR_LENS_PORT_BASE=38443 cargo xtask stack up && ... stack
// load 100000 && ... stack seed`, and takes minutes).
// Usage: MSR_LENS_STACK_JSON=<stack.json> node --test tests/e2e/audit-100k.mjs
//   (the extension build in extension/dist/test must exist: run `node tests/e2e/run.mjs` once
//   or scripts/extension-build.sh with MSR_LENS_DIST=extension/dist/test and
//   MSR_LENS_HOST_PERMISSIONS='https://127.0.0.1/*')
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { admin, configure, launch, loadStack } from './lib.mjs';
import { assertSameRecords, exportText, insertRecords, rows, seededRecordId, total } from './audit-lib.mjs';

const stack = loadStack();
let env;

async function truth() {
  return (await admin(stack, 'GET', '/truth/changefeed')).records;
}

async function open() {
  const page = await env.ctx.newPage();
  await page.goto(env.url('audit.html'));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 30000 });
  return page;
}

before(async () => {
  env = await launch(stack, { viewport: { width: 1200, height: 900 } });
  const options = await env.ctx.newPage();
  await configure(options, env.url, stack, { replicas: false });
  await options.close();
});
after(async () => {
  await admin(stack, 'POST', '/rethink', { enabled: false }).catch(() => {});
  await env?.close();
});

test('load everything survives closing the tab, pauses and resumes; the export equals the truth', { timeout: 900000 }, async () => {
  const before = await truth();
  assert.ok(before.length >= 50000, `the stand-in holds ${before.length} records; load 100000 first`);
  let page = await open();
  await page.getByRole('button', { name: /oad(ing)? everything/ }).click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=counts]').dataset.total) >= 20000, null, { timeout: 300000 });
  const progress = await page.getByTestId('progress').innerText();
  assert.match(progress, /records · \d+ pages · [\d.]+ records\/s/);
  const shown = await total(page);
  await page.close();

  // Reopened: the stored records at once, and the backfill goes on by itself.
  page = await open();
  // The pages whose writes were still pending when the tab closed are lost (they are fetched
  // again: each page and the saved cursor are written in one transaction). The view sends no
  // request while 4 writes (two per page) are pending, so that is at most 3 pages of 1000,
  // however slow the disk.
  const stored = await total(page);
  assert.ok(stored >= shown - 3000, `shown before closing: ${shown}; stored and shown at once: ${stored}`);
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.getByRole('button', { name: /Resume loading everything|Load everything/ }).waitFor();
  await page.getByRole('button', { name: /oad(ing)? everything/ }).click();
  await page.getByTestId('complete').waitFor({ timeout: 600000 });
  assert.ok(await total(page) >= before.length);

  // The oldest record is reachable by scrolling, and only visible rows are in the DOM.
  await page.getByTestId('scroller').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForFunction((id) => [...document.querySelectorAll('[data-testid=audit] tbody tr')].at(-1)?.dataset.event === id,
    String(before[0].id), { timeout: 10000 });
  assert.ok((await rows(page)).length < 100);

  const exported = JSON.parse(await exportText(page, 'JSON'));
  assertSameRecords(exported, before, await truth(), false);
  const csv = (await exportText(page, 'CSV')).trim().split('\n');
  assert.equal(csv.length - 1, exported.length);

  // Filter and search over all of them.
  await page.locator('#f-prefix').fill('library/');
  const all = await truth();
  const lib = all.filter((r) => r.gun.split('/').slice(1).join('/').startsWith('library/')).length;
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=counts]').dataset.total) === n, lib);
  await page.locator('#f-prefix').fill('');
  const one = all[Math.floor(all.length / 2)];
  await page.locator('#f-q').fill(one.sha256 || String(one.id));
  await page.locator(`tr[data-event="${one.id}"]`).waitFor();
  await page.close();
});

test('reopening after the backfill fetches only new records', { timeout: 120000 }, async () => {
  await admin(stack, 'GET', '/requests?clear=1');
  const page = await open();
  await page.getByTestId('complete').waitFor({ timeout: 30000 });
  await page.waitForTimeout(1500);
  const log = await admin(stack, 'GET', '/requests?clear=1');
  // The view pages by 1000 (other clients of a shared stand-in use other sizes).
  const feeds = (log.requests || log).filter((r) => /_trust\/changefeed\?.*records=-?1000$/.test(r.path));
  assert.ok(feeds.length <= 4, feeds.map((r) => r.path).join(' '));
  assert.ok(feeds.length >= 1 && feeds.every((r) => !r.path.includes('records=-')), feeds.map((r) => r.path).join(' '));
  await page.close();
});

test('RethinkDB mode: the export of everything equals the truth', { timeout: 900000 }, async () => {
  await admin(stack, 'POST', '/rethink', { enabled: true, blackout_secs: 0 });
  try {
    const page = await open();
    await page.getByRole('button', { name: 'Clear stored records' }).click();
    await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 30000 });
    const before = await truth();
    await page.getByRole('button', { name: /oad(ing)? everything/ }).click();
    await page.getByTestId('complete').waitFor({ timeout: 600000 });
    const exported = JSON.parse(await exportText(page, 'JSON'));
    assertSameRecords(exported, before, await truth(), true);
    await page.getByRole('button', { name: 'Clear stored records' }).click();
    await page.close();
  } finally {
    await admin(stack, 'POST', '/rethink', { enabled: false });
  }
});

async function clearStored() {
  const page = await env.ctx.newPage();
  await page.goto(env.url('audit.html'));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Clear stored records' }).click();
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 30000 });
  await page.close();
}

// The view's pages of 1000 read backward (the latest page and older ones).
const backwardPages = (log) => (log.requests || log).filter((r) => /_trust\/changefeed\?.*records=-1000$/.test(r.path));

test('a deep link to an unknown record reads at most 10 older pages, then asks', { timeout: 300000 }, async () => {
  await clearStored();
  await admin(stack, 'GET', '/requests?clear=1');
  const deep = await env.ctx.newPage();
  await deep.goto(env.url('audit.html#record=no-such-record'));
  const ask = deep.getByTestId('seek-limit');
  await ask.waitFor({ timeout: 120000 });
  assert.match(await ask.innerText(), /Record no-such-record is not among the newest records read \(10 older pages/);
  // The newest page, ten older ones, and at most the one already asked for when the
  // tenth arrived; then nothing more (the follow poll reads forward only).
  const pages = backwardPages(await admin(stack, 'GET', '/requests?clear=1'));
  assert.ok(pages.length >= 11 && pages.length <= 12, `${pages.length} pages read: ${pages.map((r) => r.path).join(' ')}`);
  assert.equal(await deep.getByTestId('complete').isVisible(), false);
  await deep.getByRole('button', { name: 'Stop' }).click();
  await deep.getByText('stopped looking for record no-such-record').waitFor();
  assert.equal(await deep.getByTestId('seek-limit').count(), 0);
  assert.ok(backwardPages(await admin(stack, 'GET', '/requests?clear=1')).length <= 1);
  await deep.close();
});

test('a deep link to an old record asks past 10 pages, then reads older pages until it is on screen', { timeout: 300000 }, async () => {
  const all = await truth();
  const target = all[Math.floor(all.length / 3)];
  await clearStored();
  const deep = await env.ctx.newPage();
  await deep.goto(env.url(`audit.html#record=${target.id}`));
  await deep.getByTestId('seek-limit').waitFor({ timeout: 120000 });
  await deep.getByRole('button', { name: 'Keep looking' }).click();
  await deep.locator(`tr[data-event="${target.id}"]`).waitFor({ timeout: 120000 });
  assert.equal(await deep.getByTestId('record').getAttribute('data-record'), String(target.id));
  assert.ok(!(await deep.getByTestId('complete').isVisible()), 'stopped once the record was found');
  await deep.close();
});

test('past a storage bound of 50 000 the oldest records leave storage; reopened, the view reads them again', { timeout: 900000 }, async () => {
  let page = await open();
  await page.evaluate(() => localStorage.setItem('msrLensAuditMaxStored', '50000'));
  try {
    await page.getByRole('button', { name: 'Clear stored records' }).click();
    await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 30000 });
    const before = await truth();
    await page.getByRole('button', { name: /oad(ing)? everything/ }).click();
    await page.getByTestId('complete').waitFor({ timeout: 600000 });
    const bound = page.getByTestId('bound');
    await bound.waitFor({ timeout: 10000 });
    const stored = Number(await bound.getAttribute('data-stored'));
    assert.ok(stored > 40000 && stored <= 50000, `stored ${stored}`);
    assert.match(await bound.innerText(), /bounded to 50000 records: this device keeps only the newest \d+/);
    await page.close();

    page = await open();
    await page.getByTestId('bound').waitFor({ timeout: 30000 });
    assert.equal(await total(page), stored);
    assert.equal(await page.getByTestId('complete').isVisible(), false);
    await page.getByRole('button', { name: /oad(ing)? everything/ }).click();
    await page.getByTestId('complete').waitFor({ timeout: 600000 });
    const exported = JSON.parse(await exportText(page, 'JSON'));
    assertSameRecords(exported, before, await truth(), false);
  } finally {
    await page.evaluate(() => localStorage.removeItem('msrLensAuditMaxStored')).catch(() => {});
    await page.getByRole('button', { name: 'Clear stored records' }).click().catch(() => {});
    await page.close();
  }
});

test('with every record loaded: verify a signed record, and follow records published meanwhile', { timeout: 900000 }, async () => {
  const page = await open();
  await page.getByRole('button', { name: /oad(ing)? everything/ }).click();
  await page.getByTestId('complete').waitFor({ timeout: 600000 });
  const held = await total(page);
  assert.ok(held >= 100000, `records loaded: ${held}`);

  // Verify a record the seed published through notary: its timestamp.json matches.
  const seeded = seededRecordId();
  const target = (await truth()).find((r) => String(r.id) === seeded);
  assert.ok(target && target.sha256, `seeded record ${seeded} in the truth`);
  await page.locator('#f-q').fill(target.sha256);
  const row = page.locator(`tr[data-event="${seeded}"]`);
  await row.waitFor();
  await row.click();
  await page.getByRole('button', { name: 'Verify' }).click();
  const verified = page.getByTestId('verified');
  await verified.waitFor({ timeout: 20000 });
  assert.equal(await verified.getAttribute('data-match'), 'true', await verified.innerText());
  assert.match(await verified.innerText(), /timestamp version \d+, expires 20/);
  await page.locator('#f-q').fill('');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=counts]').dataset.total) === n, held);

  // Follow: records published now appear at the top, once each, on top of the 100 000.
  const gun = `${stack.registry_host}/audit-100k/follow-${Date.now()}`;
  insertRecords(gun, 3);
  await page.waitForFunction((g) => [...document.querySelectorAll('[data-testid=audit] tbody tr')].slice(0, 3)
    .every((tr) => tr.dataset.gun === g), gun, { timeout: 120000 });
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=counts]').dataset.total) === n, held + 3);
  await page.locator('#f-q').fill(gun);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=counts]').dataset.total) === 3);
  assert.equal(new Set((await rows(page)).map((r) => r.id)).size, 3);
  await page.close();
});
