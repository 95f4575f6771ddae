// Bench of the trust audit explorer against a stand-in loaded with many records
// (e.g. `MSR_LENS_PORT_BASE=38443 cargo xtask stack up && ... stack load 100000`):
//   backfillViewMs   "Load everything" in the view until every record is loaded
//   backfillCurlMs   the same pages (1000 records each) fetched by a curl loop (baseline)
//   backfillPackageMs  the npm package alone in the same browser: a page of MSR's origin
//                    (/lens/, the stand-in's nginx) reads every record with
//                    changefeed({ from: "start", pageSize: 1000 }) (baseline: the view's
//                    overhead is viewOverPackage = backfillViewMs / backfillPackageMs)
//   heapMb           JS heap + wasm memory with every record loaded (budget <= 60)
//   frameP95Ms       p95 frame time while scrolling through all of them in 300 frames
//                    (budget <= 16); frameP95ScreenStepMs: one screenful per frame
//   scrollHandlerP50Ms/P95Ms  the view's own work per scroll step (no raster)
//   filterMs/searchMs  input -> list re-rendered, median (budget <= 50); selectMs: the Rust
//                    filter alone
//   exportCsvMs/exportJsonMs  click -> Blob ready
// Usage: MSR_LENS_STACK_JSON=<stack.json> node tests/e2e/bench-audit.mjs   prints one JSON object
// and writes <out>/audit.json and audit.md (out: $MSR_LENS_BENCH_OUT or <repo>/bench-results).
// The package figure needs dist/npm/msr-lens (scripts/npm-build.sh); without it it is null.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, configure, launch, loadStack } from './lib.mjs';

const stack = loadStack();
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

function curlLoop() {
  const { password } = stack.users.admin;
  const script = `
set -euo pipefail
o='${stack.origin}'; ca='${stack.ca_file}'
t=$(curl -sf --cacert "$ca" -u 'admin:${password}' "$o/auth/token?service=${stack.service}&scope=registry:catalog:*" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
id=0; n=0
while :; do
  body=$(curl -sf --cacert "$ca" -H "Authorization: Bearer $t" "$o/v2/_trust/changefeed?change_id=$id&records=1000")
  read -r c last < <(printf '%s' "$body" | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d.get("records") or []; print(len(r), r[-1]["ID"] if r else "-")')
  n=$((n+c)); [ "$c" -lt 1000 ] && break; id=$last
done
echo $n`;
  const t0 = performance.now();
  const n = Number(execFileSync('bash', ['-c', script]).toString().trim());
  return { ms: Math.round(performance.now() - t0), records: n };
}

// The npm package alone, in a page of MSR's origin in the same browser: every record from
// the start, pages of 1000, as the view reads them. null when /lens/pkg/ is not served.
async function packageBackfill(ctx) {
  const page = await ctx.newPage();
  try {
    // A quiet page of MSR's origin (no element polling meanwhile).
    const answer = await page.goto(`${stack.origin}/lens/pkg/package.json`);
    if (!answer?.ok()) return null;
    return await page.evaluate(async ([username, secret]) => {
      const lens = await import('/lens/pkg/msr_lens.js');
      await lens.default();
      const client = new lens.MsrClient({ baseUrl: location.origin, username, secret });
      const t0 = performance.now();
      const feed = client.changefeed({ from: 'start', pageSize: 1000 });
      let records = 0;
      let pages = 0;
      for (let p = await feed.nextPage(); p; p = await feed.nextPage()) {
        records += p.records.length;
        pages += 1;
      }
      const ms = Math.round(performance.now() - t0);
      feed.close();
      client.free();
      return { ms, records, pages };
    }, ['admin', stack.users.admin.token]);
  } finally {
    await page.close();
  }
}

const env = await launch(stack, { viewport: { width: 1200, height: 900 } });
const out = {};
try {
  const options = await env.ctx.newPage();
  await configure(options, env.url, stack, { name: 'bench', replicas: false });
  await options.close();
  const page = await env.ctx.newPage();
  await page.goto(env.url('audit.html'));
  await page.locator('[data-testid=audit] tbody tr').first().waitFor({ timeout: 30000 });
  const t0 = Date.now();
  await page.getByRole('button', { name: /oad(ing)? everything/ }).click();
  await page.getByTestId('complete').waitFor({ timeout: 600000 });
  out.backfillViewMs = Date.now() - t0;
  out.records = Number(await page.getByTestId('counts').getAttribute('data-total'));
  const curl = curlLoop();
  out.backfillCurlMs = curl.ms;
  out.curlRecords = curl.records;
  const pkg = await packageBackfill(env.ctx);
  out.backfillPackageMs = pkg?.ms ?? null;
  out.packageRecords = pkg?.records ?? null;
  out.packagePages = pkg?.pages ?? null;
  out.viewOverPackage = pkg ? +(out.backfillViewMs / pkg.ms).toFixed(2) : null;

  // Heap: JS heap (after GC) + the wasm linear memory that holds the records.
  const cdp = await env.ctx.newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const wasmBytes = await page.evaluate(() => globalThis.__msrLensWasmMemory.buffer.byteLength);
  out.jsHeapMb = +(usedSize / 2 ** 20).toFixed(1);
  out.wasmMemoryMb = +(wasmBytes / 2 ** 20).toFixed(1);
  out.heapMb = +(out.jsHeapMb + out.wasmMemoryMb).toFixed(1);

  // Frame times while scrolling: 300 frames from the top to the bottom (~330 rows per
  // frame: every frame replaces all rows), and 300 frames one screenful per frame (a fling).
  const scroll = (mode) => page.getByTestId('scroller').evaluate(async (el, m) => {
    el.scrollTop = m === 'screen' ? el.scrollHeight / 3 : 0;
    await new Promise((r) => requestAnimationFrame(r));
    const times = [];
    const steps = 300;
    const step = m === 'screen' ? el.clientHeight : (el.scrollHeight - el.clientHeight) / steps;
    let last = performance.now();
    for (let i = 1; i <= steps; i += 1) {
      el.scrollTop += step;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    return times;
  }, mode);
  const frames = await scroll('all');
  out.frameP95Ms = +pct(frames, 0.95).toFixed(1);
  out.frameMedianMs = +median(frames).toFixed(1);
  const fling = await scroll('screen');
  out.frameP95ScreenStepMs = +pct(fling, 0.95).toFixed(1);
  out.frameMedianScreenStepMs = +median(fling).toFixed(1);

  // The view's own work per scroll step (handler + painting the rows), without raster.
  const handler = await page.getByTestId('scroller').evaluate(async (el) => {
    el.scrollTop = 0;
    const times = [];
    for (let i = 1; i <= 200; i += 1) {
      const t = performance.now();
      el.scrollTop += el.clientHeight;
      el.dispatchEvent(new Event('scroll'));
      times.push(performance.now() - t);
      await new Promise((r) => requestAnimationFrame(r));
    }
    return times;
  });
  out.scrollHandlerP50Ms = +median(handler).toFixed(2);
  out.scrollHandlerP95Ms = +pct(handler, 0.95).toFixed(2);

  // Filter / search latency: input event -> next frame with the new list.
  const latency = async (selector, value) => page.evaluate(async ([sel, v]) => {
    const input = document.querySelector(sel);
    const t = performance.now();
    input.value = v;
    input.dispatchEvent(new InputEvent('input', { bubbles: true }));
    await new Promise((r) => requestAnimationFrame(r));
    return performance.now() - t;
  }, [selector, value]);
  const filter = [];
  const search = [];
  const select = [];
  for (let i = 0; i < 5; i += 1) {
    filter.push(await latency('#f-prefix', 'library/'));
    select.push(Number(await page.getByTestId('counts').getAttribute('data-filter-ms')));
    filter.push(await latency('#f-prefix', ''));
    search.push(await latency('#f-q', `bench-${i}`));
    select.push(Number(await page.getByTestId('counts').getAttribute('data-filter-ms')));
    search.push(await latency('#f-q', ''));
  }
  out.filterMs = +median(filter).toFixed(1);
  out.searchMs = +median(search).toFixed(1);
  out.selectMs = +median(select).toFixed(1);

  for (const kind of ['CSV', 'JSON']) {
    await page.evaluate(() => { window.__msrLensExport = undefined; });
    const t = Date.now();
    await page.getByRole('button', { name: `Export ${kind}` }).click();
    await page.waitForFunction(() => window.__msrLensExport !== undefined, null, { timeout: 120000 });
    out[`export${kind[0]}${kind.slice(1).toLowerCase()}Ms`] = Date.now() - t;
    out[`export${kind[0]}${kind.slice(1).toLowerCase()}Bytes`] = await page.evaluate(() => window.__msrLensExport.size);
  }
  out.budgets = { heapMb: out.heapMb <= 60, frameP95Ms: out.frameP95Ms <= 16, filterMs: out.filterMs <= 50, searchMs: out.searchMs <= 50 };
} finally {
  await env.close();
}
console.log(JSON.stringify(out, null, 2));
const OUT = process.env.MSR_LENS_BENCH_OUT ?? path.join(ROOT, 'bench-results');
mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, 'audit.json'), JSON.stringify({ date: new Date().toISOString(), ...out }, null, 2) + '\n');
const md = [
  `# Trust audit explorer with ${out.records} records (${new Date().toISOString()})`,
  '',
  '| figure | value | baseline (same run) | budget |',
  '| --- | --- | --- | --- |',
  `| full backfill through the view | ${out.backfillViewMs} ms | npm package alone ${out.backfillPackageMs ?? '—'} ms (${out.packageRecords ?? '—'} records, ${out.viewOverPackage ?? '—'}×); curl loop ${out.backfillCurlMs} ms (${out.curlRecords} records) | — |`,
  `| heap with every record loaded | ${out.heapMb} MB (JS ${out.jsHeapMb}, wasm ${out.wasmMemoryMb}) | — | ≤ 60 MB |`,
  `| p95 frame time scrolling through all | ${out.frameP95Ms} ms (one screen per frame: ${out.frameP95ScreenStepMs} ms) | — | ≤ 16 ms |`,
  `| filter / search latency (median) | ${out.filterMs} / ${out.searchMs} ms | Rust filter alone ${out.selectMs} ms | ≤ 50 ms |`,
  `| export CSV / JSON | ${out.exportCsvMs} / ${out.exportJsonMs} ms | — | — |`,
  '',
].join('\n');
writeFileSync(path.join(OUT, 'audit.md'), md);
