// One check of an MSR instance with the `msr-lens` npm package (its documented JS API
// only: `new MsrClient(options)`, `health()`, `clusterStatus()`, `changefeed(options)`
// and the `kind`/`status`/`code` of its `MsrLensError`s).
//
// These functions only call the package and hand back what it returned (reports,
// pages, errors as plain objects); `snapshot.js` turns that into the stored snapshot.
// Both the background worker and tests/e2e/record-package-outputs.mjs (which records
// the package's outputs against the stand-in for the unit tests) use them, so the unit
// tests see exactly what the worker sees.

/** Per-request timeout of a check, milliseconds. */
export const TIMEOUT_MS = 10_000;
/**
 * The `chrome.storage.session` key that overrides `TIMEOUT_MS` (milliseconds, 500 to
 * 120000; tests and diagnosis — the options page offers no field for it, and a browser
 * restart forgets it). The options page's "Test connection" reads it too.
 */
export const TIMEOUT_KEY = 'checkTimeoutMs';

/** The per-request timeout a stored `checkTimeoutMs` asks for, else `TIMEOUT_MS`. */
export function timeoutOf(stored) {
  return Number.isInteger(stored) && stored >= 500 && stored <= 120_000 ? stored : TIMEOUT_MS;
}
/** How many trust events a snapshot keeps. */
export const TRUST_EVENTS = 10;

/**
 * The `MsrClient` options of an instance (each request waits at most `timeoutMs`), or an
 * error message when the instance cannot be checked at all. Credentials only when both
 * the user name and the secret are there (the package refuses one without the other);
 * otherwise the check runs anonymously.
 */
export function clientOptions(instance, secret, timeoutMs = TIMEOUT_MS) {
  // Replicas MSR's settings list are only listed (report.discovery), never pinged from
  // here: the extension reaches no origin the user has not granted.
  const options = { baseUrl: String(instance.origin || '').trim(), timeoutMs, discoverReplicas: 'list' };
  // A replica is a URL, or `{ label, url }` as the package takes it (its ping row then
  // carries the label).
  const stored = instance.replicas ?? [];
  if (!Array.isArray(stored)) {
    throw new Error(`its replicas are stored as ${kindOf(stored)}, not a list`);
  }
  const replicas = stored.map((r) => (r && typeof r === 'object'
    ? { label: String(r.label ?? '').trim(), url: String(r.url ?? '').trim() }
    : String(r).trim())).filter((r) => (typeof r === 'object' ? r.url : r));
  if (replicas.length) options.replicas = replicas;
  if (instance.username && secret) {
    options.username = instance.username;
    options.secret = secret;
    options.secretKind = instance.secretKind === 'password' ? 'password' : 'accessToken';
  }
  return options;
}

/** What kind of JSON value it is, in words. */
function kindOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return { string: 'text', number: 'a number', boolean: 'true or false', object: 'an object' }[typeof value] ?? typeof value;
}

const DEFAULT_SETTINGS = { instances: [], pollMinutes: 1, notifyVerdict: true, notifyDeletions: true };

/**
 * The stored `settings` as the worker uses them, read tolerantly (as the options page
 * does, crates/ui/src/model.rs): settings that are not an object, or whose instances are
 * not a list, check nothing (the options page says so; nothing here writes them); an
 * instance that is not an object or has no text id is skipped (`skipped` says why), and
 * the others are checked. Never throws; never changes what is stored.
 */
export function readSettings(stored) {
  const skipped = [];
  if (stored == null) return { settings: { ...DEFAULT_SETTINGS }, skipped };
  if (typeof stored !== 'object' || Array.isArray(stored)) {
    skipped.push(`the stored settings are ${kindOf(stored)}, not an object: nothing is checked`);
    return { settings: { ...DEFAULT_SETTINGS }, skipped };
  }
  const settings = { ...DEFAULT_SETTINGS, ...stored };
  if (!Array.isArray(settings.instances)) {
    skipped.push(`the stored instances are ${kindOf(settings.instances)}, not a list: nothing is checked`);
    settings.instances = [];
    return { settings, skipped };
  }
  settings.instances = settings.instances.filter((instance, index) => {
    if (!instance || typeof instance !== 'object' || Array.isArray(instance)) {
      skipped.push(`stored instance ${index + 1} is ${kindOf(instance)}, not an object: skipped`);
      return false;
    }
    if (typeof instance.id !== 'string' || !instance.id) {
      skipped.push(`stored instance ${index + 1} has no text id: skipped`);
      return false;
    }
    return true;
  });
  return { settings, skipped };
}

/** A package error (or anything thrown) as a plain, storable object; never a secret. */
export function errorObject(e) {
  if (e && typeof e === 'object') {
    const out = { name: String(e.name || 'Error'), kind: String(e.kind || 'internal'), message: String(e.message || e) };
    if (typeof e.status === 'number') out.status = e.status;
    if (typeof e.code === 'string') out.code = e.code;
    return out;
  }
  return { name: 'Error', kind: 'internal', message: String(e) };
}

// Reasons of `health()` that say the cluster status could not be read.
const CLUSTER_FAILED = new Set(['clusterNotSignedIn', 'clusterNotAdmin', 'clusterCheckFailed', 'clusterUnavailable']);

/**
 * The health half: `health()`, plus — only when its report says the cluster status was
 * unavailable for a reason it does not name — `clusterStatus()` once more, whose
 * rejection carries the `kind` and HTTP `status` the message needs (a login page, a
 * load balancer's 502, ...). Resolves to `{ report, clusterError }`.
 *
 * `previous` (the previous snapshot, or null) gives the package the samples to measure
 * against, so the rates survive the service worker being stopped between two polls (it
 * usually is: Chrome stops an idle worker after 30 s): its `nginx` (counters and `at`) for
 * request rates and dropped connections, its `metrics` totals (MSR 3.1) for pulls and
 * pushes per minute.
 */
export async function runHealth(client, previous = null) {
  const options = {};
  if (previous?.nginx) options.previousNginx = previous.nginx;
  const metrics = previousMetrics(previous);
  if (metrics) options.previousMetrics = metrics;
  const report = await client.health(Object.keys(options).length ? options : undefined);
  let clusterError = null;
  if ((report.reasons || []).some((r) => r.code === 'clusterUnavailable')) {
    try {
      await client.clusterStatus();
    } catch (e) {
      clusterError = errorObject(e);
    }
  }
  return { report, clusterError };
}

/**
 * The package's `MetricsSample` from a stored snapshot: the report's own `metrics.sample`
 * that the snapshot keeps. Null when it has none.
 */
function previousMetrics(previous) {
  const m = previous?.metrics;
  const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  if (m?.sample && num(m.sample.at) !== null) {
    return { at: m.sample.at, pulls: num(m.sample.pulls), pushes: num(m.sample.pushes) };
  }
  return null;
}

/**
 * The trust half: the newest `TRUST_EVENTS` records of the global trust feed (one
 * request after the token flow, no retries: the next poll is the retry). Resolves to
 * `{ page }` (records in server order, oldest first) or `{ error, timeoutMs }` (the
 * client's per-request time limit: the feed's timeout error does not name it).
 */
export async function runTrust(client, timeoutMs = TIMEOUT_MS) {
  let feed;
  try {
    feed = client.changefeed({ from: 'latest', pageSize: TRUST_EVENTS, maxRetries: 0 });
    const page = await feed.nextPage();
    return { page: page || { records: [], placement: 'prepend' } };
  } catch (e) {
    return { error: errorObject(e), timeoutMs };
  } finally {
    try { feed?.close(); } catch { /* already over */ }
    try { feed?.free?.(); } catch { /* already freed */ }
  }
}

export { CLUSTER_FAILED };
