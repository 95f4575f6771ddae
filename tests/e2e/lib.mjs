// Shared helpers of the MSR Lens e2e tests, screenshots and bench.
//
// Environment:
//   MSR_LENS_STACK_JSON  path of the running stack's stack.json (default <repo>/.stack/stack.json)
//   MSR_LENS_EXT_DIR     the extension build to load (default <repo>/extension/dist/test/chrome,
//                        built by run.mjs with pre-granted host permissions for 127.0.0.1)
//   CHROMIUM             browser binary (default /usr/bin/chromium)
import { chromium } from 'playwright-core';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXT_DIR = process.env.MSR_LENS_EXT_DIR || path.join(ROOT, 'extension/dist/test/chrome');

export function loadStack() {
  const file = process.env.MSR_LENS_STACK_JSON || path.join(ROOT, '.stack/stack.json');
  if (!existsSync(file)) {
    throw new Error(`no running stack: ${file} is missing (start it with \`cargo xtask stack up\` or set MSR_LENS_STACK_JSON)`);
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

// base64 sha256 of a certificate's SubjectPublicKeyInfo, for --ignore-certificate-errors-spki-list.
function spki(certFile) {
  const pem = readFileSync(certFile, 'utf8');
  const der = execFileSync('openssl', ['x509', '-pubkey', '-noout'], { input: pem });
  const key = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: der });
  return createHash('sha256').update(key).digest('base64');
}

// Trust exactly the stack's CA and server keys (tests only), not every certificate.
export function trustArgs(stack) {
  const tls = path.dirname(stack.ca_file);
  const hashes = ['ca.crt', 'server.crt'].map((f) => path.join(tls, f)).filter(existsSync).map(spki);
  return [`--ignore-certificate-errors-spki-list=${hashes.join(',')}`];
}

export async function launch(stack, { extDir = EXT_DIR, viewport = { width: 440, height: 640 }, colorScheme = 'light' } = {}) {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'msr-lens-e2e-'));
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    colorScheme,
    viewport,
    args: [
      '--no-sandbox', `--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`,
      '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', ...trustArgs(stack),
    ],
  });
  let [sw] = ctx.serviceWorkers();
  if (!sw) sw = await ctx.waitForEvent('serviceworker', { timeout: 20000 });
  const id = new URL(sw.url()).host;
  const close = async () => {
    await ctx.close();
    rmSync(userDataDir, { recursive: true, force: true });
  };
  return { ctx, sw, id, close, url: (p) => `chrome-extension://${id}/${p}` };
}

// Collect console errors and page errors of a page.
export function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

// The sim's admin API.
// The admin port refuses any non-GET request that is not application/json (even with
// no body), and stack.json's sim_admin URL carries its token.
export async function admin(stack, method, p, body) {
  const res = await fetch(`${stack.sim_admin}${p}`, {
    method,
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`sim admin ${method} ${p}: HTTP ${res.status} ${text}`);
  try { return JSON.parse(text); } catch { return text; }
}

export async function resetSim(stack) {
  await admin(stack, 'POST', '/reset');
}

// Fill the options page form and save (the permission is pre-granted in the test build,
// so chrome.permissions.request resolves at once).
export async function configure(page, url, stack, { name = 'Stand-in', user = 'admin', secret, kind = 'token', replicas = true, remember = false, origin = stack.origin } = {}) {
  await page.goto(url('options.html'));
  await page.getByRole('button', { name: 'Add an MSR instance' }).click();
  await page.locator('#f-name').fill(name);
  await page.locator('#f-origin').fill(origin);
  if (replicas) await page.locator('#f-replicas').fill(stack.replica_origins.join('\n'));
  await page.locator('#f-user').fill(user);
  if (kind === 'password') await page.locator('input[name=kind][value=password]').check();
  const value = secret ?? (kind === 'token' ? stack.users[user].token : stack.users[user].password);
  await page.locator('#f-secret').fill(value || '');
  if (remember) await page.locator('#f-remember').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('status').filter({ hasText: 'saved' }).waitFor({ timeout: 10000 });
}

// Open the popup page and wait until a fresh check is rendered.
export async function openPopup(ctx, url) {
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(url('popup.html'));
  await page.locator('.verdict .refresh:not([disabled])').waitFor({ timeout: 20000 });
  return { page, errors };
}

export async function storage(sw, area) {
  return sw.evaluate((a) => chrome.storage[a].get(null), area);
}

// An https server on a free port of 127.0.0.1 whose certificate is self-signed by a key made
// here (`openssl req -x509`), so neither the stand-in's CA nor any browser trusts it. It
// answers /_ping like MSR, should a client ever accept it (`served` counts what it served).
export async function untrustedHttps() {
  const { createServer } = await import('node:https');
  const dir = mkdtempSync(path.join(tmpdir(), 'msr-lens-untrusted-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const state = { served: 0 };
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    state.served += 1;
    res.setHeader('content-type', 'application/json');
    res.end('{"Healthy":true}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${server.address().port}`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  };
  return { origin, state, close };
}
