//! `cargo xtask demo [--browser chromium|firefox]`: the product's main job on a local
//! default. It starts the MSR stand-in (real notary-server and nginx) with seeded trust
//! history, shows its health and latest trust events, builds the browser extension
//! pre-configured for it and opens Chromium (or Firefox ESR) with it loaded — or, on a
//! machine with no display, drives the headless browser and writes screenshots to
//! `.demo/screenshots/` (Chromium: popup, options and audit views; Firefox:
//! `firefox-popup-{light,dark}.png`). Ctrl-C stops what it started.

use std::io::IsTerminal;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::stack;
use crate::{run, run_env, workspace_root};

/// The browser the demo opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Browser {
    Chromium,
    Firefox,
}

impl Browser {
    /// `--browser chromium|firefox` (or `--browser=...`); Chromium when absent.
    fn from_args(args: &[String]) -> Result<Self, String> {
        let mut name = None;
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if arg == "--browser" {
                name = Some(
                    iter.next()
                        .ok_or("--browser needs a value: chromium or firefox")?
                        .as_str(),
                );
            } else if let Some(value) = arg.strip_prefix("--browser=") {
                name = Some(value);
            }
        }
        match name {
            None | Some("chromium" | "chrome") => Ok(Browser::Chromium),
            Some("firefox" | "firefox-esr") => Ok(Browser::Firefox),
            Some(other) => Err(format!("unknown browser {other:?}: chromium or firefox")),
        }
    }
}

pub(crate) fn main(args: &[String]) -> Result<(), String> {
    let wait = !args.iter().any(|a| a == "--no-wait") && std::io::stdin().is_terminal();
    let browser_kind = Browser::from_args(args)?;
    let root = workspace_root();
    run("bash", &[&root.join("scripts/setup.sh").to_string_lossy()])?;
    let was_up = stack::is_up()?;
    let stack = stack::up()?;
    stack::populate(&stack)?;
    // A stand-in seeded by hand (`stack seed` alone) has too little history for the audit
    // views' scope banner (everything fits in one page): older bulk records go in below it.
    stack::deepen(&stack)?;
    let admin = stack.user("admin").ok_or("the stack has no admin user")?;
    let token = admin.token.clone().unwrap_or_default();

    println!("\n== MSR Lens against the stand-in (terminal view) ==");
    // The `msr-lens` command line (crates/cli) against the stand-in; the secret goes in
    // through the environment, never on the command line.
    let mut health = vec!["run", "--quiet", "-p", "msr-lens-cli", "--", "health"]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    let origin = stack.origin();
    let ca = stack.ca_file();
    health.extend([
        "--url".into(),
        origin.clone(),
        "--ca-file".into(),
        ca.clone(),
    ]);
    health.extend(["--user".into(), "admin".into()]);
    for replica in stack.replica_origins() {
        health.extend(["--replica".into(), replica]);
    }
    let health: Vec<&str> = health.iter().map(String::as_str).collect();
    // Its exit code is the verdict (0 healthy … 3 unknown): the demo goes on whatever it is.
    if let Err(e) = run_env("cargo", &health, &[("MSR_LENS_SECRET", &token)]) {
        println!("(msr-lens health: {e})");
    }

    let mut browser: Option<Child> = None;
    let extension_script = root.join("scripts/extension-build.sh");
    if extension_script.exists() {
        browser = extension(&root, &stack, &token, browser_kind)?;
    } else {
        println!("\n(the browser extension is not in this checkout yet)");
    }

    if !wait {
        println!(
            "\nThe stand-in stays up: {origin} (CA {ca}). Stop it with `cargo xtask stack down`."
        );
        return Ok(());
    }
    println!("\nThe stand-in is up at {origin}. Press Ctrl-C to stop the demo.");
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("cannot catch Ctrl-C: {e}"))?;
    while !stop.load(Ordering::SeqCst) {
        if let Some(child) = browser.as_mut()
            && matches!(child.try_wait(), Ok(Some(_)))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    if let Some(child) = browser {
        stop_browser(child);
    }
    if !was_up {
        stack::down(false)?;
    }
    println!("demo stopped");
    Ok(())
}

/// Stop the browser: SIGINT first (what Ctrl-C sends: Chromium quits, and web-ext closes
/// the Firefox it started — a SIGKILL of web-ext would leave Firefox running), SIGKILL
/// after 10 s.
fn stop_browser(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    for _ in 0..50 {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Build the extension pre-configured for the stand-in; open it in the browser when there
/// is a display, else take headless screenshots. Returns the browser to stop on Ctrl-C.
fn extension(
    root: &Path,
    stack: &stack::Stack,
    token: &str,
    browser: Browser,
) -> Result<Option<Child>, String> {
    let origin = stack.origin();
    let demo_dir = root.join(".demo");
    std::fs::create_dir_all(&demo_dir).map_err(|e| format!("{}: {e}", demo_dir.display()))?;
    run_env(
        "bash",
        &[&root.join("scripts/extension-build.sh").to_string_lossy()],
        &[
            ("MSR_LENS_DEMO_ORIGIN", origin.as_str()),
            ("MSR_LENS_DEMO_USER", "admin"),
            ("MSR_LENS_DEMO_TOKEN", token),
        ],
    )?;
    let has_display = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty());
    if browser == Browser::Firefox {
        return firefox(root, stack, &demo_dir, has_display);
    }
    let dist = root.join("extension/dist/chrome");
    if has_display {
        let profile = demo_dir.join("chromium-profile");
        let child = Command::new("chromium")
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--load-extension={}", dist.display()))
            .arg(format!("--disable-extensions-except={}", dist.display()))
            .arg(format!(
                "--ignore-certificate-errors-spki-list={}",
                stack.spki_pin()?
            ))
            .args(["--no-first-run", "--disable-background-networking"])
            .arg(format!("{origin}/_ping"))
            .spawn()
            .map_err(|e| format!("cannot start chromium: {e}"))?;
        println!("Chromium is open with MSR Lens loaded (click the toolbar icon).");
        return Ok(Some(child));
    }
    let shots = demo_dir.join("screenshots");
    run_env(
        "node",
        &[&root
            .join("tests/e2e/demo-screenshots.mjs")
            .to_string_lossy()],
        &[
            ("MSR_LENS_EXTENSION_DIR", &dist.to_string_lossy()),
            ("MSR_LENS_SCREENSHOT_DIR", &shots.to_string_lossy()),
            ("MSR_LENS_STACK_JSON", &stack.path_str("stack.json")),
        ],
    )?;
    Ok(None)
}

/// Firefox ESR with the pre-configured add-on: with a display, `web-ext run` (Mozilla's
/// tool, a pinned devDependency of tests/e2e) opens it on a profile in `.demo/` that
/// trusts the stand-in's CA; headless, tests/e2e/firefox/screenshots.mjs writes
/// `firefox-popup-{light,dark}.png` next to the Chromium screenshots.
fn firefox(
    root: &Path,
    stack: &stack::Stack,
    demo_dir: &Path,
    has_display: bool,
) -> Result<Option<Child>, String> {
    let dist = root.join("extension/dist/firefox");
    if !has_display {
        let shots = demo_dir.join("screenshots");
        run_env(
            "node",
            &[
                &root
                    .join("tests/e2e/firefox/screenshots.mjs")
                    .to_string_lossy(),
                &shots.to_string_lossy(),
            ],
            &[
                ("MSR_LENS_FIREFOX_EXT_DIR", &dist.to_string_lossy()),
                ("MSR_LENS_STACK_JSON", &stack.path_str("stack.json")),
            ],
        )?;
        return Ok(None);
    }
    // A profile of its own whose NSS database trusts the stand-in's CA (the CA is made
    // anew with a wiped stack, so it is replaced every time).
    let profile = demo_dir.join("firefox-profile");
    std::fs::create_dir_all(&profile).map_err(|e| format!("{}: {e}", profile.display()))?;
    let db = format!("sql:{}", profile.display());
    if !profile.join("cert9.db").exists() {
        run("certutil", &["-N", "-d", &db, "--empty-password"])?;
    }
    let nickname = "MSR Lens stand-in CA";
    let _ = Command::new("certutil")
        .args(["-D", "-d", &db, "-n", nickname])
        .output();
    run(
        "certutil",
        &[
            "-A",
            "-d",
            &db,
            "-n",
            nickname,
            "-t",
            "C,,",
            "-i",
            &stack.ca_file(),
        ],
    )?;
    let web_ext = root.join("tests/e2e/node_modules/.bin/web-ext");
    let child = Command::new(&web_ext)
        .arg("run")
        .arg(format!("--source-dir={}", dist.display()))
        .arg("--firefox=/usr/bin/firefox-esr")
        .arg(format!("--firefox-profile={}", profile.display()))
        .args(["--keep-profile-changes", "--no-reload", "--no-input"])
        .arg(format!("--start-url={}/_ping", stack.origin()))
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", web_ext.display()))?;
    println!(
        "Firefox ESR is open with MSR Lens loaded as a temporary add-on (Extensions menu → MSR Lens)."
    );
    Ok(Some(child))
}
