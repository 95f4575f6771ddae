//! The hand-written JSON writer (`msr_lens_core::json_out`) against serde_json, for every
//! type the npm package hands to JavaScript.
//!
//! For each value, the writer's text must
//! - read back with serde_json as exactly `serde_json::to_value` of the value, and
//! - be token for token the text `serde_json::to_string` writes (same keys in the same
//!   order, same string escapes, same integers), floats compared by value (the writer
//!   writes their exact decimals, serde_json the shortest text).
//!
//! Values come from proptest strategies (odd strings: quotes, control characters, non-BMP,
//! backslash-u text; raw JSON of every kind; every enum variant), from the golden
//! fixtures (cluster status bodies, nginx status, a pager walking a fake notary) and from
//! the reports the npm package recorded against the stand-in
//! (`tests/e2e/fixtures/package-outputs.json`).

mod common;

use std::time::Duration;

use msr_lens_core::auth::Grant;
use msr_lens_core::changefeed::{
    ChangeId, Event, Feed, FollowFrom, Gun, Halt, Mode, Pager, PagerConfig, Progress, SavedState,
    Status,
};
use msr_lens_core::health::report::PingEntry;
use msr_lens_core::health::*;
use msr_lens_core::http::{Response, StatusCode};
use msr_lens_core::json::{Json, JsonObject};
use msr_lens_core::json_out::ToJson;
use msr_lens_core::{Origin, Timestamp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde::Serialize;
use serde_json::{Map, Number, Value, json};

use common::fake::{FakeNotary, Storage};

const HEALTHY: &str = include_str!("fixtures/health/cluster_status_healthy.json");
const DEGRADED: &str = include_str!("fixtures/health/cluster_status_degraded.json");
const ODD: &str = include_str!("fixtures/health/cluster_status_odd_fields.json");
const VENDOR_PAGE_CORRECTED: &str = include_str!("fixtures/health/vendor_page_corrected.json");
const NGINX: &str = include_str!("fixtures/health/nginx_status.txt");
const PACKAGE_OUTPUTS: &str = include_str!("../../../tests/e2e/fixtures/package-outputs.json");

/// Cases per property (fewer for the big nested values, which take longest to build).
const CASES: u32 = 3000;
const CASES_NESTED: u32 = 1000;

// ---------------------------------------------------------------- the comparison

/// One token of compact JSON text.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    /// `{ } [ ] : ,`
    Punct(u8),
    /// A string (as written, escapes included), a literal or an integer.
    Text(&'a str),
    /// A number with a fraction or an exponent, by value.
    Float(u64),
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b @ (b'{' | b'}' | b'[' | b']' | b':' | b',') => {
                out.push(Token::Punct(b));
                i += 1;
            }
            b'"' => {
                let mut j = i + 1;
                while bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                out.push(Token::Text(&text[i..=j]));
                i = j + 1;
            }
            _ => {
                let mut j = i;
                while j < bytes.len() && !b"{}[]:,".contains(&bytes[j]) {
                    j += 1;
                }
                let word = &text[i..j];
                let number = word.starts_with(|c: char| c == '-' || c.is_ascii_digit());
                out.push(if number && word.contains(['.', 'e', 'E']) {
                    Token::Float(word.parse::<f64>().unwrap().to_bits())
                } else {
                    Token::Text(word)
                });
                i = j;
            }
        }
    }
    out
}

/// The writer's text for `value` is serde_json's (see the module docs); returns it.
fn check<T: Serialize + ToJson + ?Sized>(value: &T) -> String {
    let mine = value.to_json();
    let theirs = serde_json::to_string(value).unwrap();
    let read: Value =
        serde_json::from_str(&mine).unwrap_or_else(|e| panic!("not JSON ({e}): {mine}"));
    assert_eq!(read, serde_json::to_value(value).unwrap(), "{mine}");
    assert_eq!(
        tokens(&mine),
        tokens(&theirs),
        "\nmine:  {mine}\nserde: {theirs}"
    );
    mine
}

fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value))
where
    S::Value: std::fmt::Debug,
{
    run_cases(CASES, strategy, test);
}

fn run_cases<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value))
where
    S::Value: std::fmt::Debug,
{
    TestRunner::new(Config::with_cases(cases))
        .run(&strategy, |value| {
            test(value);
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------- strategies

/// Strings that need escaping, or look like escapes, or are not ASCII.
const ODD_PARTS: [&str; 30] = [
    "\"",
    "\\",
    "\\u",
    "\\ud800",
    "\\udc00\\ud800",
    "\\\\u0041",
    "\\\"",
    "\u{0}",
    "\u{8}",
    "\u{c}",
    "\n",
    "\r",
    "\t",
    "\u{b}",
    "\u{1b}",
    "\u{1f}",
    "\u{7f}",
    "\u{80}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{fffd}",
    "\u{10000}",
    "\u{1F600}",
    "\u{10FFFF}",
    "</script>",
    "a",
    " ",
    "é",
    "{\"a\":[1]}",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(&ODD_PARTS[..]), 0..8).prop_map(|p| p.concat()),
        "[a-z0-9_.:-]{0,12}",
    ]
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        -1e6f64..1e6,
        (0u64..100_000, 1u32..5).prop_map(|(n, d)| n as f64 / 10f64.powi(d as i32)),
        Just(0.0),
        Just(-0.0),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        float().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(text(), json_value(), 0..3).prop_map(|m| m.into_iter().collect())
}

/// The core's JSON value of a serde_json value.
fn to_json(value: Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(flag) => Json::Bool(flag),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Json::U64(u),
            (None, Some(i), _) => Json::I64(i),
            (None, None, f) => Json::F64(f.unwrap_or_default()),
        },
        Value::String(text) => Json::String(text),
        Value::Array(items) => Json::Array(items.into_iter().map(to_json).collect()),
        Value::Object(map) => Json::Object(to_json_object(map)),
    }
}

fn to_json_object(map: Map<String, Value>) -> JsonObject {
    map.into_iter().map(|(k, v)| (k, to_json(v))).collect()
}

/// Raw JSON as the cluster status models keep it.
fn raw() -> impl Strategy<Value = Json> {
    json_value().prop_map(to_json)
}

fn raw_object() -> impl Strategy<Value = JsonObject> {
    object().prop_map(to_json_object)
}

fn opt<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    prop::option::of(s)
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![any::<i64>(), 1_700_000_000_000i64..1_900_000_000_000]
        .prop_map(Timestamp::from_millis)
}

const UNKNOWN_WHY: [UnknownWhy; 7] = [
    UnknownWhy::NoAnswer,
    UnknownWhy::Gateway,
    UnknownWhy::AuthRequired,
    UnknownWhy::Redirected,
    UnknownWhy::Html,
    UnknownWhy::NotPingJson,
    UnknownWhy::UnexpectedStatus,
];

const VERDICTS: [Verdict; 4] = [
    Verdict::Healthy,
    Verdict::Degraded,
    Verdict::Down,
    Verdict::Unknown,
];

const SEVERITIES: [Severity; 4] = [
    Severity::Info,
    Severity::Unknown,
    Severity::Degraded,
    Severity::Down,
];

const REASON_CODES: [ReasonCode; 26] = [
    ReasonCode::AllReplicasDown,
    ReasonCode::NoData,
    ReasonCode::Inconclusive,
    ReasonCode::PingUnhealthy,
    ReasonCode::PingUnreachable,
    ReasonCode::PingUnknown,
    ReasonCode::ReplicaUnhealthy,
    ReasonCode::ReplicaHealthUnknown,
    ReasonCode::ReplicaStale,
    ReasonCode::ReplicaTimestampUnknown,
    ReasonCode::ReplicaReadOnly,
    ReasonCode::CriticalIssue,
    ReasonCode::Issue,
    ReasonCode::TablesNotWritable,
    ReasonCode::TablesReplicasNotReady,
    ReasonCode::GcRunning,
    ReasonCode::ClusterNotSignedIn,
    ReasonCode::ClusterNotAdmin,
    ReasonCode::ClusterCheckFailed,
    ReasonCode::ClusterUnavailable,
    ReasonCode::ClusterWarnings,
    ReasonCode::NginxDropping,
    ReasonCode::NginxDroppedSinceStart,
    ReasonCode::NginxRestarted,
    ReasonCode::NginxNotAvailable,
    ReasonCode::NginxUnavailable,
];

const HALTS: [Halt; 4] = [
    Halt::Unauthenticated,
    Halt::NoAccess,
    Halt::Error,
    Halt::CursorVanished,
];

fn ping_verdict() -> impl Strategy<Value = PingVerdict> {
    prop_oneof![
        Just(PingVerdict::Healthy),
        text().prop_map(|reason| PingVerdict::Unhealthy { reason }),
        (any::<u16>(), text(), prop::sample::select(&UNKNOWN_WHY[..])).prop_map(
            |(status, excerpt, why)| PingVerdict::Unknown {
                status,
                excerpt,
                why
            }
        ),
    ]
}

fn nginx_status() -> impl Strategy<Value = NginxStatus> {
    prop::array::uniform7(any::<u64>()).prop_map(|n| NginxStatus {
        active: n[0],
        accepts: n[1],
        handled: n[2],
        requests: n[3],
        reading: n[4],
        writing: n[5],
        waiting: n[6],
    })
}

fn nginx_rates() -> impl Strategy<Value = NginxRates> {
    (float(), float(), any::<u64>(), any::<i64>(), any::<bool>()).prop_map(
        |(requests_per_sec, accepts_per_sec, dropped, elapsed_ms, reset)| NginxRates {
            requests_per_sec,
            accepts_per_sec,
            dropped,
            elapsed_ms,
            reset,
        },
    )
}

fn issue() -> impl Strategy<Value = Issue> {
    (
        opt(text()),
        opt(text()),
        any::<bool>(),
        opt(text()),
        opt(raw()),
        raw_object(),
    )
        .prop_map(|(id, kind, critical, description, info, other)| Issue {
            id,
            kind,
            critical,
            description,
            info,
            other,
        })
}

fn server_status() -> impl Strategy<Value = ServerStatus> {
    (
        opt(text()),
        opt(text()),
        opt(raw()),
        opt(raw()),
        raw_object(),
    )
        .prop_map(|(id, name, network, process, other)| ServerStatus {
            id,
            name,
            network,
            process,
            other,
        })
}

fn table_status() -> impl Strategy<Value = TableStatus> {
    (
        opt(text()),
        opt(text()),
        opt(any::<bool>()),
        opt(any::<bool>()),
        raw_object(),
        opt(raw()),
        raw_object(),
    )
        .prop_map(
            |(db, name, all_replicas_ready, ready_for_writes, status, shards, other)| TableStatus {
                db,
                name,
                all_replicas_ready,
                ready_for_writes,
                status,
                shards,
                other,
            },
        )
}

fn rethink_system_tables() -> impl Strategy<Value = RethinkSystemTables> {
    (
        prop::collection::vec(issue(), 0..3),
        prop::collection::vec(server_status(), 0..3),
        prop::collection::vec(table_status(), 0..3),
        raw_object(),
    )
        .prop_map(
            |(current_issues, server_status, table_status, other)| RethinkSystemTables {
                current_issues,
                server_status,
                table_status,
                other,
            },
        )
}

fn replica_timestamp() -> impl Strategy<Value = ReplicaTimestamp> {
    (text(), opt(timestamp())).prop_map(|(raw, at)| ReplicaTimestamp { raw, at })
}

fn cluster_status() -> impl Strategy<Value = ClusterStatus> {
    (
        opt(rethink_system_tables()),
        prop::collection::vec(issue(), 0..3),
        prop::collection::btree_map(text(), text(), 0..4),
        prop::collection::btree_map(text(), replica_timestamp(), 0..4),
        prop::collection::btree_map(text(), any::<bool>(), 0..4),
        opt(text()),
        opt(raw()),
        raw_object(),
        prop::collection::vec(text(), 0..3),
    )
        .prop_map(
            |(
                rethink_system_tables,
                current_issues,
                health,
                timestamp,
                readonly,
                gc_lock_holder,
                etcd_status,
                other,
                warnings,
            )| ClusterStatus {
                rethink_system_tables,
                current_issues,
                replica_health: health.into_iter().collect(),
                replica_timestamp: timestamp.into_iter().collect(),
                replica_readonly: readonly.into_iter().collect(),
                gc_lock_holder,
                etcd_status,
                other,
                warnings,
            },
        )
}

fn replica_condition() -> impl Strategy<Value = ReplicaCondition> {
    prop_oneof![
        Just(ReplicaCondition::Ok),
        text().prop_map(|reason| ReplicaCondition::Unhealthy { reason }),
        Just(ReplicaCondition::HealthUnknown),
        (timestamp(), any::<i64>()).prop_map(|(last_seen, age_secs)| ReplicaCondition::Stale {
            last_seen,
            age_secs
        }),
        text().prop_map(|raw| ReplicaCondition::TimestampUnknown { raw }),
        Just(ReplicaCondition::ReadOnly),
    ]
}

fn replica_state() -> impl Strategy<Value = ReplicaState> {
    (
        text(),
        opt(text()),
        opt(replica_timestamp()),
        opt(any::<bool>()),
        prop::collection::vec(replica_condition(), 0..4),
    )
        .prop_map(
            |(id, health, last_seen, read_only, conditions)| ReplicaState {
                id,
                health,
                last_seen,
                read_only,
                conditions,
            },
        )
}

fn reason() -> impl Strategy<Value = Reason> {
    (
        prop::sample::select(&SEVERITIES[..]),
        prop::sample::select(&REASON_CODES[..]),
        opt(text()),
        text(),
    )
        .prop_map(|(severity, code, subject, message)| Reason {
            severity,
            code,
            subject,
            message,
        })
}

fn health_report() -> impl Strategy<Value = HealthReport> {
    (
        prop::sample::select(&VERDICTS[..]),
        prop::collection::vec(reason(), 0..4),
        timestamp(),
        prop::collection::vec(
            (text(), ping_verdict()).prop_map(|(label, verdict)| PingEntry { label, verdict }),
            0..4,
        ),
        prop::collection::vec(replica_state(), 0..3),
        prop::collection::vec(issue(), 0..3),
        any::<bool>(),
        opt(nginx_status()),
        opt(nginx_rates()),
    )
        .prop_map(
            |(verdict, reasons, checked_at, pings, replicas, issues, gc_running, nginx, rates)| {
                HealthReport {
                    verdict,
                    reasons,
                    checked_at,
                    pings,
                    replicas,
                    issues,
                    gc_running,
                    nginx,
                    nginx_rates: rates,
                }
            },
        )
}

fn grant() -> impl Strategy<Value = Grant> {
    (text(), text(), prop::collection::vec(text(), 0..3)).prop_map(
        |(resource_type, name, actions)| Grant {
            resource_type,
            name,
            actions,
        },
    )
}

fn change_id() -> impl Strategy<Value = ChangeId> {
    prop_oneof![
        "[1-9][0-9]{0,6}",
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        text(),
    ]
    .prop_filter_map("a change id", |id| ChangeId::new(id).ok())
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Ready),
        Just(Status::Fetching),
        timestamp().prop_map(|until| Status::Waiting { until }),
        Just(Status::Idle),
        Just(Status::Done),
        prop::sample::select(&HALTS[..]).prop_map(|reason| Status::Halted { reason }),
    ]
}

fn progress() -> impl Strategy<Value = Progress> {
    (
        status(),
        (any::<u64>(), any::<u64>()),
        (opt(change_id()), opt(change_id())),
        (any::<bool>(), any::<bool>()),
        (any::<u64>(), any::<u32>(), any::<u64>(), any::<u64>()),
        opt(timestamp()),
    )
        .prop_map(
            |(
                status,
                (records_emitted, pages),
                (newest, oldest),
                (caught_up, reached_start),
                (errors, consecutive_errors, duplicates_skipped, stale_ignored),
                last_page_at,
            )| Progress {
                status,
                records_emitted,
                pages,
                newest,
                oldest,
                caught_up,
                reached_start,
                errors,
                consecutive_errors,
                duplicates_skipped,
                stale_ignored,
                last_page_at,
            },
        )
}

fn gun() -> impl Strategy<Value = Gun> {
    prop::collection::vec(prop_oneof!["[a-z0-9.:-]{1,10}", text()], 1..4)
        .prop_filter_map("a gun", |segments| Gun::new(segments.join("/")).ok())
}

/// A saved state, through its derived `Deserialize` impl (its fields are private).
fn saved_state() -> impl Strategy<Value = SavedState> {
    let feed = prop_oneof![
        Just(json!({"kind": "global"})),
        gun().prop_map(|gun| json!({"kind": "repository", "gun": gun})),
    ];
    let mode = prop::sample::select(vec![
        json!("backfill"),
        json!("newestFirst"),
        json!({"follow": "start"}),
        json!({"follow": "latest"}),
    ]);
    let ids = || opt(change_id()).prop_map(|id| json!(id));
    (
        any::<u32>(),
        feed,
        mode,
        prop::sample::select(vec!["start", "latest"]),
        any::<bool>(),
        (ids(), ids()),
        any::<bool>(),
        prop::collection::vec(change_id(), 0..5),
        (any::<u64>(), any::<u64>(), any::<u64>()),
        prop::option::of(prop::sample::select(vec![
            "https://msr.example.org",
            "http://127.0.0.1:8443",
        ])),
    )
        .prop_map(
            |(
                format,
                feed,
                mode,
                begin,
                started,
                (newest, oldest),
                reached_start,
                recent,
                (next_request_id, records_emitted, pages),
                origin,
            )| {
                serde_json::from_value(json!({
                    "format": format,
                    "feed": feed,
                    "mode": mode,
                    "begin": begin,
                    "started": started,
                    "newest": newest,
                    "oldest": oldest,
                    "reachedStart": reached_start,
                    "recentIds": recent,
                    "nextRequestId": next_request_id,
                    "recordsEmitted": records_emitted,
                    "pages": pages,
                    "origin": origin,
                }))
                .unwrap()
            },
        )
}

// ---------------------------------------------------------------- generated values

#[test]
fn generated_strings_and_raw_json() {
    run(text(), |text| {
        check(text.as_str());
    });
    run(raw(), |value| {
        check(&value);
    });
}

#[test]
fn generated_pings_and_nginx() {
    run(ping_verdict(), |verdict| {
        check(&verdict);
    });
    run((text(), ping_verdict()), |(label, verdict)| {
        check(&PingEntry { label, verdict });
    });
    run((nginx_status(), nginx_rates()), |(status, rates)| {
        check(&status);
        check(&rates);
    });
}

#[test]
fn generated_cluster_statuses() {
    run_cases(CASES_NESTED, cluster_status(), |status| {
        check(&status);
    });
    run(replica_state(), |state| {
        check(&state);
    });
}

#[test]
fn generated_health_reports() {
    run_cases(CASES_NESTED, health_report(), |report| {
        check(&report);
    });
}

#[test]
fn generated_grants() {
    run(prop::collection::vec(grant(), 0..4), |grants| {
        check(&grants);
    });
}

#[test]
fn generated_progress() {
    run(progress(), |progress| {
        check(&progress);
    });
}

#[test]
fn generated_saved_states_round_trip() {
    run(saved_state(), |saved| {
        let text = check(&saved);
        // `save()` output, read back by the package's own reader.
        assert_eq!(SavedState::from_json(&text), Some(saved), "{text}");
    });
}

/// Every enum variant by name, as serde names it.
#[test]
fn every_variant_name() {
    for why in UNKNOWN_WHY {
        check(&why);
    }
    for verdict in VERDICTS {
        check(&verdict);
    }
    for severity in SEVERITIES {
        check(&severity);
    }
    for code in REASON_CODES {
        check(&code);
    }
    for halt in HALTS {
        check(&Status::Halted { reason: halt });
    }
    for mode in [
        Mode::Backfill,
        Mode::NewestFirst,
        Mode::Follow(FollowFrom::Start),
        Mode::Follow(FollowFrom::Latest),
    ] {
        check(&mode);
    }
    check(&Feed::Global);
    check(&Feed::Repository(Gun::new("h/n/r").unwrap()));
}

// ---------------------------------------------------------------- fully populated values

/// Every key of serde's output, with its path (`a.b[].c`).
fn key_paths(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                let path = format!("{path}.{key}");
                out.push(path.clone());
                key_paths(item, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

/// No `null` anywhere: every `Option` is `Some`, so a field missing from the writer
/// cannot hide behind a `null`.
fn assert_fully_populated(value: &Value, path: &str) {
    match value {
        Value::Null => panic!("{path} is null: populate it"),
        Value::Object(map) => {
            assert!(!map.is_empty(), "{path} is empty: populate it");
            for (key, item) in map {
                assert_fully_populated(item, &format!("{path}.{key}"));
            }
        }
        Value::Array(items) => {
            assert!(!items.is_empty(), "{path} is empty: populate it");
            for item in items {
                assert_fully_populated(item, &format!("{path}[]"));
            }
        }
        _ => {}
    }
}

fn full_issue() -> Issue {
    Issue {
        id: Some("iss-1".into()),
        kind: Some("table_availability".into()),
        critical: true,
        description: Some("disk \"almost\" full\n".into()),
        info: Some(to_json(json!({"table": "tags", "shards": [1, 2.5, -3]}))),
        other: to_json_object(json!({"x": true}).as_object().unwrap().clone()),
    }
}

fn full_replica_timestamp() -> ReplicaTimestamp {
    ReplicaTimestamp {
        raw: "2026-03-02T10:14:31Z".into(),
        at: Timestamp::parse_rfc3339("2026-03-02T10:14:31Z"),
    }
}

fn full_cluster_status() -> ClusterStatus {
    ClusterStatus {
        rethink_system_tables: Some(RethinkSystemTables {
            current_issues: vec![full_issue()],
            server_status: vec![ServerStatus {
                id: Some("uuid".into()),
                name: Some("dtr_rethinkdb_00f0602013a0".into()),
                network: Some(to_json(json!({"hostname": "r1"}))),
                process: Some(to_json(json!({"pid": 1}))),
                other: to_json_object(json!({"y": 1}).as_object().unwrap().clone()),
            }],
            table_status: vec![TableStatus {
                db: Some("dtr2".into()),
                name: Some("tags".into()),
                all_replicas_ready: Some(false),
                ready_for_writes: Some(true),
                status: to_json_object(
                    json!({"ready_for_writes": true})
                        .as_object()
                        .unwrap()
                        .clone(),
                ),
                shards: Some(to_json(json!([{"primary_replicas": ["r1"]}]))),
                other: to_json_object(json!({"id": "t"}).as_object().unwrap().clone()),
            }],
            other: to_json_object(
                json!({"stats": [{"qps": 12.4}]})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        }),
        current_issues: vec![full_issue()],
        replica_health: [("00f0602013a0".to_string(), "OK".to_string())]
            .into_iter()
            .collect(),
        replica_timestamp: [("00f0602013a0".to_string(), full_replica_timestamp())]
            .into_iter()
            .collect(),
        replica_readonly: [("00f0602013a0".to_string(), true)].into_iter().collect(),
        gc_lock_holder: Some("00f0602013a0".into()),
        etcd_status: Some(to_json(json!({"health": "ok"}))),
        other: to_json_object(json!({"future_field": [1]}).as_object().unwrap().clone()),
        warnings: vec!["replica_health.x: expected a string".into()],
    }
}

#[test]
fn fully_populated_values_have_every_key() {
    let cluster = full_cluster_status();
    let stale = ReplicaCondition::Stale {
        last_seen: Timestamp::from_secs(1_772_446_000),
        age_secs: 500,
    };
    let report = HealthReport {
        verdict: Verdict::Degraded,
        reasons: vec![Reason {
            severity: Severity::Degraded,
            code: ReasonCode::ReplicaStale,
            subject: Some("00f0602013a0".into()),
            message: "stale".into(),
        }],
        checked_at: Timestamp::from_secs(1_772_446_500),
        pings: vec![PingEntry {
            label: "replica-1".into(),
            verdict: PingVerdict::Unknown {
                status: 502,
                excerpt: "<html>".into(),
                why: UnknownWhy::Gateway,
            },
        }],
        replicas: vec![ReplicaState {
            id: "00f0602013a0".into(),
            health: Some("OK".into()),
            last_seen: Some(full_replica_timestamp()),
            read_only: Some(true),
            conditions: vec![stale.clone(), ReplicaCondition::ReadOnly],
        }],
        issues: vec![full_issue()],
        gc_running: true,
        nginx: Some(NginxStatus {
            active: 1,
            accepts: 2,
            handled: 3,
            requests: 4,
            reading: 5,
            writing: 6,
            waiting: 7,
        }),
        nginx_rates: Some(NginxRates {
            requests_per_sec: 4.4642857142857135,
            accepts_per_sec: 0.0,
            dropped: 1,
            elapsed_ms: 1120,
            reset: true,
        }),
    };
    let progress = Progress {
        status: Status::Waiting {
            until: Timestamp::from_secs(1_800_000_030),
        },
        records_emitted: 3,
        pages: 2,
        newest: ChangeId::new("12").ok(),
        oldest: ChangeId::new("10").ok(),
        caught_up: true,
        reached_start: true,
        errors: 1,
        consecutive_errors: 1,
        duplicates_skipped: 1,
        stale_ignored: 1,
        last_page_at: Some(Timestamp::from_secs(1_800_000_000)),
    };
    let saved: SavedState = serde_json::from_value(json!({
        "format": 1,
        "feed": {"kind": "repository", "gun": "msr.example.org/ns/repo"},
        "mode": {"follow": "latest"},
        "begin": "start",
        "started": true,
        "newest": "12",
        "oldest": "10",
        "reachedStart": true,
        "recentIds": ["10", "11", "12"],
        "nextRequestId": 7,
        "recordsEmitted": 3,
        "pages": 2,
        "origin": "https://msr.example.org"
    }))
    .unwrap();
    let grants = vec![Grant {
        resource_type: "repository".into(),
        name: "msr.example.org/ns/repo".into(),
        actions: vec!["pull".into(), "push".into()],
    }];
    let values = [
        serde_json::to_value(&cluster).unwrap(),
        serde_json::to_value(&report).unwrap(),
        serde_json::to_value(&progress).unwrap(),
        serde_json::to_value(&saved).unwrap(),
        serde_json::to_value(&grants).unwrap(),
    ];
    let texts = [
        check(&cluster),
        check(&report),
        check(&progress),
        check(&saved),
        check(&grants),
    ];
    for (serde, mine) in values.iter().zip(&texts) {
        assert_fully_populated(serde, "");
        let (mut expected, mut written) = (Vec::new(), Vec::new());
        key_paths(serde, "", &mut expected);
        key_paths(&serde_json::from_str(mine).unwrap(), "", &mut written);
        assert_eq!(written, expected);
    }
    // The variants with fields, each once more on its own.
    check(&stale);
    check(&PingVerdict::Unhealthy { reason: "x".into() });
    check(&ReplicaCondition::TimestampUnknown { raw: "x".into() });
    check(&ReplicaCondition::Unhealthy { reason: "x".into() });
}

// ---------------------------------------------------------------- golden fixtures

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-03-02T10:15:00Z").unwrap()
}

fn json_response(status: u16, body: &str) -> Response<Vec<u8>> {
    let mut response = Response::new(body.as_bytes().to_vec());
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    response
}

#[test]
fn golden_cluster_statuses_and_reports() {
    let nginx: NginxStatus = NGINX.parse().unwrap();
    let earlier = NginxStatus {
        accepts: nginx.accepts - 1000,
        handled: nginx.handled - 1003,
        requests: nginx.requests - 1234,
        ..nginx
    };
    let rates = rates(
        &NginxSample::new(now().add_millis(-61_234), earlier),
        &NginxSample::new(now(), nginx),
    );
    assert!(rates.is_some());
    check(&nginx);
    check(&rates);
    let pings = vec![
        (
            "replica-1".to_string(),
            parse_ping(&json_response(200, r#"{"Error":"","Healthy":true}"#)),
        ),
        (
            "replica-2".to_string(),
            parse_ping(&json_response(
                503,
                r#"{"Error":"Notary unhealthy: \"x\"\n","Healthy":false}"#,
            )),
        ),
        (
            "replica-3".to_string(),
            parse_ping(&json_response(502, "<html>Bad Gateway</html>")),
        ),
    ];
    for body in [HEALTHY, DEGRADED, ODD, VENDOR_PAGE_CORRECTED] {
        let cluster = ClusterStatus::from_json(body.as_bytes()).unwrap();
        let text = check(&cluster);
        assert!(text.len() > 200);
        for state in cluster.replica_states(now(), Duration::from_secs(300)) {
            check(&state);
        }
        let input = HealthInput {
            pings: pings.clone(),
            nginx: Some(NginxOutcome::Available(nginx)),
            nginx_rates: rates,
            cluster: Some(Ok(cluster)),
            ..HealthInput::default()
        };
        let report = HealthReport::build(&input, now());
        assert!(!report.replicas.is_empty());
        check(&report);
    }
    // Reports without a cluster status, and with each way it fails.
    let failures = [
        json_response(
            401,
            r#"{"errors":[{"code":"NOT_AUTHENTICATED","message":"no"}]}"#,
        ),
        json_response(
            403,
            r#"{"errors":[{"code":"NOT_AUTHORIZED","message":"no"}]}"#,
        ),
        json_response(
            503,
            r#"{"errors":[{"code":"STATUS_CHECK_FAILED","message":"x"}]}"#,
        ),
        json_response(200, "[1, 2]"),
    ];
    for response in failures {
        let input = HealthInput {
            pings: pings.clone(),
            cluster: Some(parse_cluster_status(&response)),
            ..HealthInput::default()
        };
        check(&HealthReport::build(&input, now()));
    }
    check(&HealthReport::build(&HealthInput::default(), now()));
}

/// A pager walking (then following) a fake notary: its progress and saved state after
/// every response.
#[test]
fn golden_pager_progress_and_saved_states() {
    const T0: Timestamp = Timestamp::from_secs(1_800_000_000);
    let origin = Origin::parse("https://msr.example.org").unwrap();
    for storage in [Storage::Memory, Storage::Rethink] {
        let mut fake = FakeNotary::new(storage);
        for i in 0..7 {
            fake.publish(T0.add_secs(-600 + i), "msr.example.org/ns/repo");
        }
        fake.delete(T0.add_secs(-300), "msr.example.org/ns/repo");
        let feed = Feed::Repository(Gun::new("msr.example.org/ns/repo").unwrap());
        for mode in [
            Mode::Backfill,
            Mode::NewestFirst,
            Mode::Follow(FollowFrom::Start),
        ] {
            let config = PagerConfig {
                page_size: 3,
                ..PagerConfig::default()
            };
            let mut pager = Pager::new(origin.clone(), feed.clone(), mode, config);
            let mut seen = 0;
            check(&pager.progress());
            check(&pager.save());
            for step in 0..12 {
                let now = T0.add_secs(step);
                pager.request_older();
                let Some((id, request)) = pager.poll_request(now) else {
                    continue;
                };
                let answer = fake.handle(now, &request).expect("an answer");
                pager.handle_response(id, now, answer);
                while let Some(event) = pager.poll_event() {
                    if let Event::Progress(progress) = event {
                        check(&progress);
                        seen += 1;
                    }
                }
                check(&pager.progress());
                let saved = pager.save();
                let text = check(&saved);
                assert_eq!(SavedState::from_json(&text), Some(saved));
            }
            assert!(seen > 1, "{mode:?}: {seen} progress events");
            assert!(pager.progress().newest.is_some());
        }
    }
}

// ---------------------------------------------------------------- recorded package outputs

/// The enum value whose serde name is `name`.
fn by_name<T: Serialize + Copy>(all: &[T], name: &Value) -> T {
    *all.iter()
        .find(|v| serde_json::to_value(v).unwrap() == *name)
        .unwrap_or_else(|| panic!("unknown name {name}"))
}

fn string(value: &Value) -> String {
    value.as_str().unwrap().to_string()
}

fn opt_string(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

fn object_of(value: &Value) -> JsonObject {
    to_json_object(value.as_object().unwrap().clone())
}

fn list<T>(value: &Value, item: impl Fn(&Value) -> T) -> Vec<T> {
    value.as_array().unwrap().iter().map(item).collect()
}

fn u64_of(value: &Value) -> u64 {
    value.as_u64().unwrap()
}

fn replica_timestamp_of(value: &Value) -> ReplicaTimestamp {
    ReplicaTimestamp {
        raw: string(&value["raw"]),
        at: value["at"].as_i64().map(Timestamp::from_millis),
    }
}

fn issue_of(value: &Value) -> Issue {
    Issue {
        id: opt_string(&value["id"]),
        kind: opt_string(&value["type"]),
        critical: value["critical"].as_bool().unwrap(),
        description: opt_string(&value["description"]),
        info: Some(to_json(value["info"].clone())).filter(|v| !v.is_null()),
        other: object_of(&value["other"]),
    }
}

fn condition_of(value: &Value) -> ReplicaCondition {
    match value["condition"].as_str().unwrap() {
        "ok" => ReplicaCondition::Ok,
        "unhealthy" => ReplicaCondition::Unhealthy {
            reason: string(&value["reason"]),
        },
        "healthUnknown" => ReplicaCondition::HealthUnknown,
        "stale" => ReplicaCondition::Stale {
            last_seen: Timestamp::from_millis(value["lastSeen"].as_i64().unwrap()),
            age_secs: value["ageSecs"].as_i64().unwrap(),
        },
        "timestampUnknown" => ReplicaCondition::TimestampUnknown {
            raw: string(&value["raw"]),
        },
        "readOnly" => ReplicaCondition::ReadOnly,
        other => panic!("unknown condition {other}"),
    }
}

fn ping_of(value: &Value) -> PingEntry {
    let verdict = match value["state"].as_str().unwrap() {
        "healthy" => PingVerdict::Healthy,
        "unhealthy" => PingVerdict::Unhealthy {
            reason: string(&value["reason"]),
        },
        "unknown" => PingVerdict::Unknown {
            status: u16::try_from(u64_of(&value["status"])).unwrap(),
            excerpt: string(&value["excerpt"]),
            why: by_name(&UNKNOWN_WHY, &value["why"]),
        },
        other => panic!("unknown state {other}"),
    };
    PingEntry {
        label: string(&value["label"]),
        verdict,
    }
}

/// A recorded report read back into a [`HealthReport`] (numbers as JavaScript wrote them).
fn report_of(value: &Value) -> HealthReport {
    HealthReport {
        verdict: by_name(&VERDICTS, &value["verdict"]),
        reasons: list(&value["reasons"], |r| Reason {
            severity: by_name(&SEVERITIES, &r["severity"]),
            code: by_name(&REASON_CODES, &r["code"]),
            subject: opt_string(&r["subject"]),
            message: string(&r["message"]),
        }),
        checked_at: Timestamp::from_millis(value["checkedAt"].as_i64().unwrap()),
        pings: list(&value["pings"], ping_of),
        replicas: list(&value["replicas"], |r| ReplicaState {
            id: string(&r["id"]),
            health: opt_string(&r["health"]),
            last_seen: Some(&r["lastSeen"])
                .filter(|v| !v.is_null())
                .map(replica_timestamp_of),
            read_only: r["readOnly"].as_bool(),
            conditions: list(&r["conditions"], condition_of),
        }),
        issues: list(&value["issues"], issue_of),
        gc_running: value["gcRunning"].as_bool().unwrap(),
        nginx: Some(&value["nginx"])
            .filter(|v| !v.is_null())
            .map(|n| NginxStatus {
                active: u64_of(&n["active"]),
                accepts: u64_of(&n["accepts"]),
                handled: u64_of(&n["handled"]),
                requests: u64_of(&n["requests"]),
                reading: u64_of(&n["reading"]),
                writing: u64_of(&n["writing"]),
                waiting: u64_of(&n["waiting"]),
            }),
        nginx_rates: Some(&value["nginxRates"])
            .filter(|v| !v.is_null())
            .map(|r| NginxRates {
                requests_per_sec: r["requestsPerSec"].as_f64().unwrap(),
                accepts_per_sec: r["acceptsPerSec"].as_f64().unwrap(),
                dropped: u64_of(&r["dropped"]),
                elapsed_ms: r["elapsedMs"].as_i64().unwrap(),
                reset: r["reset"].as_bool().unwrap(),
            }),
    }
}

/// Equal as JavaScript sees them: every number an f64 (`0` and `0.0` are one number).
fn same_in_js(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_in_js(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, x)| y.get(key).is_some_and(|y| same_in_js(x, y)))
        }
        _ => a == b,
    }
}

#[test]
fn recorded_package_reports() {
    let recorded: Value = serde_json::from_str(PACKAGE_OUTPUTS).unwrap();
    let mut reports = 0;
    let mut with_rates = 0;
    for scenario in recorded["scenarios"].as_object().unwrap().values() {
        for health in scenario["healths"].as_array().unwrap() {
            let value = &health["report"];
            let report = report_of(value);
            let text = check(&report);
            let written: Value = serde_json::from_str(&text).unwrap();
            assert!(
                same_in_js(&written, value),
                "\nwritten:  {written}\nrecorded: {value}"
            );
            reports += 1;
            with_rates += usize::from(report.nginx_rates.is_some());
        }
    }
    assert!(reports >= 10, "{reports} reports");
    assert!(with_rates >= 1);
}
