// The audit view read and shared (issue 18 items 5–8, issue 15 item 5), against the
// stand-in: a filter over a partial history says so and "Load everything" finds the rest;
// the URL carries filters and the open record (reload → same view); rows are reachable by
// keyboard; the timeline shows empty days and a click or a drag sets the date filter; a
// deletion shows the version before it; a verify 404 is explained; the popup's trust events
// open their record; axe finds no serious/critical violation (light and dark).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { admin, configure, launch, loadStack, openPopup, resetSim, watchErrors } from '../lib.mjs';
import { rows, total } from '../audit-lib.mjs';

const stack = loadStack();
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const VIEWPORT = { width: 1200, height: 800 };
let env;

async function axe(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

// Insert records of one GUN dated `daysAgo` days back (psql quotes the values).
function insertDated(gun, records) {
  const pg = stack.postgres;
  const values = records.map(({ daysAgo, category, version }) => {
    const sha = category === 'deletion' ? "''" : 'md5(random()::text) || md5(random()::text)';
    return `((now() at time zone 'utc') - interval '${Number(daysAgo)} days', :'gun', ${Number(version)}, ${sha}, '${category === 'deletion' ? 'deletion' : 'update'}')`;
  });
  const sql = `INSERT INTO changefeed (created_at, gun, version, sha256, category) VALUES ${values.join(', ')};\n`;
  execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-v', `gun=${gun}`, '-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', pg.dbname], { input: sql });
}

const utcDay = (daysAgo) => new Date(Date.now() - daysAgo * 86400000).toISOString().slice(0, 10);
const countsText = (page) => page.getByTestId('counts').innerText();
const waitTotal = (page, n, timeout = 30000) => page.waitForFunction(
  (k) => Number(document.querySelector('[data-testid=counts]')?.dataset.total) === k, n, { timeout },
);

before(async () => {
  await resetSim(stack);
  env = await launch(stack, { viewport: VIEWPORT });
  const options = await env.ctx.newPage();
  await configure(options, env.url, stack, { replicas: false });
  await options.close();
});
after(async () => {
  await env?.close();
  await resetSim(stack);
});

test('a filter over a partial history says so, and "Load everything" finds the deletions', async () => {
  const page = await env.ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(env.url('audit.html'));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=counts]').dataset.total) > 0);
  const loaded = await total(page);
  const truth = (await admin(stack, 'GET', '/truth/changefeed')).records;
  assert.ok(truth.length > loaded, `a partial history: ${loaded} of ${truth.length} loaded`);
  await page.locator('#f-prefix').fill('library/');
  await page.locator('#f-category').selectOption('deletion');
  const scope = page.getByTestId('scope');
  await scope.waitFor({ timeout: 10000 });
  // The banner says only what the IDs bound (crates/ui/src/audit/scope.rs), once the log's
  // first record is read (one small request): at most M records when the IDs loaded have
  // no gap, else the IDs themselves.
  const ids = truth.map((r) => Number(r.id)).sort((a, b) => a - b);
  const newest = ids.slice(-loaded);
  const [oldest, top, first] = [newest[0], newest[newest.length - 1], ids[0]];
  const atMost = loaded + oldest - first;
  const of = top - oldest + 1 === loaded
    ? `the newest ${loaded} of at most ${atMost} records`
    : `the newest ${loaded} records (IDs ${oldest}–${top}, with gaps; the log starts at ID ${first})`;
  assert.ok(atMost >= truth.length, `the bound ${atMost} holds the ${truth.length} records`);
  await scope.filter({ hasText: of }).waitFor({ timeout: 10000 });
  const escaped = of.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(await scope.innerText(), new RegExp(`^(No match|\\d+ matching) in ${escaped}[.;]`));
  assert.doesNotMatch(await scope.innerText(), /~/);
  assert.match(await countsText(page), new RegExp(`^\\d+ of ${loaded} loaded records`));
  // The backfill bar rests on the same bound (scope.rs `Loaded::done`): the records loaded
  // of at most M, not the share of the time span; never more than the share of the truth
  // loaded. Read in one go: the bar and the count are rendered together.
  const bar = await page.getByTestId('backfill').evaluate((e) => ({
    value: e.getAttribute('value'), basis: e.dataset.basis, text: e.getAttribute('aria-valuetext'),
    counts: document.querySelector('[data-testid=counts]').innerText,
  }));
  assert.match(bar.counts, new RegExp(` of ${loaded} loaded records`));
  assert.equal(bar.basis, 'ids', JSON.stringify(bar));
  const share = loaded / atMost;
  assert.ok(Math.abs(Number(bar.value) - share) < 1e-9, `bar ${bar.value}, the IDs give ${share}`);
  assert.ok(Number(bar.value) <= loaded / truth.length + 1e-9, `bar ${bar.value} of ${loaded}/${truth.length} read`);
  assert.equal(bar.text, `${Math.floor(share * 100)} % loaded (estimated from the changefeed IDs)`);
  // The banner's own button loads the rest; then the count is that of the whole history.
  await scope.getByRole('button', { name: 'Load everything' }).click();
  await page.getByTestId('complete').waitFor({ timeout: 120000 });
  const full = page.getByTestId('backfill');
  assert.deepEqual(
    [await full.getAttribute('value'), await full.getAttribute('data-basis'), await full.getAttribute('aria-valuetext')],
    ['1', 'complete', 'all records loaded'],
  );
  const all = (await admin(stack, 'GET', '/truth/changefeed')).records;
  const want = all.filter((r) => r.category === 'deletion' && r.gun.split('/').slice(1).join('/').startsWith('library/')).length;
  assert.ok(want > 0, 'the stand-in holds library/ deletions');
  await waitTotal(page, want);
  assert.ok((await rows(page)).every((r) => r.category === 'deletion' && r.gun.includes('/library/')));
  assert.equal(await scope.count(), 0, 'no scope banner once everything is loaded');
  assert.match(await countsText(page), new RegExp(`^${want} of \\d+ records`));
  assert.deepEqual(errors.filter((e) => !/401/.test(e)), []);
  await page.close();
});

test('the URL carries the filters and the open record: a reload shows the same view', async () => {
  const page = await env.ctx.newPage();
  await page.goto(env.url('audit.html'));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
  await page.locator('#f-contains').fill('nginx');
  await page.locator('#f-category').selectOption('update');
  await page.locator('#f-q').fill('library');
  await page.waitForFunction(() => {
    const shown = [...document.querySelectorAll('[data-testid=audit] tbody tr')];
    return shown.length > 0 && shown.every((tr) => tr.dataset.category === 'update');
  }, null, { timeout: 20000 });
  const n = await total(page);
  assert.ok(n > 0);
  const [first] = await rows(page);
  await page.locator(`tr[data-event="${first.id}"]`).click();
  await page.getByTestId('record').waitFor();
  const url = new URL(page.url());
  assert.match(url.search, /^\?id=/, 'the link names the instance');
  assert.equal(url.hash, `#contains=nginx&category=update&q=library&record=${first.id}`);

  const check = async (p) => {
    await p.getByTestId('record').waitFor({ timeout: 20000 });
    assert.equal(await p.getByTestId('record').getAttribute('data-record'), first.id);
    assert.equal(await p.locator('#f-contains').inputValue(), 'nginx');
    assert.equal(await p.locator('#f-category').inputValue(), 'update');
    assert.equal(await p.locator('#f-q').inputValue(), 'library');
    await waitTotal(p, n);
    await p.locator(`tr[data-event="${first.id}"].selected`).waitFor({ timeout: 10000 });
  };
  await page.reload();
  await check(page);
  // The same link in another tab; "Copy link" copies it.
  const other = await env.ctx.newPage();
  await other.goto(url.href);
  await check(other);
  await other.getByTestId('copy-link').click();
  await other.getByText('link copied').waitFor();
  assert.equal(other.url(), url.href);
  // Closing the record and clearing a filter take them out of the URL.
  await other.getByRole('button', { name: 'Close' }).click();
  await other.locator('#f-q').fill('');
  await other.waitForFunction(() => location.hash === '#contains=nginx&category=update');
  await other.close();
  await page.close();
});

test('keyboard: Tab reaches the rows, arrow keys move, Enter opens the record', async () => {
  const page = await env.ctx.newPage();
  await page.goto(env.url('audit.html'));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
  await page.locator('#f-q').focus();
  const focusedRow = () => page.evaluate(() => {
    const el = document.activeElement;
    return el?.matches('tr[data-event]') ? { id: el.dataset.event, index: Number(el.getAttribute('aria-rowindex')) } : null;
  });
  let row = null;
  for (let i = 0; i < 20 && !row; i += 1) {
    await page.keyboard.press('Tab');
    row = await focusedRow();
  }
  assert.ok(row, 'Tab reaches a row');
  assert.equal(row.index, 2, 'the first row');
  assert.equal(await page.locator('[data-testid=audit] tbody tr[tabindex="0"]').count(), 1, 'one row in the tab order');
  for (let i = 0; i < 3; i += 1) await page.keyboard.press('ArrowDown');
  assert.equal((await focusedRow())?.index, 5);
  await page.keyboard.press('End');
  const n = await total(page);
  await page.waitForFunction((k) => Number(document.activeElement?.getAttribute('aria-rowindex')) === k + 1, n);
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-rowindex') === '2');
  await page.keyboard.press('ArrowDown');
  const target = await focusedRow();
  await page.keyboard.press('Enter');
  await page.getByTestId('record').waitFor();
  assert.equal(await page.getByTestId('record').getAttribute('data-record'), target.id);
  // The heading is the GUN as it is spelt, not upper-cased by CSS.
  const heading = page.locator('[data-testid=record] h2');
  assert.equal(await heading.evaluate((h) => getComputedStyle(h).textTransform), 'none');
  assert.equal(await heading.innerText(), (await rows(page)).find((r) => r.id === target.id).gun);
  assert.match(await page.getByTestId('meaning').innerText(), /timestamp update \(a publish or a server re-sign\).*Cosign signatures \(MSR 2\.10\+\) are not in notary's log/s);
  await page.close();
});

test('the timeline shows empty days, a click or a drag sets the date filter; a deletion and a verify 404 explained', async () => {
  const name = `audit-test/timeline-${Date.now()}`;
  const gun = `${stack.registry_host}/${name}`;
  insertDated(gun, [
    { daysAgo: 6, category: 'update', version: 1 },
    { daysAgo: 3, category: 'deletion', version: 0 },
    { daysAgo: 1, category: 'update', version: 1 },
  ]);
  const page = await env.ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(env.url(`audit.html#q=${encodeURIComponent(name)}`));
  await waitTotal(page, 3);
  const timeline = page.getByTestId('timeline');
  assert.equal(await timeline.getAttribute('data-unit'), 'day');
  const buckets = Number(await timeline.getAttribute('data-buckets'));
  assert.ok(buckets >= 6 && buckets <= 7, `${buckets} days from 6 days ago to 1 day ago`);
  const empty = await timeline.locator('g.tl-bucket[data-total="0"]').count();
  assert.equal(empty, buckets - 3, 'every day without a record is drawn');
  assert.match(await timeline.innerText(), new RegExp(`${utcDay(6)}`), 'the axis names the first day');

  // Click the day of the deletion: From and To are that day, one record left.
  await timeline.locator('g.tl-bucket[data-deletions="1"] rect.tl-hit').click();
  await waitTotal(page, 1);
  assert.equal(await page.locator('#f-from').inputValue(), utcDay(3));
  assert.equal(await page.locator('#f-to').inputValue(), utcDay(3));
  assert.ok(page.url().endsWith(`#from=${utcDay(3)}&to=${utcDay(3)}&q=${name}`), page.url());
  assert.equal((await rows(page))[0].category, 'deletion');
  await page.getByRole('button', { name: 'Clear dates' }).click();
  await waitTotal(page, 3);

  // Drag from the first day to the second-last: the update of 1 day ago is left out.
  const hits = timeline.locator('g.tl-bucket rect.tl-hit');
  const count = await hits.count();
  const a = await hits.first().boundingBox();
  const b = await hits.nth(count - 2).boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 4 });
  await page.mouse.up();
  await waitTotal(page, 2);
  assert.equal(await page.locator('#f-from').inputValue(), utcDay(6));
  await page.getByRole('button', { name: 'Clear dates' }).click();
  await waitTotal(page, 3);

  // The deletion's record: the version before it, and the repository's history.
  const all = await rows(page);
  const deletion = all.find((r) => r.category === 'deletion');
  const [newest] = all;
  await page.locator(`tr[data-event="${deletion.id}"]`).click();
  const record = page.getByTestId('record');
  await record.waitFor();
  assert.match(await page.getByTestId('last-version').innerText(), /^the last version was 1, published 20\d\d-/);
  assert.match(await record.innerText(), /none — a deletion leaves no timestamp\.json/);
  await page.getByTestId('repo-history').click();
  await waitTotal(page, 3);
  assert.equal(await page.getByTestId('repo-filter').locator('strong').innerText(), name);
  assert.equal(await page.locator('#f-prefix').inputValue(), '');
  assert.equal(await page.locator('#f-q').inputValue(), '');

  // Verify an update whose timestamp notary does not hold: the 404 is explained.
  await page.locator(`tr[data-event="${newest.id}"]`).click();
  await page.getByRole('button', { name: 'Verify' }).click();
  const failure = page.getByTestId('verify-error');
  await failure.waitFor({ timeout: 20000 });
  assert.match(await failure.innerText(), /HTTP 404 .*this version's timestamp is no longer stored — the repository was deleted or re-initialised/);
  assert.deepEqual(errors.filter((e) => !/40[14]/.test(e)), []);
  await page.close();
});

test("a record's \"This repository's history\" is that repository only, not one whose name starts with it", async () => {
  const name = `audit-test/history-${Date.now()}`;
  const gun = `${stack.registry_host}/${name}`;
  insertDated(gun, [{ daysAgo: 2, category: 'update', version: 1 }, { daysAgo: 1, category: 'update', version: 2 }]);
  insertDated(`${gun}2`, [{ daysAgo: 1, category: 'update', version: 1 }]);
  insertDated(`${gun}/sub`, [{ daysAgo: 1, category: 'update', version: 1 }]);
  const page = await env.ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(env.url(`audit.html#q=${encodeURIComponent(name)}`));
  await waitTotal(page, 4);
  const mine = (await rows(page)).find((r) => r.gun === gun);
  assert.equal(mine.name, name, 'the row shows the repository without the registry host');
  await page.locator(`tr[data-event="${mine.id}"]`).click();
  const record = page.getByTestId('record');
  await record.waitFor();
  // The record names the full GUN; its repository's history is exactly that repository.
  assert.equal(await record.locator('h2').innerText(), gun);
  await page.getByTestId('repo-history').click();
  await waitTotal(page, 2);
  assert.deepEqual([...new Set((await rows(page)).map((r) => r.gun))], [gun]);
  assert.ok(page.url().endsWith(`#repository=${name}&record=${mine.id}`), page.url());
  // The link opens the same view; the full GUN is accepted too.
  const again = await env.ctx.newPage();
  await again.goto(env.url(`audit.html#repository=${encodeURIComponent(gun)}`));
  await waitTotal(again, 2);
  assert.deepEqual([...new Set((await rows(again)).map((r) => r.gun))], [gun]);
  await again.close();
  // The repository filter is shown and can be cleared.
  await page.getByTestId('repo-filter').getByRole('button').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=counts]')?.dataset.total) > 2);
  assert.equal(await page.getByTestId('repo-filter').count(), 0);
  // The token flow's challenges (401) are the only failed loads.
  assert.deepEqual(errors.filter((e) => !/401/.test(e)), []);
  await page.close();
});

test("the popup's trust events open their record in the audit view", async () => {
  const { page } = await openPopup(env.ctx, env.url);
  const link = page.locator('[data-testid=trust] a.record-link').first();
  await link.waitFor({ timeout: 20000 });
  const id = await link.evaluate((a) => a.closest('li').dataset.event);
  const [audit] = await Promise.all([env.ctx.waitForEvent('page'), link.click()]);
  await audit.getByTestId('record').waitFor({ timeout: 30000 });
  assert.equal(await audit.getByTestId('record').getAttribute('data-record'), id);
  assert.match(audit.url(), new RegExp(`audit\\.html\\?id=[^#]+#repository=[^&]+&record=${id}$`));
  // Exactly that repository's records (not a sibling whose name starts the same).
  const repository = decodeURIComponent(new URL(audit.url()).hash.match(/repository=([^&]+)/)[1]);
  const guns = await audit.locator('tr[data-gun]').evaluateAll((rows) => rows.map((r) => r.dataset.gun));
  assert.ok(guns.length > 0 && guns.every((g) => g.endsWith(`/${repository}`)), `${repository}: ${guns}`);
  await audit.close();
  await page.close();
});

for (const colorScheme of ['light', 'dark']) {
  test(`axe: the timeline, the scope banner and a deletion's record in the ${colorScheme} theme`, async () => {
    const scheme = colorScheme === 'light' ? env : await launch(stack, { viewport: VIEWPORT, colorScheme });
    try {
      if (scheme !== env) {
        const options = await scheme.ctx.newPage();
        await configure(options, scheme.url, stack, { replicas: false });
        await options.close();
      }
      const page = await scheme.ctx.newPage();
      await page.goto(scheme.url('audit.html#category=deletion'));
      await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 20000 });
      await page.locator('[data-testid=audit] tbody tr').first().click();
      await page.getByTestId('record').waitFor();
      await page.getByTestId('timeline').waitFor();
      assert.deepEqual(await axe(page), []);
      await page.close();
    } finally {
      if (scheme !== env) await scheme.close();
    }
  });
}
