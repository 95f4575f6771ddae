// The Node.js entry of msr-lens: the web build (msr_lens.js) with its .wasm instantiated
// from the bytes on disk when this module loads, so Node.js code needs no init(). Both
// entries share the one msr_lens_bg.wasm.
import { readFileSync } from "node:fs";
import { initSync } from "./msr_lens.js";

initSync({ module: readFileSync(new URL("./msr_lens_bg.wasm", import.meta.url)) });

export * from "./msr_lens.js";
