// Stored settings this version reads only in part (a `{label, url}` replica, an unknown
// secretKind, fields it does not know, an instance that is not an object) or not at all
// (not an object): the options page and popup show what they can read, say what they
// cannot, and saving an edit keeps everything else exactly as it was stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, loadStack, resetSim, storage, watchErrors } from '../lib.mjs';

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

const setSettings = (settings) => env.sw.evaluate((s) => chrome.storage.local.set({ settings: s }), settings);
const storedSettings = async () => (await storage(env.sw, 'local')).settings;

test('odd stored settings: good instances show and save, the rest is kept as stored', async () => {
  const odd = {
    pollMinutes: 1,
    theme: { dark: true, accents: ['a', 'b'] },
    instances: [
      {
        id: 'good', name: 'Good', origin: stack.origin, username: '', remember: false,
        replicas: [{ label: 'node one', url: stack.replica_origins[0] }],
        secretKind: 'sso', future: { x: [1, 2, null] },
      },
      'not an instance this version reads',
      { id: 42, name: 'numeric id' },
    ],
  };
  await setSettings(odd);

  const options = await env.ctx.newPage();
  const errors = watchErrors(options);
  await options.goto(env.url('options.html'));
  const row = options.locator('li[data-instance="good"]');
  await row.waitFor();
  assert.match(await row.innerText(), /Good/);
  assert.equal(
    await options.getByTestId('instances-unreadable').innerText(),
    '2 stored instances could not be read by this version; they are kept',
  );
  assert.match(await row.getByTestId('fields-unread').innerText(), /secretKind/);
  assert.equal(await options.getByText('None yet.').count(), 0);

  // Edit the good instance and save.
  await options.getByRole('button', { name: 'Edit Good' }).click();
  assert.equal(await options.locator('#f-replicas').inputValue(), stack.replica_origins[0]);
  await options.locator('#f-name').fill('Good renamed');
  await options.getByRole('button', { name: 'Save' }).click();
  await options.getByTestId('status').filter({ hasText: 'saved' }).waitFor({ timeout: 10000 });

  const saved = await storedSettings();
  assert.equal(saved.instances.length, 3);
  const [good, text, numeric] = saved.instances;
  assert.equal(good.name, 'Good renamed');
  assert.deepEqual(good.replicas, odd.instances[0].replicas);
  assert.equal(good.secretKind, 'sso');
  assert.deepEqual(good.future, odd.instances[0].future);
  assert.equal(good.origin, stack.origin);
  assert.deepEqual(text, odd.instances[1]);
  assert.deepEqual(numeric, odd.instances[2]);
  assert.deepEqual(saved.theme, odd.theme);
  assert.deepEqual(errors, []);

  // The worker checks the good instance and skips the others (no throw for all).
  const answer = await options.evaluate(() => chrome.runtime.sendMessage({ type: 'refresh' }));
  assert.equal(answer.ok, true);
  assert.deepEqual(answer.results.map((r) => r.instanceId), ['good']);
  assert.equal(answer.results[0].pings.find((p) => p.label === 'node one')?.state, 'healthy', JSON.stringify(answer.results[0].pings));

  // The popup shows the good instance, not "no instances".
  const popup = await env.ctx.newPage();
  await popup.goto(env.url('popup.html'));
  await popup.locator('.verdict').waitFor({ timeout: 20000 });
  assert.match(await popup.locator('main').innerText(), /Good renamed/);
  assert.equal(
    await popup.getByTestId('instances-unreadable').innerText(),
    '2 more stored instance(s) could not be read by this version; they are kept',
  );
  assert.equal(await popup.getByText('No MSR instance is configured yet.').count(), 0);
  await popup.close();
  await options.close();
});

test('stored settings that are not an object: said so, and not saved over unless the user replaces them', async () => {
  const garbage = 'settings="hand edited"';
  await setSettings(garbage);

  const popup = await env.ctx.newPage();
  await popup.goto(env.url('popup.html'));
  const error = popup.getByTestId('storage-error');
  await error.waitFor();
  assert.match(await error.innerText(), /cannot be read by this version/);
  assert.equal(await popup.getByText('No MSR instance is configured yet.').count(), 0);
  await popup.close();

  const options = await env.ctx.newPage();
  await options.goto(env.url('options.html'));
  const alert = options.getByTestId('settings-unreadable');
  await alert.waitFor();
  assert.match(await alert.innerText(), /cannot be read by this version \(they are text, not an object\)/);
  assert.equal(await options.getByRole('button', { name: 'Add an MSR instance' }).count(), 0);
  // A change of the general settings is refused, and nothing is written.
  await options.locator('#poll').fill('7');
  await options.locator('#poll').dispatchEvent('change');
  await options.getByTestId('status').filter({ hasText: 'nothing was saved' }).waitFor({ timeout: 10000 });
  assert.equal(await storedSettings(), garbage);
  // "Keep them" keeps them; "Yes, replace them" replaces them.
  await options.getByRole('button', { name: 'Replace the unreadable settings' }).click();
  await options.getByRole('button', { name: 'Keep them' }).click();
  assert.equal(await storedSettings(), garbage);
  await options.getByRole('button', { name: 'Replace the unreadable settings' }).click();
  await options.getByRole('button', { name: 'Yes, replace them' }).click();
  await options.getByTestId('status').filter({ hasText: 'replaced' }).waitFor({ timeout: 10000 });
  const replaced = await storedSettings();
  assert.deepEqual(replaced.instances, []);
  assert.equal(replaced.pollMinutes, 1);
  await options.getByRole('button', { name: 'Add an MSR instance' }).waitFor();
  await options.close();
});

test('only unreadable instances: the popup says they are kept, not that none is configured', async () => {
  const only = { instances: [['a list, not an instance']] };
  await setSettings(only);
  const popup = await env.ctx.newPage();
  await popup.goto(env.url('popup.html'));
  const note = popup.getByTestId('instances-unreadable');
  await note.waitFor();
  assert.match(await note.innerText(), /1 stored instance\(s\) could not be read by this version; they are kept/);
  assert.equal(await popup.getByText('No MSR instance is configured yet.').count(), 0);
  await popup.close();
  assert.deepEqual(await storedSettings(), only);
});
