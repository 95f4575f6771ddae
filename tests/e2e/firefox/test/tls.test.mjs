// Firefox: "Test connection" tells an untrusted certificate from a port where nothing
// listens, through browser.webRequest.onErrorOccurred (the same code path as Chromium;
// Firefox's error strings are NS_ERROR_* names or NSS's messages). The profile trusts only
// the stand-in's CA (certutil), so the certificate self-signed here is untrusted for real.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { loadStack, resetSim, untrustedHttps } from '../../lib.mjs';
import { addInstance, launchFirefox, open, statusLine, until } from '../lib.mjs';

const stack = loadStack();
const host = new URL(stack.origin).hostname;
let env;
let server;

before(async () => {
  await resetSim(stack);
  server = await untrustedHttps();
  env = await launchFirefox(stack);
  // The host grant through Firefox's prompt, as a user gives it: https://<host>/* (every
  // port), which also covers the untrusted server and the closed port on that host.
  assert.equal(host, '127.0.0.1', 'the servers of this test listen on 127.0.0.1 only');
  const page = await open(env, 'options.html');
  await addInstance(env, page, stack, { name: 'Stand-in' });
  await statusLine(page, 'saved “Stand-in”');
  await page.close();
});
after(async () => {
  await env?.close();
  await server?.close();
});

function closedPort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

async function testConnection(origin) {
  const page = await open(env, 'options.html');
  await page.waitForSelector('main.options');
  await until(() => page.evaluate(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Add an MSR instance')), 'the Add button');
  await page.evaluate(() => [...document.querySelectorAll('button')].find((b) => b.textContent === 'Add an MSR instance').click());
  await page.waitForSelector('#f-origin');
  await page.type('#f-origin', origin);
  await page.evaluate(() => [...document.querySelectorAll('button')].find((b) => b.textContent === 'Test connection').click());
  await page.waitForSelector('[data-testid=test-results]', { timeout: 20000 });
  const lines = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-check]')].map((e) => [
    e.dataset.check, { outcome: e.dataset.outcome, detail: e.querySelector('.detail').textContent },
  ])));
  await page.close();
  return lines;
}

test('the add-on has webRequest', async () => {
  const all = await env.ext(() => chrome.permissions.getAll());
  assert.ok(all.permissions.includes('webRequest'), JSON.stringify(all));
});

test('a certificate Firefox does not trust: reachable, "TLS trusted" fails naming it', async (t) => {
  const lines = await testConnection(server.origin);
  t.diagnostic(JSON.stringify(lines));
  assert.deepEqual(lines.reachable, { outcome: 'pass', detail: `${new URL(server.origin).host} answered, but this browser refused its certificate` });
  assert.equal(lines['TLS trusted'].outcome, 'fail');
  assert.match(lines['TLS trusted'].detail, /^this browser does not trust MSR's certificate \(.+\) — install MSR's CA from https:\/\/127\.0\.0\.1:\d+\/ca$/);
  assert.ok(lines['TLS trusted'].detail.endsWith(`${server.origin}/ca`));
  assert.equal(server.state.served, 0, 'Firefox sent a request over the untrusted connection');
});

test('nothing listens at the port: "reachable" fails as refused, TLS is not judged', async (t) => {
  const port = await closedPort();
  const lines = await testConnection(`https://127.0.0.1:${port}`);
  t.diagnostic(JSON.stringify(lines));
  assert.deepEqual(lines.reachable, {
    outcome: 'fail',
    detail: `nothing listens at 127.0.0.1:${port} (connection refused: NS_ERROR_CONNECTION_REFUSED) — check the address and the port`,
  });
  assert.deepEqual(lines['TLS trusted'], { outcome: 'skip', detail: 'nothing answered, so no certificate was seen' });
});

test('the stand-in still passes reachable, TLS and /_ping', async () => {
  const lines = await testConnection(stack.origin);
  assert.deepEqual(
    Object.fromEntries(['reachable', 'TLS trusted', '/_ping'].map((k) => [k, lines[k].outcome])),
    { reachable: 'pass', 'TLS trusted': 'pass', '/_ping': 'pass' },
  );
});
