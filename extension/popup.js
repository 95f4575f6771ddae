// Entry of popup.html: load the UI module and mount the popup view on #app.
import init, { startPopup } from './pkg/popup/msr_lens_ui.js';

await init({ module_or_path: new URL('./pkg/popup/msr_lens_ui_bg.wasm', import.meta.url) });
startPopup();
