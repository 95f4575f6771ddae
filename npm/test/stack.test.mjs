// The installed package against the live stack (`cargo xtask stack up && cargo xtask stack
// seed`): health, tokens, grants, the changefeed in every mode, the error kinds, and follow
// picking up newly published records. Reads <repo>/.stack/stack.json (or
// $MSR_LENS_STACK_DIR/stack.json); every test is skipped, with the reason, when the stack
// is not up or Node.js does not trust its CA (start node with
// NODE_EXTRA_CA_CERTS=<ca_file of stack.json>; scripts/npm-test.sh does).
//
// The suite resets msr-sim's scenario first (POST /reset on its admin port); do not run it
// at the same time as other stack tests that install faults.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { before, test } from "node:test";

import { importPackage, stackConfig } from "./helpers.mjs";

const stack = stackConfig();
const skip = !stack
  ? "the stack is not up (no .stack/stack.json): run `cargo xtask stack up && cargo xtask stack seed`"
  : process.env.NODE_EXTRA_CA_CERTS !== stack.ca_file
    ? `Node.js does not trust the stack's CA: run with NODE_EXTRA_CA_CERTS=${stack.ca_file} (scripts/npm-test.sh does)`
    : false;
if (skip) console.log(`# stack tests skipped: ${skip}`);

let lens;
before(async () => {
  if (skip) return;
  lens = await importPackage();
  await admin("POST", "/reset", {});
});

async function admin(method, path, body) {
  const response = await fetch(`${stack.sim_admin}${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.equal(response.status, 200, `${method} ${path}`);
  return response.json();
}

const truth = async (gun) =>
  (await admin("GET", `/truth/changefeed${gun ? `?gun=${encodeURIComponent(gun)}` : ""}`)).records;

function client(user, secret = "token", extra = {}) {
  const entry = user ? stack.users[user] : null;
  const credentials = !user
    ? {}
    : secret === "wrong"
      ? { username: user, secret: "wrong-secret-value" }
      : secret === "password"
        ? { username: user, secret: entry.password, secretKind: "password" }
        : { username: user, secret: entry.token };
  return new lens.MsrClient({ baseUrl: stack.origin, timeoutMs: 10_000, ...credentials, ...extra });
}

const gun = (repo) => `${stack.registry_host}/${repo}`;

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(lens.isMsrLensError(e), String(e));
    return e;
  }
  assert.fail("expected a rejection");
}

async function walk(feed) {
  const ids = [];
  for (let page = await feed.nextPage(); page; page = await feed.nextPage()) {
    ids.push(...page.records.map((r) => r.id));
  }
  return ids;
}

function insertRecords(forGun, n) {
  const pg = stack.postgres;
  const sql =
    "INSERT INTO changefeed (created_at, gun, version, sha256, category) " +
    `SELECT now() at time zone 'utc', '${forGun}', 1000 + g, md5(random()::text) || md5(random()::text), 'update' ` +
    `FROM generate_series(1, ${n}) AS g;`;
  execFileSync("psql", ["-q", "-v", "ON_ERROR_STOP=1", "-h", pg.host, "-p", String(pg.port), "-U", pg.user, "-d", pg.dbname, "-c", sql]);
}

test("health: every replica, nginx and the cluster status, healthy", { skip }, async () => {
  const msr = client("admin", "token", { replicas: stack.replica_origins });
  const report = await msr.health();
  assert.equal(report.verdict, "healthy", JSON.stringify(report.reasons));
  assert.equal(report.pings.length, stack.replica_origins.length);
  assert.ok(report.pings.every((p) => p.state === "healthy"));
  assert.equal(report.replicas.length, 3);
  assert.ok(report.nginx.requests > 0);
  assert.equal((await msr.ping()).state, "healthy");
  assert.ok((await msr.nginxStatus()).accepts >= (await msr.nginxStatus()).handled - 1);
});

test("health: never green on partial evidence — reachable without admin, unknown on a refused sign-in", { skip }, async () => {
  const admin = await client("admin", "token").health();
  assert.equal(admin.verdict, "healthy", JSON.stringify(admin.reasons));
  assert.deepEqual(admin.coverage, {
    pings: true, nginx: true, clusterStatus: true, clusterStatusMissing: null, settings: true, jobRunner: true, metrics: true,
    summary: "pings + nginx + cluster status + job runner + metrics",
  });
  for (const [who, msr, missing] of [
    ["anonymous", client(null), "noCredentials"],
    ["dev (not an admin)", client("dev", "token"), "notAdmin"],
  ]) {
    const report = await msr.health();
    assert.equal(report.verdict, "reachable", who);
    assert.equal(report.reasons[0].code, "clusterNotChecked", who);
    assert.match(report.reasons[0].message, /^reachable — cluster status not checked: /, who);
    assert.equal(report.coverage.clusterStatus, false, who);
    assert.equal(report.coverage.clusterStatusMissing, missing, who);
  }
  for (const secret of ["wrong", "password-wrong"]) {
    const msr =
      secret === "wrong"
        ? client("admin", "wrong")
        : new lens.MsrClient({ baseUrl: stack.origin, username: "admin", secret: "not-the-password", secretKind: "password" });
    const report = await msr.health();
    assert.equal(report.verdict, "unknown", secret);
    assert.equal(report.reasons[0].code, "signInFailed", secret);
    assert.match(report.reasons[0].message, /^cannot sign in: /, secret);
    assert.equal(report.coverage.clusterStatusMissing, "signInFailed", secret);
  }
});

test("health: an admin's check discovers and pings every replica, reads the job runner and the metrics", { skip }, async () => {
  await admin("GET", "/requests?clear=1");
  const report = await client("admin", "token").health();
  assert.equal(report.verdict, "healthy", JSON.stringify(report.reasons));
  const ids = (await admin("GET", "/state")).replica_ids;
  assert.deepEqual(report.discovery.replicas.map((r) => r.id), [...ids].sort());
  assert.ok(report.discovery.replicas.every((r) => r.pinged && r.pingUrl.startsWith("https://127.0.0.1:")));
  const { requests } = await admin("GET", "/requests?clear=1");
  const pinged = requests.filter((r) => r.path === "/_ping" && r.replica !== null).map((r) => r.replica).sort();
  assert.deepEqual(pinged, ["0", "1", "2"]);
  assert.equal(report.jobRunner.workers.length, 3);
  assert.ok(report.jobRunner.nextCrons.length > 0);
  assert.ok(report.metrics.repositories > 0 && report.metrics.pullsTotal > 0, JSON.stringify(report.metrics));
  assert.equal(report.coverage.summary, "pings + nginx + cluster status + job runner + metrics");
  // "list": the replicas are reported, nothing more is pinged.
  const listed = await client("admin", "token", { discoverReplicas: "list" }).health();
  assert.ok(listed.discovery.replicas.every((r) => !r.pinged));
  const after = (await admin("GET", "/requests?clear=1")).requests;
  assert.equal(after.filter((r) => r.path === "/_ping" && r.replica !== null).length, 0);
  await assert.rejects(
    async () => client("admin", "token", { discoverReplicas: "sometimes" }),
    (e) => e.kind === "invalidArgument" && /discoverReplicas/.test(e.message),
  );
});

test("health: a dead worker, failing jobs and MSR 2.9's missing metrics each give their reason", { skip }, async () => {
  try {
    await admin("POST", "/scenario", { workers: { 1: { status: "dead" } }, jobs_failing: true, msr_version: "2.9" });
    const report = await client("admin", "token").health();
    assert.equal(report.verdict, "degraded");
    const codes = report.reasons.map((r) => r.code);
    for (const code of ["workerDead", "jobsFailing", "metricsNotAvailable"]) assert.ok(codes.includes(code), `${code}: ${codes}`);
    const metrics = report.reasons.find((r) => r.code === "metricsNotAvailable");
    assert.equal(metrics.severity, "info");
    assert.match(metrics.message, /^metrics not available on this MSR/);
    assert.equal(report.metrics, null);
    // A non-admin: today's check and a plain note.
    const dev = await client("dev", "token").health();
    assert.equal(dev.verdict, "reachable");
    assert.ok(dev.reasons.some((r) => r.code === "replicasNotDiscovered" && r.severity === "info"));
    assert.equal(dev.jobRunner, null);
  } finally {
    await admin("POST", "/reset", {});
  }
});

test("health: request rates across clients from a stored nginx sample", { skip }, async () => {
  const first = await client("admin", "token").health();
  assert.equal(first.nginxRates, null, "a first sample has nothing to compare with");
  // A new client (a restarted service worker) measures against the stored sample.
  const stored = { ...first.nginx, at: first.checkedAt, requestsPerSec: null };
  const second = await client("admin", "token").health({ previousNginx: stored });
  assert.ok(second.nginxRates, "rates from the stored sample");
  assert.ok(second.nginxRates.elapsedMs > 0);
  assert.ok(second.nginx.requests > first.nginx.requests);
  assert.ok(second.nginxRates.requestsPerSec > 0);
  await assert.rejects(client("admin", "token").health({ previousNginx: { at: 1 } }), (e) => e.kind === "invalidArgument");
});

test("health: a replica the scenario makes sick shows as degraded", { skip }, async () => {
  await admin("POST", "/scenario", { replicas: { 1: { health: "Rethinkdb has issues: test" } } });
  try {
    const report = await client("admin", "token", { replicas: stack.replica_origins }).health();
    assert.equal(report.verdict, "degraded");
    assert.ok(report.reasons.some((r) => r.code === "pingUnhealthy" && r.message.includes("Rethinkdb has issues")));
  } finally {
    await admin("POST", "/reset", {});
  }
});

test("cluster status and its error kinds for every account type", { skip }, async () => {
  const status = await client("admin", "password").clusterStatus();
  assert.equal(status.replicas.length, 3);
  for (const [user, secret, kind, code] of [
    ["dev", "token", "forbidden", 403],
    ["nobody", "password", "forbidden", 403],
    ["admin", "wrong", "unauthenticated", 401],
    [null, null, "unauthenticated", 401],
  ]) {
    const e = await rejection(client(user, secret).clusterStatus());
    assert.equal(e.kind, kind, `${user}`);
    assert.equal(e.status, code);
    assert.ok(!e.message.includes("wrong-secret-value"));
  }
});

test("tokens: what each account is granted", { skip }, async () => {
  const adminToken = await client("admin").token("registry:catalog:*");
  assert.equal(adminToken.subject, "admin");
  assert.deepEqual(adminToken.grants, [{ type: "registry", name: "catalog", actions: ["*"] }]);
  assert.ok(adminToken.expiresAt > adminToken.issuedAt);
  const devToken = await client("dev", "password").token([`repository:${gun("library/nginx")}:pull,push`, "registry:catalog:*"]);
  assert.deepEqual(devToken.grants, [{ type: "repository", name: gun("library/nginx"), actions: ["pull", "push"] }]);
  const anonymous = await client(null).token("registry:catalog:*");
  assert.equal(anonymous.subject, null);
  assert.deepEqual(anonymous.grants, []);
  const e = await rejection(client("dev", "wrong").token("registry:catalog:*"));
  assert.equal(e.kind, "unauthenticated");
  assert.equal(e.status, 401);
});

test("grants: what may I see", { skip }, async () => {
  const repos = ["library/wordpress", "library/nginx", "engineering/api"];
  const dev = await client("dev").grants(repos);
  assert.equal(dev.globalAuditLog, false);
  assert.deepEqual(dev.repositories.map((r) => [r.repository, r.pull, r.push]), [
    ["library/wordpress", true, false],
    ["library/nginx", true, true],
    ["engineering/api", true, false],
  ]);
  const adminGrants = await client("admin").grants(repos);
  assert.equal(adminGrants.globalAuditLog, true);
  assert.ok(adminGrants.repositories.every((r) => r.pull && r.push));
  const nobody = await client("nobody", "password").grants(repos);
  assert.equal(nobody.signedIn, true);
  assert.ok(!nobody.globalAuditLog && nobody.repositories.every((r) => !r.pull));
});

test("changefeed from the start: every record once, in server order", { skip }, async () => {
  const expected = (await truth()).map((r) => r.id);
  assert.ok(expected.length > 10, "seed the stack: cargo xtask stack seed");
  const ids = await walk(client("admin").changefeed({ pageSize: 7 }));
  assert.deepEqual(ids.slice(0, expected.length), expected);
  assert.equal(new Set(ids).size, ids.length);
  let n = 0;
  for await (const record of client("admin").changefeed({ pageSize: 50 })) {
    assert.equal(record.id, expected[n]);
    if (++n === expected.length) break;
  }
});

test("changefeed newest first, after and before an ID, resume", { skip }, async () => {
  const all = (await truth()).map((r) => r.id);
  const latest = client("admin").changefeed({ from: "latest", pageSize: 5 });
  const newest = (await latest.nextPage()).records.map((r) => r.id);
  assert.deepEqual(newest, all.slice(-5));
  const older = await latest.nextPage();
  assert.equal(older.placement, "prepend");
  assert.deepEqual(older.records.map((r) => r.id), all.slice(-10, -5));

  const pivot = all[Math.floor(all.length / 2)];
  const index = all.indexOf(pivot);
  const after = client("admin").changefeed({ from: { after: pivot }, pageSize: 3 });
  assert.deepEqual((await after.nextPage()).records.map((r) => r.id), all.slice(index + 1, index + 4));
  const before = client("admin").changefeed({ from: { before: pivot }, pageSize: 3 });
  assert.deepEqual((await before.nextPage()).records.map((r) => r.id), all.slice(index - 3, index));

  const resumed = client("admin").changefeed({ resume: after.save(), pageSize: 3 });
  assert.deepEqual((await resumed.nextPage()).records.map((r) => r.id), all.slice(index + 4, index + 7));
});

test("changefeed of one repository with repository access", { skip }, async () => {
  const expected = (await truth(gun("library/wordpress"))).map((r) => r.id);
  assert.ok(expected.length > 0);
  const ids = await walk(client("dev", "password").changefeed({ repository: "library/wordpress", pageSize: 4 }));
  assert.deepEqual(ids.slice(0, expected.length), expected);
});

test("changefeed error kinds: no access, bad credentials", { skip }, async () => {
  assert.equal((await rejection(client("dev").changefeed().nextPage())).kind, "noAccess");
  assert.equal((await rejection(client("nobody", "password").changefeed({ repository: "library/nginx" }).nextPage())).kind, "noAccess");
  assert.equal((await rejection(client(null).changefeed().nextPage())).kind, "noAccess");
  assert.equal((await rejection(client("admin", "wrong").changefeed().nextPage())).kind, "unauthenticated");
});

test("follow picks up newly published records, each once", { skip }, async () => {
  const repo = `npm-test/follow-${randomBytes(4).toString("hex")}`;
  const live = client("admin").follow({ repository: repo, from: "start", pollIntervalMs: 100, pageSize: 50 });
  const first = live.nextPage();
  insertRecords(gun(repo), 3);
  const page = await first;
  assert.equal(page.records.length, 3);
  assert.ok(page.records.every((r) => r.gun === gun(repo)));
  insertRecords(gun(repo), 2);
  const second = await live.nextPage();
  assert.equal(second.records.length, 2);
  const expected = (await truth(gun(repo))).map((r) => r.id);
  assert.deepEqual([...page.records, ...second.records].map((r) => r.id), expected);
  const waiting = live.nextPage();
  live.close();
  assert.equal(await waiting, null);
});

test("follow delivers a record that became visible late, once, flagged late", { skip }, async () => {
  // Two overlapping transactions on notary's PostgreSQL (msr-sim /late/begin): A takes an id
  // and stays open while B commits a larger one; the follower reads B's record, then A
  // commits behind its cursor. The overlap window re-reads it: one page, `late: true`.
  const repo = `npm-test/late-${randomBytes(4).toString("hex")}`;
  const g = gun(repo);
  const live = client("admin").follow({ repository: repo, from: "start", pollIntervalMs: 100, pageSize: 50 });
  try {
    const first = live.nextPage();
    insertRecords(g, 2);
    const page = await first;
    assert.equal(page.records.length, 2);
    assert.equal(page.late, false);
    const begun = await admin("POST", "/late/begin", {
      held: { gun: g, version: 10 },
      committed: [{ gun: g, version: 11 }],
    });
    const onTime = await live.nextPage();
    assert.deepEqual(onTime.records.map((r) => r.id), [begun.committed[0].id]);
    assert.equal(onTime.late, false);
    assert.equal(onTime.records[0].late, undefined);
    await admin("POST", "/late/commit", { handle: begun.handle });
    const late = await live.nextPage();
    assert.equal(late.late, true);
    assert.equal(late.placement, "append");
    assert.deepEqual(late.records.map((r) => r.id), [begun.held.id]);
    assert.equal(late.records[0].late, true);
    assert.equal(late.records[0].version, 10);
    const all = [...page.records, ...onTime.records, ...late.records].map((r) => r.id);
    assert.deepEqual([...all].sort(), (await truth(g)).map((r) => r.id).sort(), "every record once");
    assert.equal(live.progress().lateRecords, 1);
  } finally {
    live.close();
  }
});
