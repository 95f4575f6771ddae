//! `GET /api/v0/meta/cluster_status`: the cluster as one replica sees it (msr-api.md §3).
//!
//! Admin only, HTTP basic auth. The real payload (DTR `responses.go ClusterStatus`):
//!
//! ```text
//! {
//!   "rethink_system_tables": { "current_issues": [..], "server_status": [..],
//!                              "table_status": [..], "cluster_config": [..], ... },
//!   "etcd_status":       {..},                          // older DTR only
//!   "replica_health":    {"<replica id>": "OK" | "<reason>"},
//!   "replica_timestamp": {"<replica id>": "<RFC 3339>" | "Failed to get timestamp ..."},
//!   "replica_readonly":  {"<replica id>": true | false},
//!   "gc_lock_holder":    ""                             // non-empty while GC runs
//! }
//! ```
//!
//! The model is tolerant: the body is read field by field from a [`serde_json::Value`].
//! A field of the wrong type is skipped with a message in [`ClusterStatus::warnings`]
//! instead of failing the whole report; unknown fields are kept as raw JSON; a top-level
//! `current_issues` (as on the vendor page) is accepted too. Only a body that is not a
//! JSON object at all is an error.
//!
//! Per-replica state is derived by [`ClusterStatus::replica_states`] from the union of the
//! replica ids of the three `replica_*` maps, given `now` and a staleness threshold.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use http::{Request, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::Credentials;
use crate::error::{ApiError, BodyShape, ParseError, excerpt, looks_like_html};
use crate::{Origin, Timestamp};

/// The path of the cluster status endpoint.
pub const CLUSTER_STATUS_PATH: &str = "/api/v0/meta/cluster_status";

/// How long after its last report a replica counts as stale by default: five minutes,
/// i.e. about five missed reports (MSR's job runs about every minute), with room for
/// clock skew between the browser and MSR.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(5 * 60);

/// The prefix of a RethinkDB server name in front of the replica id.
const RETHINK_SERVER_PREFIX: &str = "dtr_rethinkdb_";

/// The cluster status, read tolerantly.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[cfg_attr(feature = "tsify", tsify(type_suffix = "Fields"))]
pub struct ClusterStatus {
    /// RethinkDB's system tables, when present and an object.
    #[cfg_attr(feature = "tsify", tsify(type = "RethinkSystemTables | null"))]
    pub rethink_system_tables: Option<RethinkSystemTables>,
    /// A top-level `current_issues` array (the vendor page's shape); usually empty.
    /// [`ClusterStatus::issues`] yields these and RethinkDB's together.
    #[cfg_attr(feature = "tsify", tsify(type = "Issue[]"))]
    pub current_issues: Vec<Issue>,
    /// Replica id → `"OK"` or the reason it is not healthy.
    pub replica_health: BTreeMap<String, String>,
    /// Replica id → when it last reported (raw text kept).
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, ReplicaTimestamp>"))]
    pub replica_timestamp: BTreeMap<String, ReplicaTimestamp>,
    /// Replica id → whether it is in read-only mode.
    pub replica_readonly: BTreeMap<String, bool>,
    /// Who holds the garbage collection lock; empty or absent when GC is not running.
    pub gc_lock_holder: Option<String>,
    /// etcd cluster status (older DTR only), kept as raw JSON.
    #[cfg_attr(feature = "tsify", tsify(type = "unknown"))]
    pub etcd_status: Option<Value>,
    /// Top-level fields this model does not know, as raw JSON.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, unknown>"))]
    pub other: Map<String, Value>,
    /// Fields that were skipped or read approximately because their type was odd, each
    /// as `<json path>: <what was wrong>`.
    pub warnings: Vec<String>,
}

/// RethinkDB's system tables as MSR reports them: one array per table.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct RethinkSystemTables {
    /// `current_issues`: problems RethinkDB sees now.
    pub current_issues: Vec<Issue>,
    /// `server_status`: one entry per RethinkDB server (`dtr_rethinkdb_<replica id>`).
    pub server_status: Vec<ServerStatus>,
    /// `table_status`: readiness of each table.
    pub table_status: Vec<TableStatus>,
    /// The other tables (`cluster_config`, `db_config`, `table_config`, `stats`, ...), raw.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, unknown>"))]
    pub other: Map<String, Value>,
}

/// A RethinkDB issue (`current_issues` entry).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Issue {
    /// The issue id.
    pub id: Option<String>,
    /// The issue type (`table_availability`, `log_write_error`, ...).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Whether RethinkDB marks it critical (missing or odd → `false`).
    pub critical: bool,
    /// RethinkDB's human description.
    pub description: Option<String>,
    /// Type-specific details, raw.
    #[cfg_attr(feature = "tsify", tsify(type = "unknown"))]
    pub info: Option<Value>,
    /// Other fields, raw.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, unknown>"))]
    pub other: Map<String, Value>,
}

/// A RethinkDB `server_status` entry.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct ServerStatus {
    /// The RethinkDB server UUID.
    pub id: Option<String>,
    /// The server name, `dtr_rethinkdb_<replica id>` on MSR.
    pub name: Option<String>,
    /// Network details, raw.
    #[cfg_attr(feature = "tsify", tsify(type = "unknown"))]
    pub network: Option<Value>,
    /// Process details, raw.
    #[cfg_attr(feature = "tsify", tsify(type = "unknown"))]
    pub process: Option<Value>,
    /// Other fields, raw.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, unknown>"))]
    pub other: Map<String, Value>,
}

/// A RethinkDB `table_status` entry.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct TableStatus {
    /// The database name.
    pub db: Option<String>,
    /// The table name.
    pub name: Option<String>,
    /// `status.all_replicas_ready`: every replica of every shard is ready.
    pub all_replicas_ready: Option<bool>,
    /// `status.ready_for_writes`: the table accepts writes.
    pub ready_for_writes: Option<bool>,
    /// The whole `status` object, raw.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, unknown>"))]
    pub status: Map<String, Value>,
    /// Shards, raw.
    #[cfg_attr(feature = "tsify", tsify(type = "unknown"))]
    pub shards: Option<Value>,
    /// Other fields, raw.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, unknown>"))]
    pub other: Map<String, Value>,
}

/// When a replica last reported, as MSR sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct ReplicaTimestamp {
    /// The text as sent (a timestamp, or an error such as `Failed to get timestamp ...`).
    pub raw: String,
    /// The parsed time, when `raw` is RFC 3339 (serialized as epoch milliseconds).
    pub at: Option<Timestamp>,
}

/// The derived state of one replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct ReplicaState {
    /// The replica id (12 hex digits on MSR).
    pub id: String,
    /// Its `replica_health` value, if listed there.
    pub health: Option<String>,
    /// Its `replica_timestamp`, if listed there.
    pub last_seen: Option<ReplicaTimestamp>,
    /// Its `replica_readonly` value, if listed there.
    pub read_only: Option<bool>,
    /// Everything that applies, in this order: health ([`ReplicaCondition::Unhealthy`] or
    /// [`ReplicaCondition::HealthUnknown`]), freshness ([`ReplicaCondition::Stale`] or
    /// [`ReplicaCondition::TimestampUnknown`]), [`ReplicaCondition::ReadOnly`]. Exactly
    /// `[Ok]` when none of them applies.
    pub conditions: Vec<ReplicaCondition>,
}

/// One thing that is true about a replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "condition",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub enum ReplicaCondition {
    /// Healthy, reporting on time (or no timestamp listed), writable.
    Ok,
    /// `replica_health` is not `"OK"`.
    Unhealthy {
        /// The `replica_health` text.
        reason: String,
    },
    /// The replica is listed in another map but has no `replica_health` entry.
    HealthUnknown,
    /// The last report is older than the threshold.
    Stale {
        /// When it last reported (serialized as epoch milliseconds).
        last_seen: Timestamp,
        /// Seconds between the last report and `now`.
        age_secs: i64,
    },
    /// `replica_timestamp` is not a time (e.g. `Failed to get timestamp of replica ...`).
    TimestampUnknown {
        /// The text MSR sent.
        raw: String,
    },
    /// The replica is in read-only mode.
    ReadOnly,
}

/// Why the cluster status could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterStatusError {
    /// 401: no or invalid credentials (MSR treats bad basic credentials as anonymous).
    #[error("not signed in: the cluster status needs MSR admin credentials ({0})")]
    NotAuthenticated(ApiError),
    /// 403 with MSR's JSON error: signed in, but not an MSR admin.
    #[error("signed in, but not an MSR admin: the cluster status is for admins only")]
    NotAdmin(ApiError),
    /// 503 `STATUS_CHECK_FAILED`: MSR could not query its own backend. The message ends
    /// with the error's `detail` (what MSR says went wrong, e.g. "rethinkdb: connection
    /// refused") when there is one.
    #[error("the cluster status check failed inside MSR: {0}{detail}", detail = detail_suffix(.0))]
    CheckFailed(ApiError),
    /// Any other error status, or an HTML page (an SSO login page) with a success status.
    #[error("{0}")]
    Http(ApiError),
    /// A success status whose body is not a JSON object.
    #[error("{0}")]
    Body(ParseError),
}

/// ` — <detail>` when the error has a `detail`, else nothing.
fn detail_suffix(error: &ApiError) -> String {
    error
        .detail_text()
        .map(|d| format!(" — {d}"))
        .unwrap_or_default()
}

impl ClusterStatusError {
    /// The normalised HTTP error, when there is one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            ClusterStatusError::NotAuthenticated(e)
            | ClusterStatusError::NotAdmin(e)
            | ClusterStatusError::CheckFailed(e)
            | ClusterStatusError::Http(e) => Some(e),
            ClusterStatusError::Body(_) => None,
        }
    }
}

impl ClusterStatus {
    /// Read a cluster status body. Fails only when the body is not a JSON object.
    pub fn from_json(body: &[u8]) -> Result<Self, ParseError> {
        let value: Value = ParseError::parse_json(body)?;
        let Value::Object(mut map) = value else {
            return Err(ParseError {
                path: ".".to_string(),
                message: format!(
                    "expected a JSON object, found {}",
                    crate::error::json_kind(&value)
                ),
                excerpt: excerpt(body),
            });
        };
        let mut r = Reader::default();
        let rethink_system_tables = match map.remove("rethink_system_tables") {
            None | Some(Value::Null) => None,
            Some(Value::Object(tables)) => Some(r.rethink(tables)),
            Some(other) => {
                r.warn("rethink_system_tables", "an object", &other);
                None
            }
        };
        let current_issues = r.issues(&mut map, "", "current_issues");
        let replica_health =
            r.object_entries(&mut map, "replica_health", |r, path, value| match value {
                Value::String(text) => Some(text),
                Value::Null => {
                    r.warn(&path, "a string", &Value::Null);
                    None
                }
                other => {
                    r.warn(&path, "a string", &other);
                    Some(other.to_string())
                }
            });
        let replica_timestamp =
            r.object_entries(&mut map, "replica_timestamp", |r, path, value| {
                let raw = match value {
                    Value::String(text) => text,
                    Value::Null => return None,
                    other => {
                        r.warn(&path, "a string", &other);
                        other.to_string()
                    }
                };
                let at = Timestamp::parse_rfc3339(&raw);
                Some(ReplicaTimestamp { raw, at })
            });
        let replica_readonly =
            r.object_entries(&mut map, "replica_readonly", |r, path, value| match value {
                Value::Bool(flag) => Some(flag),
                other => {
                    r.warn(&path, "a boolean", &other);
                    None
                }
            });
        let gc_lock_holder = r.string(&mut map, "", "gc_lock_holder");
        let etcd_status = map.remove("etcd_status").filter(|v| !v.is_null());
        Ok(ClusterStatus {
            rethink_system_tables,
            current_issues,
            replica_health,
            replica_timestamp,
            replica_readonly,
            gc_lock_holder,
            etcd_status,
            other: map,
            warnings: r.warnings,
        })
    }

    /// Every issue: RethinkDB's `current_issues`, then a top-level `current_issues`.
    pub fn issues(&self) -> impl Iterator<Item = &Issue> {
        self.rethink_system_tables
            .iter()
            .flat_map(|t| t.current_issues.iter())
            .chain(self.current_issues.iter())
    }

    /// The issues RethinkDB marks critical.
    pub fn critical_issues(&self) -> impl Iterator<Item = &Issue> {
        self.issues().filter(|issue| issue.critical)
    }

    /// Whether garbage collection is running (`gc_lock_holder` is not blank).
    pub fn gc_running(&self) -> bool {
        self.gc_lock_holder
            .as_deref()
            .is_some_and(|holder| !holder.trim().is_empty())
    }

    /// Tables that do not accept writes or whose replicas are not all ready.
    pub fn tables_not_ready(&self) -> impl Iterator<Item = &TableStatus> {
        self.rethink_system_tables
            .iter()
            .flat_map(|t| t.table_status.iter())
            .filter(|t| t.ready_for_writes == Some(false) || t.all_replicas_ready == Some(false))
    }

    /// The union of replica ids in `replica_health`, `replica_timestamp` and
    /// `replica_readonly`, sorted.
    pub fn replica_ids(&self) -> BTreeSet<&str> {
        self.replica_health
            .keys()
            .chain(self.replica_timestamp.keys())
            .chain(self.replica_readonly.keys())
            .map(String::as_str)
            .collect()
    }

    /// The derived state of every replica (sorted by id). A replica is stale when its
    /// last report is more than `stale_after` before `now`; a report from the future
    /// (clock skew) is not stale. Pass MSR's own time as `now` (e.g. from the response's
    /// `Date` header) to avoid skew between the browser's clock and MSR's.
    pub fn replica_states(&self, now: Timestamp, stale_after: Duration) -> Vec<ReplicaState> {
        let threshold = i64::try_from(stale_after.as_millis()).unwrap_or(i64::MAX);
        self.replica_ids()
            .into_iter()
            .map(|id| {
                let health = self.replica_health.get(id).cloned();
                let last_seen = self.replica_timestamp.get(id).cloned();
                let read_only = self.replica_readonly.get(id).copied();
                let mut conditions = Vec::new();
                match health.as_deref() {
                    Some("OK") => {}
                    Some(reason) => conditions.push(ReplicaCondition::Unhealthy {
                        reason: reason.to_string(),
                    }),
                    None => conditions.push(ReplicaCondition::HealthUnknown),
                }
                match &last_seen {
                    Some(ReplicaTimestamp { at: Some(at), .. }) => {
                        let age = now.millis_since(*at);
                        if age > threshold {
                            conditions.push(ReplicaCondition::Stale {
                                last_seen: *at,
                                age_secs: age / 1000,
                            });
                        }
                    }
                    Some(ReplicaTimestamp { raw, at: None }) => {
                        conditions.push(ReplicaCondition::TimestampUnknown { raw: raw.clone() });
                    }
                    None => {}
                }
                if read_only == Some(true) {
                    conditions.push(ReplicaCondition::ReadOnly);
                }
                if conditions.is_empty() {
                    conditions.push(ReplicaCondition::Ok);
                }
                ReplicaState {
                    id: id.to_string(),
                    health,
                    last_seen,
                    read_only,
                    conditions,
                }
            })
            .collect()
    }
}

impl ServerStatus {
    /// The MSR replica id from the server name (`dtr_rethinkdb_<replica id>`).
    pub fn replica_id(&self) -> Option<&str> {
        self.name.as_deref()?.strip_prefix(RETHINK_SERVER_PREFIX)
    }
}

impl TableStatus {
    /// `db.name`, with `?` for a missing part.
    pub fn full_name(&self) -> String {
        format!(
            "{}.{}",
            self.db.as_deref().unwrap_or("?"),
            self.name.as_deref().unwrap_or("?")
        )
    }
}

impl ReplicaState {
    /// Whether nothing is wrong with the replica.
    pub fn is_ok(&self) -> bool {
        self.conditions == [ReplicaCondition::Ok]
    }

    /// The `replica_health` reason, when the replica is unhealthy.
    pub fn unhealthy_reason(&self) -> Option<&str> {
        self.conditions.iter().find_map(|c| match c {
            ReplicaCondition::Unhealthy { reason } => Some(reason.as_str()),
            _ => None,
        })
    }

    /// Whether the last report is too old.
    pub fn is_stale(&self) -> bool {
        self.conditions
            .iter()
            .any(|c| matches!(c, ReplicaCondition::Stale { .. }))
    }

    /// Whether the replica is in read-only mode.
    pub fn is_read_only(&self) -> bool {
        self.conditions.contains(&ReplicaCondition::ReadOnly)
    }
}

/// The `GET /api/v0/meta/cluster_status` request with HTTP basic credentials.
///
/// Shells attach credentials only to the configured origin; this request is always
/// for `base`.
pub fn cluster_status_request(base: &Origin, credentials: &Credentials) -> Request<Vec<u8>> {
    super::admin::admin_request(base, CLUSTER_STATUS_PATH, credentials)
}

/// Read a cluster status answer.
///
/// - 401 → [`ClusterStatusError::NotAuthenticated`] (MSR's bare `NOT_AUTHENTICATED` body).
/// - 403 with MSR's JSON error (`NOT_AUTHORIZED`) → [`ClusterStatusError::NotAdmin`].
/// - 503 `STATUS_CHECK_FAILED` → [`ClusterStatusError::CheckFailed`].
/// - Other errors, and an HTML page at 200 → [`ClusterStatusError::Http`].
/// - A 2xx body that is not a JSON object → [`ClusterStatusError::Body`].
pub fn parse_cluster_status(
    response: &Response<Vec<u8>>,
) -> Result<ClusterStatus, ClusterStatusError> {
    let status = response.status();
    if !status.is_success() {
        let error = ApiError::from_response(response);
        return Err(match status.as_u16() {
            401 => ClusterStatusError::NotAuthenticated(error),
            403 if matches!(error.shape, BodyShape::ErrorList | BodyShape::Bare) => {
                ClusterStatusError::NotAdmin(error)
            }
            503 if error.is_code("STATUS_CHECK_FAILED") => ClusterStatusError::CheckFailed(error),
            _ => ClusterStatusError::Http(error),
        });
    }
    if looks_like_html(response.headers(), response.body()) {
        return Err(ClusterStatusError::Http(ApiError::unexpected_body(
            status,
            response.headers(),
            response.body(),
        )));
    }
    ClusterStatus::from_json(response.body()).map_err(ClusterStatusError::Body)
}

/// Field-by-field reading of JSON values, collecting warnings instead of failing.
#[derive(Default)]
struct Reader {
    warnings: Vec<String>,
}

impl Reader {
    fn warn(&mut self, path: &str, expected: &str, found: &Value) {
        self.warnings.push(format!(
            "{path}: expected {expected}, found {}",
            crate::error::json_kind(found)
        ));
    }

    /// Remove `key` from `map` as a string; `null`/missing → `None`, others → warning.
    fn string(&mut self, map: &mut Map<String, Value>, prefix: &str, key: &str) -> Option<String> {
        match map.remove(key)? {
            Value::String(text) => Some(text),
            Value::Null => None,
            other => {
                self.warn(&join(prefix, key), "a string", &other);
                None
            }
        }
    }

    /// Remove `key` from `map` as a boolean; `null`/missing → `None`, others → warning.
    fn boolean(&mut self, map: &mut Map<String, Value>, prefix: &str, key: &str) -> Option<bool> {
        match map.remove(key)? {
            Value::Bool(flag) => Some(flag),
            Value::Null => None,
            other => {
                self.warn(&join(prefix, key), "a boolean", &other);
                None
            }
        }
    }

    /// Remove `key` from `map` as an array of objects; non-object entries are skipped.
    fn objects(
        &mut self,
        map: &mut Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Vec<(String, Map<String, Value>)> {
        let path = join(prefix, key);
        let items = match map.remove(key) {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.warn(&path, "an array", &other);
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            match item {
                Value::Object(object) => out.push((item_path, object)),
                other => self.warn(&item_path, "an object", &other),
            }
        }
        out
    }

    /// Remove `key` from `map` as an object of id → value, reading each value with `read`.
    fn object_entries<T>(
        &mut self,
        map: &mut Map<String, Value>,
        key: &str,
        mut read: impl FnMut(&mut Self, String, Value) -> Option<T>,
    ) -> BTreeMap<String, T> {
        let entries = match map.remove(key) {
            None | Some(Value::Null) => return BTreeMap::new(),
            Some(Value::Object(entries)) => entries,
            Some(other) => {
                self.warn(key, "an object", &other);
                return BTreeMap::new();
            }
        };
        let mut out = BTreeMap::new();
        for (id, value) in entries {
            let path = format!("{key}.{id}");
            if let Some(item) = read(self, path, value) {
                out.insert(id, item);
            }
        }
        out
    }

    fn issues(&mut self, map: &mut Map<String, Value>, prefix: &str, key: &str) -> Vec<Issue> {
        self.objects(map, prefix, key)
            .into_iter()
            .map(|(path, mut object)| {
                let info = object.remove("info").filter(|v| !v.is_null());
                Issue {
                    id: self.string(&mut object, &path, "id"),
                    kind: self.string(&mut object, &path, "type"),
                    critical: self
                        .boolean(&mut object, &path, "critical")
                        .unwrap_or(false),
                    description: self.string(&mut object, &path, "description"),
                    info,
                    other: object,
                }
            })
            .collect()
    }

    fn rethink(&mut self, mut tables: Map<String, Value>) -> RethinkSystemTables {
        const PREFIX: &str = "rethink_system_tables";
        let current_issues = self.issues(&mut tables, PREFIX, "current_issues");
        let server_status = self
            .objects(&mut tables, PREFIX, "server_status")
            .into_iter()
            .map(|(path, mut object)| ServerStatus {
                id: self.string(&mut object, &path, "id"),
                name: self.string(&mut object, &path, "name"),
                network: object.remove("network").filter(|v| !v.is_null()),
                process: object.remove("process").filter(|v| !v.is_null()),
                other: object,
            })
            .collect();
        let table_status = self
            .objects(&mut tables, PREFIX, "table_status")
            .into_iter()
            .map(|(path, mut object)| {
                let status_path = join(&path, "status");
                let mut status = match object.remove("status") {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(status)) => status,
                    Some(other) => {
                        self.warn(&status_path, "an object", &other);
                        Map::new()
                    }
                };
                let all_replicas_ready =
                    self.boolean(&mut status, &status_path, "all_replicas_ready");
                let ready_for_writes = self.boolean(&mut status, &status_path, "ready_for_writes");
                // Keep the flags in the raw status too, for a faithful copy.
                if let Some(flag) = all_replicas_ready {
                    status.insert("all_replicas_ready".into(), Value::Bool(flag));
                }
                if let Some(flag) = ready_for_writes {
                    status.insert("ready_for_writes".into(), Value::Bool(flag));
                }
                TableStatus {
                    db: self.string(&mut object, &path, "db"),
                    name: self.string(&mut object, &path, "name"),
                    all_replicas_ready,
                    ready_for_writes,
                    status,
                    shards: object.remove("shards").filter(|v| !v.is_null()),
                    other: object,
                }
            })
            .collect();
        RethinkSystemTables {
            current_issues,
            server_status,
            table_status,
            other: tables,
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_carries_basic_auth_for_the_origin() {
        let origin = Origin::parse("https://msr.example.org").unwrap();
        let r = cluster_status_request(&origin, &Credentials::password("admin", "pw"));
        assert_eq!(
            r.uri().to_string(),
            "https://msr.example.org/api/v0/meta/cluster_status"
        );
        let auth = r.headers().get(http::header::AUTHORIZATION).unwrap();
        assert_eq!(auth.to_str().unwrap(), "Basic YWRtaW46cHc=");
        assert!(auth.is_sensitive());
    }

    #[test]
    fn a_replica_can_be_read_only_and_stale() {
        let status = ClusterStatus::from_json(
            br#"{"replica_health":{"a":"OK"},
                 "replica_timestamp":{"a":"2026-01-01T00:00:00Z"},
                 "replica_readonly":{"a":true}}"#,
        )
        .unwrap();
        let now = Timestamp::parse_rfc3339("2026-01-01T01:00:00Z").unwrap();
        let states = status.replica_states(now, DEFAULT_STALE_AFTER);
        assert_eq!(states.len(), 1);
        assert!(states[0].is_stale() && states[0].is_read_only());
        assert!(!states[0].is_ok());
        assert_eq!(states[0].unhealthy_reason(), None);
    }
}
