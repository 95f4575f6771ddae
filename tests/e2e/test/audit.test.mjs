// The trust audit explorer against the stand-in: open (newest first), load everything and
// scroll to the oldest record, filter, search, export (equal to the ground truth, also in
// RethinkDB mode; a download whose object URL is revoked; CSV cells that open as text),
// verify a record, follow new records, a non-admin's view, reopening after a backfill
// fetches only new records, a failed storage write loses nothing, and an edited or removed
// instance keeps none of its old origin's records.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { admin, configure, launch, loadStack, resetSim, watchErrors } from '../lib.mjs';
import {
  assertHostOnce, assertSameRecords, csvCells, exportText, idbKeys, insertRaw, insertRecords, loadAll, rows, seededRecordId, total,
  watchObjectUrls,
} from '../audit-lib.mjs';

const stack = loadStack();
const VIEWPORT = { width: 1200, height: 800 };
let env;

before(async () => {
  await resetSim(stack);
  env = await launch(stack, { viewport: VIEWPORT });
  const options = await env.ctx.newPage();
  await configure(options, env.url, stack, { replicas: false });
  await options.close();
});
after(async () => {
  await admin(stack, 'POST', '/rethink', { enabled: false }).catch(() => {});
  await env?.close();
  await resetSim(stack);
});

test('"Load older" and scrolling down load the page before the oldest record, without repeats', async () => {
  const page = await env.ctx.newPage();
  await page.goto(env.url('audit.html'));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=counts]').dataset.total) > 0);
  const n = await total(page);
  await page.getByRole('button', { name: 'Load older' }).click();
  await page.waitForFunction((k) => Number(document.querySelector('[data-testid=counts]').dataset.total) > k, n, { timeout: 20000 });
  // The page read moves the backfill bar by the IDs: the newest `total` records loaded of
  // at most `total + oldest - first` (the truth's IDs; scope.rs `Loaded::done`). Read after
  // two pages: `cargo xtask test`'s history (2000 bulk records and the seeded publishes) is
  // only just longer than that, and a complete history reads 1 on another basis. The bar
  // and the count are read in one go (a page may still be arriving).
  const truthIds = (await admin(stack, 'GET', '/truth/changefeed')).records.map((r) => Number(r.id)).sort((a, b) => a - b);
  const expectedBar = (k) => k / (k + truthIds[truthIds.length - k] - truthIds[0]);
  const bar = await page.waitForFunction(() => {
    const bar = document.querySelector('[data-testid=backfill]');
    if (bar?.dataset.basis !== 'ids') return null;
    return { value: Number(bar.getAttribute('value')), total: Number(document.querySelector('[data-testid=counts]').dataset.total) };
  }, null, { timeout: 20000 }).then((h) => h.jsonValue(), async (e) => {
    const seen = await page.evaluate(() => {
      const bar = document.querySelector('[data-testid=backfill]');
      return { basis: bar?.dataset.basis, value: bar?.getAttribute('value'), text: bar?.getAttribute('aria-valuetext'), progress: document.querySelector('[data-testid=progress]')?.textContent, total: document.querySelector('[data-testid=counts]')?.dataset.total };
    });
    throw new Error(`the backfill bar never showed an ID-based value: ${JSON.stringify(seen)}, truth ${truthIds.length} records, IDs ${truthIds[0]}…${truthIds[truthIds.length - 1]}: ${e.message}`);
  });
  assert.ok(bar.total > n && bar.total < truthIds.length, `${bar.total} of ${truthIds.length} loaded`);
  assert.ok(Math.abs(bar.value - expectedBar(bar.total)) < 1e-9, `bar ${bar.value} for ${bar.total} loaded, the IDs give ${expectedBar(bar.total)}`);
  assert.ok(bar.value > expectedBar(n), 'the bar moved with the pages read');
  const m = await total(page);
  // Scrolling near the end asks for the next older page by itself.
  await page.getByTestId('scroller').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForFunction((k) => Number(document.querySelector('[data-testid=counts]').dataset.total) > k, m, { timeout: 20000 });
  // Newest first, no repeats, IDs decreasing (the stand-in's SQL IDs are a sequence).
  const exported = JSON.parse(await exportText(page, 'JSON'));
  const ids = exported.map((r) => Number(r.ID));
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.every((id, i) => i === 0 || id < ids[i - 1]), 'newest first');
  await page.locator('#f-category').selectOption('deletion');
  assert.ok((await rows(page)).every((r) => r.category === 'deletion'));
  await page.close();
});

test('open newest first, load everything down to the oldest record, export equals the truth', async () => {
  const page = await env.ctx.newPage();
  const errors = watchErrors(page);
  await watchObjectUrls(page);
  await page.goto(env.url('audit.html'));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
  const first = await rows(page);
  const truth0 = await admin(stack, 'GET', '/truth/changefeed');
  assert.ok(first.length > 1 && first.length < 80, `only visible rows in the DOM: ${first.length}`);
  // The registry host once, in the heading; rows show namespace/name.
  await assertHostOnce(page, stack.registry_host);
  assert.equal(await page.getByRole('table', { name: `trust records of repositories on ${stack.registry_host}` }).count(), 1);
  const newest = truth0.records.slice(-5).map((r) => String(r.id));
  assert.ok(newest.includes(first[0].id), `first row ${first[0].id}, truth ends with ${newest}`);
  assert.match(await page.getByTestId('follow').innerText(), /60 s/);

  await loadAll(page);
  const truth = (await admin(stack, 'GET', '/truth/changefeed')).records;
  const n = await total(page);
  assert.ok(n >= truth0.count, `${n} loaded, truth had ${truth0.count}`);
  // A finished load says what it read; no rate or "ETA 0 s" left behind.
  await page.getByTestId('complete').waitFor({ timeout: 10000 });
  const progress = await page.getByTestId('progress').innerText();
  assert.doesNotMatch(progress, /ETA|records\/s/, progress);
  // The records, not the pager's count of answers (polls and reopenings included).
  assert.equal(progress, `${await total(page)} records`);
  // Scroll to the bottom: the oldest record is the last row.
  await page.getByTestId('scroller').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForFunction((id) => [...document.querySelectorAll('[data-testid=audit] tbody tr')].at(-1)?.dataset.event === id,
    String(truth[0].id), { timeout: 10000 });
  assert.ok((await rows(page)).length < 80, 'still only the visible rows in the DOM');

  // Export JSON and CSV of everything: exactly the ground truth (records up to the newest
  // exported; other tests may insert more meanwhile).
  const exported = JSON.parse(await exportText(page, 'JSON'));
  assertSameRecords(exported, truth0.records, (await admin(stack, 'GET', '/truth/changefeed')).records, false);
  const csv = (await exportText(page, 'CSV')).trim().split('\n');
  assert.equal(csv[0], 'id,created_at,gun,version,category,sha256');
  assert.equal(csv.length - 1, exported.length);
  // The downloads' object URLs are let go, and no test hook is left in the page.
  await page.waitForFunction(() => window.__objectUrls.created.length === 2
    && window.__objectUrls.created.every((u) => window.__objectUrls.revoked.includes(u)), null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => typeof window.__msrLensExport), 'undefined');
  assert.deepEqual(errors.filter((e) => !/401/.test(e)), []);
  await page.close();
});

test('a CSV export opens server text as text, never as a formula', async () => {
  // The columns the stand-in lets a server fill with any text: the GUN (varchar), the
  // sha256 (char(64)) and the version (a negative integer); the ID (serial), the time
  // (timestamp) and the category (a foreign key: update or deletion) cannot.
  const marker = `csv${Date.now()}`;
  const gun = `=HYPERLINK("https://evil.example/${marker}","open")`;
  insertRaw(gun, -2, '@sum(1+1)');
  const page = await env.ctx.newPage();
  await page.goto(env.url('audit.html'));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
  await page.locator('#f-q').fill(marker);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=counts]').dataset.total) === 1, null, { timeout: 30000 });
  // A GUN not on the registry host keeps its full name in its row (as text).
  const [hostile] = await rows(page);
  assert.deepEqual([hostile.gun, hostile.name], [gun, gun]);
  const [, line, extra] = (await exportText(page, 'CSV')).split('\n');
  assert.equal(extra, '');
  const cells = csvCells(line);
  assert.equal(cells.length, 6, line);
  // Each hostile cell is quoted and starts with ', so a spreadsheet shows it as text...
  assert.deepEqual([cells[2], cells[3], cells[5]], [`'${gun}`, "'-2", "'@sum(1+1)"], line);
  assert.ok(line.includes(`"'=HYPERLINK(""https://evil.example/${marker}"",""open"")"`), line);
  // ...and no cell of the export starts like a formula.
  assert.deepEqual(cells.filter((c) => /^[=+\-@\t\r]/.test(c)), [], line);
  // The JSON export keeps the text as it is.
  const [record] = JSON.parse(await exportText(page, 'JSON'));
  assert.deepEqual([record.GUN, record.Version], [gun, -2]);
  await page.close();
});

test('filters, counts, search, histogram and a deep link to a record', async () => {
  const page = await env.ctx.newPage();
  await page.goto(env.url('audit.html'));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
  await loadAll(page);
  const all = await total(page);
  const truth = (await admin(stack, 'GET', '/truth/changefeed')).records;
  const held = truth.slice(0, all);
  await page.locator('#f-prefix').fill('library/');
  const lib = held.filter((r) => r.gun.split('/').slice(1).join('/').startsWith('library/'));
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=counts]').dataset.total) === n, lib.length);
  assert.ok((await rows(page)).every((r) => r.gun.includes('/library/')));
  await page.locator('#f-prefix').fill('');
  await page.locator('#f-category').selectOption('deletion');
  const dels = held.filter((r) => r.category === 'deletion').length;
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=counts]').dataset.total) === n, dels);
  assert.ok((await rows(page)).every((r) => r.category === 'deletion'));
  await page.locator('#f-category').selectOption('');
  // Search by a SHA256: exactly that record.
  const seeded = seededRecordId();
  const target = held.find((r) => String(r.id) === seeded);
  assert.ok(target, `seeded record ${seeded} is loaded`);
  await page.locator('#f-q').fill(target.sha256);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=counts]').dataset.total) === 1);
  assert.equal((await rows(page))[0].id, String(target.id));
  const ms = Number(await page.getByTestId('counts').getAttribute('data-filter-ms'));
  assert.ok(Number.isFinite(ms));
  assert.equal(await page.getByTestId('timeline').count(), 1);
  // Verify it.
  await page.locator(`tr[data-event="${target.id}"]`).click();
  await page.getByRole('button', { name: 'Verify' }).click();
  const verified = page.getByTestId('verified');
  await verified.waitFor({ timeout: 20000 });
  assert.equal(await verified.getAttribute('data-match'), 'true', await verified.innerText());
  assert.match(await verified.innerText(), new RegExp(`timestamp version \\d+, expires 20`));
  await page.close();

  // A deep link opens the view filtered and on the record.
  const deep = await env.ctx.newPage();
  const repo = target.gun.split('/').slice(1).join('/');
  await deep.goto(env.url(`audit.html#repo=${encodeURIComponent(repo)}&record=${target.id}`));
  await deep.getByTestId('record').waitFor({ timeout: 20000 });
  assert.equal(await deep.getByTestId('record').getAttribute('data-record'), String(target.id));
  assert.equal(await deep.locator('#f-prefix').inputValue(), repo);
  await deep.locator(`tr[data-event="${target.id}"]`).waitFor();
  await deep.close();
});

test('follow: records inserted while the view is open appear at the top, once', async () => {
  const page = await env.ctx.newPage();
  await page.goto(env.url('audit.html'));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
  const gun = `${stack.registry_host}/audit-test/follow-${Date.now()}`;
  insertRecords(gun, 3);
  await page.waitForFunction((g) => [...document.querySelectorAll('[data-testid=audit] tbody tr')].slice(0, 3)
    .every((tr) => tr.dataset.gun === g), gun, { timeout: 30000 });
  assert.deepEqual((await rows(page)).slice(0, 3).map((r) => r.name), Array(3).fill(gun.slice(stack.registry_host.length + 1)));
  await page.locator('#f-q').fill(gun);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=counts]').dataset.total) === 3);
  await page.close();
});

test('reopening after a backfill shows the stored records and fetches only new ones', async () => {
  const page = await env.ctx.newPage();
  await page.goto(env.url('audit.html'));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
  await loadAll(page);
  const before = await total(page);
  await page.close();
  await admin(stack, 'GET', '/requests?clear=1');
  const again = await env.ctx.newPage();
  await again.goto(env.url('audit.html'));
  await again.getByTestId('complete').waitFor({ timeout: 20000 });
  assert.ok(await total(again) >= before);
  // Let the follow poll run once, then count what was asked.
  await again.waitForTimeout(1500);
  const log = await admin(stack, 'GET', '/requests?clear=1');
  // The view pages by 1000 (other clients of a shared stand-in use other sizes).
  const feeds = (log.requests || log).filter((r) => /_trust\/changefeed\?.*records=-?1000$/.test(r.path));
  assert.ok(feeds.length >= 1 && feeds.length <= 4, `only new records fetched: ${feeds.map((r) => r.path).join(' ')}`);
  assert.ok(feeds.every((r) => !r.path.includes('records=-')), `no older page read again: ${feeds.map((r) => r.path).join(' ')}`);
  await again.close();
});

test('RethinkDB mode: the export of everything equals the truth (UUID ids, keyset paging)', async () => {
  await admin(stack, 'POST', '/rethink', { enabled: true, blackout_secs: 0 });
  try {
    const page = await env.ctx.newPage();
    await page.goto(env.url('audit.html'));
    await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
    // The stored SQL-mode records would mix ID spaces: start clean.
    await page.getByRole('button', { name: 'Clear stored records' }).click();
    await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
    const before = (await admin(stack, 'GET', '/truth/changefeed')).records;
    // UUID IDs bound nothing: the backfill bar is the share of the time span loaded (from
    // the first record's time, read once), rendered with the count it goes with. Read in
    // one go once only UUID rows are shown (the SQL-mode records are cleared).
    const bar = await (await page.waitForFunction(() => {
      const e = document.querySelector('[data-testid=backfill]');
      const ids = [...document.querySelectorAll('[data-testid=audit] tbody tr')].map((tr) => tr.dataset.event);
      if (e?.dataset.basis !== 'time' || ids.length === 0 || ids.some((id) => /^\d+$/.test(id))) return null;
      return {
        value: Number(e.getAttribute('value')), text: e.getAttribute('aria-valuetext'),
        total: Number(document.querySelector('[data-testid=counts]').dataset.total),
      };
    }, null, { timeout: 20000 })).jsonValue();
    const times = before.map((r) => Date.parse(r.created_at)).sort((a, b) => a - b);
    const [first, newest] = [times[0], times[times.length - 1]];
    const span = (newest - times[times.length - bar.total]) / (newest - first);
    assert.ok(bar.total > 0 && bar.total < times.length, `a partial history: ${bar.total} of ${times.length}`);
    assert.ok(Math.abs(bar.value - span) < 1e-6, `bar ${bar.value}, the time span read ${span}`);
    assert.match(bar.text, /^\d+ % of the time span loaded$/);
    await loadAll(page);
    const exported = JSON.parse(await exportText(page, 'JSON'));
    assertSameRecords(exported, before, (await admin(stack, 'GET', '/truth/changefeed')).records, true);
    await page.getByRole('button', { name: 'Clear stored records' }).click();
    await page.close();
  } finally {
    await admin(stack, 'POST', '/rethink', { enabled: false });
  }
});

test('past the storage bound the oldest records leave storage, the view says so, and a reopened view reads them again', async () => {
  const open = async () => {
    const p = await env.ctx.newPage();
    await p.goto(env.url('audit.html'));
    await p.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
    return p;
  };
  let page = await open();
  // A bound below the stand-in's ~2000 records (the default is 300 000).
  await page.evaluate(() => localStorage.setItem('msrLensAuditMaxStored', '1500'));
  try {
    await page.getByRole('button', { name: 'Clear stored records' }).click();
    await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
    const before = (await admin(stack, 'GET', '/truth/changefeed')).records;
    assert.ok(before.length > 1500, `the stand-in holds ${before.length} records`);
    await loadAll(page);
    const bound = page.getByTestId('bound');
    await bound.waitFor({ timeout: 10000 });
    const stored = Number(await bound.getAttribute('data-stored'));
    assert.ok(stored > 0 && stored <= 1500, `stored ${stored}`);
    assert.match(await bound.innerText(), /bounded to 1500 records: this device keeps only the newest \d+, older ones were dropped/);
    assert.ok(await total(page) > stored);
    await page.close();

    // Reopened: the stored newest records, not "all loaded" (the oldest are not stored)...
    page = await open();
    await page.getByTestId('bound').waitFor({ timeout: 10000 });
    assert.equal(await total(page), stored);
    assert.equal(await page.getByTestId('complete').isVisible(), false);
    // ...and loading everything reads the dropped ones again: nothing missing, nothing twice.
    await loadAll(page);
    const exported = JSON.parse(await exportText(page, 'JSON'));
    assertSameRecords(exported, before, (await admin(stack, 'GET', '/truth/changefeed')).records, false);
    assert.ok(Number(await page.getByTestId('bound').getAttribute('data-stored')) <= 1500);
  } finally {
    await page.evaluate(() => localStorage.removeItem('msrLensAuditMaxStored')).catch(() => {});
    await page.getByRole('button', { name: 'Clear stored records' }).click().catch(() => {});
    await page.close();
  }
});

test('a non-admin sees a plain explanation and only repositories they can pull', async () => {
  const options = await env.ctx.newPage();
  await configure(options, env.url, stack, { name: 'Dev', user: 'dev', replicas: false });
  const settings = await env.sw.evaluate(() => chrome.storage.local.get('settings'));
  const id = settings.settings.instances.find((i) => i.name === 'Dev').id;
  await options.close();
  const page = await env.ctx.newPage();
  await page.goto(env.url(`audit.html?id=${id}#repo=library/nginx`));
  const note = page.getByTestId('non-admin');
  await note.waitFor({ timeout: 20000 });
  assert.match(await note.innerText(), /only of repositories it can pull/);
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
  const guns = new Set((await rows(page)).map((r) => r.gun.split('/').slice(1).join('/')));
  assert.deepEqual([...guns], ['library/nginx']);
  await assertHostOnce(page, stack.registry_host);
  assert.deepEqual([...new Set((await rows(page)).map((r) => r.name))], ['library/nginx']);
  const truth = (await admin(stack, 'GET', `/truth/changefeed?gun=${encodeURIComponent(`${stack.registry_host}/library/nginx`)}`)).records;
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=counts]').dataset.total) >= Math.min(n, 1000), truth.length);
  // A repository dev cannot pull says so.
  await page.locator('#repos').fill('team/secret');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.getByText(/no access/).first().waitFor({ timeout: 20000 });
  await page.close();
});

test('a failed storage write loses nothing: reopened, the view reads the rest and equals the truth', async () => {
  // More than two pages of 1000, so that pages arrive after the one whose write fails.
  const have = (await admin(stack, 'GET', '/truth/changefeed')).records.length;
  if (have < 3500) insertRecords(`${stack.registry_host}/audit-test/bulk-${Date.now()}`, 3500 - have);
  const open = async (fail) => {
    const p = await env.ctx.newPage();
    if (fail) {
      // The transaction storing the second page of records aborts once the page is written,
      // before it commits, as a full disk does (QuotaExceededError aborts at commit).
      await p.addInitScript(() => {
        let pages = 0;
        const put = IDBObjectStore.prototype.put;
        IDBObjectStore.prototype.put = function (...args) {
          const request = put.apply(this, args);
          if (this.name === 'pages' && ++pages === 2) {
            const tx = this.transaction;
            request.addEventListener('success', () => tx.abort());
          }
          return request;
        };
      });
    }
    await p.goto(env.url('audit.html'));
    await p.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
    return p;
  };
  let page = await open(false);
  await page.getByRole('button', { name: 'Clear stored records' }).click();
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
  await page.close();
  try {
    page = await open(true);
    const before = (await admin(stack, 'GET', '/truth/changefeed')).records;
    await loadAll(page);
    const alert = page.getByTestId('storage-error');
    await alert.waitFor({ timeout: 10000 });
    assert.match(await alert.innerText(), /^Storing on this device failed \(.*aborted.*\): records read from now on are not kept here\. What is stored stays as it was/);
    assert.ok(await total(page) >= before.length, 'the open view still shows every record');
    await page.close();

    // Reopened: the stored pages (and positions) before the failure, nothing after it.
    page = await open(false);
    assert.equal(await page.getByTestId('complete').isVisible(), false, 'a reopened view must not claim it has everything');
    await loadAll(page);
    const exported = JSON.parse(await exportText(page, 'JSON'));
    assertSameRecords(exported, before, (await admin(stack, 'GET', '/truth/changefeed')).records, false);
    assert.equal(await page.getByTestId('storage-error').count(), 0);
  } finally {
    await page.getByRole('button', { name: 'Clear stored records' }).click().catch(() => {});
    await page.close();
  }
});

test("an edited instance shows none of its old origin's records, and removing it deletes them", async () => {
  const options = await env.ctx.newPage();
  await configure(options, env.url, stack, { name: 'Edited', replicas: false });
  const settings = await env.sw.evaluate(() => chrome.storage.local.get('settings'));
  const { id } = settings.settings.instances.find((i) => i.name === 'Edited');
  // Its store keys: JSON text of [id, origin, user] (before: the id alone).
  const prefix = `${JSON.stringify([id]).slice(0, -1)},`;
  const mine = async () => {
    const keys = await idbKeys(options);
    return [...new Set([...keys.state, ...keys.pages])].filter((k) => k === id || k.startsWith(prefix));
  };
  let page = await env.ctx.newPage();
  await page.goto(env.url(`audit.html?id=${id}`));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
  assert.ok(await total(page) > 0);
  // Stored under one key (the write follows the page).
  for (const end = Date.now() + 10000; (await mine()).length === 0 && Date.now() < end;) await options.waitForTimeout(100);
  assert.equal((await mine()).length, 1);
  await page.close();

  // Same id, another origin (nothing answers there).
  const elsewhere = 'https://127.0.0.1:1';
  await options.goto(env.url('options.html'));
  await options.getByRole('button', { name: 'Edit Edited' }).click();
  await options.locator('#f-origin').fill(elsewhere);
  await options.getByRole('button', { name: 'Save' }).click();
  await options.getByTestId('status').filter({ hasText: 'saved' }).waitFor({ timeout: 10000 });
  page = await env.ctx.newPage();
  await page.goto(env.url(`audit.html?id=${id}`));
  const feed = page.locator('.feed-list li');
  await feed.filter({ hasText: /no answer|could not|failed|error/i }).first().waitFor({ timeout: 30000 });
  assert.equal(await total(page), 0, "the old origin's records show for the new one");
  assert.deepEqual(await rows(page), []);
  await page.close();
  assert.deepEqual(await mine(), [JSON.stringify([id, elsewhere, 'admin'])]);

  // Removed: nothing of it is left in the audit view's storage.
  await options.getByRole('button', { name: 'Remove Edited' }).click();
  await options.getByRole('button', { name: 'Yes, remove Edited' }).click();
  await options.getByTestId('status').filter({ hasText: 'removed “Edited” and everything stored about it' }).waitFor({ timeout: 10000 });
  assert.deepEqual(await mine(), []);
  await options.close();
});
