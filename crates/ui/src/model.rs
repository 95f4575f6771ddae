//! The data the views show and the extension stores, as plain serde structs.
//!
//! Where a snapshot shows a part of the `msr-lens` package's health report as the core
//! serializes it (replica discovery, the job runner's failed and waiting jobs and cron runs,
//! the metrics), it stores that value as is and reads it back as the core's type
//! (`msr_lens_core::health::…`). The view structs here are the parts that are not the
//! core's: each says why.
//!
//! Storage layout (shared with `extension/background.js`, keep both in step; the worker's
//! snapshots are written by `extension/snapshot.js`, whose unit tests check that it uses
//! exactly the fields of [`Snapshot`] and the structs in it, and the core's fields for the
//! core's parts):
//! - `chrome.storage.local` `settings`: [`Settings`] (no secret unless an instance has
//!   `remember` ticked, then its `secret` is kept there). Read tolerantly, here and by the
//!   worker (`extension/check.js` `readSettings`): what this version cannot read (an
//!   instance, a field, a replica's form, a field it does not know) is kept and written
//!   back unchanged; settings that are not an object are never saved over unasked.
//! - `chrome.storage.session` `secrets`: `{ "<instance id>": "<password or token>" }`.
//! - `chrome.storage.session` `checkTimeoutMs`: the per-request time limit of the worker's
//!   checks and of "Test connection" in milliseconds (500 to 120000; absent: 10 s). No
//!   field sets it: tests and diagnosis only, and a browser restart forgets it.
//! - `chrome.storage.local` `snapshot:<instance id>`: the latest [`Snapshot`].
//! - `chrome.storage.local` `history:<instance id>`: `[HistoryPoint]`, 24 h at most, one
//!   per check with its final verdict (written once the check's complete snapshot, not
//!   its health half, is stored).
//! - `chrome.storage.local` `week:<instance id>`: `[Bucket]`, one per hour, 7 days at most
//!   (counted from complete snapshots too).
//! - `chrome.storage.local` `selected`: the instance id the popup shows; `selectedAt`:
//!   when it was picked (in the popup or by saving it in the options), epoch ms.

use msr_lens_core::health::{CronRun, FailedJob, WaitingJob};
use msr_lens_core::health::{MetricsSummary, ReasonCode, ReplicaDiscovery, Severity};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Which kind of secret an instance uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretKind {
    /// An MSR access token (recommended).
    #[default]
    Token,
    /// The account password.
    Password,
}

/// One configured MSR instance.
///
/// Read tolerantly (see [`Instance::from_value`]): a field that does not parse takes its
/// default here and its stored value is kept (`kept`) and written back unchanged unless
/// the user sets the field; fields this version does not know are kept in `extras`; a
/// replica stored as `{label, url}` keeps that form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Instance {
    /// A stable id (generated when the instance is added).
    pub id: String,
    /// The name shown to the user.
    pub name: String,
    /// The MSR origin, e.g. `https://msr.example.org`.
    pub origin: String,
    /// Optional per-replica origins, pinged one by one.
    pub replicas: Vec<String>,
    /// The MSR user name; empty for anonymous.
    pub username: String,
    /// Password or access token.
    pub secret_kind: SecretKind,
    /// Keep the secret in `chrome.storage.local` ("remember on this device").
    pub remember: bool,
    /// The secret, only when `remember` is ticked.
    pub secret: Option<String>,
    /// Stored fields this version does not know, written back as they are.
    pub extras: Map<String, Value>,
    /// Stored values of known fields that did not parse (the field has its default),
    /// written back as they are while the field keeps its default.
    pub kept: Map<String, Value>,
    /// The replicas as stored (strings, `{label, url}` objects or anything else), so
    /// saving writes each back in its own form.
    pub stored_replicas: Vec<Value>,
}

/// Everything the options page edits.
///
/// Read tolerantly (see [`Settings::from_value`]): an instance that cannot be read at all
/// is kept as stored (`unreadable`) and written back unchanged; other fields as in
/// [`Instance`].
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The configured instances.
    pub instances: Vec<Instance>,
    /// Minutes between background checks (1..=60).
    pub poll_minutes: u32,
    /// Notify when an instance's verdict changes.
    pub notify_verdict: bool,
    /// Notify when a trust deletion appears.
    pub notify_deletions: bool,
    /// Stored instances this version cannot read (not objects, or without a text id),
    /// written back as they are (after the others).
    pub unreadable: Vec<Value>,
    /// Stored fields this version does not know, written back as they are.
    pub extras: Map<String, Value>,
    /// Stored values of known fields that did not parse (see [`Instance::kept`]).
    pub kept: Map<String, Value>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            instances: Vec::new(),
            poll_minutes: 1,
            notify_verdict: true,
            notify_deletions: true,
            unreadable: Vec::new(),
            extras: Map::new(),
            kept: Map::new(),
        }
    }
}

/// Why stored settings cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsError {
    /// The stored value is not a JSON object (what it is instead: `an array`, `text`, ...).
    NotAnObject(&'static str),
    /// `instances` is there but is not an array.
    InstancesNotAList(&'static str),
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingsError::NotAnObject(what) => write!(
                f,
                "the stored settings cannot be read by this version (they are {what}, not an object); they are kept as they are"
            ),
            SettingsError::InstancesNotAList(what) => write!(
                f,
                "the stored settings cannot be read by this version (their instances are {what}, not a list); they are kept as they are"
            ),
        }
    }
}

impl std::error::Error for SettingsError {}

/// What kind of JSON value it is, in words.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Take `key` out of `map` as a `T`; a value that does not parse goes to `kept`.
fn take<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
    kept: &mut Map<String, Value>,
) -> Option<T> {
    let raw = map.remove(key)?;
    match serde_json::from_value::<T>(raw.clone()) {
        Ok(value) => Some(value),
        Err(_) => {
            kept.insert(key.to_string(), raw);
            None
        }
    }
}

/// Write `value` under `key`, or the kept stored value while `value` is the default.
/// `None` values (and no kept value) are left out.
fn put<T: Serialize + PartialEq>(
    out: &mut Map<String, Value>,
    key: &str,
    value: &T,
    default: &T,
    kept: &Map<String, Value>,
) {
    if value == default
        && let Some(raw) = kept.get(key)
    {
        out.insert(key.to_string(), raw.clone());
        return;
    }
    match serde_json::to_value(value) {
        Ok(Value::Null) | Err(_) => {}
        Ok(v) => {
            out.insert(key.to_string(), v);
        }
    }
}

/// The address of a stored replica: the text, or the `url` of a `{label, url}` object.
fn replica_url(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("url").and_then(Value::as_str),
        _ => None,
    }
}

impl Instance {
    /// Read a stored instance. Fails (and the caller keeps the value as it is) only when
    /// it is not an object or its `id` is there but not text.
    pub fn from_value(value: Value) -> Result<Instance, String> {
        let Value::Object(mut map) = value else {
            return Err(format!("an instance is {}, not an object", kind_of(&value)));
        };
        if let Some(id) = map.get("id")
            && !id.is_string()
        {
            return Err(format!("an instance's id is {}, not text", kind_of(id)));
        }
        let mut kept = Map::new();
        let mut instance = Instance {
            id: take(&mut map, "id", &mut kept).unwrap_or_default(),
            name: take(&mut map, "name", &mut kept).unwrap_or_default(),
            origin: take(&mut map, "origin", &mut kept).unwrap_or_default(),
            username: take(&mut map, "username", &mut kept).unwrap_or_default(),
            secret_kind: take(&mut map, "secretKind", &mut kept).unwrap_or_default(),
            remember: take(&mut map, "remember", &mut kept).unwrap_or_default(),
            secret: take::<Option<String>>(&mut map, "secret", &mut kept).flatten(),
            ..Instance::default()
        };
        match map.remove("replicas") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                instance.replicas = items
                    .iter()
                    .filter_map(replica_url)
                    .map(str::to_string)
                    .collect();
                instance.stored_replicas = items;
            }
            Some(other) => {
                kept.insert("replicas".into(), other);
            }
        }
        instance.kept = kept;
        instance.extras = map;
        Ok(instance)
    }

    /// The instance as stored: known fields, then the kept and unknown ones as they were
    /// read; each replica in its stored form when its address is unchanged.
    pub fn to_value(&self) -> Value {
        let d = Instance::default();
        let mut out = self.extras.clone();
        let kept = &self.kept;
        put(&mut out, "id", &self.id, &d.id, kept);
        put(&mut out, "name", &self.name, &d.name, kept);
        put(&mut out, "origin", &self.origin, &d.origin, kept);
        put(&mut out, "username", &self.username, &d.username, kept);
        put(
            &mut out,
            "secretKind",
            &self.secret_kind,
            &d.secret_kind,
            kept,
        );
        put(&mut out, "remember", &self.remember, &d.remember, kept);
        put(&mut out, "secret", &self.secret, &d.secret, kept);
        if self.replicas.is_empty() && kept.contains_key("replicas") {
            out.insert("replicas".into(), kept["replicas"].clone());
        } else {
            let mut unused: Vec<Option<&Value>> = self.stored_replicas.iter().map(Some).collect();
            let mut replicas: Vec<Value> = self
                .replicas
                .iter()
                .map(|url| {
                    let stored = unused
                        .iter_mut()
                        .find(|v| v.and_then(replica_url) == Some(url.as_str()))
                        .and_then(Option::take);
                    stored
                        .cloned()
                        .unwrap_or_else(|| Value::String(url.clone()))
                })
                .collect();
            // Entries with no address this version reads stay too.
            replicas.extend(
                self.stored_replicas
                    .iter()
                    .filter(|v| replica_url(v).is_none())
                    .cloned(),
            );
            out.insert("replicas".into(), Value::Array(replicas));
        }
        Value::Object(out)
    }

    /// The stored fields this version could not read (kept as they are), by name.
    pub fn unread_fields(&self) -> Vec<String> {
        let mut names: Vec<String> = self.kept.keys().cloned().collect();
        if self
            .stored_replicas
            .iter()
            .any(|v| replica_url(v).is_none())
        {
            names.push("replicas".into());
        }
        names
    }
}

impl Settings {
    /// Read stored settings tolerantly; fails only when they are not an object or their
    /// `instances` is not a list (then nothing may be written over them unasked).
    pub fn from_value(value: Value) -> Result<Settings, SettingsError> {
        let Value::Object(mut map) = value else {
            return Err(SettingsError::NotAnObject(kind_of(&value)));
        };
        let mut settings = Settings::default();
        match map.remove("instances") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    match Instance::from_value(item.clone()) {
                        Ok(instance) => settings.instances.push(instance),
                        Err(_) => settings.unreadable.push(item),
                    }
                }
            }
            Some(other) => return Err(SettingsError::InstancesNotAList(kind_of(&other))),
        }
        let mut kept = Map::new();
        if let Some(v) = take(&mut map, "pollMinutes", &mut kept) {
            settings.poll_minutes = v;
        }
        if let Some(v) = take(&mut map, "notifyVerdict", &mut kept) {
            settings.notify_verdict = v;
        }
        if let Some(v) = take(&mut map, "notifyDeletions", &mut kept) {
            settings.notify_deletions = v;
        }
        settings.kept = kept;
        settings.extras = map;
        Ok(settings)
    }

    /// Read stored settings from JSON text.
    pub fn from_json(text: &str) -> Result<Settings, SettingsError> {
        let value: Value =
            serde_json::from_str(text).map_err(|_| SettingsError::NotAnObject("not JSON"))?;
        Settings::from_value(value)
    }

    /// The settings as stored (see [`Instance::to_value`]); unreadable instances after
    /// the others, as they were.
    pub fn to_value(&self) -> Value {
        let d = Settings::default();
        let mut out = self.extras.clone();
        let kept = &self.kept;
        put(
            &mut out,
            "pollMinutes",
            &self.poll_minutes,
            &d.poll_minutes,
            kept,
        );
        put(
            &mut out,
            "notifyVerdict",
            &self.notify_verdict,
            &d.notify_verdict,
            kept,
        );
        put(
            &mut out,
            "notifyDeletions",
            &self.notify_deletions,
            &d.notify_deletions,
            kept,
        );
        let mut instances: Vec<Value> = self.instances.iter().map(Instance::to_value).collect();
        instances.extend(self.unreadable.iter().cloned());
        out.insert("instances".into(), Value::Array(instances));
        Value::Object(out)
    }
}

impl Serialize for Instance {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Instance {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Instance::from_value(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Settings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Settings {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Settings::from_value(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// The state of one instance at one moment: what the popup shows and the background
/// worker judges. Built by the worker's check (`extension/snapshot.js`, from the results
/// of the `msr-lens` npm package); no secret in it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Snapshot {
    /// The instance it belongs to.
    pub instance_id: String,
    /// When the check ended (epoch milliseconds).
    pub checked_at: i64,
    /// `healthy`, `degraded`, `down` or `unknown`.
    pub verdict: String,
    /// How many replicas or critical issues need attention (the badge number).
    pub attention: u32,
    /// The reasons behind the verdict, most severe first.
    pub reasons: Vec<ReasonView>,
    /// One row per ping.
    pub pings: Vec<PingView>,
    /// One row per replica of `cluster_status`.
    pub replicas: Vec<ReplicaView>,
    /// Current RethinkDB issues.
    pub issues: Vec<IssueView>,
    /// Whether garbage collection runs.
    pub gc_running: bool,
    /// Whether `cluster_status` was read.
    pub cluster_read: bool,
    /// nginx figures, when read.
    pub nginx: Option<NginxView>,
    /// The replicas MSR's settings list (admins only; absent in older snapshots): the
    /// report's `discovery` as is.
    pub discovery: Option<ReplicaDiscovery>,
    /// The job runner's workers, jobs and crons (admins only).
    pub job_runner: Option<JobRunnerView>,
    /// MSR 3.1's metrics (none on MSR 2.9: a `metricsNotAvailable` reason says so): the
    /// report's `metrics` as is.
    pub metrics: Option<MetricsSummary>,
    /// Specific, human explanations of what could not be checked.
    pub problems: Vec<Problem>,
    /// The latest trust events.
    pub trust: TrustView,
    /// The health part is new, the trust events are still from the previous check.
    pub pending_trust: bool,
}

/// A value of one of the core's enums as a snapshot stored it: the core's value, or its
/// text when this build does not know it (a snapshot stored by a newer version), which
/// loads and is shown as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Known<T> {
    /// A value this build knows.
    Known(T),
    /// Text this build does not know (empty when absent).
    Text(String),
}

impl<T> Default for Known<T> {
    fn default() -> Self {
        Known::Text(String::new())
    }
}

impl<T: Copy + PartialEq + Serialize> Known<T> {
    /// The value, when this build knows it.
    pub fn known(&self) -> Option<T> {
        match self {
            Known::Known(v) => Some(*v),
            Known::Text(_) => None,
        }
    }

    /// Whether it is `value`.
    pub fn is(&self, value: T) -> bool {
        self.known() == Some(value)
    }

    /// The value `text` stands for (as a snapshot stores it), or the text.
    pub fn parse(text: &str) -> Self
    where
        T: serde::de::DeserializeOwned,
    {
        serde_json::from_value(serde_json::Value::String(text.to_string()))
            .unwrap_or_else(|_| Known::Text(text.to_string()))
    }

    /// Its text as stored (`clusterUnavailable`, `degraded`).
    pub fn text(&self) -> String {
        match self {
            Known::Known(v) => serde_json::to_value(v)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            Known::Text(t) => t.clone(),
        }
    }
}

/// One reason of the verdict: the core's `Reason` as a snapshot stores it.
///
/// Not the core's `Reason` itself: its `code` and `severity` are the core's
/// [`ReasonCode`] and [`Severity`] or their text ([`Known`]), so a snapshot with a code
/// this build does not know (stored by a newer version) still loads; and every field
/// has a default (the core's type keeps them required, and its TypeScript declaration).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReasonView {
    /// `info`, `unknown`, `degraded` or `down`.
    pub severity: Known<Severity>,
    /// The core's reason code (camelCase).
    pub code: Known<ReasonCode>,
    /// What it is about.
    pub subject: Option<String>,
    /// A sentence.
    pub message: String,
}

/// One ping row.
///
/// Not the core's `PingEntry`: the worker words `detail` from its why, status and excerpt.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PingView {
    /// The replica label (host:port) or `load balancer`.
    pub label: String,
    /// `healthy`, `unhealthy` or `unknown`.
    pub state: String,
    /// The reason or what arrived instead.
    pub detail: String,
}

/// One replica row from `cluster_status`.
///
/// Not the core's `ReplicaState`: `ok`, `stale` and `reason` are judged from its conditions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaView {
    /// The replica id.
    pub id: String,
    /// Whether nothing is wrong with it.
    pub ok: bool,
    /// Whether `replica_health` is `"OK"`.
    pub healthy: bool,
    /// When it last reported (epoch milliseconds), when that is a time.
    pub last_seen: Option<i64>,
    /// The raw `replica_timestamp` text when it is not a time.
    pub last_seen_raw: Option<String>,
    /// Whether the last report is too old.
    pub stale: bool,
    /// Read-only mode.
    pub read_only: bool,
    /// Why it is not OK (empty when OK).
    pub reason: String,
}

/// One RethinkDB issue.
///
/// Not the core's `Issue`: that one flattens in every other field RethinkDB sent (`info`,
/// extras); the worker keeps only the four shown, `type` as `kind`, absent text as empty.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IssueView {
    /// Issue id.
    pub id: String,
    /// Issue type.
    pub kind: String,
    /// Critical?
    pub critical: bool,
    /// RethinkDB's description (server text: render as text only).
    pub description: String,
}

/// nginx figures.
///
/// Not the core's `NginxStatus`: the counters joined with the sample time and the rates
/// (`NginxRates`) measured against the previous snapshot.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NginxView {
    /// When read (epoch milliseconds).
    pub at: i64,
    /// Active connections.
    pub active: u64,
    /// Accepted connections (counter).
    pub accepts: u64,
    /// Handled connections (counter).
    pub handled: u64,
    /// Requests (counter).
    pub requests: u64,
    /// Reading.
    pub reading: u64,
    /// Writing.
    pub writing: u64,
    /// Waiting.
    pub waiting: u64,
    /// Requests per second since the previous sample.
    pub requests_per_sec: Option<f64>,
    /// Connections dropped since the previous sample.
    pub dropped: Option<u64>,
}

/// The job runner part of a snapshot.
///
/// Not the core's `JobRunnerSummary`: workers with a judged state, a failed count, and only
/// the first few failed jobs and cron runs (those are the core's).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobRunnerView {
    /// The workers.
    pub workers: Vec<WorkerView>,
    /// The window failed jobs are counted in, seconds.
    pub window_secs: u64,
    /// How many jobs failed in the window.
    pub failed_count: u32,
    /// The newest of them (a few), as the report lists them.
    pub failed: Vec<FailedJob>,
    /// The job waiting longest to run, if any, as the report has it.
    pub oldest_waiting: Option<WaitingJob>,
    /// Jobs waiting.
    pub waiting: u32,
    /// Jobs running.
    pub running: u32,
    /// The next cron runs, soonest first, as the report lists them (a few).
    pub next_crons: Vec<CronRun>,
}

/// One job runner worker.
///
/// Not the core's `Worker`: `state` is judged from the report's reasons.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkerView {
    /// The worker (replica) id.
    pub id: String,
    /// MSR's status word (server text).
    pub status: String,
    /// `ok`, `dead` or `expired` (its heartbeat ran out).
    pub state: String,
}

/// A specific, human explanation of a failure.
///
/// Not a core type: the worker words it from the package's errors.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Problem {
    /// What it is about: `connection`, `cluster`, `trust`, `nginx`, `config`.
    pub area: String,
    /// A stable kind: `unreachable`, `loginPage`, `notAdmin`, `wrongPassword`,
    /// `noAccess`, `notSignedIn`, `unavailable`, `checkFailed`, `badResponse`, ...
    pub kind: String,
    /// The sentence shown to the user.
    pub message: String,
}

/// The trust audit part of a snapshot.
///
/// Not a core type: the events the popup shows and whether the feed was read.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrustView {
    /// Latest events, newest first.
    pub events: Vec<TrustEvent>,
    /// Whether the feed was read.
    pub read: bool,
}

/// One notary changefeed record.
///
/// Not the core's changefeed `Record`: adds `repository` (the GUN without the registry host),
/// and `sha256` is empty text for a deletion (the UI builds these too, from pages it reads).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrustEvent {
    /// The opaque record id.
    pub id: String,
    /// The GUN (`<host>/<namespace>/<repo>`).
    pub gun: String,
    /// The GUN without the registry host.
    pub repository: String,
    /// The version (0 for a deletion).
    pub version: i64,
    /// `update` or `deletion`.
    pub category: String,
    /// When (epoch milliseconds), when the time parses.
    pub created_at: Option<i64>,
    /// The raw `CreatedAt`.
    pub created_raw: String,
    /// The timestamp.json checksum (empty for a deletion).
    pub sha256: String,
}

/// One point of the 24 h history kept by the background worker.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HistoryPoint {
    /// When (epoch milliseconds).
    pub t: i64,
    /// The verdict.
    pub verdict: String,
    /// Requests per second, when known.
    pub rps: Option<f64>,
    /// Active connections, when known.
    pub active: Option<u64>,
    /// Why the verdict is not healthy (the first problem or reason), when it is not.
    pub reason: Option<String>,
}

/// One hour of checks in the 7-day history kept by the background worker.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Bucket {
    /// The hour's start (epoch milliseconds).
    pub t: i64,
    /// The worst verdict of the hour.
    pub verdict: String,
    /// Checks in the hour.
    pub checks: u32,
    /// Of them healthy.
    pub healthy: u32,
    /// Why the worst check was not healthy, when known.
    pub reason: Option<String>,
}

/// One line of "Test connection".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckLine {
    /// What was checked.
    pub name: String,
    /// `pass`, `fail`, `warn` or `skip`.
    pub outcome: String,
    /// The details.
    pub detail: String,
}

impl Snapshot {
    /// Parse a stored snapshot; `None` for anything unreadable.
    pub fn from_json(text: &str) -> Option<Snapshot> {
        serde_json::from_str(text).ok()
    }
}

impl Instance {
    /// Whether it signs in (has a user name) but has no secret to do it with: not
    /// remembered on this device and not entered in this browser session (`session`: the
    /// ids with a session secret; the browser drops them on restart).
    pub fn secret_missing(&self, session: &std::collections::BTreeSet<String>) -> bool {
        let remembered = self.remember && self.secret.as_deref().is_some_and(|s| !s.is_empty());
        let signs_in = !self.username.is_empty();
        signs_in && !remembered && !session.contains(&self.id)
    }

    /// The registry host of the origin (`host:port` without the scheme), used to shorten
    /// GUNs; empty when the origin does not parse.
    pub fn registry_host(&self) -> String {
        msr_lens_core::Origin::parse(&self.origin)
            .map(|o| o.authority().to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_not_serialized_unless_present_and_old_settings_load() {
        let instance = Instance {
            id: "a".into(),
            origin: "https://msr.example.org".into(),
            ..Instance::default()
        };
        let json = serde_json::to_string(&instance).unwrap();
        assert!(!json.contains("secret\""), "{json}");
        let settings: Settings = serde_json::from_str(r#"{"instances":[{"id":"x"}]}"#).unwrap();
        assert_eq!(settings.poll_minutes, 1);
        assert_eq!(settings.instances[0].secret_kind, SecretKind::Token);
        assert!(Snapshot::from_json("not json").is_none());
    }

    #[test]
    fn snapshots_without_the_admin_parts_still_load() {
        let old = Snapshot::from_json(r#"{"instanceId":"a","verdict":"healthy","nginx":null}"#)
            .expect("an older snapshot loads");
        assert_eq!(old.job_runner, None);
        assert_eq!(old.metrics, None);
        assert_eq!(old.discovery, None);
        let new = Snapshot::from_json(
            r#"{"instanceId":"a","jobRunner":{"workers":[{"id":"w","status":"dead","state":"dead"}],
                "failedCount":2,"oldestWaiting":{"action":"scan","ageSecs":700},"nextCrons":[{"action":"onlinegc","at":5}]},
                "metrics":{"repositories":82,"pullsPerMin":null},
                "discovery":{"replicas":[{"id":"r1","pingUrl":"https://n:8443"}]}}"#,
        )
        .expect("a new snapshot loads");
        let jobs = new.job_runner.unwrap();
        assert_eq!(jobs.workers[0].state, "dead");
        assert_eq!(jobs.failed_count, 2);
        assert_eq!(jobs.oldest_waiting.unwrap().age_secs, 700);
        assert_eq!(jobs.next_crons[0].at.as_millis(), 5);
        assert_eq!(new.metrics.unwrap().repositories, Some(82.0));
        assert_eq!(
            new.discovery.unwrap().replicas[0].ping_url.as_deref(),
            Some("https://n:8443")
        );
    }

    /// Reasons read back as the core's codes and severities; one a newer version stored
    /// (a code or severity this build does not know) still loads, keeps its text and is
    /// written back as it was; an absent code is empty text.
    #[test]
    fn reasons_read_the_core_codes_and_keep_unknown_ones_as_text() {
        let s = Snapshot::from_json(
            r#"{"instanceId":"a","verdict":"degraded","reasons":[
                {"severity":"degraded","code":"tablesReplicasNotReady","subject":"a, b","message":"m"},
                {"severity":"critical","code":"somethingNewer","subject":null,"message":"n"},
                {"message":"o"}]}"#,
        )
        .expect("a snapshot with an unknown code loads");
        let [known, newer, bare] = &s.reasons[..] else {
            panic!("three reasons: {:?}", s.reasons);
        };
        assert!(known.code.is(ReasonCode::TablesReplicasNotReady));
        assert_eq!(known.severity.known(), Some(Severity::Degraded));
        assert_eq!(
            (known.code.text(), known.severity.text()),
            ("tablesReplicasNotReady".to_string(), "degraded".to_string())
        );
        assert_eq!(newer.code, Known::Text("somethingNewer".into()));
        assert_eq!(newer.severity, Known::Text("critical".into()));
        assert_eq!(newer.code.known(), None);
        assert_eq!(
            (bare.code.text(), bare.severity.text()),
            (String::new(), String::new())
        );
        assert_eq!(
            serde_json::to_value(newer).unwrap(),
            serde_json::json!({"severity":"critical","code":"somethingNewer","subject":null,"message":"n"})
        );
        assert_eq!(
            serde_json::to_value(known).unwrap()["code"],
            "tablesReplicasNotReady"
        );
        assert_eq!(
            Known::<ReasonCode>::parse("issue"),
            Known::Known(ReasonCode::Issue)
        );
        assert_eq!(
            Known::<ReasonCode>::parse("Issue"),
            Known::Text("Issue".into())
        );
    }

    /// A snapshot as the worker stored it before it kept the core's values as they are
    /// (only the fields the popup showed, and a NaN total stored as `null`) still loads,
    /// and one with the core's full values reads them all.
    #[test]
    fn snapshots_stored_before_the_core_types_and_after_load() {
        let old = Snapshot::from_json(
            r#"{"instanceId":"a","verdict":"degraded",
                "jobRunner":{"workers":[],"windowSecs":3600,"failedCount":1,
                  "failed":[{"id":"j1","action":"scan","at":1000}],
                  "oldestWaiting":{"action":"onlinegc","ageSecs":900},"waiting":1,"running":0,
                  "nextCrons":[{"action":"gc","at":2000}]},
                "metrics":{"repositories":3,"pullsTotal":10,"pushesTotal":null,"pullsPerMin":1.5,"pushesPerMin":null},
                "discovery":{"replicas":[{"id":"r1","pingUrl":"https://n1:8443"}]}}"#,
        )
        .expect("an older snapshot loads");
        let jobs = old.job_runner.unwrap();
        assert_eq!(
            (jobs.failed[0].id.as_str(), jobs.failed[0].action.as_str()),
            ("j1", "scan")
        );
        assert_eq!(jobs.failed[0].at.as_millis(), 1000);
        let waiting = jobs.oldest_waiting.unwrap();
        assert_eq!(
            (waiting.action.as_str(), waiting.age_secs),
            ("onlinegc", 900)
        );
        let metrics = old.metrics.unwrap();
        assert_eq!(
            (
                metrics.pulls_total,
                metrics.pushes_total,
                metrics.pulls_per_min
            ),
            (Some(10.0), None, Some(1.5))
        );
        assert!(metrics.key_series.is_empty());
        let new = Snapshot::from_json(
            r#"{"instanceId":"a","jobRunner":{"failed":[{"id":"j","action":"scan","status":"error","workerId":"w","at":5}],
                "oldestWaiting":{"id":"q","action":"gc","scheduledAt":1,"ageSecs":2,"ageIsLowerBound":true}},
                "metrics":{"samples":4,"repositories":3,"pullsTotal":null,"pushesTotal":null,"pullsPerMin":null,
                  "pushesPerMin":null,"keySeries":[{"name":"r","kind":"gauge","total":null,"samples":1}],
                  "sample":{"at":7,"pulls":null,"pushes":2}},
                "discovery":{"dtrHost":"h","replicaId":"r1","replicas":[{"id":"r1","node":"n1","httpPort":80,
                  "httpsPort":8443,"httpsUrl":"https://n1:8443","httpUrl":"http://n1","pingUrl":null,"pinged":false}]}}"#,
        )
        .expect("a snapshot with the core's values loads");
        let jobs = new.job_runner.unwrap();
        assert_eq!(jobs.failed[0].worker_id, "w");
        let waiting = jobs.oldest_waiting.unwrap();
        assert_eq!(waiting.scheduled_at.as_millis(), 1);
        assert!(waiting.age_is_lower_bound);
        let metrics = new.metrics.unwrap();
        assert_eq!((metrics.samples, metrics.sample.pushes), (4, Some(2.0)));
        assert!(metrics.key_series[0].total.is_nan());
        let discovery = new.discovery.unwrap();
        assert_eq!(discovery.replicas[0].https_port, Some(8443));
        assert_eq!(discovery.replicas[0].ping_url, None);
    }

    #[test]
    fn registry_host_keeps_the_port() {
        let instance = Instance {
            origin: "https://127.0.0.1:8443".into(),
            ..Instance::default()
        };
        assert_eq!(instance.registry_host(), "127.0.0.1:8443");
    }

    /// Every field of `stored` is in `out` with the same value (recursively into the
    /// instances; fields with defaults may be added).
    fn assert_keeps(out: &Value, stored: &Value) {
        let (Value::Object(out), Value::Object(stored)) = (out, stored) else {
            return assert_eq!(out, stored);
        };
        for (key, value) in stored {
            if key == "instances" {
                let (Some(o), Some(s)) = (out[key].as_array(), value.as_array()) else {
                    panic!("instances: {:?}", out.get(key));
                };
                assert_eq!(o.len(), s.len(), "{o:?}");
                for (o, s) in o.iter().zip(s) {
                    assert_keeps(o, s);
                }
            } else {
                assert_eq!(out.get(key), Some(value), "{key}");
            }
        }
    }

    /// Stored settings that this version reads only in part: the readable instances
    /// load, and everything else is written back exactly as it was stored.
    #[test]
    fn odd_settings_load_tolerantly_and_are_written_back_unchanged() {
        let stored = serde_json::json!({
            "pollMinutes": 5,
            "theme": {"dark": true},
            "instances": [
                {"id": "good", "name": "Good", "origin": "https://a.example.org",
                 "replicas": ["https://r1.example.org", {"label": "r2", "url": "https://r2.example.org"}, 42],
                 "secretKind": "sso", "remember": "yes", "future": [1, 2]},
                {"id": "plain", "name": "Plain", "origin": "https://b.example.org", "secretKind": "password"},
                "not an instance",
                {"id": 7, "name": "numeric id"}
            ]
        });
        let settings = Settings::from_value(stored.clone()).expect("readable in part");
        assert_eq!(settings.instances.len(), 2);
        assert_eq!(settings.poll_minutes, 5);
        assert_eq!(
            settings.unreadable,
            vec![
                stored["instances"][2].clone(),
                stored["instances"][3].clone()
            ]
        );
        let good = &settings.instances[0];
        assert_eq!(good.origin, "https://a.example.org");
        assert_eq!(
            good.replicas,
            vec!["https://r1.example.org", "https://r2.example.org"]
        );
        assert_eq!(good.secret_kind, SecretKind::Token);
        assert!(!good.remember);
        assert_eq!(good.kept["secretKind"], "sso");
        assert_eq!(good.extras["future"], serde_json::json!([1, 2]));
        assert_eq!(
            good.unread_fields(),
            vec!["remember", "secretKind", "replicas"]
        );
        assert_eq!(settings.instances[1].secret_kind, SecretKind::Password);
        // Unchanged, it is written back exactly as stored.
        assert_keeps(&settings.to_value(), &stored);
        let text = serde_json::to_string(&settings).unwrap();
        assert_keeps(&serde_json::from_str::<Value>(&text).unwrap(), &stored);
        assert_eq!(Settings::from_json(&text).unwrap(), settings);
        // An edit of the good instance keeps the rest, and a set field wins over a kept one.
        let mut edited = settings.clone();
        edited.instances[0].name = "Renamed".into();
        edited.instances[0].remember = true;
        edited.instances[0]
            .replicas
            .push("https://r3.example.org".into());
        let out = edited.to_value();
        assert_eq!(out["instances"][0]["name"], "Renamed");
        assert_eq!(out["instances"][0]["remember"], true);
        assert_eq!(out["instances"][0]["secretKind"], "sso");
        assert_eq!(out["instances"][0]["future"], serde_json::json!([1, 2]));
        assert_eq!(
            out["instances"][0]["replicas"],
            serde_json::json!(["https://r1.example.org", {"label": "r2", "url": "https://r2.example.org"}, "https://r3.example.org", 42])
        );
        assert_keeps(&out["instances"][1], &stored["instances"][1]);
        assert_eq!(out["instances"][2], stored["instances"][2]);
        assert_eq!(out["instances"][3], stored["instances"][3]);
        assert_eq!(out["theme"], stored["theme"]);
        // A replica removed in the form is gone, its stored form with it.
        let mut fewer = settings.clone();
        fewer.instances[0]
            .replicas
            .retain(|r| r != "https://r2.example.org");
        assert_eq!(
            fewer.to_value()["instances"][0]["replicas"],
            serde_json::json!(["https://r1.example.org", 42])
        );
    }

    /// A bad settings-level field takes its default and is kept; settings that are not an
    /// object (or whose instances are not a list) are an error, not empty settings.
    #[test]
    fn unreadable_settings_are_an_error_not_defaults() {
        let stored =
            serde_json::json!({"pollMinutes": "often", "notifyVerdict": false, "instances": []});
        let settings = Settings::from_value(stored.clone()).unwrap();
        assert_eq!((settings.poll_minutes, settings.notify_verdict), (1, false));
        assert_keeps(&settings.to_value(), &stored);
        let mut edited = settings.clone();
        edited.poll_minutes = 10;
        assert_eq!(edited.to_value()["pollMinutes"], 10);
        assert_eq!(
            Settings::from_json("[1, 2]"),
            Err(SettingsError::NotAnObject("a list"))
        );
        assert_eq!(
            Settings::from_json("\"text\""),
            Err(SettingsError::NotAnObject("text"))
        );
        assert_eq!(
            Settings::from_json(r#"{"instances": {"a": {}}}"#),
            Err(SettingsError::InstancesNotAList("an object"))
        );
        assert!(
            SettingsError::NotAnObject("a list")
                .to_string()
                .contains("cannot be read by this version")
        );
        // serde's own entry points agree: no silent defaults.
        assert!(serde_json::from_str::<Settings>("[1]").is_err());
        assert_eq!(Settings::from_json("{}").unwrap(), Settings::default());
    }

    /// A replica stored as `{label, url}` reads as its address and is written back as
    /// the object; a fresh instance writes plain addresses.
    #[test]
    fn labelled_replicas_keep_their_form() {
        let stored = serde_json::json!({"id": "a", "replicas": [{"label": "east", "url": "https://e:8443", "note": "x"}]});
        let instance = Instance::from_value(stored.clone()).unwrap();
        assert_eq!(instance.replicas, vec!["https://e:8443"]);
        assert!(instance.unread_fields().is_empty());
        assert_eq!(instance.to_value()["replicas"], stored["replicas"]);
        let fresh = Instance {
            id: "b".into(),
            replicas: vec!["https://f".into()],
            ..Instance::default()
        };
        assert_eq!(
            fresh.to_value()["replicas"],
            serde_json::json!(["https://f"])
        );
        assert!(Instance::from_value(serde_json::json!(null)).is_err());
    }
}
