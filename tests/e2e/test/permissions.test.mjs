// The host-permission request of the options page, on a build WITHOUT pre-granted hosts.
//
// Why the grant itself is not automated: in Chromium, chrome.permissions.request() for a
// host that carries a permission warning shows the extension permissions prompt
// (chrome/browser/extensions/api/permissions/permissions_api.cc,
// PermissionsRequestFunction::Run -> ExtensionInstallPrompt::ShowDialog). It is answered
// without a person only through test hooks compiled into C++ browser tests
// (PermissionsRequestFunction::SetAutoConfirmForTests, ScopedTestDialogAutoConfirm in
// extensions/browser/extension_dialog_auto_confirm.h); no command-line switch sets them
// (`--apps-gallery-install-auto-confirm-for-tests` covers Web Store installs only), the
// DevTools protocol has no command for it (Browser.setPermission covers web permissions
// such as notifications; the Extensions domain loads, uninstalls and reads storage), and
// the prompt is browser UI that page input cannot reach. In headless Chromium the
// request therefore stays pending. What the user's answer does is tested here: a refusal
// (the prompt answers `false`, OnInstallPromptDone with USER_CANCELED) is stood in by a
// wrapper that records what was asked and answers `false`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXT_DIR, admin, launch, loadStack, resetSim, storage } from '../lib.mjs';

const stack = loadStack();
let env;
let extDir;

before(async () => {
  // The test build without host_permissions: nothing is pre-granted.
  extDir = path.join(mkdtempSync(path.join(tmpdir(), 'msr-lens-nogrant-')), 'chrome');
  cpSync(EXT_DIR, extDir, { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(extDir, 'manifest.json'), 'utf8'));
  delete manifest.host_permissions;
  writeFileSync(path.join(extDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  await resetSim(stack);
  env = await launch(stack, { extDir });
});
after(async () => {
  await env?.close();
  if (extDir) rmSync(path.dirname(extDir), { recursive: true, force: true });
});

test('the build grants no host at install', async () => {
  const all = await env.sw.evaluate(() => chrome.permissions.getAll());
  assert.deepEqual(all.origins, []);
  assert.deepEqual(all.permissions.sort(), ['alarms', 'notifications', 'storage', 'webRequest']);
});

test('Save asks for exactly the configured origin; a refusal saves nothing and sends nothing', async () => {
  await admin(stack, 'GET', '/requests?clear=1');
  const seen = [];
  env.ctx.on('request', (r) => seen.push({ url: r.url(), auth: 'authorization' in r.headers() }));
  const page = await env.ctx.newPage();
  await page.addInitScript(() => {
    window.__asked = [];
    // The user answers "Deny" (see the top of this file for why the real prompt cannot be
    // answered here): chrome.permissions.request resolves to false.
    chrome.permissions.request = (p) => { window.__asked.push(p); return Promise.resolve(false); };
  });
  await page.goto(env.url('options.html'));
  await page.getByRole('button', { name: 'Add an MSR instance' }).click();
  await page.locator('#f-name').fill('refused');
  await page.locator('#f-origin').fill(stack.origin);
  await page.locator('#f-user').fill('admin');
  await page.locator('#f-secret').fill(stack.users.admin.token);
  await page.getByRole('button', { name: 'Save' }).click();
  const status = page.getByTestId('status');
  await status.filter({ hasText: 'not granted' }).waitFor({ timeout: 10000 });

  assert.deepEqual(await page.evaluate(() => window.__asked), [{ origins: [`${stack.origin}/*`] }]);
  assert.equal(await status.innerText(), `access to ${stack.origin}/* was not granted; MSR Lens cannot check it without it`);
  assert.equal(await status.getAttribute('class'), 'status error');
  // Nothing saved: no instance, no secret, no snapshot; the form stays open to retry.
  const local = await storage(env.sw, 'local');
  assert.deepEqual((local.settings && local.settings.instances) || [], []);
  assert.deepEqual(Object.keys(local).filter((k) => k.startsWith('snapshot:')), []);
  const session = JSON.stringify(await storage(env.sw, 'session'));
  assert.ok(!session.includes(stack.users.admin.token), 'the secret was stored');
  assert.equal(await page.locator('#f-origin').inputValue(), stack.origin);

  // No check ran: a refresh finds no instance, and nothing reached MSR (neither in the
  // browser's request log nor in the stand-in's).
  const answer = await page.evaluate(() => chrome.runtime.sendMessage({ type: 'refresh' }));
  assert.deepEqual(answer, { ok: true, results: [] });
  const msr = seen.filter((r) => !r.url.startsWith('chrome-extension://'));
  assert.deepEqual(msr, [], 'requests left the extension');
  assert.deepEqual((await admin(stack, 'GET', '/requests')).requests, [], 'the stand-in was contacted');
  await page.close();
});

test('without the grant the worker cannot read MSR (so the request is what enables it)', async () => {
  // An anonymous /_ping from the worker: MSR sends no CORS headers, so without host
  // permission the browser withholds the answer.
  const result = await env.sw.evaluate(async (origin) => {
    try {
      const res = await fetch(`${origin}/_ping`, { credentials: 'omit', cache: 'no-store' });
      return `HTTP ${res.status}`;
    } catch (e) {
      return `failed: ${e.message}`;
    }
  }, stack.origin);
  assert.match(result, /^failed: /);
});
