// MSR Lens background: one poller for all views (a service worker in Chromium, an event
// page in Firefox — the same module, see scripts/extension-build.sh).
//
// - Polls every configured instance on chrome.alarms, with exponential backoff while an
//   instance cannot be reached.
// - Stores each check as `snapshot:<id>` and a bounded 24 h history as `history:<id>` in
//   chrome.storage.local (no secrets there: secrets live in chrome.storage.session unless
//   the user ticked "remember on this device").
// - Sets the toolbar badge (green/amber/red/grey, number = replicas or issues needing
//   attention) and notifies on verdict changes and on new trust deletions — also for
//   checks the popup ran (it writes the same snapshot keys).
//
// The check itself is the `msr-lens` npm package (its web build, copied into
// pkg/msr-lens/ by scripts/extension-build.sh): check.js calls `health()` and then reads
// the newest trust events with `changefeed()`, snapshot.js turns the results into the
// stored snapshot. The health half is stored first (`pendingTrust: true`) so an open
// popup shows it at once; the popup never talks to MSR itself, it asks this worker
// (`refresh` on a port, below). Storage layout: see crates/ui/src/model.rs.

import init, { MsrClient, classifyNetworkError } from './pkg/msr-lens/msr_lens.js';
import { clientOptions, readSettings, runHealth, runTrust, TIMEOUT_KEY, timeoutOf } from './check.js';
import { checkOrigins, watchNetErrors } from './net_watch.js';
import { configMessage, configSnapshot, healthSnapshot, pingOrigin, pingTimedOutMs, trustFailed, withTrust } from './snapshot.js';

const ready = init({ module_or_path: new URL('./pkg/msr-lens/msr_lens_bg.wasm', import.meta.url) });

const ALARM = 'msr-lens-poll';
const HISTORY_MS = 24 * 60 * 60 * 1000;
const HISTORY_MAX = 2000;
const MAX_BACKOFF_STEPS = 5; // 2^5 = 32 poll intervals at most
// `reachable` (MSR answers, cluster status not read) is blue, neither green nor red;
// `signIn` (MSR refused the credentials: an "unknown" verdict whose first reason is
// `signInFailed`) is purple with "auth", so a wrong password never looks healthy.
const COLORS = { healthy: '#1e8e3e', reachable: '#1a73e8', degraded: '#e37400', down: '#d93025', unknown: '#80868b', signIn: '#9334e6' };
// How bad a badge state is (crates/ui/src/glance.rs `rank`, keep both in step): the badge
// shows the worst instance, the popup opens on it.
const RANK = { healthy: 0, reachable: 1, unknown: 2, signIn: 3, degraded: 4, down: 5 };
const rank = (state) => (state in RANK ? RANK[state] : RANK.unknown);
const BADGE_TEXT = { reachable: 'up', signIn: 'auth', unknown: '?' };
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

// The badge state of a snapshot: its verdict, or `signIn` for a refused sign-in.
function badgeState(snap) {
  if (snap.verdict === 'unknown' && (snap.reasons || [])[0]?.code === 'signInFailed') return 'signIn';
  return snap.verdict in RANK ? snap.verdict : 'unknown';
}

// Read tolerantly (check.js readSettings): an instance this version cannot read is
// skipped (said once in the console), never the others; nothing is written back.
let lastSkipped = '';
async function settings() {
  const { settings: stored } = await chrome.storage.local.get('settings');
  const { settings, skipped } = readSettings(stored);
  const said = skipped.join('; ');
  if (said && said !== lastSkipped) console.warn('MSR Lens: settings:', said);
  lastSkipped = said;
  return settings;
}

/** The per-request timeout of a check: `TIMEOUT_MS`, or `checkTimeoutMs` from the session (check.js). */
async function checkTimeout() {
  const { [TIMEOUT_KEY]: stored } = await chrome.storage.session.get(TIMEOUT_KEY);
  return timeoutOf(stored);
}

async function secretFor(instance) {
  if (instance.remember && instance.secret) return instance.secret;
  const { secrets } = await chrome.storage.session.get('secrets');
  return (secrets && secrets[instance.id]) || null;
}

async function schedule() {
  const s = await settings();
  const minutes = Math.min(60, Math.max(0.5, Number(s.pollMinutes) || 1));
  const existing = await chrome.alarms.get(ALARM);
  if (!existing || existing.periodInMinutes !== minutes) {
    await chrome.alarms.create(ALARM, { periodInMinutes: minutes, delayInMinutes: 0.1 });
  }
}

// Backoff state per instance: { failures, nextAt } in chrome.storage.session.
async function due(id, now) {
  const key = `backoff:${id}`;
  const { [key]: b } = await chrome.storage.session.get(key);
  return !b || !b.nextAt || b.nextAt <= now;
}

async function recordOutcome(id, snapshot, pollMs) {
  const key = `backoff:${id}`;
  // No answer, or only a proxy/load balancer error or rate limiting: back off.
  const failed = (snapshot.problems || []).some((p) => ['unreachable', 'unavailable', 'rateLimited'].includes(p.kind)
    && ['connection', 'cluster'].includes(p.area));
  if (!failed) {
    await chrome.storage.session.remove(key);
    return;
  }
  const { [key]: b } = await chrome.storage.session.get(key);
  const failures = ((b && b.failures) || 0) + 1;
  const steps = Math.min(MAX_BACKOFF_STEPS, failures);
  await chrome.storage.session.set({ [key]: { failures, nextAt: Date.now() + pollMs * (2 ** steps - 1) } });
}

const running = new Map();

// How long to wait for the browser's error of an origin once its ping got no answer: the
// event may arrive just after the fetch rejected, or never (as "Test connection" does,
// crates/ui/src/services/net_errors.rs).
const NET_ERROR_GRACE_MS = 1000;

// The health half with the browser's own errors for the origins whose ping got no answer
// (`network`: origin -> the package's classifyNetworkError result), so the snapshot can
// say why MSR could not be reached (snapshot.js noAnswerWhy). A ping that ran into the
// check's time limit is not waited for: the browser only says it was cancelled
// (net::ERR_ABORTED), and the package's report already says why (snapshot.js
// timeLimitWhy).
async function watchedHealth(instance, client, previous) {
  const watcher = await watchNetErrors(checkOrigins(instance));
  try {
    const result = await runHealth(client, previous);
    const network = {};
    const silent = (result.report.pings || [])
      .filter((p) => p.state === 'unknown' && p.why === 'noAnswer' && !pingTimedOutMs(p));
    if (watcher && silent.length) {
      const origins = new Set([pingOrigin(instance, 'load balancer'), ...silent.map((p) => pingOrigin(instance, p.label))]);
      origins.delete(null);
      await Promise.all([...origins].map(async (origin) => {
        const error = await watcher.errorOf(origin, NET_ERROR_GRACE_MS);
        if (error) network[origin] = classifyNetworkError(error);
      }));
    }
    return { ...result, network };
  } finally {
    watcher?.stop();
  }
}

// One MsrClient per instance while the worker lives: it keeps the token cache and the
// previous nginx sample (request rates). A changed configuration or secret makes a new one.
const clients = new Map();

function clientFor(instance, secret, timeoutMs) {
  const options = clientOptions(instance, secret, timeoutMs);
  const key = JSON.stringify(options);
  const cached = clients.get(instance.id);
  if (cached && cached.key === key) return cached.client;
  clients.delete(instance.id);
  cached?.client.free();
  const client = new MsrClient(options); // throws an MsrLensError for unusable settings
  clients.set(instance.id, { key, client });
  return client;
}

function forgetClients(instances) {
  const ids = new Set(instances.map((i) => i.id));
  for (const [id, { client }] of clients) {
    if (!ids.has(id) && !running.has(id)) {
      clients.delete(id);
      client.free();
    }
  }
}

/** Whether the instance `id` is still in the settings. */
async function configured(id) {
  return (await settings()).instances.some((i) => i.id === id);
}

async function checkOne(instance, pollMs) {
  if (running.has(instance.id)) return running.get(instance.id);
  const job = (async () => {
    await ready;
    const snapKey = `snapshot:${instance.id}`;
    const { [snapKey]: previous } = await chrome.storage.local.get(snapKey);
    const secret = await secretFor(instance);
    const hasCredentials = Boolean(instance.username && secret);
    const timeoutMs = await checkTimeout();
    let client;
    try {
      client = clientFor(instance, secret, timeoutMs);
    } catch (e) {
      const snapshot = configSnapshot(instance, configMessage(instance, e), Date.now());
      await chrome.storage.local.set({ [snapKey]: snapshot });
      return snapshot;
    }
    const health = healthSnapshot(instance, hasCredentials, await watchedHealth(instance, client, previous), previous);
    // An instance removed while its check ran keeps nothing (the options page saves the
    // settings without it, then forgets what was stored for it).
    if (!(await configured(instance.id))) return health;
    await chrome.storage.local.set({ [snapKey]: health });
    // Every check ends in one complete snapshot (history and notifications follow those
    // only): a trust step that throws leaves the health half, final, with its failure.
    let snapshot;
    try {
      snapshot = withTrust(health, instance, hasCredentials, await runTrust(client, timeoutMs));
    } catch (e) {
      snapshot = trustFailed(health, e);
    }
    if (!(await configured(instance.id))) return snapshot;
    await chrome.storage.local.set({ [snapKey]: snapshot });
    await recordOutcome(instance.id, snapshot, pollMs);
    return snapshot;
  })();
  running.set(instance.id, job);
  try {
    return await job;
  } finally {
    running.delete(instance.id);
  }
}

async function pollAll(force = false) {
  const s = await settings();
  const pollMs = (Number(s.pollMinutes) || 1) * 60_000;
  const now = Date.now();
  forgetClients(s.instances);
  await Promise.all(
    s.instances.map(async (instance) => {
      if (!force && !(await due(instance.id, now))) return;
      try {
        await checkOne(instance, pollMs);
      } catch (e) {
        console.warn('MSR Lens: check failed', instance.id, String(e));
      }
    }),
  );
}

// Snapshot handling reads and writes history and notification state: one at a time.
let chain = Promise.resolve();
function serially(task) {
  chain = chain.then(task).catch((e) => console.warn('MSR Lens: snapshot handling failed', String(e)));
  return chain;
}

// Called for every stored snapshot, whoever ran the check. The health half of a check
// (`pendingTrust`) only updates the badge, at once; the complete snapshot — the check's
// final verdict, which the trust step may still change (a refused sign-in) — makes the
// history point, the 7-day bucket and the notifications. `orphan`: a health half whose
// complete snapshot never came (the worker was stopped mid-check) is recorded as it was
// once the next check replaces it, without notifying.
async function onSnapshot(snapshot, { orphan = false } = {}) {
  if (!snapshot || !snapshot.instanceId) return;
  const id = snapshot.instanceId;
  const s = await settings();
  const instance = s.instances.find((i) => i.id === id);
  if (!instance) return;
  if (snapshot.pendingTrust && !orphan) {
    await updateBadge();
    return;
  }

  // History (bounded to 24 h and HISTORY_MAX points).
  const hKey = `history:${id}`;
  const { [hKey]: history = [] } = await chrome.storage.local.get(hKey);
  const last = history[history.length - 1];
  if (!last || last.t !== snapshot.checkedAt) {
    const reason = topReason(snapshot);
    history.push({
      t: snapshot.checkedAt,
      verdict: snapshot.verdict,
      rps: snapshot.nginx && snapshot.nginx.requestsPerSec != null ? snapshot.nginx.requestsPerSec : null,
      active: snapshot.nginx ? snapshot.nginx.active : null,
      reason,
    });
    const cutoff = snapshot.checkedAt - HISTORY_MS;
    const bounded = history.filter((p) => p.t >= cutoff).slice(-HISTORY_MAX);
    // The 7-day strip: one bucket per hour (worst verdict, checks, of them healthy).
    const wKey = `week:${id}`;
    const { [wKey]: week = [] } = await chrome.storage.local.get(wKey);
    const hour = snapshot.checkedAt - (snapshot.checkedAt % 3_600_000);
    let bucket = week[week.length - 1];
    if (!bucket || bucket.t !== hour) {
      bucket = { t: hour, verdict: snapshot.verdict, checks: 0, healthy: 0, reason: null };
      week.push(bucket);
    }
    bucket.checks += 1;
    if (snapshot.verdict === 'healthy') bucket.healthy += 1;
    if (rank(snapshot.verdict) > rank(bucket.verdict) || (rank(snapshot.verdict) === rank(bucket.verdict) && reason)) {
      bucket.verdict = snapshot.verdict;
      bucket.reason = reason;
    }
    const weekCutoff = snapshot.checkedAt - WEEK_MS;
    await chrome.storage.local.set({ [hKey]: bounded, [wKey]: week.filter((b) => b.t >= weekCutoff) });
  }
  if (orphan) return;

  // Notifications: compare with what was last notified (not with the previous snapshot,
  // which the popup may already have replaced).
  const nKey = `notified:${id}`;
  const { [nKey]: seen } = await chrome.storage.local.get(nKey);
  const deletions = ((snapshot.trust && snapshot.trust.events) || []).filter((e) => e.category === 'deletion');
  const next = {
    verdict: snapshot.verdict,
    deletions: [...new Set([...((seen && seen.deletions) || []), ...deletions.map((e) => e.id)])].slice(-200),
  };
  if (seen) {
    if (s.notifyVerdict && seen.verdict !== snapshot.verdict) {
      const why = (snapshot.problems && snapshot.problems[0] && snapshot.problems[0].message)
        || (snapshot.reasons && snapshot.reasons[0] && snapshot.reasons[0].message) || '';
      notify(`verdict:${id}:${snapshot.checkedAt}`, `${instance.name}: ${word(snapshot.verdict)}`,
        `was ${word(seen.verdict)}. ${why}`.trim());
    }
    if (s.notifyDeletions && snapshot.trust && snapshot.trust.read) {
      for (const e of deletions) {
        if (!(seen.deletions || []).includes(e.id)) {
          notify(`deletion:${id}:${e.id}`, `${instance.name}: trust data deleted`, `${e.gun} — its signed tags are gone`);
        }
      }
    }
  }
  await chrome.storage.local.set({ [nKey]: next });
  await updateBadge();
}

// Why a snapshot is not healthy, in a few words, for the history and the badge tooltip.
function topReason(snapshot) {
  if (snapshot.verdict === 'healthy') return null;
  const first = (snapshot.problems || [])[0] || (snapshot.reasons || []).find((r) => r.severity !== 'info');
  return first ? first.message : null;
}

function word(verdict) {
  return {
    healthy: 'healthy', degraded: 'degraded', down: 'down',
    reachable: 'reachable — cluster status not checked', signIn: 'cannot sign in',
  }[verdict] || 'unknown';
}

function notify(id, title, message) {
  chrome.notifications.create(id, {
    type: 'basic',
    iconUrl: chrome.runtime.getURL('icons/icon-128.png'),
    title,
    message: message.slice(0, 250),
    priority: 1,
  }).catch((e) => console.warn('MSR Lens: notification failed', String(e)));
}

// The badge shows the worst verdict over all instances and the number of things
// needing attention.
async function updateBadge() {
  const s = await settings();
  if (!s.instances.length) {
    await chrome.action.setBadgeText({ text: '' });
    return;
  }
  const keys = s.instances.map((i) => `snapshot:${i.id}`);
  const stored = await chrome.storage.local.get(keys);
  // The worst instance (the first of equals), as the popup picks it.
  let worst = null;
  let attention = 0;
  for (const instance of s.instances) {
    const snap = stored[`snapshot:${instance.id}`];
    const state = snap ? badgeState(snap) : 'unknown';
    if (!worst || rank(state) > rank(worst.state)) worst = { instance, state, snap };
    attention += (snap && Number(snap.attention)) || 0;
  }
  const { state } = worst;
  const text = BADGE_TEXT[state] ?? (attention > 0 ? String(Math.min(attention, 999)) : state === 'healthy' ? '' : '!');
  // Text and tooltip first, the colour last: whoever reads the badge between the calls
  // never sees a new colour with the old count.
  await chrome.action.setBadgeText({ text });
  await chrome.action.setTitle({ title: badgeTitle(s.instances, worst, attention) });
  await chrome.action.setBadgeBackgroundColor({ color: COLORS[state] });
}

// The toolbar tooltip: the worst instance by name, its reason, and how many others are fine.
function badgeTitle(instances, worst, attention) {
  const { instance, state, snap } = worst;
  const name = instance.name || instance.origin;
  const why = snap ? topReason(snap) : 'not checked yet';
  const parts = [];
  // "reachable" says what was not checked in the parentheses, so the one dash before the
  // reason stays the only one ("dev reachable (cluster status not checked) — signed in …").
  if (state === 'reachable') parts.push('cluster status not checked');
  if (attention) parts.push(`${attention} need${attention === 1 ? 's' : ''} attention`);
  if (instances.length > 1) {
    parts.push(state === 'healthy' ? `all ${instances.length} instances healthy` : `${instances.length - 1} other instance${instances.length > 2 ? 's' : ''}`);
  }
  let title = `MSR Lens: ${name} ${state === 'reachable' ? 'reachable' : word(state)}`;
  if (parts.length) title += ` (${parts.join('; ')})`;
  if (why) title += ` — ${why}`;
  return title.length > 300 ? `${title.slice(0, 299)}…` : title;
}

// A demo or test build may ship preconfig.json ({settings, secrets}); it is applied once.
async function applyPreconfig() {
  try {
    const res = await fetch(chrome.runtime.getURL('preconfig.json'));
    if (!res.ok) return;
    const pre = await res.json();
    const { settings: current } = await chrome.storage.local.get('settings');
    if (!current && pre.settings) await chrome.storage.local.set({ settings: pre.settings });
    if (pre.secrets) await chrome.storage.session.set({ secrets: pre.secrets });
  } catch {
    // no preconfig.json: a normal build
  }
}

chrome.runtime.onInstalled.addListener(() => {
  applyPreconfig().then(schedule).then(() => pollAll(true));
});
chrome.runtime.onStartup.addListener(() => {
  applyPreconfig().then(schedule).then(() => pollAll(true));
});
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === ALARM) pollAll(false);
});
function onStorageChanged(changes, area) {
  if (area !== 'local') return;
  for (const [key, change] of Object.entries(changes)) {
    if (key.startsWith('snapshot:') && change.newValue) {
      const { oldValue: old, newValue: snapshot } = change;
      if (old && old.pendingTrust && old.checkedAt !== snapshot.checkedAt) serially(() => onSnapshot(old, { orphan: true }));
      serially(() => onSnapshot(snapshot));
    }
    if (key === 'settings') schedule().then(updateBadge);
  }
}
chrome.storage.onChanged.addListener(onStorageChanged);
// Firefox runs this module as an event page (it has a document) and stops it when idle.
// A storage.onChanged listener still registered then makes Firefox (153 ESR) report
// "sendRemoveListener on closed conduit" as an error; taken off in onSuspend, it still
// wakes the stopped page for the next change (Firefox keeps the primed listener).
// Chromium's service worker keeps its listeners.
if (globalThis.document) {
  chrome.runtime.onSuspend.addListener(() => chrome.storage.onChanged.removeListener(onStorageChanged));
}
// A check now, of one instance (`id`) or all: answers `{ok, results}` once stored.
async function refresh(id) {
  const s = await settings();
  const targets = s.instances.filter((i) => !id || i.id === id);
  const pollMs = (Number(s.pollMinutes) || 1) * 60_000;
  const results = await Promise.all(targets.map((i) => checkOne(i, pollMs).catch((e) => ({ error: String(e) }))));
  return { ok: true, results };
}

// The popup and options page ask over a port named "refresh" ({type: "refresh", id}): a
// page closed mid-check only disconnects it (a pending runtime.sendMessage would be
// reported as an error by Firefox when the page unloads). The check still completes.
chrome.runtime.onConnect.addListener((port) => {
  if (port.name !== 'refresh') return;
  let connected = true;
  port.onDisconnect.addListener(() => { connected = false; });
  port.onMessage.addListener((message) => {
    if (!message || message.type !== 'refresh') return;
    refresh(message.id).then((answer) => {
      if (connected) port.postMessage(answer);
    }).catch((e) => console.warn('MSR Lens: refresh failed', String(e)));
  });
});
// The same request as a one-off message (scripts and tests: `chrome.runtime.sendMessage`).
chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  if (message && message.type === 'refresh') {
    refresh(message.id).then(sendResponse);
    return true;
  }
  return false;
});
