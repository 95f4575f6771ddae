// Helpers of the Firefox end-to-end tests: Debian's firefox-esr, driven over WebDriver BiDi
// by puppeteer-core, with the release build of the add-on (extension/dist/firefox).
//
// How Firefox is driven (measured with firefox-esr 153.8 and puppeteer-core 24.43.1):
// - `browser.installExtension(dir)` installs the unpacked build as a temporary add-on. The
//   pref `extensions.webextensions.uuids` fixes its moz-extension:// UUID, and the launch
//   argument `--remote-allow-system-access` lets BiDi navigate to moz-extension:// pages
//   and evaluate script in the browser window itself ("moz:scope": "chrome").
// - BiDi sends no navigation or load events for moz-extension:// documents, so
//   `page.goto()` never settles: `open()` starts the navigation and waits until the
//   document is there (its `location`), then tests wait for the app's own DOM.
// - The stand-in's CA goes into the profile's NSS certificate database (certutil), as a
//   user or an administrator would trust a private CA — TLS checks stay on.
// - The host-permission prompt is Firefox's real doorhanger (`addon-webext-permissions`):
//   `answerPermissionPrompt()` reads it and clicks its Allow / Deny button in the
//   browser window, as a user does.
// - Console messages: extension pages and the background page run in Firefox's extension
//   process. A process script there forwards every console API call of the add-on
//   (ConsoleAPIStorage, by addonId) to the parent, where uncaught errors and rejections of
//   moz-extension:// documents arrive in the console service too; `consoleMessages()`
//   returns both.
// - Notifications: with `alerts.useSystemBackend` off, Firefox shows its own alert window
//   (the one it uses where the desktop has no notification service), which works headless;
//   with the system backend a headless Firefox closes every notification at once.
//
// Environment: MSR_LENS_STACK_JSON (the stand-in), MSR_LENS_FIREFOX_EXT_DIR (the build to
// install, default <repo>/extension/dist/firefox), FIREFOX (default /usr/bin/firefox-esr).
import puppeteer from 'puppeteer-core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../lib.mjs';

export const FIREFOX_EXT_DIR = process.env.MSR_LENS_FIREFOX_EXT_DIR || path.join(ROOT, 'extension/dist/firefox');
export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
/** The moz-extension:// host the tests give the add-on. */
export const UUID = '5d3f4c2e-9a7b-4e1d-8c6f-16f1e2e0a516';

/** Poll `fn` until it returns something truthy (or an object with `ok`); fail with `what`. */
/**
 * The errors among `messages` (env.consoleMessages()) that an extension context logged,
 * leaving out Firefox's own notice that an API answer came after its page had closed
 * ("Promise resolved after context unloaded", "Promise rejected after context unloaded:
 * Actor 'Conduits' destroyed …"): the WebExtension framework reports it when a test
 * closes a page while one of the page's storage reads is still on its way — nothing was
 * lost, and no page can prevent it.
 */
export function extensionErrors(messages) {
  return messages.filter((m) => m.level === 'error' && !/Promise (resolved|rejected) after context unloaded/.test(String(m.text)));
}

export async function until(fn, what, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last && (typeof last !== 'object' || last.ok !== false)) return last;
    } catch (e) {
      last = `threw: ${e.message}`;
    }
    if (Date.now() > end) assert.fail(`${what}: last seen ${typeof last === 'string' ? last : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Runs in the extension process (and every other one): forward the add-on's console API
// calls to the parent.
const CONSOLE_PROCESS_SCRIPT = `
const storage = Cc['@mozilla.org/consoleAPI-storage;1'].getService(Ci.nsIConsoleAPIStorage);
const text = (a) => { try { return typeof a === 'string' ? a : (a instanceof Error ? String(a) : JSON.stringify(a)); } catch { return String(a); } };
storage.addLogEventListener((message) => {
  const e = message.wrappedJSObject || message;
  if (e.addonId !== ADDON_ID) return;
  let args;
  try { args = Array.from(e.arguments || [], text); } catch (err) { args = ['(unreadable: ' + err + ')']; }
  Services.cpmm.sendAsyncMessage('msr-lens-e2e:console', { source: 'console', level: String(e.level), file: String(e.filename || ''), line: e.lineNumber, text: args.join(' ') });
}, Cc['@mozilla.org/systemprincipal;1'].createInstance(Ci.nsIPrincipal));
`;

/**
 * A fresh profile that trusts the stand-in's CA, Firefox started on it, and the add-on
 * installed. Returns the session: `browser`, `id` (gecko id), `url(path)`, `chrome(fn, arg)`
 * (run in the browser window), `ext(fn, arg)` (run in an extension page: chrome.* APIs),
 * `consoleMessages()`, `close()`.
 */
export async function launchFirefox(stack, { extDir = FIREFOX_EXT_DIR, prefs = {} } = {}) {
  const manifest = JSON.parse(readFileSync(path.join(extDir, 'manifest.json'), 'utf8'));
  const geckoId = manifest.browser_specific_settings.gecko.id;
  const profile = mkdtempSync(path.join(tmpdir(), 'msr-lens-firefox-'));
  // The stand-in's private CA, trusted for TLS servers in this profile only.
  execFileSync('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);
  execFileSync('certutil', ['-A', '-d', `sql:${profile}`, '-n', 'MSR Lens stand-in CA', '-t', 'C,,', '-i', stack.ca_file]);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    defaultViewport: { width: 440, height: 640 },
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: UUID }),
      'alerts.useSystemBackend': false,
      ...prefs,
    },
  });
  const env = { browser, id: geckoId, manifest, profile, extDir };
  env.url = (p) => `moz-extension://${UUID}/${p}`;
  const connection = browser.connection;
  const tree = await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const chromeWindow = tree.result.contexts.find((c) => c.url === 'chrome://browser/content/browser.xhtml');
  assert.ok(chromeWindow, `no browser window in ${JSON.stringify(tree.result.contexts.map((c) => c.url))}`);
  env.chrome = async (fn, arg) => {
    const expression = `(async () => JSON.stringify(await (${fn})(${JSON.stringify(arg ?? null)}) ?? null))()`;
    const { result } = await connection.send('script.evaluate', {
      expression, target: { context: chromeWindow.context }, awaitPromise: true, resultOwnership: 'none',
    });
    if (result.type !== 'success') throw new Error(`browser window: ${result.exceptionDetails?.text || JSON.stringify(result)}`);
    return JSON.parse(result.result.value);
  };
  // Console collection, before the add-on starts.
  await env.chrome((a) => {
    window.__msrLensConsole = [];
    Services.ppmm.addMessageListener('msr-lens-e2e:console', (m) => { window.__msrLensConsole.push(m.data); });
    Services.ppmm.loadProcessScript(`data:application/javascript;charset=utf-8,${encodeURIComponent(`const ADDON_ID = ${JSON.stringify(a.id)};${a.script}`)}`, true);
    // Every notification window Firefox opens (they close by themselves after a while).
    window.__msrLensAlerts = [];
    Services.ww.registerNotification({
      observe(subject, topic) {
        if (topic !== 'domwindowopened') return;
        subject.addEventListener('load', () => {
          if (!subject.document.documentURI.includes('/alerts/alert.xhtml')) return;
          const read = (tries) => {
            const title = subject.document.getElementById('alertTitleLabel')?.getAttribute('value') ?? '';
            if (!title && tries > 0) { subject.setTimeout(() => read(tries - 1), 20); return; }
            window.__msrLensAlerts.push({ title, text: subject.document.getElementById('alertTextLabel')?.textContent ?? '' });
          };
          read(50);
        }, { once: true });
      },
    });
    const prefix = `moz-extension://${a.uuid}/`;
    Services.console.registerListener({
      observe(message) {
        let e;
        try { e = message.QueryInterface(Ci.nsIScriptError); } catch { return; }
        const about = String(e.sourceName || '').startsWith(prefix) || String(e.errorMessage).includes(prefix) || String(e.errorMessage).includes(a.id);
        if (!about) return;
        // nsIScriptError flags: warning 1, info 8; 0 is an error.
        const level = e.flags & 1 ? 'warn' : e.flags & 8 ? 'info' : 'error';
        window.__msrLensConsole.push({ source: 'error', level, category: e.category, file: e.sourceName, line: e.lineNumber, text: e.errorMessage });
      },
    });
    return true;
  }, { id: geckoId, uuid: UUID, script: CONSOLE_PROCESS_SCRIPT });
  const installed = await browser.installExtension(extDir);
  assert.equal(installed, geckoId);
  env.consoleMessages = () => env.chrome(() => window.__msrLensConsole);
  env.consoleErrors = async () => (await env.consoleMessages()).filter((m) => m.level === 'error');
  // One extension page kept open to call chrome.* APIs from (options.html only reads).
  let apiPage;
  env.ext = async (fn, arg) => {
    if (!apiPage) apiPage = await open(env, 'options.html');
    return apiPage.evaluate(fn, arg);
  };
  env.close = async () => {
    await browser.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return env;
}

/**
 * A new tab on an extension page; resolves once that document is there (BiDi reports no
 * navigation of moz-extension:// pages, so `goto` is not awaited).
 */
export async function open(env, p, { viewport } = {}) {
  const page = await env.browser.newPage();
  if (viewport) await page.setViewport(viewport);
  await navigate(page, env.url(p));
  return page;
}

/** Navigate an open tab to an extension URL and wait for the document. */
export async function navigate(page, url) {
  page.goto(url).catch(() => {}); // never settles for moz-extension:// (see the top)
  await until(() => page.evaluate((u) => location.href === u && document.readyState !== 'loading', url), `open ${url}`);
}

/** The text content of the first element matching `selector`, or null. */
export function text(page, selector) {
  return page.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector);
}

/** Wait until the options page's status line contains `what`; returns the line. */
export async function statusLine(page, what, ms = 15000) {
  return until(async () => {
    const line = await text(page, '[data-testid=status]');
    return line && line.includes(what) ? line : { ok: false, line };
  }, `status "${what}"`, ms);
}

/**
 * Wait for Firefox's host-permission prompt of the add-on, then click `answer` ("allow" or
 * "deny") the way a user does. Returns the prompt's text and its button labels.
 */
export async function answerPermissionPrompt(env, answer) {
  const prompt = await until(() => env.chrome(() => {
    const el = document.getElementById('addon-webext-permissions-notification');
    const shown = PopupNotifications.panel.state === 'open' && el && !el.hidden;
    return shown ? { text: el.textContent, allow: el.getAttribute('buttonlabel'), deny: el.getAttribute('secondarybuttonlabel') } : null;
  }), 'the permission prompt');
  await env.chrome((a) => {
    const el = document.getElementById('addon-webext-permissions-notification');
    (a === 'allow' ? el.button : el.secondaryButton).click();
    return true;
  }, answer);
  await until(() => env.chrome(() => PopupNotifications.panel.state === 'closed'), 'the prompt to close');
  return prompt;
}

/**
 * Fill the options form for the stand-in, click Save, answer the prompt (if one comes).
 * `secret` replaces the user's token or password from stack.json, `origin` the stand-in's.
 */
export async function addInstance(env, page, stack, { name = 'Stand-in', user = 'admin', kind = 'token', secret, origin = stack.origin, replicas = true, remember = false, prompt = 'allow' } = {}) {
  await page.bringToFront();
  await page.waitForSelector('main.options');
  await until(() => page.evaluate(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Add an MSR instance')), 'the Add button');
  await page.evaluate(() => [...document.querySelectorAll('button')].find((b) => b.textContent === 'Add an MSR instance').click());
  await page.waitForSelector('#f-name');
  await page.type('#f-name', name);
  await page.type('#f-origin', origin);
  if (replicas) await page.type('#f-replicas', stack.replica_origins.join('\n'));
  await page.type('#f-user', user);
  if (kind === 'password') await page.click('input[name=kind][value=password]');
  await page.type('#f-secret', secret ?? (kind === 'token' ? stack.users[user].token : stack.users[user].password));
  if (remember) await page.click('#f-remember');
  const save = await page.waitForSelector('xpath///button[normalize-space()="Save"]');
  await save.click();
  const answered = prompt ? await answerPermissionPrompt(env, prompt) : null;
  return answered;
}

/** The add-on's toolbar button as the browser window shows it: badge text and colours, title. */
export function toolbarBadge(env) {
  return env.chrome((id) => {
    const widgetId = `${id.toLowerCase().replace(/[^a-z0-9_-]/g, '_')}-browser-action`;
    const widget = CustomizableUI.getWidget(widgetId);
    const node = widget && widget.forWindow(window).node;
    const button = node && node.querySelector('.unified-extensions-item-action-button');
    if (!button) return { missing: widgetId };
    // The title reaches the button through Fluent (data-l10n-args), which sets its tooltip.
    const args = JSON.parse(button.getAttribute('data-l10n-args') || '{}');
    return { text: button.getAttribute('badge') || '', style: button.getAttribute('badgeStyle') || '', title: args.extensionTitle || '' };
  }, env.id);
}

/**
 * Click the add-on's toolbar button the way the browser does for a user (in the
 * extensions panel when it is not pinned): Firefox opens the popup in its panel. Returns
 * the popup's browser (URL, size) once the panel is open.
 */
export async function openToolbarPopup(env) {
  await env.chrome(async (id) => {
    const widgetId = `${id.toLowerCase().replace(/[^a-z0-9_-]/g, '_')}-browser-action`;
    const widget = CustomizableUI.getWidget(widgetId);
    if (widget.areaType === CustomizableUI.TYPE_PANEL) await gUnifiedExtensions.openPanel(null, 'extension_browser_action_popup');
    const button = widget.forWindow(window).node.querySelector('.unified-extensions-item-action-button');
    button.dispatchEvent(new CustomEvent('command', { bubbles: true, cancelable: true, detail: {} }));
    return true;
  }, env.id);
  return until(() => toolbarPopup(env), 'the toolbar popup');
}

/** The open toolbar popup's browser (URL, size; Firefox sizes it to its content), or null. */
export function toolbarPopup(env) {
  return env.chrome((uuid) => {
    const browser = [...document.querySelectorAll('panel browser')].find((b) => b.currentURI?.spec === `moz-extension://${uuid}/popup.html`);
    const panel = browser?.closest('panel');
    if (!browser || panel.state !== 'open') return null;
    const { width, height } = browser.getBoundingClientRect();
    return { url: browser.currentURI.spec, width, height };
  }, UUID);
}

/** Close the toolbar popup's panel (as clicking elsewhere does); resolves once it is gone. */
export async function closeToolbarPopup(env) {
  await env.chrome((uuid) => {
    const browser = [...document.querySelectorAll('panel browser')].find((b) => b.currentURI?.spec === `moz-extension://${uuid}/popup.html`);
    browser?.closest('panel')?.hidePopup();
    return true;
  }, UUID);
  await until(async () => (await env.ext(() => chrome.extension.getViews({ type: 'popup' }).length)) === 0, 'the popup to close');
}

/** The add-on's background page as Firefox runs it: starting, running, suspending or stopped. */
export function backgroundState(env) {
  return env.chrome((id) => WebExtensionPolicy.getByID(id)?.extension?.backgroundState ?? 'unknown', env.id);
}

/** Every notification Firefox showed so far, oldest first (title and text of its window). */
export function alertWindows(env) {
  return env.chrome(() => window.__msrLensAlerts);
}

/**
 * Publish with the notary CLI through the stand-in's token flow, as `cargo xtask stack
 * seed` does: `init` a new GUN (one changefeed record), then one `add` per tag.
 */
export function notaryPublish(stack, gun, tags = []) {
  const trust = mkdtempSync(path.join(tmpdir(), 'msr-lens-notary-'));
  const files = mkdtempSync(path.join(tmpdir(), 'msr-lens-notary-files-'));
  const pass = 'msr-lens-e2e-passphrase';
  const env = {
    ...process.env,
    NOTARY_AUTH: Buffer.from(`admin:${stack.users.admin.password}`).toString('base64'),
    NOTARY_ROOT_PASSPHRASE: pass, NOTARY_TARGETS_PASSPHRASE: pass, NOTARY_SNAPSHOT_PASSPHRASE: pass, NOTARY_DELEGATION_PASSPHRASE: pass,
  };
  const notary = (...args) => execFileSync('/usr/bin/notary', ['-s', stack.origin, '-d', trust, '--tlscacert', stack.ca_file, ...args], { env, stdio: 'pipe' });
  try {
    notary('init', gun, '-p');
    for (const tag of tags) {
      const file = path.join(files, `${tag}.json`);
      writeFileSync(file, `${JSON.stringify({ gun, tag, at: Date.now() })}\n`);
      notary('add', gun, tag, file, '-p');
    }
  } finally {
    rmSync(trust, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  }
}

/**
 * What a popup document shows, read in one go (so the parts belong to the same render):
 * the instance named in its heading, whether its verdict comes from a check of this popup
 * (`fresh`) and one is running (`refreshing`), the verdict, the banner's one line, the
 * problems, the instance tabs, the status strips' captions and why the trust section lists
 * no events. Run it in the page
 * (`page.evaluate(popupShows)`) or on the toolbar popup (`toolbarPopupShows`).
 */
export function popupShows(doc = document) {
  if (!doc?.querySelector('main.popup')) return null;
  const banner = doc.querySelector('[data-testid=verdict]');
  const refresh = banner?.querySelector('.refresh');
  const strip = (k) => {
    const uptime = doc.querySelector(`[data-testid=strip-${k}] [data-testid=uptime]`);
    return uptime ? { caption: uptime.textContent, title: uptime.title } : null;
  };
  return {
    instance: doc.querySelector('main.popup h1')?.textContent ?? null,
    fresh: banner?.dataset.fresh === 'true',
    refreshing: !refresh || refresh.disabled,
    verdict: banner?.querySelector('[data-verdict]')?.dataset.verdict ?? null,
    summary: doc.querySelector('[data-testid=summary]')?.textContent ?? null,
    problems: [...doc.querySelectorAll('.problems [data-kind]')].map((e) => ({ area: e.dataset.area, kind: e.dataset.kind, text: e.textContent })),
    instances: [...doc.querySelectorAll('button[data-instance]')].map((e) => ({
      name: e.querySelector('.name').textContent, state: e.dataset.state, current: e.getAttribute('aria-current') === 'true',
    })),
    strips: { '24h': strip('24h'), '7d': strip('7d') },
    trustWhy: doc.querySelector('[data-testid=trust-why]')?.textContent ?? null,
  };
}

/** `popupShows` of the popup open in the toolbar's panel (null while there is none). */
export function toolbarPopupShows(env) {
  return env.ext(`(${popupShows})(chrome.extension.getViews({ type: 'popup' })[0]?.document)`);
}

/**
 * Wait until the popup in `page` shows a check of this popup session that is done (fresh,
 * nothing running) for instance `name`, and `accept(shown)` holds for it; returns what it
 * shows. `shows` reads the popup (default: `page.evaluate(popupShows)`).
 */
export function popupSettled(page, name, what, accept = () => true, { shows = () => page.evaluate(popupShows), ms = 20000 } = {}) {
  return until(async () => {
    const shown = await shows();
    return shown && shown.instance === name && shown.fresh && !shown.refreshing && accept(shown) ? shown : { ok: false, shown };
  }, what, ms);
}
