//! The `msr-lens` command line against the stand-in: each command as admin, as a pull-only
//! user, with a wrong password and with a fault, by its output and exit code; the audit
//! log compared with the ground truth; `--follow` printing a new record once.
//!
//! The binary is built by `cargo xtask test` before these tests run
//! (`cargo build -p msr-lens-cli`).

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use msr_lens_tests::{Stack, TruthRecord};
use serde_json::{Value, json};

/// The `msr-lens` binary next to this test's own folder (`target/<profile>/msr-lens`).
fn bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target folder");
    let bin = dir.join("msr-lens");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p msr-lens-cli` first (cargo xtask test does)",
        bin.display()
    );
    bin
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Token(&'static str),
    Password(&'static str),
    WrongPassword(&'static str),
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

fn command(stack: &Stack, who: Who, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.arg("--url")
        .arg(stack.origin.to_string())
        .arg("--ca-file")
        .arg(stack.json["ca_file"].as_str().expect("ca_file"))
        .arg("--timeout")
        .arg("20s");
    for replica in &stack.replicas {
        cmd.arg("--replica").arg(replica.to_string());
    }
    cmd.env_remove("MSR_LENS_SECRET");
    let user = |name: &str, field: &str| {
        stack.json["users"][name][field]
            .as_str()
            .expect("user secret")
            .to_string()
    };
    match who {
        Who::Anonymous => {}
        Who::Token(name) => {
            cmd.args(["--user", name])
                .env("MSR_LENS_SECRET", user(name, "token"));
        }
        Who::Password(name) => {
            cmd.args(["--user", name, "--secret-kind", "password"])
                .env("MSR_LENS_SECRET", user(name, "password"));
        }
        Who::WrongPassword(name) => {
            cmd.args(["--user", name, "--secret-kind", "password"])
                .env("MSR_LENS_SECRET", "not-the-password");
        }
    }
    cmd.args(args);
    cmd
}

fn run(stack: &Stack, who: Who, args: &[&str]) -> Run {
    let output = command(stack, who, args)
        .stdin(Stdio::null())
        .output()
        .expect("msr-lens runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn json_of(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {run:?}"))
}

/// The documented exit code of a verdict.
fn code_of(verdict: &str) -> i32 {
    match verdict {
        "healthy" => 0,
        "degraded" => 1,
        "down" => 2,
        _ => 3,
    }
}

fn reason_codes(report: &Value) -> Vec<String> {
    report["report"]["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn verdict(report: &Value) -> String {
    report["report"]["verdict"]
        .as_str()
        .expect("verdict")
        .to_string()
}

#[test]
fn health_exit_codes_follow_the_verdict() {
    let stack = Stack::load();
    let _guard = stack.exclusive();

    // Admin: healthy, 0, in both forms.
    let admin = run(&stack, Who::Token("admin"), &["health", "--json"]);
    let report = json_of(&admin);
    assert_eq!(verdict(&report), "healthy", "{admin:?}");
    assert_eq!(admin.code, 0, "{admin:?}");
    assert_eq!(
        report["report"]["replicas"].as_array().map(Vec::len),
        Some(stack.replicas.len())
    );
    let text = run(&stack, Who::Token("admin"), &["health"]);
    assert_eq!(text.code, 0, "{text:?}");
    assert!(
        text.stdout
            .starts_with(&format!("MSR {}: HEALTHY\n", stack.origin)),
        "{text:?}"
    );
    assert!(text.stdout.matches("/_ping ").count() >= stack.replicas.len());

    // A pull-only user cannot read cluster_status: said so, and the exit code is the
    // verdict's (never "degraded" or "down" for a healthy MSR).
    let dev = run(&stack, Who::Token("dev"), &["health", "--json"]);
    let report = json_of(&dev);
    assert!(
        reason_codes(&report)
            .iter()
            .any(|c| c.to_lowercase().contains("admin")),
        "{dev:?}"
    );
    assert!(
        ["healthy", "reachable"].contains(&verdict(&report).as_str()),
        "{dev:?}"
    );
    assert_eq!(dev.code, code_of(&verdict(&report)), "{dev:?}");

    // A wrong password: cluster_status refuses it, and the report says so.
    let wrong = run(&stack, Who::WrongPassword("admin"), &["health", "--json"]);
    let report = json_of(&wrong);
    assert!(
        reason_codes(&report)
            .iter()
            .any(|c| c.to_lowercase().contains("sign")),
        "{wrong:?}"
    );
    assert!(
        !["degraded", "down"].contains(&verdict(&report).as_str()),
        "{wrong:?}"
    );
    assert_eq!(wrong.code, code_of(&verdict(&report)), "{wrong:?}");

    // Every replica unhealthy: down, 2.
    stack.admin_post(
        "/scenario",
        &json!({"replicas": {"0": {"healthy": false}, "1": {"healthy": false}, "2": {"healthy": false}}}),
    );
    let down = run(&stack, Who::Token("admin"), &["health"]);
    assert_eq!(down.code, 2, "{down:?}");
    assert!(down.stdout.contains(": DOWN\n"), "{down:?}");
    stack.admin_post("/reset", &json!({}));

    // A load balancer answering 502 for every /_ping, anonymously: down as well.
    stack.admin_post(
        "/fault",
        &json!({"kind": "status", "status": 502, "paths": ["/_ping"]}),
    );
    let gateway = run(&stack, Who::Anonymous, &["health", "--json"]);
    stack.admin_delete("/fault");
    assert_eq!(verdict(&json_of(&gateway)), "down", "{gateway:?}");
    assert_eq!(gateway.code, 2, "{gateway:?}");
    // One replica read-only: degraded, 1.
    stack.admin_post("/scenario", &json!({"replicas": {"1": {"readonly": true}}}));
    let degraded = run(&stack, Who::Token("admin"), &["health"]);
    assert_eq!(degraded.code, 1, "{degraded:?}");
    assert!(degraded.stdout.contains("read-only"), "{degraded:?}");
}

#[test]
fn usage_and_configuration_errors_have_their_own_exit_codes() {
    let stack = Stack::load();
    let bogus = run(&stack, Who::Anonymous, &["health", "--bogus"]);
    assert_eq!(bogus.code, 64, "{bogus:?}");
    let help = run(&stack, Who::Anonymous, &["--help"]);
    assert_eq!(help.code, 0, "{help:?}");
    assert!(help.stdout.contains("Examples:") && help.stdout.contains("MSR_LENS_SECRET"));

    // No URL at all.
    let output = Command::new(bin())
        .arg("health")
        .env_remove("MSR_LENS_SECRET")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(78));
    // A user but no secret.
    let no_secret = command(&stack, Who::Anonymous, &["--user", "admin", "health"])
        .output()
        .expect("runs");
    assert_eq!(no_secret.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&no_secret.stderr).contains("MSR_LENS_SECRET"));

    // A secret file others may read is refused; mode 0600 is used.
    let dir = temp_dir("secret");
    let secret = dir.join("admin.secret");
    std::fs::write(
        &secret,
        stack.json["users"]["admin"]["token"].as_str().unwrap(),
    )
    .unwrap();
    let config = dir.join("msr-lens.toml");
    std::fs::write(
        &config,
        format!(
            "[[instance]]\nname = \"sim\"\nurl = \"{}\"\nuser = \"admin\"\nsecret_file = \"{}\"\nca_file = \"{}\"\n",
            stack.origin,
            secret.display(),
            stack.json["ca_file"].as_str().unwrap()
        ),
    )
    .unwrap();
    set_mode(&secret, 0o644);
    let refused = Command::new(bin())
        .args(["--config", &config.to_string_lossy(), "grants"])
        .env_remove("MSR_LENS_SECRET")
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("0644"));
    set_mode(&secret, 0o600);
    let used = Command::new(bin())
        .args([
            "--config",
            &config.to_string_lossy(),
            "--instance",
            "sim",
            "grants",
            "--json",
        ])
        .env_remove("MSR_LENS_SECRET")
        .output()
        .expect("runs");
    assert_eq!(used.status.code(), Some(0), "{used:?}");
    let grants: Value = serde_json::from_slice(&used.stdout).unwrap();
    assert_eq!(grants["subject"], "admin");
    std::fs::remove_dir_all(&dir).ok();
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A fresh folder under the system temp dir.
fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "msr-lens-cli-{what}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `(id, gun, version, category)` of CSV rows, checking the header. Cells the export
/// neutralised against formula injection (a `'` before `=`, `+`, `-`, `@`, tab or CR) are
/// read back as the server sent them, so they compare with the ground truth.
fn csv_keys(csv: &str) -> Vec<(String, String, i64, String)> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().expect("CSV header"),
        vec!["id", "created_at", "gun", "version", "category", "sha256"]
    );
    let plain = |cell: &str| -> String {
        match cell.strip_prefix('\'') {
            Some(rest) if msr_lens_core::export::is_formula(rest) => rest.to_string(),
            _ => cell.to_string(),
        }
    };
    reader
        .records()
        .map(|row| {
            let row = row.expect("CSV row");
            assert_eq!(row.len(), 6, "{row:?}");
            (
                plain(&row[0]),
                plain(&row[2]),
                plain(&row[3]).parse().expect("version"),
                plain(&row[4]),
            )
        })
        .collect()
}

fn truth_tuples(truth: &[TruthRecord]) -> Vec<(String, String, i64, String)> {
    msr_lens_tests::truth_keys(truth, false)
}

#[test]
fn audit_csv_is_the_ground_truth_in_both_orders() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let truth = truth_tuples(&stack.truth(None));
    assert!(truth.len() > 10, "the stand-in is seeded");

    let oldest = run(
        &stack,
        Who::Token("admin"),
        &[
            "audit",
            "--format",
            "csv",
            "--oldest-first",
            "--page-size",
            "7",
        ],
    );
    assert_eq!(oldest.code, 0, "{oldest:?}");
    assert_eq!(csv_keys(&oldest.stdout), truth);

    let newest = run(
        &stack,
        Who::Password("admin"),
        &["audit", "--format", "csv", "--page-size", "5"],
    );
    assert_eq!(newest.code, 0, "{newest:?}");
    let mut reversed = truth.clone();
    reversed.reverse();
    assert_eq!(csv_keys(&newest.stdout), reversed);

    // Deletions only, as JSON lines and as one JSON array.
    let deletions: Vec<_> = truth.iter().filter(|t| t.3 == "deletion").collect();
    assert!(!deletions.is_empty(), "the seed deletes trust data");
    let ndjson = run(
        &stack,
        Who::Token("admin"),
        &[
            "audit",
            "--category",
            "deletion",
            "--format",
            "ndjson",
            "--oldest-first",
        ],
    );
    assert_eq!(ndjson.code, 0, "{ndjson:?}");
    let ids: Vec<String> = ndjson
        .stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a JSON line");
            assert_eq!(v["Category"], "deletion");
            v["ID"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        ids,
        deletions.iter().map(|t| t.0.clone()).collect::<Vec<_>>()
    );
    let array = run(
        &stack,
        Who::Token("admin"),
        &["audit", "--format", "json", "--since", "3650d"],
    );
    assert_eq!(array.code, 0, "{array:?}");
    assert_eq!(json_of(&array).as_array().map(Vec::len), Some(truth.len()));
    // A window that ends before any record: nothing but the table header.
    let none = run(
        &stack,
        Who::Token("admin"),
        &["audit", "--until", "2001-01-01T00:00:00Z"],
    );
    assert_eq!(none.code, 0, "{none:?}");
    assert_eq!(none.stdout.lines().count(), 1, "{none:?}");

    // A pull-only user: one repository's feed is theirs, the global feed is not.
    let gun = stack.gun("library/wordpress");
    let repo = run(
        &stack,
        Who::Token("dev"),
        &[
            "audit",
            "--repo",
            "library/wordpress",
            "--format",
            "csv",
            "--oldest-first",
        ],
    );
    assert_eq!(repo.code, 0, "{repo:?}");
    assert_eq!(
        csv_keys(&repo.stdout),
        truth_tuples(&stack.truth(Some(&gun)))
    );
    let global = run(&stack, Who::Token("dev"), &["audit"]);
    assert_eq!(global.code, 1, "{global:?}");
    assert!(global.stderr.contains("no access"), "{global:?}");

    // A wrong password is a sign-in error, not "no access".
    let wrong = run(&stack, Who::WrongPassword("admin"), &["audit"]);
    assert_eq!(wrong.code, 1, "{wrong:?}");
    assert!(wrong.stderr.contains("unauthenticated"), "{wrong:?}");

    // An SSO login page instead of the feed: a typed error, exit 1, nothing printed as a record.
    stack.admin_post(
        "/fault",
        &json!({"kind": "html_login", "paths": ["/v2/_trust/changefeed"]}),
    );
    let html = run(
        &stack,
        Who::Token("admin"),
        &["audit", "--format", "ndjson"],
    );
    stack.admin_delete("/fault");
    assert_eq!(html.code, 1, "{html:?}");
    assert!(html.stdout.is_empty(), "{html:?}");
    assert!(html.stderr.contains("msr-lens audit:"), "{html:?}");
}

#[test]
fn follow_prints_each_new_record_once() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let mut child = command(
        &stack,
        Who::Token("admin"),
        &[
            "audit",
            "--follow",
            "--format",
            "ndjson",
            "--interval",
            "1s",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("msr-lens starts");
    let (tx, rx) = mpsc::channel::<(bool, String)>();
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    let err = BufReader::new(child.stderr.take().expect("stderr"));
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            let _ = tx.send((true, line));
        }
    });
    std::thread::spawn(move || {
        for line in err.lines().map_while(Result::ok) {
            let _ = tx2.send((false, line));
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut stdout = Vec::new();
    let wait_for = |what: &dyn Fn(bool, &str) -> bool, stdout: &mut Vec<String>| loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((is_out, line)) => {
                if is_out {
                    stdout.push(line.clone());
                }
                if what(is_out, &line) {
                    return;
                }
            }
            Err(_) => panic!("timed out; stdout so far: {stdout:?}"),
        }
    };
    // The history is read (none is printed without --since), then it follows.
    wait_for(&|is_out, l| !is_out && l.contains("following"), &mut stdout);
    assert!(stdout.is_empty(), "{stdout:?}");

    let gun_a = stack.gun("follow/cli-a");
    let gun_b = stack.gun("follow/cli-b");
    stack.insert_records(&gun_a, 1);
    let a = gun_a.clone();
    wait_for(&move |is_out, l| is_out && l.contains(&a), &mut stdout);
    stack.insert_records(&gun_b, 1);
    let b = gun_b.clone();
    wait_for(&move |is_out, l| is_out && l.contains(&b), &mut stdout);
    child.kill().ok();
    child.wait().ok();

    let a_lines = stdout.iter().filter(|l| l.contains(&gun_a)).count();
    assert_eq!(a_lines, 1, "{stdout:?}");
    assert_eq!(
        stdout.len(),
        2,
        "nothing else and nothing twice: {stdout:?}"
    );
    let truth = stack.truth(Some(&gun_a));
    let record: Value = serde_json::from_str(&stdout[0]).unwrap();
    assert_eq!(record["ID"].as_str(), truth.last().map(|t| t.id.as_str()));
}

#[test]
fn grants_say_what_the_credentials_may_see() {
    let stack = Stack::load();
    let admin = run(
        &stack,
        Who::Token("admin"),
        &["grants", "library/wordpress", "--json"],
    );
    assert_eq!(admin.code, 0, "{admin:?}");
    let admin = json_of(&admin);
    assert_eq!(admin["subject"], "admin");
    assert_eq!(admin["asked"][0]["allowed"], true);

    let dev = run(
        &stack,
        Who::Password("dev"),
        &["grants", "library/wordpress", "security/scanner"],
    );
    assert_eq!(dev.code, 0, "{dev:?}");
    let lines: Vec<&str> = dev.stdout.lines().collect();
    assert_eq!(lines[0], "signed in as dev", "{dev:?}");
    let mark = |needle: &str| {
        lines
            .iter()
            .find(|l| l.contains(needle))
            .map(|l| l.split_whitespace().next().unwrap_or(""))
            .unwrap_or_else(|| panic!("{needle} missing: {dev:?}"))
    };
    assert_eq!(mark("registry:catalog:*"), "no");
    assert_eq!(mark("library/wordpress:pull"), "yes");
    assert_eq!(mark("security/scanner:pull"), "no");

    let wrong = run(&stack, Who::WrongPassword("dev"), &["grants"]);
    assert_eq!(wrong.code, 1, "{wrong:?}");
    assert!(wrong.stderr.contains("unauthenticated"), "{wrong:?}");

    // The token service failing: a typed error and exit 1, never "no access".
    let _guard = stack.exclusive();
    stack.admin_post(
        "/fault",
        &json!({"kind": "status", "status": 503, "paths": ["/auth/token"]}),
    );
    let failed = run(&stack, Who::Token("dev"), &["grants", "library/wordpress"]);
    stack.admin_delete("/fault");
    assert_eq!(failed.code, 1, "{failed:?}");
    assert!(failed.stdout.is_empty(), "{failed:?}");
    assert!(
        failed
            .stderr
            .starts_with("msr-lens grants: the token service failed"),
        "{failed:?}"
    );
}

#[test]
fn nothing_listening_is_unknown_not_down() {
    let stack = Stack::load();
    // A port nothing listens on (the stand-in uses base..base+13): no HTTP answer at all
    // looks the same as a VPN that is off, so the verdict is unknown (3), not down.
    let port = stack.origin.port() + 59;
    let output = Command::new(bin())
        .args(["--url", &format!("https://127.0.0.1:{port}"), "health"])
        .env_remove("MSR_LENS_SECRET")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains(": UNKNOWN\n"), "{stdout}");
}
