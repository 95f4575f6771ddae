// The job runner and metrics sections of the popup, and the replicas MSR's settings list
// on the options page with the "Ping these replicas" grant, against the stand-in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { admin, configure, launch, loadStack, openPopup, resetSim, storage } from '../lib.mjs';

const stack = loadStack();
let env;

before(async () => {
  await resetSim(stack);
  env = await launch(stack);
});
after(async () => {
  await env?.close();
  await resetSim(stack);
});

// Poll the popup's storage-fed view until `check` holds (the worker's checks land there).
async function until(check, what, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('popup: a dead worker, an expired heartbeat, failing jobs, a waiting job, crons and metrics', async () => {
  const ids = (await admin(stack, 'GET', '/state')).replica_ids;
  await admin(stack, 'POST', '/scenario', {
    workers: { 0: { status: 'dead' }, 1: { heartbeat_expired_secs: 600 } },
    jobs_failing: true,
    waiting_job_age_secs: 1800,
  });
  const options = await env.ctx.newPage();
  await configure(options, env.url, stack);
  const { page } = await openPopup(env.ctx, env.url);
  const jobs = page.getByTestId('jobs');
  await jobs.locator(`[data-worker="${ids[0]}"]`).waitFor({ timeout: 20000 });
  assert.equal(await jobs.locator(`[data-worker="${ids[0]}"]`).getAttribute('data-state'), 'dead');
  assert.match(await jobs.locator(`[data-worker="${ids[0]}"] .state`).innerText(), /^dead/);
  assert.equal(await jobs.locator(`[data-worker="${ids[1]}"]`).getAttribute('data-state'), 'expired');
  assert.equal(await jobs.locator(`[data-worker="${ids[2]}"]`).getAttribute('data-state'), 'ok');
  // The failed jobs in the window: the count as the report says, a few of them listed.
  const failed = Number(await page.getByTestId('jobs-failed').innerText());
  assert.ok(failed > 0, `failed ${failed}`);
  assert.ok(await jobs.locator('ul.failed li').count() > 0);
  assert.match(await page.getByTestId('jobs-oldest').innerText(), / for 30 min$/);
  assert.ok(await page.getByTestId('crons').locator('li').count() > 0);
  // Each job-runner sentence once, in the job runner section (above its figures), not
  // again under "Current issues"; the banner line only counts them.
  const snap = Object.entries(await storage(env.sw, 'local')).find(([k]) => k.startsWith('snapshot:'))[1];
  const JOB_CODES = ['workerDead', 'workerHeartbeatExpired', 'jobsFailing', 'jobWaiting'];
  const sentences = snap.reasons.filter((r) => JOB_CODES.includes(r.code)).map((r) => r.message);
  assert.deepEqual([...new Set(snap.reasons.filter((r) => JOB_CODES.includes(r.code)).map((r) => r.code))].sort(), [...JOB_CODES].sort());
  await page.getByTestId('job-reasons').waitFor({ timeout: 20000 });
  const whole = await page.locator('main').innerText();
  const inJobs = await page.getByTestId('job-reasons').innerText();
  const inIssues = await page.getByTestId('issues').innerText();
  for (const sentence of sentences) {
    assert.equal(whole.split(sentence).length - 1, 1, `"${sentence}" in the popup:\n${whole}`);
    assert.ok(inJobs.includes(sentence), `"${sentence}" not in the job runner section`);
    assert.ok(!inIssues.includes(sentence), `"${sentence}" repeated under Current issues`);
  }
  // MSR itself lists no issue: "Current issues" points to the job runner the banner
  // counts, not a bare "none".
  assert.deepEqual(snap.issues, []);
  const shownReasons = await page.getByTestId('job-reasons').locator('li').count();
  assert.ok(shownReasons >= sentences.length, `${shownReasons} job-runner sentences shown`);
  assert.equal(await page.getByTestId('no-issues').innerText(),
    `none from MSR — see the job runner below: ${shownReasons} problems`);
  const link = page.getByTestId('see-job-runner');
  assert.equal(await link.getAttribute('href'), '#jobs-h');
  assert.equal(await page.locator(await link.getAttribute('href')).textContent(), 'Job runner');
  const banner = await page.locator('.verdict').innerText();
  assert.match(banner, /1 worker dead/);
  assert.match(banner, /1 worker heartbeat expired/);
  assert.match(banner, new RegExp(`${failed} jobs? failed`));
  assert.match(banner, /a job waiting 30 min/);
  // MSR 3.1 (the stand-in's default): metrics, repositories a whole number.
  assert.match(await page.getByTestId('metrics-repositories').innerText(), /^\d+$/);
  assert.equal(await page.getByTestId('metrics-note').count(), 0);

  // Healthy again: every worker ok, nothing failed.
  await admin(stack, 'POST', '/reset');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await until(async () => (await jobs.locator('[data-state=ok]').count()) === ids.length, 'workers ok');
  assert.equal(await page.getByTestId('jobs-failed').innerText(), '0');
  // Nothing from the job runner either: a plain "none".
  await until(async () => (await page.getByTestId('no-issues').innerText()) === 'none', '"none" under Current issues');
  assert.equal(await page.getByTestId('see-job-runner').count(), 0);
  await page.close();
  await options.close();
});

test('popup: MSR 2.9 says plainly that it has no metrics', async () => {
  await admin(stack, 'POST', '/scenario', { msr_version: '2.9' });
  const { page } = await openPopup(env.ctx, env.url);
  await page.getByRole('button', { name: 'Refresh' }).click();
  const note = page.getByTestId('metrics-note');
  await note.waitFor({ timeout: 20000 });
  assert.equal(await note.innerText(), 'Metrics not available on MSR 2.9: they came with MSR 3.1.');
  assert.equal(await page.getByTestId('metrics-repositories').count(), 0);
  // The job runner is still read on 2.9.
  assert.ok(await page.getByTestId('jobs').locator('[data-worker]').count() > 0);
  await admin(stack, 'POST', '/reset');
  await page.close();
});

test('popup: every worker dead for hours — the jobs read are all waiting, so the oldest one has waited "at least" that long', async () => {
  const ids = (await admin(stack, 'GET', '/state')).replica_ids;
  // Every job scheduled in the last six hours waits: the newest 100 a check reads are all
  // waiting, and older waiting jobs lie beyond them.
  await admin(stack, 'POST', '/scenario', { workers: Object.fromEntries(ids.map((id) => [id, { dead_secs: 6 * 3600 }])) });
  const { page } = await openPopup(env.ctx, env.url);
  await page.getByRole('button', { name: 'Refresh' }).click();
  const oldest = page.getByTestId('jobs-oldest');
  await oldest.filter({ hasText: / for at least \d+ (s|min|h)\b/ }).waitFor({ timeout: 20000 });
  const snap = Object.entries(await storage(env.sw, 'local')).find(([k]) => k.startsWith('snapshot:'))[1];
  const waiting = snap.jobRunner.oldestWaiting;
  assert.equal(waiting.ageIsLowerBound, true, JSON.stringify(waiting));
  assert.ok(waiting.ageSecs < 6 * 3600, `the oldest of the jobs read, not the first one to wait: ${waiting.ageSecs} s`);
  assert.equal(snap.jobRunner.waiting, 100, 'all the jobs read wait');
  const reason = snap.reasons.find((r) => r.code === 'jobWaiting');
  assert.match(reason.message, /has waited at least .* older ones may be waiting too/);
  assert.match(await page.locator('.verdict').innerText(), /a job waiting at least \d+ (s|min|h)\b/);
  await admin(stack, 'POST', '/reset');
  await page.close();
});

test('options: the replicas MSR lists, and "Ping these replicas" asks for exactly them, then adds them', async () => {
  // A fresh profile state: an instance without replica addresses.
  await env.sw.evaluate(() => chrome.storage.local.clear());
  const options = await env.ctx.newPage();
  // Record what is asked (the test build pre-grants 127.0.0.1: the real request resolves
  // without a prompt); the first answer is a refusal, as a user's "Deny".
  await options.addInitScript(() => {
    const request = chrome.permissions.request.bind(chrome.permissions);
    window.__asked = [];
    window.__deny = false;
    chrome.permissions.request = (p) => {
      window.__asked.push(p);
      return window.__deny ? Promise.resolve(false) : request(p);
    };
  });
  await configure(options, env.url, stack, { replicas: false });
  const id = (await storage(env.sw, 'local')).settings.instances[0].id;
  // The worker's check after saving lists MSR's replicas (nothing is pinged there yet).
  await until(async () => {
    const snap = (await storage(env.sw, 'local'))[`snapshot:${id}`];
    return snap && snap.discovery && snap.discovery.replicas.length === stack.replica_origins.length;
  }, 'a snapshot with the discovered replicas');
  const discovered = options.getByTestId('discovered');
  await discovered.waitFor({ timeout: 20000 });
  const listed = await discovered.locator('[data-discovered]').evaluateAll((els) => els.map((e) => [e.dataset.discovered, e.dataset.pinged]));
  assert.deepEqual(listed.map((l) => l[0]).sort(), [...stack.replica_origins].sort());
  assert.ok(listed.every((l) => l[1] === 'false'));
  await options.evaluate(() => { window.__asked.length = 0; });

  // Refused: nothing added.
  await options.evaluate(() => { window.__deny = true; });
  await options.getByRole('button', { name: 'Ping these replicas of Stand-in' }).click();
  await options.getByTestId('status').filter({ hasText: 'not granted' }).waitFor({ timeout: 10000 });
  assert.deepEqual((await storage(env.sw, 'local')).settings.instances[0].replicas, []);

  // Granted: exactly the replica origins asked, then kept as replica addresses.
  await options.evaluate(() => { window.__deny = false; });
  await options.getByRole('button', { name: 'Ping these replicas of Stand-in' }).click();
  await options.getByTestId('status').filter({ hasText: 'more replica' }).waitFor({ timeout: 10000 });
  const asked = await options.evaluate(() => window.__asked);
  const patterns = listed.map((l) => `${l[0]}/*`);
  assert.deepEqual(asked, [{ origins: patterns }, { origins: patterns }]);
  const saved = (await storage(env.sw, 'local')).settings.instances[0].replicas;
  assert.deepEqual([...saved].sort(), [...stack.replica_origins].sort());
  await until(async () => (await discovered.locator('[data-pinged=true]').count()) === listed.length, 'all marked pinged');
  assert.equal(await options.getByRole('button', { name: 'Ping these replicas of Stand-in' }).count(), 0);
  // The next check pings them: one ping row per replica (instead of the load balancer's).
  await until(async () => {
    const snap = (await storage(env.sw, 'local'))[`snapshot:${id}`];
    return snap && snap.pings.length === listed.length && snap.pings.every((p) => p.state === 'healthy');
  }, 'pings of the added replicas');
});

test('popup: pulls and pushes per minute survive the service worker being stopped', async () => {
  await admin(stack, 'POST', '/reset');
  const options = await env.ctx.newPage();
  await configure(options, env.url, stack);
  const { page } = await openPopup(env.ctx, env.url);
  await page.getByTestId('metrics-repositories').waitFor({ timeout: 20000 });
  // Chrome stops an idle extension worker after 30 s, so most polls start a new one
  // whose package client has no sample of its own: the rates come from the stored
  // snapshot (extension/check.js runHealth → health({ previousMetrics })).
  // Every snapshot the worker stores from now on, in order (the new worker may check on
  // its own as it starts, before the Refresh: the first check after the restart counts).
  await page.evaluate(() => {
    globalThis.stored = [];
    chrome.storage.onChanged.addListener((changes, area) => {
      for (const [key, { newValue }] of Object.entries(changes)) {
        if (area === 'local' && key.startsWith('snapshot:') && newValue) globalThis.stored.push(newValue);
      }
    });
  });
  const all = await page.evaluate(() => chrome.storage.local.get(null));
  const before = Math.max(...Object.entries(all).filter(([k]) => k.startsWith('snapshot:')).map(([, v]) => v.checkedAt));
  const firstNew = async () => (await page.evaluate(() => globalThis.stored)).find((s) => s.checkedAt > before);
  // Stop the extension's worker over CDP (from its own popup page) and wait until it is.
  const cdp = await env.ctx.newCDPSession(page);
  const status = new Map();
  const changed = [];
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    for (const v of versions) status.set(v.versionId, v.runningStatus);
    changed.splice(0).forEach((wake) => wake());
  });
  const until_ = (check) => new Promise((resolve) => {
    const look = () => (check() ? resolve() : changed.push(look));
    look();
  });
  await cdp.send('ServiceWorker.enable');
  await until_(() => [...status.values()].includes('running'));
  const versionId = [...status].find(([, s]) => s === 'running')[0];
  await cdp.send('ServiceWorker.stopWorker', { versionId });
  await until_(() => status.get(versionId) === 'stopped');
  await page.getByRole('button', { name: 'Refresh' }).click();
  // The new worker's check: its snapshot has the rates, measured against the stored one.
  await until(async () => Boolean(await firstNew()), 'a check by the new worker');
  const after = await firstNew();
  assert.equal(typeof after.metrics.pullsPerMin, 'number', JSON.stringify(after.metrics));
  assert.equal(typeof after.metrics.pushesPerMin, 'number', JSON.stringify(after.metrics));
  const number = /^\d+\.\d$/;
  await until(async () => number.test(await page.getByTestId('metrics-pulls').innerText()), 'pulls/min shown');
  assert.match(await page.getByTestId('metrics-pushes').innerText(), number);
  await cdp.detach();
  await page.close();
  await options.close();
});
