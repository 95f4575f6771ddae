// Headless half of `cargo xtask demo`: screenshots of the popup, options and audit views
// of the pre-configured demo build; prints the paths.
// Environment (set by xtask): MSR_LENS_EXTENSION_DIR, MSR_LENS_SCREENSHOT_DIR, MSR_LENS_STACK_JSON.
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const here = path.dirname(new URL(import.meta.url).pathname);
const env = { ...process.env };
if (env.MSR_LENS_EXTENSION_DIR) env.MSR_LENS_EXT_DIR = env.MSR_LENS_EXTENSION_DIR;
const args = [path.join(here, 'screenshots.mjs')];
if (env.MSR_LENS_SCREENSHOT_DIR) args.push(env.MSR_LENS_SCREENSHOT_DIR);
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env });
process.exit(r.status ?? 1);
