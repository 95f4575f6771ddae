//! `cargo xtask demo`: the product's main job on a local default. It starts the MSR
//! stand-in (real notary-server and nginx) with seeded trust history, shows its health and
//! latest trust events, builds the browser extension pre-configured for it and opens
//! Chromium with it loaded — or, on a machine with no display, drives headless Chromium and
//! writes screenshots of the popup, options and audit views. Ctrl-C stops what it started.

use std::io::IsTerminal;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::stack;
use crate::{run, run_env, workspace_root};

pub(crate) fn main(args: &[String]) -> Result<(), String> {
    let wait = !args.iter().any(|a| a == "--no-wait") && std::io::stdin().is_terminal();
    let root = workspace_root();
    run("bash", &[&root.join("scripts/setup.sh").to_string_lossy()])?;
    let was_up = stack::is_up()?;
    let stack = stack::up()?;
    stack::populate(&stack)?;
    let admin = stack.user("admin").ok_or("the stack has no admin user")?;
    let token = admin.token.clone().unwrap_or_default();

    println!("\n== MSR Lens against the stand-in (terminal view) ==");
    let mut status = vec![
        "run",
        "--quiet",
        "-p",
        "msr-lens-transport",
        "--example",
        "status",
        "--",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    let origin = stack.origin();
    let ca = stack.ca_file();
    status.extend(["--origin".into(), origin.clone(), "--ca".into(), ca.clone()]);
    status.extend(["--user".into(), "admin".into(), "--token".into()]);
    for replica in stack.replica_origins() {
        status.extend(["--replica".into(), replica]);
    }
    let status: Vec<&str> = status.iter().map(String::as_str).collect();
    run_env("cargo", &status, &[("MSR_LENS_SECRET", &token)])?;

    let mut browser: Option<Child> = None;
    let extension_script = root.join("scripts/extension-build.sh");
    if extension_script.exists() {
        browser = extension(&root, &stack, &token)?;
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
    if let Some(mut child) = browser {
        let _ = child.kill();
        let _ = child.wait();
    }
    if !was_up {
        stack::down(false)?;
    }
    println!("demo stopped");
    Ok(())
}

/// Build the extension pre-configured for the stand-in; open it in Chromium when there is
/// a display, else take headless screenshots. Returns the browser to stop on Ctrl-C.
fn extension(root: &Path, stack: &stack::Stack, token: &str) -> Result<Option<Child>, String> {
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
    let dist = root.join("extension/dist/chrome");
    let has_display = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty());
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
