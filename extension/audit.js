// Entry of audit.html: load the UI module and mount the audit view on #app.
import init, { startAudit } from './pkg/pages/msr_lens_ui.js';

await init({ module_or_path: new URL('./pkg/pages/msr_lens_ui_bg.wasm', import.meta.url) });
startAudit();
