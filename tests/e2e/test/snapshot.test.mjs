// Unit tests of extension/snapshot.js (the background worker's mapping from the
// `msr-lens` package's results to the stored snapshot) on package outputs recorded
// against the stand-in (fixtures/package-outputs.json, written by
// record-package-outputs.mjs through extension/check.js), and of extension/check.js
// against a fake client. No browser, no stand-in needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../lib.mjs';
import {
  age, apiProblem, clusterProblem, configMessage, configSnapshot, healthSnapshot, noAnswerWhy, pingOrigin, stripHost,
  timedOutMs, trustFailed, trustProblem, withTrust,
} from '../../../extension/snapshot.js';
import { clientOptions, readSettings, runHealth, runTrust, timeoutOf, TIMEOUT_MS, TRUST_EVENTS } from '../../../extension/check.js';
import { checkOrigins } from '../../../extension/net_watch.js';

const fixtures = JSON.parse(readFileSync(path.join(ROOT, 'tests/e2e/fixtures/package-outputs.json'), 'utf8'));

// What the worker does with one recorded check: health half, then trust.
function replay(name, previous) {
  const s = fixtures.scenarios[name];
  assert.ok(s, `no recorded scenario ${name}`);
  const hasCredentials = Boolean(s.instance.username && s.hasSecret);
  const health = healthSnapshot(s.instance, hasCredentials, s.healths.at(-1), previous);
  const full = withTrust(health, s.instance, hasCredentials, s.trust);
  return { s, health, full, problem: (area) => full.problems.find((p) => p.area === area) };
}

// The field names of a Rust struct in crates/ui/src/model.rs (or, for the parts a snapshot
// keeps as the package serialized them, in the core's `file`), as serde writes them.
const modelRs = readFileSync(path.join(ROOT, 'crates/ui/src/model.rs'), 'utf8');
function fields(struct, file = null) {
  const text = file ? readFileSync(path.join(ROOT, 'crates/core/src', file), 'utf8') : modelRs;
  const body = new RegExp(`pub struct ${struct} \\{([\\s\\S]*?)\\n\\}`).exec(text);
  assert.ok(body, `struct ${struct} not found in ${file || 'model.rs'}`);
  return [...body[1].matchAll(/pub (\w+):/g)].map((m) => m[1].replace(/_(\w)/g, (_, c) => c.toUpperCase())).sort();
}
const keys = (o) => Object.keys(o).sort();

test('snapshots use exactly the fields of the Rust model the popup reads', () => {
  const { full } = replay('adminScenario');
  assert.deepEqual(keys(full), fields('Snapshot'));
  assert.deepEqual(keys(full.pings[0]), fields('PingView'));
  assert.deepEqual(keys(full.replicas[0]), fields('ReplicaView'));
  assert.deepEqual(keys(full.issues[0]), fields('IssueView'));
  assert.deepEqual(keys(full.reasons[0]), fields('ReasonView'));
  assert.deepEqual(keys(full.nginx), fields('NginxView'));
  assert.deepEqual(keys(full.trust), fields('TrustView'));
  assert.deepEqual(keys(full.trust.events[0]), fields('TrustEvent'));
  assert.deepEqual(keys(full.discovery), fields('ReplicaDiscovery', 'health/report.rs'));
  assert.deepEqual(keys(full.discovery.replicas[0]), fields('DiscoveredReplica', 'health/report.rs'));
  assert.deepEqual(keys(full.jobRunner), fields('JobRunnerView'));
  assert.deepEqual(keys(full.jobRunner.workers[0]), fields('WorkerView'));
  assert.deepEqual(keys(full.jobRunner.nextCrons[0]), fields('CronRun', 'health/admin.rs'));
  assert.deepEqual(keys(full.metrics), fields('MetricsSummary', 'health/metrics.rs'));
  assert.deepEqual(keys(full.metrics.keySeries[0]), fields('KeySeries', 'health/metrics.rs'));
  assert.deepEqual(keys(full.metrics.sample), fields('MetricsSample', 'health/metrics.rs'));
  const jobs = jobsReport();
  assert.deepEqual(keys(jobs.jobRunner.failed[0]), fields('FailedJob', 'health/admin.rs'));
  assert.deepEqual(keys(jobs.jobRunner.oldestWaiting), fields('WaitingJob', 'health/admin.rs'));
  const { full: failed } = replay('dev');
  assert.deepEqual(keys(failed.problems[0]), fields('Problem'));
  assert.deepEqual(keys(configSnapshot({ id: 'x' }, 'bad', 1)), fields('Snapshot'));
});

// The admin scenario's report with one dead worker, one whose heartbeat expired, failed
// jobs and a waiting one (as the core reports them; the stand-in's switches are covered
// end to end in popup.test.mjs).
function jobsReport() {
  const s = fixtures.scenarios.admin;
  const report = structuredClone(s.healths.at(-1).report);
  const [w0, w1] = report.jobRunner.workers;
  w0.status = 'dead';
  report.reasons.push(
    { severity: 'degraded', code: 'workerDead', subject: w0.id, message: `job runner worker ${w0.id} is dead: jobs are not run there` },
    { severity: 'degraded', code: 'workerHeartbeatExpired', subject: w1.id, message: 'x' },
  );
  report.jobRunner.failedRecently = Array.from({ length: 7 }, (_, i) => ({ id: `j${i}`, action: 'scan', status: 'errored', workerId: w0.id, at: 1000 + i }));
  report.jobRunner.oldestWaiting = { id: 'jw', action: 'onlinegc', scheduledAt: 1, ageSecs: 900, ageIsLowerBound: true };
  return healthSnapshot(s.instance, true, { report, clusterError: null }, undefined);
}

test('job runner, metrics and discovered replicas: small, the core values as they are, and absent when not read', () => {
  const { s, full } = replay('admin');
  const report = s.healths.at(-1).report;
  assert.deepEqual(full.discovery, report.discovery);
  assert.ok(full.discovery.replicas.every((r) => typeof r.pingUrl === 'string'));
  assert.ok(full.jobRunner.workers.every((w) => w.state === 'ok'));
  assert.deepEqual(full.jobRunner.nextCrons, report.jobRunner.nextCrons.slice(0, 5));
  assert.deepEqual(full.metrics, report.metrics);
  const jobs = jobsReport();
  assert.deepEqual(jobs.jobRunner.workers.map((w) => w.state), ['dead', 'expired', 'ok']);
  assert.equal(jobs.jobRunner.failedCount, 7);
  assert.equal(jobs.jobRunner.failed.length, 5);
  assert.deepEqual(jobs.jobRunner.failed[4], { id: 'j4', action: 'scan', status: 'errored', workerId: jobs.jobRunner.workers[0].id, at: 1004 });
  assert.deepEqual(jobs.jobRunner.oldestWaiting, { id: 'jw', action: 'onlinegc', scheduledAt: 1, ageSecs: 900, ageIsLowerBound: true });
  // A pull-only account reads none of them.
  const { full: dev } = replay('dev');
  assert.deepEqual([dev.discovery, dev.jobRunner, dev.metrics], [null, null, null]);
  const bare = healthSnapshot({ id: 'i' }, false, { report: { checkedAt: 1, verdict: 'unknown' }, clusterError: null });
  assert.deepEqual([bare.discovery, bare.jobRunner, bare.metrics], [null, null, null]);
});

test('admin: healthy, no problem, rates from the second health(), newest trust events first', () => {
  const { s, health, full } = replay('admin');
  assert.equal(full.verdict, 'healthy');
  assert.deepEqual(full.problems, []);
  assert.equal(health.pendingTrust, true);
  assert.equal(full.pendingTrust, false);
  assert.equal(full.instanceId, 'admin');
  assert.equal(full.attention, 0);
  assert.equal(full.pings.length, 3);
  assert.ok(full.pings.every((p) => p.state === 'healthy' && p.detail === ''));
  assert.equal(full.replicas.length, 3);
  assert.ok(full.replicas.every((r) => r.ok && r.healthy && !r.readOnly && r.reason === '' && typeof r.lastSeen === 'number'));
  assert.equal(full.clusterRead, true);
  assert.equal(full.nginx.requestsPerSec, s.healths[1].report.nginxRates.requestsPerSec);
  assert.equal(full.nginx.at, full.checkedAt);
  // Trust: the page in server order (oldest first), shown newest first, host stripped.
  const records = s.trust.page.records;
  assert.equal(records.length, TRUST_EVENTS);
  assert.deepEqual(full.trust.events.map((e) => e.id), records.map((r) => r.id).reverse());
  assert.equal(full.trust.read, true);
  const first = full.trust.events[0];
  assert.equal(first.repository, first.gun.replace(`${fixtures.registryHost}/`, ''));
  assert.ok(!first.repository.startsWith(fixtures.registryHost));
  assert.equal(first.createdRaw, records.at(-1).createdAtRaw);
});

test('replicas, issues (server text kept as text), GC and attention', () => {
  const { full } = replay('adminScenario');
  assert.equal(full.verdict, 'degraded');
  const bad = full.replicas.find((r) => !r.healthy);
  assert.equal(bad.reason, 'RethinkDB replica lagging <b>badly</b>');
  assert.equal(bad.ok, false);
  const ro = full.replicas.find((r) => r.readOnly);
  assert.equal(ro.reason, 'read-only mode');
  assert.equal(ro.healthy, true);
  assert.deepEqual(full.issues.map((i) => [i.id, i.critical, i.kind]), [['iss-crit', true, 'table_availability'], ['iss-minor', false, 'log_write_error']]);
  assert.match(full.issues[0].description, /^<img src=x onerror=/);
  assert.equal(full.gcRunning, true);
  // max(1 unhealthy ping, 2 replicas not OK) + 1 critical issue.
  assert.equal(full.attention, 3);
  assert.equal(full.pings.find((p) => p.state === 'unhealthy').detail, 'RethinkDB replica lagging <b>badly</b>');
});

test('nginx rates: the package\'s, or none on a first sample', () => {
  const { s } = replay('admin');
  const first = s.healths[0];
  assert.equal(first.report.nginxRates, null);
  const none = healthSnapshot(s.instance, true, first, undefined);
  assert.equal(none.nginx.requestsPerSec, null);
  assert.equal(none.nginx.dropped, null);
  assert.equal(none.nginx.at, first.report.checkedAt);
  const second = s.healths[1];
  const rated = healthSnapshot(s.instance, true, second, none);
  assert.equal(rated.nginx.requestsPerSec, second.report.nginxRates.requestsPerSec);
  assert.equal(rated.nginx.dropped, second.report.nginxRates.dropped);
});

test('runHealth hands the previous snapshot\'s nginx and metrics samples to the package', async () => {
  const { s } = replay('admin');
  const calls = [];
  const client = { health: async (options) => { calls.push(options); return s.healths[1].report; } };
  const sample = { at: 1, active: 1, accepts: 2, handled: 2, requests: 3, reading: 0, writing: 1, waiting: 0 };
  const metrics = { repositories: 4, pullsTotal: 120, pushesTotal: null, pullsPerMin: null, pushesPerMin: null };
  // Metrics without the report's own sample hand on none (their totals are not a sample).
  await runHealth(client, { checkedAt: 5, nginx: sample, metrics });
  await runHealth(client, { checkedAt: 5, nginx: null, metrics: null });
  await runHealth(client, null);
  // A snapshot that keeps the report's own sample hands that on, with its own time.
  await runHealth(client, { checkedAt: 9, nginx: null, metrics: { ...metrics, sample: { at: 7, pulls: 100, pushes: 3 } } });
  assert.deepEqual(calls, [
    { previousNginx: sample },
    undefined,
    undefined,
    { previousMetrics: { at: 7, pulls: 100, pushes: 3 } },
  ]);
});


test('pull-only account: not an admin, no access to the trust log', () => {
  const { full, problem } = replay('dev');
  // MSR answers, but its cluster status was not read: reachable, not healthy.
  assert.equal(full.verdict, 'reachable');
  assert.equal(full.reasons[0].code, 'clusterNotChecked');
  assert.deepEqual(problem('cluster'), { area: 'cluster', kind: 'notAdmin', message: 'signed in as “dev”, but this account is not an MSR admin — cluster status needs admin' });
  assert.equal(problem('trust').kind, 'noAccess');
  assert.match(problem('trust').message, /signed in as “dev”, but this account has no access to the trust audit log/);
  assert.equal(full.clusterRead, false);
  assert.equal(full.trust.read, false);
});

test('account with no access at all', () => {
  const { problem } = replay('nobody');
  assert.equal(problem('cluster').kind, 'notAdmin');
  assert.equal(problem('trust').kind, 'noAccess');
});

test('wrong password', () => {
  const { full, problem } = replay('wrongPassword');
  // Never green: "unknown", cannot sign in.
  assert.equal(full.verdict, 'unknown');
  assert.equal(full.reasons[0].code, 'signInFailed');
  assert.match(full.reasons[0].message, /^cannot sign in: /);
  assert.equal(problem('cluster').kind, 'wrongPassword');
  assert.match(problem('cluster').message, /did not accept the user name “admin” with this password/);
  // The token service's refusal of the same credentials is not listed a second time.
  assert.equal(problem('trust'), undefined);
  assert.equal(full.problems.length, 1, JSON.stringify(full.problems));
});

test('wrong password at the token service only: the trust problem says it, never green', () => {
  // The cluster status accepted the credentials (basic auth) but the token service refused
  // them: the trust feed's problem is the only one that says so.
  const admin = fixtures.scenarios.admin;
  const health = healthSnapshot(admin.instance, true, admin.healths.at(-1));
  assert.equal(health.verdict, 'healthy');
  const full = withTrust(health, admin.instance, true, fixtures.scenarios.wrongPassword.trust);
  assert.deepEqual(full.problems.map((p) => `${p.area}:${p.kind}`), ['trust:wrongPassword']);
  assert.equal(full.verdict, 'unknown');
  assert.equal(full.reasons[0].code, 'signInFailed');
});

test('anonymous: no cluster status asked for, the trust log needs signing in', () => {
  const { full, problem } = replay('anonymous');
  assert.equal(full.verdict, 'reachable');
  assert.equal(problem('cluster'), undefined);
  assert.equal(problem('trust').kind, 'notSignedIn');
  assert.equal(full.clusterRead, false);
});

test('a user name whose secret the browser forgot: "enter it again", not "add an account"', () => {
  const s = fixtures.scenarios.anonymous;
  const instance = { ...s.instance, username: 'admin', secretKind: 'password' };
  const health = healthSnapshot(instance, false, s.healths.at(-1), undefined);
  const full = withTrust(health, instance, false, s.trust);
  const trust = full.problems.find((p) => p.area === 'trust');
  assert.deepEqual(trust, { area: 'trust', kind: 'secretMissing', message: 'the password of “admin” is not kept after a browser restart — enter it again' });
  assert.equal(full.clusterRead, false);
  const cluster = clusterProblem(instance, false, { code: 'clusterNotSignedIn', message: '' });
  assert.equal(cluster.kind, 'secretMissing');
});

test('an unreachable instance: its cluster status was not read', () => {
  const { full } = replay('closed');
  assert.ok(full.problems.some((p) => p.kind === 'unreachable'), JSON.stringify(full.problems));
  assert.equal(full.clusterRead, false);
});

test('a token service refusal turns a healthy or reachable check into "unknown: cannot sign in"', () => {
  for (const name of ['admin', 'anonymous']) {
    const s = fixtures.scenarios[name];
    const health = healthSnapshot(s.instance, true, s.healths.at(-1));
    assert.ok(['healthy', 'reachable'].includes(health.verdict), `${name}: ${health.verdict}`);
    const full = withTrust(health, { ...s.instance, username: 'admin' }, true, { error: { kind: 'unauthenticated', message: 'x' } });
    assert.equal(full.verdict, 'unknown', name);
    assert.equal(full.reasons[0].code, 'signInFailed');
    assert.match(full.reasons[0].message, /^cannot sign in: wrong user name or /);
    assert.ok(!full.reasons.some((r) => r.code === 'clusterNotChecked'));
  }
  // Degraded stays degraded: the refusal does not hide real trouble.
  const s = fixtures.scenarios.adminScenario;
  const health = healthSnapshot(s.instance, true, s.healths.at(-1));
  const full = withTrust(health, s.instance, true, { error: { kind: 'unauthenticated', message: 'x' } });
  assert.equal(full.verdict, 'degraded');
});

test('fault: MSR answers with a login page', () => {
  const { full } = replay('htmlLogin');
  assert.equal(full.verdict, 'unknown');
  const logins = full.problems.filter((p) => p.kind === 'loginPage');
  assert.ok(logins.some((p) => p.area === 'connection' && /^MSR answered with a login page/.test(p.message)), JSON.stringify(full.problems));
  // Said once for the connection, not again for the cluster status.
  assert.equal(logins.filter((p) => p.area === 'cluster').length, 0);
  assert.ok(logins.some((p) => p.area === 'trust'), JSON.stringify(full.problems));
  assert.match(full.pings[0].detail, /^HTTP 200: an HTML page/);
});

test('fault: cluster status check fails inside MSR', () => {
  const { full, problem } = replay('statusCheckFailed');
  assert.equal(full.verdict, 'degraded');
  assert.equal(problem('cluster').kind, 'checkFailed');
  assert.match(problem('cluster').message, /^MSR could not read its own cluster status \(STATUS_CHECK_FAILED\): \S.* — rethinkdb: connection refused$/);
});

test('fault: load balancer 502 on every path, and a reset behind nginx', () => {
  for (const name of ['lb502', 'reset']) {
    const { full, problem } = replay(name);
    assert.equal(full.verdict, 'down', name);
    assert.deepEqual(problem('cluster'), { area: 'cluster', kind: 'unavailable', message: 'MSR is unavailable for cluster status: HTTP 502 from MSR or its load balancer' });
    assert.equal(problem('trust').kind, 'unavailable');
    assert.match(full.pings[0].detail, /^HTTP 502: a proxy or load balancer/);
    assert.equal(full.attention, 1);
  }
});

test('nothing listening: the unreachable message', () => {
  const { s, full, problem } = replay('closed');
  assert.equal(full.verdict, 'unknown');
  assert.equal(problem('connection').kind, 'unreachable');
  assert.equal(problem('connection').message,
    `could not reach ${s.instance.origin}: the network or VPN, a TLS certificate this browser does not trust (get MSR's CA at ${s.instance.origin}/ca), or a missing site permission (grant it in the options)`);
  // The trust feed failed the same way: said once, by the connection problem, which the
  // badge tooltip and the notification (the first problem) name.
  assert.equal(s.trust.error.kind, 'network', JSON.stringify(s.trust.error));
  assert.equal(problem('trust'), undefined, JSON.stringify(full.problems));
  assert.deepEqual(full.problems.map((p) => `${p.area}/${p.kind}`), ['connection/unreachable']);
  assert.equal(full.trust.read, false);
  assert.match(full.pings[0].detail, /^no answer \(network, TLS certificate trust, or the host is down\): /);
});

test('a trust feed that got no answer while MSR answered: its own problem stays', () => {
  const s = fixtures.scenarios.admin;
  const health = healthSnapshot(s.instance, true, s.healths.at(-1));
  assert.deepEqual(health.problems, []);
  const error = { name: 'MsrLensError', kind: 'network', message: 'request failed' };
  const full = withTrust(health, s.instance, true, { error });
  assert.deepEqual(full.problems, [{ area: 'trust', kind: 'unreachable', message: 'the trust audit log could not be read: request failed' }]);
  // Not repeated only when the connection problem is "unreachable": a login page in front
  // of MSR does not swallow the trust feed's own failure.
  const login = { ...health, problems: [{ area: 'connection', kind: 'loginPage', message: 'MSR answered with a login page: x' }] };
  assert.deepEqual(withTrust(login, s.instance, true, { error }).problems.map((p) => `${p.area}/${p.kind}`),
    ['connection/loginPage', 'trust/unreachable']);
  // Nor does another failure of the trust feed go when MSR is unreachable.
  const down = { ...health, problems: [{ area: 'connection', kind: 'unreachable', message: 'could not reach x' }] };
  assert.deepEqual(withTrust(down, s.instance, true, { error: { kind: 'tokenRejected', message: 'x' } }).problems.map((p) => `${p.area}/${p.kind}`),
    ['connection/unreachable', 'trust/tokenRejected']);
});

// What the package's classifyNetworkError returns (npm/test/offline.test.mjs checks it).
const CLASSIFIED = {
  untrusted: {
    kind: 'certificateUntrusted', error: 'net::ERR_CERT_AUTHORITY_INVALID', certificate: true, connected: true, nothingAnswered: false,
    message: "the server's certificate is not signed by an authority this browser trusts",
  },
  refused: {
    kind: 'refused', error: 'NS_ERROR_CONNECTION_REFUSED', certificate: false, connected: false, nothingAnswered: true,
    message: 'the connection was refused: nothing listens at that address and port',
  },
  dns: {
    kind: 'nameNotResolved', error: 'net::ERR_NAME_NOT_RESOLVED', certificate: false, connected: false, nothingAnswered: true,
    message: 'the host name does not resolve (DNS)',
  },
  timeout: {
    kind: 'timedOut', error: 'net::ERR_CONNECTION_TIMED_OUT', certificate: false, connected: false, nothingAnswered: true,
    message: 'the connection timed out: a firewall, the VPN or a wrong address may be the cause',
  },
  expired: {
    kind: 'certificateExpired', error: 'net::ERR_CERT_DATE_INVALID', certificate: true, connected: true, nothingAnswered: false,
    message: "the server's certificate has expired or is not valid yet (or this computer's clock is wrong)",
  },
  other: {
    kind: 'other', error: 'net::ERR_FAILED', certificate: false, connected: false, nothingAnswered: false,
    message: 'the browser reported net::ERR_FAILED',
  },
};

test('nothing listening, as the browser named it: the unreachable problem and the ping row say why', () => {
  const s = fixtures.scenarios.closed;
  const origin = s.instance.origin;
  const port = new URL(origin).port;
  const run = (failure) => healthSnapshot(s.instance, false, { ...s.healths.at(-1), network: { [origin]: failure } }, null);
  const refused = run(CLASSIFIED.refused);
  const unreachable = refused.problems.find((p) => p.area === 'connection');
  assert.equal(unreachable.kind, 'unreachable'); // the worker's backoff reads the kind
  assert.equal(unreachable.message, `could not reach ${origin}: nothing listens at 127.0.0.1:${port} (connection refused: NS_ERROR_CONNECTION_REFUSED)`);
  assert.equal(refused.pings[0].detail, `no answer: nothing listens at 127.0.0.1:${port} (connection refused: NS_ERROR_CONNECTION_REFUSED)`);

  const untrusted = run(CLASSIFIED.untrusted).problems.find((p) => p.area === 'connection').message;
  assert.equal(untrusted,
    `could not reach ${origin}: this browser does not trust MSR's certificate (net::ERR_CERT_AUTHORITY_INVALID) — install MSR's CA from ${origin}/ca`);
  assert.equal(run(CLASSIFIED.dns).problems[0].message,
    `could not reach ${origin}: the name 127.0.0.1 does not resolve (net::ERR_NAME_NOT_RESOLVED) — check the address, DNS and the VPN`);
  assert.equal(run(CLASSIFIED.timeout).problems[0].message,
    `could not reach ${origin}: the connection timed out (net::ERR_CONNECTION_TIMED_OUT) — a firewall, the VPN or a wrong address`);
  assert.equal(run(CLASSIFIED.expired).problems[0].message,
    `could not reach ${origin}: the server's certificate has expired or is not valid yet (or this computer's clock is wrong) (net::ERR_CERT_DATE_INVALID)`);

  // Not recognised, or nothing said about this origin: the sentence naming every cause.
  const generic = `could not reach ${origin}: the network or VPN, a TLS certificate this browser does not trust (get MSR's CA at ${origin}/ca), or a missing site permission (grant it in the options)`;
  for (const network of [{ [origin]: CLASSIFIED.other }, { 'https://elsewhere.example': CLASSIFIED.refused }, {}]) {
    const snap = healthSnapshot(s.instance, false, { ...s.healths.at(-1), network }, null);
    assert.equal(snap.problems[0].message, generic, JSON.stringify(network));
    assert.match(snap.pings[0].detail, /^no answer \(network, TLS certificate trust, or the host is down\): /);
  }
});

test('replicas: each silent ping row names its own origin\'s failure; the problem the instance\'s', () => {
  const instance = { id: 'i', origin: 'https://msr.example:8443', replicas: ['https://r1.example:8443', 'https://r2.example'] };
  const silent = (label) => ({ label, state: 'unknown', status: 0, why: 'noAnswer', excerpt: 'request failed' });
  const report = { checkedAt: 1, verdict: 'unknown', reasons: [], pings: [silent('r1.example:8443'), silent('r2.example')] };
  assert.equal(pingOrigin(instance, 'r1.example:8443'), 'https://r1.example:8443');
  assert.equal(pingOrigin(instance, 'r2.example'), 'https://r2.example');
  assert.equal(pingOrigin(instance, 'load balancer'), 'https://msr.example:8443');
  assert.equal(pingOrigin(instance, 'a label of the user'), null);
  const network = { 'https://r1.example:8443': CLASSIFIED.untrusted, 'https://r2.example': CLASSIFIED.refused };
  const snap = healthSnapshot(instance, false, { report, clusterError: null, network }, null);
  assert.deepEqual(snap.pings.map((p) => p.detail), [
    "no answer: this browser does not trust MSR's certificate (net::ERR_CERT_AUTHORITY_INVALID) — install MSR's CA from https://r1.example:8443/ca",
    'no answer: nothing listens at r2.example:443 (connection refused: NS_ERROR_CONNECTION_REFUSED)',
  ]);
  // Nothing known about the instance's own origin: the first silent ping's failure.
  assert.equal(snap.problems[0].message,
    "could not reach https://r1.example:8443: this browser does not trust MSR's certificate (net::ERR_CERT_AUTHORITY_INVALID) — install MSR's CA from https://r1.example:8443/ca");
  // The instance's origin (its /nginx_status, cluster status) first when known.
  const main = healthSnapshot(instance, false, { report, clusterError: null, network: { ...network, 'https://msr.example:8443': CLASSIFIED.refused } }, null);
  assert.equal(main.problems[0].message, 'could not reach https://msr.example:8443: nothing listens at msr.example:8443 (connection refused: NS_ERROR_CONNECTION_REFUSED)');
  assert.equal(noAnswerWhy('not a url', CLASSIFIED.refused), null);
  assert.equal(noAnswerWhy('http://h', CLASSIFIED.refused), 'nothing listens at h:80 (connection refused: NS_ERROR_CONNECTION_REFUSED)');
  assert.equal(noAnswerWhy('https://h:1', { ...CLASSIFIED.timeout, kind: 'unreachable', error: 'net::ERR_ADDRESS_UNREACHABLE' }),
    'h:1 is unreachable from this network (net::ERR_ADDRESS_UNREACHABLE) — check the network and the VPN');
});

test('a { label, url } replica: its ping row and the network watch know its origin', () => {
  const instance = {
    id: 'i', origin: 'https://msr.example:8443',
    replicas: ['https://r1.example:8443', { label: 'node two', url: ' https://r2.example:9443/ ' }],
  };
  assert.equal(pingOrigin(instance, 'node two'), 'https://r2.example:9443');
  assert.equal(pingOrigin(instance, 'r2.example:9443'), null, 'a labelled replica answers to its label only');
  assert.equal(pingOrigin(instance, 'r1.example:8443'), 'https://r1.example:8443');
  assert.deepEqual(checkOrigins(instance), ['https://msr.example:8443', 'https://r1.example:8443', 'https://r2.example:9443']);
  assert.deepEqual(clientOptions(instance, null).replicas, ['https://r1.example:8443', { label: 'node two', url: 'https://r2.example:9443/' }]);
  const silent = (label) => ({ label, state: 'unknown', status: 0, why: 'noAnswer', excerpt: 'request failed' });
  const report = { checkedAt: 1, verdict: 'unknown', reasons: [], pings: [silent('node two')] };
  const snap = healthSnapshot(instance, false, { report, clusterError: null, network: { 'https://r2.example:9443': CLASSIFIED.refused } }, null);
  assert.equal(snap.pings[0].detail, 'no answer: nothing listens at r2.example:9443 (connection refused: NS_ERROR_CONNECTION_REFUSED)');
  assert.equal(snap.problems[0].message,
    'could not reach https://r2.example:9443: nothing listens at r2.example:9443 (connection refused: NS_ERROR_CONNECTION_REFUSED)');
  assert.equal(configMessage(instance, { message: 'replicas[1]: no host' }), 'the replica address “https://r2.example:9443/” is not valid: no host');
});

// A request that ran into the check's own time limit: the package reports the ping as
// `noAnswer` with its transport's "timed out after N ms", the browser only as cancelled.
test('the check\'s time limit: the problem, the ping row and the trust problem say "no answer within N s"', () => {
  const instance = { id: 'i', origin: 'https://msr.example:8443', replicas: [] };
  const ping = { label: 'load balancer', state: 'unknown', status: 0, why: 'noAnswer', excerpt: 'timed out after 1500 ms' };
  const report = { checkedAt: 1, verdict: 'unknown', reasons: [], pings: [ping] };
  const aborted = { ...CLASSIFIED.other, error: 'net::ERR_ABORTED', message: 'the browser reported net::ERR_ABORTED' };
  const why = "no answer within 1.5 s (the check's time limit)";
  for (const network of [{}, { 'https://msr.example:8443': aborted }]) {
    const health = healthSnapshot(instance, false, { report, clusterError: null, network }, null);
    assert.deepEqual(health.problems, [{ area: 'connection', kind: 'unreachable', message: `could not reach https://msr.example:8443: ${why}` }]);
    assert.equal(health.pings[0].detail, why);
    // The trust feed timed out as well: said once.
    const full = withTrust(health, instance, false, { error: { name: 'MsrLensError', kind: 'timeout', message: 'changefeed: timed out after 1500 ms' } });
    assert.deepEqual(full.problems.map((p) => `${p.area}/${p.kind}`), ['connection/unreachable']);
  }
  // What the browser named still comes first (a refused connection is no time limit).
  const refused = healthSnapshot(instance, false, { report, clusterError: null, network: { 'https://msr.example:8443': CLASSIFIED.refused } }, null);
  assert.match(refused.problems[0].message, /nothing listens at msr\.example:8443/);
  // Only the trust feed ran into it while MSR answered.
  assert.equal(trustProblem(instance, true, { kind: 'timeout', message: 'timed out after 10000 ms' }).message,
    "the trust audit log could not be read: no answer within 10 s (the check's time limit)");
  // The feed's own timeout does not name the limit: runTrust hands it along.
  const health = healthSnapshot(instance, true, { report: { ...report, verdict: 'healthy', pings: [{ label: 'load balancer', state: 'healthy' }] } }, null);
  const feedTimeout = { error: { name: 'MsrLensError', kind: 'timeout', message: 'changefeed: the request timed out' }, timeoutMs: 1500 };
  assert.deepEqual(withTrust(health, instance, true, feedTimeout).problems,
    [{ area: 'trust', kind: 'unreachable', message: `the trust audit log could not be read: ${why}` }]);
  assert.equal(apiProblem('cluster', 'cluster status', { kind: 'timeout', message: 'timed out after 10000 ms' }).message,
    "cluster status could not be read: no answer within 10 s (the check's time limit)");
  // Other failures keep their own words.
  assert.equal(timedOutMs('request failed'), null);
  assert.equal(timedOutMs('timed out after 10000 ms'), 10_000);
  assert.equal(trustProblem(instance, true, { kind: 'network', message: 'request failed' }).message,
    'the trust audit log could not be read: request failed');
});

test('the check\'s time limit: 10 s, or checkTimeoutMs from the session when it is sane', () => {
  assert.equal(TIMEOUT_MS, 10_000);
  assert.equal(timeoutOf(undefined), TIMEOUT_MS);
  assert.equal(timeoutOf(1500), 1500);
  for (const odd of [0, 499, 120_001, 1500.5, '1500', null, {}]) assert.equal(timeoutOf(odd), TIMEOUT_MS, JSON.stringify(odd));
  assert.equal(clientOptions({ origin: 'https://m' }, null, 1500).timeoutMs, 1500);
});

test('a trust step that threw still ends the check in one complete snapshot', () => {
  const s = fixtures.scenarios.admin;
  const health = healthSnapshot(s.instance, true, s.healths.at(-1), replay('dev').full);
  assert.equal(health.pendingTrust, true);
  const full = trustFailed(health, new TypeError('x is undefined'));
  assert.equal(full.pendingTrust, false);
  assert.equal(full.verdict, health.verdict);
  assert.deepEqual(full.trust, { events: [], read: false });
  // The previous check's trust problems go; the failure is the one trust problem.
  assert.deepEqual(full.problems.filter((p) => p.area === 'trust'),
    [{ area: 'trust', kind: 'internal', message: 'the trust audit log could not be read: x is undefined' }]);
  assert.deepEqual(keys(full), fields('Snapshot'));
});

test('every replica down', () => {
  const { full } = replay('allReplicasDown');
  assert.equal(full.verdict, 'down');
  assert.equal(full.attention, 3);
  assert.ok(full.replicas.every((r) => !r.ok && r.reason === 'Replica is unhealthy'));
});

test('the health half keeps the previous trust part until the new one lands', () => {
  const { full: before } = replay('dev');
  const s = fixtures.scenarios.admin;
  const health = healthSnapshot(s.instance, true, s.healths[1], before);
  assert.equal(health.pendingTrust, true);
  assert.deepEqual(health.trust, before.trust);
  assert.deepEqual(health.problems.filter((p) => p.area === 'trust'), before.problems.filter((p) => p.area === 'trust'));
  const full = withTrust(health, s.instance, true, s.trust);
  assert.deepEqual(full.problems, []);
  assert.equal(full.trust.events.length, TRUST_EVENTS);
  // The health half is not changed by adding the trust part.
  assert.equal(health.pendingTrust, true);
});

test('unusable settings give a config snapshot naming the address', () => {
  const instance = { id: 'c', name: 'C', origin: 'https://msr.example.org/path', replicas: ['', 'ftp://r'] };
  assert.equal(configMessage(instance, { message: 'baseUrl: an origin has no path or query: use only scheme://host[:port]' }),
    'the MSR address “https://msr.example.org/path” is not valid: an origin has no path or query: use only scheme://host[:port]');
  assert.equal(configMessage(instance, { message: 'replicas[0]: unsupported scheme (use https:// or http://)' }),
    'the replica address “ftp://r” is not valid: unsupported scheme (use https:// or http://)');
  const snap = configSnapshot(instance, 'bad', 42);
  assert.deepEqual([snap.verdict, snap.checkedAt, snap.problems[0].kind], ['unknown', 42, 'config']);
});

test('cluster status without an answer: said once, and not a reason to back off', () => {
  const instance = { id: 'i', origin: 'https://msr.example.org', username: 'admin' };
  const reason = { code: 'clusterUnavailable', message: 'cluster_status: no answer' };
  const timeout = { name: 'MsrLensError', kind: 'timeout', message: 'cluster status: timed out after 10000 ms' };
  assert.deepEqual(clusterProblem(instance, true, reason, timeout),
    { area: 'cluster', kind: 'noAnswer', message: "cluster status could not be read: no answer within 10 s (the check's time limit)" });
  // The pings answered: the cluster problem stands (and background.js backs off only on
  // unreachable/unavailable/rateLimited).
  const pingsOk = { checkedAt: 1, verdict: 'unknown', pings: [{ label: 'lb', state: 'healthy' }], reasons: [reason] };
  assert.deepEqual(healthSnapshot(instance, true, { report: pingsOk, clusterError: timeout }).problems.map((p) => p.kind), ['noAnswer']);
  // Nothing answered: only the connection problem.
  const noneOk = { ...pingsOk, pings: [{ label: 'lb', state: 'unknown', status: 0, why: 'noAnswer', excerpt: 'x' }] };
  assert.deepEqual(healthSnapshot(instance, true, { report: noneOk, clusterError: timeout }).problems.map((p) => p.kind), ['unreachable']);
  // A second call that succeeds (the fault is gone): the reason's own words.
  assert.equal(clusterProblem(instance, true, reason, null).kind, 'unavailable');
});

test('small helpers: ages, GUN hosts, HTTP problems', () => {
  assert.deepEqual([age(-5), age(59), age(61), age(7200), age(3 * 86_400)], ['0 s', '59 s', '1 min', '2 h', '3 d']);
  assert.equal(stripHost('127.0.0.1:8443/platform/base', '127.0.0.1:8443'), 'platform/base');
  assert.equal(stripHost('msr.example.org:443/lib/x', 'msr.example.org'), 'lib/x');
  assert.equal(stripHost('other.org/lib/x', 'msr.example.org'), 'other.org/lib/x');
  assert.equal(apiProblem('trust', 'the trust audit log', { kind: 'rateLimited', status: 429, message: '' }).kind, 'rateLimited');
  assert.equal(apiProblem('cluster', 'cluster status', { kind: 'timeout', message: 'timed out after 10000 ms' }).message,
    "cluster status could not be read: no answer within 10 s (the check's time limit)");
  assert.equal(apiProblem('cluster', 'cluster status', { kind: 'serverError', status: 500, code: 'UNKNOWN', message: 'x' }).message,
    'MSR failed on cluster status (HTTP 500): UNKNOWN');
});

test('check.js: client options, the follow-up clusterStatus() and the trust page', async () => {
  assert.deepEqual(clientOptions({ origin: ' https://m ', replicas: ['', 'https://r1'], username: 'u', secretKind: 'password' }, 's'),
    { baseUrl: 'https://m', timeoutMs: 10_000, discoverReplicas: 'list', replicas: ['https://r1'], username: 'u', secret: 's', secretKind: 'password' });
  // A user without a secret (e.g. after a browser restart) checks anonymously.
  assert.deepEqual(clientOptions({ origin: 'https://m', username: 'u' }, null), { baseUrl: 'https://m', timeoutMs: 10_000, discoverReplicas: 'list' });

  const calls = [];
  const lensError = (kind, status) => Object.assign(new Error(`${kind}!`), { name: 'MsrLensError', kind, status });
  const fake = (reasons, page) => ({
    health: async () => { calls.push('health'); return { reasons }; },
    clusterStatus: async () => { calls.push('clusterStatus'); throw lensError('unavailable', 502); },
    changefeed: (options) => {
      calls.push(['changefeed', options]);
      return { nextPage: async () => { if (page instanceof Error) throw page; return page; }, close: () => calls.push('close'), free: () => calls.push('free') };
    },
  });
  assert.deepEqual(await runHealth(fake([{ code: 'clusterNotAdmin' }])), { report: { reasons: [{ code: 'clusterNotAdmin' }] }, clusterError: null });
  assert.deepEqual(calls, ['health']);
  const r = await runHealth(fake([{ code: 'clusterUnavailable' }]));
  assert.deepEqual(r.clusterError, { name: 'MsrLensError', kind: 'unavailable', status: 502, message: 'unavailable!' });
  calls.length = 0;
  assert.deepEqual(await runTrust(fake([], { records: [], placement: 'prepend' })), { page: { records: [], placement: 'prepend' } });
  assert.deepEqual(calls, [['changefeed', { from: 'latest', pageSize: TRUST_EVENTS, maxRetries: 0 }], 'close', 'free']);
  assert.deepEqual(await runTrust(fake([], lensError('noAccess'))), { error: { name: 'MsrLensError', kind: 'noAccess', message: 'noAccess!' }, timeoutMs: TIMEOUT_MS });
  assert.equal((await runTrust(fake([], lensError('timeout')), 1500)).timeoutMs, 1500);
  assert.deepEqual(await runTrust(fake([], null)), { page: { records: [], placement: 'prepend' } });
});

// Stored settings this version reads only in part: the worker checks the readable
// instances, skips the others with a reason, and never throws for all of them.
test('readSettings skips what it cannot read and keeps the rest', () => {
  const good = { id: 'a', origin: 'https://a', replicas: [{ label: 'r', url: 'https://r' }], secretKind: 'sso' };
  const { settings, skipped } = readSettings({ pollMinutes: 5, future: 1, instances: [good, 'odd', null, { id: 7 }] });
  assert.deepEqual(settings.instances, [good]);
  assert.equal(settings.pollMinutes, 5);
  assert.deepEqual(skipped, [
    'stored instance 2 is text, not an object: skipped',
    'stored instance 3 is null, not an object: skipped',
    'stored instance 4 has no text id: skipped',
  ]);
  assert.deepEqual(readSettings(undefined), { settings: { instances: [], pollMinutes: 1, notifyVerdict: true, notifyDeletions: true }, skipped: [] });
  assert.deepEqual(readSettings('garbage').settings.instances, []);
  assert.match(readSettings('garbage').skipped[0], /are text, not an object/);
  assert.match(readSettings({ instances: { a: {} } }).skipped[0], /instances are an object, not a list/);
  // An instance whose replicas are not a list cannot be checked: a clear config problem.
  assert.throws(() => clientOptions({ id: 'b', origin: 'https://b', replicas: 'https://r' }, null), /replicas are stored as text, not a list/);
  assert.equal(
    configMessage({ name: 'B' }, new Error('its replicas are stored as text, not a list')),
    'the settings of “B” cannot be used: its replicas are stored as text, not a list',
  );
});
