// Helpers of the audit explorer's e2e tests (test/audit.test.mjs, audit-100k.mjs) and bench.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { loadStack } from './lib.mjs';

const stack = loadStack();

export function insertRecords(gun, n) {
  const pg = stack.postgres;
  const sql = 'INSERT INTO changefeed (created_at, gun, version, sha256, category) '
    + `SELECT now() at time zone 'utc', '${gun}', 2000 + g, md5(random()::text) || md5(random()::text), 'update' `
    + `FROM generate_series(1, ${n}) AS g;`;
  execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', pg.dbname, '-c', sql]);
}

// A record published by the seed (notary holds its timestamp.json), newest first.
export function seededRecordId() {
  const pg = stack.postgres;
  const sql = "SELECT c.id FROM changefeed c JOIN tuf_files t ON t.gun = c.gun AND t.role = 'timestamp' "
    + "AND t.sha256 = c.sha256 WHERE c.category = 'update' ORDER BY c.id DESC LIMIT 1;";
  return execFileSync('psql', ['-Atq', '-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', pg.dbname, '-c', sql]).toString().trim();
}

// Rows currently in the DOM (the list is virtualized): [{id, category, gun}].
export async function rows(page) {
  return page.locator('[data-testid=audit] tbody tr').evaluateAll((els) => els.map((e) => ({
    id: e.dataset.event, category: e.dataset.category, gun: e.querySelector('.gun')?.textContent,
  })));
}

export async function total(page) {
  return Number(await page.getByTestId('counts').getAttribute('data-total'));
}

// Click "Load everything" and wait until every record is loaded.
export async function loadAll(page, timeout = 120000) {
  if (await page.getByTestId('complete').isVisible()) return;
  await page.getByRole('button', { name: /oad(ing)? everything/ }).click();
  await page.getByTestId('complete').waitFor({ timeout });
}

// Export (CSV or JSON) and return the text of the Blob the page built.
export async function exportText(page, kind) {
  await page.evaluate(() => { window.__msrLensExport = undefined; });
  await page.getByRole('button', { name: `Export ${kind}` }).click();
  await page.waitForFunction(() => window.__msrLensExport !== undefined, null, { timeout: 60000 });
  return page.evaluate(() => window.__msrLensExport.text());
}


// An export (JSON rows) holds every record of the truth read before loading, nothing that
// is not in the truth read after exporting (other tests may publish meanwhile), and no
// record twice. `rethink`: compare with the RethinkDB-mode UUIDs instead of SQL ids.
export function assertSameRecords(exported, truthBefore, truthAfter, rethink) {
  const key = (r) => `${rethink ? r.uuid : String(r.id)}|${r.gun}|${r.version}|${r.sha256}|${r.category}`;
  const got = exported.map((r) => `${r.ID}|${r.GUN}|${r.Version}|${r.SHA256}|${r.Category}`);
  assert.equal(new Set(got).size, got.length, 'an exported record repeated');
  const have = new Set(got);
  const after = new Set(truthAfter.map(key));
  const missing = truthBefore.map(key).filter((k) => !have.has(k));
  const extra = got.filter((k) => !after.has(k));
  assert.deepEqual({ missing: missing.slice(0, 5), nMissing: missing.length, extra: extra.slice(0, 5) },
    { missing: [], nMissing: 0, extra: [] });
  assert.ok(got.length >= truthBefore.length && got.length <= truthAfter.length);
}
