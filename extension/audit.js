// Entry of audit.html: load the UI module and mount the audit view on #app.
import init, { startAudit } from './pkg/pages/msr_lens_ui.js';

const wasm = await init({ module_or_path: new URL('./pkg/pages/msr_lens_ui_bg.wasm', import.meta.url) });
// The bench reads the wasm memory size from here (records live on the Rust side).
globalThis.__msrLensWasmMemory = wasm.memory;
startAudit();
