// Firefox: "Test connection" tells an untrusted certificate from a port where nothing
// listens, through browser.webRequest.onErrorOccurred (the same code path as Chromium;
// Firefox's error strings are NS_ERROR_* names or NSS's messages). The profile trusts only
// the stand-in's CA (certutil), so the certificate self-signed here is untrusted for real.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { loadStack, resetSim, untrustedHttps } from '../../lib.mjs';
import { addInstance, alertWindows, launchFirefox, open, statusLine, toolbarBadge, until } from '../lib.mjs';

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

// The background's checks (extension/net_watch.js in Firefox's event page) name the cause
// too: the instance is pointed at the server, checked, and the stored problem, the ping
// row, the popup and the toolbar button's tooltip say what Firefox said.
async function backgroundCheck(origin) {
  const settings = await env.ext(async (o) => {
    const { settings } = await chrome.storage.local.get('settings');
    const instance = { ...settings.instances[0], name: 'Cause', origin: o, replicas: [], username: '', remember: false, secret: null };
    const next = { ...settings, instances: [instance] };
    await chrome.storage.local.set({ settings: next });
    return next;
  }, origin);
  const id = settings.instances[0].id;
  const answer = await env.ext((i) => chrome.runtime.sendMessage({ type: 'refresh', id: i }), id);
  const snapshot = answer.results[0];
  const problem = snapshot.problems.find((p) => p.kind === 'unreachable');
  assert.ok(problem, JSON.stringify(snapshot.problems));
  const badge = await until(async () => {
    const b = await toolbarBadge(env);
    return b.title.includes(problem.message) ? b : null;
  }, 'the tooltip naming the cause');
  const popup = await open(env, 'popup.html');
  await popup.waitForSelector('.problems [data-area="connection"][data-kind="unreachable"]', { timeout: 20000 });
  const shown = await popup.evaluate(() => document.querySelector('.problems [data-area="connection"][data-kind="unreachable"]').textContent);
  const listed = await popup.evaluate(() => [...document.querySelectorAll('.problems [data-area]')].map((li) => `${li.dataset.area}/${li.dataset.kind}`));
  await popup.close();
  return { snapshot, problem, title: badge.title, shown, listed };
}

test('background: nothing listens — the problem, the ping row, the popup and the tooltip say so', async (t) => {
  const port = await closedPort();
  const origin = `https://127.0.0.1:${port}`;
  const { snapshot, problem, title, shown, listed } = await backgroundCheck(origin);
  t.diagnostic(problem.message);
  const why = `nothing listens at 127.0.0.1:${port} (connection refused: NS_ERROR_CONNECTION_REFUSED)`;
  assert.equal(problem.message, `could not reach ${origin}: ${why}`);
  assert.equal(snapshot.pings[0].detail, `no answer: ${why}`);
  assert.equal(shown, problem.message);
  // Said once: the trust feed's failure is not a second "unreachable".
  assert.deepEqual(snapshot.problems.map((p) => `${p.area}/${p.kind}`), ['connection/unreachable']);
  assert.deepEqual(listed, ['connection/unreachable']);
  assert.equal(title, `MSR Lens: Cause unknown (1 needs attention) — ${problem.message}`);
  // The verdict change (the stand-in's check after saving was not "unknown") notified
  // with the same sentence: Firefox's own notification window showed it.
  const alerts = await until(async () => {
    const list = await alertWindows(env);
    return list.some((a) => a.title === 'Cause: unknown') ? list : { ok: false, list };
  }, 'an "unknown" notification');
  const text = alerts.find((a) => a.title === 'Cause: unknown').text;
  assert.match(text, /^was \w+/);
  assert.ok(text.endsWith(`. ${problem.message}`), text);
});

test('background: a certificate Firefox does not trust — named, with the /ca hint', async (t) => {
  const { snapshot, problem, title, shown } = await backgroundCheck(server.origin);
  t.diagnostic(problem.message);
  assert.match(problem.message, /^could not reach https:\/\/127\.0\.0\.1:\d+: this browser does not trust MSR's certificate \(.+\) — install MSR's CA from https:\/\/127\.0\.0\.1:\d+\/ca$/);
  assert.ok(problem.message.startsWith(`could not reach ${server.origin}: `));
  assert.ok(problem.message.endsWith(`${server.origin}/ca`));
  assert.match(snapshot.pings[0].detail, /^no answer: this browser does not trust MSR's certificate/);
  assert.equal(shown, problem.message);
  assert.equal(title, `MSR Lens: Cause unknown (1 needs attention) — ${problem.message}`);
  assert.equal(server.state.served, 0, 'Firefox sent a request over the untrusted connection');
});

// A server that accepts connections and never answers: the check's own time limit (1.5 s
// here: storage.session `checkTimeoutMs`) stops each request, and Firefox reports only
// NS_BINDING_ABORTED; the problem, the ping row, the popup and the tooltip name the limit.
test('background: a server that never answers — "no answer within 1.5 s (the check\'s time limit)"', async (t) => {
  const sockets = new Set();
  const silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${silent.address().port}`;
  await env.ext(() => chrome.storage.session.set({ checkTimeoutMs: 1500 }));
  try {
    const { snapshot, problem, title, shown, listed } = await backgroundCheck(origin);
    t.diagnostic(problem.message);
    const why = "no answer within 1.5 s (the check's time limit)";
    assert.equal(problem.message, `could not reach ${origin}: ${why}`);
    assert.equal(snapshot.pings[0].detail, why);
    assert.equal(shown, problem.message);
    assert.deepEqual(listed, ['connection/unreachable']);
    assert.equal(title, `MSR Lens: Cause unknown (1 needs attention) — ${problem.message}`);
    const lines = await testConnection(origin);
    assert.deepEqual(lines.reachable, { outcome: 'fail', detail: `could not reach ${new URL(origin).host}: ${why}` });
  } finally {
    await env.ext(() => chrome.storage.session.remove('checkTimeoutMs'));
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
