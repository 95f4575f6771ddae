//! Small process, file and HTTP helpers for the stack (no async; HTTP with ureq).

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Runs `cmd` to completion, returns its stdout; a failure carries stderr in the message.
pub(crate) fn output(cmd: &mut Command) -> Result<String, String> {
    let shown = describe(cmd);
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let mut text = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if text.is_empty() {
            text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        }
        Err(format!("{shown} failed ({}): {text}", out.status))
    }
}

/// Runs `cmd` and feeds `input` on its stdin; returns stdout.
pub(crate) fn output_with_input(cmd: &mut Command, input: &str) -> Result<String, String> {
    let shown = describe(cmd);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| format!("cannot write to {shown}: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("cannot wait for {shown}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{shown} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A short human-readable rendering of a command line, for error messages.
pub(crate) fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args().take(6) {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// True when the process exists and is not a zombie. (A thread-group leader shows as a
/// zombie while the other threads of the exiting process still run: count those as alive.)
pub(crate) fn pid_alive(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state letter follows the parenthesised command name.
    let zombie = match stat.rfind(')') {
        Some(end) => stat
            .get(end + 1..)
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        None => return false,
    };
    !zombie || fs::read_dir(format!("/proc/{pid}/task")).is_ok_and(|threads| threads.count() > 1)
}

/// The NUL-separated command line of a process joined with spaces (empty if it is gone).
pub(crate) fn cmdline(pid: u32) -> String {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| {
            String::from_utf8_lossy(&raw)
                .split('\0')
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// True when `pid` is alive and its command line contains every one of `needles`
/// (so a recycled PID is never mistaken for a process the stack started).
pub(crate) fn pid_matches(pid: u32, needles: &[&str]) -> bool {
    if !pid_alive(pid) {
        return false;
    }
    let line = cmdline(pid);
    needles.iter().all(|n| line.contains(n))
}

/// Sends `signal` (a name such as `TERM`) to `pid` with kill(1).
pub(crate) fn signal(pid: u32, signal: &str) -> Result<(), String> {
    output(
        Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string()),
    )
    .map(|_| ())
}

/// Stops `pid`: SIGTERM, then SIGKILL if it is still alive after `grace`.
pub(crate) fn terminate(pid: u32, grace: Duration) -> Result<(), String> {
    if !pid_alive(pid) {
        return Ok(());
    }
    signal(pid, "TERM")?;
    if wait_until(grace, || !pid_alive(pid)) {
        return Ok(());
    }
    signal(pid, "KILL")?;
    if wait_until(Duration::from_secs(5), || !pid_alive(pid)) {
        Ok(())
    } else {
        Err(format!("process {pid} survived SIGKILL"))
    }
}

/// Polls `check` every 20 ms until it returns true or `limit` passes.
pub(crate) fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if check() {
            return true;
        }
        if start.elapsed() >= limit {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Status code of a plain-HTTP `GET` of `path` on `addr` (`host:port`), or None when
/// nothing answers in time.
pub(crate) fn http_status(addr: &str, path: &str) -> Option<u16> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_millis(500)))
        .timeout_global(Some(Duration::from_secs(2)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let response = agent.get(format!("http://{addr}{path}")).call().ok()?;
    Some(response.status().as_u16())
}

/// True when something accepts TCP connections on `addr`.
pub(crate) fn port_busy(addr: &str) -> bool {
    addr.parse::<SocketAddr>()
        .ok()
        .and_then(|sock| TcpStream::connect_timeout(&sock, Duration::from_millis(300)).ok())
        .is_some()
}

/// `n` random bytes from the kernel, hex-encoded.
pub(crate) fn random_hex(n: usize) -> Result<String, String> {
    let mut buf = vec![0u8; n];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// The effective user id of this process (from /proc, no libc).
pub(crate) fn euid() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Writes `contents` to `path` unless it already holds exactly that; returns whether it
/// changed.
pub(crate) fn write_if_changed(path: &Path, contents: &str) -> Result<bool, String> {
    if fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(true)
}

/// Like [`write_if_changed`] for a file that holds secrets (passwords, tokens, keys):
/// created with mode 0600, and an existing file is set to 0600 even when unchanged.
pub(crate) fn write_secret_if_changed(path: &Path, contents: &str) -> Result<bool, String> {
    use std::os::unix::fs::OpenOptionsExt as _;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let changed = !fs::read_to_string(path).is_ok_and(|old| old == contents);
    if changed {
        fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .and_then(|mut f| f.write_all(contents.as_bytes()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    make_private(path, 0o600)?;
    Ok(changed)
}

/// Sets `path`'s mode (0600 for secret files, 0700 for folders of them).
pub(crate) fn make_private(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot chmod {mode:o} {}: {e}", path.display()))
}

/// FNV-1a over the names and contents of `files` (a missing file counts as empty), hex.
pub(crate) fn fingerprint(files: &[std::path::PathBuf]) -> String {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for file in files {
        let name = file.display().to_string().into_bytes();
        let body = fs::read(file).unwrap_or_default();
        for b in name.iter().chain([0u8].iter()).chain(body.iter()) {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The last `lines` lines of a log file, for error messages.
pub(crate) fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    let from = all.len().saturating_sub(lines);
    all.get(from..).unwrap_or_default().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_status_reads_the_status_or_none_when_nothing_answers() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let server = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            stream
                .write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
            String::from_utf8_lossy(&head).into_owned()
        });
        assert_eq!(http_status(&addr, "/healthz"), Some(503));
        assert!(
            server
                .join()
                .unwrap()
                .starts_with("GET /healthz HTTP/1.1\r\n")
        );
        // The listener is gone: nothing answers on that port now.
        assert_eq!(http_status(&addr, "/healthz"), None);
    }

    #[test]
    fn secret_files_are_0600_even_when_they_existed() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = std::env::temp_dir().join(format!("xtask-secret-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let path = dir.join("sub/settings.json");
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert!(write_secret_if_changed(&path, "one").unwrap());
        assert_eq!(mode(&path), 0o600);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(!write_secret_if_changed(&path, "one").unwrap());
        assert_eq!(mode(&path), 0o600, "an old world-readable file is fixed");
        assert!(write_secret_if_changed(&path, "two").unwrap());
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(mode(&path), 0o600);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn own_pid_is_alive_and_matches_its_command_line() {
        let me = std::process::id();
        assert!(pid_alive(me));
        assert!(!cmdline(me).is_empty());
        assert!(!pid_matches(me, &["no-such-needle-in-any-cmdline"]));
    }
}
