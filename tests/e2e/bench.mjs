// Bench: popup open -> health rendered (median of 20, headless Chromium, against the
// stand-in), and the size of the UI .wasm (raw and gzip -9): `uiWasm*` is the popup's
// module (what opening the popup loads); `wasmModules` lists the two UI modules and the
// background worker's engine (the msr-lens npm package's .wasm, `msr-lens`).
// Usage: node tests/e2e/bench.mjs [runs]      prints one JSON object
// Two times per open, both from the page's navigation start (performance.now()):
//   popupCachedHealthMedianMs: the last known verdict is on screen (from chrome.storage; the popup's
//             first paint with health),
//   popupFreshHealthMedianMs: the health of a fresh check (pings, nginx, cluster_status) is rendered,
//   popupFullCheckMedianMs: the trust events of that check (token flow + changefeed) are rendered too,
//   popupCachedToFreshMedianMs: fresh minus cached, per open.
// `cargo xtask bench` runs the stand-in's release build (crates/xtask stack::SimProfile).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { EXT_DIR, configure, launch, loadStack } from './lib.mjs';

const runs = Number(process.argv[2] || 20);
const stack = loadStack();
const wasm = readFileSync(path.join(EXT_DIR, 'pkg/popup/msr_lens_ui_bg.wasm'));
const sizes = Object.fromEntries(['popup', 'pages', 'msr-lens'].map((m) => {
  const bytes = readFileSync(path.join(EXT_DIR, m === 'msr-lens' ? 'pkg/msr-lens/msr_lens_bg.wasm' : `pkg/${m}/msr_lens_ui_bg.wasm`));
  return [m, { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }];
}));
const env = await launch(stack);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
try {
  const options = await env.ctx.newPage();
  await configure(options, env.url, stack, { name: 'bench' });
  await options.close();
  const cached = [];
  const fresh = [];
  const full = [];
  for (let i = 0; i < runs + 1; i += 1) {
    const page = await env.ctx.newPage();
    await page.addInitScript(() => {
      const marks = {};
      window.__marks = marks;
      new MutationObserver(() => {
        if (!marks.cached && document.querySelector('[data-verdict]')) marks.cached = performance.now();
        if (!marks.fresh && document.querySelector('[data-fresh="true"]')) marks.fresh = performance.now();
        if (marks.fresh && !marks.full && document.querySelector('.verdict .refresh:not([disabled])')) marks.full = performance.now();
      }).observe(document, { subtree: true, childList: true, attributes: true });
    });
    await page.goto(env.url('popup.html'));
    await page.waitForFunction(() => window.__marks && window.__marks.full, null, { timeout: 20000 });
    const marks = await page.evaluate(() => window.__marks);
    if (i > 0) { cached.push(marks.cached); fresh.push(marks.fresh); full.push(marks.full); } // first open warms the cache
    await page.close();
  }
  const result = {
    runs,
    popupCachedHealthMedianMs: Math.round(median(cached) * 10) / 10,
    popupFreshHealthMedianMs: Math.round(median(fresh) * 10) / 10,
    popupFullCheckMedianMs: Math.round(median(full) * 10) / 10,
    // From the cached paint to the fresh one: the worker's check and the re-render,
    // without the page's start-up (which varies most between runs on a shared machine).
    popupCachedToFreshMedianMs: Math.round(median(fresh.map((f, i) => f - cached[i])) * 10) / 10,
    budgetMs: 150,
    uiWasmRawBytes: wasm.length,
    uiWasmGzipBytes: gzipSync(wasm, { level: 9 }).length,
    budgetGzipBytes: 250 * 1024,
    wasmModules: sizes,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await env.close();
}
