//! `stack seed`: real trust history made with the real `notary` CLI, through nginx, msr-sim's
//! token service and notary-server, exactly as a developer with content trust would.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::layout::Stack;
use super::{services, util};

/// `/usr/bin/notary`.
const NOTARY: &str = "/usr/bin/notary";
/// Passphrase of every key the seed creates (demo data only).
const PASSPHRASE: &str = "msr-lens-seed-passphrase";
/// Marks a trust folder whose GUN is initialised on the server.
const MARKER: &str = ".msr-lens-initialised";

/// One CLI action; each makes exactly one changefeed record.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// `init -p` (skipped when the GUN is already initialised from this trust folder).
    Init,
    /// `add <tag> <file> -p`.
    Add(&'static str),
    /// `remove <tag> -p`.
    Remove(&'static str),
    /// A bare `publish` (re-signs, one more version).
    Publish,
    /// `delete --remote`: one `deletion` record; the next `init` restarts at version 1.
    DeleteRemote,
}

use Step::{Add, DeleteRemote, Init, Publish, Remove};

/// The history: 6 repositories in 4 namespaces, tags added and removed, two deletions
/// followed by re-created GUNs. 43 records on a fresh stack.
const PLAN: [(&str, &[Step]); 6] = [
    (
        "library/wordpress",
        &[
            Init,
            Add("5.8"),
            Add("5.9"),
            Add("6.0"),
            Add("6.1"),
            Add("6.2"),
            Add("6.3"),
            Add("6.4"),
            Add("latest"),
        ],
    ),
    (
        "library/nginx",
        &[
            Init,
            Add("1.23"),
            Add("1.24"),
            Add("1.25"),
            Add("1.25-alpine"),
            Add("1.26"),
            Add("stable"),
            Add("latest"),
        ],
    ),
    (
        "engineering/api",
        &[
            Init,
            Add("v1.0.0"),
            Add("v1.1.0"),
            Add("v1.2.0"),
            Add("v2.0.0-rc.1"),
            Add("v2.0.0"),
            Remove("v2.0.0-rc.1"),
        ],
    ),
    (
        "engineering/web",
        &[
            Init,
            Add("2024.01"),
            Add("2024.02"),
            DeleteRemote,
            Init,
            Add("2024.03"),
            Add("2024.04"),
        ],
    ),
    (
        "security/scanner",
        &[
            Init,
            Add("0.9.0"),
            Add("1.0.0"),
            Add("1.1.0"),
            Remove("0.9.0"),
            Publish,
        ],
    ),
    (
        "platform/base",
        &[
            Init,
            Add("bookworm"),
            Add("bullseye"),
            DeleteRemote,
            Init,
            Add("bookworm"),
        ],
    ),
];

/// Runs the plan, one thread (and one trust folder) per GUN, and prints the record count
/// and the rate.
pub(crate) fn run(stack: &Stack) -> Result<(), String> {
    if !(services::nginx_healthy(stack)
        && services::sim_healthy(stack)
        && services::notary_healthy(stack))
    {
        return Err("the stack is not up: run `cargo xtask stack up` first".into());
    }
    let before = super::changefeed_len(stack)?;
    let (admin, password) = stack.admin();
    let ctx = Ctx {
        origin: stack.origin(),
        ca: stack.ca_file(),
        auth: STANDARD.encode(format!("{admin}:{password}")),
        trust: stack.path("trust"),
        files: stack.path("seed-files"),
        host: stack.registry_host(),
    };
    fs::create_dir_all(&ctx.files).map_err(|e| format!("cannot create seed folder: {e}"))?;
    let t0 = Instant::now();
    let results: Vec<Result<usize, String>> = thread::scope(|scope| {
        let handles: Vec<_> = PLAN
            .iter()
            .map(|(repo, steps)| {
                let ctx = &ctx;
                scope.spawn(move || ctx.run_repo(repo, steps))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("seed thread panicked".into()))
            })
            .collect()
    });
    let elapsed = t0.elapsed().as_secs_f64();
    let errors: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    let after = super::changefeed_len(stack)?;
    let added = after.saturating_sub(before);
    let cli_runs: usize = results.iter().filter_map(|r| r.as_ref().ok()).sum();
    println!(
        "seed: {added} changefeed records from {cli_runs} notary CLI publishes on {} GUNs \
         in {elapsed:.2} s ({:.1} records/s, {} parallel loops); changefeed now holds {after}",
        PLAN.len(),
        added as f64 / elapsed.max(0.001),
        PLAN.len()
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} repositories failed:\n{}",
            errors.len(),
            PLAN.len(),
            errors
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        ))
    }
}

/// What every seeding thread shares.
struct Ctx {
    origin: String,
    ca: String,
    /// base64(admin:password) for `NOTARY_AUTH`.
    auth: String,
    trust: PathBuf,
    files: PathBuf,
    host: String,
}

impl Ctx {
    /// Runs one repository's steps in order; returns how many CLI publishes it made.
    fn run_repo(&self, repo: &str, steps: &[Step]) -> Result<usize, String> {
        let gun = format!("{}/{repo}", self.host);
        // One trust folder per GUN (re-initialising a GUN from another folder breaks it).
        let dir = self.trust.join(gun.replace(['/', ':'], "_"));
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let marker = dir.join(MARKER);
        let mut runs = 0;
        for (i, step) in steps.iter().enumerate() {
            if matches!(step, Init) && marker.exists() {
                continue;
            }
            match self.step(&dir, &gun, repo, *step, i) {
                Ok(()) => runs += 1,
                // notary-server's local trust service keeps the timestamp keys in memory:
                // after it restarted, an existing GUN needs a new server-managed timestamp
                // key (one more publish), then the change staged by the failed step is
                // published.
                Err(e) if e.contains("timestamp keys") => {
                    self.notary(&dir, &["key", "rotate", &gun, "timestamp", "-r"])?;
                    self.notary(&dir, &["publish", &gun])?;
                    runs += 2;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(runs)
    }

    fn step(&self, dir: &Path, gun: &str, repo: &str, step: Step, i: usize) -> Result<(), String> {
        let marker = dir.join(MARKER);
        match step {
            Init => {
                self.notary(dir, &["init", gun, "-p"])?;
                fs::write(&marker, gun).map_err(|e| format!("cannot mark {gun}: {e}"))
            }
            Add(tag) => {
                let file = self.target_file(repo, tag, i)?.display().to_string();
                self.notary(dir, &["add", gun, tag, &file, "-p"])
            }
            Remove(tag) => self.notary(dir, &["remove", gun, tag, "-p"]),
            Publish => self.notary(dir, &["publish", gun]),
            DeleteRemote => {
                self.notary(dir, &["delete", gun, "--remote"])?;
                let _ = fs::remove_file(&marker);
                Ok(())
            }
        }
    }

    /// A small, always different target file (a real image would be a manifest).
    fn target_file(&self, repo: &str, tag: &str, step: usize) -> Result<PathBuf, String> {
        let path = self
            .files
            .join(format!("{}_{tag}.json", repo.replace('/', "_")));
        let body = format!(
            "{{\"repository\":\"{repo}\",\"tag\":\"{tag}\",\"step\":{step},\"nonce\":\"{}\"}}\n",
            util::random_hex(8)?
        );
        fs::write(&path, body).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }

    fn notary(&self, trust_dir: &Path, args: &[&str]) -> Result<(), String> {
        util::output(
            Command::new(NOTARY)
                .arg("-s")
                .arg(&self.origin)
                .arg("-d")
                .arg(trust_dir)
                .arg("--tlscacert")
                .arg(&self.ca)
                .args(args)
                .env("NOTARY_AUTH", &self.auth)
                .env("NOTARY_ROOT_PASSPHRASE", PASSPHRASE)
                .env("NOTARY_TARGETS_PASSPHRASE", PASSPHRASE)
                .env("NOTARY_SNAPSHOT_PASSPHRASE", PASSPHRASE)
                .env("NOTARY_DELEGATION_PASSPHRASE", PASSPHRASE),
        )
        .map(|_| ())
    }
}
