// Entry of options.html: load the UI module and mount the options view on #app.
import init, { startOptions } from './pkg/pages/msr_lens_ui.js';

await init({ module_or_path: new URL('./pkg/pages/msr_lens_ui_bg.wasm', import.meta.url) });
startOptions();
