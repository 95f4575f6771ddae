//! Installs the Debian packages the stack runs, when they are missing.

use std::path::Path;
use std::process::Command;

use super::util;

/// A file the stack runs and the Debian package that provides it.
const NEEDED: [(&str, &str); 6] = [
    ("/usr/bin/notary-server", "notary"),
    ("/usr/bin/notary", "notary"),
    ("/usr/sbin/nginx", "nginx-light"),
    ("/usr/bin/openssl", "openssl"),
    ("/usr/bin/curl", "curl"),
    ("/usr/lib/postgresql/15/bin/initdb", "postgresql-15"),
];

/// `apt-get install -y` whatever is missing (`apt-get update` first only when the install
/// fails without it).
pub(crate) fn ensure() -> Result<(), String> {
    let mut missing: Vec<&str> = NEEDED
        .iter()
        .filter(|(file, _)| !Path::new(file).exists())
        .map(|&(_, pkg)| pkg)
        .collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    if util::euid() != Some(0) {
        return Err(format!(
            "missing Debian packages: {0}; install them as root \
             (apt-get install -y {0}) or run scripts/setup.sh",
            missing.join(" ")
        ));
    }
    eprintln!("stack: installing Debian packages: {}", missing.join(" "));
    let install = || {
        util::output(
            Command::new("apt-get")
                .env("DEBIAN_FRONTEND", "noninteractive")
                .args(["install", "-y", "-q", "--no-install-recommends"])
                .args(&missing),
        )
    };
    if install().is_err() {
        util::output(
            Command::new("apt-get")
                .env("DEBIAN_FRONTEND", "noninteractive")
                .args(["update", "-q"]),
        )?;
        install()?;
    }
    if missing.contains(&"nginx-light") && Path::new("/run/nginx.pid").exists() {
        // Debian starts a system nginx on port 80 on install; the stack runs its own.
        let _ = util::output(Command::new("/usr/sbin/nginx").args(["-s", "quit"]));
    }
    Ok(())
}
