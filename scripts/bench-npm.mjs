#!/usr/bin/env node
// Benchmarks of the msr-lens npm package, each figure side by side with its baseline in
// the same run:
//   (a) size of the package's .wasm, raw and gzip -9              budget: <= 140 KB gzip
//   (b) parsing one 1000-record changefeed page: parseChangefeedPage(bytes) in the
//       package vs JSON.parse of the same bytes (decoded) in this process
//                                                     budget: >= 0.8x JSON.parse throughput
//   (c) a full backfill of 10 000 records from the stack through the package vs a
//       curl loop paging the same feed                budget: no slower than the curl loop
// Writes <out>/npm.json and <out>/npm.md (out: $MSR_LENS_BENCH_OUT or <repo>/bench-results).
//
//   node scripts/bench-npm.mjs [--strict] [--runs N]
//
// Needs the built package (scripts/npm-build.sh). (b) and (c) use the stack
// (.stack/stack.json or $MSR_LENS_STACK_DIR): the bench adds 10 000 records to the GUN
// <registry>/bench/npm-10k once (straight into notary's table, like `cargo xtask stack
// load`). Without the stack (b) parses a synthetic page and (c) is skipped. Node.js must
// trust the stack's CA: NODE_EXTRA_CA_CERTS (set automatically by re-running itself).

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import v8 from "node:v8";
import vm from "node:vm";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";

const ROOT = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const PKG = join(process.env.MSR_LENS_NPM_DIST ?? join(ROOT, "dist", "npm"), "msr-lens");
const OUT = process.env.MSR_LENS_BENCH_OUT ?? join(ROOT, "bench-results");
const STACK_DIR = process.env.MSR_LENS_STACK_DIR ?? join(ROOT, ".stack");
const STRICT = process.argv.includes("--strict");
const RUNS = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 5;
const BENCH_REPO = "bench/npm-10k";
const BACKFILL_RECORDS = 10_000;
const PAGE = 1000;

const stack = existsSync(join(STACK_DIR, "stack.json"))
  ? JSON.parse(readFileSync(join(STACK_DIR, "stack.json"), "utf8"))
  : null;

// Node reads NODE_EXTRA_CA_CERTS only at start-up: re-run with it when the stack needs it.
if (stack && process.env.NODE_EXTRA_CA_CERTS !== stack.ca_file) {
  const again = spawnSync(process.execPath, process.argv.slice(1), {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: stack.ca_file },
  });
  process.exit(again.status ?? 1);
}

if (!existsSync(join(PKG, "msr_lens_node.js"))) {
  console.error(`bench-npm: no package in ${PKG}: run scripts/npm-build.sh first`);
  process.exit(1);
}
const lens = await import(pathToFileURL(join(PKG, "msr_lens_node.js")).href);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, digits = 2) => Number(x.toFixed(digits));

// (a) size -----------------------------------------------------------------------------
const wasmPath = join(PKG, "msr_lens_bg.wasm");
const raw = readFileSync(wasmPath).length;
const gzip = execFileSync("gzip", ["-9", "-c", wasmPath]).length;
const size = { file: "msr_lens_bg.wasm", rawBytes: raw, gzipBytes: gzip, budgetGzipBytes: 140 * 1024 };
size.withinBudget = gzip <= size.budgetGzipBytes;
console.log(`(a) .wasm ${raw} bytes raw, ${gzip} bytes gzip -9 (budget ${size.budgetGzipBytes})`);

// Stack helpers -----------------------------------------------------------------------
const gun = stack ? `${stack.registry_host}/${BENCH_REPO}` : null;
async function truthCount() {
  const r = await fetch(`${stack.sim_admin}/truth/changefeed?gun=${encodeURIComponent(gun)}`);
  return (await r.json()).count;
}
function insert(n) {
  const pg = stack.postgres;
  const sql =
    "INSERT INTO changefeed (created_at, gun, version, sha256, category) " +
    `SELECT now() at time zone 'utc' - interval '1 day', '${gun}', g, md5(g::text) || md5((g * 7)::text), 'update' ` +
    `FROM generate_series(1, ${n}) AS g;`;
  execFileSync("psql", ["-q", "-v", "ON_ERROR_STOP=1", "-h", pg.host, "-p", String(pg.port), "-U", pg.user, "-d", pg.dbname, "-c", sql]);
}
async function adminToken() {
  const msr = new lens.MsrClient({ baseUrl: stack.origin, username: "admin", secret: stack.users.admin.token });
  return (await msr.token(`repository:${gun}:pull`)).token;
}
const feedPath = () =>
  `/v2/${gun.split("/").map(encodeURIComponent).join("/")}/_trust/changefeed`;

let backfillReady = false;
if (stack) {
  const have = await truthCount();
  if (have === 0) {
    console.log(`bench: adding ${BACKFILL_RECORDS} records to ${gun}`);
    insert(BACKFILL_RECORDS);
  }
  backfillReady = (await truthCount()) === BACKFILL_RECORDS;
  if (!backfillReady) console.log(`bench: ${gun} has ${await truthCount()} records, not ${BACKFILL_RECORDS}: (c) skipped`);
}

// (b) parsing ------------------------------------------------------------------------
let pageBytes;
let pageSource;
if (stack) {
  const token = await adminToken();
  const r = await fetch(`${stack.origin}${feedPath()}?change_id=0&records=${PAGE}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  pageBytes = new Uint8Array(await r.arrayBuffer());
  pageSource = `the stack (${gun}, change_id=0&records=${PAGE})`;
} else {
  const records = Array.from({ length: PAGE }, (_, i) => ({
    ID: String(i + 1),
    CreatedAt: new Date(Date.UTC(2026, 10, 26) + i * 1000).toISOString().replace("Z", "123456Z"),
    GUN: `msr.example.org/bench/npm-${i % 10}`,
    Version: i + 1,
    SHA256: (i * 2654435761).toString(16).padStart(64, "0"),
    Category: "update",
  }));
  pageBytes = new TextEncoder().encode(JSON.stringify({ count: PAGE, records }));
  pageSource = "a synthetic page (no stack)";
}
const decoder = new TextDecoder();
const viaJson = () => JSON.parse(decoder.decode(pageBytes)).records;
const viaWasm = () => lens.parseChangefeedPage(pageBytes);
if (viaWasm().length !== viaJson().length) throw new Error("the two parsers disagree on the record count");

function timePerCall(fn, minMillis = 200) {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < minMillis) {
    fn();
    n++;
    now = performance.now();
  }
  return (now - start) / n;
}
for (let i = 0; i < 50; i++) {
  viaJson();
  viaWasm();
}
// Each timing window starts after a full garbage collection, so neither side pays for
// the other's garbage (both allocate ~1000 objects per call); rounds alternate which side
// goes first. The ratio is the median over rounds of the two throughputs.
v8.setFlagsFromString("--expose-gc");
const fullGc = vm.runInNewContext("gc");
const timed = (fn) => {
  fullGc();
  return timePerCall(fn);
};
const jsonTimes = [];
const wasmTimes = [];
const jsonOnlyTimes = [];
const text = decoder.decode(pageBytes);
for (let round = 0; round < 11; round++) {
  if (round % 2 === 0) {
    jsonTimes.push(timed(viaJson));
    wasmTimes.push(timed(viaWasm));
  } else {
    wasmTimes.push(timed(viaWasm));
    jsonTimes.push(timed(viaJson));
  }
  jsonOnlyTimes.push(timed(() => JSON.parse(text)));
}
const mb = pageBytes.length / 1e6;
const parse = {
  page: pageSource,
  records: viaJson().length,
  bytes: pageBytes.length,
  wasmMillis: round(median(wasmTimes), 4),
  jsonParseMillis: round(median(jsonTimes), 4),
  jsonParseStringOnlyMillis: round(median(jsonOnlyTimes), 4),
};
parse.wasmMBps = round(mb / (parse.wasmMillis / 1000), 1);
parse.jsonParseMBps = round(mb / (parse.jsonParseMillis / 1000), 1);
parse.ratio = round(parse.wasmMBps / parse.jsonParseMBps, 3);
// The spread: each round's own ratio (JSON.parse time / package time), lowest and highest.
const roundRatios = wasmTimes.map((w, i) => jsonTimes[i] / w);
parse.rounds = roundRatios.length;
parse.ratioSpread = [round(Math.min(...roundRatios), 3), round(Math.max(...roundRatios), 3)];
parse.budgetRatio = 0.8;
parse.withinBudget = parse.ratio >= parse.budgetRatio;
console.log(
  `(b) ${parse.records}-record page, ${parse.bytes} bytes: wasm ${parse.wasmMBps} MB/s, ` +
    `JSON.parse ${parse.jsonParseMBps} MB/s, ratio ${parse.ratio} (median of ${parse.rounds} rounds, ` +
    `spread ${parse.ratioSpread[0]}–${parse.ratioSpread[1]}; budget >= 0.8)`,
);

// (c) backfill -----------------------------------------------------------------------
let backfill = null;
if (backfillReady) {
  const viaPackage = async () => {
    const msr = new lens.MsrClient({ baseUrl: stack.origin, username: "admin", secret: stack.users.admin.token, timeoutMs: 60_000 });
    const start = performance.now();
    const feed = msr.changefeed({ repository: BENCH_REPO, pageSize: PAGE });
    let n = 0;
    for (let page = await feed.nextPage(); page; page = await feed.nextPage()) n += page.records.length;
    const millis = performance.now() - start;
    msr.free();
    if (n !== BACKFILL_RECORDS) throw new Error(`package backfill read ${n} records`);
    return millis;
  };
  const curlScript = `
set -euo pipefail
TOKEN=$(curl -sf --cacert "$CA" -u "admin:$SECRET" "$ORIGIN/auth/token?service=dtr&scope=repository:$GUN:pull" | jq -r .token)
ID=0; TOTAL=0
while :; do
  BODY=$(curl -sf --cacert "$CA" -H "Authorization: Bearer $TOKEN" "$ORIGIN$FEED?change_id=$ID&records=$PAGE")
  read -r COUNT LAST < <(jq -r '[.count, (.records // [] | last | .ID // "")] | @tsv' <<<"$BODY")
  TOTAL=$((TOTAL + COUNT))
  [ "$COUNT" -lt "$PAGE" ] && break
  ID=$LAST
done
echo "$TOTAL"`;
  const viaCurl = () => {
    const start = performance.now();
    const out = execFileSync("bash", ["-c", curlScript], {
      encoding: "utf8",
      env: { ...process.env, CA: stack.ca_file, SECRET: stack.users.admin.token, ORIGIN: stack.origin, GUN: gun, FEED: feedPath(), PAGE: String(PAGE) },
    });
    const millis = performance.now() - start;
    if (Number(out.trim()) !== BACKFILL_RECORDS) throw new Error(`curl backfill read ${out.trim()} records`);
    return millis;
  };
  await viaPackage();
  viaCurl();
  const pkgTimes = [];
  const curlTimes = [];
  for (let i = 0; i < RUNS; i++) {
    pkgTimes.push(await viaPackage());
    curlTimes.push(viaCurl());
  }
  backfill = {
    feed: gun,
    records: BACKFILL_RECORDS,
    pageSize: PAGE,
    runs: RUNS,
    packageMillis: round(median(pkgTimes), 1),
    curlLoopMillis: round(median(curlTimes), 1),
    note: "package: Node.js fetch, one kept-alive connection; curl loop: one curl process (and TLS connection) per page, jq reads the cursor; both fetch their token first",
  };
  backfill.ratio = round(backfill.packageMillis / backfill.curlLoopMillis, 3);
  backfill.withinBudget = backfill.ratio <= 1;
  console.log(
    `(c) backfill ${BACKFILL_RECORDS} records, pages of ${PAGE}: package ${backfill.packageMillis} ms, ` +
      `curl loop ${backfill.curlLoopMillis} ms (ratio ${backfill.ratio}, budget <= 1)`,
  );
}

// Output -------------------------------------------------------------------------------
const buildInfoPath = join(PKG, "..", "build-info.json");
const build = existsSync(buildInfoPath) ? JSON.parse(readFileSync(buildInfoPath, "utf8")) : null;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  package: JSON.parse(readFileSync(join(PKG, "package.json"), "utf8")).version,
  build,
  size,
  parse,
  backfill,
};
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, "npm.json"), JSON.stringify(result, null, 2) + "\n");
const yes = (ok) => (ok ? "yes" : "**no**");
const md = [
  `# msr-lens npm package benchmarks (${result.date}, Node.js ${result.node})`,
  "",
  "| figure | msr-lens | baseline | ratio | budget | holds |",
  "| --- | --- | --- | --- | --- | --- |",
  `| .wasm size | ${raw} B raw, ${gzip} B gzip -9 | — | — | ≤ ${size.budgetGzipBytes} B gzip | ${yes(size.withinBudget)} |`,
  `| parse a ${parse.records}-record page (${parse.bytes} B) | ${parse.wasmMBps} MB/s (${parse.wasmMillis} ms) | JSON.parse ${parse.jsonParseMBps} MB/s (${parse.jsonParseMillis} ms) | ${parse.ratio}× (median of ${parse.rounds} rounds, spread ${parse.ratioSpread[0]}–${parse.ratioSpread[1]}×) | ≥ 0.8× | ${yes(parse.withinBudget)} |`,
  backfill
    ? `| backfill ${backfill.records} records (pages of ${backfill.pageSize}) | ${backfill.packageMillis} ms | curl loop ${backfill.curlLoopMillis} ms | ${backfill.ratio}× | ≤ 1× | ${yes(backfill.withinBudget)} |`
    : "| backfill 10 000 records | skipped (no stack) | | | | |",
  "",
  build ? `Build: ${build.toolchain ?? "stable"} toolchain, cargo profile ${build.cargoProfile}, wasm-opt ${build.wasmOpt}, wasm-bindgen ${build.wasmBindgen}.` : "",
  `Page parsed: ${parse.page}. JSON.parse includes decoding the bytes (TextDecoder); JSON.parse of the ready string alone: ${parse.jsonParseStringOnlyMillis} ms.`,
  backfill ? `Backfill: median of ${backfill.runs} alternating runs; ${backfill.note}.` : "",
  "",
].join("\n");
writeFileSync(join(OUT, "npm.md"), md);
console.log(`bench-npm: wrote ${join(OUT, "npm.json")} and ${join(OUT, "npm.md")}`);
if (STRICT && !(size.withinBudget && parse.withinBudget && (backfill?.withinBudget ?? true))) process.exit(1);
