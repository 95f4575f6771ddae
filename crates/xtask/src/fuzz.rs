//! `cargo xtask fuzz [--secs N] [TARGET…]`: coverage-guided fuzzing of every parser of
//! server data in msr-lens-core (`fuzz/`, cargo-fuzz and libFuzzer; docs/fuzzing.md).
//!
//! It installs cargo-fuzz when it is missing (the targets build on the stable toolchain
//! like everything else: without a sanitizer cargo-fuzz passes only stable flags), writes seed corpora generated from the golden fixtures into
//! `fuzz/seeds/<target>/`, builds the targets once, runs each for N seconds (one at a
//! time) with `fuzz/corpus/<target>/` as its growing corpus, and prints per target the
//! executions, the coverage (libFuzzer's `cov` and `ft`) and the crashes. A crash makes
//! the command fail; libFuzzer saved its input under `fuzz/artifacts/<target>/`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use msr_lens_core::changefeed::{
    ChangeId, Event, Feed, FollowFrom, Gun, Mode, Pager, PagerConfig, SavedState,
};
use msr_lens_core::{Origin, Timestamp};

/// Every fuzz target (a `[[bin]]` of `fuzz/Cargo.toml`).
pub const TARGETS: &[&str] = &[
    "changefeed_page",
    "cluster_status",
    "ping",
    "nginx_status",
    "www_authenticate",
    "token_response",
    "jwt_claims",
    "error_body",
    "saved_state",
    "auth_flow",
];

/// What the fuzz targets' answers are separated by (`msr_lens_fuzz::ANSWER_SEPARATOR`).
const ANSWER_SEPARATOR: &str = "\n#~#~#\n";

/// The origin the targets are configured with.
const ORIGIN: &str = "https://msr.example.org";

/// One target's run.
struct Outcome {
    target: String,
    secs: u64,
    runs: Option<u64>,
    execs_per_sec: Option<u64>,
    cov: Option<u64>,
    ft: Option<u64>,
    corpus: Option<u64>,
    crash: Option<String>,
}

/// `cargo xtask fuzz` with its arguments.
pub fn main(args: &[String]) -> Result<(), String> {
    let mut secs: u64 = 60;
    let mut targets = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--secs" => {
                secs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("--secs needs a number of seconds above 0")?;
            }
            "-h" | "--help" => {
                println!(
                    "usage: cargo xtask fuzz [--secs N] [TARGET…]\n  N: seconds per target (default 60)\n  targets: {}",
                    TARGETS.join(" ")
                );
                return Ok(());
            }
            target if TARGETS.contains(&target) => targets.push(target.to_string()),
            other => {
                return Err(format!(
                    "unknown fuzz target `{other}` (targets: {})",
                    TARGETS.join(" ")
                ));
            }
        }
    }
    if targets.is_empty() {
        targets = TARGETS.iter().map(|t| t.to_string()).collect();
    }
    let fuzz_dir = crate::workspace_root().join("fuzz");
    install()?;
    write_seeds(&fuzz_dir)?;
    // One build for all targets; `cargo fuzz run` then finds them built.
    cargo_fuzz(&fuzz_dir, &["build"], None)?;
    let mut outcomes = Vec::new();
    for target in &targets {
        outcomes.push(run_target(&fuzz_dir, target, secs)?);
    }
    print!("{}", table(&outcomes));
    let crashed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.crash.is_some())
        .map(|o| o.target.as_str())
        .collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "crash in {} (inputs under fuzz/artifacts/)",
            crashed.join(", ")
        ))
    }
}

/// cargo-fuzz, installed when missing.
///
/// The targets build with the default (stable) toolchain: `--sanitizer none` keeps
/// cargo-fuzz to stable `-C` flags (`-Cpasses=sancov-module` and LLVM's
/// sanitizer-coverage options), so no nightly toolchain is needed.
fn install() -> Result<(), String> {
    let have_fuzz = Command::new("cargo")
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_fuzz {
        crate::run("cargo", &["install", "cargo-fuzz", "--locked"])?;
    }
    Ok(())
}

/// `cargo fuzz <args> --sanitizer none --debug-assertions` in `fuzz/`.
///
/// No sanitizer: the core forbids `unsafe` code, and what the targets look for —
/// panics, overflows (debug assertions are on), disagreements between parsers, broken
/// promises — needs none; AddressSanitizer would halve the executions.
fn cargo_fuzz(fuzz_dir: &Path, args: &[&str], log: Option<&Path>) -> Result<bool, String> {
    let (command, rest) = args.split_first().ok_or("no cargo fuzz command")?;
    let mut cmd = Command::new("cargo");
    cmd.current_dir(fuzz_dir)
        .args(["fuzz", command, "--sanitizer", "none", "--debug-assertions"])
        .args(rest)
        // The workspace's settings are not for this crate.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR");
    eprintln!("+ (fuzz/) cargo fuzz {}", args.join(" "));
    if let Some(log) = log {
        let file = fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        cmd.stdout(Stdio::null()).stderr(file);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    if log.is_none() && !status.success() {
        return Err(format!("cargo fuzz {} failed: {status}", args.join(" ")));
    }
    Ok(status.success())
}

fn run_target(fuzz_dir: &Path, target: &str, secs: u64) -> Result<Outcome, String> {
    let corpus = format!("corpus/{target}");
    let seeds = format!("seeds/{target}");
    let artifacts = format!("artifacts/{target}");
    let logs = fuzz_dir.join("logs");
    for dir in [&corpus, &artifacts] {
        fs::create_dir_all(fuzz_dir.join(dir)).map_err(|e| format!("{dir}: {e}"))?;
    }
    fs::create_dir_all(&logs).map_err(|e| format!("fuzz/logs: {e}"))?;
    let log = logs.join(format!("{target}.log"));
    let max_time = format!("-max_total_time={secs}");
    let ok = cargo_fuzz(
        fuzz_dir,
        &[
            "run",
            target,
            &corpus,
            &seeds,
            "--",
            &max_time,
            "-print_final_stats=1",
            "-timeout=10",
            "-rss_limit_mb=2048",
            "-max_len=65536",
        ],
        Some(&log),
    )?;
    let text = fs::read_to_string(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut outcome = parse_log(target, secs, &text);
    if !ok && outcome.crash.is_none() {
        outcome.crash = Some(format!("failed without an artifact; see {}", log.display()));
    }
    if outcome.crash.is_some() {
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        eprintln!(
            "--- {target}: the end of {}\n{}",
            log.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    eprintln!(
        "fuzz {target}: {} runs, cov {}, ft {}{}",
        show(outcome.runs),
        show(outcome.cov),
        show(outcome.ft),
        outcome
            .crash
            .as_deref()
            .map(|c| format!(", CRASH: {c}"))
            .unwrap_or_default()
    );
    Ok(outcome)
}

/// Read libFuzzer's output: the last status line (`#N ... cov: C ft: F corp: K/...`),
/// the final stats (`stat::number_of_executed_units: N`) and the crash artifact line.
fn parse_log(target: &str, secs: u64, text: &str) -> Outcome {
    let field = |line: &str, name: &str| -> Option<u64> {
        let mut words = line.split_whitespace();
        words.find(|w| *w == name)?;
        let value = words.next()?;
        value.split('/').next()?.parse().ok()
    };
    let status = text
        .lines()
        .rev()
        .find(|line| line.starts_with('#') && line.contains(" cov: "));
    let stat = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
    };
    let crash = text.lines().find_map(|line| {
        line.split_once("Test unit written to ")
            .map(|(_, path)| path.trim().to_string())
    });
    Outcome {
        target: target.to_string(),
        secs,
        runs: stat("stat::number_of_executed_units:")
            .or_else(|| status.and_then(|l| l.split_whitespace().next()?[1..].parse().ok())),
        execs_per_sec: stat("stat::average_exec_per_sec:"),
        cov: status.and_then(|l| field(l, "cov:")),
        ft: status.and_then(|l| field(l, "ft:")),
        corpus: status.and_then(|l| field(l, "corp:")),
        crash,
    }
}

fn show(value: Option<u64>) -> String {
    value.map_or("?".to_string(), |v| v.to_string())
}

/// The figures as a Markdown table.
fn table(outcomes: &[Outcome]) -> String {
    let mut out = String::from(
        "\n| target | seconds | executions | exec/s | cov | ft | corpus | crashes |\n|---|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for o in outcomes {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            o.target,
            o.secs,
            show(o.runs),
            show(o.execs_per_sec),
            show(o.cov),
            show(o.ft),
            show(o.corpus),
            o.crash.as_deref().unwrap_or("none"),
        );
    }
    out
}

/// One capture of `tests/fixtures/notary-0.7.0-memory/*.http`: its label line and the
/// raw answer (status line, headers, blank line, body).
struct Capture {
    name: String,
    label: String,
    answer: String,
}

impl Capture {
    fn status(&self) -> u16 {
        self.answer
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0)
    }

    fn body(&self) -> &str {
        self.answer.split_once("\n\n").map_or("", |(_, body)| body)
    }

    fn header(&self, name: &str) -> Option<&str> {
        let head = self.answer.split_once("\n\n").map_or("", |(head, _)| head);
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }
}

fn captures(dir: &Path) -> Result<Vec<Capture>, String> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "http"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut current: Option<(String, Vec<&str>)> = None;
        let finish = |current: Option<(String, Vec<&str>)>, out: &mut Vec<Capture>| {
            if let Some((label, lines)) = current {
                let answer = lines.join("\n").trim().to_string();
                if answer.starts_with("HTTP/") {
                    let name = format!("{stem}-{:02}", out.len());
                    out.push(Capture {
                        name,
                        label,
                        answer: answer + "\n",
                    });
                }
            }
        };
        for line in text.lines() {
            if line.starts_with("### ") || line.starts_with("=== ") {
                finish(current.take(), &mut out);
                current = Some((line[4..].to_string(), Vec::new()));
            } else if let Some((_, lines)) = current.as_mut() {
                lines.push(line);
            }
        }
        finish(current, &mut out);
    }
    Ok(out)
}

/// A compact JWT with `payload` (unsigned: the client does not check signatures).
fn jwt(payload: &str) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT","kid":"ABCD:EFGH"}"#),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode("not a signature")
    )
}

fn json_answer(status: &str, body: &str) -> String {
    format!("HTTP/1.1 {status}\nContent-Type: application/json\n\n{body}\n")
}

/// Write the seed corpora, generated from the golden fixtures, into `fuzz/seeds/`.
fn write_seeds(fuzz_dir: &Path) -> Result<(), String> {
    let fixtures = crate::workspace_root().join("crates/core/tests/fixtures");
    let captures = captures(&fixtures.join("notary-0.7.0-memory"))?;
    let health = |name: &str| {
        let path = fixtures.join("health").join(name);
        fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let mut seeds: Vec<(&str, String, String)> = Vec::new();
    let mut add = |target: &'static str, name: String, data: String| {
        seeds.push((target, name, data));
    };
    // Every answer a server gave is a seed of every target that reads an answer.
    let mut answers: Vec<(String, String)> = captures
        .iter()
        .map(|c| (c.name.clone(), c.answer.clone()))
        .collect();
    for name in [
        "cluster_status_healthy.json",
        "cluster_status_degraded.json",
        "cluster_status_odd_fields.json",
        "vendor_page_corrected.json",
        "vendor_page_example.txt",
    ] {
        answers.push((name.to_string(), json_answer("200 OK", &health(name)?)));
    }
    answers.push((
        "nginx_status".to_string(),
        format!(
            "HTTP/1.1 200 OK\nContent-Type: text/plain\n\n{}",
            health("nginx_status.txt")?
        ),
    ));
    for (name, answer) in [
        (
            "ping-healthy",
            json_answer("200 OK", r#"{"Error":"","Healthy":true}"#),
        ),
        (
            "ping-unhealthy",
            json_answer(
                "503 Service Unavailable",
                r#"{"Error":"Notary unhealthy: timed out","Healthy":false}"#,
            ),
        ),
        (
            "ping-pong",
            "HTTP/1.1 200 OK\nContent-Type: text/plain\n\nPong\n".to_string(),
        ),
        (
            "cluster-not-admin",
            json_answer(
                "403 Forbidden",
                r#"{"errors":[{"code":"NOT_AUTHORIZED","message":"You do not have permission"}]}"#,
            ),
        ),
        (
            "cluster-check-failed",
            json_answer(
                "503 Service Unavailable",
                r#"{"code":"STATUS_CHECK_FAILED","message":"rethinkdb is down","detail":{}}"#,
            ),
        ),
        (
            "error-details",
            json_answer(
                "500 Internal Server Error",
                r#"{"details":"something broke"}"#,
            ),
        ),
        (
            "error-html",
            "HTTP/1.1 502 Bad Gateway\nContent-Type: text/html\n\n<html><body>502</body></html>\n"
                .to_string(),
        ),
    ] {
        answers.push((name.to_string(), answer));
    }
    // Token answers, with JWTs granting what the captures' tokens granted.
    let mut payloads = Vec::new();
    for capture in &captures {
        if let Some((_, access)) = capture.label.split_once("access=")
            && let Some(access) = access.split_whitespace().next()
        {
            payloads.push(format!(
                r#"{{"iss":"msr.example.org","sub":"admin","aud":"notary-test","exp":1800000300,"nbf":1799999990,"iat":1800000000,"jti":"x","access":{access}}}"#
            ));
        }
    }
    payloads.sort();
    payloads.dedup();
    payloads.push(r#"{"sub":"","access":[]}"#.to_string());
    payloads.push(r#"{"aud":["notary-test","x"],"exp":1.8e9,"access":null}"#.to_string());
    let mut tokens = Vec::new();
    for (i, payload) in payloads.iter().enumerate() {
        let token = jwt(payload);
        add("jwt_claims", format!("payload-{i:02}"), payload.clone());
        add("jwt_claims", format!("token-{i:02}"), token.clone());
        let answer = json_answer(
            "200 OK",
            &format!(
                r#"{{"token":"{token}","access_token":"{token}","expires_in":300,"issued_at":"2027-01-15T08:00:00Z"}}"#
            ),
        );
        add("token_response", format!("token-{i:02}"), answer.clone());
        tokens.push(answer);
    }
    answers.push((
        "token-opaque".to_string(),
        json_answer("200 OK", r#"{"token":"opaque","expires_in":"300"}"#),
    ));
    for (name, answer) in &answers {
        for target in [
            "changefeed_page",
            "cluster_status",
            "ping",
            "nginx_status",
            "token_response",
            "error_body",
        ] {
            add(target, name.clone(), answer.clone());
        }
    }
    // Challenges: every `WWW-Authenticate` value captured, and a few more shapes.
    let mut challenges: Vec<String> = captures
        .iter()
        .filter_map(|c| c.header("www-authenticate").map(str::to_string))
        .collect();
    challenges.sort();
    challenges.dedup();
    challenges.extend([
        r#"Basic realm="MSR""#.to_string(),
        format!(
            r#"Bearer realm="{ORIGIN}/auth/token", service="msr.example.org", scope="repository:msr.example.org/library/nginx:pull,push""#
        ),
        format!(r#"Basic realm="x", Bearer realm="{ORIGIN}/auth/token",error="invalid_token""#),
    ]);
    for (i, challenge) in challenges.iter().enumerate() {
        add(
            "www_authenticate",
            format!("challenge-{i:02}"),
            challenge.clone(),
        );
    }
    // The token flow: a challenge on the configured origin, a token answer, the retry's
    // answer.
    let pages: Vec<&Capture> = captures
        .iter()
        .filter(|c| c.status() == 200 && c.body().contains("records"))
        .take(4)
        .collect();
    for (i, challenge) in captures
        .iter()
        .filter(|c| c.status() == 401)
        .take(6)
        .enumerate()
    {
        let challenge = challenge.answer.replace("https://127.0.0.1:9999", ORIGIN);
        let token = &tokens[i % tokens.len().max(1)];
        let page = pages.get(i % pages.len().max(1)).map_or("", |c| &c.answer);
        add(
            "auth_flow",
            format!("flow-{i:02}"),
            format!("{challenge}{ANSWER_SEPARATOR}{token}{ANSWER_SEPARATOR}{page}"),
        );
    }
    // Saved pager positions: pagers of every mode walked over the captured pages.
    for (i, state) in saved_states(&captures).iter().enumerate() {
        let json = serde_json::to_string(state).map_err(|e| e.to_string())?;
        add("saved_state", format!("state-{i:02}"), json);
    }

    let seeds_dir = fuzz_dir.join("seeds");
    if seeds_dir.exists() {
        fs::remove_dir_all(&seeds_dir).map_err(|e| format!("{}: {e}", seeds_dir.display()))?;
    }
    for target in TARGETS {
        fs::create_dir_all(seeds_dir.join(target)).map_err(|e| format!("fuzz/seeds: {e}"))?;
    }
    let count = seeds.len();
    for (target, name, data) in seeds {
        let path = seeds_dir.join(target).join(name);
        fs::write(&path, data).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    eprintln!("fuzz: {count} seeds from the fixtures in fuzz/seeds/");
    Ok(())
}

fn saved_states(captures: &[Capture]) -> Vec<SavedState> {
    let origin = Origin::parse(ORIGIN).expect("a valid origin");
    let bodies: Vec<&str> = captures
        .iter()
        .filter(|c| c.status() == 200 && c.body().contains("\"records\":["))
        .map(Capture::body)
        .collect();
    let gun = Gun::new("msr.example.org/library/nginx").expect("a valid GUN");
    let mut states = Vec::new();
    for feed in [Feed::Global, Feed::Repository(gun)] {
        for mode in [
            Mode::Backfill,
            Mode::NewestFirst,
            Mode::Follow(FollowFrom::Start),
            Mode::Follow(FollowFrom::Latest),
        ] {
            let config = PagerConfig {
                page_size: 3,
                dedup_window: 8,
                ..PagerConfig::default()
            };
            let mut pager = Pager::new(origin.clone(), feed.clone(), mode, config);
            states.push(pager.save());
            let mut now = Timestamp::from_secs(1_800_000_000);
            for body in bodies.iter().take(3) {
                let Some((id, _)) = pager.poll_request(now) else {
                    break;
                };
                let mut response = http::Response::new(body.as_bytes().to_vec());
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                pager.handle_response(id, now, response);
                while let Some(event) = pager.poll_event() {
                    if matches!(event, Event::Records { .. }) {
                        states.push(pager.save());
                    }
                }
                now = now.add_secs(60);
            }
            if let Ok(anchor) = ChangeId::new("42") {
                states.push(SavedState::anchored(feed.clone(), mode, anchor, false));
            }
        }
    }
    states
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libfuzzer_figures_and_crashes() {
        let done = "INFO: Seed: 1234\n\
            #2\tINITED cov: 1200 ft: 3000 corp: 80/9Kb exec/s: 0 rss: 30Mb\n\
            #65536\tpulse  cov: 1400 ft: 4100 corp: 300/20Kb lim: 400 exec/s: 21845 rss: 31Mb\n\
            #1048576\tDONE   cov: 1449 ft: 4674 corp: 1248/32Kb lim: 277 exec/s: 24790 rss: 30Mb\n\
            Done 1048576 runs in 42 second(s)\n\
            stat::number_of_executed_units: 1048577\n\
            stat::average_exec_per_sec:     24966\n\
            stat::new_units_added:          1200\n";
        let outcome = parse_log("ping", 42, done);
        assert_eq!(outcome.runs, Some(1_048_577));
        assert_eq!(outcome.execs_per_sec, Some(24_966));
        assert_eq!(
            (outcome.cov, outcome.ft, outcome.corpus),
            (Some(1449), Some(4674), Some(1248))
        );
        assert_eq!(outcome.crash, None);

        let crashed = "#500\tNEW    cov: 900 ft: 2000 corp: 60/5Kb lim: 40 exec/s: 0 rss: 29Mb L: 7/9 MS: 1 ChangeByte-\n\
            thread '<unnamed>' panicked at fuzz_targets/ping.rs:12:5:\nboom\n\
            ==4242== ERROR: libFuzzer: deadly signal\n\
            artifact_prefix='/w/fuzz/artifacts/ping/'; Test unit written to /w/fuzz/artifacts/ping/crash-0a1b\n\
            Base64: Q1JBU0hNRQ==\n";
        let outcome = parse_log("ping", 10, crashed);
        assert_eq!(
            outcome.crash.as_deref(),
            Some("/w/fuzz/artifacts/ping/crash-0a1b")
        );
        assert_eq!(outcome.runs, Some(500));
        assert_eq!((outcome.cov, outcome.ft), (Some(900), Some(2000)));
        assert!(table(&[outcome]).contains(
            "| ping | 10 | 500 | ? | 900 | 2000 | 60 | /w/fuzz/artifacts/ping/crash-0a1b |"
        ));
    }

    #[test]
    fn seeds_come_from_every_fixture_answer() {
        let dir = crate::workspace_root().join("crates/core/tests/fixtures/notary-0.7.0-memory");
        let captures = captures(&dir).expect("the fixtures read");
        assert!(captures.iter().all(|c| c.answer.starts_with("HTTP/1.1 ")));
        assert!(captures.iter().any(|c| {
            c.status() == 401
                && c.header("www-authenticate")
                    .is_some_and(|v| v.starts_with("Bearer "))
        }));
        assert!(
            captures
                .iter()
                .any(|c| c.status() == 200 && c.body().contains("\"records\":["))
        );
        let states = saved_states(&captures);
        assert!(states.iter().any(|s| s.origin() == Some(ORIGIN)));
        let json = serde_json::to_value(&states).expect("saved states serialize");
        assert!(
            json.as_array().is_some_and(|all| all
                .iter()
                .any(|s| s["recentIds"].as_array().is_some_and(|ids| !ids.is_empty()))),
            "no saved state of a pager that read records"
        );
    }
}
