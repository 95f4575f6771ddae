//! notary-server, msr-sim and nginx: configuration, start, identity checks and probes.

use std::env;
use std::fs::{self, OpenOptions};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::layout::{ISSUER, REPLICAS, SERVICE, Stack, pretty};
use super::{SimProfile, util};

const NOTARY_TEMPLATE: &str = include_str!("../../assets/notary-server.json");
const NGINX_TEMPLATE: &str = include_str!("../../assets/nginx.conf");
const NGINX_REPLICA_TEMPLATE: &str = include_str!("../../assets/nginx-replica.conf");

/// `/usr/bin/notary-server`.
pub(crate) const NOTARY_SERVER: &str = "/usr/bin/notary-server";
/// `/usr/sbin/nginx`.
pub(crate) const NGINX: &str = "/usr/sbin/nginx";

/// Starts `cmd` detached from our terminal's process group (Ctrl-C on `cargo xtask` does
/// not reach it), stdin from /dev/null, stdout and stderr appended to `log`.
fn spawn_logged(cmd: &mut Command, log: &Path) -> Result<Child, String> {
    if let Some(parent) = log.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
    let err = file
        .try_clone()
        .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
    cmd.stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", util::describe(cmd)))
}

/// Fails when another program listens on `port`; waits up to 3 s first, since a process
/// we just stopped may still be closing its sockets.
fn fail_if_busy(port: u16, what: &str) -> Result<(), String> {
    let addr = format!("127.0.0.1:{port}");
    if !util::wait_until(std::time::Duration::from_secs(3), || {
        !util::port_busy(&addr)
    }) {
        Err(format!(
            "port {port} ({what}) is taken by another program; \
             choose other ports with MSR_LENS_PORT_BASE"
        ))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------- notary-server

pub(crate) fn notary_config_path(stack: &Stack) -> PathBuf {
    stack.path("notary/server.json")
}

/// notary-server's config (postgres storage, local trust service, token auth pointed at
/// msr-sim's realm); returns whether the file changed.
pub(crate) fn write_notary_config(stack: &Stack) -> Result<bool, String> {
    let esc = |s: &str| {
        let quoted = Value::from(s).to_string();
        quoted
            .get(1..quoted.len().saturating_sub(1))
            .unwrap_or_default()
            .to_owned()
    };
    let text = NOTARY_TEMPLATE
        .replace("{{NOTARY_PORT}}", &stack.ports.notary().to_string())
        .replace("{{PG_PORT}}", &stack.ports.postgres().to_string())
        .replace("{{ORIGIN}}", &esc(&stack.origin()))
        .replace("{{SERVICE}}", SERVICE)
        .replace("{{ISSUER}}", ISSUER)
        .replace(
            "{{TOKEN_CERT}}",
            &esc(&stack.path_str("auth/token-signer.crt")),
        );
    util::write_if_changed(&notary_config_path(stack), &text)
}

pub(crate) fn notary_is_ours(stack: &Stack, pid: u32) -> bool {
    util::pid_matches(
        pid,
        &[
            "notary-server",
            &notary_config_path(stack).display().to_string(),
        ],
    )
}

pub(crate) fn notary_healthy(stack: &Stack) -> bool {
    util::http_status(
        &format!("127.0.0.1:{}", stack.ports.notary()),
        "/_notary_server/health",
    ) == Some(200)
}

pub(crate) fn start_notary(stack: &Stack) -> Result<Child, String> {
    fail_if_busy(stack.ports.notary(), "notary-server")?;
    spawn_logged(
        Command::new(NOTARY_SERVER)
            .arg("-config")
            .arg(notary_config_path(stack))
            // notary writes created_at in local time into `timestamp` columns.
            .env("TZ", "UTC"),
        &stack.path("logs/notary-server.log"),
    )
}

// ---------------------------------------------------------------- msr-sim

pub(crate) fn sim_config_path(stack: &Stack) -> PathBuf {
    stack.path("sim.json")
}

pub(crate) fn write_sim_config(stack: &Stack) -> Result<bool, String> {
    // Passwords, access tokens and the admin token: 0600.
    util::write_secret_if_changed(&sim_config_path(stack), &pretty(&stack.sim_config()))
}

/// Either the binary named by `MSR_SIM_BIN`, or a `cargo build -p msr-lens-sim` running in
/// the background (started early: on a cold machine it is the slowest step).
pub(crate) enum SimBuild {
    Given(PathBuf),
    Building(Child),
}

pub(crate) fn start_sim_build(stack: &Stack, profile: SimProfile) -> Result<SimBuild, String> {
    if let Some(bin) = env::var_os("MSR_SIM_BIN") {
        return Ok(SimBuild::Given(PathBuf::from(bin)));
    }
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .current_dir(&stack.root)
        .args(["build", "-q", "-p", "msr-lens-sim", "--bin", "msr-sim"])
        .args((profile == SimProfile::Release).then_some("--release"))
        .arg("--message-format=json-render-diagnostics")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map(SimBuild::Building)
        .map_err(|e| format!("cannot run cargo build -p msr-lens-sim: {e}"))
}

/// Waits for the build and returns the `msr-sim` executable it reported.
pub(crate) fn finish_sim_build(build: SimBuild) -> Result<PathBuf, String> {
    let child = match build {
        SimBuild::Given(path) => {
            return if path.is_file() {
                Ok(path)
            } else {
                Err(format!("MSR_SIM_BIN={} is not a file", path.display()))
            };
        }
        SimBuild::Building(child) => child,
    };
    let out = child
        .wait_with_output()
        .map_err(|e| format!("cannot wait for cargo build: {e}"))?;
    if !out.status.success() {
        return Err(
            "cargo build -p msr-lens-sim failed (see above); is crates/sim in this workspace? \
             To test with another build, set MSR_SIM_BIN=/path/to/msr-sim"
                .into(),
        );
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|msg| msg.pointer("/target/name").and_then(Value::as_str) == Some("msr-sim"))
        .find_map(|msg| {
            msg.get("executable")
                .and_then(Value::as_str)
                .map(PathBuf::from)
        })
        .ok_or_else(|| "cargo build -p msr-lens-sim reported no msr-sim executable".into())
}

pub(crate) fn sim_is_ours(stack: &Stack, pid: u32) -> bool {
    util::pid_matches(
        pid,
        &["--config", &sim_config_path(stack).display().to_string()],
    )
}

/// True when the running process still executes `bin` as it is on disk now (a rebuild
/// replaces the file, and the old image shows as "(deleted)"). An interpreted stand-in
/// (MSR_SIM_BIN pointing at a script) counts as current while its path is on the command line.
pub(crate) fn sim_is_current(pid: u32, bin: &Path) -> bool {
    let Ok(running) = fs::read_link(format!("/proc/{pid}/exe")) else {
        return false;
    };
    if fs::canonicalize(bin).is_ok_and(|wanted| wanted == running) {
        return true;
    }
    !running.display().to_string().ends_with(" (deleted)")
        && util::cmdline(pid).contains(&bin.display().to_string())
}

pub(crate) fn sim_healthy(stack: &Stack) -> bool {
    util::http_status(
        &format!("127.0.0.1:{}", stack.ports.sim_admin()),
        "/healthz",
    ) == Some(200)
}

pub(crate) fn start_sim(stack: &Stack, bin: &Path) -> Result<Child, String> {
    fail_if_busy(stack.ports.sim(), "msr-sim")?;
    fail_if_busy(stack.ports.sim_admin(), "msr-sim admin")?;
    spawn_logged(
        Command::new(bin)
            .arg("--config")
            .arg(sim_config_path(stack)),
        &stack.path("logs/msr-sim.log"),
    )
}

// ---------------------------------------------------------------- nginx

pub(crate) fn nginx_conf_path(stack: &Stack) -> PathBuf {
    stack.path("nginx.conf")
}

fn nginx_args(stack: &Stack) -> Vec<String> {
    vec![
        "-c".into(),
        nginx_conf_path(stack).display().to_string(),
        "-p".into(),
        format!("{}/", stack.path_str("nginx")),
        "-e".into(),
        stack.path_str("nginx/error.log"),
    ]
}

pub(crate) fn write_nginx_config(stack: &Stack) -> Result<bool, String> {
    let nginx_dir = stack.path_str("nginx");
    for sub in ["tmp", "logs"] {
        let dir = stack.path("nginx").join(sub);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let replicas: String = (0..REPLICAS)
        .map(|i| {
            NGINX_REPLICA_TEMPLATE
                .replace("{{INDEX}}", &i.to_string())
                .replace("{{PORT}}", &stack.ports.replica(i).to_string())
                .replace("{{HTTP_PORT}}", &stack.ports.replica_http(i).to_string())
        })
        .collect();
    let user_line = if util::euid() == Some(0) {
        // Workers must reach the temp folders inside the state folder.
        "user root;"
    } else {
        "# (not root: workers run as the current user)"
    };
    let text = NGINX_TEMPLATE
        .replace("{{USER_LINE}}", user_line)
        .replace("{{NGINX_DIR}}", &nginx_dir)
        .replace("{{TLS_DIR}}", &stack.path_str("tls"))
        .replace("{{REPO_ROOT}}", &stack.root.display().to_string())
        .replace("{{SIM_PORT}}", &stack.ports.sim().to_string())
        .replace("{{ORIGIN_PORT}}", &stack.ports.origin().to_string())
        .replace("{{REPLICA_SERVERS}}", &replicas);
    util::write_if_changed(&nginx_conf_path(stack), &text)
}

/// The nginx master PID from its pid file, if that process is ours and alive.
pub(crate) fn nginx_pid(stack: &Stack) -> Option<u32> {
    let pid: u32 = fs::read_to_string(stack.path("nginx/nginx.pid"))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    util::pid_matches(
        pid,
        &["nginx", &nginx_conf_path(stack).display().to_string()],
    )
    .then_some(pid)
}

fn nginx_test(stack: &Stack) -> Result<(), String> {
    util::output(
        Command::new(NGINX)
            .arg("-t")
            .arg("-q")
            .args(nginx_args(stack)),
    )
    .map(|_| ())
}

/// Starts nginx (it daemonises itself) and returns the master PID from its pid file.
pub(crate) fn start_nginx(stack: &Stack) -> Result<u32, String> {
    fail_if_busy(stack.ports.origin(), "nginx origin")?;
    for i in 0..REPLICAS {
        fail_if_busy(stack.ports.replica(i), "nginx replica")?;
        fail_if_busy(stack.ports.replica_http(i), "nginx replica HTTP")?;
    }
    nginx_test(stack)?;
    let _ = fs::remove_file(stack.path("nginx/nginx.pid"));
    util::output(Command::new(NGINX).args(nginx_args(stack)))?;
    if util::wait_until(std::time::Duration::from_secs(10), || {
        nginx_pid(stack).is_some()
    }) {
        nginx_pid(stack).ok_or_else(|| "nginx pid file vanished".into())
    } else {
        Err(format!(
            "nginx did not start:\n{}",
            util::tail(&stack.path("nginx/error.log"), 10)
        ))
    }
}

/// Re-reads the configuration and certificates of a running nginx.
pub(crate) fn reload_nginx(stack: &Stack) -> Result<(), String> {
    nginx_test(stack)?;
    util::output(
        Command::new(NGINX)
            .args(nginx_args(stack))
            .args(["-s", "reload"]),
    )
    .map(|_| ())
}

/// `GET <origin>/nginx_status` through TLS with the stack's CA (via curl).
pub(crate) fn nginx_healthy(stack: &Stack) -> bool {
    curl_status(stack, &format!("{}/nginx_status", stack.origin())) == Some(200)
}

/// The HTTP status of a GET through curl with the stack's CA.
pub(crate) fn curl_status(stack: &Stack, url: &str) -> Option<u16> {
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "3",
        ])
        .arg("--cacert")
        .arg(stack.ca_file())
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// A GET through curl with the stack's CA and extra arguments; returns (status, body).
pub(crate) fn curl(stack: &Stack, extra: &[&str], url: &str) -> Result<(u16, String), String> {
    let out = util::output(
        Command::new("curl")
            .args(["-sS", "--max-time", "120", "-w", "\n%{http_code}"])
            .arg("--cacert")
            .arg(stack.ca_file())
            .args(extra)
            .arg(url),
    )?;
    let (body, code) = out.rsplit_once('\n').unwrap_or(("", out.as_str()));
    let code = code
        .trim()
        .parse()
        .map_err(|_| format!("curl {url}: no status code in {code:?}"))?;
    Ok((code, body.to_owned()))
}
