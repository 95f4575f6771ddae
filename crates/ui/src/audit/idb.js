// IndexedDB storage of the audit view: the records read (one entry per page, replayed in
// order) and the saved feed positions, under a store key per MSR origin and user (and
// instance or repository; see persist.rs `store_key`). Used by crates/ui/src/audit/persist.rs
// through wasm-bindgen, whose ledger numbers the pages of a key (keys [key, n], n growing)
// and says which ones to drop past the bound.
//
// Writes are chained by the view: each one waits for the one before it (`after`) and fails
// when that one failed, so that a page is never stored after a lost one (its saved
// positions would skip the lost page's records for good).
const NAME = 'msr-lens-audit';
let opening;

function db() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, 3);
    request.onupgradeneeded = (e) => {
      const d = request.result;
      // Version 1 kept pages under auto-increment keys shared by every instance, version 2
      // keyed them by instance id alone (an edited instance kept another origin's records).
      // It is a cache: start again (the view re-reads what it needs).
      if (e.oldVersion < 3) {
        for (const name of ['chunks', 'pages', 'state']) {
          if (d.objectStoreNames.contains(name)) d.deleteObjectStore(name);
        }
        d.createObjectStore('pages');
        d.createObjectStore('state');
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

function done(tx) {
  return new Promise((resolve, reject) => {
    // An aborted transaction has no error of its own (tx.abort(), a crash): say so.
    const failed = () => reject(tx.error ?? new DOMException('the storage transaction was aborted', 'AbortError'));
    tx.oncomplete = () => resolve();
    tx.onerror = failed;
    tx.onabort = failed;
  });
}

const pagesOf = (key) => IDBKeyRange.bound([key, -Infinity], [key, Infinity]);

// Delete the pages numbered in `evict`, store one page of rows (JSON text, or null) as
// number `n`, and the state (JSON text), in one transaction, after the write `after` (a
// promise or null) succeeded; rejects when it failed.
export async function idbPut(after, key, placement, rows, n, evict, state) {
  if (after) await after;
  const d = await db();
  const tx = d.transaction(['pages', 'state'], 'readwrite');
  const pages = tx.objectStore('pages');
  for (const k of evict) pages.delete([key, k]);
  if (rows && n !== undefined && n !== null) pages.put({ placement, rows }, [key, n]);
  tx.objectStore('state').put(state, key);
  await done(tx);
}

// {state: JSON text or null, chunks: [{key, placement, rows}]} in the order they were stored
// (`key`: the page's number).
export async function idbLoad(key) {
  const d = await db();
  const tx = d.transaction(['pages', 'state']);
  const pages = tx.objectStore('pages');
  const values = pages.getAll(pagesOf(key));
  const keys = pages.getAllKeys(pagesOf(key));
  const state = tx.objectStore('state').get(key);
  await done(tx);
  const chunks = values.result.map((c, i) => ({ ...c, key: keys.result[i][1] }));
  return { state: state.result ?? null, chunks };
}

// Forget everything stored under `key`, once the write `after` (a promise or null) is
// over, whether it succeeded or not.
export async function idbClear(after, key) {
  if (after) await after.catch(() => {});
  const d = await db();
  const tx = d.transaction(['pages', 'state'], 'readwrite');
  tx.objectStore('pages').delete(pagesOf(key));
  tx.objectStore('state').delete(key);
  await done(tx);
}

// Forget everything stored under every key that starts with `prefix` (all the origins and
// users an instance was read with); resolves to the number of keys deleted.
export async function idbClearPrefix(prefix) {
  const d = await db();
  const tx = d.transaction(['pages', 'state'], 'readwrite');
  // Every string that starts with `prefix` sorts between it and prefix + U+FFFF.
  const end = `${prefix}\uffff`;
  const states = tx.objectStore('state').getAllKeys(IDBKeyRange.bound(prefix, end));
  tx.objectStore('pages').delete(IDBKeyRange.bound([prefix], [end], false, true));
  tx.objectStore('state').delete(IDBKeyRange.bound(prefix, end));
  await done(tx);
  return states.result.length;
}
