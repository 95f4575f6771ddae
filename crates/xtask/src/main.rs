//! `cargo xtask <task>`: project automation for MSR Lens.

mod bench_exporter;
mod demo;
mod fuzz;
mod stack;

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let result = match task {
        "test" => test(),
        "stack" => stack::main(args.get(1..).unwrap_or_default()),
        "demo" => demo::main(args.get(1..).unwrap_or_default()),
        "extension" => run(
            "bash",
            &[&workspace_root()
                .join("scripts/extension-build.sh")
                .to_string_lossy()],
        ),
        "build" => build(),
        // Only the exporter bench: against the stand-in of $MSR_LENS_STACK_JSON when set
        // (already loaded), else a 100 000-record stand-in brought up for it.
        "bench" if args.get(1).map(String::as_str) == Some("exporter") => {
            match std::env::var("MSR_LENS_STACK_JSON") {
                Ok(stack_json) => bench_exporter::run(&workspace_root(), &stack_json),
                Err(_) => {
                    with_100k_stack(|stack_json| bench_exporter::run(&workspace_root(), stack_json))
                }
            }
        }
        "bench" => bench(),
        "fuzz" => fuzz::main(args.get(1..).unwrap_or_default()),
        _ => {
            eprintln!(
                "usage: cargo xtask <demo|test|build|bench [exporter]|stack|extension|fuzz>  (cargo xtask stack help, cargo xtask fuzz --help)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_env(program, args, &[])
}

/// The whole test suite, as CI runs it: set-up (idempotent installs), formatting, lints,
/// docs, the core's wasm build, unit and property tests, then the integration tests
/// against a stack brought up for them.
fn test() -> Result<(), String> {
    let root = workspace_root();
    run("bash", &[&root.join("scripts/setup.sh").to_string_lossy()])?;
    run("cargo", &["fmt", "--all", "--check"])?;
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run_env(
        "cargo",
        &["doc", "--workspace", "--no-deps", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    run(
        "cargo",
        &[
            "build",
            "-p",
            "msr-lens-core",
            "--target",
            "wasm32-unknown-unknown",
            "--locked",
        ],
    )?;
    run(
        "cargo",
        &[
            "test",
            "--workspace",
            "--locked",
            "--exclude",
            "msr-lens-tests",
        ],
    )?;
    // The wasm side of the transport and the npm bindings: clippy for wasm32, then
    // wasm-bindgen tests in Node.js and in headless Chromium against a fake MSR.
    run(
        "cargo",
        &[
            "clippy",
            "--locked",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "msr-lens-wasm",
            "-p",
            "msr-lens-transport",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run(
        "bash",
        &[&root.join("scripts/wasm-test.sh").to_string_lossy()],
    )?;
    // The UI's component tests, in headless Chromium through wasm-bindgen-test-runner.
    run_env(
        "cargo",
        &[
            "test",
            "--locked",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "msr-lens-ui",
            "--no-default-features",
            "--features",
            "popup",
            "--test",
            "browser",
        ],
        &[
            (
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            ),
            ("CHROMEDRIVER", "/usr/bin/chromedriver"),
        ],
    )?;
    stack_tests()?;
    audit_100k_tests()?;
    // Every fuzz target for a few seconds, seeded with the golden fixtures (docs/fuzzing.md).
    fuzz::main(&["--secs".to_string(), FUZZ_CI_SECS.to_string()])
}

/// How long `cargo xtask test` runs each fuzz target.
const FUZZ_CI_SECS: u64 = 10;

/// The trust audit explorer against 100 000 records (issue 6), on a second stand-in of its
/// own (see [`with_100k_stack`]).
fn audit_100k_tests() -> Result<(), String> {
    let script = workspace_root().join("tests/e2e/audit-100k.mjs");
    with_100k_stack(|stack_json| {
        run_env(
            "node",
            &["--test", &script.to_string_lossy()],
            &[("MSR_LENS_STACK_JSON", stack_json)],
        )
    })
}

/// Run `f` against a second stand-in with 100 000 bulk records plus real publishes: its own
/// state folder (`.stack-100k/`) and ports (the main base + 100, default 8543), so the main stand-in keeps its small
/// history; it is stopped and wiped afterwards, whatever `f` returned.
fn with_100k_stack(f: impl FnOnce(&str) -> Result<(), String>) -> Result<(), String> {
    let dir = workspace_root().join(".stack-100k");
    let dir_text = dir.to_string_lossy().into_owned();
    // 100 ports above the main stand-in's base, so two checkouts can test side by side.
    let base = std::env::var("MSR_LENS_PORT_BASE")
        .ok()
        .and_then(|v| v.parse::<u16>().ok())
        .unwrap_or(8443)
        .saturating_add(100)
        .to_string();
    let env = [
        ("MSR_LENS_STACK_DIR", dir_text.as_str()),
        ("MSR_LENS_PORT_BASE", base.as_str()),
    ];
    let xtask = |args: &[&str]| {
        let mut full = vec!["xtask"];
        full.extend_from_slice(args);
        run_env("cargo", &full, &env)
    };
    xtask(&["stack", "up"])?;
    let stack_json = dir.join("stack.json").to_string_lossy().into_owned();
    let result = xtask(&["stack", "load", "100000"])
        .and_then(|()| xtask(&["stack", "seed"]))
        .and_then(|()| f(&stack_json));
    xtask(&["stack", "down", "--wipe"])?;
    result
}

/// The repository root (two levels above this crate).
fn workspace_root() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Canonical, so that paths handed to other programs (pg_ctl canonicalises its data
    // folder) compare equal to the ones recorded here.
    root.canonicalize().unwrap_or(root)
}

fn run_env(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("+ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} {} failed: {status}", args.join(" ")))
    }
}

/// The integration tests (package `msr-lens-tests`) against the local MSR stand-in: the
/// stack is brought up (and seeded when its changefeed is empty) for them, and stopped
/// again afterwards unless it was already running.
fn stack_tests() -> Result<(), String> {
    let was_up = stack::is_up()?;
    let stack = stack::up()?;
    let stack_json = stack.path_str("stack.json");
    let root = workspace_root();
    // Whatever fails (the seeding too), a stand-in this run brought up is stopped again, so
    // the next run finds its ports free.
    let result = stack::populate(&stack)
        // The `msr-lens` binary that tests/tests/cli.rs and exporter.rs run.
        .and_then(|()| run("cargo", &["build", "-p", "msr-lens-cli", "--locked"]))
        .and_then(|()| run("cargo", &["test", "-p", "msr-lens-tests", "--locked"]))
        .and_then(|()| {
            // The npm package (built, packed, type-checked) against the same stand-in,
            // and the www/ portal embed that nginx serves at /lens/.
            run_env(
                "bash",
                &[&root.join("scripts/npm-test.sh").to_string_lossy()],
                &[("MSR_LENS_STACK_DIR", &stack.path_str(""))],
            )
        })
        .and_then(|()| {
            // The extension end to end, in Debian's Chromium, against the same stand-in.
            run_env(
                "node",
                &[&root.join("tests/e2e/run.mjs").to_string_lossy()],
                &[("MSR_LENS_STACK_JSON", &stack_json)],
            )
        })
        .and_then(|()| {
            // The release build of the add-on in Debian's Firefox ESR (WebDriver BiDi).
            run_env(
                "node",
                &[&root.join("tests/e2e/firefox/run.mjs").to_string_lossy()],
                &[("MSR_LENS_STACK_JSON", &stack_json)],
            )
        });
    if !was_up {
        let down = stack::down(false);
        result?;
        return down;
    }
    result
}

/// Build the npm package (dist/npm/) and the browser extension (extension/dist/).
fn build() -> Result<(), String> {
    let root = workspace_root();
    run("bash", &[&root.join("scripts/setup.sh").to_string_lossy()])?;
    run(
        "bash",
        &[&root.join("scripts/npm-build.sh").to_string_lossy()],
    )?;
    run(
        "bash",
        &[&root.join("scripts/extension-build.sh").to_string_lossy()],
    )
}

/// The benchmarks, each figure beside its baseline from the same run, against the local
/// stand-in (brought up for them): the npm package (size, page parsing vs JSON.parse,
/// backfill vs a curl loop) and the extension (UI .wasm sizes, popup open to health
/// rendered). Results go to bench-results/ as JSON and markdown.
fn bench() -> Result<(), String> {
    let root = workspace_root();
    run("bash", &[&root.join("scripts/setup.sh").to_string_lossy()])?;
    // The stand-in's release build: its answer times are MSR's part of the popup figure.
    let stack = stack::up_with(stack::SimProfile::Release)?;
    stack::populate(&stack)?;
    let stack_json = stack.path_str("stack.json");
    let env = [
        ("MSR_LENS_STACK_DIR", stack.path_str("")),
        ("MSR_LENS_STACK_JSON", stack_json),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(
        "bash",
        &[&root.join("scripts/npm-build.sh").to_string_lossy()],
    )?;
    run_env(
        "node",
        &[&root.join("scripts/bench-npm.mjs").to_string_lossy()],
        &env,
    )?;
    // The test build of the extension (origin pre-granted) that the popup bench loads.
    run_env(
        "bash",
        &[&root.join("scripts/extension-build.sh").to_string_lossy()],
        &[
            (
                "MSR_LENS_DIST",
                &root.join("extension/dist/test").to_string_lossy(),
            ),
            ("MSR_LENS_HOST_PERMISSIONS", "https://127.0.0.1/*"),
        ],
    )?;
    run_env(
        "node",
        &[&root.join("tests/e2e/bench.mjs").to_string_lossy()],
        &env,
    )?;
    // The trust audit explorer with 100 000 records: backfill, heap, frames, filter, export.
    let script = root.join("tests/e2e/bench-audit.mjs");
    with_100k_stack(|stack_json| {
        run_env(
            "node",
            &[&script.to_string_lossy()],
            &[("MSR_LENS_STACK_JSON", stack_json)],
        )?;
        // The Prometheus exporter: 10 instances following the 100 000 records (issue 17).
        bench_exporter::run(&root, stack_json)
    })
}
