// Firefox: each account type and a few stand-in faults give their specific message in the
// popup (the release build, the host granted through Firefox's real prompt), the status
// strips of an account that cannot judge health say "reachable", and "Test connection"
// shows each check separately. Follows tests/e2e/test/messages.test.mjs.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { admin, loadStack, resetSim } from '../../lib.mjs';
import { addInstance, extensionErrors, launchFirefox, open, popupSettled, popupShows, statusLine, toolbarBadge, until } from '../lib.mjs';

const stack = loadStack();
let env;
// One options page for the whole file, and no page closed while the test runs: Firefox
// logs every extension API promise still pending when its page unloads ("Promise resolved
// after context unloaded") as an error, and these pages read storage again whenever the
// background stores a snapshot. Errors of the live pages are still checked at the end.
let options;
// Firefox asks for the host once; the instances saved after the first are on the same host.
let granted = false;

before(async () => {
  await resetSim(stack);
  env = await launchFirefox(stack);
  options = await open(env, 'options.html');
});
after(async () => {
  await env?.close();
  await resetSim(stack);
});
beforeEach(async () => { await resetSim(stack); });

/** Save an instance on the options page (it becomes the picked one), then open the popup. */
async function popupFor(opts) {
  await addInstance(env, options, stack, { ...opts, prompt: granted ? null : 'allow' });
  granted = true;
  await statusLine(options, `saved “${opts.name}”`);
  return open(env, 'popup.html');
}

const byArea = (shown, area) => shown.problems.find((p) => p.area === area);

/**
 * Wait until the add-on's toolbar button shows this badge text, colour and tooltip (the
 * background sets text, tooltip and colour one after the other: the whole of it is read).
 */
function toolbarShows(text, colour, title) {
  return until(async () => {
    const b = await toolbarBadge(env);
    return b.text === text && b.style.includes(`background-color: ${colour}`) && title.test(b.title) ? b : { ok: false, ...b };
  }, `the toolbar button showing "${text}"`);
}

test('admin: no problem at all, healthy', async () => {
  const page = await popupFor({ name: 'admin' });
  const shown = await popupSettled(page, 'admin', 'the admin check');
  assert.deepEqual(shown.problems, []);
  assert.equal(shown.verdict, 'healthy');
});

test('pull-only account: not an admin, no access to the trust log, "reachable" strips', async () => {
  const page = await popupFor({ name: 'dev', user: 'dev' });
  const shown = await popupSettled(page, 'dev', 'the dev check');
  assert.deepEqual(shown.problems.map((p) => `${p.area}/${p.kind}`).sort(), ['cluster/notAdmin', 'trust/noAccess']);
  assert.equal(byArea(shown, 'cluster').text, 'signed in as “dev”, but this account is not an MSR admin — cluster status needs admin');
  assert.equal(byArea(shown, 'trust').text, 'signed in as “dev”, but this account has no access to the trust audit log (it needs an MSR admin)');
  // Health from the pings still works, but it is not green: cluster status was not checked.
  assert.equal(shown.verdict, 'reachable');
  assert.equal(shown.summary, 'cluster status not checked (not an admin)');
  // The banner is the light theme's blue, neither green nor red.
  assert.deepEqual(await page.evaluate(() => {
    const banner = document.querySelector('[data-testid=verdict]');
    return [banner.classList.contains('v-reachable'), getComputedStyle(banner).backgroundColor];
  }), [true, 'rgb(227, 237, 251)']);
  // The toolbar button shows the worst instance ("dev"; "admin" is healthy): a blue "up".
  await toolbarShows('up', 'rgba(26, 115, 232, 1)', /^MSR Lens: dev reachable \(cluster status not checked; 1 other instance\) — signed in as “dev”, but this account is not an MSR admin/);
  // No check of this account can judge health: both strips say "reachable", not a share
  // of healthy checks (which would be 0 %). The popup reads the histories after the check.
  const strips = await until(async () => {
    const { strips: s } = await page.evaluate(popupShows);
    const ok = ['24h', '7d'].every((k) => /^reachable · \d+ checks?$/.test(s[k]?.caption ?? ''));
    return ok ? s : { ok: false, s };
  }, 'both strips saying "reachable · N checks"');
  for (const k of ['24h', '7d']) {
    assert.match(strips[k].title, /^MSR answered every check \(\d+ checks?\); health not judged: cluster status was not checked/, k);
    const n = /(\d+) checks?$/.exec(strips[k].caption)[1];
    assert.ok(strips[k].title.startsWith(`MSR answered every check (${n} check`), `${k}: ${JSON.stringify(strips[k])}`);
  }
});

test('wrong password: cannot sign in, never green', async () => {
  const page = await popupFor({ name: 'wrong', user: 'admin', kind: 'password', secret: 'not-the-password' });
  const shown = await popupSettled(page, 'wrong', 'the wrong-password check');
  assert.equal(byArea(shown, 'cluster')?.kind, 'wrongPassword', JSON.stringify(shown.problems));
  assert.equal(byArea(shown, 'cluster').text, 'MSR did not accept the user name “admin” with this password: check them in the options');
  // The token service's refusal of the same credentials is said once, by the cluster line.
  assert.equal(byArea(shown, 'trust'), undefined, JSON.stringify(shown.problems));
  assert.equal(shown.problems.length, 1, JSON.stringify(shown.problems));
  assert.equal(shown.trustWhy, 'not read: MSR did not accept the credentials (see the problem above)');
  assert.equal(shown.verdict, 'unknown');
  assert.equal(shown.summary, 'cannot sign in');
  // Never green on the toolbar either: a purple "auth" for the worst instance.
  await toolbarShows('auth', 'rgba(147, 52, 230, 1)', /^MSR Lens: wrong .*\(2 other instances\)/);
});

test('fault: MSR answers with a login page; Retry after it is gone recovers', async () => {
  const page = await popupFor({ name: 'sso' });
  await popupSettled(page, 'sso', 'the first check', (s) => s.verdict === 'healthy');
  await admin(stack, 'POST', '/fault', { kind: 'html_login' });
  await page.click('.verdict .refresh');
  const shown = await popupSettled(page, 'sso', 'the check that met the login page', (s) => s.problems.some((p) => p.kind === 'loginPage'));
  // Said for the connection (pings and cluster status) and for the trust feed, no more.
  const sso = 'a single sign-on proxy sits in front of MSR and this browser is not signed in to it';
  assert.deepEqual(shown.problems.map((p) => [p.area, p.kind, p.text]), [
    ['connection', 'loginPage', `MSR answered with a login page: ${sso}`],
    ['trust', 'loginPage', `MSR answered the trust audit log with a login page (HTTP 200): ${sso}`],
  ]);
  assert.equal(shown.verdict, 'unknown');
  await admin(stack, 'DELETE', '/fault');
  const retry = await page.waitForSelector('xpath///section[contains(@class,"problems")]//button[normalize-space()="Retry"]');
  await retry.click();
  const after = await popupSettled(page, 'sso', 'a healthy check after Retry', (s) => s.verdict === 'healthy');
  assert.deepEqual(after.problems, []);
});

test('fault: cluster status check fails inside MSR', async (t) => {
  await admin(stack, 'POST', '/scenario', { status_check_failure: 'rethinkdb: connection refused' });
  const page = await popupFor({ name: 'status-check' });
  const shown = await popupSettled(page, 'status-check', 'the check with the failing status check');
  const cluster = byArea(shown, 'cluster');
  assert.equal(cluster?.kind, 'checkFailed', JSON.stringify(shown.problems));
  t.diagnostic(cluster.text);
  assert.equal(cluster.text, 'MSR could not read its own cluster status (STATUS_CHECK_FAILED): Failed to check the status of the cluster. — rethinkdb: connection refused');
  assert.equal(shown.verdict, 'degraded');
});

test('Test connection shows each check separately', async () => {
  const page = options;
  await page.bringToFront();
  await until(() => page.evaluate(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Add an MSR instance')), 'the Add button');
  await page.evaluate(() => [...document.querySelectorAll('button')].find((b) => b.textContent === 'Add an MSR instance').click());
  await page.waitForSelector('#f-origin');
  await page.type('#f-origin', stack.origin);
  await page.type('#f-user', 'dev');
  await page.type('#f-secret', stack.users.dev.token);
  await page.evaluate(() => [...document.querySelectorAll('button')].find((b) => b.textContent === 'Test connection').click());
  await page.waitForSelector('[data-testid=test-results]', { timeout: 20000 });
  const lines = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-check]')].map((e) => [e.dataset.check, e.dataset.outcome])));
  assert.deepEqual(lines, {
    reachable: 'pass', 'TLS trusted': 'pass', '/_ping': 'pass', credentials: 'pass',
    token: 'pass', admin: 'fail', 'trust feed access': 'fail',
  });
});

test('no extension context logged an error', async () => {
  const messages = await env.consoleMessages();
  assert.deepEqual(extensionErrors(messages), [], JSON.stringify(messages, null, 1));
});
