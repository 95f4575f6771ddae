// Each account type and each stand-in fault gives its specific message in the popup,
// and "Test connection" shows each check separately.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { admin, configure, launch, loadStack, openPopup, resetSim } from '../lib.mjs';

const stack = loadStack();
let env;

before(async () => { env = await launch(stack); });
after(async () => { await env?.close(); await resetSim(stack); });
beforeEach(async () => { await resetSim(stack); });

async function problems(page) {
  return page.locator('[data-kind]').evaluateAll((els) => els.map((e) => ({ kind: e.dataset.kind, area: e.dataset.area, text: e.textContent })));
}

async function popupFor(opts) {
  const options = await env.ctx.newPage();
  await configure(options, env.url, stack, opts);
  await options.close();
  const { page } = await openPopup(env.ctx, env.url);
  return page;
}

test('admin: no problem at all', async () => {
  const page = await popupFor({ name: 'admin' });
  assert.deepEqual(await problems(page), []);
  assert.equal(await page.locator('[data-verdict]').getAttribute('data-verdict'), 'healthy');
  await page.close();
});

test('pull-only account: not an admin, no access to the trust log', async () => {
  const page = await popupFor({ name: 'dev', user: 'dev' });
  const p = await problems(page);
  const cluster = p.find((x) => x.area === 'cluster');
  assert.equal(cluster?.kind, 'notAdmin');
  assert.equal(cluster.text, 'signed in as “dev”, but this account is not an MSR admin — cluster status needs admin');
  const trust = p.find((x) => x.area === 'trust');
  assert.equal(trust?.kind, 'noAccess');
  assert.match(trust.text, /signed in as “dev”, but this account has no access to the trust audit log/);
  // Health from the pings still works, but it is not green: cluster status was not checked.
  assert.equal(await page.locator('[data-verdict]').getAttribute('data-verdict'), 'reachable');
  // No check of this account can judge health: the status strips say "reachable", not a
  // share of healthy checks (which would be 0 %).
  for (const strip of ['strip-24h', 'strip-7d']) {
    const uptime = page.getByTestId(strip).getByTestId('uptime');
    await uptime.filter({ hasText: /^reachable · \d+ checks?$/ }).waitFor();
    assert.match(await uptime.getAttribute('title'), /^MSR answered every check \(\d+ checks?\); health not judged: cluster status was not checked/);
  }
  await page.close();
});

test('account with no access at all', async () => {
  const page = await popupFor({ name: 'nobody', user: 'nobody', kind: 'password' });
  const p = await problems(page);
  assert.equal(p.find((x) => x.area === 'cluster')?.kind, 'notAdmin');
  assert.equal(p.find((x) => x.area === 'trust')?.kind, 'noAccess');
  await page.close();
});

test('wrong password', async () => {
  const page = await popupFor({ name: 'wrong', user: 'admin', kind: 'password', secret: 'not-the-password' });
  const p = await problems(page);
  assert.equal(p.find((x) => x.area === 'cluster')?.kind, 'wrongPassword');
  assert.match(p.find((x) => x.area === 'cluster').text, /did not accept the user name “admin” with this password/);
  // The token service refused the same credentials: said once, and the trust section
  // points to it.
  assert.equal(p.find((x) => x.area === 'trust'), undefined, JSON.stringify(p));
  assert.equal(await page.getByTestId('trust-why').innerText(), 'not read: MSR did not accept the credentials (see the problem above)');
  // Never green: "unknown", cannot sign in.
  assert.equal(await page.locator('[data-verdict]').getAttribute('data-verdict'), 'unknown');
  await page.close();
});

test('fault: MSR answers with a login page', async () => {
  const page = await popupFor({ name: 'sso' });
  await admin(stack, 'POST', '/fault', { kind: 'html_login' });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.locator('.verdict .refresh:not([disabled])').waitFor();
  const p = await problems(page);
  assert.ok(p.some((x) => x.kind === 'loginPage' && /MSR answered with a login page/.test(x.text)), JSON.stringify(p));
  assert.equal(await page.locator('[data-verdict]').getAttribute('data-verdict'), 'unknown');
  // Retry after the fault is gone recovers.
  await admin(stack, 'DELETE', '/fault');
  await page.getByRole('button', { name: 'Retry' }).click();
  await page.locator('[data-verdict="healthy"]').waitFor({ timeout: 15000 });
  await page.close();
});

test('fault: cluster status check fails inside MSR', async () => {
  await admin(stack, 'POST', '/scenario', { status_check_failure: 'rethinkdb: connection refused' });
  const page = await popupFor({ name: 'status-check' });
  const p = await problems(page);
  const c = p.find((x) => x.area === 'cluster');
  assert.equal(c?.kind, 'checkFailed');
  // MSR's code, its message and what it says went wrong (the error's detail).
  assert.equal(c.text, 'MSR could not read its own cluster status (STATUS_CHECK_FAILED): Failed to check the status of the cluster. — rethinkdb: connection refused');
  assert.equal(await page.locator('[data-verdict]').getAttribute('data-verdict'), 'degraded');
  await page.close();
});

test('fault: load balancer 502 on every path', async () => {
  const page = await popupFor({ name: 'lb', replicas: false });
  await admin(stack, 'POST', '/fault', { kind: 'status', status: 502 });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.locator('.verdict .refresh:not([disabled])').waitFor();
  const p = await problems(page);
  assert.equal(p.find((x) => x.area === 'cluster')?.kind, 'unavailable');
  assert.equal(await page.locator('[data-verdict]').getAttribute('data-verdict'), 'down');
  await page.close();
});

test('fault: connection reset (nginx in front answers 502)', async () => {
  const page = await popupFor({ name: 'reset', replicas: false });
  await admin(stack, 'POST', '/fault', { kind: 'reset' });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.locator('.verdict .refresh:not([disabled])').waitFor();
  const p = await problems(page);
  assert.ok(p.some((x) => x.kind === 'unavailable' && /HTTP 502/.test(x.text)), JSON.stringify(p));
  await page.close();
});

test('nothing listening: the unreachable message', async () => {
  const port = await new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
  const page = await popupFor({ name: 'closed', replicas: false, origin: `https://127.0.0.1:${port}` });
  const p = await problems(page);
  const c = p.find((x) => x.area === 'connection');
  assert.equal(c?.kind, 'unreachable', JSON.stringify(p));
  // The browser's own error (webRequest) names the cause: nothing listens at that port.
  assert.equal(c.text, `could not reach https://127.0.0.1:${port}: nothing listens at 127.0.0.1:${port} (connection refused: net::ERR_CONNECTION_REFUSED)`);
  assert.equal(await page.locator('[data-verdict]').getAttribute('data-verdict'), 'unknown');
  // The background worker backs off: the next check of this instance waits.
  const backoff = await env.sw.evaluate(async () => {
    const { settings } = await chrome.storage.local.get('settings');
    const id = settings.instances.find((i) => i.name === 'closed').id;
    const key = `backoff:${id}`;
    return (await chrome.storage.session.get(key))[key];
  });
  assert.ok(backoff && backoff.failures >= 1 && backoff.nextAt > Date.now(), JSON.stringify(backoff));
  await page.close();
});

test('Test connection shows each check separately', async () => {
  const page = await env.ctx.newPage();
  await page.goto(env.url('options.html'));
  await page.getByRole('button', { name: 'Add an MSR instance' }).click();
  await page.locator('#f-origin').fill(stack.origin);
  await page.locator('#f-user').fill('dev');
  await page.locator('#f-secret').fill(stack.users.dev.token);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByTestId('test-results').waitFor({ timeout: 20000 });
  const lines = await page.locator('[data-check]').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.check, e.dataset.outcome])));
  assert.deepEqual(lines, {
    reachable: 'pass', 'TLS trusted': 'pass', '/_ping': 'pass', credentials: 'pass',
    token: 'pass', admin: 'fail', 'trust feed access': 'fail',
  });
  await page.close();
});
