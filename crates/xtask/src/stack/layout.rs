//! Where the stack keeps its state, which ports it uses, and the demo users.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::util;

/// Default origin port; the other ports are fixed offsets from it (the contract).
pub(crate) const DEFAULT_PORT_BASE: u16 = 8443;
/// The token service name (JWT `aud`), as on MSR.
pub(crate) const SERVICE: &str = "dtr";
/// The JWT issuer shared by msr-sim and notary-server.
pub(crate) const ISSUER: &str = "msr-lens-sim";
/// Number of replicas the simulated cluster has.
pub(crate) const REPLICAS: u16 = 3;

/// The ports of every service, from one base (env `MSR_LENS_PORT_BASE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ports {
    pub(crate) base: u16,
}

impl Ports {
    pub(crate) fn origin(self) -> u16 {
        self.base
    }
    pub(crate) fn replica(self, index: u16) -> u16 {
        self.base + 1 + index
    }
    /// The replica's plain-HTTP port (`/_ping` only), like MSR's replica HTTP port.
    pub(crate) fn replica_http(self, index: u16) -> u16 {
        self.base + 4 + index
    }
    pub(crate) fn sim(self) -> u16 {
        self.base + 10
    }
    pub(crate) fn sim_admin(self) -> u16 {
        self.base + 11
    }
    pub(crate) fn notary(self) -> u16 {
        self.base + 12
    }
    pub(crate) fn postgres(self) -> u16 {
        self.base + 13
    }
}

/// One demo user (fixed name and password, an access token generated once per state dir).
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) name: &'static str,
    pub(crate) password: &'static str,
    pub(crate) token: Option<String>,
    pub(crate) admin: bool,
    pub(crate) grants: &'static [(&'static str, &'static str)],
}

/// The demo users of the contract: an admin, a user with pull on some repositories, and a
/// user with no access. Tokens are filled in from the settings.
const DEMO_USERS: [User; 3] = [
    User {
        name: "admin",
        password: "admin-password",
        token: None,
        admin: true,
        grants: &[],
    },
    User {
        name: "dev",
        password: "dev-password",
        token: None,
        admin: false,
        grants: &[
            ("library/wordpress", "pull"),
            ("library/nginx", "pull,push"),
            ("engineering/api", "pull"),
        ],
    },
    User {
        name: "nobody",
        password: "nobody-password",
        token: None,
        admin: false,
        grants: &[],
    },
];

/// Paths and settings of one stack instance.
#[derive(Debug, Clone)]
pub(crate) struct Stack {
    /// The repository root (where `cargo build -p msr-lens-sim` runs).
    pub(crate) root: PathBuf,
    /// The state folder (default `<root>/.stack`, env `MSR_LENS_STACK_DIR`).
    pub(crate) dir: PathBuf,
    pub(crate) ports: Ports,
    pub(crate) users: Vec<User>,
    /// msr-sim's admin token (generated once per state folder): the admin API lives under
    /// `http://127.0.0.1:<admin port>/<token>/`.
    pub(crate) admin_token: Option<String>,
}

impl Stack {
    /// The stack as configured: ports from `MSR_LENS_PORT_BASE`, else from the state
    /// folder's settings, else the default; users from the settings (tokens generated once).
    pub(crate) fn open() -> Result<Self, String> {
        let root = repo_root();
        let dir = match env::var_os("MSR_LENS_STACK_DIR") {
            Some(d) => PathBuf::from(d),
            None => root.join(".stack"),
        };
        let dir = if dir.is_absolute() {
            dir
        } else {
            root.join(dir)
        };
        let settings = read_json(&dir.join("settings.json"));
        let base = match env::var("MSR_LENS_PORT_BASE") {
            Ok(v) => v
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|b| *b > 0 && *b <= u16::MAX - 20)
                .ok_or_else(|| format!("MSR_LENS_PORT_BASE={v:?} is not a port number"))?,
            Err(_) => settings
                .as_ref()
                .and_then(|s| s.get("port_base"))
                .and_then(Value::as_u64)
                .and_then(|b| u16::try_from(b).ok())
                .unwrap_or(DEFAULT_PORT_BASE),
        };
        let users = DEMO_USERS
            .into_iter()
            .map(|u| User {
                token: settings
                    .as_ref()
                    .and_then(|s| s.pointer(&format!("/tokens/{}", u.name)))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                ..u
            })
            .collect();
        let admin_token = settings
            .as_ref()
            .and_then(|s| s.get("sim_admin_token"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(Self {
            root,
            dir,
            ports: Ports { base },
            users,
            admin_token,
        })
    }

    /// Generates missing access tokens (admin and dev get one) and msr-sim's admin token,
    /// and records the settings (mode 0600: they hold secrets).
    pub(crate) fn ensure_settings(&mut self) -> Result<(), String> {
        for user in &mut self.users {
            if user.token.is_none() && user.name != "nobody" {
                user.token = Some(format!("{}-token-{}", user.name, util::random_hex(12)?));
            }
        }
        if self.admin_token.is_none() {
            self.admin_token = Some(util::random_hex(16)?);
        }
        let tokens: serde_json::Map<String, Value> = self
            .users
            .iter()
            .filter_map(|u| u.token.as_ref().map(|t| (u.name.to_owned(), json!(t))))
            .collect();
        let settings = json!({
            "comment": "MSR Lens stack settings: the port base, the demo users' access tokens and msr-sim's admin token (generated once).",
            "port_base": self.ports.base,
            "tokens": tokens,
            "sim_admin_token": self.admin_token,
        });
        util::write_secret_if_changed(&self.dir.join("settings.json"), &pretty(&settings))?;
        Ok(())
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub(crate) fn path_str(&self, rel: &str) -> String {
        self.path(rel).display().to_string()
    }

    pub(crate) fn origin(&self) -> String {
        format!("https://127.0.0.1:{}", self.ports.origin())
    }

    pub(crate) fn replica_origins(&self) -> Vec<String> {
        (0..REPLICAS)
            .map(|i| format!("https://127.0.0.1:{}", self.ports.replica(i)))
            .collect()
    }

    /// Each replica's plain-HTTP origin (`/_ping` only).
    pub(crate) fn replica_http_origins(&self) -> Vec<String> {
        (0..REPLICAS)
            .map(|i| format!("http://127.0.0.1:{}", self.ports.replica_http(i)))
            .collect()
    }

    /// msr-sim's admin API base URL (with the token, when there is one).
    pub(crate) fn sim_admin_url(&self) -> String {
        let base = format!("http://127.0.0.1:{}", self.ports.sim_admin());
        match &self.admin_token {
            Some(token) => format!("{base}/{token}"),
            None => base,
        }
    }

    /// `host:port` that prefixes every GUN.
    pub(crate) fn registry_host(&self) -> String {
        format!("127.0.0.1:{}", self.ports.origin())
    }

    pub(crate) fn ca_file(&self) -> String {
        self.path_str("tls/ca.crt")
    }

    /// The base64 SHA-256 of the TLS server key's SubjectPublicKeyInfo, for Chromium's
    /// `--ignore-certificate-errors-spki-list` (trusts exactly this stand-in's key).
    pub(crate) fn spki_pin(&self) -> Result<String, String> {
        let script = format!(
            "openssl x509 -in '{}' -pubkey -noout | openssl pkey -pubin -outform der \
             | openssl dgst -sha256 -binary | openssl base64 -A",
            self.path_str("tls/server.crt")
        );
        super::util::output(std::process::Command::new("sh").args(["-c", &script]))
            .map(|s| s.trim().to_string())
    }

    pub(crate) fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The admin's name and password (used by seed, load and the summary).
    pub(crate) fn admin(&self) -> (&'static str, &'static str) {
        self.user("admin")
            .map(|u| (u.name, u.password))
            .unwrap_or(("admin", "admin-password"))
    }

    /// The `sim.json` document of the contract.
    pub(crate) fn sim_config(&self) -> Value {
        let users: Vec<Value> = self
            .users
            .iter()
            .map(|u| {
                let tokens: Vec<&String> = u.token.iter().collect();
                let mut v = json!({
                    "name": u.name,
                    "password": u.password,
                    "access_tokens": tokens,
                    "admin": u.admin,
                });
                if !u.admin {
                    let grants: serde_json::Map<String, Value> = u
                        .grants
                        .iter()
                        .map(|(repo, actions)| ((*repo).to_owned(), json!(actions)))
                        .collect();
                    if let Some(obj) = v.as_object_mut() {
                        obj.insert("grants".into(), Value::Object(grants));
                    }
                }
                v
            })
            .collect();
        json!({
            "listen": format!("127.0.0.1:{}", self.ports.sim()),
            "admin_listen": format!("127.0.0.1:{}", self.ports.sim_admin()),
            "external_origin": self.origin(),
            "registry_host": self.registry_host(),
            "service": SERVICE,
            "issuer": ISSUER,
            "token_key": self.path_str("auth/token-signer.key"),
            "token_cert": self.path_str("auth/token-signer.crt"),
            "token_ttl_secs": 300,
            "ca_cert": self.ca_file(),
            "notary_upstream": format!("http://127.0.0.1:{}", self.ports.notary()),
            "postgres_url": format!(
                "host=127.0.0.1 port={} user=server dbname=notaryserver",
                self.ports.postgres()
            ),
            "replicas": REPLICAS,
            "replica_endpoints": (0..REPLICAS)
                .map(|i| json!({
                    "node": "127.0.0.1",
                    "http_port": self.ports.replica_http(i),
                    "https_port": self.ports.replica(i),
                }))
                .collect::<Vec<_>>(),
            "admin_token": self.admin_token,
            "users": users,
        })
    }

    /// The `stack.json` document of the contract (plus `port_base` and `state_dir`).
    pub(crate) fn stack_json(&self, pids: &Pids) -> Value {
        let users: serde_json::Map<String, Value> = self
            .users
            .iter()
            .map(|u| {
                (
                    u.name.to_owned(),
                    json!({"password": u.password, "token": u.token}),
                )
            })
            .collect();
        json!({
            "origin": self.origin(),
            "replica_origins": self.replica_origins(),
            "replica_http_origins": self.replica_http_origins(),
            "ca_file": self.ca_file(),
            "sim_admin": self.sim_admin_url(),
            "sim_admin_token": self.admin_token,
            "notary": format!("http://127.0.0.1:{}", self.ports.notary()),
            "postgres": {
                "host": "127.0.0.1",
                "port": self.ports.postgres(),
                "user": "server",
                "dbname": "notaryserver",
            },
            "registry_host": self.registry_host(),
            "service": SERVICE,
            "users": users,
            "pids": {
                "postgres": pids.postgres,
                "notary": pids.notary,
                "sim": pids.sim,
                "nginx": pids.nginx,
            },
            "port_base": self.ports.base,
            "state_dir": self.dir.display().to_string(),
        })
    }

    /// PIDs recorded by the last `up` (all None when there is no stack.json).
    pub(crate) fn recorded_pids(&self) -> Pids {
        let doc = read_json(&self.path("stack.json"));
        let get = |name: &str| {
            doc.as_ref()
                .and_then(|d| d.pointer(&format!("/pids/{name}")))
                .and_then(Value::as_u64)
                .and_then(|p| u32::try_from(p).ok())
        };
        Pids {
            postgres: get("postgres"),
            notary: get("notary"),
            sim: get("sim"),
            nginx: get("nginx"),
        }
    }
}

/// The PIDs of the four services.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pids {
    pub(crate) postgres: Option<u32>,
    pub(crate) notary: Option<u32>,
    pub(crate) sim: Option<u32>,
    pub(crate) nginx: Option<u32>,
}

/// Pretty JSON with a trailing newline.
pub(crate) fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    s.push('\n');
    s
}

pub(crate) fn read_json(path: &Path) -> Option<Value> {
    let text = fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// The workspace root: `CARGO_MANIFEST_DIR` (set by `cargo run`) or the one this binary
/// was built in, two levels above `crates/xtask`.
fn repo_root() -> PathBuf {
    let manifest = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Stack {
        Stack {
            root: PathBuf::from("/repo"),
            dir: PathBuf::from("/repo/.stack"),
            ports: Ports { base: 8443 },
            users: DEMO_USERS
                .into_iter()
                .map(|u| User {
                    token: (u.name != "nobody").then(|| format!("{}-token-x", u.name)),
                    ..u
                })
                .collect(),
            admin_token: Some("0123456789abcdef0123456789abcdef".into()),
        }
    }

    #[test]
    fn sim_json_has_the_contract_fields() {
        let sim = sample().sim_config();
        for (pointer, want) in [
            ("/listen", json!("127.0.0.1:8453")),
            ("/admin_listen", json!("127.0.0.1:8454")),
            ("/external_origin", json!("https://127.0.0.1:8443")),
            ("/registry_host", json!("127.0.0.1:8443")),
            ("/service", json!("dtr")),
            ("/issuer", json!("msr-lens-sim")),
            ("/token_key", json!("/repo/.stack/auth/token-signer.key")),
            ("/token_cert", json!("/repo/.stack/auth/token-signer.crt")),
            ("/token_ttl_secs", json!(300)),
            ("/ca_cert", json!("/repo/.stack/tls/ca.crt")),
            ("/notary_upstream", json!("http://127.0.0.1:8455")),
            (
                "/postgres_url",
                json!("host=127.0.0.1 port=8456 user=server dbname=notaryserver"),
            ),
            ("/replicas", json!(3)),
            (
                "/replica_endpoints/1",
                json!({"node": "127.0.0.1", "http_port": 8448, "https_port": 8445}),
            ),
            ("/admin_token", json!("0123456789abcdef0123456789abcdef")),
            ("/users/0/name", json!("admin")),
            ("/users/0/admin", json!(true)),
            ("/users/0/access_tokens", json!(["admin-token-x"])),
            ("/users/1/password", json!("dev-password")),
            ("/users/1/grants/library~1nginx", json!("pull,push")),
            ("/users/1/grants/library~1wordpress", json!("pull")),
            ("/users/2/access_tokens", json!([])),
            ("/users/2/grants", json!({})),
        ] {
            assert_eq!(sim.pointer(pointer), Some(&want), "{pointer}");
        }
        assert_eq!(
            sim.pointer("/users/0/grants"),
            None,
            "admins need no grants"
        );
    }

    #[test]
    fn stack_json_has_the_contract_fields() {
        let pids = Pids {
            postgres: Some(1),
            notary: Some(2),
            sim: Some(3),
            nginx: None,
        };
        let doc = sample().stack_json(&pids);
        for (pointer, want) in [
            ("/origin", json!("https://127.0.0.1:8443")),
            (
                "/replica_origins",
                json!([
                    "https://127.0.0.1:8444",
                    "https://127.0.0.1:8445",
                    "https://127.0.0.1:8446"
                ]),
            ),
            ("/ca_file", json!("/repo/.stack/tls/ca.crt")),
            (
                "/sim_admin",
                json!("http://127.0.0.1:8454/0123456789abcdef0123456789abcdef"),
            ),
            (
                "/replica_http_origins",
                json!([
                    "http://127.0.0.1:8447",
                    "http://127.0.0.1:8448",
                    "http://127.0.0.1:8449"
                ]),
            ),
            ("/notary", json!("http://127.0.0.1:8455")),
            (
                "/postgres",
                json!({"host": "127.0.0.1", "port": 8456, "user": "server", "dbname": "notaryserver"}),
            ),
            ("/registry_host", json!("127.0.0.1:8443")),
            ("/service", json!("dtr")),
            ("/users/admin/password", json!("admin-password")),
            ("/users/dev/token", json!("dev-token-x")),
            ("/users/nobody/token", Value::Null),
            ("/pids/notary", json!(2)),
            ("/pids/nginx", Value::Null),
        ] {
            assert_eq!(doc.pointer(pointer), Some(&want), "{pointer}");
        }
    }

    #[test]
    fn ports_follow_the_contract_offsets() {
        let p = Ports { base: 8443 };
        assert_eq!(
            [
                p.origin(),
                p.replica(0),
                p.replica(2),
                p.replica_http(0),
                p.replica_http(2),
                p.sim(),
                p.sim_admin(),
                p.notary(),
                p.postgres()
            ],
            [8443, 8444, 8446, 8447, 8449, 8453, 8454, 8455, 8456]
        );
    }
}
