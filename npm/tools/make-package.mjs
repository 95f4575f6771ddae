// Writes the package.json of the msr-lens npm package from the Cargo metadata of
// crates/wasm, so that name, version, licence and description have one source.
//
//   node npm/tools/make-package.mjs <package dir>   (reads `cargo metadata` on stdin)

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [dir] = process.argv.slice(2);
if (!dir) {
  console.error("usage: cargo metadata --format-version 1 --no-deps | node make-package.mjs <dir>");
  process.exit(2);
}
const metadata = JSON.parse(readFileSync(0, "utf8"));
const crate = metadata.packages.find((p) => p.name === "msr-lens-wasm");
if (!crate) {
  console.error("make-package: msr-lens-wasm not found in cargo metadata");
  process.exit(1);
}

const web = { types: "./msr_lens.d.ts", default: "./msr_lens.js" };
const node = { types: "./msr_lens_node.d.ts", default: "./msr_lens_node.js" };
const pkg = {
  name: "msr-lens",
  version: crate.version,
  description: crate.description,
  license: crate.license,
  repository: crate.repository ? { type: "git", url: `git+${crate.repository}.git` } : undefined,
  keywords: crate.keywords,
  type: "module",
  // Node.js gets a build that loads the .wasm by itself; everything else (browsers,
  // workers, extension service workers, bundlers) gets the `web` build: call the default
  // export (`init`) once before using the API.
  exports: {
    ".": { node, ...web },
    "./web": web,
    "./node": node,
    "./msr_lens_bg.wasm": "./msr_lens_bg.wasm",
    // <msr-lens-audit>, the trust audit view: its own module and .wasm (browsers only).
    "./audit": { types: "./audit/index.d.ts", default: "./audit/index.js" },
    "./audit/msr_lens_audit_bg.wasm": "./audit/msr_lens_audit_bg.wasm",
    "./package.json": "./package.json",
  },
  main: "./msr_lens_node.js",
  module: "./msr_lens.js",
  types: "./msr_lens.d.ts",
  files: [
    "msr_lens.js",
    "msr_lens.d.ts",
    "msr_lens_node.js",
    "msr_lens_node.d.ts",
    "msr_lens_bg.wasm",
    "snippets/",
    "audit/",
    "README.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
  ],
  sideEffects: ["./snippets/*", "./audit/snippets/*"],
  engines: { node: ">=20" },
};
writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
console.log(`make-package: msr-lens@${pkg.version}`);
