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
//! The model is tolerant: the body is read field by field from a [`Json`] value.
//! A field of the wrong type is skipped with a message in [`ClusterStatus::warnings`]
//! instead of failing the whole report; unknown fields are kept as raw JSON; a top-level
//! `current_issues` (as on the vendor page) is accepted too. Only a body that is not a
//! JSON object at all is an error.
//!
//! Per-replica state is derived by [`ClusterStatus::replica_states`] from the union of the
//! replica ids of the three `replica_*` maps, given `now` and a staleness threshold.

use std::time::Duration;

use crate::http::{Request, Response, header};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::auth::Credentials;
use crate::error::{ApiError, BodyShape, ParseError, excerpt, looks_like_html};
use crate::json::{Json, JsonObject};
use crate::json_out::ToJson;
use crate::small_map::SmallMap;
use crate::text::{Message, concat, display_message, push_u64};
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
pub struct ClusterStatus {
    /// RethinkDB's system tables, when present and an object.
    pub rethink_system_tables: Option<RethinkSystemTables>,
    /// A top-level `current_issues` array (the vendor page's shape); usually empty.
    /// [`ClusterStatus::issues`] yields these and RethinkDB's together.
    pub current_issues: Vec<Issue>,
    /// Replica id → `"OK"` or the reason it is not healthy.
    pub replica_health: ReplicaMap<String>,
    /// Replica id → when it last reported (raw text kept).
    pub replica_timestamp: ReplicaMap<ReplicaTimestamp>,
    /// Replica id → whether it is in read-only mode.
    pub replica_readonly: ReplicaMap<bool>,
    /// Who holds the garbage collection lock; empty or absent when GC is not running.
    pub gc_lock_holder: Option<String>,
    /// etcd cluster status (older DTR only), kept as raw JSON.
    pub etcd_status: Option<Json>,
    /// Top-level fields this model does not know, as raw JSON.
    pub other: JsonObject,
    /// Fields that were skipped or read approximately because their type was odd, each
    /// as `<json path>: <what was wrong>`.
    pub warnings: Vec<String>,
}

/// RethinkDB's system tables as MSR reports them: one array per table.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RethinkSystemTables {
    /// `current_issues`: problems RethinkDB sees now.
    pub current_issues: Vec<Issue>,
    /// `server_status`: one entry per RethinkDB server (`dtr_rethinkdb_<replica id>`).
    pub server_status: Vec<ServerStatus>,
    /// `table_status`: readiness of each table.
    pub table_status: Vec<TableStatus>,
    /// The other tables (`cluster_config`, `db_config`, `table_config`, `stats`, ...), raw.
    pub other: JsonObject,
}

/// A RethinkDB issue (`current_issues` entry).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
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
    pub info: Option<Json>,
    /// Other fields, raw.
    pub other: JsonObject,
}

/// A RethinkDB `server_status` entry.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerStatus {
    /// The RethinkDB server UUID.
    pub id: Option<String>,
    /// The server name, `dtr_rethinkdb_<replica id>` on MSR.
    pub name: Option<String>,
    /// Network details, raw.
    pub network: Option<Json>,
    /// Process details, raw.
    pub process: Option<Json>,
    /// Other fields, raw.
    pub other: JsonObject,
}

/// A RethinkDB `table_status` entry.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
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
    pub status: JsonObject,
    /// Shards, raw.
    pub shards: Option<Json>,
    /// Other fields, raw.
    pub other: JsonObject,
}

/// When a replica last reported, as MSR sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaTimestamp {
    /// The text as sent (a timestamp, or an error such as `Failed to get timestamp ...`).
    pub raw: String,
    /// The parsed time, when `raw` is RFC 3339 (serialized as epoch milliseconds).
    pub at: Option<Timestamp>,
}

/// Replica id → value, sorted by id: what `replica_health`, `replica_timestamp` and
/// `replica_readonly` hold. Serialized as a JSON object with the ids in order.
///
/// A sorted `Vec` rather than a `BTreeMap`: a handful of replicas, and each `BTreeMap`
/// instantiation costs the npm package's WebAssembly several kilobytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaMap<T> {
    entries: SmallMap<String, T>,
}

impl<T> ReplicaMap<T> {
    /// An empty map.
    pub fn new() -> Self {
        ReplicaMap {
            entries: SmallMap::new(),
        }
    }

    /// The map of `entries`, which are sorted by id, each id once.
    fn sorted(entries: Vec<(String, T)>) -> Self {
        ReplicaMap {
            entries: SmallMap::from_sorted(entries),
        }
    }

    /// The value of replica `id`.
    pub fn get(&self, id: &str) -> Option<&T> {
        self.entries.get(id)
    }

    /// Whether replica `id` is listed.
    pub fn contains_key(&self, id: &str) -> bool {
        self.entries.contains_key(id)
    }

    /// Set the value of replica `id`, returning its previous value.
    pub fn insert(&mut self, id: String, value: T) -> Option<T> {
        self.entries.insert(id, value)
    }

    /// How many replicas are listed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no replica is listed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The replica ids, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(id, _)| id.as_str())
    }

    /// The ids and values, sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.entries.iter().map(|(id, value)| (id.as_str(), value))
    }
}

impl<T> Default for ReplicaMap<T> {
    fn default() -> Self {
        ReplicaMap::new()
    }
}

/// Collected as into a `BTreeMap`: a repeated id keeps its last value.
impl<T> FromIterator<(String, T)> for ReplicaMap<T> {
    fn from_iter<I: IntoIterator<Item = (String, T)>>(entries: I) -> Self {
        let mut map = ReplicaMap::new();
        for (id, value) in entries {
            map.insert(id, value);
        }
        map
    }
}

impl<T: Serialize> Serialize for ReplicaMap<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (id, value) in self.entries.iter() {
            map.serialize_entry(id, value)?;
        }
        map.end()
    }
}

/// The derived state of one replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
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
    NotAuthenticated(ApiError),
    /// 403 with MSR's JSON error: signed in, but not an MSR admin.
    NotAdmin(ApiError),
    /// 503 `STATUS_CHECK_FAILED`: MSR could not query its own backend.
    CheckFailed(ApiError),
    /// Any other error status, or an HTML page (an SSO login page) with a success status.
    Http(ApiError),
    /// A success status whose body is not a JSON object.
    Body(ParseError),
}

impl Message for ClusterStatusError {
    fn push_message(&self, out: &mut String) {
        match self {
            ClusterStatusError::NotAuthenticated(e) => {
                out.push_str("not signed in: the cluster status needs MSR admin credentials (");
                e.push_message(out);
                out.push(')');
            }
            ClusterStatusError::NotAdmin(_) => out
                .push_str("signed in, but not an MSR admin: the cluster status is for admins only"),
            ClusterStatusError::CheckFailed(e) => {
                out.push_str("the cluster status check failed inside MSR: ");
                e.push_message(out);
            }
            ClusterStatusError::Http(e) => e.push_message(out),
            ClusterStatusError::Body(e) => e.push_message(out),
        }
    }
}

display_message!(ClusterStatusError);

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
        let value = Json::parse(body)?;
        let Json::Object(mut map) = value else {
            return Err(ParseError {
                path: ".".to_string(),
                message: concat(&["expected a JSON object, found ", value.kind()]),
                excerpt: excerpt(body),
            });
        };
        let mut r = Reader::default();
        let rethink_system_tables = match map.remove("rethink_system_tables") {
            None | Some(Json::Null) => None,
            Some(Json::Object(tables)) => Some(r.rethink(tables)),
            Some(other) => {
                r.warn("rethink_system_tables", "an object", &other);
                None
            }
        };
        let current_issues = r.issues(&mut map, "", "current_issues");
        let replica_health = ReplicaMap::sorted(r.text_entries(&mut map, "replica_health", true));
        let mut timestamps = Vec::new();
        for (id, raw) in r.text_entries(&mut map, "replica_timestamp", false) {
            let at = Timestamp::parse_rfc3339(&raw);
            timestamps.push((id, ReplicaTimestamp { raw, at }));
        }
        let replica_timestamp = ReplicaMap::sorted(timestamps);
        let mut readonly = Vec::new();
        for (id, value) in r.object_entries(&mut map, "replica_readonly") {
            match value {
                Json::Bool(flag) => readonly.push((id, flag)),
                other => r.warn_entry("replica_readonly", &id, "a boolean", &other),
            }
        }
        let replica_readonly = ReplicaMap::sorted(readonly);
        let gc_lock_holder = r.string(&mut map, "", "gc_lock_holder");
        let etcd_status = take(&mut map, "etcd_status");
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
    /// `replica_readonly`, sorted, each once.
    pub fn replica_ids(&self) -> Vec<&str> {
        // Merged, not sorted: the maps are sorted already, and a sort costs the npm
        // package's WebAssembly a few kilobytes.
        let health = self.replica_health.keys().collect();
        let timestamp = self.replica_timestamp.keys().collect();
        let readonly = self.replica_readonly.keys().collect();
        union(union(health, timestamp), readonly)
    }

    /// The derived state of every replica (sorted by id). A replica is stale when its
    /// last report is more than `stale_after` before `now`; a report from the future
    /// (clock skew) is not stale. Pass MSR's own time as `now` (e.g. from the response's
    /// `Date` header) to avoid skew between the browser's clock and MSR's.
    pub fn replica_states(&self, now: Timestamp, stale_after: Duration) -> Vec<ReplicaState> {
        let threshold = i64::try_from(stale_after.as_millis()).unwrap_or(i64::MAX);
        // The three maps are sorted by id: walk them together, each id once.
        let mut health = self.replica_health.iter().peekable();
        let mut timestamp = self.replica_timestamp.iter().peekable();
        let mut readonly = self.replica_readonly.iter().peekable();
        let mut states = Vec::new();
        loop {
            let first = [
                health.peek().map(|e| e.0),
                timestamp.peek().map(|e| e.0),
                readonly.peek().map(|e| e.0),
            ];
            let Some(id) = first.into_iter().flatten().min() else {
                return states;
            };
            let health = health.next_if(|e| e.0 == id).map(|e| e.1.clone());
            let last_seen = timestamp.next_if(|e| e.0 == id).map(|e| e.1.clone());
            let read_only = readonly.next_if(|e| e.0 == id).map(|e| *e.1);
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
            states.push(ReplicaState {
                id: id.to_string(),
                health,
                last_seen,
                read_only,
                conditions,
            });
        }
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
        concat(&[
            self.db.as_deref().unwrap_or("?"),
            ".",
            self.name.as_deref().unwrap_or("?"),
        ])
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
    let uri = base
        .url(CLUSTER_STATUS_PATH)
        .expect("a constant path is a valid URI on the origin");
    let mut request = super::get(uri, "application/json");
    request
        .headers_mut()
        .insert(header::AUTHORIZATION, credentials.basic_header());
    request
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
    // An HTML page with a success status normalises as an unexpected body.
    if !status.is_success() || looks_like_html(response.headers(), response.body()) {
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
    ClusterStatus::from_json(response.body()).map_err(ClusterStatusError::Body)
}

/// Field-by-field reading of JSON values, collecting warnings instead of failing.
#[derive(Default)]
struct Reader {
    warnings: Vec<String>,
}

impl Reader {
    #[inline(never)]
    fn warn(&mut self, path: &str, expected: &str, found: &Json) {
        self.warnings.push(concat(&[
            path,
            ": expected ",
            expected,
            ", found ",
            found.kind(),
        ]));
    }

    /// Remove `key` from `map` as a string; `null`/missing → `None`, others → warning.
    #[inline(never)]
    fn string(&mut self, map: &mut JsonObject, prefix: &str, key: &str) -> Option<String> {
        match map.remove(key)? {
            Json::String(text) => Some(text),
            Json::Null => None,
            other => {
                self.warn(&join(prefix, key), "a string", &other);
                None
            }
        }
    }

    /// Remove `key` from `map` as a boolean; `null`/missing → `None`, others → warning.
    #[inline(never)]
    fn boolean(&mut self, map: &mut JsonObject, prefix: &str, key: &str) -> Option<bool> {
        match map.remove(key)? {
            Json::Bool(flag) => Some(flag),
            Json::Null => None,
            other => {
                self.warn(&join(prefix, key), "a boolean", &other);
                None
            }
        }
    }

    /// Remove `key` from `map` as an array of objects; non-object entries are skipped.
    fn objects(
        &mut self,
        map: &mut JsonObject,
        prefix: &str,
        key: &str,
    ) -> Vec<(String, JsonObject)> {
        let path = join(prefix, key);
        let items = match map.remove(key) {
            None | Some(Json::Null) => return Vec::new(),
            Some(Json::Array(items)) => items,
            Some(other) => {
                self.warn(&path, "an array", &other);
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let mut item_path = concat(&[&path, "["]);
            push_u64(&mut item_path, i as u64);
            item_path.push(']');
            match item {
                Json::Object(object) => out.push((item_path, object)),
                other => self.warn(&item_path, "an object", &other),
            }
        }
        out
    }

    /// Remove `key` from `map` as an object of id → value: each entry (sorted by id, the
    /// last value of a repeated id) with its path.
    /// [`Reader::warn`] about the entry `id` of the object at `key`.
    fn warn_entry(&mut self, key: &str, id: &str, expected: &str, found: &Json) {
        self.warn(&concat(&[key, ".", id]), expected, found);
    }

    /// [`Reader::object_entries`] of `key` as text: a string as it is, any other value
    /// (with a warning) as its JSON text, `null` skipped (with a warning if `warn_null`).
    #[inline(never)]
    fn text_entries(
        &mut self,
        map: &mut JsonObject,
        key: &str,
        warn_null: bool,
    ) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (id, value) in self.object_entries(map, key) {
            let text = match value {
                Json::String(text) => text,
                other => {
                    if warn_null || !other.is_null() {
                        self.warn_entry(key, &id, "a string", &other);
                    }
                    if other.is_null() {
                        continue;
                    }
                    other.to_json()
                }
            };
            out.push((id, text));
        }
        out
    }

    fn object_entries(&mut self, map: &mut JsonObject, key: &str) -> Vec<(String, Json)> {
        let entries = match map.remove(key) {
            None | Some(Json::Null) => return Vec::new(),
            Some(Json::Object(entries)) => entries,
            Some(other) => {
                self.warn(key, "an object", &other);
                return Vec::new();
            }
        };
        entries.into_sorted()
    }

    fn issues(&mut self, map: &mut JsonObject, prefix: &str, key: &str) -> Vec<Issue> {
        let mut issues = Vec::new();
        for (path, mut object) in self.objects(map, prefix, key) {
            let info = take(&mut object, "info");
            issues.push(Issue {
                id: self.string(&mut object, &path, "id"),
                kind: self.string(&mut object, &path, "type"),
                critical: self
                    .boolean(&mut object, &path, "critical")
                    .unwrap_or(false),
                description: self.string(&mut object, &path, "description"),
                info,
                other: object,
            });
        }
        issues
    }

    fn rethink(&mut self, mut tables: JsonObject) -> RethinkSystemTables {
        const PREFIX: &str = "rethink_system_tables";
        let current_issues = self.issues(&mut tables, PREFIX, "current_issues");
        let mut server_status = Vec::new();
        for (path, mut object) in self.objects(&mut tables, PREFIX, "server_status") {
            server_status.push(ServerStatus {
                id: self.string(&mut object, &path, "id"),
                name: self.string(&mut object, &path, "name"),
                network: take(&mut object, "network"),
                process: take(&mut object, "process"),
                other: object,
            });
        }
        let mut table_status = Vec::new();
        for (path, mut object) in self.objects(&mut tables, PREFIX, "table_status") {
            let status_path = join(&path, "status");
            let mut status = match object.remove("status") {
                None | Some(Json::Null) => JsonObject::new(),
                Some(Json::Object(status)) => status,
                Some(other) => {
                    self.warn(&status_path, "an object", &other);
                    JsonObject::new()
                }
            };
            let all_replicas_ready = self.boolean(&mut status, &status_path, "all_replicas_ready");
            let ready_for_writes = self.boolean(&mut status, &status_path, "ready_for_writes");
            // Keep the flags in the raw status too, for a faithful copy.
            if let Some(flag) = all_replicas_ready {
                status.insert("all_replicas_ready".into(), Json::Bool(flag));
            }
            if let Some(flag) = ready_for_writes {
                status.insert("ready_for_writes".into(), Json::Bool(flag));
            }
            table_status.push(TableStatus {
                db: self.string(&mut object, &path, "db"),
                name: self.string(&mut object, &path, "name"),
                all_replicas_ready,
                ready_for_writes,
                status,
                shards: take(&mut object, "shards"),
                other: object,
            });
        }
        RethinkSystemTables {
            current_issues,
            server_status,
            table_status,
            other: tables,
        }
    }
}

/// Remove `key` from `map`; `null` is absent.
#[inline(never)]
fn take(map: &mut JsonObject, key: &str) -> Option<Json> {
    map.remove(key).filter(|v| !v.is_null())
}

/// The union of two sorted lists without repeats, sorted, each item once.
fn union<'a>(a: Vec<&'a str>, b: Vec<&'a str>) -> Vec<&'a str> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (None, None) => return out,
            (Some(x), Some(y)) if x > y => b.next(),
            (Some(x), Some(y)) if x == y => {
                b.next();
                a.next()
            }
            (Some(_), _) => a.next(),
            (None, Some(_)) => b.next(),
        };
        out.extend(next);
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        concat(&[prefix, ".", key])
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
        let auth = r.headers().get(header::AUTHORIZATION).unwrap();
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
