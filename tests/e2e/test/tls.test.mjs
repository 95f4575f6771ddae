// "Test connection" tells an untrusted certificate from a port where nothing listens
// (issue 18): the options page listens to webRequest.onErrorOccurred while /_ping runs, so
// the browser's own error (net::ERR_CERT_AUTHORITY_INVALID, net::ERR_CONNECTION_REFUSED)
// decides the "reachable" and "TLS trusted" lines that a failed fetch alone cannot.
// This Chromium trusts exactly the stand-in's CA and server keys (lib.mjs trustArgs), so a
// certificate self-signed here is untrusted for real.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { admin, configure, launch, loadStack, openPopup, resetSim, untrustedHttps, watchErrors } from '../lib.mjs';

const stack = loadStack();
let env;

before(async () => {
  await resetSim(stack);
  env = await launch(stack);
});
after(async () => { await env?.close(); });

function closedPort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

// Test connection for `origin` from a fresh options page (nothing saved): the lines as
// {name: {outcome, detail}}, and whether a webRequest listener is left on the page.
async function testConnection(origin, { user = '', secret = '' } = {}) {
  const page = await env.ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(env.url('options.html'));
  await page.getByRole('button', { name: 'Add an MSR instance' }).click();
  await page.locator('#f-origin').fill(origin);
  if (user) {
    await page.locator('#f-user').fill(user);
    await page.locator('#f-secret').fill(secret);
  }
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByTestId('test-results').waitFor({ timeout: 20000 });
  const lines = await page.locator('[data-check]').evaluateAll((els) => Object.fromEntries(els.map((e) => [
    e.dataset.check, { outcome: e.dataset.outcome, detail: e.querySelector('.detail').textContent },
  ])));
  const listening = await page.evaluate(() => chrome.webRequest.onErrorOccurred.hasListeners());
  await page.close();
  return { lines, listening, errors };
}

test('the build asks for webRequest (read-only: no blocking, no extra host)', async () => {
  const manifest = await env.sw.evaluate(() => chrome.runtime.getManifest());
  assert.ok(manifest.permissions.includes('webRequest'), JSON.stringify(manifest.permissions));
  assert.ok(!manifest.permissions.includes('webRequestBlocking'));
});

test('nothing listens at the port: "reachable" fails as refused, TLS is not judged', async () => {
  const port = await closedPort();
  const { lines, listening, errors } = await testConnection(`https://127.0.0.1:${port}`);
  assert.equal(lines.reachable.outcome, 'fail');
  assert.equal(lines.reachable.detail,
    `nothing listens at 127.0.0.1:${port} (connection refused: net::ERR_CONNECTION_REFUSED) — check the address and the port`);
  assert.deepEqual(lines['TLS trusted'], { outcome: 'skip', detail: 'nothing answered, so no certificate was seen' });
  assert.deepEqual(lines['/_ping'], { outcome: 'skip', detail: 'not reachable' });
  assert.equal(listening, false, 'the webRequest listener was left on the page');
  assert.deepEqual(errors.filter((e) => !e.includes('ERR_CONNECTION_REFUSED')), []);
});

test('a certificate this browser does not trust: reachable, "TLS trusted" fails naming it', async () => {
  const server = await untrustedHttps();
  try {
    const { lines, listening } = await testConnection(server.origin);
    const at = new URL(server.origin).host;
    assert.deepEqual(lines.reachable, { outcome: 'pass', detail: `${at} answered, but this browser refused its certificate` });
    assert.deepEqual(lines['TLS trusted'], {
      outcome: 'fail',
      detail: `this browser does not trust MSR's certificate (net::ERR_CERT_AUTHORITY_INVALID) — install MSR's CA from ${server.origin}/ca`,
    });
    assert.deepEqual(lines['/_ping'], { outcome: 'skip', detail: 'not reached: the certificate was refused' });
    assert.equal(server.state.served, 0, 'the browser sent a request over the untrusted connection');
    assert.equal(listening, false, 'the webRequest listener was left on the page');
  } finally {
    await server.close();
  }
});

test('the stand-in (its CA trusted) still passes reachable, TLS and /_ping', async () => {
  const { lines, listening, errors } = await testConnection(stack.origin);
  assert.deepEqual(lines.reachable, { outcome: 'pass', detail: `${new URL(stack.origin).host} answered (HTTP 200)` });
  assert.deepEqual(lines['TLS trusted'], { outcome: 'pass', detail: "this browser trusts MSR's certificate" });
  assert.deepEqual(lines['/_ping'], { outcome: 'pass', detail: 'healthy' });
  assert.equal(listening, false);
  assert.deepEqual(errors, []);
});

// The background's checks name the cause too (extension/net_watch.js): the worker listens
// to webRequest.onErrorOccurred for the instance's origins while a check runs, and the
// popup's problem, the ping row and the badge tooltip say what the browser said.
async function backgroundCheck(origin) {
  await env.sw.evaluate(() => chrome.storage.local.clear());
  const options = await env.ctx.newPage();
  await configure(options, env.url, stack, { name: 'Cause', origin, user: '', secret: '', replicas: false });
  const answer = await options.evaluate(() => chrome.runtime.sendMessage({ type: 'refresh' }));
  const snapshot = answer.results[0];
  const listening = await env.sw.evaluate(() => chrome.webRequest.onErrorOccurred.hasListeners());
  // The tooltip follows the stored snapshot (background.js onSnapshot → updateBadge).
  const problem = snapshot.problems.find((p) => p.kind === 'unreachable');
  assert.ok(problem, JSON.stringify(snapshot.problems));
  const deadline = Date.now() + 15000;
  let title;
  for (;;) {
    title = await env.sw.evaluate(() => chrome.action.getTitle({}));
    if (title.includes(problem.message) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const { page } = await openPopup(env.ctx, env.url);
  const shown = await page.locator('.problems [data-area="connection"][data-kind="unreachable"]').innerText();
  // Every problem the popup lists, as area/kind.
  const listed = await page.locator('.problems [data-area]').evaluateAll((items) => items.map((li) => `${li.dataset.area}/${li.dataset.kind}`));
  const trustSection = await page.getByTestId('trust').innerText();
  await page.close();
  await options.close();
  return { snapshot, problem, title, shown, listening, listed, trustSection };
}

test('background: nothing listens — the popup, the ping row and the badge tooltip say so', async () => {
  const port = await closedPort();
  const origin = `https://127.0.0.1:${port}`;
  const { snapshot, problem, title, shown, listening, listed, trustSection } = await backgroundCheck(origin);
  const why = `nothing listens at 127.0.0.1:${port} (connection refused: net::ERR_CONNECTION_REFUSED)`;
  assert.equal(problem.message, `could not reach ${origin}: ${why}`);
  assert.equal(snapshot.pings[0].detail, `no answer: ${why}`);
  assert.equal(shown, problem.message);
  // Said once: the trust feed failed the same way and adds no second "could not be read".
  assert.deepEqual(snapshot.problems.map((p) => `${p.area}/${p.kind}`), ['connection/unreachable']);
  assert.deepEqual(listed, ['connection/unreachable']);
  // The trust section points to it instead of saying only "not available".
  assert.equal(trustSection.split('\n').find((l) => l.startsWith('not read')), 'not read: MSR could not be reached (see the problem above)');
  assert.equal(title, `MSR Lens: Cause unknown (1 needs attention) — ${problem.message}`);
  assert.equal(listening, false, 'the worker left its webRequest listener');
});

test('background: an untrusted certificate — the popup and the badge tooltip name it, with the /ca hint', async () => {
  const server = await untrustedHttps();
  try {
    const { snapshot, problem, title, shown, listening, listed } = await backgroundCheck(server.origin);
    const why = `this browser does not trust MSR's certificate (net::ERR_CERT_AUTHORITY_INVALID) — install MSR's CA from ${server.origin}/ca`;
    assert.equal(problem.message, `could not reach ${server.origin}: ${why}`);
    assert.equal(snapshot.pings[0].detail, `no answer: ${why}`);
    assert.equal(shown, problem.message);
    assert.deepEqual(listed, ['connection/unreachable']);
    assert.equal(title, `MSR Lens: Cause unknown (1 needs attention) — ${problem.message}`);
    assert.equal(listening, false, 'the worker left its webRequest listener');
    assert.equal(server.state.served, 0, 'the browser sent a request over the untrusted connection');
  } finally {
    await server.close();
  }
});

// A server that accepts connections and never answers: the check's own time limit stops
// each request (the browser reports only net::ERR_ABORTED), and every place says that.
// The limit is 1.5 s here (chrome.storage.session `checkTimeoutMs`, which the worker and
// "Test connection" read; 10 s when absent).
async function silentServer() {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return { origin: `https://127.0.0.1:${server.address().port}`, accepted: () => sockets.size, close };
}

test('a server that never answers: popup, ping row, tooltip and "Test connection" name the time limit', async () => {
  const server = await silentServer();
  await env.sw.evaluate(() => chrome.storage.session.set({ checkTimeoutMs: 1500 }));
  try {
    const why = "no answer within 1.5 s (the check's time limit)";
    const { snapshot, problem, title, shown, listening, listed, trustSection } = await backgroundCheck(server.origin);
    assert.equal(problem.message, `could not reach ${server.origin}: ${why}`);
    assert.equal(snapshot.pings[0].detail, why);
    assert.equal(shown, problem.message);
    assert.deepEqual(listed, ['connection/unreachable']);
    assert.equal(title, `MSR Lens: Cause unknown (1 needs attention) — ${problem.message}`);
    assert.ok(trustSection.includes('not read: MSR could not be reached (see the problem above)'), trustSection);
    assert.equal(listening, false, 'the worker left its webRequest listener');

    const { lines, errors } = await testConnection(server.origin);
    const at = new URL(server.origin).host;
    assert.deepEqual(lines.reachable, { outcome: 'fail', detail: `could not reach ${at}: ${why}` });
    assert.deepEqual(lines['TLS trusted'], { outcome: 'skip', detail: 'not known: nothing answered in time, so no certificate was judged' });
    assert.deepEqual(lines['/_ping'], { outcome: 'skip', detail: 'not reachable' });
    assert.deepEqual(errors.filter((e) => !e.includes('ERR_ABORTED')), []);
  } finally {
    await env.sw.evaluate(() => chrome.storage.session.remove('checkTimeoutMs'));
    await server.close();
  }
});

test('"Test connection" with MSR answering too slowly: the token, admin and trust lines name the time limit', async () => {
  // /_ping answers; the token service and cluster status answer only after 4 s.
  await admin(stack, 'POST', '/fault', { kind: 'latency', latency_ms: 4000, paths: ['/auth/token', '/api/v0/meta/cluster_status'] });
  await env.sw.evaluate(() => chrome.storage.session.set({ checkTimeoutMs: 1500 }));
  try {
    const { lines } = await testConnection(stack.origin, { user: 'admin', secret: stack.users.admin.token });
    const why = "no answer within 1.5 s (the check's time limit)";
    assert.deepEqual(lines['/_ping'], { outcome: 'pass', detail: 'healthy' });
    assert.deepEqual(lines.credentials, { outcome: 'fail', detail: `the token service could not be read: ${why}` });
    assert.deepEqual(lines.admin, { outcome: 'fail', detail: `cluster status could not be read: ${why}` });
    assert.deepEqual(lines['trust feed access'], { outcome: 'fail', detail: `the trust audit log could not be read: ${why}` });
  } finally {
    await env.sw.evaluate(() => chrome.storage.session.remove('checkTimeoutMs'));
    await admin(stack, 'DELETE', '/fault');
  }
});
