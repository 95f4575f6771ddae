// The installed package against the fake MSR (npm/test/fake-msr.mjs): no stack needed.
// Also checks that the generated TypeScript declarations describe what the package really
// returns: real results are written into a .ts file as typed constants and type-checked.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { startFakeMsr } from "./fake-msr.mjs";
import { NPM_DIR, TSC, importPackage, installed, readJson } from "./helpers.mjs";

let fake;
let lens;
const seen = {}; // type name -> real values, for the declaration check

before(async () => {
  fake = await startFakeMsr({ replicas: 2 });
  lens = await importPackage();
});
after(() => fake.close());

const admin = () => new lens.MsrClient({ baseUrl: fake.origin, username: "admin", secret: "admin-secret", timeoutMs: 5000 });
const dev = () => new lens.MsrClient({ baseUrl: fake.origin, username: "dev", secret: "dev-secret", timeoutMs: 5000 });
const keep = (type, value) => ((seen[type] ??= []).push(value), value);

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("expected a rejection");
}

test("health, ping, nginx and cluster status", async () => {
  const msr = new lens.MsrClient({
    baseUrl: fake.origin,
    username: "admin",
    secret: "admin-secret",
    replicas: [fake.replicaOrigins[0], { label: "sick", url: fake.replicaOrigins[1] }],
  });
  const first = keep("HealthReport", await msr.health());
  assert.equal(first.verdict, "degraded");
  assert.equal(first.pings.find((p) => p.label === "sick").state, "unhealthy");
  const second = keep("HealthReport", await msr.health());
  assert.equal(typeof second.nginxRates.requestsPerSec, "number");
  keep("PingVerdict", await msr.ping());
  keep("PingVerdict", await new lens.MsrClient({ baseUrl: fake.replicaOrigins[1] }).ping());
  keep("NginxStatus", await msr.nginxStatus());
  const cluster = keep("ClusterStatus", await msr.clusterStatus());
  assert.deepEqual(cluster.replicas.map((r) => r.conditions[0].condition), ["ok", "ok"]);
  const down = keep("HealthReport", await new lens.MsrClient({ baseUrl: "http://127.0.0.1:9", timeoutMs: 2000 }).health());
  assert.equal(down.verdict, "unknown");
  assert.equal(down.pings[0].why, "noAnswer");
});

test("errors are MsrLensErrors with kind and status, without secrets", async () => {
  const e = await rejection(new lens.MsrClient({ baseUrl: fake.origin, username: "admin", secret: "s3cret-value" }).clusterStatus());
  assert.ok(e instanceof Error);
  assert.ok(lens.isMsrLensError(e));
  assert.equal(e.name, "MsrLensError");
  assert.equal(e.kind, "unauthenticated");
  assert.equal(e.status, 401);
  assert.ok(!e.message.includes("s3cret-value"));
  assert.equal((await rejection(dev().clusterStatus())).kind, "forbidden");
  // Without credentials the request goes out with no Authorization header at all.
  const anonymous = await rejection(new lens.MsrClient({ baseUrl: fake.origin }).clusterStatus());
  assert.equal(anonymous.kind, "unauthenticated");
  assert.equal(anonymous.status, 401);
  assert.equal(fake.state.lastAuthorization["/api/v0/meta/cluster_status"], null);
  assert.equal((await rejection(new lens.MsrClient({ baseUrl: "http://127.0.0.1:9" }).ping())).kind, "network");
  assert.equal((await rejection(new lens.MsrClient({ baseUrl: fake.origin }).changefeed({ repository: "x/y" }).nextPage())).kind, "noAccess");
  assert.throws(() => new lens.MsrClient({ baseUrl: fake.origin, password: "x" }), (err) => err.kind === "invalidArgument" && !err.message.includes('"x"'));
  assert.throws(() => admin().changefeed({ from: "middle" }), (err) => err.kind === "invalidArgument");
  assert.equal(lens.isMsrLensError(new Error("x")), false);
});

test("tokens and grants", async () => {
  const token = keep("TokenInfo", await admin().token(["registry:catalog:*"]));
  assert.equal(token.subject, "admin");
  assert.deepEqual(token.grants, [{ type: "registry", name: "catalog", actions: ["*"] }]);
  const grants = keep("GrantsInfo", await dev().grants(["library/app", "library/web"]));
  assert.equal(grants.globalAuditLog, false);
  assert.deepEqual(grants.repositories.map((r) => [r.repository, r.pull, r.push]), [
    ["library/app", true, false],
    ["library/web", false, false],
  ]);
  keep("GrantsInfo", await new lens.MsrClient({ baseUrl: fake.origin }).grants());
  const bad = await rejection(new lens.MsrClient({ baseUrl: fake.origin, username: "dev", secret: "no" }).token("registry:catalog:*"));
  assert.equal(bad.kind, "unauthenticated");
});

test("changefeed: pages, for await, break, save and resume", async () => {
  const feed = admin().changefeed({ pageSize: 100 });
  const page = keep("ChangePage", await feed.nextPage());
  assert.equal(page.records.length, 100);
  assert.deepEqual(page.records.slice(0, 3).map((r) => r.id), ["1", "2", "3"]);
  for (const r of page.records) keep("ChangeRecord", r);
  keep("FeedProgress", feed.progress());
  const resumed = admin().changefeed({ resume: feed.save(), pageSize: 2 });
  assert.deepEqual((await resumed.nextPage()).records.map((r) => r.id), ["101", "102"]);

  const ids = [];
  for await (const record of admin().changefeed({ from: "latest", pageSize: 7 })) {
    ids.push(Number(record.id));
    if (ids.length === 10) break;
  }
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), "newest first");
  assert.equal(ids.length, 10);

  let count = 0;
  for await (const record of dev().changefeed({ repository: "library/app", pageSize: 50 })) {
    assert.ok(record.gun.endsWith("/library/app"));
    count++;
  }
  assert.ok(count >= 83);
  const denied = await rejection(dev().changefeed().nextPage());
  assert.equal(denied.kind, "noAccess");
});

test("follow picks up newly published records and stops on close()", async () => {
  const live = admin().follow({ pageSize: 3, pollIntervalMs: 50 });
  const newest = (await live.nextPage()).records.map((r) => Number(r.id));
  await fetch(`${fake.origin}/test/publish?n=2`);
  const fresh = (await live.nextPage()).records.map((r) => Number(r.id));
  assert.deepEqual(fresh, [newest.at(-1) + 1, newest.at(-1) + 2]);
  const waiting = live.nextPage();
  live.close();
  assert.equal(await waiting, null);
});

test("classifyNetworkError names what a browser's network error string means", () => {
  const untrusted = keep("ClassifiedNetworkError", lens.classifyNetworkError(" net::ERR_CERT_AUTHORITY_INVALID "));
  assert.deepEqual(untrusted, {
    kind: "certificateUntrusted",
    message: "the server's certificate is not signed by an authority this browser trusts",
    error: "net::ERR_CERT_AUTHORITY_INVALID",
    certificate: true,
    connected: true,
    nothingAnswered: false,
  });
  const cases = [
    ["net::ERR_CONNECTION_REFUSED", "refused"],
    ["NS_ERROR_CONNECTION_REFUSED", "refused"],
    ["net::ERR_NAME_NOT_RESOLVED", "nameNotResolved"],
    ["NS_ERROR_NET_TIMEOUT", "timedOut"],
    ["The certificate is not trusted because it is self-signed.", "certificateUntrusted"],
    ["net::ERR_SSL_PROTOCOL_ERROR", "tlsHandshake"],
    ["net::ERR_FAILED", "other"],
  ];
  for (const [error, kind] of cases) {
    const c = keep("ClassifiedNetworkError", lens.classifyNetworkError(error));
    assert.equal(c.kind, kind, error);
    assert.equal(c.error, error);
  }
  assert.equal(lens.classifyNetworkError("net::ERR_CONNECTION_REFUSED").message,
    "the connection was refused: nothing listens at that address and port");
  assert.equal(lens.classifyNetworkError("net::ERR_CONNECTION_REFUSED").nothingAnswered, true);
  assert.equal(lens.classifyNetworkError("net::ERR_FAILED").message, "the browser reported net::ERR_FAILED");
});

test("parseChangefeedPage reads what notary sends", () => {
  const records = lens.parseChangefeedPage(
    new TextEncoder().encode('{"count":1,"records":[{"ID":"x1","CreatedAt":"bad","GUN":"h/a/b","Version":0,"SHA256":"   ","Category":"deletion"}]}'),
  );
  assert.deepEqual(records, [
    { id: "x1", createdAt: null, createdAtRaw: "bad", gun: "h/a/b", version: 0, sha256: null, category: "deletion" },
  ]);
  for (const r of records) keep("ChangeRecord", r);
  assert.deepEqual(lens.parseChangefeedPage('{"count":0,"records":null}'), []);
  assert.equal((() => { try { lens.parseChangefeedPage("<html>"); } catch (e) { return e.kind; } })(), "badResponse");
});

test("the generated declarations describe the real results", () => {
  const dir = join(installed(), "drift");
  mkdirSync(dir, { recursive: true });
  const names = Object.keys(seen).sort();
  assert.ok(names.length >= 9, `only ${names.join(", ")}`);
  let source = `import type { ${names.join(", ")} } from "msr-lens";\n`;
  names.forEach((name, i) => {
    source += `export const v${i}: ${name}[] = ${JSON.stringify(seen[name], null, 1)};\n`;
  });
  writeFileSync(join(dir, "drift.ts"), source);
  const tsconfig = readJson(join(NPM_DIR, "examples", "tsconfig.json"));
  tsconfig.files = ["drift.ts"];
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
  execFileSync(TSC, ["-p", join(dir, "tsconfig.json")], { stdio: "inherit" });
});

// Last: a panic leaves the module's state undefined (it is a bug), so nothing runs after it.
test("a panic inside the package reaches JavaScript as an Error with its message", () => {
  assert.throws(
    () => lens.__panicForTest("a panic message from the test"),
    (e) => e instanceof Error && e.message.includes("a panic message from the test") && e.message.includes("bug"),
  );
});
