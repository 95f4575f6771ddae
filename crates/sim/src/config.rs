//! `sim.json`: the configuration file written by the stack (see `stack-contract.md`).

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Errors reading or checking the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid `sim.json`.
    #[error("invalid config {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why, with the JSON path.
        source: serde_path_to_error::Error<serde_json::Error>,
    },
    /// The values do not make sense together.
    #[error("invalid config: {0}")]
    Invalid(String),
}

/// The whole configuration.
#[derive(Clone, Deserialize)]
pub struct Config {
    /// The public listener (plain HTTP, behind nginx).
    pub listen: SocketAddr,
    /// The admin listener (loopback peers only).
    pub admin_listen: SocketAddr,
    /// The origin clients see, e.g. `https://127.0.0.1:8443`; the bearer `realm` is
    /// `<external_origin>/auth/token`.
    pub external_origin: String,
    /// The registry host as it appears in GUNs, e.g. `127.0.0.1:8443`.
    pub registry_host: String,
    /// The token service name (`dtr`): the default JWT `aud`.
    #[serde(default = "default_service")]
    pub service: String,
    /// The JWT `iss`.
    pub issuer: String,
    /// PEM private key (EC P-256 in PKCS#8 or SEC1 form, or RSA in PKCS#8 or PKCS#1 form).
    pub token_key: PathBuf,
    /// PEM certificate of `token_key`; goes into the JWT `x5c` header.
    pub token_cert: PathBuf,
    /// Default token lifetime (`expires_in`), seconds.
    #[serde(default = "default_ttl")]
    pub token_ttl_secs: u64,
    /// The CA certificate served at `/ca`.
    #[serde(default)]
    pub ca_cert: Option<PathBuf>,
    /// Where `/v2/*` is passed through to, e.g. `http://127.0.0.1:8455`.
    #[serde(default)]
    pub notary_upstream: Option<String>,
    /// notary-server's PostgreSQL database, as a `tokio-postgres` connection string.
    #[serde(default)]
    pub postgres_url: Option<String>,
    /// Number of replicas in the simulated cluster.
    #[serde(default = "default_replicas")]
    pub replicas: usize,
    /// Optional fixed replica ids (12 lowercase hex digits each); random per run otherwise.
    #[serde(default)]
    pub replica_ids: Vec<String>,
    /// Where each replica answers directly (`replicaSettings` of `/api/v0/meta/settings`);
    /// one per replica, or empty for `10.0.0.<i+2>` on ports 80/443.
    #[serde(default)]
    pub replica_endpoints: Vec<ReplicaEndpoint>,
    /// When set, every admin-port route except `GET /healthz` lives under `/<admin_token>/`
    /// (the admin base URL is a capability). 16..=128 characters of `[A-Za-z0-9_-]`.
    #[serde(default)]
    pub admin_token: Option<String>,
    /// The users of the token service and of `cluster_status`.
    #[serde(default)]
    pub users: Vec<UserConfig>,
}

/// One replica's own address, as MSR's `replicaSettings` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaEndpoint {
    /// The node's host name or address.
    pub node: String,
    /// The replica's HTTP port (`/_ping` answers there too).
    pub http_port: u16,
    /// The replica's HTTPS port.
    pub https_port: u16,
}

/// One user.
#[derive(Clone, Deserialize)]
pub struct UserConfig {
    /// The user name.
    pub name: String,
    /// The password.
    pub password: String,
    /// Access tokens usable in place of the password.
    #[serde(default)]
    pub access_tokens: Vec<String>,
    /// Administrators get `*` on every repository and `registry:catalog:*`.
    #[serde(default)]
    pub admin: bool,
    /// `<namespace>/<repo>` -> `pull`, `pull,push`, `*` (also `read-only`, `read-write`,
    /// `admin`).
    #[serde(default)]
    pub grants: BTreeMap<String, String>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("admin_listen", &self.admin_listen)
            .field("external_origin", &self.external_origin)
            .field("registry_host", &self.registry_host)
            .field("replicas", &self.replicas)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "[redacted]"),
            )
            .field("users", &self.users)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for UserConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserConfig")
            .field("name", &self.name)
            .field("password", &"[redacted]")
            .field(
                "access_tokens",
                &format_args!("[{} redacted]", self.access_tokens.len()),
            )
            .field("admin", &self.admin)
            .field("grants", &self.grants)
            .finish()
    }
}

fn default_service() -> String {
    "dtr".to_owned()
}

fn default_ttl() -> u64 {
    300
}

fn default_replicas() -> usize {
    3
}

/// Most replicas a cluster may have.
pub const MAX_REPLICAS: usize = 64;

impl Config {
    /// Read and check `sim.json`.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut de = serde_json::Deserializer::from_slice(&text);
        let config: Config =
            serde_path_to_error::deserialize(&mut de).map_err(|source| ConfigError::Parse {
                path: path.to_owned(),
                source,
            })?;
        config.validate()?;
        Ok(config)
    }

    /// Check values that serde cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.replicas == 0 || self.replicas > MAX_REPLICAS {
            return Err(ConfigError::Invalid(format!(
                "replicas must be 1..={MAX_REPLICAS}, got {}",
                self.replicas
            )));
        }
        if !self.replica_ids.is_empty() {
            if self.replica_ids.len() != self.replicas {
                return Err(ConfigError::Invalid(format!(
                    "replica_ids has {} entries for {} replicas",
                    self.replica_ids.len(),
                    self.replicas
                )));
            }
            for id in &self.replica_ids {
                if id.len() != 12 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                    return Err(ConfigError::Invalid(format!(
                        "replica id {id:?} is not 12 lowercase hex digits"
                    )));
                }
            }
        }
        if !self.replica_endpoints.is_empty() && self.replica_endpoints.len() != self.replicas {
            return Err(ConfigError::Invalid(format!(
                "replica_endpoints has {} entries for {} replicas",
                self.replica_endpoints.len(),
                self.replicas
            )));
        }
        if let Some(token) = &self.admin_token
            && (!(16..=128).contains(&token.len())
                || !token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err(ConfigError::Invalid(
                "admin_token must be 16..=128 characters of [A-Za-z0-9_-]".into(),
            ));
        }
        if self.token_ttl_secs == 0 {
            return Err(ConfigError::Invalid("token_ttl_secs must be > 0".into()));
        }
        if self.registry_host.is_empty() || self.registry_host.contains('/') {
            return Err(ConfigError::Invalid(format!(
                "registry_host {:?} must be a host[:port]",
                self.registry_host
            )));
        }
        if let Some(upstream) = &self.notary_upstream
            && upstream
                .parse::<http::Uri>()
                .map_or(true, |u| u.scheme().is_none())
        {
            return Err(ConfigError::Invalid(format!(
                "notary_upstream {upstream:?} is not an absolute http URL"
            )));
        }
        let mut names: Vec<&str> = self.users.iter().map(|u| u.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| matches!(w, [a, b] if a == b)) {
            return Err(ConfigError::Invalid("duplicate user names".into()));
        }
        if self
            .users
            .iter()
            .any(|u| u.name.is_empty() || u.name.contains(':'))
        {
            return Err(ConfigError::Invalid(
                "user names must be non-empty and contain no ':'".into(),
            ));
        }
        Ok(())
    }
}
