//! `cargo xtask stack up|down|status|seed|load N`: a local MSR stand-in on 127.0.0.1.
//!
//! PostgreSQL 15 (private cluster) <- notary-server (SQL storage, token auth) <- msr-sim
//! (token service, `/_ping`, `cluster_status`, faults) <- nginx (the HTTPS origin and one
//! origin per replica). The interface with msr-sim is fixed in the stack contract; the
//! state folder is `.stack/` at the repository root (env `MSR_LENS_STACK_DIR`), ports start
//! at 8443 (env `MSR_LENS_PORT_BASE`). See crates/xtask/README.md.

mod certs;
mod layout;
mod load;
mod packages;
mod postgres;
mod seed;
mod services;
mod util;

use std::fs;
use std::process::Child;
use std::time::{Duration, Instant};

pub(crate) use layout::Stack;
use layout::{Pids, pretty};

const USAGE: &str = "usage: cargo xtask stack <command>
  up            start (or repair) the stack; prints the origin, CA file and credentials
  status        each service up/down (PID alive + probe)
  seed          publish real trust history with the notary CLI through the token flow
  load N [--days D] [--older]  add N records straight into notary's changefeed table (default
                D=30); --older dates them before the records held, which stay the newest
  down [--wipe] stop exactly the processes `up` started; --wipe also removes the state folder
env: MSR_LENS_PORT_BASE (default 8443), MSR_LENS_STACK_DIR (default <repo>/.stack),
     MSR_SIM_BIN (use this msr-sim instead of building crates/sim)";

/// Runs one `stack` subcommand.
pub(crate) fn main(args: &[String]) -> Result<(), String> {
    let sub = args.first().map(String::as_str).unwrap_or("help");
    let rest = args.get(1..).unwrap_or_default();
    match sub {
        "up" => up().map(|_| ()),
        "down" => down(rest.iter().any(|a| a == "--wipe")),
        "status" => status(),
        "seed" => seed(&Stack::open()?),
        "load" => {
            let n: u64 = rest
                .first()
                .and_then(|s| s.replace('_', "").parse().ok())
                .filter(|n| (1..=100_000_000).contains(n))
                .ok_or("load needs a record count N (1..=100000000)")?;
            let days = match rest.iter().position(|a| a == "--days") {
                Some(i) => rest
                    .get(i + 1)
                    .and_then(|d| d.parse().ok())
                    .filter(|d| (1..=3650).contains(d))
                    .ok_or("--days needs a number of days (1..=3650)")?,
                None => 30,
            };
            let dated = if rest.iter().any(|a| a == "--older") {
                load::Dated::BeforeHeld
            } else {
                load::Dated::Newest
            };
            load::run_dated(&Stack::open()?, n, days, dated)
        }
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            Err(format!("unknown stack command {sub:?}"))
        }
    }
}

/// A service `up` started in this run, to be waited for.
struct Started {
    name: &'static str,
    child: Child,
    log: std::path::PathBuf,
    probe: fn(&Stack) -> bool,
}

/// Starts whatever is not running (a half-dead stack is repaired, a healthy one left alone)
/// and writes `stack.json`. Also used by `cargo xtask test`.
pub(crate) fn up() -> Result<Stack, String> {
    up_with(SimProfile::Debug)
}

/// Which build of msr-sim the stand-in runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SimProfile {
    /// The dev build: quick to build, what the tests and the demo use.
    Debug,
    /// The release build, for `cargo xtask bench`: the debug build answers the admin
    /// check's second round (workers, jobs, crons, metrics, built per request) in
    /// 20–30 ms, which the popup's figure would count as the product's time.
    Release,
}

/// [`up`] with msr-sim built as `profile` (a running msr-sim of another build is replaced).
pub(crate) fn up_with(profile: SimProfile) -> Result<Stack, String> {
    let t0 = Instant::now();
    packages::ensure()?;
    let mut stack = Stack::open()?;
    fs::create_dir_all(&stack.dir)
        .map_err(|e| format!("cannot create {}: {e}", stack.dir.display()))?;
    check_port_base(&stack)?;
    stack.ensure_settings()?;
    let sim_build = services::start_sim_build(&stack, profile)?;
    certs::ensure(&stack)?;
    services::write_notary_config(&stack)?;
    services::write_sim_config(&stack)?;
    services::write_nginx_config(&stack)?;
    // What each service was started with; a changed input means restart (or reload).
    let nginx_inputs = Stamp::new(
        &stack,
        "nginx",
        &["nginx.conf", "tls/server.crt", "tls/server.key"],
    );
    let notary_inputs = Stamp::new(
        &stack,
        "notary",
        &["notary/server.json", "auth/token-signer.crt"],
    );
    let sim_inputs = Stamp::new(
        &stack,
        "sim",
        &[
            "sim.json",
            "auth/token-signer.key",
            "auth/token-signer.crt",
            "tls/ca.crt",
        ],
    );
    let mut pids = stack.recorded_pids();
    let mut laps = Laps::new(t0);
    laps.lap("packages+certs+configs");
    let mut done: Vec<String> = Vec::new();
    let mut started: Vec<Started> = Vec::new();

    // nginx first: it only proxies, so it can come up before its upstreams.
    match services::nginx_pid(&stack) {
        Some(pid) if !nginx_inputs.matches() => {
            services::reload_nginx(&stack)?;
            nginx_inputs.record()?;
            pids.nginx = Some(pid);
            done.push("nginx reloaded".into());
        }
        Some(pid) => pids.nginx = Some(pid),
        None => {
            pids.nginx = Some(services::start_nginx(&stack)?);
            nginx_inputs.record()?;
            done.push("nginx started".into());
        }
    }
    save(&stack, &pids)?;
    laps.lap("nginx");

    let (pg_pid, pg_started) = postgres::ensure(&stack)?;
    pids.postgres = Some(pg_pid);
    if pg_started {
        done.push("postgres started".into());
    }
    save(&stack, &pids)?;
    laps.lap("postgres");

    let ours = pids.notary.filter(|&p| services::notary_is_ours(&stack, p));
    // After postgres came back, a running notary-server reports unhealthy until its next
    // periodic DB check (~10 s): wait for that rather than restart it, which would lose the
    // timestamp keys its local trust service keeps in memory.
    let grace = Duration::from_secs(if pg_started { 12 } else { 0 });
    let keep = ours.is_some()
        && notary_inputs.matches()
        && util::wait_until(grace, || services::notary_healthy(&stack));
    if !keep {
        if let Some(old) = ours {
            util::terminate(old, Duration::from_secs(5))?;
        }
        let child = services::start_notary(&stack)?;
        notary_inputs.record()?;
        pids.notary = Some(child.id());
        save(&stack, &pids)?;
        started.push(Started {
            name: "notary-server",
            child,
            log: stack.path("logs/notary-server.log"),
            probe: services::notary_healthy,
        });
        done.push("notary-server started".into());
    }

    laps.lap("notary-server spawn");
    let bin = services::finish_sim_build(sim_build)?;
    laps.lap("msr-sim build");
    let ours = pids.sim.filter(|&p| services::sim_is_ours(&stack, p));
    let keep = ours.is_some_and(|p| services::sim_is_current(p, &bin))
        && sim_inputs.matches()
        && services::sim_healthy(&stack);
    if !keep {
        if let Some(old) = ours {
            util::terminate(old, Duration::from_secs(5))?;
        }
        let child = services::start_sim(&stack, &bin)?;
        sim_inputs.record()?;
        pids.sim = Some(child.id());
        save(&stack, &pids)?;
        started.push(Started {
            name: "msr-sim",
            child,
            log: stack.path("logs/msr-sim.log"),
            probe: services::sim_healthy,
        });
        done.push("msr-sim started".into());
    }

    laps.lap("msr-sim spawn");
    for mut s in started {
        let mut exited = None;
        let ready = util::wait_until(Duration::from_secs(60), || {
            if let Ok(Some(status)) = s.child.try_wait() {
                exited = Some(status);
                return true;
            }
            (s.probe)(&stack)
        });
        if let Some(status) = exited {
            return Err(format!(
                "{} exited ({status}) while starting; last lines of {}:\n{}",
                s.name,
                s.log.display(),
                util::tail(&s.log, 15)
            ));
        }
        if !ready {
            return Err(format!(
                "{} not ready after 60 s; last lines of {}:\n{}",
                s.name,
                s.log.display(),
                util::tail(&s.log, 15)
            ));
        }
    }
    if !util::wait_until(Duration::from_secs(10), || services::nginx_healthy(&stack)) {
        return Err(format!(
            "nginx does not answer {}/nginx_status; see {}",
            stack.origin(),
            stack.path_str("nginx/error.log")
        ));
    }
    save(&stack, &pids)?;
    laps.lap("readiness");
    let elapsed = t0.elapsed();
    print_summary(&stack, &pids);
    if done.is_empty() {
        println!(
            "\nstack: already up; nothing to do ({:.2} s)",
            elapsed.as_secs_f64()
        );
    } else {
        println!(
            "\nstack: up in {:.2} s ({}; {})",
            elapsed.as_secs_f64(),
            done.join(", "),
            laps.report()
        );
    }
    Ok(stack)
}

/// Wall-clock time of each start-up phase, for the summary.
struct Laps {
    last: Instant,
    laps: Vec<(&'static str, Duration)>,
}

impl Laps {
    fn new(start: Instant) -> Self {
        Self {
            last: start,
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.laps.push((name, now.duration_since(self.last)));
        self.last = now;
    }

    fn report(&self) -> String {
        self.laps
            .iter()
            .map(|(name, d)| format!("{name} {:.2}", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A fingerprint of the files a service was started with, kept in `run/<name>.stamp`.
struct Stamp {
    path: std::path::PathBuf,
    value: String,
}

impl Stamp {
    fn new(stack: &Stack, name: &str, inputs: &[&str]) -> Self {
        let files: Vec<_> = inputs.iter().map(|rel| stack.path(rel)).collect();
        Self {
            path: stack.path(&format!("run/{name}.stamp")),
            value: util::fingerprint(&files),
        }
    }

    /// True when the running service was started with the current inputs.
    fn matches(&self) -> bool {
        fs::read_to_string(&self.path).is_ok_and(|old| old == self.value)
    }

    fn record(&self) -> Result<(), String> {
        util::write_if_changed(&self.path, &self.value).map(|_| ())
    }
}

/// Refuses to move a running stack to other ports (stop it first).
fn check_port_base(stack: &Stack) -> Result<(), String> {
    let Some(doc) = layout::read_json(&stack.path("stack.json")) else {
        return Ok(());
    };
    let old = doc.get("port_base").and_then(serde_json::Value::as_u64);
    if old.is_some_and(|b| b != u64::from(stack.ports.base)) && any_alive(stack) {
        return Err(format!(
            "the stack runs on port base {}; run `cargo xtask stack down` before moving it to {}",
            old.unwrap_or_default(),
            stack.ports.base
        ));
    }
    Ok(())
}

fn any_alive(stack: &Stack) -> bool {
    let pids = stack.recorded_pids();
    postgres::running_pid(stack).is_some()
        || services::nginx_pid(stack).is_some()
        || pids
            .notary
            .is_some_and(|p| services::notary_is_ours(stack, p))
        || pids.sim.is_some_and(|p| services::sim_is_ours(stack, p))
}

fn save(stack: &Stack, pids: &Pids) -> Result<(), String> {
    // Passwords, access tokens and the admin URL: 0600.
    util::write_secret_if_changed(&stack.path("stack.json"), &pretty(&stack.stack_json(pids)))
        .map(|_| ())
}

fn print_summary(stack: &Stack, pids: &Pids) {
    let pid = |p: Option<u32>| p.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
    let ca = stack.ca_file();
    let origin = stack.origin();
    let (admin, password) = stack.admin();
    println!("MSR Lens stack (a local MSR stand-in)");
    println!("  origin         {origin}");
    println!(
        "  replicas       {}  (GET /_ping; plain HTTP: {})",
        stack.replica_origins().join("  "),
        stack.replica_http_origins().join("  ")
    );
    println!("  CA file        {ca}");
    println!(
        "  registry host  {}  (GUN = {}/<namespace>/<repo>)",
        stack.registry_host(),
        stack.registry_host()
    );
    println!("  users (name / password / access token):");
    for u in &stack.users {
        let role = if u.admin {
            "admin: everything, registry:catalog:*".to_owned()
        } else if u.grants.is_empty() {
            "no access".to_owned()
        } else {
            u.grants
                .iter()
                .map(|(r, a)| format!("{r}={a}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "    {:<7} {:<16} {:<36} {role}",
            u.name,
            u.password,
            u.token.as_deref().unwrap_or("-")
        );
    }
    println!(
        "  services       nginx pid {} | msr-sim pid {} http://127.0.0.1:{} (admin {}) | \
         notary-server pid {} http://127.0.0.1:{} | postgres pid {} 127.0.0.1:{}",
        pid(pids.nginx),
        pid(pids.sim),
        stack.ports.sim(),
        stack.sim_admin_url(),
        pid(pids.notary),
        stack.ports.notary(),
        pid(pids.postgres),
        stack.ports.postgres()
    );
    println!(
        "  state          {} (stack.json, logs/)",
        stack.dir.display()
    );
    println!("\nTry:");
    println!("  curl --cacert {ca} -u {admin}:{password} {origin}/api/v0/meta/cluster_status");
    println!(
        "  TOKEN=$(curl -s --cacert {ca} -u {admin}:{password} \
         '{origin}/auth/token?service=dtr&scope=registry:catalog:*' | sed -E 's/.*\"token\":\"([^\"]+)\".*/\\1/')"
    );
    println!(
        "  curl --cacert {ca} -H \"Authorization: Bearer $TOKEN\" \
         '{origin}/v2/_trust/changefeed?change_id=-1&records=-5'"
    );
}

/// One service's state as `status` reports it.
struct Health {
    name: &'static str,
    pid: Option<u32>,
    up: bool,
    probe: String,
}

/// Each service: is the process ours and alive, and does its probe answer?
fn health(stack: &Stack) -> [Health; 4] {
    let pids = stack.recorded_pids();
    let pg_pid = postgres::running_pid(stack);
    let notary_pid = pids.notary.filter(|&p| services::notary_is_ours(stack, p));
    let sim_pid = pids.sim.filter(|&p| services::sim_is_ours(stack, p));
    let nginx_pid = services::nginx_pid(stack);
    [
        Health {
            name: "postgres",
            pid: pg_pid,
            up: pg_pid.is_some() && postgres::ready(stack),
            probe: format!("127.0.0.1:{} (pg_isready)", stack.ports.postgres()),
        },
        Health {
            name: "notary-server",
            pid: notary_pid,
            up: notary_pid.is_some() && services::notary_healthy(stack),
            probe: format!(
                "http://127.0.0.1:{}/_notary_server/health",
                stack.ports.notary()
            ),
        },
        Health {
            name: "msr-sim",
            pid: sim_pid,
            up: sim_pid.is_some() && services::sim_healthy(stack),
            probe: format!("http://127.0.0.1:{}/healthz", stack.ports.sim_admin()),
        },
        Health {
            name: "nginx",
            pid: nginx_pid,
            up: nginx_pid.is_some() && services::nginx_healthy(stack),
            probe: format!("{}/nginx_status", stack.origin()),
        },
    ]
}

/// True when all four services are up.
pub(crate) fn is_up() -> Result<bool, String> {
    let stack = Stack::open()?;
    Ok(health(&stack).iter().all(|h| h.up))
}

/// Number of records in notary's changefeed table.
pub(crate) fn changefeed_len(stack: &Stack) -> Result<u64, String> {
    let out = postgres::query(stack, "SELECT count(*) FROM changefeed;")?;
    out.trim()
        .parse()
        .map_err(|_| format!("unexpected count {out:?}"))
}

/// Runs `stack seed`.
pub(crate) fn seed(stack: &Stack) -> Result<(), String> {
    seed::run(stack)
}

/// How many bulk records [`populate`] loads: a month of history, more than one page of every
/// view (pages are 100 records by default).
pub(crate) const HISTORY_RECORDS: u64 = 2000;

/// Give an empty stand-in realistic history, as the demo, the tests and the benchmarks
/// expect: a month of bulk records first (`load` never backdates past existing ones), then
/// real publishes with the notary CLI on top (the newest records, verifiable against
/// notary's timestamps). A stand-in that already has history is left as it is.
pub(crate) fn populate(stack: &Stack) -> Result<(), String> {
    if changefeed_len(stack)? > 0 {
        return Ok(());
    }
    load::run(stack, HISTORY_RECORDS, 30)?;
    seed::run(stack)
}

/// Records [`deepen`] adds: with the view's pages of 1000 records, a history of several
/// pages, so a filter over the newest page has older ones to speak of.
pub(crate) const DEEPEN_RECORDS: u64 = 3000;

/// Give a stand-in whose history is small (fewer than [`HISTORY_RECORDS`]: made with
/// `stack seed` alone, not [`populate`]) a month of bulk records *older* than what it holds,
/// as the demo needs for its audit views (a partial history, the scope banner): the real
/// publishes stay the newest records. A stand-in with history enough is left as it is.
pub(crate) fn deepen(stack: &Stack) -> Result<(), String> {
    let have = changefeed_len(stack)?;
    if have >= HISTORY_RECORDS {
        return Ok(());
    }
    println!(
        "stack: {have} records of trust history; {DEEPEN_RECORDS} older ones go in below them"
    );
    load::run_dated(stack, DEEPEN_RECORDS, 30, load::Dated::BeforeHeld)
}

/// Prints each service up/down; fails (exit 1) unless all are up.
fn status() -> Result<(), String> {
    let stack = Stack::open()?;
    println!("MSR Lens stack in {}", stack.dir.display());
    let report = health(&stack);
    for h in &report {
        let pid = h.pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
        println!(
            "  {:<14} {:<5} pid {pid:<8} {}",
            h.name,
            if h.up { "up" } else { "DOWN" },
            h.probe
        );
    }
    if report.first().is_some_and(|pg| pg.up)
        && let Ok(count) = changefeed_len(&stack)
    {
        println!("  changefeed     {count} records");
    }
    let down = report.iter().filter(|h| !h.up).count();
    if down == 0 {
        Ok(())
    } else {
        Err(format!(
            "{down} of 4 services down (cargo xtask stack up repairs)"
        ))
    }
}

/// Stops exactly what `up` started: nginx by its pid file, msr-sim and notary-server by
/// their recorded PIDs (checked against their command lines), postgres with pg_ctl.
pub(crate) fn down(wipe: bool) -> Result<(), String> {
    let stack = Stack::open()?;
    let pids = stack.recorded_pids();
    let mut stopped = Vec::new();
    if let Some(pid) = services::nginx_pid(&stack) {
        // QUIT = graceful shutdown of the master and its workers.
        util::signal(pid, "QUIT")?;
        if !util::wait_until(Duration::from_secs(10), || !util::pid_alive(pid)) {
            util::terminate(pid, Duration::from_secs(2))?;
        }
        stopped.push(format!("nginx ({pid})"));
    }
    if let Some(pid) = pids.sim.filter(|&p| services::sim_is_ours(&stack, p)) {
        util::terminate(pid, Duration::from_secs(5))?;
        stopped.push(format!("msr-sim ({pid})"));
    }
    if let Some(pid) = pids.notary.filter(|&p| services::notary_is_ours(&stack, p)) {
        util::terminate(pid, Duration::from_secs(5))?;
        stopped.push(format!("notary-server ({pid})"));
    }
    if let Some(pid) = postgres::running_pid(&stack) {
        postgres::stop(&stack)?;
        stopped.push(format!("postgres ({pid})"));
    }
    let _ = fs::remove_file(stack.path("stack.json"));
    if stopped.is_empty() {
        println!("stack: nothing was running");
    } else {
        println!("stack: stopped {}", stopped.join(", "));
    }
    if wipe {
        wipe_state(&stack)?;
    }
    Ok(())
}

fn wipe_state(stack: &Stack) -> Result<(), String> {
    if !stack.dir.exists() {
        return Ok(());
    }
    if !stack.path("settings.json").exists() {
        return Err(format!(
            "{} has no settings.json: not a stack state folder, not removing it",
            stack.dir.display()
        ));
    }
    let pg = stack.path("pg");
    if let Ok(target) = fs::read_link(&pg) {
        fs::remove_dir_all(&target)
            .map_err(|e| format!("cannot remove {}: {e}", target.display()))?;
    }
    fs::remove_dir_all(&stack.dir)
        .map_err(|e| format!("cannot remove {}: {e}", stack.dir.display()))?;
    println!("stack: removed {}", stack.dir.display());
    Ok(())
}
