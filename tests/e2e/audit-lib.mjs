// Helpers of the audit explorer's e2e tests (test/audit.test.mjs, audit-100k.mjs) and bench.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
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

// Rows currently in the DOM (the list is virtualized): [{id, category, gun, name, title}]:
// `gun` the full GUN (the row's data-gun), `name` what the row shows (the repository without
// the registry host the view names once), `title` the repository cell's tooltip.
export async function rows(page) {
  return page.locator('[data-testid=audit] tbody tr').evaluateAll((els) => els.map((e) => ({
    id: e.dataset.event,
    category: e.dataset.category,
    gun: e.dataset.gun,
    name: e.querySelector('.gun')?.textContent,
    title: e.querySelector('.gun')?.getAttribute('title'),
  })));
}

// The rows show their GUN without `host` (named once, in the view's heading), and a GUN of
// another host in full; the full GUN is the row's data-gun and the cell's tooltip.
export async function assertHostOnce(page, host) {
  const heading = page.getByTestId('registry-host');
  assert.equal(await heading.count(), 1, 'the registry host is named once');
  assert.equal(await heading.innerText(), `Repositories on ${host}`);
  const shown = await rows(page);
  assert.ok(shown.length > 0, 'rows to check');
  for (const r of shown) {
    const want = r.gun.startsWith(`${host}/`) ? r.gun.slice(host.length + 1) : r.gun;
    assert.equal(r.name, want, `row ${r.id} shows ${r.name} for ${r.gun}`);
    assert.equal(r.title, r.gun);
  }
  assert.ok(shown.some((r) => r.gun.startsWith(`${host}/`) && !r.name.includes(host)), 'some row is shortened');
  const text = await page.locator('[data-testid=audit] tbody').innerText();
  assert.ok(!text.includes(`${host}/`), 'no row names the registry host');
}

export async function total(page) {
  return Number(await page.getByTestId('counts').getAttribute('data-total'));
}

// Click "Load everything" (unless it is running: a reopened view resumes it) and wait until
// every record is loaded.
export async function loadAll(page, timeout = 120000) {
  const complete = page.getByTestId('complete');
  const start = page.getByRole('button', { name: /oad(ing)? everything/ });
  const pause = page.getByRole('button', { name: 'Pause' });
  await start.or(pause).or(complete).first().waitFor({ timeout });
  if (await start.isVisible()) await start.click();
  await complete.waitFor({ timeout });
}

// Export (CSV or JSON) and return the text of the file the browser downloaded.
export async function exportText(page, kind, timeout = 60000) {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout }),
    page.getByRole('button', { name: `Export ${kind}` }).click(),
  ]);
  assert.match(download.suggestedFilename(), new RegExp(`^msr-trust-audit-.*\\.${kind.toLowerCase()}$`));
  return readFile(await download.path(), 'utf8');
}

// Record every object URL the page creates and revokes (install before the page loads).
export async function watchObjectUrls(page) {
  await page.addInitScript(() => {
    const created = [];
    const revoked = [];
    const create = URL.createObjectURL;
    const revoke = URL.revokeObjectURL;
    URL.createObjectURL = (blob) => { const url = create.call(URL, blob); created.push(url); return url; };
    URL.revokeObjectURL = (url) => { revoked.push(url); return revoke.call(URL, url); };
    Object.defineProperty(window, '__objectUrls', { value: { created, revoked } });
  });
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

// Insert one record with any GUN, version and sha256 (server text as hostile as the columns
// allow: psql quotes the values).
export function insertRaw(gun, version, sha256) {
  const pg = stack.postgres;
  const sql = "INSERT INTO changefeed (created_at, gun, version, sha256, category) "
    + "VALUES (now() at time zone 'utc', :'gun', :'version', :'sha256', 'update');\n";
  execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-v', `gun=${gun}`, '-v', `version=${version}`, '-v', `sha256=${sha256}`,
    '-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', pg.dbname], { input: sql });
}

// The cells of one CSV line (RFC 4180: quoted cells, "" for a quote).
export function csvCells(line) {
  const cells = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let cell = '';
      i += 1;
      for (;;) {
        const q = line.indexOf('"', i);
        assert.ok(q >= 0, `unterminated quote in ${line}`);
        cell += line.slice(i, q);
        if (line[q + 1] === '"') { cell += '"'; i = q + 2; } else { i = q + 1; break; }
      }
      cells.push(cell);
      i += 1; // the comma
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      cells.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return cells;
}

// Keys of the audit view's IndexedDB (read from an extension page): the state keys and the
// store key of every stored page.
export function idbKeys(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('msr-lens-audit');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(['state', 'pages']);
      const state = tx.objectStore('state').getAllKeys();
      const pages = tx.objectStore('pages').getAllKeys();
      tx.oncomplete = () => { db.close(); resolve({ state: state.result, pages: pages.result.map((k) => k[0]) }); };
      tx.onerror = () => reject(tx.error);
    };
  }));
}
