// The packed package: its contents, package.json, exports map, README, and the
// TypeScript declarations type-checking an example consumer with `tsc --noEmit`.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { NPM_DIR, PACKAGE_DIR, REPO, TSC, importPackage, installed, readJson, tarball } from "./helpers.mjs";

test("npm pack ships exactly the package files", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", PACKAGE_DIR], { encoding: "utf8" });
  const [info] = JSON.parse(out);
  const files = info.files.map((f) => f.path).sort();
  const snippets = files.filter((f) => f.startsWith("snippets/"));
  const audit = files.filter((f) => f.startsWith("audit/"));
  assert.deepEqual(
    files.filter((f) => !f.startsWith("snippets/") && !f.startsWith("audit/")),
    [
      "LICENSE-APACHE",
      "LICENSE-MIT",
      "README.md",
      "msr_lens.d.ts",
      "msr_lens.js",
      "msr_lens_bg.wasm",
      "msr_lens_node.d.ts",
      "msr_lens_node.js",
      "package.json",
    ],
  );
  assert.equal(snippets.length, 1);
  assert.match(snippets[0], /^snippets\/msr-lens-wasm-[0-9a-f]+\/js\/records\.js$/);
  // msr-lens/audit: the element, its generated types and stylesheet, its own wasm-bindgen
  // glue and .wasm, and the view's IndexedDB snippet.
  assert.deepEqual(
    audit.filter((f) => !f.startsWith("audit/snippets/")),
    [
      "audit/index.d.ts",
      "audit/index.js",
      "audit/msr_lens_audit.d.ts",
      "audit/msr_lens_audit.js",
      "audit/msr_lens_audit_bg.wasm",
      "audit/style.js",
    ],
  );
  assert.deepEqual(
    audit.filter((f) => f.startsWith("audit/snippets/")).map((f) => f.replace(/msr-lens-ui-[0-9a-f]+/, "*")),
    ["audit/snippets/*/src/audit/idb.js"],
  );
  assert.equal(info.name, "msr-lens");
  // The audit element does not grow the core module: its .wasm is a separate file.
  const sizes = Object.fromEntries(info.files.map((f) => [f.path, f.size]));
  assert.ok(sizes["audit/msr_lens_audit_bg.wasm"] > 0 && sizes["msr_lens_bg.wasm"] > 0);
  assert.ok(info.entryCount === files.length);
});

test("package.json takes name, version and licence from Cargo", () => {
  const pkg = readJson(join(PACKAGE_DIR, "package.json"));
  const cargo = readFileSync(join(REPO, "Cargo.toml"), "utf8");
  const version = cargo.match(/\[workspace\.package\][^[]*?version = "([^"]+)"/)[1];
  const license = cargo.match(/\[workspace\.package\][^[]*?license = "([^"]+)"/)[1];
  assert.equal(pkg.name, "msr-lens");
  assert.equal(pkg.version, version);
  assert.equal(pkg.license, license);
  assert.equal(pkg.type, "module");
  assert.deepEqual(Object.keys(pkg.exports["."]), ["node", "types", "default"]);
  assert.equal(pkg.exports["."].node.default, "./msr_lens_node.js");
  assert.equal(pkg.exports["."].default, "./msr_lens.js");
  assert.equal(pkg.engines.node, ">=20");
  assert.deepEqual(pkg.exports["./audit"], { types: "./audit/index.d.ts", default: "./audit/index.js" });
  assert.ok(pkg.files.includes("audit/"));
});

test("the tarball installs and imports by name in Node.js", async () => {
  assert.ok(tarball().endsWith(".tgz"));
  const lens = await importPackage();
  assert.equal(typeof lens.MsrClient, "function");
  assert.equal(lens.version(), readJson(join(PACKAGE_DIR, "package.json")).version);
  assert.equal(typeof lens.default, "undefined", "the Node build needs no init()");
  const web = await import(join(installed(), "node_modules", "msr-lens", "msr_lens.js"));
  assert.equal(typeof web.default, "function", "the web build exports init()");
});

test("README: install, three examples, the CORS facts", () => {
  const readme = readFileSync(join(PACKAGE_DIR, "README.md"), "utf8");
  assert.match(readme, /npm install msr-lens/);
  assert.ok((readme.match(/```js/g) ?? []).length >= 3);
  assert.match(readme, /no CORS headers/i);
  assert.match(readme, /OPTIONS/);
  assert.match(readme, /same origin/i);
  assert.match(readme, /content scripts cannot/i);
  assert.match(readme, /access token/i);
  assert.match(readme, /import \{ defineAuditElement \} from "msr-lens\/audit"/);
  assert.match(readme, /\.connect\(\{ username/);
});

test("tsc --noEmit type-checks an example consumer against the generated types", () => {
  const dir = installed();
  const examples = join(dir, "examples");
  mkdirSync(examples, { recursive: true });
  for (const file of ["example.ts", "web-example.ts", "audit-example.ts", "tsconfig.json"]) {
    copyFileSync(join(NPM_DIR, "examples", file), join(examples, file));
  }
  execFileSync(TSC, ["-p", join(examples, "tsconfig.json")], { stdio: "inherit" });
});

test("tsc rejects a consumer that misuses the types", () => {
  const dir = installed();
  const bad = join(dir, "examples-bad");
  mkdirSync(bad, { recursive: true });
  const tsconfig = readJson(join(NPM_DIR, "examples", "tsconfig.json"));
  tsconfig.files = ["bad.ts"];
  execFileSync("node", ["-e", `require("fs").writeFileSync(${JSON.stringify(join(bad, "tsconfig.json"))}, ${JSON.stringify(JSON.stringify(tsconfig))})`]);
  execFileSync("node", [
    "-e",
    `require("fs").writeFileSync(${JSON.stringify(join(bad, "bad.ts"))}, ${JSON.stringify(
      'import { MsrClient } from "msr-lens";\n' +
        'const msr = new MsrClient({ baseURL: "https://x.org" });\n' +
        'export const v: "ok" = (await msr.health()).verdict;\n' +
        'import type { MsrLensAuditElement } from "msr-lens/audit";\n' +
        'declare const audit: MsrLensAuditElement;\n' +
        'await audit.connect({ user: "x", secret: "y" });\n',
    )})`,
  ]);
  let output = "";
  try {
    execFileSync(TSC, ["-p", join(bad, "tsconfig.json")], { encoding: "utf8" });
  } catch (e) {
    output = String(e.stdout);
  }
  assert.match(output, /baseURL/);
  assert.match(output, /verdict|"ok"/);
  assert.match(output, /AuditCredentials/);
});
