// Helpers of the msr-lens bindings, shipped as a wasm-bindgen snippet.

// Changefeed records arrive as columns (see crates/wasm/src/records.rs): one string with
// every text field back to back, the UTF-16 end offset of each field (5 per record), and
// two numbers per record. Slicing them into objects here is much faster than building
// each object field by field across the wasm boundary.
export function buildRecords(text, ends, numbers) {
  const count = numbers.length >> 1;
  const out = new Array(count);
  let start = 0;
  for (let i = 0, e = 0, n = 0; i < count; i++, e += 5, n += 2) {
    const id = text.slice(start, ends[e]);
    const createdAtRaw = text.slice(ends[e], ends[e + 1]);
    const gun = text.slice(ends[e + 1], ends[e + 2]);
    const sha256 = text.slice(ends[e + 2], ends[e + 3]);
    const category = text.slice(ends[e + 3], ends[e + 4]);
    start = ends[e + 4];
    const createdAt = numbers[n];
    out[i] = {
      id,
      createdAt: createdAt === createdAt ? createdAt : null,
      createdAtRaw,
      gun,
      version: numbers[n + 1],
      sha256: sha256 === "" ? null : sha256,
      category,
    };
  }
  return out;
}

// Make instances of an exported class async-iterable (`for await (const r of feed)`):
// wasm-bindgen cannot declare a Symbol-keyed method, so it is added to the prototype once.
export function asyncIterable(value) {
  const proto = Object.getPrototypeOf(value);
  if (!Object.prototype.hasOwnProperty.call(proto, Symbol.asyncIterator)) {
    Object.defineProperty(proto, Symbol.asyncIterator, {
      value() {
        return this;
      },
      configurable: true,
      writable: true,
    });
  }
  return value;
}
