//! The configuration: one TOML file shared by the commands and the exporter, plus the
//! global command-line options, resolved into [`Instance`]s with their secrets.
//!
//! ```toml
//! listen = "127.0.0.1:9712"          # exporter only; --listen wins
//!
//! [[instance]]
//! name = "prod"                       # the `instance` label; --instance picks it
//! url = "https://msr.example.org"
//! user = "monitoring"
//! secret_file = "prod.secret"         # mode 0600 or 0400; relative: $CREDENTIALS_DIRECTORY
//! secret_kind = "token"               # or "password"
//! ca_file = "/etc/msr-lens/prod-ca.pem"
//! replicas = ["https://replica1.example.org"]
//! interval = "30s"                    # exporter: one health check and one feed poll per interval
//! timeout = "15s"
//! ```
//!
//! Secrets never come from the command line: `MSR_LENS_SECRET` (or the variable named by
//! `secret_env`), or `secret_file`, which is refused when its group or others may read it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use msr_lens_core::Origin;
use msr_lens_core::auth::Credentials;
use msr_lens_transport::native::{ClientConfig, HttpConfig, MsrClient};
use serde::Deserialize;

/// The environment variable holding the secret when no file is configured.
pub const SECRET_ENV: &str = "MSR_LENS_SECRET";

/// The config file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Where the exporter listens.
    pub listen: Option<String>,
    /// The MSR instances.
    #[serde(default, rename = "instance")]
    pub instances: Vec<InstanceConfig>,
}

/// One `[[instance]]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    /// The `instance` label (default: the URL's host and port).
    pub name: Option<String>,
    /// The MSR origin.
    pub url: Option<String>,
    /// The user name; none: anonymous.
    pub user: Option<String>,
    /// A file holding the secret (owner-only permissions).
    pub secret_file: Option<PathBuf>,
    /// An environment variable holding the secret (default `MSR_LENS_SECRET`).
    pub secret_env: Option<String>,
    /// `token` (an MSR access token, the default) or `password`.
    pub secret_kind: Option<String>,
    /// PEM file of the CA that signed MSR's certificate.
    pub ca_file: Option<PathBuf>,
    /// Per-replica origins to ping.
    #[serde(default)]
    pub replicas: Vec<String>,
    /// The registry host in GUNs (default: the URL's host and port).
    pub registry_host: Option<String>,
    /// Exporter: how often to check (`30s`, `1m`, ...).
    pub interval: Option<String>,
    /// Whole-request timeout.
    pub timeout: Option<String>,
}

/// A configuration problem (exit code 78).
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn err<T>(message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(message.into()))
}

/// One resolved MSR instance.
#[derive(Debug, Clone)]
pub struct Instance {
    /// The `instance` label.
    pub name: String,
    /// The client configuration (credentials included).
    pub client: ClientConfig,
    /// The registry host in GUNs.
    pub registry_host: String,
    /// How often the exporter checks it.
    pub interval: Duration,
}

impl Instance {
    /// A client for this instance.
    pub fn connect(&self) -> Result<MsrClient, ConfigError> {
        MsrClient::new(self.client.clone())
            .map_err(|e| ConfigError(format!("instance {}: {e}", self.name)))
    }
}

/// Read and parse a config file.
pub fn load_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
    parse(&text).map_err(|e| ConfigError(format!("{}: {}", path.display(), e.0)))
}

/// Parse config text.
pub fn parse(text: &str) -> Result<FileConfig, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError(e.to_string().trim_end().to_string()))
}

/// `30s`, `500ms`, `2m`, `1h`, `7d`, `1w`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let secs = match unit.trim() {
        "ms" => return Some(Duration::from_millis(n)),
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    n.checked_mul(secs).map(Duration::from_secs)
}

/// Check that `path` is readable by its owner only (mode 0600 or 0400), then read it.
pub fn read_secret_file(path: &Path) -> Result<String, ConfigError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = std::fs::metadata(path)
            .map_err(|e| ConfigError(format!("secret_file {}: {e}", path.display())))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return err(format!(
                "secret_file {} has mode {mode:04o}; refusing a secret others may read (chmod 600 it)",
                path.display()
            ));
        }
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("secret_file {}: {e}", path.display())))?;
    let secret = text.trim_end_matches(['\r', '\n']).to_string();
    if secret.is_empty() {
        return err(format!("secret_file {} is empty", path.display()));
    }
    Ok(secret)
}

fn resolve_secret_path(path: &Path) -> PathBuf {
    if path.is_relative()
        && let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY")
    {
        return Path::new(&dir).join(path);
    }
    path.to_path_buf()
}

/// The `instance` label of a table: its `name`, else its URL's host and port.
pub fn name_of(config: &InstanceConfig) -> Option<String> {
    if let Some(name) = &config.name {
        return Some(name.clone());
    }
    Origin::parse(config.url.as_deref()?)
        .ok()
        .map(|o| o.authority().to_string())
}

/// Turn one instance table into an [`Instance`].
pub fn resolve(config: &InstanceConfig) -> Result<Instance, ConfigError> {
    let Some(url) = config.url.as_deref() else {
        return err("no MSR URL: give --url or `url` in the config file");
    };
    let origin = Origin::parse(url).map_err(|e| ConfigError(format!("url {url}: {e}")))?;
    let name = config
        .name
        .clone()
        .unwrap_or_else(|| origin.authority().to_string());
    let mut client = ClientConfig::new(origin.clone());
    for (i, replica) in config.replicas.iter().enumerate() {
        let replica =
            Origin::parse(replica).map_err(|e| ConfigError(format!("replica {replica}: {e}")))?;
        client.replicas.push((
            format!("replica {} ({})", i + 1, replica.authority()),
            replica,
        ));
    }
    if let Some(user) = &config.user {
        let secret = match &config.secret_file {
            Some(path) => read_secret_file(&resolve_secret_path(path))?,
            None => {
                let var = config.secret_env.as_deref().unwrap_or(SECRET_ENV);
                match std::env::var(var) {
                    Ok(secret) if !secret.is_empty() => secret,
                    _ => {
                        return err(format!(
                            "user {user} needs a secret: set {var} or `secret_file` (never on the command line)"
                        ));
                    }
                }
            }
        };
        client.credentials = Some(match config.secret_kind.as_deref() {
            None | Some("token") => Credentials::access_token(user, secret),
            Some("password") => Credentials::password(user, secret),
            Some(other) => {
                return err(format!(
                    "secret_kind {other:?}: expected \"token\" or \"password\""
                ));
            }
        });
    }
    let mut http = HttpConfig::default();
    if let Some(timeout) = &config.timeout {
        http.timeout = parse_duration(timeout)
            .filter(|d| !d.is_zero())
            .ok_or_else(|| ConfigError(format!("timeout {timeout:?}: expected e.g. 15s")))?;
    }
    if let Some(ca) = &config.ca_file {
        http.ca_pem = Some(
            std::fs::read(ca).map_err(|e| ConfigError(format!("ca_file {}: {e}", ca.display())))?,
        );
    }
    client.http = http;
    let interval = match &config.interval {
        Some(text) => parse_duration(text)
            .filter(|d| *d >= Duration::from_millis(100))
            .ok_or_else(|| ConfigError(format!("interval {text:?}: expected e.g. 30s")))?,
        None => Duration::from_secs(30),
    };
    Ok(Instance {
        name,
        registry_host: config
            .registry_host
            .clone()
            .unwrap_or_else(|| origin.authority().to_string()),
        client,
        interval,
    })
}

/// Resolve every instance of a file, refusing duplicate names.
pub fn resolve_all(file: &FileConfig) -> Result<Vec<Instance>, ConfigError> {
    if file.instances.is_empty() {
        return err("the config file has no [[instance]]");
    }
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for config in &file.instances {
        let instance = resolve(config)?;
        if !names.insert(instance.name.clone()) {
            return err(format!("two instances are named {:?}", instance.name));
        }
        out.push(instance);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("7d"), Some(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("1w"), Some(Duration::from_secs(604_800)));
        for bad in ["", "s", "3x", "-1s", "1.5s"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_file_with_two_instances() {
        let file = parse(
            r#"
            listen = "127.0.0.1:9999"
            [[instance]]
            name = "a"
            url = "https://a.example.org"
            interval = "2s"
            replicas = ["https://r1.example.org:4443"]
            [[instance]]
            url = "https://b.example.org:8443"
            "#,
        )
        .unwrap();
        let all = resolve_all(&file).unwrap();
        assert_eq!(file.listen.as_deref(), Some("127.0.0.1:9999"));
        assert_eq!(all[0].name, "a");
        assert_eq!(all[0].interval, Duration::from_secs(2));
        assert_eq!(all[0].client.replicas.len(), 1);
        assert_eq!(all[1].name, "b.example.org:8443");
        assert_eq!(all[1].registry_host, "b.example.org:8443");
        assert!(all[1].client.credentials.is_none());
    }

    #[test]
    fn unknown_keys_and_duplicate_names_are_refused() {
        assert!(parse("[[instance]]\nurl = \"https://a\"\npassword = \"x\"\n").is_err());
        let file = parse(
            "[[instance]]\nurl = \"https://a.example.org\"\n[[instance]]\nurl = \"https://a.example.org\"\n",
        )
        .unwrap();
        assert!(resolve_all(&file).unwrap_err().0.contains("two instances"));
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_file_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = std::env::temp_dir().join(format!("msr-lens-cli-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, "s3cret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = read_secret_file(&path).unwrap_err();
        assert!(error.0.contains("0644"), "{error}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_secret_file(&path).unwrap(), "s3cret");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert_eq!(read_secret_file(&path).unwrap(), "s3cret");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
