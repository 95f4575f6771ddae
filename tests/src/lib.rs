//! Shared helpers for the integration tests in `tests/tests/`: the running stack's
//! description (`.stack/stack.json`), clients for its demo users, the msr-sim admin API
//! (scenario, faults, ground truth, request log) and direct inserts into notary's
//! changefeed table.
//!
//! The tests assume a running, seeded stack (`cargo xtask stack up && cargo xtask stack
//! seed`; `cargo xtask test` does both). Tests that change the stand-in's scenario take
//! [`Stack::exclusive`] so they never overlap.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use msr_lens_core::auth::Credentials;
use msr_lens_core::changefeed::Record;
use msr_lens_core::{Origin, Timestamp};
use msr_lens_transport::native::{ClientConfig, Clock, HttpClient, HttpConfig, MsrClient};
use serde_json::Value;

static EXCLUSIVE: Mutex<()> = Mutex::new(());

/// The running stack.
#[derive(Debug, Clone)]
pub struct Stack {
    /// `stack.json` as read.
    pub json: Value,
    /// The MSR origin (nginx).
    pub origin: Origin,
    /// The per-replica origins.
    pub replicas: Vec<Origin>,
    /// The registry host used in GUNs.
    pub registry_host: String,
    ca_pem: Vec<u8>,
    admin: HttpClient,
    admin_base: String,
}

/// How a test user signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// The password.
    Password,
    /// The access token.
    Token,
    /// A wrong password.
    Wrong,
}

impl Stack {
    /// Read `.stack/stack.json` (or `$MSR_LENS_STACK_DIR/stack.json`); panics with the
    /// command to run when the stack is not up.
    pub fn load() -> Stack {
        let dir = match std::env::var_os("MSR_LENS_STACK_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.stack"),
        };
        let path = dir.join("stack.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}; the stack is not up: run `cargo xtask stack up && cargo xtask stack seed`",
                path.display()
            )
        });
        let json: Value = serde_json::from_str(&text).expect("stack.json is JSON");
        let text_at = |p: &str| -> String {
            json.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("stack.json has no string at {p}"))
                .to_string()
        };
        let origin = Origin::parse(&text_at("/origin")).expect("origin");
        let replicas = json["replica_origins"]
            .as_array()
            .expect("replica_origins")
            .iter()
            .map(|v| Origin::parse(v.as_str().unwrap_or_default()).expect("replica origin"))
            .collect();
        let ca_pem = std::fs::read(text_at("/ca_file")).expect("CA file");
        let admin = HttpClient::new(HttpConfig {
            timeout: Duration::from_secs(30),
            ..HttpConfig::default()
        })
        .expect("admin client");
        Stack {
            origin,
            replicas,
            registry_host: text_at("/registry_host"),
            ca_pem,
            admin,
            admin_base: text_at("/sim_admin"),
            json,
        }
    }

    /// Hold this while a test changes the stand-in's scenario; resets it on entry.
    pub fn exclusive(&self) -> MutexGuard<'static, ()> {
        let guard = EXCLUSIVE.lock().unwrap_or_else(PoisonError::into_inner);
        self.admin_post("/reset", &serde_json::json!({}));
        guard
    }

    /// The GUN of `<namespace>/<repo>` on this registry.
    pub fn gun(&self, repo: &str) -> String {
        format!("{}/{repo}", self.registry_host)
    }

    /// Credentials of a demo user (`admin`, `dev`, `nobody`).
    pub fn credentials(&self, user: &str, secret: Secret) -> Credentials {
        let entry = &self.json["users"][user];
        match secret {
            Secret::Password => {
                Credentials::password(user, entry["password"].as_str().expect("password"))
            }
            Secret::Token => {
                Credentials::access_token(user, entry["token"].as_str().expect("token"))
            }
            Secret::Wrong => Credentials::password(user, "not-the-password"),
        }
    }

    /// A client configuration for `user` (or anonymous), with the replicas and the CA.
    pub fn config(&self, user: Option<(&str, Secret)>) -> ClientConfig {
        let mut config = ClientConfig::new(self.origin.clone());
        config.replicas = self
            .replicas
            .iter()
            .enumerate()
            .map(|(i, o)| (format!("replica {i}"), o.clone()))
            .collect();
        config.credentials = user.map(|(name, secret)| self.credentials(name, secret));
        config.http = HttpConfig {
            timeout: Duration::from_secs(30),
            ca_pem: Some(self.ca_pem.clone()),
            ..HttpConfig::default()
        };
        config
    }

    /// A client for `user` with the system clock.
    pub fn client(&self, user: Option<(&str, Secret)>) -> MsrClient {
        MsrClient::new(self.config(user)).expect("client")
    }

    /// A client for `user` with `clock`.
    pub fn client_with_clock(&self, user: Option<(&str, Secret)>, clock: Clock) -> MsrClient {
        MsrClient::with_clock(self.config(user), clock).expect("client")
    }

    fn admin_call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let uri = format!("{}{path}", self.admin_base);
        let request = http::Request::builder()
            .method(method)
            .uri(&uri)
            .header("content-type", "application/json")
            // One connection per call: msr-sim may close an idle kept-alive connection
            // (after `/reset`, say), and a POST on such a pooled connection fails with
            // "unexpected end of file" instead of being retried.
            .header("connection", "close")
            .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
            .expect("admin request");
        let response = self.admin.execute(request).expect("sim admin reachable");
        let text = String::from_utf8_lossy(response.body()).into_owned();
        assert!(
            response.status().is_success(),
            "{method} {path} -> {}: {text}",
            response.status()
        );
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }

    /// `POST` JSON to the msr-sim admin API.
    pub fn admin_post(&self, path: &str, body: &Value) -> Value {
        self.admin_call("POST", path, Some(body))
    }

    /// `GET` from the msr-sim admin API.
    pub fn admin_get(&self, path: &str) -> Value {
        self.admin_call("GET", path, None)
    }

    /// `DELETE` on the msr-sim admin API.
    pub fn admin_delete(&self, path: &str) -> Value {
        self.admin_call("DELETE", path, None)
    }

    /// The ground truth of the changefeed (all of it, or one GUN's), in SQL id order:
    /// `(sql id, rethink uuid, gun, version, category)`.
    pub fn truth(&self, gun: Option<&str>) -> Vec<TruthRecord> {
        let path = match gun {
            Some(gun) => format!("/truth/changefeed?gun={}", encode(gun)),
            None => "/truth/changefeed".to_string(),
        };
        let value = self.admin_get(&path);
        value["records"]
            .as_array()
            .expect("truth records")
            .iter()
            .map(|r| TruthRecord {
                id: r["id"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| r["id"].to_string()),
                uuid: r["uuid"].as_str().unwrap_or_default().to_string(),
                gun: r["gun"].as_str().unwrap_or_default().to_string(),
                version: r["version"].as_i64().unwrap_or(-1),
                category: r["category"].as_str().unwrap_or_default().to_string(),
            })
            .collect()
    }

    /// The public port's request log since the last clear, and clear it.
    pub fn take_requests(&self) -> Vec<Value> {
        let value = self.admin_get("/requests?clear=1");
        value
            .get("requests")
            .cloned()
            .unwrap_or(value)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Insert `n` update records for `gun` straight into notary's changefeed table (the
    /// real notary-server serves them like published ones). Returns nothing; read the
    /// ground truth to see them.
    pub fn insert_records(&self, gun: &str, n: u32) {
        self.psql(&format!(
            "INSERT INTO changefeed (created_at, gun, version, sha256, category) \
             SELECT now() at time zone 'utc', '{gun}', 1000 + g, md5(random()::text) || md5(random()::text), 'update' \
             FROM generate_series(1, {n}) AS g;"
        ));
    }

    /// Run `sql` with psql against notary-server's PostgreSQL database.
    pub fn psql(&self, sql: &str) {
        let pg = &self.json["postgres"];
        let status = Command::new("psql")
            .args(["-q", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(pg["host"].as_str().unwrap_or("127.0.0.1"))
            .arg("-p")
            .arg(pg["port"].to_string())
            .arg("-U")
            .arg(pg["user"].as_str().unwrap_or("server"))
            .arg("-d")
            .arg(pg["dbname"].as_str().unwrap_or("notaryserver"))
            .arg("-c")
            .arg(sql)
            .status()
            .expect("psql runs");
        assert!(status.success(), "psql failed: {sql}");
    }
}

/// One row of the stand-in's ground truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthRecord {
    /// notary's SQL id.
    pub id: String,
    /// The id msr-sim's RethinkDB mode gives it.
    pub uuid: String,
    /// The GUN.
    pub gun: String,
    /// The version (0 for deletions).
    pub version: i64,
    /// `update` or `deletion`.
    pub category: String,
}

/// `(id, gun, version, category)` of records, for comparing with the ground truth.
pub fn keys(records: &[Record]) -> Vec<(String, String, i64, String)> {
    records
        .iter()
        .map(|r| {
            (
                r.id.as_str().to_string(),
                r.gun.clone(),
                r.version,
                r.category.as_str().to_string(),
            )
        })
        .collect()
}

/// The ground truth in the same shape as [`keys`], with SQL ids or RethinkDB uuids.
pub fn truth_keys(truth: &[TruthRecord], uuids: bool) -> Vec<(String, String, i64, String)> {
    truth
        .iter()
        .map(|t| {
            let id = if uuids { t.uuid.clone() } else { t.id.clone() };
            (id, t.gun.clone(), t.version, t.category.clone())
        })
        .collect()
}

/// A clock the test moves: starts at the real time, `advance` jumps it forward.
#[derive(Debug, Clone)]
pub struct TestClock(Arc<Mutex<i64>>);

impl TestClock {
    /// A clock at the real time now.
    pub fn new() -> TestClock {
        let now = (msr_lens_transport::native::system_clock())();
        TestClock(Arc::new(Mutex::new(now.as_millis())))
    }

    /// Move the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *t += i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
    }

    /// As a client clock.
    pub fn clock(&self) -> Clock {
        let inner = self.0.clone();
        Arc::new(move || {
            Timestamp::from_millis(*inner.lock().unwrap_or_else(PoisonError::into_inner))
        })
    }
}

impl Default for TestClock {
    fn default() -> Self {
        TestClock::new()
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
