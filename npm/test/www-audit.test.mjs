// www/audit.html in headless Chromium against the live stack: <msr-lens-audit> (the
// msr-lens/audit sub-entry, the extension's audit view) embedded in a portal page served
// same-origin by the stack's nginx at /lens/. Admin: newest first, and everything loaded
// equals the stand-in's ground truth; dev (pull only): the plain explanation and only its
// repositories; a wrong password: the token service's refusal. The credentials never land
// in an attribute or any storage. Skipped without the stack or when nginx does not serve /lens/.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { readFile } from "node:fs/promises";

import { chromium, launchChromium, stackConfig, startForeignOrigin } from "./helpers.mjs";

const stack = stackConfig();
const served = stack
  ? await fetch(`${stack.origin}/lens/audit.html`).then((r) => r.ok).catch(() => false)
  : false;
const skip = !stack
  ? "the stack is not up (no .stack/stack.json)"
  : !chromium
    ? "playwright-core is not installed (npm ci in npm/)"
    : !served
      ? "the stack's nginx does not serve /lens/audit.html"
      : false;

let browser;

before(async () => {
  if (skip) return;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

async function truth(gun) {
  const query = gun ? `?gun=${encodeURIComponent(gun)}` : "";
  const response = await fetch(`${stack.sim_admin}/truth/changefeed${query}`);
  assert.equal(response.status, 200);
  return (await response.json()).records;
}

async function openPage({ bypassCSP = false } = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP, viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // Chromium logs every 4xx as "Failed to load resource" (the token flow's 401 challenge);
  // those are network logs, not script errors.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${stack.origin}/lens/audit.html`);
  await page.waitForFunction(() => customElements.get("msr-lens-audit") !== undefined);
  return { page, problems, context };
}

async function signIn(page, user, { secret, repository = "" } = {}) {
  await page.fill("#username", user);
  await page.fill("#secret", secret ?? stack.users[user].token);
  await page.fill("#repository", repository);
  await page.click("#signin button[type=submit]");
  await page.waitForFunction(() => document.querySelector("msr-lens-audit").connected);
}

// Inside the element (Playwright's CSS locators pierce its open shadow root).
const view = (page, selector) => page.locator(`msr-lens-audit ${selector}`);

/**
 * Rows in the DOM (the list is virtualized): [{id, category, gun, name}], newest first: `gun`
 * the full GUN (the row's data-gun), `name` what the row shows (without the registry host).
 */
function rows(page) {
  return view(page, "[data-testid=audit] tbody tr").evaluateAll((els) =>
    els.map((e) => ({
      id: e.dataset.event,
      category: e.dataset.category,
      gun: e.dataset.gun,
      name: e.querySelector(".gun")?.textContent,
    })),
  );
}

/** Wait until the view counts at least `n` records. */
function waitTotalAtLeast(page, n, timeout = 20_000) {
  return page.waitForFunction(
    (k) => {
      const counts = document.querySelector("msr-lens-audit").shadowRoot.querySelector("[data-testid=counts]");
      return counts !== null && Number(counts.dataset.total) >= k;
    },
    n,
    { timeout },
  );
}

/** Every attribute value, Web Storage entry and IndexedDB record of the page, as text. */
function everythingStored(page) {
  return page.evaluate(async () => {
    const texts = [];
    const walk = (root) => {
      for (const el of root.querySelectorAll("*")) {
        for (const a of el.attributes) texts.push(`${a.name}=${a.value}`);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    for (const store of [localStorage, sessionStorage]) {
      for (let i = 0; i < store.length; i += 1) texts.push(`${store.key(i)}=${store.getItem(store.key(i))}`);
    }
    texts.push(document.cookie);
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      for (const storeName of db.objectStoreNames) {
        const all = await new Promise((resolve) => {
          const r = db.transaction(storeName).objectStore(storeName).getAll();
          r.onsuccess = () => resolve(r.result);
        });
        texts.push(JSON.stringify(all));
        const keys = await new Promise((resolve) => {
          const r = db.transaction(storeName).objectStore(storeName).getAllKeys();
          r.onsuccess = () => resolve(r.result);
        });
        texts.push(JSON.stringify(keys));
      }
      db.close();
    }
    return texts.join("\n");
  });
}

/** Export JSON through the view and parse the file the browser downloaded. */
async function exportJson(page) {
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 60_000 }),
    page.locator("msr-lens-audit").getByRole("button", { name: "Export JSON" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^msr-trust-audit-.*\.json$/);
  return JSON.parse(await readFile(await download.path(), "utf8"));
}

test("admin: newest first, everything loaded equals the ground truth, no secret stored", { skip }, async () => {
  const { page, problems, context } = await openPage();
  assert.match(await view(page, ".placeholder").textContent(), /Not signed in/);
  const before = await truth();
  await signIn(page, "admin");
  await view(page, "[data-testid=audit] tbody tr").first().waitFor({ timeout: 20_000 });
  const shown = await rows(page);
  const now = await truth();
  // The rows on screen are the newest records, newest first: exactly the truth's records
  // up to the newest one shown (others may be published meanwhile).
  const newest = Number(shown[0].id);
  assert.ok(newest >= before.at(-1).id, `first row ${newest}, truth ended at ${before.at(-1).id}`);
  const expected = now.filter((r) => r.id <= newest).reverse().slice(0, shown.length);
  assert.ok(shown.length > 5 && shown.length < 100, `${shown.length} rows in the DOM`);
  assert.deepEqual(
    shown.map((r) => `${r.id} ${r.gun} ${r.category}`),
    expected.map((r) => `${r.id} ${r.gun} ${r.category}`),
  );
  assert.match(await view(page, "[data-testid=follow]").innerText(), /60 s/);
  // The registry host once, in the view's heading; the rows show namespace/name.
  const host = stack.registry_host;
  assert.equal(await view(page, "[data-testid=registry-host]").innerText(), `Repositories on ${host}`);
  assert.deepEqual(
    shown.map((r) => r.name),
    shown.map((r) => (r.gun.startsWith(`${host}/`) ? r.gun.slice(host.length + 1) : r.gun)),
  );
  assert.ok(shown.every((r) => !r.name.startsWith(`${host}/`)), "no row names the registry host");

  // Load everything: the export holds every record of the truth, once, nothing else.
  await page.locator("msr-lens-audit").getByRole("button", { name: /oad(ing)? everything/ }).click();
  await view(page, "[data-testid=complete]").waitFor({ timeout: 60_000 });
  const exported = await exportJson(page);
  const afterwards = await truth();
  const key = (r) => `${r.id}|${r.gun}|${r.version}|${r.sha256}|${r.category}`;
  const got = exported.map((r) => `${r.ID}|${r.GUN}|${r.Version}|${r.SHA256}|${r.Category}`);
  assert.equal(new Set(got).size, got.length, "an exported record repeated");
  const have = new Set(got);
  const known = new Set(afterwards.map(key));
  assert.deepEqual(before.map(key).filter((k) => !have.has(k)), [], "records missing");
  assert.deepEqual(got.filter((k) => !known.has(k)), [], "records not in the truth");
  const ids = exported.map((r) => Number(r.ID));
  assert.ok(ids.every((id, i) => i === 0 || id < ids[i - 1]), "newest first");

  // The credentials are in no attribute, Web Storage, cookie or IndexedDB record.
  assert.equal(await page.inputValue("#secret"), "", "the form let go of the secret");
  const stored = await everythingStored(page);
  assert.ok(stored.includes("msr-lens"), "IndexedDB holds the records");
  assert.ok(!stored.includes(stack.users.admin.token), "the token is stored somewhere");
  assert.deepEqual(problems, []);
  if (process.env.MSR_LENS_WWW_SCREENSHOT) {
    await page.screenshot({ path: process.env.MSR_LENS_WWW_SCREENSHOT.replace(/(\.png)?$/, "-audit.png"), fullPage: true });
  }
  await context.close();
});

test("dev (pull only): the plain explanation, then only the repositories it names", { skip }, async () => {
  const { page, problems, context } = await openPage();
  // An admin first, on the same page: its stored records must not show for dev.
  await signIn(page, "admin");
  await view(page, "[data-testid=audit] tbody tr").first().waitFor({ timeout: 20_000 });
  await signIn(page, "dev", { secret: stack.users.dev.password });
  const note = view(page, "[data-testid=non-admin]");
  await note.waitFor({ timeout: 20_000 });
  assert.match(await note.innerText(), /only of repositories it can pull/);
  assert.equal((await rows(page)).length, 0, "nothing of the admin's shows");

  await view(page, "#repos").fill("library/nginx");
  await page.locator("msr-lens-audit").getByRole("button", { name: "Show" }).click();
  await view(page, "[data-testid=audit] tbody tr").first().waitFor({ timeout: 20_000 });
  const gun = `${stack.registry_host}/library/nginx`;
  const expected = (await truth(gun)).length;
  await waitTotalAtLeast(page, Math.min(expected, 1000));
  assert.deepEqual([...new Set((await rows(page)).map((r) => r.gun))], [gun]);
  assert.deepEqual([...new Set((await rows(page)).map((r) => r.name))], ["library/nginx"]);

  // The element's `repository` attribute: that repository only, no global feed asked for.
  await signIn(page, "dev", { secret: stack.users.dev.password, repository: "library/nginx" });
  assert.equal(await page.locator("msr-lens-audit").getAttribute("repository"), "library/nginx");
  await view(page, "[data-testid=audit] tbody tr").first().waitFor({ timeout: 20_000 });
  assert.equal(await note.count(), 0);
  assert.deepEqual([...new Set((await rows(page)).map((r) => r.gun))], [gun]);
  const stored = await everythingStored(page);
  assert.ok(!stored.includes(stack.users.dev.password) && !stored.includes(stack.users.admin.token));
  assert.deepEqual(problems, []);
  await context.close();
});

test("a wrong password: the token service's refusal, no records", { skip }, async () => {
  const { page, problems, context } = await openPage();
  await page.evaluate(() =>
    document.querySelector("msr-lens-audit").connect({ username: "admin", secret: "not-the-password", secretKind: "password" }),
  );
  await view(page, ".feed-list li").filter({ hasText: /rejected the credentials/ }).waitFor({ timeout: 20_000 });
  assert.equal((await rows(page)).length, 0);
  // connect() checks what it is given.
  const refused = await page.evaluate(() =>
    document.querySelector("msr-lens-audit").connect({ username: "admin", secret: "x", secretKind: "cookie" }).then(
      () => "accepted",
      (e) => `${e.name}: ${e.message}`,
    ),
  );
  assert.match(refused, /TypeError: secretKind/);
  await page.evaluate(() => document.querySelector("msr-lens-audit").disconnect());
  assert.match(await view(page, ".placeholder").textContent(), /Not signed in/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("deep links: the portal page's hash opens the view filtered and on a record, unless off", { skip }, async () => {
  const gun = `${stack.registry_host}/library/nginx`;
  const target = (await truth(gun)).at(-1);
  const { page, problems, context } = await openPage();
  await page.goto(`${stack.origin}/lens/audit.html#repo=library/nginx&record=${target.id}`);
  await page.waitForFunction(() => customElements.get("msr-lens-audit") !== undefined);
  await signIn(page, "admin");
  await view(page, "[data-testid=record]").waitFor({ timeout: 20_000 });
  assert.equal(await view(page, "[data-testid=record]").getAttribute("data-record"), String(target.id));
  assert.equal(await view(page, "#f-prefix").inputValue(), "library/nginx");
  assert.ok(page.url().endsWith(`#repo=library/nginx&record=${target.id}`), "the hash names the same view");
  // deep-links="off": the view remounts and ignores the hash.
  await page.locator("msr-lens-audit").evaluate((el) => el.setAttribute("deep-links", "off"));
  await view(page, "[data-testid=audit] tbody tr").first().waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => document.querySelector("msr-lens-audit").shadowRoot.querySelector("#f-prefix")?.value === "");
  assert.equal(await view(page, "[data-testid=record]").count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a wrong password shows none of that user's stored records", { skip }, async () => {
  const { page, problems, context } = await openPage();
  // The admin's records are stored on this browser...
  await signIn(page, "admin");
  await view(page, "[data-testid=audit] tbody tr").first().waitFor({ timeout: 20_000 });
  await page.evaluate(() => document.querySelector("msr-lens-audit").disconnect());
  // ...and someone types "admin" with a wrong secret: MSR refuses it, nothing stored shows.
  await page.evaluate(() =>
    document.querySelector("msr-lens-audit").connect({ username: "admin", secret: "not-the-password", secretKind: "password" }),
  );
  await view(page, ".feed-list li").filter({ hasText: /rejected the credentials/ }).waitFor({ timeout: 20_000 });
  assert.equal((await rows(page)).length, 0, "stored rows shown before MSR accepted the credentials");
  const counts = view(page, "[data-testid=counts]");
  assert.equal(await counts.getAttribute("data-total"), "0");
  assert.match(await counts.innerText(), /^0 of 0 records/);
  assert.equal(await page.locator("msr-lens-audit").getByRole("button", { name: "Clear stored records" }).isDisabled(), true);
  // The right secret shows them again at once, with what is new.
  await signIn(page, "admin");
  await view(page, "[data-testid=audit] tbody tr").first().waitFor({ timeout: 20_000 });
  assert.match(await view(page, "section.backfill").innerText(), /from this device's storage/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("credentials never follow a changed base-url to another origin", { skip }, async () => {
  const foreign = await startForeignOrigin(stack);
  // The demo page's CSP (connect-src 'self') would block the other origin by itself; a
  // portal page without it is what is tested here.
  const { page, problems, context } = await openPage({ bypassCSP: true });
  try {
    await signIn(page, "admin");
    await view(page, "[data-testid=audit] tbody tr").first().waitFor({ timeout: 20_000 });
    // The attribute moves to another origin: the element drops the credentials, signs out
    // and says so, instead of reading the other origin with them.
    const dropped = await page.evaluate(
      (origin) =>
        new Promise((resolve) => {
          const audit = document.querySelector("msr-lens-audit");
          audit.addEventListener("credentials-dropped", (e) => resolve({ ...e.detail, connected: audit.connected }), {
            once: true,
          });
          audit.setAttribute("base-url", origin);
          // Without the event, report what the element did after a moment's work.
          setTimeout(() => resolve({ connected: audit.connected }), 5_000);
        }),
      foreign.origin,
    );
    assert.deepEqual(dropped, { origin: stack.origin, baseUrl: foreign.origin, connected: false });
    assert.match(await view(page, ".placeholder").textContent(), /Signed out: the MSR address changed/);
    // Signed in again on the other origin's page address, anonymously: nothing was sent
    // there with credentials.
    await page.evaluate(() => document.querySelector("msr-lens-audit").connect());
    await view(page, ".feed-list li").first().waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => !/loading/.test(
      document.querySelector("msr-lens-audit").shadowRoot.querySelector(".feed-list li")?.textContent ?? "loading",
    ), null, { timeout: 20_000 });
    assert.ok(foreign.requests.some((r) => r.path.startsWith("/v2/")), JSON.stringify(foreign.requests));
    assert.deepEqual(foreign.requests.filter((r) => r.authorization !== null), [], "credentials reached the other origin");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await foreign.close();
  }
});
