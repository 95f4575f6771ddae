// IndexedDB storage of the audit view, per MSR instance: the records read (in chunks,
// one per page, replayed in order) and the saved feed positions. Used by
// crates/ui/src/audit/persist.rs through wasm-bindgen.
const NAME = 'msr-lens-audit';
let opening;

function db() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, 1);
    request.onupgradeneeded = () => {
      const d = request.result;
      d.createObjectStore('chunks', { autoIncrement: true }).createIndex('instance', 'instance');
      d.createObjectStore('state');
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

// Store one page of rows (JSON text, or null) and the state (JSON text) in one transaction.
export async function idbPut(instance, placement, rows, state) {
  const d = await db();
  const tx = d.transaction(['chunks', 'state'], 'readwrite');
  if (rows) tx.objectStore('chunks').add({ instance, placement, rows });
  tx.objectStore('state').put(state, instance);
  await done(tx);
}

// {state: JSON text or null, chunks: [{placement, rows}]} in the order they were stored.
export async function idbLoad(instance) {
  const d = await db();
  const tx = d.transaction(['chunks', 'state']);
  const chunks = tx.objectStore('chunks').index('instance').getAll(instance);
  const state = tx.objectStore('state').get(instance);
  await done(tx);
  return { state: state.result ?? null, chunks: chunks.result };
}

// Forget everything stored for this instance.
export async function idbClear(instance) {
  const d = await db();
  const tx = d.transaction(['chunks', 'state'], 'readwrite');
  const index = tx.objectStore('chunks').index('instance');
  const keys = index.getAllKeys(instance);
  keys.onsuccess = () => { for (const k of keys.result) tx.objectStore('chunks').delete(k); };
  tx.objectStore('state').delete(instance);
  await done(tx);
}
