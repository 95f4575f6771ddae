#!/usr/bin/env node
// Shortens the import names of msr_lens_bg.wasm and renames them in the JS glue to match.
//
//   node npm/tools/minify-imports.mjs <pkg>/msr_lens_bg.wasm <glue.js>...
//
// wasm-bindgen names each import of its glue module "./msr_lens_bg.js" after the Rust item
// plus a 16-digit hash (`__wbg_instanceof_Response_5b0b4f7f1daeae51`): about 70 such
// names, 3 KB of the .wasm that gzip cannot squeeze (the hashes are random). This tool
// renames every import of that module to a short identifier (a, b, ..., Z, aa, ...), the
// module itself to "a" and the snippet modules to "b", "c", ..., and rewrites the object
// keys of `__wbg_get_imports()` in each glue file the same way, so the glue shrinks too.
// Snippet modules keep their field names: the glue hands their module namespace over as is.
//
// Checks, failing the build: the .wasm has exactly the sections it had (only the import
// and export sections change), every renamed import is a key exactly once in every glue file, and each
// module key is found exactly once.

import { readFileSync, writeFileSync } from "node:fs";

const GLUE_MODULE = "./msr_lens_bg.js";

function fail(message) {
  console.error(`minify-imports: ${message}`);
  process.exit(1);
}

function readU32(bytes, pos) {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= bytes.length) fail("truncated LEB128");
    const byte = bytes[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, pos];
    if (shift > 35) fail("LEB128 too long");
  }
}

function writeU32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: true });

// A length-prefixed UTF-8 name at `pos`: [name, position after it].
function readName(bytes, pos) {
  const [len, start] = readU32(bytes, pos);
  if (start + len > bytes.length) fail("truncated name");
  return [text.decode(bytes.subarray(start, start + len)), start + len];
}

function encodeName(name) {
  const bytes = utf8.encode(name);
  return [...writeU32(bytes.length), ...bytes];
}

function shortName(index) {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let name = "";
  let k = index;
  for (;;) {
    name = letters[k % 52] + name;
    k = Math.floor(k / 52) - 1;
    if (k < 0) return name;
  }
}

// Skips one import descriptor (func, table, memory, global, tag); returns its end.
function skipDescriptor(body, pos) {
  const kind = body[pos++];
  let flags;
  switch (kind) {
    case 0: // func: type index
      return readU32(body, pos)[1];
    case 1: // table: reftype, limits
      pos += 1;
      flags = body[pos++];
      pos = readU32(body, pos)[1];
      return flags & 1 ? readU32(body, pos)[1] : pos;
    case 2: // memory: limits
      flags = body[pos++];
      pos = readU32(body, pos)[1];
      return flags & 1 ? readU32(body, pos)[1] : pos;
    case 3: // global: valtype, mutability
      return pos + 2;
    case 4: // tag: attribute, type index
      return readU32(body, pos + 1)[1];
    default:
      fail(`unknown import kind ${kind}`);
  }
}

// wasm-bindgen exports each closure invoker under its mangled Rust path (hundreds of bytes:
// `wasm_bindgen_8c9ff020c5c714a___convert__closures_____invoke___js_sys_...`). They are
// renamed `$a`, `$b`, ... (no export of ours contains `$`) and every `wasm.<name>` in the
// glue follows; the exports the package's JS API names stay as they are.
const exportRenames = new Map(); // old export name -> new
function renameExports(body) {
  let [count, p] = readU32(body, 0);
  const section = [...writeU32(count)];
  while (count--) {
    let name;
    [name, p] = readName(body, p);
    const kind = body[p++];
    const indexStart = p;
    p = readU32(body, p)[1];
    let newName = name;
    if (/^wasm_bindgen_[0-9a-f]+___/.test(name)) {
      newName = `$${shortName(exportRenames.size)}`;
      exportRenames.set(name, newName);
    }
    section.push(...encodeName(newName), kind, ...body.subarray(indexStart, p));
  }
  if (p !== body.length) fail("unexpected bytes after the export section");
  return Uint8Array.of(7, ...writeU32(section.length), ...section);
}

const [wasmPath, ...gluePaths] = process.argv.slice(2);
if (!wasmPath || gluePaths.length === 0) fail("usage: minify-imports.mjs <wasm> <glue.js>...");

const wasm = readFileSync(wasmPath);
if (wasm.readUInt32LE(0) !== 0x6d736100) fail(`${wasmPath} is not a WebAssembly module`);
const out = [wasm.subarray(0, 8)];
const modules = new Map(); // old module name -> new
const fields = new Map(); // old field name of GLUE_MODULE -> new
let pos = 8;
let sawImports = false;
while (pos < wasm.length) {
  const id = wasm[pos++];
  const [size, start] = readU32(wasm, pos);
  const end = start + size;
  if (end > wasm.length) fail("truncated section");
  const body = wasm.subarray(start, end);
  pos = end;
  if (id === 7) {
    out.push(renameExports(body));
    continue;
  }
  if (id !== 2) {
    out.push(Uint8Array.of(id, ...writeU32(size)), body);
    continue;
  }
  sawImports = true;
  let [count, p] = readU32(body, 0);
  const section = [...writeU32(count)];
  while (count--) {
    let module, field;
    [module, p] = readName(body, p);
    [field, p] = readName(body, p);
    const descEnd = skipDescriptor(body, p);
    const desc = body.subarray(p, descEnd);
    p = descEnd;
    if (!modules.has(module)) {
      modules.set(module, module === GLUE_MODULE ? "a" : shortName(modules.size));
    }
    let newField = field;
    if (module === GLUE_MODULE) {
      if (!fields.has(field)) fields.set(field, shortName(fields.size));
      newField = fields.get(field);
    }
    section.push(...encodeName(modules.get(module)), ...encodeName(newField), ...desc);
  }
  if (p !== body.length) fail("unexpected bytes after the import section");
  out.push(Uint8Array.of(2, ...writeU32(section.length), ...section));
}
if (!sawImports || !modules.has(GLUE_MODULE)) fail(`no imports from ${GLUE_MODULE}`);

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
for (const gluePath of gluePaths) {
  let glue = readFileSync(gluePath, "utf8");
  for (const [oldName, newName] of fields) {
    // An object key: `        __wbg_x_0123456789abcdef: function(`.
    const key = new RegExp(`(^\\s+)${escape(oldName)}(?=: function\\()`, "gm");
    const found = glue.match(key)?.length ?? 0;
    if (found !== 1) fail(`${gluePath}: import ${oldName} is a key ${found} times, not once`);
    glue = glue.replace(key, `$1${newName}`);
  }
  for (const [oldName, newName] of modules) {
    const key = new RegExp(`(^\\s+)"${escape(oldName)}"(?=: import\\d+,)`, "gm");
    const found = glue.match(key)?.length ?? 0;
    if (found !== 1) fail(`${gluePath}: module key "${oldName}" found ${found} times, not once`);
    glue = glue.replace(key, `$1"${newName}"`);
  }
  for (const [oldName, newName] of exportRenames) {
    const use = new RegExp(`\\bwasm\\.${escape(oldName)}(?![\\w$])`, "g");
    const found = glue.match(use)?.length ?? 0;
    if (found === 0) fail(`${gluePath}: export ${oldName} is never called as wasm.${oldName}`);
    glue = glue.replace(use, `wasm.${newName}`);
  }
  writeFileSync(gluePath, glue);
}
const result = Buffer.concat(out);
writeFileSync(wasmPath, result);
console.log(
  `minify-imports: ${fields.size} imports of ${GLUE_MODULE} and ${modules.size} modules renamed; ` +
    `${exportRenames.size} closure exports renamed; ${wasm.length} -> ${result.length} bytes`,
);
