// IndexedDB storage of the audit view, per MSR instance: the records read (one entry per
// page, replayed in order) and the saved feed positions. Used by
// crates/ui/src/audit/persist.rs through wasm-bindgen, whose ledger numbers the pages of an
// instance (keys [instance, n], n growing) and says which ones to drop past the bound.
const NAME = 'msr-lens-audit';
let opening;

function db() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, 2);
    request.onupgradeneeded = (e) => {
      const d = request.result;
      // Version 1 kept pages under auto-increment keys shared by every instance; it is a
      // cache: start again (the view re-reads what it needs).
      if (e.oldVersion < 2) {
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
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

const pagesOf = (instance) => IDBKeyRange.bound([instance, -Infinity], [instance, Infinity]);

// Delete the pages numbered in `evict`, store one page of rows (JSON text, or null) as
// number `n`, and the state (JSON text), in one transaction.
export async function idbPut(instance, placement, rows, n, evict, state) {
  const d = await db();
  const tx = d.transaction(['pages', 'state'], 'readwrite');
  const pages = tx.objectStore('pages');
  for (const k of evict) pages.delete([instance, k]);
  if (rows && n !== undefined && n !== null) pages.put({ placement, rows }, [instance, n]);
  tx.objectStore('state').put(state, instance);
  await done(tx);
}

// {state: JSON text or null, chunks: [{key, placement, rows}]} in the order they were stored
// (`key`: the page's number).
export async function idbLoad(instance) {
  const d = await db();
  const tx = d.transaction(['pages', 'state']);
  const pages = tx.objectStore('pages');
  const values = pages.getAll(pagesOf(instance));
  const keys = pages.getAllKeys(pagesOf(instance));
  const state = tx.objectStore('state').get(instance);
  await done(tx);
  const chunks = values.result.map((c, i) => ({ ...c, key: keys.result[i][1] }));
  return { state: state.result ?? null, chunks };
}

// Forget everything stored for this instance.
export async function idbClear(instance) {
  const d = await db();
  const tx = d.transaction(['pages', 'state'], 'readwrite');
  tx.objectStore('pages').delete(pagesOf(instance));
  tx.objectStore('state').delete(instance);
  await done(tx);
}
