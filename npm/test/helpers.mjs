// Shared set-up of the package tests: the packed msr-lens tarball installed into a
// throw-away project, so that tests import it by name through its `exports` map exactly
// as a user would.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const NPM_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = resolve(NPM_DIR, "..");
export const DIST = process.env.MSR_LENS_NPM_DIST ?? join(REPO, "dist", "npm");
export const PACKAGE_DIR = join(DIST, "msr-lens");

export function tarball() {
  const found = existsSync(DIST) ? readdirSync(DIST).filter((f) => /^msr-lens-.*\.tgz$/.test(f)) : [];
  if (found.length !== 1) {
    throw new Error(`expected one msr-lens-*.tgz in ${DIST} (found ${found.length}): run scripts/npm-build.sh`);
  }
  return join(DIST, found[0]);
}

let project;

/** A temporary project with the tarball installed; returns its directory. */
export function installed() {
  if (project) return project;
  const dir = mkdtempSync(join(tmpdir(), "msr-lens-test-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball()], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  project = dir;
  return dir;
}

/** `import("msr-lens")` from inside the consumer project (resolved through `exports`). */
export async function importPackage() {
  const dir = installed();
  const probe = join(dir, "probe.mjs");
  if (!existsSync(probe)) writeFileSync(probe, 'export * from "msr-lens";\n');
  return import(pathToFileURL(probe).href);
}

export function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** The live stack's stack.json, or null when the stack is not up. */
export function stackConfig() {
  const dir = process.env.MSR_LENS_STACK_DIR ?? join(REPO, ".stack");
  const path = join(dir, "stack.json");
  if (!existsSync(path)) return null;
  return { path, ...readJson(path) };
}

export const TSC = join(NPM_DIR, "node_modules", ".bin", "tsc");

/** playwright-core's `chromium`, or `null` when playwright-core is not installed. */
export const chromium = await import("playwright-core").then((m) => m.chromium, () => null);

/** Debian's headless Chromium as the browser tests launch it. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
}

/**
 * Another origin, as an attacker would run it to collect credentials: an HTTPS server on
 * 127.0.0.1 (the stack's certificate; browser contexts ignore TLS errors) that allows every
 * CORS request, logs each one with its `Authorization` header, challenges `/v2/` requests
 * for a bearer token from its own `/auth/token` (so a client would send it HTTP basic
 * credentials) and refuses everything else with 401. `close()` stops it.
 */
export async function startForeignOrigin(stack) {
  const { createServer } = await import("node:https");
  const tls = dirname(stack.ca_file);
  const requests = [];
  const server = createServer(
    { cert: readFileSync(join(tls, "server.crt")), key: readFileSync(join(tls, "server.key")) },
    (req, res) => {
      requests.push({ method: req.method, path: req.url, authorization: req.headers.authorization ?? null });
      const cors = {
        "access-control-allow-origin": "*",
        "access-control-allow-headers": "authorization, accept, content-type",
        "access-control-allow-methods": "GET, POST",
        "access-control-expose-headers": "www-authenticate, retry-after",
      };
      if (req.method === "OPTIONS") {
        res.writeHead(204, cors);
        res.end();
        return;
      }
      const path = new URL(req.url, "https://x").pathname;
      const challenge = path.startsWith("/v2/")
        ? `Bearer realm="${origin}/auth/token",service="dtr",scope="registry:catalog:*"`
        : 'Basic realm="foreign"';
      res.writeHead(401, { ...cors, "content-type": "application/json", "www-authenticate": challenge });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    },
  );
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `https://127.0.0.1:${server.address().port}`;
  return {
    origin,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(resolve);
      }),
  };
}
