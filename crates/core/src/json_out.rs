//! A small JSON writer for the values the npm package hands to JavaScript.
//!
//! The package turns every report into JSON text and `JSON.parse`s it on the JavaScript
//! side. Going through serde's `Serialize` and `serde_json` for that brings serde's
//! serializer machinery, one copy per type, into the package's WebAssembly; this module
//! writes the same text by hand with one non-generic [`JsonWriter`].
//!
//! The output is what `serde_json::to_string` writes for the same value (same keys in the
//! same order, same string escapes, same integers), with one difference that JavaScript
//! cannot see: a float is written as its exact decimal value (`0.1` as
//! `0.1000000000000000055511151231257827021181583404541015625`) instead of the shortest
//! text that reads back as it, which would need a float-formatting algorithm and its
//! tables. Both read back as the same `f64` (also where ECMAScript lets `JSON.parse` round
//! after the 20th significant digit: that error is far below half a unit in the last
//! place); like serde_json's, a float always has a fraction (`20.0`), and a NaN or an
//! infinity is `null`.
//!
//! Every type the package hands to JavaScript implements [`ToJson`]; the derived
//! `Serialize` impls stay (the UI and the simulator use them) and are the reference the
//! tests compare with.
//!
//! ```
//! use msr_lens_core::health::NginxStatus;
//! use msr_lens_core::json_out::{JsonWriter, ToJson};
//!
//! let status = NginxStatus { active: 3, ..NginxStatus::default() };
//! assert_eq!(
//!     status.to_json(),
//!     r#"{"active":3,"accepts":0,"handled":0,"requests":0,"reading":0,"writing":0,"waiting":0}"#
//! );
//!
//! let mut w = JsonWriter::new();
//! w.begin_object();
//! w.field("say", "\"hi\"\n");
//! w.field("rate", &0.5);
//! w.end_object();
//! assert_eq!(w.finish(), r#"{"say":"\"hi\"\n","rate":0.5}"#);
//! ```

use crate::Timestamp;
use crate::auth::Grant;
use crate::changefeed::{ChangeId, Feed, FollowFrom, Gun, Halt, Mode, Progress, Status};
use crate::health::report::PingEntry;
use crate::health::{
    ClusterStatus, HealthReport, Issue, NginxRates, NginxStatus, PingVerdict, Reason, ReasonCode,
    ReplicaCondition, ReplicaState, ReplicaTimestamp, RethinkSystemTables, ServerStatus, Severity,
    TableStatus, UnknownWhy, Verdict,
};
use crate::json::{Json, JsonObject};
use crate::text::push_digits;

/// Writes one JSON text: call the methods in document order, then [`JsonWriter::finish`].
///
/// The writer puts the commas and colons; it does not check that the calls make a valid
/// document (a key outside an object, an unclosed array): the [`ToJson`] impls do.
#[derive(Debug, Default)]
pub struct JsonWriter {
    out: String,
    /// The next value or key of the current object or array needs a comma before it.
    comma: bool,
}

/// A value that can be written as JSON: the same JSON `serde_json` writes for it.
pub trait ToJson {
    /// Write this value.
    fn write_json(&self, w: &mut JsonWriter);

    /// This value as JSON text.
    fn to_json(&self) -> String {
        let mut w = JsonWriter::new();
        self.write_json(&mut w);
        w.finish()
    }
}

/// A value written as a JSON object whose fields can also be written into another object
/// (what serde's `#[serde(flatten)]` does).
pub trait JsonFields {
    /// Write the fields (keys and values) without the braces.
    fn write_fields(&self, w: &mut JsonWriter);
}

impl JsonWriter {
    /// An empty writer.
    pub fn new() -> Self {
        JsonWriter::default()
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.out
    }

    fn separate(&mut self) {
        if self.comma {
            self.out.push(',');
        }
    }

    fn open(&mut self, bracket: char) {
        self.separate();
        self.out.push(bracket);
        self.comma = false;
    }

    fn close(&mut self, bracket: char) {
        self.out.push(bracket);
        self.comma = true;
    }

    /// `{`
    pub fn begin_object(&mut self) {
        self.open('{');
    }

    /// `}`
    pub fn end_object(&mut self) {
        self.close('}');
    }

    /// `[`
    pub fn begin_array(&mut self) {
        self.open('[');
    }

    /// `]`
    pub fn end_array(&mut self) {
        self.close(']');
    }

    /// The key of the next member of an object.
    pub fn key(&mut self, key: &str) {
        self.separate();
        push_string(&mut self.out, key);
        self.out.push(':');
        self.comma = false;
    }

    /// A member of an object: [`JsonWriter::key`], then the value.
    pub fn field(&mut self, key: &str, value: &(impl ToJson + ?Sized)) {
        self.key(key);
        value.write_json(self);
    }

    /// A value's text, already JSON.
    fn raw(&mut self, text: &str) {
        self.separate();
        self.out.push_str(text);
        self.comma = true;
    }

    /// A string, escaped as `serde_json` escapes it.
    pub fn string(&mut self, text: &str) {
        self.separate();
        push_string(&mut self.out, text);
        self.comma = true;
    }

    /// `true` or `false`.
    pub fn bool(&mut self, value: bool) {
        self.raw(if value { "true" } else { "false" });
    }

    /// `null`.
    pub fn null(&mut self) {
        self.raw("null");
    }

    /// An unsigned integer.
    pub fn u64(&mut self, value: u64) {
        self.separate();
        push_digits(&mut self.out, value, 1);
        self.comma = true;
    }

    /// A signed integer.
    pub fn i64(&mut self, value: i64) {
        self.separate();
        if value < 0 {
            self.out.push('-');
        }
        push_digits(&mut self.out, value.unsigned_abs(), 1);
        self.comma = true;
    }

    /// A float: its exact decimal value, always with a fraction (`2.0`); `null` for NaN
    /// and the infinities (as `serde_json` writes them).
    pub fn f64(&mut self, value: f64) {
        self.separate();
        push_f64(&mut self.out, value);
        self.comma = true;
    }
}

/// `text` as a JSON string: `"` and `\` escaped, the control characters U+0000–U+001F as
/// `\b \t \n \f \r` or `\u00xx` (lower-case hex), everything else as it is (like
/// `serde_json`).
fn push_string(out: &mut String, text: &str) {
    out.push('"');
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "\\u00",
            _ => continue,
        };
        // `i` is at an ASCII byte, so on a char boundary.
        out.push_str(text.get(start..i).unwrap_or_default());
        out.push_str(escape);
        if escape == "\\u00" {
            out.push(char::from(b'0' + (byte >> 4)));
            let low = byte & 0xf;
            out.push(char::from(if low < 10 {
                b'0' + low
            } else {
                b'a' + low - 10
            }));
        }
        start = i + 1;
    }
    out.push_str(text.get(start..).unwrap_or_default());
    out.push('"');
}

/// The exact decimal value of `value` (every finite `f64` is a finite decimal), so that
/// any correct reader gets the same `f64` back.
fn push_f64(out: &mut String, value: f64) {
    const LIMB: u64 = 1_000_000_000;
    if !value.is_finite() {
        out.push_str("null");
        return;
    }
    if value.is_sign_negative() {
        out.push('-');
    }
    let bits = value.to_bits();
    let biased = (bits >> 52) & 0x7ff;
    let fraction = bits & ((1 << 52) - 1);
    // value = mantissa × 2^exponent
    let (mut mantissa, mut exponent) = if biased == 0 {
        (fraction, -1074i32)
    } else {
        (fraction | 1 << 52, biased as i32 - 1075)
    };
    if mantissa == 0 {
        out.push_str("0.0");
        return;
    }
    let zeros = mantissa.trailing_zeros();
    mantissa >>= zeros;
    exponent += zeros as i32;
    // mantissa × 2^e is an integer; mantissa × 2^-e = mantissa × 5^e / 10^e. The big
    // integer is kept in base-10^9 limbs, least significant first.
    let (factor, mut count) = if exponent >= 0 {
        (2u64, exponent.unsigned_abs())
    } else {
        (5u64, exponent.unsigned_abs())
    };
    let point = if exponent < 0 { count as usize } else { 0 };
    let mut limbs = vec![mantissa % LIMB, mantissa / LIMB];
    while count > 0 {
        // 5^13 < 2^32, so a limb times it plus a carry fits in a u64.
        let step = count.min(13);
        let multiplier = factor.pow(step);
        let mut carry = 0;
        for limb in &mut limbs {
            let product = *limb * multiplier + carry;
            *limb = product % LIMB;
            carry = product / LIMB;
        }
        while carry > 0 {
            limbs.push(carry % LIMB);
            carry /= LIMB;
        }
        count -= step;
    }
    let mut digits = String::new();
    for limb in limbs.iter().rev().skip_while(|limb| **limb == 0) {
        let width = if digits.is_empty() { 1 } else { 9 };
        push_digits(&mut digits, *limb, width);
    }
    // `digits` is ASCII with no leading zero; the last `point` digits are the fraction
    // (which then ends in 5, so it has no trailing zero).
    let len = digits.len();
    if len > point {
        out.push_str(digits.get(..len - point).unwrap_or_default());
        out.push('.');
        if point == 0 {
            out.push('0');
        }
        out.push_str(digits.get(len - point..).unwrap_or_default());
    } else {
        out.push_str("0.");
        for _ in len..point {
            out.push('0');
        }
        out.push_str(&digits);
    }
}

// ---------------------------------------------------------------- std and json

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, w: &mut JsonWriter) {
        (**self).write_json(w);
    }
}

impl ToJson for str {
    fn write_json(&self, w: &mut JsonWriter) {
        w.string(self);
    }
}

impl ToJson for String {
    fn write_json(&self, w: &mut JsonWriter) {
        w.string(self);
    }
}

impl ToJson for bool {
    fn write_json(&self, w: &mut JsonWriter) {
        w.bool(*self);
    }
}

impl ToJson for u16 {
    fn write_json(&self, w: &mut JsonWriter) {
        w.u64(u64::from(*self));
    }
}

impl ToJson for u32 {
    fn write_json(&self, w: &mut JsonWriter) {
        w.u64(u64::from(*self));
    }
}

impl ToJson for u64 {
    fn write_json(&self, w: &mut JsonWriter) {
        w.u64(*self);
    }
}

impl ToJson for i64 {
    fn write_json(&self, w: &mut JsonWriter) {
        w.i64(*self);
    }
}

impl ToJson for f64 {
    fn write_json(&self, w: &mut JsonWriter) {
        w.f64(*self);
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, w: &mut JsonWriter) {
        match self {
            Some(value) => value.write_json(w),
            None => w.null(),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_array();
        for item in self {
            item.write_json(w);
        }
        w.end_array();
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, w: &mut JsonWriter) {
        self.as_slice().write_json(w);
    }
}

impl ToJson for Json {
    /// As the same `serde_json::Value` (integers exact, object keys sorted and once each).
    fn write_json(&self, w: &mut JsonWriter) {
        match self {
            Json::Null => w.null(),
            Json::Bool(value) => w.bool(*value),
            Json::U64(value) => w.u64(*value),
            Json::I64(value) => w.i64(*value),
            Json::F64(value) => w.f64(*value),
            Json::String(text) => w.string(text),
            Json::Array(items) => items.write_json(w),
            Json::Object(object) => object.write_json(w),
        }
    }
}

impl ToJson for JsonObject {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        for (key, value) in self.iter() {
            w.field(key, value);
        }
        w.end_object();
    }
}

impl ToJson for Timestamp {
    /// Epoch milliseconds, as its `Serialize` impl.
    fn write_json(&self, w: &mut JsonWriter) {
        w.i64(self.as_millis());
    }
}

/// Unit variants written as their (camelCase) names.
macro_rules! names {
    ($($ty:ty { $($variant:ident => $name:literal,)* })*) => {$(
        impl ToJson for $ty {
            fn write_json(&self, w: &mut JsonWriter) {
                w.string(match self {
                    $(<$ty>::$variant => $name,)*
                });
            }
        }
    )*};
}

names! {
    UnknownWhy {
        NoAnswer => "noAnswer",
        Gateway => "gateway",
        AuthRequired => "authRequired",
        Redirected => "redirected",
        Html => "html",
        NotPingJson => "notPingJson",
        UnexpectedStatus => "unexpectedStatus",
    }
    Verdict {
        Healthy => "healthy",
        Degraded => "degraded",
        Down => "down",
        Unknown => "unknown",
    }
    Severity {
        Info => "info",
        Unknown => "unknown",
        Degraded => "degraded",
        Down => "down",
    }
    ReasonCode {
        AllReplicasDown => "allReplicasDown",
        NoData => "noData",
        Inconclusive => "inconclusive",
        PingUnhealthy => "pingUnhealthy",
        PingUnreachable => "pingUnreachable",
        PingUnknown => "pingUnknown",
        ReplicaUnhealthy => "replicaUnhealthy",
        ReplicaHealthUnknown => "replicaHealthUnknown",
        ReplicaStale => "replicaStale",
        ReplicaTimestampUnknown => "replicaTimestampUnknown",
        ReplicaReadOnly => "replicaReadOnly",
        CriticalIssue => "criticalIssue",
        Issue => "issue",
        TablesNotWritable => "tablesNotWritable",
        TablesReplicasNotReady => "tablesReplicasNotReady",
        GcRunning => "gcRunning",
        ClusterNotSignedIn => "clusterNotSignedIn",
        ClusterNotAdmin => "clusterNotAdmin",
        ClusterCheckFailed => "clusterCheckFailed",
        ClusterUnavailable => "clusterUnavailable",
        ClusterWarnings => "clusterWarnings",
        NginxDropping => "nginxDropping",
        NginxDroppedSinceStart => "nginxDroppedSinceStart",
        NginxRestarted => "nginxRestarted",
        NginxNotAvailable => "nginxNotAvailable",
        NginxUnavailable => "nginxUnavailable",
    }
    Halt {
        Unauthenticated => "unauthenticated",
        NoAccess => "noAccess",
        Error => "error",
        CursorVanished => "cursorVanished",
    }
    FollowFrom {
        Start => "start",
        Latest => "latest",
    }
}

// ---------------------------------------------------------------- health

impl JsonFields for PingVerdict {
    /// Internally tagged by `state`.
    fn write_fields(&self, w: &mut JsonWriter) {
        match self {
            PingVerdict::Healthy => w.field("state", "healthy"),
            PingVerdict::Unhealthy { reason } => {
                w.field("state", "unhealthy");
                w.field("reason", reason);
            }
            PingVerdict::Unknown {
                status,
                excerpt,
                why,
            } => {
                w.field("state", "unknown");
                w.field("status", status);
                w.field("excerpt", excerpt);
                w.field("why", why);
            }
        }
    }
}

impl ToJson for PingVerdict {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        self.write_fields(w);
        w.end_object();
    }
}

impl ToJson for PingEntry {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("label", &self.label);
        self.verdict.write_fields(w);
        w.end_object();
    }
}

impl ToJson for NginxStatus {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("active", &self.active);
        w.field("accepts", &self.accepts);
        w.field("handled", &self.handled);
        w.field("requests", &self.requests);
        w.field("reading", &self.reading);
        w.field("writing", &self.writing);
        w.field("waiting", &self.waiting);
        w.end_object();
    }
}

impl ToJson for NginxRates {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("requestsPerSec", &self.requests_per_sec);
        w.field("acceptsPerSec", &self.accepts_per_sec);
        w.field("dropped", &self.dropped);
        w.field("elapsedMs", &self.elapsed_ms);
        w.field("reset", &self.reset);
        w.end_object();
    }
}

impl JsonFields for ClusterStatus {
    fn write_fields(&self, w: &mut JsonWriter) {
        w.field("rethinkSystemTables", &self.rethink_system_tables);
        w.field("currentIssues", &self.current_issues);
        // The replica maps are written entry by entry (in the map's order, sorted by id),
        // whatever map type holds them.
        w.key("replicaHealth");
        w.begin_object();
        for (id, health) in self.replica_health.iter() {
            w.field(id, health);
        }
        w.end_object();
        w.key("replicaTimestamp");
        w.begin_object();
        for (id, timestamp) in self.replica_timestamp.iter() {
            w.field(id, timestamp);
        }
        w.end_object();
        w.key("replicaReadonly");
        w.begin_object();
        for (id, read_only) in self.replica_readonly.iter() {
            w.field(id, read_only);
        }
        w.end_object();
        w.field("gcLockHolder", &self.gc_lock_holder);
        w.field("etcdStatus", &self.etcd_status);
        w.field("other", &self.other);
        w.field("warnings", &self.warnings);
    }
}

impl ToJson for ClusterStatus {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        self.write_fields(w);
        w.end_object();
    }
}

impl ToJson for RethinkSystemTables {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("currentIssues", &self.current_issues);
        w.field("serverStatus", &self.server_status);
        w.field("tableStatus", &self.table_status);
        w.field("other", &self.other);
        w.end_object();
    }
}

impl ToJson for Issue {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("id", &self.id);
        w.field("type", &self.kind);
        w.field("critical", &self.critical);
        w.field("description", &self.description);
        w.field("info", &self.info);
        w.field("other", &self.other);
        w.end_object();
    }
}

impl ToJson for ServerStatus {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("id", &self.id);
        w.field("name", &self.name);
        w.field("network", &self.network);
        w.field("process", &self.process);
        w.field("other", &self.other);
        w.end_object();
    }
}

impl ToJson for TableStatus {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("db", &self.db);
        w.field("name", &self.name);
        w.field("allReplicasReady", &self.all_replicas_ready);
        w.field("readyForWrites", &self.ready_for_writes);
        w.field("status", &self.status);
        w.field("shards", &self.shards);
        w.field("other", &self.other);
        w.end_object();
    }
}

impl ToJson for ReplicaTimestamp {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("raw", &self.raw);
        w.field("at", &self.at);
        w.end_object();
    }
}

impl ToJson for ReplicaState {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("id", &self.id);
        w.field("health", &self.health);
        w.field("lastSeen", &self.last_seen);
        w.field("readOnly", &self.read_only);
        w.field("conditions", &self.conditions);
        w.end_object();
    }
}

impl ToJson for ReplicaCondition {
    /// Internally tagged by `condition`.
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        match self {
            ReplicaCondition::Ok => w.field("condition", "ok"),
            ReplicaCondition::Unhealthy { reason } => {
                w.field("condition", "unhealthy");
                w.field("reason", reason);
            }
            ReplicaCondition::HealthUnknown => w.field("condition", "healthUnknown"),
            ReplicaCondition::Stale {
                last_seen,
                age_secs,
            } => {
                w.field("condition", "stale");
                w.field("lastSeen", last_seen);
                w.field("ageSecs", age_secs);
            }
            ReplicaCondition::TimestampUnknown { raw } => {
                w.field("condition", "timestampUnknown");
                w.field("raw", raw);
            }
            ReplicaCondition::ReadOnly => w.field("condition", "readOnly"),
        }
        w.end_object();
    }
}

impl ToJson for Reason {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("severity", &self.severity);
        w.field("code", &self.code);
        w.field("subject", &self.subject);
        w.field("message", &self.message);
        w.end_object();
    }
}

impl ToJson for HealthReport {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("verdict", &self.verdict);
        w.field("reasons", &self.reasons);
        w.field("checkedAt", &self.checked_at);
        w.field("pings", &self.pings);
        w.field("replicas", &self.replicas);
        w.field("issues", &self.issues);
        w.field("gcRunning", &self.gc_running);
        w.field("nginx", &self.nginx);
        w.field("nginxRates", &self.nginx_rates);
        w.end_object();
    }
}

// ---------------------------------------------------------------- auth

impl ToJson for Grant {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("type", &self.resource_type);
        w.field("name", &self.name);
        w.field("actions", &self.actions);
        w.end_object();
    }
}

// ---------------------------------------------------------------- changefeed

impl ToJson for ChangeId {
    fn write_json(&self, w: &mut JsonWriter) {
        w.string(self.as_str());
    }
}

impl ToJson for Gun {
    fn write_json(&self, w: &mut JsonWriter) {
        w.string(self.as_str());
    }
}

impl ToJson for Feed {
    /// Adjacently tagged: `{"kind":"global"}`, `{"kind":"repository","gun":"h/n/r"}`.
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        match self {
            Feed::Global => w.field("kind", "global"),
            Feed::Repository(gun) => {
                w.field("kind", "repository");
                w.field("gun", gun);
            }
        }
        w.end_object();
    }
}

impl ToJson for Mode {
    /// Externally tagged: `"backfill"`, `"newestFirst"`, `{"follow":"start"}`.
    fn write_json(&self, w: &mut JsonWriter) {
        match self {
            Mode::Backfill => w.string("backfill"),
            Mode::NewestFirst => w.string("newestFirst"),
            Mode::Follow(from) => {
                w.begin_object();
                w.field("follow", from);
                w.end_object();
            }
        }
    }
}

impl ToJson for Status {
    /// Internally tagged by `state`.
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        match self {
            Status::Ready => w.field("state", "ready"),
            Status::Fetching => w.field("state", "fetching"),
            Status::Waiting { until } => {
                w.field("state", "waiting");
                w.field("until", until);
            }
            Status::Idle => w.field("state", "idle"),
            Status::Done => w.field("state", "done"),
            Status::Halted { reason } => {
                w.field("state", "halted");
                w.field("reason", reason);
            }
        }
        w.end_object();
    }
}

impl ToJson for Progress {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("status", &self.status);
        w.field("recordsEmitted", &self.records_emitted);
        w.field("pages", &self.pages);
        w.field("newest", &self.newest);
        w.field("oldest", &self.oldest);
        w.field("caughtUp", &self.caught_up);
        w.field("reachedStart", &self.reached_start);
        w.field("errors", &self.errors);
        w.field("consecutiveErrors", &self.consecutive_errors);
        w.field("duplicatesSkipped", &self.duplicates_skipped);
        w.field("staleIgnored", &self.stale_ignored);
        w.field("lastPageAt", &self.last_page_at);
        w.end_object();
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn float_text(value: f64) -> String {
        let mut w = JsonWriter::new();
        w.f64(value);
        w.finish()
    }

    #[test]
    fn primitives() {
        let mut w = JsonWriter::new();
        w.begin_array();
        w.u64(0);
        w.u64(u64::MAX);
        w.i64(i64::MIN);
        w.i64(-7);
        w.bool(true);
        w.null();
        w.begin_object();
        w.end_object();
        w.begin_array();
        w.end_array();
        w.begin_object();
        w.field("a", &[1u64, 2][..]);
        w.field("", "\u{0}\u{1f}\u{7f}\u{1F600}\\\"/");
        w.end_object();
        w.end_array();
        let expected = concat!(
            r#"[0,18446744073709551615,-9223372036854775808,-7,true,null,{},[],"#,
            r#"{"a":[1,2],"":"\u0000\u001f"#,
            "\u{7f}\u{1F600}",
            r#"\\\"/"}]"#,
        );
        assert_eq!(w.finish(), expected);
    }

    #[test]
    fn floats_are_exact_decimals() {
        for (value, text) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (20.0, "20.0"),
            (0.5, "0.5"),
            (-2.25, "-2.25"),
            (1942.21, "1942.2100000000000363797880709171295166015625"),
            (
                4.4642857142857135,
                "4.4642857142857135244184973998926579952239990234375",
            ),
            (
                0.1,
                "0.1000000000000000055511151231257827021181583404541015625",
            ),
            (1e21, "1000000000000000000000.0"),
            (f64::NAN, "null"),
            (f64::INFINITY, "null"),
            (f64::NEG_INFINITY, "null"),
        ] {
            let mine = float_text(value);
            assert_eq!(mine, text);
            let serde = serde_json::to_string(&value).unwrap();
            if serde == "null" {
                assert_eq!(mine, "null");
            } else {
                assert_eq!(mine.parse::<f64>().unwrap().to_bits(), value.to_bits());
            }
        }
        let tiny = float_text(f64::from_bits(1));
        assert!(
            tiny.starts_with("0.000") && tiny.len() == 2 + 1074,
            "{tiny}"
        );
        assert_eq!(tiny.parse::<f64>().unwrap(), f64::from_bits(1));
        // The most digits: the largest mantissa at the smallest exponent.
        let longest = f64::from_bits(0x001f_ffff_ffff_ffff);
        let text = float_text(longest);
        assert_eq!(text.len(), 2 + 1074, "{text}");
        assert_eq!(text.trim_start_matches(['0', '.']).len(), 767);
        assert_eq!(text.parse::<f64>().unwrap(), longest);
        let huge = float_text(f64::MAX);
        assert!(huge.ends_with(".0") && huge.len() == 309 + 2, "{huge}");
        assert_eq!(huge.parse::<f64>().unwrap(), f64::MAX);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        /// Every f64 bit pattern reads back as itself (NaN and infinities as `null`), and
        /// has a fraction or is `null`, as serde_json's output.
        #[test]
        fn any_float_round_trips(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            let mine = float_text(value);
            let serde = serde_json::to_string(&value).unwrap();
            if value.is_finite() {
                prop_assert!(mine.contains('.'), "{mine}");
                prop_assert_eq!(mine.parse::<f64>().unwrap().to_bits(), bits);
                prop_assert_eq!(serde.parse::<f64>().unwrap().to_bits(), bits);
                let read: serde_json::Value = serde_json::from_str(&mine).unwrap();
                prop_assert_eq!(read.as_f64().map(f64::to_bits), Some(bits));
            } else {
                prop_assert_eq!(mine, serde);
            }
        }

        /// Floats of everyday sizes (rates, sizes in MB), as the cluster status carries.
        #[test]
        fn everyday_floats_round_trip(value in -1e7f64..1e7, decimals in 0u32..6) {
            let scale = 10f64.powi(decimals as i32);
            let value = (value * scale).round() / scale;
            let mine = float_text(value);
            prop_assert_eq!(mine.parse::<f64>().unwrap().to_bits(), value.to_bits());
        }

        #[test]
        fn integers_as_serde_json(u in any::<u64>(), i in any::<i64>(), small in any::<u32>()) {
            prop_assert_eq!(u.to_json(), serde_json::to_string(&u).unwrap());
            prop_assert_eq!(i.to_json(), serde_json::to_string(&i).unwrap());
            prop_assert_eq!(small.to_json(), serde_json::to_string(&small).unwrap());
        }

        #[test]
        fn strings_as_serde_json(text in any::<String>()) {
            prop_assert_eq!(text.to_json(), serde_json::to_string(&text).unwrap());
        }

        #[test]
        fn odd_strings_as_serde_json(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    "\"", "\\", "\\u", "\\ud800", "\\\\u0041", "\u{0}", "\u{8}", "\u{c}", "\n",
                    "\r", "\t", "\u{b}", "\u{1b}", "\u{1f}", "\u{7f}", "\u{80}", "\u{2028}",
                    "\u{2029}", "\u{feff}", "\u{fffd}", "\u{10000}", "\u{1F600}", "\u{10FFFF}",
                    "</script>", "a", " ", "é", "€",
                ]),
                0..12,
            )
        ) {
            let text: String = parts.concat();
            prop_assert_eq!(text.to_json(), serde_json::to_string(&text).unwrap());
        }
    }
}
