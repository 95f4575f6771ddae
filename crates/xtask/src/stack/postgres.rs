//! The stack's private PostgreSQL 15 cluster: initdb, pg_ctl, role, database and notary's
//! schema. It never touches the system cluster: its own data folder, port and socket folder.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::layout::Stack;
use super::util;

/// Where Debian's PostgreSQL 15 server binaries live.
pub(crate) const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

const SCHEMA: &str = include_str!("../../assets/notary-schema.sql");

/// A PostgreSQL binary run as the `postgres` user when we are root (initdb and the server
/// refuse to run as root), directly otherwise.
fn as_postgres(program: &str) -> Command {
    let path = format!("{PG_BIN}/{program}");
    if util::euid() == Some(0) {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--", &path]);
        cmd
    } else {
        Command::new(path)
    }
}

/// The cluster's folder (`<state>/pg`, or a folder in /tmp linked from there when the
/// `postgres` user cannot reach the state folder, e.g. a clone under /root).
pub(crate) fn pg_root(stack: &Stack) -> Result<PathBuf, String> {
    let link = stack.path("pg");
    if let Ok(target) = fs::read_link(&link) {
        return Ok(target);
    }
    if link.exists() || util::euid() != Some(0) || postgres_can_enter(&stack.dir) {
        return Ok(link);
    }
    let hash = stack
        .dir
        .display()
        .to_string()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    let target = PathBuf::from(format!("/tmp/msr-lens-pg-{hash:016x}"));
    fs::create_dir_all(&target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    symlink(&target, &link).map_err(|e| format!("cannot link {}: {e}", link.display()))?;
    Ok(target)
}

fn postgres_can_enter(dir: &Path) -> bool {
    Command::new("runuser")
        .args(["-u", "postgres", "--", "test", "-x"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success())
}

/// The postmaster PID if the cluster is running.
pub(crate) fn running_pid(stack: &Stack) -> Option<u32> {
    let root = pg_root(stack).ok()?;
    let text = fs::read_to_string(root.join("data/postmaster.pid")).ok()?;
    let pid: u32 = text.lines().next()?.trim().parse().ok()?;
    util::pid_matches(pid, &["postgres", &root.join("data").display().to_string()]).then_some(pid)
}

/// True when the server accepts connections on its port.
pub(crate) fn ready(stack: &Stack) -> bool {
    Command::new(format!("{PG_BIN}/pg_isready"))
        .args([
            "-q",
            "-h",
            "127.0.0.1",
            "-p",
            &stack.ports.postgres().to_string(),
        ])
        .status()
        .is_ok_and(|s| s.success())
}

/// Initialises (first time) and starts the cluster unless it is running; makes the role
/// `server`, the database `notaryserver` and notary's schema (idempotent). Returns the
/// postmaster PID and whether this call started it.
pub(crate) fn ensure(stack: &Stack) -> Result<(u32, bool), String> {
    let root = pg_root(stack)?;
    let data = root.join("data");
    let run = root.join("run");
    let log = root.join("postgres.log");
    fs::create_dir_all(&run).map_err(|e| format!("cannot create {}: {e}", run.display()))?;
    if util::euid() == Some(0) {
        util::output(
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&root),
        )?;
    }
    if !data.join("PG_VERSION").exists() {
        eprintln!("stack: initdb {}", data.display());
        util::output(
            as_postgres("initdb")
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "-A", "trust", "-E", "UTF8"])
                // A disposable test cluster: skip the final fsync of every file (seconds).
                .args(["--locale=C.UTF-8", "--no-instructions", "--no-sync"]),
        )?;
    }
    let mut started = false;
    let pid = match running_pid(stack) {
        Some(pid) if ready(stack) => pid,
        _ => {
            let port = stack.ports.postgres();
            if util::port_busy(&format!("127.0.0.1:{port}")) {
                return Err(format!(
                    "port {port} (postgres) is taken by another program; \
                     choose other ports with MSR_LENS_PORT_BASE"
                ));
            }
            let opts = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k '{}' -c timezone=UTC \
                 -c log_timezone=UTC -c synchronous_commit=off -c max_connections=100",
                run.display()
            );
            util::output(
                as_postgres("pg_ctl")
                    .args(["start", "-w", "-t", "60", "-D"])
                    .arg(&data)
                    .arg("-l")
                    .arg(&log)
                    .args(["-o", &opts]),
            )
            .map_err(|e| format!("{e}\n--- {}:\n{}", log.display(), util::tail(&log, 15)))?;
            started = true;
            running_pid(stack).ok_or("postgres started but wrote no postmaster.pid")?
        }
    };
    // Role and database (trust auth on loopback), then notary's schema as that role.
    let bootstrap = "SELECT 'CREATE ROLE server LOGIN' \
         WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'server')\\gexec\n\
         SELECT 'CREATE DATABASE notaryserver OWNER server' \
         WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'notaryserver')\\gexec\n";
    util::output_with_input(&mut psql(stack, "postgres", "postgres"), bootstrap)?;
    util::output_with_input(&mut psql(stack, "server", "notaryserver"), SCHEMA)?;
    Ok((pid, started))
}

/// `psql` connected over TCP as `user` to `db`, quiet, stopping on the first error,
/// reading SQL from stdin.
pub(crate) fn psql(stack: &Stack, user: &str, db: &str) -> Command {
    let mut cmd = Command::new(format!("{PG_BIN}/psql"));
    cmd.args([
        "-X",
        "-q",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
    ])
    .args([
        "-p",
        &stack.ports.postgres().to_string(),
        "-U",
        user,
        "-d",
        db,
    ])
    .args(["-f", "-"]);
    cmd
}

/// Runs one SQL text as `server` on `notaryserver`; returns psql's unaligned output.
pub(crate) fn query(stack: &Stack, sql: &str) -> Result<String, String> {
    util::output_with_input(&mut psql(stack, "server", "notaryserver"), sql)
}

/// Stops the cluster (`pg_ctl stop -m fast`) if it runs.
pub(crate) fn stop(stack: &Stack) -> Result<bool, String> {
    if running_pid(stack).is_none() {
        return Ok(false);
    }
    let data = pg_root(stack)?.join("data");
    util::output(
        as_postgres("pg_ctl")
            .args(["stop", "-w", "-t", "60", "-m", "fast", "-D"])
            .arg(&data),
    )?;
    Ok(true)
}
