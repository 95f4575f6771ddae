// www/ in headless Chromium against the live stack: the page renders MSR's health and the
// latest trust events, and server text stays text. Served same-origin with MSR: by the
// stack's nginx when it serves /lens/, otherwise through a small proxy started here that
// serves www/ and the built package and forwards everything else to the stack's origin
// (the "reverse proxy in front of MSR" way of embedding). Skipped without the stack.

import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { request as httpsRequest } from "node:https";
import { extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";

import { PACKAGE_DIR, REPO, chromium, launchChromium, stackConfig, startForeignOrigin } from "./helpers.mjs";

const stack = stackConfig();
const skip = !stack
  ? "the stack is not up (no .stack/stack.json)"
  : !chromium
    ? "playwright-core is not installed (npm ci in npm/)"
    : false;

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json" };
let server;
let base;
let browser;

function serveFile(res, root, rel) {
  const path = normalize(join(root, rel));
  if (!path.startsWith(root)) return false;
  try {
    if (!statSync(path).isFile()) return false;
  } catch {
    return false;
  }
  res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
  res.end(readFileSync(path));
  return true;
}

/** Same-origin proxy: /lens/ from disk, everything else forwarded to the stack. */
function startProxy() {
  const upstream = new URL(stack.origin);
  let self = "";
  const ca = readFileSync(stack.ca_file);
  return new Promise((resolve) => {
    server = createServer((req, res) => {
      const path = new URL(req.url, "http://x").pathname;
      if (path.startsWith("/lens/pkg/") && serveFile(res, PACKAGE_DIR, path.slice("/lens/pkg/".length))) return;
      if (path.startsWith("/lens/")) {
        const rel = path.slice("/lens/".length) || "index.html";
        if (serveFile(res, join(REPO, "www"), rel)) return;
      }
      const headers = { ...req.headers, host: upstream.host };
      const forward = httpsRequest(
        { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, ca },
        (answer) => {
          // MSR names its token service with its external URL; a proxy on another origin
          // must rename it (or MSR must know the proxy's URL), or the client refuses to
          // send credentials to the "foreign" realm.
          const headers = { ...answer.headers };
          if (headers["www-authenticate"]) {
            headers["www-authenticate"] = headers["www-authenticate"].replace(`realm="${stack.origin}/`, `realm="${self}/`);
          }
          res.writeHead(answer.statusCode, headers);
          answer.pipe(res);
        },
      );
      forward.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(forward);
    });
    server.listen(0, "127.0.0.1", () => {
      self = `http://127.0.0.1:${server.address().port}`;
      resolve(self);
    });
  });
}

async function simAdmin(path, body) {
  const response = await fetch(`${stack.sim_admin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
}

before(async () => {
  if (skip) return;
  const viaNginx = await fetch(`${stack.origin}/lens/`).then((r) => r.ok && r.headers.get("content-type")?.includes("html")).catch(() => false);
  base = viaNginx ? stack.origin : await startProxy();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections?.();
  server?.close();
});

async function openPage({ bypassCSP = false } = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // Chromium logs every 4xx as "Failed to load resource" (the token flow's 401 challenge,
  // the favicon); those are network logs, not script errors.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${base}/lens/`);
  return { page, problems, context };
}

const verdict = (page) => page.locator("msr-lens-health").locator(".verdict");

test("the page shows health and the latest trust events", { skip }, async () => {
  const { page, problems, context } = await openPage();
  // Anonymous: pings and nginx only — reachable, not green.
  await page.waitForFunction(() => document.querySelector("msr-lens-health")?.report !== null, null, { timeout: 20_000 });
  assert.equal(await verdict(page).textContent(), "reachable");
  const health = page.locator("msr-lens-health");
  assert.equal(await health.locator(".note").textContent(), "cluster status not checked");
  assert.equal(await health.locator(".coverage").textContent(), "checked: pings + nginx");
  assert.equal(await health.getAttribute("data-verdict"), "reachable");

  await page.fill("#username", "admin");
  await page.fill("#secret", stack.users.admin.token);
  await page.click("button[type=submit]");
  await page.waitForSelector("#events tbody tr", { timeout: 20_000 }).catch(async () => {
    assert.fail(`no events: ${await page.locator("#events-status").textContent()}`);
  });
  const rows = await page.locator("#events tbody tr").count();
  assert.ok(rows >= 1 && rows <= 25, `${rows} rows`);
  const newestGun = await page.locator("#events tbody tr:first-child td:nth-child(2)").textContent();
  const truth = await fetch(`${stack.sim_admin}/truth/changefeed`).then((r) => r.json());
  assert.equal(newestGun, truth.records.at(-1).gun);
  // With admin credentials the check includes cluster_status: three replicas.
  await page
    .waitForFunction(() => document.querySelector("msr-lens-health")?.report?.replicas?.length === 3, null, { timeout: 20_000 })
    .catch(() => {});
  const report = await page.evaluate(() => document.querySelector("msr-lens-health").report);
  assert.equal(report.replicas.length, 3, JSON.stringify(report.reasons));
  assert.equal(report.verdict, "healthy");
  assert.equal(report.coverage.summary, "pings + nginx + cluster status + job runner + metrics");
  await health.locator('.verdict.healthy').waitFor({ timeout: 20_000 });
  assert.equal(await health.locator(".coverage").textContent(), "checked: pings + nginx + cluster status + job runner + metrics");
  // A page cannot reach the replicas' own origins (no CORS): they are listed, not pinged.
  assert.equal(report.discovery.replicas.length, 3);
  assert.ok(report.discovery.replicas.every((r) => !r.pinged));
  assert.equal(await health.locator(".note").textContent(), "");
  assert.deepEqual(problems, []);
  if (process.env.MSR_LENS_WWW_SCREENSHOT) await page.screenshot({ path: process.env.MSR_LENS_WWW_SCREENSHOT, fullPage: true });
  await context.close();
});

test("a wrong password is never green: unknown, cannot sign in", { skip }, async () => {
  const { page, context } = await openPage();
  await page.waitForFunction(() => document.querySelector("msr-lens-health")?.report !== null, null, { timeout: 20_000 });
  await page.evaluate(() => {
    document.querySelector("msr-lens-health").credentials = { username: "admin", secret: "not-the-password" };
  });
  const health = page.locator("msr-lens-health");
  await page.waitForFunction(
    () => document.querySelector("msr-lens-health").report?.coverage?.clusterStatusMissing === "signInFailed",
    null,
    { timeout: 20_000 },
  );
  const report = await page.evaluate(() => document.querySelector("msr-lens-health").report);
  assert.equal(report.verdict, "unknown");
  assert.equal(report.reasons[0].code, "signInFailed");
  assert.equal(await verdict(page).textContent(), "unknown");
  assert.equal(await health.locator(".note").textContent(), "cannot sign in");
  assert.match(await health.locator("li").first().textContent(), /^cannot sign in: /);
  // Not painted green: the verdict pill has the grey "unknown" colours.
  const colour = await verdict(page).evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(colour, "rgb(230, 232, 236)");
  await context.close();
});

test("server text is rendered as text, never as HTML", { skip }, async () => {
  const payload = '<img src=x onerror="window.__xss=1">';
  await simAdmin("/scenario", { replicas: { 0: { health: payload } } });
  try {
    const { page, context } = await openPage();
    await page.waitForFunction(() => document.querySelector("msr-lens-health")?.report !== null, null, { timeout: 20_000 });
    const reasons = await page.locator("msr-lens-health").locator("li").allTextContents();
    assert.ok(reasons.some((text) => text.includes(payload)), JSON.stringify(reasons));
    assert.equal(await page.locator("msr-lens-health").locator("img").count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await context.close();
  } finally {
    await simAdmin("/reset", {});
  }
});

test("credentials never follow a changed base-url to another origin", { skip }, async () => {
  const foreign = await startForeignOrigin(stack);
  // The demo page's CSP (connect-src 'self') would block the other origin by itself; a
  // portal page without it is what is tested here.
  const { page, problems, context } = await openPage({ bypassCSP: true });
  try {
    // Admin credentials on the element: the check reads cluster_status (three replicas).
    await page.evaluate(
      ({ username, secret }) => {
        document.querySelector("msr-lens-health").credentials = { username, secret };
      },
      { username: "admin", secret: stack.users.admin.token },
    );
    await page.waitForFunction(() => document.querySelector("msr-lens-health").report?.replicas?.length === 3, null, {
      timeout: 20_000,
    });
    // The attribute moves to another origin (markup injection, a portal filling it from
    // the URL): the credentials are dropped and the element says so.
    const dropped = await page.evaluate(
      (origin) =>
        new Promise((resolve) => {
          const health = document.querySelector("msr-lens-health");
          health.addEventListener("credentials-dropped", (e) => resolve({ ...e.detail, after: health.credentials }), {
            once: true,
          });
          health.addEventListener("health", () => resolve(null), { once: true });
          health.addEventListener("health-error", () => resolve(null), { once: true });
          health.setAttribute("base-url", origin);
        }),
      foreign.origin,
    );
    assert.deepEqual(dropped, { origin: new URL(base).origin, baseUrl: foreign.origin, after: null });
    // The next check runs against the other origin, anonymously: wait until one whole
    // check ran there.
    await waitFor(() => foreign.requests.some((r) => r.method === "GET"), "a check reached the other origin");
    await page.evaluate(
      () =>
        new Promise((resolve) => {
          const health = document.querySelector("msr-lens-health");
          health.addEventListener("health", resolve, { once: true });
          health.addEventListener("health-error", resolve, { once: true });
          health.refresh();
        }),
    );
    assert.deepEqual(
      foreign.requests.filter((r) => r.authorization !== null),
      [],
      "credentials reached the other origin",
    );
    // They stay dropped until they are set again.
    assert.equal(await page.evaluate(() => document.querySelector("msr-lens-health").credentials), null);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await foreign.close();
  }
});

/** Wait until `condition()` holds (polling; no fixed sleep decides the outcome). */
async function waitFor(condition, what, timeout = 20_000) {
  const end = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > end) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
