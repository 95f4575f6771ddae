// The `msr-lens` package's results -> the snapshot the popup shows and the worker stores
// (`snapshot:<id>` in chrome.storage.local; format: crates/ui/src/model.rs `Snapshot`).
//
// Pure functions, no I/O and no browser API: extension/check.js fetches, this module
// words. Every failure becomes a `{ area, kind, message }` problem with a specific,
// human sentence. Unit tests: tests/e2e/test/snapshot.test.mjs, on package outputs
// recorded against the stand-in (tests/e2e/fixtures/package-outputs.json).

// UnknownWhy of a ping -> what it means.
const WHY = {
  noAnswer: 'no answer (network, TLS certificate trust, or the host is down)',
  gateway: 'a proxy or load balancer could not reach the replica',
  authRequired: 'a proxy in front of MSR asks for credentials',
  redirected: 'redirected (an SSO login or another URL)',
  html: "an HTML page, not MSR's health check",
  notPingJson: "not MSR's /_ping JSON",
  unexpectedStatus: "a status MSR's health check does not send",
};

// Package error kinds that mean no HTTP answer came.
const NO_ANSWER = new Set(['network', 'tls', 'timeout', 'refused', 'tooLarge']);

const LOGIN_PAGE = 'a single sign-on proxy sits in front of MSR and this browser is not signed in to it';

/**
 * The time limit a request of the check ran into, in milliseconds, or null: the package
 * words its own timeout "timed out after N ms" (msr-lens-transport `TransportError::Timeout`)
 * — the excerpt of a ping that got no answer, the message of an error of kind `timeout`.
 * (The browser only reports such a request as cancelled: net::ERR_ABORTED,
 * NS_BINDING_ABORTED.)
 */
export function timedOutMs(text) {
  const m = /\btimed out after (\d+) ms\b/.exec(String(text ?? ''));
  return m ? Number(m[1]) : null;
}

/** "no answer within 10 s (the check's time limit)" (as crates/ui/src/format.rs `time_limit`). */
export function timeLimitWhy(ms) {
  const secs = Math.round(ms / 100) / 10;
  return `no answer within ${secs} s (the check's time limit)`;
}

/** The time limit a silent ping ran into (see `timedOutMs`), or null. */
export function pingTimedOutMs(p) {
  return p && p.state === 'unknown' && p.why === 'noAnswer' ? timedOutMs(p.excerpt) : null;
}

/**
 * Why a package error got no HTTP answer: for kind `timeout` the time limit (its message's,
 * else `limitMs`, the check's: the changefeed says only "the request timed out"), else
 * its own message.
 */
function noAnswerText(error, limitMs = null) {
  const ms = error.kind === 'timeout' ? timedOutMs(error.message) ?? limitMs : null;
  return ms ? timeLimitWhy(ms) : error.message;
}

function problem(area, kind, message) {
  return { area, kind, message };
}

/**
 * A user name without its secret: the secret is kept only for the browser session
 * unless "remember on this device" was ticked, so a browser restart forgets it.
 */
function secretMissing(instance, area = 'cluster') {
  return problem(area, 'secretMissing',
    `the ${secretWord(instance)} of ${account(instance)} is not kept after a browser restart — enter it again`);
}

/** Who the user is, for messages: `“name”`, or `anonymous`. */
function account(instance) {
  return instance.username ? `“${instance.username}”` : 'anonymous';
}

function secretWord(instance) {
  return instance.secretKind === 'password' ? 'password' : 'access token';
}

/** A short age: `42 s`, `5 min`, `3 h`, `2 d` (as crates/ui/src/format.rs `age`). */
export function age(secs) {
  const s = Math.max(0, Math.trunc(Number(secs) || 0));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.trunc(s / 60)} min`;
  if (s < 172_800) return `${Math.trunc(s / 3600)} h`;
  return `${Math.trunc(s / 86_400)} d`;
}

/** The registry host (`host[:port]`) of an origin, for shortening GUNs; '' if unusable. */
export function registryHost(origin) {
  try {
    return new URL(String(origin)).host;
  } catch {
    return '';
  }
}

/** A GUN without the registry host (`127.0.0.1:8443/lib/x` -> `lib/x`). */
export function stripHost(gun, host) {
  if (!host) return gun;
  const bare = host.split(':')[0];
  for (const prefix of [host, `${bare}:443`, bare]) {
    if (gun.startsWith(`${prefix}/`)) return gun.slice(prefix.length + 1);
  }
  return gun;
}

/**
 * The problem a failed HTTP call is, for calls that are not specific to one endpoint
 * (`what`: "cluster status", "the trust audit log"). `error` is a package error object
 * (`kind`, `status`, `code`, `message`).
 */
export function apiProblem(area, what, error) {
  const status = error.status;
  const http = status ? `HTTP ${status}` : 'no HTTP status';
  if (error.kind === 'badResponse' && status && status < 400 && /html/i.test(error.message || '')) {
    return problem(area, 'loginPage', `MSR answered ${what} with a login page (HTTP ${status}): ${LOGIN_PAGE}`);
  }
  switch (error.kind) {
    case 'unavailable':
      return problem(area, 'unavailable', `MSR is unavailable for ${what}: ${http} from MSR or its load balancer`);
    case 'serverError':
      return problem(area, 'serverError', `MSR failed on ${what} (${http})${detail(error)}`);
    case 'rateLimited':
      return problem(area, 'rateLimited', `MSR is rate limiting ${what} (HTTP 429); retrying later`);
    case 'notFound':
      return problem(area, 'notFound', `${what} does not exist on this server (HTTP 404): is it MSR 2.9 / 3.x?`);
    case 'badResponse':
      return problem(area, 'badResponse', `MSR answered ${what} with something it never sends (${http}): ${error.message}`);
    case 'forbidden':
      return problem(area, 'noAccess', `no access to ${what} (HTTP 403)${detail(error)}`);
    case 'unauthenticated':
      return problem(area, 'notSignedIn', `${what} needs you to sign in (HTTP 401)`);
    default:
      if (NO_ANSWER.has(error.kind)) {
        return problem(area, 'unreachable', `${what} could not be read: ${noAnswerText(error)}`);
      }
      return problem(area, 'badRequest', `MSR rejected ${what} (${http})${detail(error)}`);
  }
}

function detail(error) {
  return error.code ? `: ${error.code}` : '';
}

/**
 * The problem the cluster status part of a `health()` report is, or null. `reason` is the
 * report's cluster reason (`clusterNotSignedIn`, `clusterNotAdmin`, `clusterCheckFailed`,
 * `clusterUnavailable`); `clusterError` the rejection of the follow-up `clusterStatus()`
 * (check.js makes it for `clusterUnavailable` only).
 */
export function clusterProblem(instance, hasSecret, reason, clusterError) {
  switch (reason.code) {
    case 'clusterNotSignedIn':
      if (hasSecret && instance.username) {
        return problem('cluster', 'wrongPassword',
          `MSR did not accept the user name ${account(instance)} with this ${secretWord(instance)}: check them in the options`);
      }
      if (instance.username) return secretMissing(instance);
      return problem('cluster', 'notSignedIn',
        'not signed in: cluster status (replicas, issues, garbage collection) needs an MSR admin account — add one in the options');
    case 'clusterNotAdmin':
      return problem('cluster', 'notAdmin',
        `signed in as ${account(instance)}, but this account is not an MSR admin — cluster status needs admin`);
    case 'clusterCheckFailed': {
      // The reason quotes MSR's error; its own words follow the code.
      const at = reason.message.indexOf('STATUS_CHECK_FAILED: ');
      const said = at >= 0 ? `: ${reason.message.slice(at + 'STATUS_CHECK_FAILED: '.length)}` : '';
      return problem('cluster', 'checkFailed', `MSR could not read its own cluster status (STATUS_CHECK_FAILED)${said}`);
    }
    case 'clusterUnavailable':
      if (clusterError && NO_ANSWER.has(clusterError.kind)) {
        // Not `unreachable`: that kind makes the worker back off, which only a connection
        // that fails as a whole should.
        return problem('cluster', 'noAnswer', `cluster status could not be read: ${noAnswerText(clusterError)}`);
      }
      if (clusterError) return apiProblem('cluster', 'cluster status', clusterError);
      return problem('cluster', 'unavailable', `MSR's cluster status could not be read: ${reason.message}`);
    default:
      return null;
  }
}

/**
 * The origin (`scheme://host[:port]`) a ping of a report went to: the instance's for the
 * load balancer's, else the replica whose label it is — a `{ label, url }` replica by its
 * label, a replica URL by its `host[:port]` (the package labels a URL so) — as the URL's
 * origin; null when none matches.
 */
export function pingOrigin(instance, label) {
  const origin = (text) => {
    try {
      return new URL(String(text).trim());
    } catch {
      return null;
    }
  };
  if (label === 'load balancer') return origin(instance.origin)?.origin ?? null;
  for (const r of instance.replicas || []) {
    if (r && typeof r === 'object') {
      const u = origin(r.url);
      if (u && String(r.label ?? '').trim() === label) return u.origin;
      continue;
    }
    const u = origin(r);
    if (u && u.host === label) return u.origin;
  }
  return null;
}

/**
 * Why `origin` gave no answer, from the browser's own error for it (`failure`: the
 * package's `classifyNetworkError` result, see extension/net_watch.js), or null when the
 * browser named nothing known.
 */
export function noAnswerWhy(origin, failure) {
  if (!failure || !failure.kind || failure.kind === 'other') return null;
  let url;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  const said = failure.error ? ` (${failure.error})` : '';
  // The words of the options page's "Test connection" (crates/ui/src/services/test_connection.rs).
  switch (failure.kind) {
    case 'certificateUntrusted':
      return `this browser does not trust MSR's certificate${said} — install MSR's CA from ${url.origin}/ca`;
    case 'refused': {
      const port = url.port || (url.protocol === 'https:' ? '443' : '80');
      return `nothing listens at ${url.hostname}:${port} (connection refused${failure.error ? `: ${failure.error}` : ''})`;
    }
    case 'nameNotResolved':
      return `the name ${url.hostname} does not resolve${said} — check the address, DNS and the VPN`;
    case 'timedOut':
      return `the connection timed out${said} — a firewall, the VPN or a wrong address`;
    case 'unreachable':
      return `${url.host} is unreachable from this network${said} — check the network and the VPN`;
    default:
      // The core's sentence (certificate expired, for another name or refused otherwise,
      // TLS handshake, connection reset).
      return `${failure.message}${said}`;
  }
}

/**
 * Why a silent ping to `origin` got no answer: what the browser said about the origin
 * (`noAnswerWhy`), else the check's time limit when the ping ran into it, else null.
 */
function silentWhy(origin, failure, ping) {
  const named = origin ? noAnswerWhy(origin, failure) : null;
  if (named) return named;
  const ms = pingTimedOutMs(ping);
  return ms ? timeLimitWhy(ms) : null;
}

/**
 * The `unreachable` problem: why the instance's origin gave no answer (what the browser
 * said, or the check's time limit), else the first silent ping's, else every likely cause.
 */
function unreachableMessage(instance, pings, network) {
  const main = pingOrigin(instance, 'load balancer');
  const candidates = [
    [main, pings.find((p) => p.label === 'load balancer')],
    ...pings.map((p) => [pingOrigin(instance, p.label), p]),
  ].filter(([origin]) => origin);
  for (const [origin, ping] of candidates) {
    const why = silentWhy(origin, network[origin], ping);
    if (why) return `could not reach ${origin}: ${why}`;
  }
  return `could not reach ${instance.origin}: the network or VPN, a TLS certificate this browser does not trust (get MSR's CA at ${instance.origin}/ca), or a missing site permission (grant it in the options)`;
}

/** The problems of a health report: the connection, then the cluster status. */
function healthProblems(instance, hasSecret, report, clusterError, network) {
  const out = [];
  const pings = report.pings || [];
  const unknown = (why) => pings.some((p) => p.state === 'unknown' && p.why === why);
  const allNoAnswer = pings.length > 0 && pings.every((p) => p.state === 'unknown' && p.why === 'noAnswer');
  if (allNoAnswer) {
    out.push(problem('connection', 'unreachable', unreachableMessage(instance, pings, network)));
  } else if (unknown('html') || unknown('redirected')) {
    out.push(problem('connection', 'loginPage', `MSR answered with a login page: ${LOGIN_PAGE}`));
  } else if (unknown('authRequired')) {
    out.push(problem('connection', 'proxyAuth', 'a proxy in front of MSR asks for credentials even for the health check'));
  }
  const reason = (report.reasons || []).find((r) => /^cluster(NotSignedIn|NotAdmin|CheckFailed|Unavailable)$/.test(r.code));
  if (reason) {
    const p = clusterProblem(instance, hasSecret, reason, clusterError);
    const repeated = p && out.some((q) => (q.kind === 'loginPage' && p.kind === 'loginPage')
      || (q.kind === 'unreachable' && p.kind === 'noAnswer'));
    if (p && !repeated) out.push(p);
  }
  return { problems: out, clusterFailed: Boolean(reason) };
}

function pingView(p, instance, network) {
  let detailText = '';
  if (p.state === 'unhealthy') detailText = p.reason || '';
  const origin = p.state === 'unknown' && p.why === 'noAnswer' ? pingOrigin(instance, p.label) : null;
  const named = origin ? noAnswerWhy(origin, network[origin]) : null;
  const timedOut = pingTimedOutMs(p);
  if (named) {
    detailText = `no answer: ${named}`;
  } else if (timedOut) {
    detailText = timeLimitWhy(timedOut);
  } else if (p.state === 'unknown') {
    const why = WHY[p.why] || String(p.why || 'unknown');
    detailText = p.status ? `HTTP ${p.status}: ${why}` : `${why}: ${p.excerpt || ''}`;
  }
  return { label: p.label, state: p.state, detail: detailText };
}

function replicaView(r) {
  const reasons = [];
  let stale = false;
  let raw = null;
  for (const c of r.conditions || []) {
    switch (c.condition) {
      case 'unhealthy': reasons.push(c.reason); break;
      case 'healthUnknown': reasons.push('no health entry in cluster status'); break;
      case 'stale':
        stale = true;
        reasons.push(`reported health too long ago (${age(c.ageSecs)})`);
        break;
      case 'timestampUnknown':
        raw = c.raw;
        reasons.push(c.raw);
        break;
      case 'readOnly': reasons.push('read-only mode'); break;
      default: break;
    }
  }
  const conditions = r.conditions || [];
  return {
    id: r.id,
    ok: conditions.length === 1 && conditions[0].condition === 'ok',
    healthy: r.health === 'OK',
    lastSeen: r.lastSeen && typeof r.lastSeen.at === 'number' ? r.lastSeen.at : null,
    lastSeenRaw: raw,
    stale,
    readOnly: r.readOnly === true,
    reason: reasons.join('; '),
  };
}

/**
 * The nginx figures: the counters of `report.nginx` and the rates the package measured
 * against the previous sample (its own, or the previous snapshot's that the worker
 * passed to `health()`, see check.js `runHealth`).
 */
function nginxView(report) {
  const n = report.nginx;
  if (!n) return null;
  const rates = report.nginxRates;
  return {
    at: report.checkedAt,
    active: n.active, accepts: n.accepts, handled: n.handled, requests: n.requests,
    reading: n.reading, writing: n.writing, waiting: n.waiting,
    requestsPerSec: rates ? rates.requestsPerSec : null,
    dropped: rates ? rates.dropped : null,
  };
}

/** How many failed jobs and next cron runs a snapshot keeps. */
const JOBS_KEPT = 5;

/**
 * What MSR's settings list as replicas: `report.discovery` as the package serialized it
 * (the core's `ReplicaDiscovery`; the options page offers to ping each `pingUrl`). Null
 * when the settings were not read (not an admin, MSR unreachable).
 */
function discoveryView(report) {
  const d = report.discovery;
  return d && Array.isArray(d.replicas) ? d : null;
}

/**
 * The job runner (`report.jobRunner`): each worker with its state from the report's
 * reasons (`dead`, `expired` — its heartbeat ran out — or `ok`), how many jobs failed in
 * the window and the first few of them, the oldest waiting job and the next few cron runs
 * (those three as the package serialized them: the core's `FailedJob`, `WaitingJob`,
 * `CronRun`). Null when not read.
 */
function jobRunnerView(report) {
  const j = report.jobRunner;
  if (!j) return null;
  const subjects = (code) => new Set((report.reasons || []).filter((r) => r.code === code).map((r) => r.subject));
  const dead = subjects('workerDead');
  const expired = subjects('workerHeartbeatExpired');
  const failed = j.failedRecently || [];
  return {
    workers: (j.workers || []).map((w) => ({
      id: String(w.id || ''),
      status: String(w.status || ''),
      state: dead.has(w.id) ? 'dead' : expired.has(w.id) ? 'expired' : 'ok',
    })),
    windowSecs: Number(j.windowSecs) || 0,
    failedCount: failed.length,
    failed: failed.slice(0, JOBS_KEPT),
    oldestWaiting: j.oldestWaiting || null,
    waiting: Number(j.waiting) || 0,
    running: Number(j.running) || 0,
    nextCrons: (j.nextCrons || []).slice(0, JOBS_KEPT),
  };
}

/**
 * MSR 3.1's metrics: `report.metrics` as the package serialized it (the core's
 * `MetricsSummary`; a non-finite figure is stored as null, which the popup reads as none).
 * Null when absent.
 */
function metricsView(report) {
  return report.metrics || null;
}

/**
 * The health half of a snapshot from `runHealth`'s `{ report, clusterError }` and
 * `network`: the browser's errors of the check's requests, classified, by origin
 * (`{ [origin]: classifyNetworkError(error) }`, see background.js). It keeps the previous
 * snapshot's trust events and trust problems with `pendingTrust: true` until `withTrust`
 * adds the new ones.
 */
export function healthSnapshot(instance, hasSecret, { report, clusterError, network = {} }, previous) {
  const { problems, clusterFailed } = healthProblems(instance, hasSecret, report, clusterError, network || {});
  const pings = (report.pings || []).map((p) => pingView(p, instance, network || {}));
  const replicas = (report.replicas || []).map(replicaView);
  const issues = (report.issues || []).map((i) => ({
    id: i.id || '', kind: i.type || '', critical: Boolean(i.critical), description: i.description || '',
  }));
  const badPings = pings.filter((p) => p.state !== 'healthy').length;
  const badReplicas = replicas.filter((r) => !r.ok).length;
  const critical = issues.filter((i) => i.critical).length;
  const snapshot = {
    instanceId: instance.id,
    checkedAt: report.checkedAt,
    verdict: report.verdict,
    attention: Math.max(badPings, badReplicas) + critical,
    reasons: (report.reasons || []).map((r) => ({ severity: r.severity, code: r.code, subject: r.subject ?? null, message: r.message })),
    pings,
    replicas,
    issues,
    gcRunning: Boolean(report.gcRunning),
    // Read only when it named its replicas (cluster status always does): an unreachable
    // instance was not read, whatever the credentials.
    clusterRead: replicas.length > 0 || (!clusterFailed && hasSecret && !problems.some((p) => p.kind === 'unreachable')),
    nginx: nginxView(report),
    discovery: discoveryView(report),
    jobRunner: jobRunnerView(report),
    metrics: metricsView(report),
    problems,
    trust: { events: [], read: false },
    pendingTrust: true,
  };
  if (previous) {
    snapshot.trust = previous.trust || snapshot.trust;
    snapshot.problems.push(...(previous.problems || []).filter((p) => p.area === 'trust'));
  }
  return snapshot;
}

/** The trust event of one changefeed record. */
function trustEvent(r, host) {
  return {
    id: r.id,
    gun: r.gun,
    repository: stripHost(r.gun, host),
    version: r.version,
    category: r.category,
    createdAt: typeof r.createdAt === 'number' ? r.createdAt : null,
    createdRaw: r.createdAtRaw,
    sha256: r.sha256 || '',
  };
}

/**
 * The problem a rejected trust feed read is (`hasCredentials`: a user and a secret;
 * `limitMs`: the check's per-request time limit, for a timeout).
 */
export function trustProblem(instance, hasCredentials, error, limitMs = null) {
  const notSignedIn = problem('trust', 'notSignedIn',
    'not signed in: the trust audit log needs an MSR admin account — add one in the options');
  switch (error.kind) {
    case 'unauthenticated':
      if (!hasCredentials && instance.username) return secretMissing(instance, 'trust');
      if (!hasCredentials) return notSignedIn;
      return problem('trust', 'wrongPassword',
        `wrong user name or ${secretWord(instance)}: MSR's token service rejected ${account(instance)}`);
    case 'noAccess':
    case 'forbidden':
      if (!hasCredentials && instance.username) return secretMissing(instance, 'trust');
      if (!hasCredentials) return notSignedIn;
      return problem('trust', 'noAccess',
        `signed in as ${account(instance)}, but this account has no access to the trust audit log (it needs an MSR admin)`);
    case 'tokenRejected':
      return problem('trust', 'tokenRejected',
        'notary rejected a token MSR had just issued (clock skew or a signing misconfiguration on the server)');
    case 'foreignRealm':
    case 'foreignRequest':
      return problem('trust', 'foreignRealm',
        `the server asked for credentials at another address; nothing was sent there (${error.message})`);
    case 'invalidArgument':
    case 'internal':
    case 'cursorVanished':
      return problem('trust', error.kind, `the trust audit log could not be read: ${error.message}`);
    default:
      if (NO_ANSWER.has(error.kind)) {
        return problem('trust', 'unreachable', `the trust audit log could not be read: ${noAnswerText(error, limitMs)}`);
      }
      return apiProblem('trust', 'the trust audit log', error);
  }
}

/**
 * The complete snapshot: `health` (from `healthSnapshot`) with the trust events of
 * `runTrust`'s `{ page }` (newest first) or the problem of its `{ error, timeoutMs }`.
 */
export function withTrust(health, instance, hasCredentials, trust) {
  const snapshot = { ...health, pendingTrust: false, trust: { events: [], read: false } };
  snapshot.problems = (health.problems || []).filter((p) => p.area !== 'trust');
  if (trust.page) {
    const host = registryHost(instance.origin);
    snapshot.trust.events = (trust.page.records || []).map((r) => trustEvent(r, host)).reverse();
    snapshot.trust.read = true;
  } else if (trust.error) {
    const p = trustProblem(instance, hasCredentials, trust.error, trust.timeoutMs ?? null);
    // MSR could not be reached at all: the connection problem says so, and why; the trust
    // feed's "could not be read: <the same network failure>" would only repeat it (and
    // the trust section says "not read: MSR could not be reached"). Kept when only the
    // trust feed failed. Likewise MSR's refusal of the credentials, when the cluster status
    // already said it (the token service refusing them is the same fact); kept when only
    // the token service refused.
    const repeats = (p.kind === 'unreachable'
      && snapshot.problems.some((q) => q.area === 'connection' && q.kind === 'unreachable'))
      || (p.kind === 'wrongPassword'
        && snapshot.problems.some((q) => q.area === 'cluster' && q.kind === 'wrongPassword'));
    if (!repeats) snapshot.problems.push(p);
    // MSR's token service refused the credentials: whatever the pings said, this check
    // is not one to show green (or "reachable") — it is "unknown: cannot sign in".
    if (p.kind === 'wrongPassword' && ['healthy', 'reachable'].includes(snapshot.verdict)) {
      snapshot.verdict = 'unknown';
      snapshot.reasons = [
        { severity: 'unknown', code: 'signInFailed', subject: null, message: `cannot sign in: ${p.message}` },
        ...(snapshot.reasons || []).filter((r) => r.code !== 'clusterNotChecked'),
      ];
    }
  }
  return snapshot;
}

/**
 * The complete snapshot of a check whose trust step threw (`withTrust` itself, or
 * anything around it): the health half, final, with the failure as its trust problem —
 * so the check still ends in one complete snapshot (the history point and the
 * notifications follow complete snapshots only, see background.js).
 */
export function trustFailed(health, error) {
  const text = String((error && error.message) || error);
  return {
    ...health,
    pendingTrust: false,
    trust: { events: [], read: false },
    problems: [
      ...(health.problems || []).filter((p) => p.area !== 'trust'),
      problem('trust', 'internal', `the trust audit log could not be read: ${text}`),
    ],
  };
}

/** A snapshot for an instance that cannot be checked at all (e.g. an unusable address). */
export function configSnapshot(instance, message, now) {
  return {
    instanceId: instance.id,
    checkedAt: now,
    verdict: 'unknown',
    attention: 0,
    reasons: [],
    pings: [],
    replicas: [],
    issues: [],
    gcRunning: false,
    clusterRead: false,
    nginx: null,
    discovery: null,
    jobRunner: null,
    metrics: null,
    problems: [problem('config', 'config', message)],
    trust: { events: [], read: false },
    pendingTrust: false,
  };
}

/**
 * The sentence for an instance the package refuses to make a client for (its
 * `invalidArgument` error names the option: `baseUrl: ...`, `replicas[1]: ...`).
 */
export function configMessage(instance, error) {
  const text = String((error && error.message) || error);
  const replica = /^replicas\[(\d+)\]: (.*)$/s.exec(text);
  if (text.startsWith('baseUrl: ')) {
    return `the MSR address “${instance.origin}” is not valid: ${text.slice('baseUrl: '.length)}`;
  }
  if (replica) {
    const list = (instance.replicas || []).map((r) => String(r && typeof r === 'object' ? r.url ?? '' : r).trim()).filter(Boolean);
    return `the replica address “${list[Number(replica[1])] ?? replica[1]}” is not valid: ${replica[2]}`;
  }
  return `the settings of “${instance.name || instance.origin}” cannot be used: ${text}`;
}
