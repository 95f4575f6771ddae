// The Firefox variant as built (msr-lens-firefox.zip next to the Chromium build that
// run.mjs made): its manifest, that every file the manifest, the HTML shells and the
// JS modules reference is in the zip, and `web-ext lint` (Mozilla's addons-linter).
//
// The add-on running in a real Firefox is tested in tests/e2e/firefox/.
//
// Firefox runs the same background.js as an event page: `background.scripts` with
// `"type": "module"` (Firefox >= 112 per MDN's browser-compat-data,
// webextensions/manifest/background.json `type`), not `service_worker` (Firefox has
// none: `service_worker` is `version_added: false` there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { EXT_DIR, ROOT } from '../lib.mjs';

const DIST = path.dirname(EXT_DIR);
const ZIP = path.join(DIST, 'msr-lens-firefox.zip');
const WEB_EXT = path.join(ROOT, 'tests/e2e/node_modules/.bin/web-ext');

// A small zip reader (central directory, stored or deflated entries): name -> Buffer.
function readZip(file) {
  const buf = readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd -= 1;
  assert.ok(eocd >= 0, `${file} is not a zip`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let i = 0; i < count; i += 1) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, 'bad central directory entry');
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataAt, dataAt + size);
    assert.ok(method === 0 || method === 8, `${name}: compression method ${method}`);
    if (!name.endsWith('/')) entries.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

const hasBuild = existsSync(ZIP) && existsSync(path.join(EXT_DIR, 'manifest.json'));
const zip = hasBuild ? readZip(ZIP) : new Map();
const manifest = hasBuild ? JSON.parse(zip.get('manifest.json').toString('utf8')) : {};
const chromeManifest = hasBuild ? JSON.parse(readFileSync(path.join(EXT_DIR, 'manifest.json'), 'utf8')) : {};

test('the Firefox build exists', () => {
  assert.ok(hasBuild, `no build at ${DIST} (node tests/e2e/run.mjs or scripts/extension-build.sh makes it)`);
});

test('manifest: an event-page background module, a gecko id, the same permissions and CSP', { skip: !hasBuild }, () => {
  assert.deepEqual(manifest.background, { scripts: ['background.js'], type: 'module' });
  assert.equal(manifest.background.service_worker, undefined);
  assert.equal(manifest.minimum_chrome_version, undefined);
  const gecko = manifest.browser_specific_settings && manifest.browser_specific_settings.gecko;
  assert.match(gecko.id, /^[\w.-]+@[\w.-]+$/);
  // type: module needs Firefox 112, chrome.storage.session 115, data_collection_permissions 140.
  assert.ok(Number.parseFloat(gecko.strict_min_version) >= 140, gecko.strict_min_version);
  assert.deepEqual(gecko.data_collection_permissions, { required: ['none'] });
  for (const key of ['manifest_version', 'name', 'version', 'permissions', 'optional_host_permissions',
    'content_security_policy', 'action', 'options_page', 'icons']) {
    assert.deepEqual(manifest[key], chromeManifest[key], key);
  }
  // Pre-granted hosts (test builds) lose their port: Firefox's match patterns have none.
  const portless = (patterns) => patterns && [...new Set(patterns.map((p) => p.replace(/^([a-z*]+:\/\/(?:\[[^\]]*\]|[^/:]*)):\d+\//, '$1/')))];
  assert.deepEqual(manifest.host_permissions, portless(chromeManifest.host_permissions));
  assert.ok(!(manifest.host_permissions || []).some((p) => /^[a-z*]+:\/\/[^/]*:\d+\//.test(p)), 'a host pattern with a port');
  assert.equal(manifest.content_security_policy.extension_pages, "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'");
  assert.ok(!JSON.stringify(manifest).includes('<all_urls>'));
  assert.deepEqual(chromeManifest.background, { service_worker: 'background.js', type: 'module' });
});

// Every file reachable from the manifest: HTML shells -> scripts and styles, JS modules
// -> static imports and `new URL('...', import.meta.url)` assets.
function references(name, bytes) {
  const text = bytes.toString('utf8');
  const dir = path.posix.dirname(name);
  const out = []; // [reference, whether it is a module specifier]
  if (name.endsWith('.html')) {
    for (const m of text.matchAll(/<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"/g)) out.push([m[1], false]);
  } else if (name.endsWith('.js')) {
    for (const m of text.matchAll(/(?:^|[;\s])(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]/g)) out.push([m[1], true]);
    for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push([m[1], true]);
    for (const m of text.matchAll(/new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)) out.push([m[1], false]);
  }
  return out.map(([ref, specifier]) => {
    assert.ok(!/^[a-z][a-z0-9+.-]*:|^\/\//i.test(ref), `${name}: non-local reference ${ref}`);
    // A bare module specifier ("msr-lens") needs a bundler or an import map: not here.
    assert.ok(!specifier || /^\.{1,2}\//.test(ref), `${name}: bare module specifier ${ref}`);
    return path.posix.normalize(path.posix.join(dir, ref));
  });
}

test('every file the manifest, the HTML shells and the modules reference is in the zip', { skip: !hasBuild }, () => {
  const roots = [
    ...manifest.background.scripts,
    manifest.action.default_popup,
    manifest.options_page,
    'audit.html',
    ...Object.values(manifest.icons),
    ...Object.values(manifest.action.default_icon),
  ];
  const seen = new Set();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.shift();
    if (seen.has(name)) continue;
    seen.add(name);
    assert.ok(zip.has(name), `${name} is referenced but not in the zip`);
    queue.push(...references(name, zip.get(name)));
  }
  // The background worker runs the msr-lens package; the UI's old worker module is gone.
  for (const needed of ['check.js', 'snapshot.js', 'pkg/msr-lens/msr_lens.js', 'pkg/msr-lens/msr_lens_bg.wasm',
    'pkg/popup/msr_lens_ui_bg.wasm', 'pkg/pages/msr_lens_ui_bg.wasm']) {
    assert.ok(seen.has(needed), `${needed} is not reached from the manifest`);
  }
  assert.ok(![...zip.keys()].some((n) => n.startsWith('pkg/worker/')), 'a pkg/worker module is still shipped');
  assert.ok(seen.size >= 15, `only ${seen.size} files reached`);
});

test('web-ext lint: no errors; only the known warnings', { skip: !hasBuild }, (t) => {
  if (!existsSync(WEB_EXT)) {
    t.skip(`web-ext is not installed (tests/e2e devDependency): run \`npm ci\` in tests/e2e`);
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'msr-lens-firefox-'));
  try {
    for (const [name, bytes] of zip) {
      mkdirSync(path.join(dir, path.dirname(name)), { recursive: true });
      writeFileSync(path.join(dir, name), bytes);
    }
    let out;
    try {
      out = execFileSync(WEB_EXT, ['lint', '--source-dir', dir, '--output', 'json', '--no-config-discovery'], { encoding: 'utf8' });
    } catch (e) {
      out = e.stdout; // exits non-zero on errors; the JSON says which
    }
    const report = JSON.parse(out);
    assert.deepEqual(report.errors.map((e) => `${e.code} ${e.file}: ${e.message}`), []);
    // wasm-bindgen's glue of web-sys's Element.innerHTML setter, which Yew's raw-HTML
    // node imports; MSR Lens never renders server text as HTML (popup.test.mjs checks
    // markup in server strings stays text).
    const known = (w) => w.code === 'UNSAFE_VAR_ASSIGNMENT' && /^pkg\/(popup|pages)\/msr_lens_ui\.js$/.test(w.file);
    assert.deepEqual(report.warnings.filter((w) => !known(w)).map((w) => `${w.code} ${w.file}: ${w.message}`), []);
    assert.deepEqual(report.notices.map((n) => `${n.code} ${n.file}: ${n.message}`), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
