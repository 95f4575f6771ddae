//! Health parsers, the combined report and generation detection: realistic fixtures,
//! odd and hostile inputs, and property tests that no parser panics.

use std::time::Duration;

use http::{Response, StatusCode, header};
use msr_lens_core::auth::Credentials;
use msr_lens_core::error::{BodyShape, ErrorKind};
use msr_lens_core::generation::{Generation, detect_generation, v2_ping_request};
use msr_lens_core::health::cluster::DEFAULT_STALE_AFTER;
use msr_lens_core::health::*;
use msr_lens_core::{Origin, Timestamp};
use proptest::prelude::*;
use serde_json::{Value, json};

const HEALTHY: &str = include_str!("fixtures/health/cluster_status_healthy.json");
const DEGRADED: &str = include_str!("fixtures/health/cluster_status_degraded.json");
const ODD: &str = include_str!("fixtures/health/cluster_status_odd_fields.json");
const VENDOR_PAGE: &str = include_str!("fixtures/health/vendor_page_example.txt");
const VENDOR_PAGE_CORRECTED: &str = include_str!("fixtures/health/vendor_page_corrected.json");
const NGINX: &str = include_str!("fixtures/health/nginx_status.txt");

/// The time the fixtures were "captured": every healthy replica reported within a minute.
fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-03-02T10:15:00Z").unwrap()
}

fn resp(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response<Vec<u8>> {
    let mut r = Response::new(body.into());
    *r.status_mut() = StatusCode::from_u16(status).unwrap();
    if !content_type.is_empty() {
        r.headers_mut()
            .insert(header::CONTENT_TYPE, content_type.parse().unwrap());
    }
    r
}

fn json_resp(status: u16, body: &str) -> Response<Vec<u8>> {
    resp(status, "application/json", body)
}

fn unknown_why(v: &PingVerdict) -> Option<UnknownWhy> {
    match v {
        PingVerdict::Unknown { why, .. } => Some(*why),
        _ => None,
    }
}

const SSO_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form action=\"/login\"></form></body></html>";

// ---------------------------------------------------------------- /_ping

#[test]
fn ping_real_answers() {
    assert_eq!(
        parse_ping(&json_resp(200, r#"{"Error":"","Healthy":true}"#)),
        PingVerdict::Healthy
    );
    let reason = "Rethinkdb has issues: [Table `dtr2.manifests` is available for all operations, but some replicas are not ready.]";
    let body = json!({"Error": reason, "Healthy": false}).to_string();
    assert_eq!(
        parse_ping(&json_resp(503, &body)),
        PingVerdict::Unhealthy {
            reason: reason.into()
        }
    );
}

#[test]
fn ping_accepts_the_old_spelling_any_case_whitespace_and_extra_fields() {
    for body in [
        r#"{"Error":"","Health":true}"#,
        r#"{"healthy":true}"#,
        "\n\t {\"Healthy\" : true , \"Error\" : \"\" , \"Version\":\"2.9.4\"} \r\n",
        r#"{"Healthy":true,"Error":"stale text is ignored when healthy"}"#,
    ] {
        assert_eq!(
            parse_ping(&json_resp(200, body)),
            PingVerdict::Healthy,
            "{body}"
        );
    }
    // text/plain content type is fine: the body decides, not the header.
    assert_eq!(
        parse_ping(&resp(200, "text/plain", r#"{"Error":"","Healthy":true}"#)),
        PingVerdict::Healthy
    );
}

#[test]
fn ping_status_decides_first() {
    let healthy_json = r#"{"Error":"","Healthy":true}"#;
    let unhealthy_json = r#"{"Error":"Notary unhealthy","Healthy":false}"#;
    for (status, why) in [
        (401, UnknownWhy::AuthRequired),
        (407, UnknownWhy::AuthRequired),
        (302, UnknownWhy::Redirected),
        (307, UnknownWhy::Redirected),
        (502, UnknownWhy::Gateway),
        (504, UnknownWhy::Gateway),
        (404, UnknownWhy::UnexpectedStatus),
        (500, UnknownWhy::UnexpectedStatus),
        (204, UnknownWhy::UnexpectedStatus),
        (429, UnknownWhy::UnexpectedStatus),
    ] {
        for body in [healthy_json, unhealthy_json, ""] {
            let v = parse_ping(&json_resp(status, body));
            assert_eq!(unknown_why(&v), Some(why), "{status} {body}");
            assert!(!v.is_unhealthy());
            if let PingVerdict::Unknown { status: s, .. } = v {
                assert_eq!(s, status);
            }
        }
    }
}

#[test]
fn ping_html_and_proxy_answers_are_never_unhealthy() {
    assert_eq!(
        unknown_why(&parse_ping(&resp(200, "text/html", SSO_PAGE))),
        Some(UnknownWhy::Html)
    );
    // No content type: sniffed.
    assert_eq!(
        unknown_why(&parse_ping(&resp(200, "", SSO_PAGE))),
        Some(UnknownWhy::Html)
    );
    // The content type says HTML even if the body looks like JSON.
    assert_eq!(
        unknown_why(&parse_ping(&resp(
            200,
            "text/html; charset=utf-8",
            r#"{"Healthy":true}"#
        ))),
        Some(UnknownWhy::Html)
    );
    // A load balancer's 503 pages.
    for (ct, body) in [
        (
            "text/html",
            "<html><body><h1>503 Service Unavailable</h1></body></html>",
        ),
        ("text/plain", "no healthy upstream"),
        (
            "application/json",
            r#"{"errors":[{"code":"UNAVAILABLE","message":"x"}]}"#,
        ),
        ("", ""),
    ] {
        let v = parse_ping(&resp(503, ct, body));
        assert_eq!(unknown_why(&v), Some(UnknownWhy::Gateway), "{body}");
        assert!(v.is_unreachable());
    }
}

#[test]
fn ping_contradictions_are_unhealthy_and_say_so() {
    assert_eq!(
        parse_ping(&json_resp(200, r#"{"Error":"disk full","Healthy":false}"#)),
        PingVerdict::Unhealthy {
            reason: "disk full".into()
        }
    );
    let PingVerdict::Unhealthy { reason } =
        parse_ping(&json_resp(200, r#"{"Error":"","Healthy":false}"#))
    else {
        panic!("expected unhealthy");
    };
    assert!(reason.contains("200"), "{reason}");
    let PingVerdict::Unhealthy { reason } =
        parse_ping(&json_resp(503, r#"{"Error":"","Healthy":true}"#))
    else {
        panic!("expected unhealthy");
    };
    assert!(reason.contains("503"), "{reason}");
    // 503 with MSR's shape but no reason, or only the Error key.
    let PingVerdict::Unhealthy { reason } =
        parse_ping(&json_resp(503, r#"{"Error":"  ","Healthy":false}"#))
    else {
        panic!("expected unhealthy");
    };
    assert!(reason.contains("without a reason"));
    assert_eq!(
        parse_ping(&json_resp(503, r#"{"Error":"Rethinkdb has issues: []"}"#)),
        PingVerdict::Unhealthy {
            reason: "Rethinkdb has issues: []".into()
        }
    );
}

#[test]
fn ping_malformed_bodies_are_unknown() {
    let mut bodies: Vec<Vec<u8>> = [
        "",
        "   ",
        "null",
        "true",
        "[true]",
        "\"Healthy\"",
        r#"{"Error":"","Healthy":tru"#,
        r#"{"Healthy":"true"}"#,
        r#"{"Healthy":1}"#,
        r#"{"Error":"only an error"}"#,
        r#"{"status":"ok"}"#,
        r#"{"Healthy":true} {"Healthy":false}"#,
        "OK",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    bodies.push(vec![0xff, 0xfe, b'{', b'}']);
    bodies.push(b"{\"Error\":\"\xff\",\"Healthy\":true}".to_vec());
    bodies.push("[".repeat(10_000).into_bytes());
    for body in bodies {
        let v = parse_ping(&resp(200, "application/json", body.clone()));
        assert_eq!(
            unknown_why(&v),
            Some(UnknownWhy::NotPingJson),
            "{:?}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[test]
fn ping_unknown_keeps_a_short_excerpt() {
    let body = format!("<!doctype html>{}", "x".repeat(100_000));
    let PingVerdict::Unknown {
        status, excerpt, ..
    } = parse_ping(&resp(200, "", body))
    else {
        panic!("expected unknown");
    };
    assert_eq!(status, 200);
    assert!(excerpt.starts_with("<!doctype html>xxx"));
    assert!(excerpt.chars().count() <= 200);
}

#[test]
fn ping_requests_per_replica() {
    for origin in [
        "https://replica-1.msr.example.org",
        "https://10.0.1.12:8443",
    ] {
        let origin = Origin::parse(origin).unwrap();
        let r = ping_request(&origin);
        assert_eq!(r.method(), http::Method::GET);
        assert_eq!(r.uri().to_string(), format!("{origin}/_ping"));
        assert!(r.headers().get(header::AUTHORIZATION).is_none());
    }
}

#[test]
fn ping_verdict_serializes_for_javascript() {
    assert_eq!(
        serde_json::to_value(PingVerdict::Healthy).unwrap(),
        json!({"state": "healthy"})
    );
    assert_eq!(
        serde_json::to_value(PingVerdict::Unhealthy { reason: "r".into() }).unwrap(),
        json!({"state": "unhealthy", "reason": "r"})
    );
    assert_eq!(
        serde_json::to_value(parse_ping(&resp(502, "text/plain", "Bad Gateway"))).unwrap(),
        json!({"state": "unknown", "status": 502, "excerpt": "Bad Gateway", "why": "gateway"})
    );
    assert_eq!(
        serde_json::to_value(PingVerdict::no_answer("")).unwrap(),
        json!({"state": "unknown", "status": 0, "excerpt": "", "why": "noAnswer"})
    );
}

// ---------------------------------------------------------------- /nginx_status

fn nginx(text: &str) -> Result<NginxStatus, NginxParseError> {
    NginxStatus::parse(text.as_bytes())
}

const SPEC_STATUS: NginxStatus = NginxStatus {
    active: 291,
    accepts: 16630948,
    handled: 16630948,
    requests: 31070465,
    reading: 6,
    writing: 179,
    waiting: 106,
};

#[test]
fn nginx_spec_fixture_and_spacing_variants() {
    assert_eq!(nginx(NGINX), Ok(SPEC_STATUS));
    for text in [
        NGINX.replace('\n', "\r\n"),
        NGINX.trim().to_string(),
        NGINX.replace(' ', "\t"),
        NGINX.replace('\n', " "),
        NGINX.replace('\n', "\n\n  \n"),
        NGINX.replace(' ', "   "),
        NGINX.to_lowercase(),
        NGINX.to_uppercase(),
        format!("\u{feff}{NGINX}"),
    ] {
        assert_eq!(nginx(&text), Ok(SPEC_STATUS), "{text:?}");
    }
}

#[test]
fn nginx_extra_columns_are_ignored() {
    let text = "Active connections: 1\nserver accepts handled requests request_time\n 10 9 30 12345\nReading: 0 Writing: 1 Waiting: 0\n";
    let s = nginx(text).unwrap();
    assert_eq!((s.accepts, s.handled, s.requests), (10, 9, 30));
    assert_eq!(s.dropped(), 1);
}

#[test]
fn nginx_huge_numbers_and_overflow() {
    let max = u64::MAX;
    let text = format!(
        "Active connections: {max}\nserver accepts handled requests\n {max} 0 {max}\nReading: 0 Writing: 0 Waiting: {max}\n"
    );
    let s = nginx(&text).unwrap();
    assert_eq!(
        (s.active, s.accepts, s.requests, s.waiting),
        (max, max, max, max)
    );
    assert_eq!(s.dropped(), max);
    let too_big = NGINX.replace("16630948 16630948", "18446744073709551616 16630948");
    assert_eq!(
        nginx(&too_big),
        Err(NginxParseError::Overflow {
            field: "accepts",
            token: "18446744073709551616".into()
        })
    );
    let very_long = NGINX.replace("Waiting: 106", &format!("Waiting: {}", "9".repeat(5000)));
    let Err(NginxParseError::Overflow { field, token }) = nginx(&very_long) else {
        panic!("expected overflow");
    };
    assert_eq!(field, "waiting");
    assert_eq!(token.len(), 40);
}

#[test]
fn nginx_typed_errors() {
    assert_eq!(
        nginx(""),
        Err(NginxParseError::Missing { field: "accepts" })
    );
    assert_eq!(
        nginx(&NGINX.replace("Waiting: 106", "")),
        Err(NginxParseError::Missing { field: "waiting" })
    );
    assert_eq!(
        nginx(&NGINX.replace("Active connections: 291", "")),
        Err(NginxParseError::Missing { field: "active" })
    );
    assert_eq!(
        nginx(&NGINX.replace("Reading: 6", "Reading: six")),
        Err(NginxParseError::NotANumber {
            field: "reading",
            token: "six".into()
        })
    );
    assert_eq!(
        nginx(&NGINX.replace("Writing: 179", "Writing: -179")),
        Err(NginxParseError::NotANumber {
            field: "writing",
            token: "-179".into()
        })
    );
    assert_eq!(
        nginx(&NGINX.replace("Writing: 179", "Writing: 1.5")),
        Err(NginxParseError::NotANumber {
            field: "writing",
            token: "1.5".into()
        })
    );
    // Two numbers for three columns.
    assert!(matches!(
        nginx(&NGINX.replace(" 16630948 16630948 31070465", " 16630948 31070465")),
        Err(NginxParseError::NotANumber {
            field: "requests",
            ..
        })
    ));
    assert!(matches!(
        nginx(&NGINX.replace("handled ", "")),
        Err(NginxParseError::Missing { field: "handled" })
    ));
    assert_eq!(
        NginxStatus::parse(&[b'A', 0xff, 0xfe]),
        Err(NginxParseError::NotText)
    );
    assert!(nginx(r#"{"active":1}"#).is_err());
    assert!(nginx(SSO_PAGE).is_err());
}

#[test]
fn nginx_dropped_saturates() {
    let s = NginxStatus {
        accepts: 100,
        handled: 90,
        ..Default::default()
    };
    assert_eq!(s.dropped(), 10);
    let s = NginxStatus {
        accepts: 90,
        handled: 100,
        ..Default::default()
    };
    assert_eq!(s.dropped(), 0);
}

#[test]
fn nginx_outcomes() {
    assert_eq!(
        parse_nginx_status(&resp(200, "text/plain", NGINX)),
        NginxOutcome::Available(SPEC_STATUS)
    );
    for status in [401, 403, 404] {
        assert_eq!(
            parse_nginx_status(&resp(status, "text/html", SSO_PAGE)),
            NginxOutcome::NotAvailable { status }
        );
    }
    for (status, kind) in [
        (500, ErrorKind::ServerError),
        (502, ErrorKind::Unavailable),
        (503, ErrorKind::Unavailable),
        (400, ErrorKind::BadRequest),
        (302, ErrorKind::UnexpectedBody),
    ] {
        let NginxOutcome::Error(e) = parse_nginx_status(&resp(status, "text/plain", "x")) else {
            panic!("{status}: expected an error");
        };
        assert_eq!(e.kind, kind, "{status}");
    }
    let NginxOutcome::Error(e) = parse_nginx_status(&resp(200, "", SSO_PAGE)) else {
        panic!("expected an error");
    };
    assert_eq!(
        (e.kind, e.shape),
        (ErrorKind::UnexpectedBody, BodyShape::Html)
    );
    let NginxOutcome::Invalid { error, excerpt } =
        parse_nginx_status(&resp(200, "application/json", r#"{"active": 3}"#))
    else {
        panic!("expected invalid");
    };
    assert_eq!(error, NginxParseError::Missing { field: "accepts" });
    assert_eq!(excerpt, r#"{"active": 3}"#);
}

#[test]
fn nginx_request_has_no_credentials() {
    let r = nginx_status_request(&Origin::parse("https://msr.example.org").unwrap());
    assert_eq!(r.uri().to_string(), "https://msr.example.org/nginx_status");
    assert!(r.headers().get(header::AUTHORIZATION).is_none());
}

fn sample(secs: i64, accepts: u64, handled: u64, requests: u64) -> NginxSample {
    NginxSample::new(
        Timestamp::from_secs(secs),
        NginxStatus {
            accepts,
            handled,
            requests,
            ..Default::default()
        },
    )
}

#[test]
fn nginx_rates_between_samples() {
    let r = rates(&sample(0, 1000, 990, 5000), &sample(10, 1100, 1085, 5500)).unwrap();
    assert_eq!(r.requests_per_sec, 50.0);
    assert_eq!(r.accepts_per_sec, 10.0);
    assert_eq!(r.dropped, 5);
    assert_eq!(r.elapsed_ms, 10_000);
    assert!(!r.reset);
    let r = rates(&sample(0, 7, 7, 7), &sample(1, 7, 7, 7)).unwrap();
    assert_eq!(
        (r.requests_per_sec, r.accepts_per_sec, r.dropped),
        (0.0, 0.0, 0)
    );
    // Millisecond resolution.
    let a = NginxSample::new(Timestamp::from_millis(0), SPEC_STATUS);
    let mut later = SPEC_STATUS;
    later.requests += 1;
    let b = NginxSample::new(Timestamp::from_millis(250), later);
    assert_eq!(rates(&a, &b).unwrap().requests_per_sec, 4.0);
}

#[test]
fn nginx_rates_reset_and_bad_intervals() {
    // nginx restarted: counters went down; the rate counts from the restart.
    let r = rates(
        &sample(0, 1_000_000, 1_000_000, 9_000_000),
        &sample(20, 40, 40, 100),
    )
    .unwrap();
    assert!(r.reset);
    assert_eq!(r.requests_per_sec, 5.0);
    assert_eq!(r.accepts_per_sec, 2.0);
    assert!(r.requests_per_sec >= 0.0);
    // Only one counter went down: still a reset.
    let r = rates(&sample(0, 10, 10, 100), &sample(1, 20, 20, 50)).unwrap();
    assert!(r.reset);
    // Same instant, or samples out of order: no rate.
    assert_eq!(rates(&sample(5, 1, 1, 1), &sample(5, 2, 2, 2)), None);
    assert_eq!(rates(&sample(6, 1, 1, 1), &sample(5, 2, 2, 2)), None);
    // Extreme timestamps do not overflow.
    let a = NginxSample::new(Timestamp::from_millis(i64::MIN), SPEC_STATUS);
    let b = NginxSample::new(Timestamp::from_millis(i64::MAX), SPEC_STATUS);
    assert!(rates(&a, &b).is_some());
    assert_eq!(rates(&b, &a), None);
    // Counters near the top of u64.
    let r = rates(
        &sample(0, 0, 0, 0),
        &sample(1, u64::MAX, u64::MAX, u64::MAX),
    )
    .unwrap();
    assert!(r.requests_per_sec.is_finite());
}

#[test]
fn nginx_rates_serialize_camel_case() {
    let r = rates(&sample(0, 0, 0, 0), &sample(2, 4, 4, 8)).unwrap();
    assert_eq!(
        serde_json::to_value(r).unwrap(),
        json!({"requestsPerSec": 4.0, "acceptsPerSec": 2.0, "dropped": 0, "elapsedMs": 2000, "reset": false})
    );
}

// ---------------------------------------------------------------- cluster_status

fn cluster(body: &str) -> ClusterStatus {
    ClusterStatus::from_json(body.as_bytes()).unwrap()
}

#[test]
fn cluster_healthy_fixture() {
    let c = cluster(HEALTHY);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let ids: Vec<&str> = c.replica_ids().into_iter().collect();
    assert_eq!(ids, ["f2277ad178f7", "f3712d9c419a", "f58cf364e3df"]);
    let states = c.replica_states(now(), DEFAULT_STALE_AFTER);
    assert_eq!(states.len(), 3);
    for s in &states {
        assert!(s.is_ok(), "{s:?}");
        assert_eq!(s.conditions, [ReplicaCondition::Ok]);
        assert_eq!(s.read_only, Some(false));
        assert!(s.last_seen.as_ref().unwrap().at.is_some());
    }
    assert_eq!(c.issues().count(), 0);
    assert!(!c.gc_running());
    assert_eq!(c.gc_lock_holder.as_deref(), Some(""));
    assert_eq!(c.tables_not_ready().count(), 0);
    let tables = c.rethink_system_tables.as_ref().unwrap();
    let replica_ids: Vec<_> = tables
        .server_status
        .iter()
        .filter_map(ServerStatus::replica_id)
        .collect();
    assert_eq!(replica_ids, ids);
    assert_eq!(tables.table_status.len(), 2);
    assert_eq!(
        tables.table_status[1].full_name(),
        "notaryserver.changefeed"
    );
    assert_eq!(tables.table_status[0].ready_for_writes, Some(true));
    assert_eq!(
        tables.table_status[0].status.get("ready_for_reads"),
        Some(&Value::Bool(true))
    );
    let mut opaque: Vec<&str> = tables.other.keys().map(String::as_str).collect();
    opaque.sort();
    assert_eq!(
        opaque,
        ["cluster_config", "db_config", "stats", "table_config"]
    );
    assert!(c.other.is_empty());
    assert!(c.etcd_status.is_none());
}

#[test]
fn cluster_staleness_threshold() {
    let c = cluster(HEALTHY);
    // f3712d9c419a reported at 10:14:29.118; the others later.
    let last = Timestamp::parse_rfc3339("2026-03-02T10:14:29.118004Z").unwrap();
    let limit = Duration::from_secs(60);
    let at_limit = last.add_secs(60);
    assert!(
        c.replica_states(at_limit, limit)
            .iter()
            .all(ReplicaState::is_ok)
    );
    let just_past = at_limit.add_millis(1);
    let states = c.replica_states(just_past, limit);
    let stale: Vec<&str> = states
        .iter()
        .filter(|s| s.is_stale())
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(stale, ["f3712d9c419a"]);
    assert_eq!(
        states[1].conditions,
        [ReplicaCondition::Stale {
            last_seen: last,
            age_secs: 60
        }]
    );
    // Ten minutes later everything is stale; reports "from the future" never are.
    assert!(
        c.replica_states(now().add_secs(600), DEFAULT_STALE_AFTER)
            .iter()
            .all(ReplicaState::is_stale)
    );
    assert!(
        c.replica_states(Timestamp::EPOCH, Duration::ZERO)
            .iter()
            .all(ReplicaState::is_ok)
    );
    assert!(
        c.replica_states(Timestamp::from_millis(i64::MAX), Duration::MAX)
            .iter()
            .all(ReplicaState::is_ok)
    );
}

#[test]
fn cluster_degraded_fixture() {
    let c = cluster(DEGRADED);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let states = c.replica_states(now(), DEFAULT_STALE_AFTER);
    assert_eq!(states[0].id, "f2277ad178f7");
    assert!(states[0].is_ok());
    assert_eq!(states[1].id, "f3712d9c419a");
    assert_eq!(states[1].conditions, [ReplicaCondition::ReadOnly]);
    assert_eq!(states[2].id, "f58cf364e3df");
    assert_eq!(
        states[2].unhealthy_reason(),
        Some(
            "Failed to connect to container at 10.0.1.13:443: dial tcp 10.0.1.13:443: i/o timeout"
        )
    );
    assert!(states[2].is_stale());
    let ReplicaCondition::Stale { age_secs, .. } = states[2].conditions[1] else {
        panic!("expected stale second");
    };
    assert_eq!(age_secs, 33 * 60 + 52);
    assert_eq!(c.issues().count(), 2);
    let critical: Vec<_> = c.critical_issues().collect();
    assert_eq!(critical.len(), 1);
    assert_eq!(critical[0].kind.as_deref(), Some("table_availability"));
    assert!(critical[0].info.is_some());
    assert!(c.gc_running());
    assert_eq!(c.gc_lock_holder.as_deref(), Some("f2277ad178f7"));
    let not_ready: Vec<String> = c.tables_not_ready().map(TableStatus::full_name).collect();
    assert_eq!(not_ready, ["dtr2.manifests", "notaryserver.changefeed"]);
    // A null raft_leader is kept as raw JSON.
    let changefeed = &c.rethink_system_tables.as_ref().unwrap().table_status[1];
    assert_eq!(changefeed.other.get("raft_leader"), Some(&Value::Null));
}

#[test]
fn cluster_odd_fields_never_fail_the_report() {
    let c = cluster(ODD);
    let w = |needle: &str| c.warnings.iter().any(|w| w.contains(needle));
    for needle in [
        "rethink_system_tables.current_issues[0].critical: expected a boolean, found a string",
        "rethink_system_tables.current_issues[1]: expected an object, found a string",
        "rethink_system_tables.current_issues[2].description: expected a string, found a number",
        "rethink_system_tables.server_status: expected an array, found an object",
        "rethink_system_tables.table_status[0].status: expected an object, found a string",
        "rethink_system_tables.table_status[1].status.all_replicas_ready: expected a boolean",
        "replica_health.f3712d9c419a: expected a string, found an object",
        "replica_health.f58cf364e3df: expected a string, found null",
        "replica_timestamp.f58cf364e3df: expected a string, found a number",
        "replica_readonly.f2277ad178f7: expected a boolean, found a string",
        "gc_lock_holder: expected a string, found a number",
    ] {
        assert!(w(needle), "missing warning {needle:?} in {:#?}", c.warnings);
    }
    assert_eq!(c.warnings.len(), 11, "{:#?}", c.warnings);
    let tables = c.rethink_system_tables.as_ref().unwrap();
    assert_eq!(tables.current_issues.len(), 2);
    assert!(!tables.current_issues[0].critical);
    assert_eq!(tables.current_issues[1].description, None);
    assert!(tables.server_status.is_empty());
    assert_eq!(tables.table_status[1].all_replicas_ready, None);
    assert_eq!(tables.table_status[1].ready_for_writes, Some(true));
    assert!(tables.other.contains_key("jobs"));
    assert!(c.etcd_status.as_ref().unwrap().get("members").is_some());
    assert_eq!(
        c.other.get("msr_version"),
        Some(&Value::String("3.1.7".into()))
    );
    assert!(!c.gc_running());

    let states = c.replica_states(now(), DEFAULT_STALE_AFTER);
    let ids: Vec<&str> = states.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["f2277ad178f7", "f3712d9c419a", "f58cf364e3df"]);
    assert!(states[0].is_ok());
    assert_eq!(states[0].read_only, None);
    assert_eq!(states[1].unhealthy_reason(), Some(r#"{"status":"OK"}"#));
    assert!(matches!(
        &states[1].conditions[1],
        ReplicaCondition::TimestampUnknown { raw } if raw.starts_with("Failed to get timestamp of replica f3712d9c419a")
    ));
    assert_eq!(states[1].read_only, Some(false));
    assert_eq!(
        states[2].conditions,
        [
            ReplicaCondition::HealthUnknown,
            ReplicaCondition::TimestampUnknown {
                raw: "1772446471".into()
            }
        ]
    );
}

#[test]
fn cluster_union_of_replica_ids() {
    let c = cluster(
        r#"{"replica_health":{"a":"OK"},"replica_timestamp":{"b":"2026-03-02T10:14:00Z"},"replica_readonly":{"c":true}}"#,
    );
    let states = c.replica_states(now(), DEFAULT_STALE_AFTER);
    assert_eq!(states.len(), 3);
    assert_eq!(states[0].conditions, [ReplicaCondition::Ok]);
    assert_eq!(states[1].conditions, [ReplicaCondition::HealthUnknown]);
    assert_eq!(
        states[2].conditions,
        [ReplicaCondition::HealthUnknown, ReplicaCondition::ReadOnly]
    );
    // Only exactly "OK" is healthy.
    let c = cluster(r#"{"replica_health":{"a":"ok","b":" OK","c":""}}"#);
    assert!(
        c.replica_states(now(), DEFAULT_STALE_AFTER)
            .iter()
            .all(|s| s.unhealthy_reason().is_some())
    );
    // An empty object is a valid, empty report.
    let c = cluster("{}");
    assert!(c.replica_states(now(), DEFAULT_STALE_AFTER).is_empty());
    assert!(c.warnings.is_empty());
}

#[test]
fn cluster_vendor_page_example_is_rejected_clearly_and_the_corrected_one_parses() {
    let e = ClusterStatus::from_json(VENDOR_PAGE.as_bytes()).unwrap_err();
    assert!(e.message.contains("control character"), "{e}");
    assert_eq!(e.path, "current_issues[0].description", "{e}");
    assert!(e.excerpt.starts_with("{ \"current_issues\""));
    let Err(ClusterStatusError::Body(_)) =
        parse_cluster_status(&resp(200, "application/json", VENDOR_PAGE))
    else {
        panic!("expected a body error");
    };
    // With only the newline fixed, the trailing commas are reported next.
    let trailing_commas = VENDOR_PAGE.replace("are\n                    not", "are not");
    let e = ClusterStatus::from_json(trailing_commas.as_bytes()).unwrap_err();
    assert!(e.message.contains("trailing comma"), "{e}");

    let c = cluster(VENDOR_PAGE_CORRECTED);
    assert!(c.rethink_system_tables.is_none());
    assert_eq!(c.current_issues.len(), 1);
    assert!(!c.current_issues[0].critical);
    assert!(
        c.issues()
            .next()
            .unwrap()
            .description
            .as_deref()
            .unwrap()
            .contains("not reachable")
    );
    let states = c.replica_states(now(), DEFAULT_STALE_AFTER);
    assert_eq!(states.len(), 3);
    assert!(states.iter().all(ReplicaState::is_ok));
}

#[test]
fn cluster_body_that_is_not_an_object() {
    for body in ["[]", "\"OK\"", "null", "42", "", "   ", "{", "{}{}"] {
        let e = ClusterStatus::from_json(body.as_bytes()).unwrap_err();
        assert!(!e.message.is_empty(), "{body}");
    }
    let e = ClusterStatus::from_json(b"[1,2]").unwrap_err();
    assert_eq!(e.message, "expected a JSON object, found an array");
    assert!(ClusterStatus::from_json(&[0xff, b'{', b'}']).is_err());
    assert!(ClusterStatus::from_json(b"{\"gc_lock_holder\":\"\xff\"}").is_err());
}

#[test]
fn cluster_error_statuses() {
    let e = parse_cluster_status(&json_resp(
        401,
        r#"{"code":"NOT_AUTHENTICATED","message":"The client is not authenticated."}"#,
    ))
    .unwrap_err();
    let ClusterStatusError::NotAuthenticated(api) = &e else {
        panic!("{e:?}");
    };
    assert_eq!(api.shape, BodyShape::Bare);
    assert!(api.is_code("NOT_AUTHENTICATED"));

    let e = parse_cluster_status(&json_resp(
        403,
        r#"{"errors":[{"code":"NOT_AUTHORIZED","message":"The client is not authorized.","detail":"admin access required"}]}"#,
    ))
    .unwrap_err();
    assert!(matches!(e, ClusterStatusError::NotAdmin(_)), "{e:?}");
    assert!(e.to_string().contains("not an MSR admin"));
    assert!(e.api_error().unwrap().is_code("NOT_AUTHORIZED"));

    let e = parse_cluster_status(&json_resp(
        503,
        r#"{"errors":[{"code":"STATUS_CHECK_FAILED","message":"Failed to get cluster status","detail":"rethinkdb: connection refused"}]}"#,
    ))
    .unwrap_err();
    assert!(matches!(e, ClusterStatusError::CheckFailed(_)), "{e:?}");
    // What MSR says went wrong (the error's detail) is the useful part: it is said.
    assert_eq!(
        e.to_string(),
        "the cluster status check failed inside MSR: HTTP 503 (unavailable) STATUS_CHECK_FAILED: \
         Failed to get cluster status — rethinkdb: connection refused"
    );

    for (status, ct, body, kind) in [
        (403, "text/html", SSO_PAGE, ErrorKind::Forbidden),
        (
            503,
            "text/html",
            "<html>down</html>",
            ErrorKind::Unavailable,
        ),
        (502, "", "", ErrorKind::Unavailable),
        (
            500,
            "application/json",
            r#"{"errors":[{"code":"UNKNOWN"}]}"#,
            ErrorKind::ServerError,
        ),
        (404, "text/plain", "404 page not found", ErrorKind::NotFound),
        (200, "", SSO_PAGE, ErrorKind::UnexpectedBody),
        (200, "text/html", "{}", ErrorKind::UnexpectedBody),
    ] {
        let e = parse_cluster_status(&resp(status, ct, body)).unwrap_err();
        let ClusterStatusError::Http(api) = &e else {
            panic!("{status}: {e:?}");
        };
        assert_eq!(api.kind, kind, "{status}");
        assert!(e.api_error().is_some());
    }
    // 401 from an SSO proxy is still "not signed in".
    assert!(matches!(
        parse_cluster_status(&resp(401, "text/html", SSO_PAGE)),
        Err(ClusterStatusError::NotAuthenticated(_))
    ));
    assert!(parse_cluster_status(&resp(200, "text/plain; charset=utf-8", HEALTHY)).is_ok());
}

#[test]
fn cluster_request_hides_the_secret() {
    let origin = Origin::parse("https://msr.example.org").unwrap();
    let creds = Credentials::access_token("admin", "d7b1c0de-secret-token");
    let r = cluster_status_request(&origin, &creds);
    assert_eq!(
        r.uri().to_string(),
        "https://msr.example.org/api/v0/meta/cluster_status"
    );
    assert_eq!(r.method(), http::Method::GET);
    assert_eq!(
        r.headers().get(header::AUTHORIZATION),
        Some(&creds.basic_header())
    );
    let debug = format!("{r:?}");
    assert!(!debug.contains("secret-token"));
    assert!(!debug.contains(creds.basic_header().to_str().unwrap()));
}

#[test]
fn cluster_models_serialize_camel_case() {
    let c = cluster(DEGRADED);
    let states = serde_json::to_value(c.replica_states(now(), DEFAULT_STALE_AFTER)).unwrap();
    let stale = &states[2];
    assert_eq!(stale["id"], "f58cf364e3df");
    assert_eq!(stale["readOnly"], false);
    assert_eq!(stale["lastSeen"]["raw"], "2026-03-02T09:41:07.220194Z");
    assert_eq!(stale["lastSeen"]["at"], 1772444467220_i64);
    assert_eq!(stale["conditions"][0]["condition"], "unhealthy");
    assert_eq!(stale["conditions"][1]["condition"], "stale");
    assert_eq!(stale["conditions"][1]["lastSeen"], 1772444467220_i64);
    assert_eq!(stale["conditions"][1]["ageSecs"], 2032);
    let issue = serde_json::to_value(c.critical_issues().next().unwrap()).unwrap();
    assert_eq!(issue["type"], "table_availability");
    assert_eq!(issue["critical"], true);
    let whole = serde_json::to_value(&c).unwrap();
    assert!(whole["rethinkSystemTables"]["tableStatus"][0]["allReplicasReady"].is_boolean());
    assert_eq!(whole["gcLockHolder"], "f2277ad178f7");
}

// ---------------------------------------------------------------- report

fn input() -> HealthInput {
    HealthInput::default()
}

fn pings(verdicts: &[PingVerdict]) -> Vec<(String, PingVerdict)> {
    verdicts
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("replica-{}", i + 1), v.clone()))
        .collect()
}

fn unhealthy(reason: &str) -> PingVerdict {
    PingVerdict::Unhealthy {
        reason: reason.into(),
    }
}

fn gateway() -> PingVerdict {
    parse_ping(&resp(502, "text/html", "<html>Bad Gateway</html>"))
}

fn sso() -> PingVerdict {
    parse_ping(&resp(302, "text/html", SSO_PAGE))
}

fn codes(report: &HealthReport) -> Vec<ReasonCode> {
    report.reasons.iter().map(|r| r.code).collect()
}

#[test]
fn report_no_data_is_unknown() {
    let r = HealthReport::build(&input(), now());
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(codes(&r), [ReasonCode::NoData]);
}

#[test]
fn report_all_healthy() {
    let i = HealthInput {
        pings: pings(&[
            PingVerdict::Healthy,
            PingVerdict::Healthy,
            PingVerdict::Healthy,
        ]),
        nginx: Some(NginxOutcome::Available(SPEC_STATUS)),
        cluster: Some(Ok(cluster(HEALTHY))),
        ..input()
    };
    let r = HealthReport::build(&i, now());
    assert_eq!(r.verdict, Verdict::Healthy);
    assert!(r.reasons.is_empty(), "{:?}", r.reasons);
    assert_eq!(r.replicas.len(), 3);
    assert_eq!(r.nginx, Some(SPEC_STATUS));
    assert_eq!(r.coverage.summary, "pings + nginx + cluster status");
    assert_eq!(r.coverage.cluster_status_missing, None);
}

#[test]
fn report_one_unhealthy_replica_is_degraded() {
    let i = HealthInput {
        pings: pings(&[
            PingVerdict::Healthy,
            unhealthy("Notary unhealthy: connection refused"),
            PingVerdict::Healthy,
        ]),
        ..input()
    };
    let r = HealthReport::build(&i, now());
    assert_eq!(r.verdict, Verdict::Degraded);
    assert_eq!(codes(&r), [ReasonCode::PingUnhealthy]);
    assert_eq!(r.reasons[0].subject.as_deref(), Some("replica-2"));
    assert!(r.reasons[0].message.contains("Notary unhealthy"));
    assert_eq!(r.reasons[0].severity, Severity::Degraded);
}

#[test]
fn report_down_when_no_replica_is_healthy() {
    for verdicts in [
        vec![unhealthy("a"), unhealthy("b"), unhealthy("c")],
        vec![unhealthy("a"), PingVerdict::no_answer("connection refused")],
        vec![gateway(), gateway()],
        vec![gateway(), PingVerdict::no_answer("timeout")],
    ] {
        let r = HealthReport::build(
            &HealthInput {
                pings: pings(&verdicts),
                ..input()
            },
            now(),
        );
        assert_eq!(r.verdict, Verdict::Down, "{verdicts:?}");
        assert_eq!(r.reasons[0].code, ReasonCode::AllReplicasDown);
        assert!(
            r.reasons
                .iter()
                .filter(|x| x.code != ReasonCode::AllReplicasDown)
                .all(|x| x.severity == Severity::Down)
        );
    }
    // cluster_status says every replica is unhealthy.
    let c = cluster(r#"{"replica_health":{"a":"Rethinkdb has issues","b":"Notary unhealthy"}}"#);
    let r = HealthReport::build(
        &HealthInput {
            cluster: Some(Ok(c)),
            ..input()
        },
        now(),
    );
    assert_eq!(r.verdict, Verdict::Down);
    assert_eq!(
        r.reasons_with(ReasonCode::ReplicaUnhealthy)
            .filter(|x| x.severity == Severity::Down)
            .count(),
        2
    );
}

#[test]
fn report_no_answer_anywhere_is_unknown_not_down() {
    let r = HealthReport::build(
        &HealthInput {
            pings: pings(&[
                PingVerdict::no_answer("TypeError: Failed to fetch"),
                PingVerdict::no_answer("TypeError: Failed to fetch"),
            ]),
            ..input()
        },
        now(),
    );
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(r.reasons[0].code, ReasonCode::Inconclusive);
    assert!(r.reasons[0].message.contains("TLS"));
    assert!(
        r.reasons_with(ReasonCode::PingUnreachable)
            .all(|x| x.severity == Severity::Unknown)
    );
}

#[test]
fn report_unreachable_replica_next_to_a_healthy_one_is_degraded() {
    for other in [PingVerdict::no_answer("connection refused"), gateway()] {
        let r = HealthReport::build(
            &HealthInput {
                pings: pings(&[PingVerdict::Healthy, other]),
                ..input()
            },
            now(),
        );
        assert_eq!(r.verdict, Verdict::Degraded);
        assert_eq!(codes(&r), [ReasonCode::PingUnreachable]);
    }
}

#[test]
fn report_only_proxy_answers_are_unknown() {
    let r = HealthReport::build(
        &HealthInput {
            pings: pings(&[sso(), parse_ping(&resp(200, "", SSO_PAGE))]),
            ..input()
        },
        now(),
    );
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(
        codes(&r),
        [
            ReasonCode::Inconclusive,
            ReasonCode::PingUnknown,
            ReasonCode::PingUnknown
        ]
    );
    // Next to a healthy replica a proxy answer is listed but does not degrade.
    let r = HealthReport::build(
        &HealthInput {
            pings: pings(&[PingVerdict::Healthy, sso()]),
            cluster: Some(Ok(cluster(HEALTHY))),
            ..input()
        },
        now(),
    );
    assert_eq!(r.verdict, Verdict::Healthy);
    assert_eq!(codes(&r), [ReasonCode::PingUnknown]);
    assert!(r.reasons[0].message.contains("HTTP 302"));
}

#[test]
fn report_degraded_cluster_fixture_explains_everything() {
    let i = HealthInput {
        pings: pings(&[PingVerdict::Healthy, PingVerdict::Healthy]),
        cluster: Some(Ok(cluster(DEGRADED))),
        ..input()
    };
    let r = HealthReport::build(&i, now());
    assert_eq!(r.verdict, Verdict::Degraded);
    let c = codes(&r);
    for code in [
        ReasonCode::ReplicaUnhealthy,
        ReasonCode::ReplicaStale,
        ReasonCode::ReplicaReadOnly,
        ReasonCode::CriticalIssue,
        ReasonCode::TablesNotWritable,
        ReasonCode::Issue,
        ReasonCode::TablesReplicasNotReady,
        ReasonCode::GcRunning,
    ] {
        assert!(c.contains(&code), "{code:?} missing from {c:?}");
    }
    let stale = r.reasons_with(ReasonCode::ReplicaStale).next().unwrap();
    assert_eq!(stale.subject.as_deref(), Some("f58cf364e3df"));
    assert!(stale.message.contains("too long ago"));
    assert!(stale.message.contains("2026-03-02T09:41:07.220Z"));
    let gc = r.reasons_with(ReasonCode::GcRunning).next().unwrap();
    assert_eq!(gc.severity, Severity::Info);
    assert_eq!(
        r.reasons_with(ReasonCode::TablesNotWritable)
            .next()
            .unwrap()
            .subject
            .as_deref(),
        Some("notaryserver.changefeed")
    );
    // Most severe first.
    assert!(r.reasons.windows(2).all(|w| w[0].severity >= w[1].severity));
    assert!(r.gc_running);
    assert_eq!(r.issues.len(), 2);
}

#[test]
fn report_gc_alone_is_informational() {
    let body = HEALTHY.replace(
        r#""gc_lock_holder": """#,
        r#""gc_lock_holder": "f3712d9c419a""#,
    );
    let r = HealthReport::build(
        &HealthInput {
            cluster: Some(Ok(cluster(&body))),
            ..input()
        },
        now(),
    );
    assert_eq!(r.verdict, Verdict::Healthy);
    assert_eq!(codes(&r), [ReasonCode::GcRunning]);
    assert!(r.reasons[0].message.contains("f3712d9c419a"));
}

#[test]
fn report_stale_cluster_without_pings_is_degraded_not_healthy() {
    let r = HealthReport::build(
        &HealthInput {
            cluster: Some(Ok(cluster(HEALTHY))),
            ..input()
        },
        now().add_secs(3600),
    );
    assert_eq!(r.verdict, Verdict::Degraded);
    assert_eq!(r.reasons_with(ReasonCode::ReplicaStale).count(), 3);
}

#[test]
fn report_cluster_errors() {
    let not_admin = || {
        parse_cluster_status(&json_resp(
            403,
            r#"{"errors":[{"code":"NOT_AUTHORIZED","message":"The client is not authorized."}]}"#,
        ))
    };
    let check_failed = parse_cluster_status(&json_resp(
        503,
        r#"{"errors":[{"code":"STATUS_CHECK_FAILED","message":"rethinkdb unreachable"}]}"#,
    ));
    let not_signed_in = || parse_cluster_status(&json_resp(401, r#"{"code":"NOT_AUTHENTICATED"}"#));
    let proxy = parse_cluster_status(&resp(200, "", SSO_PAGE));
    use ClusterStatusMissing as M;
    for (outcome, verdict, expected, missing) in [
        (
            not_admin(),
            Verdict::Reachable,
            &[
                (ReasonCode::ClusterNotChecked, Severity::Unknown),
                (ReasonCode::ClusterNotAdmin, Severity::Info),
            ][..],
            M::NotAdmin,
        ),
        (
            not_signed_in(),
            Verdict::Unknown,
            &[
                (ReasonCode::SignInFailed, Severity::Unknown),
                (ReasonCode::ClusterNotSignedIn, Severity::Unknown),
            ],
            M::SignInFailed,
        ),
        (
            check_failed,
            Verdict::Degraded,
            &[(ReasonCode::ClusterCheckFailed, Severity::Degraded)],
            M::CheckFailed,
        ),
        (
            proxy,
            Verdict::Reachable,
            &[
                (ReasonCode::ClusterNotChecked, Severity::Unknown),
                (ReasonCode::ClusterUnavailable, Severity::Unknown),
            ],
            M::Unavailable,
        ),
    ] {
        let r = HealthReport::build(
            &HealthInput {
                pings: pings(&[PingVerdict::Healthy]),
                cluster: Some(outcome),
                cluster_requested: true,
                ..input()
            },
            now(),
        );
        assert_eq!(r.verdict, verdict, "{missing:?}");
        let got: Vec<_> = r.reasons.iter().map(|x| (x.code, x.severity)).collect();
        assert_eq!(got, expected, "{missing:?}");
        assert!(!r.coverage.cluster_status);
        assert_eq!(r.coverage.cluster_status_missing, Some(missing));
        assert_eq!(r.coverage.summary, "pings only");
    }

    // A refused sign-in never hides real trouble: an unhealthy replica is still Degraded,
    // and every replica down is still Down.
    for (verdicts, verdict) in [
        (
            vec![PingVerdict::Healthy, unhealthy("disk")],
            Verdict::Degraded,
        ),
        (vec![unhealthy("a"), unhealthy("b")], Verdict::Down),
    ] {
        let r = HealthReport::build(
            &HealthInput {
                pings: pings(&verdicts),
                cluster: Some(not_signed_in()),
                cluster_requested: true,
                ..input()
            },
            now(),
        );
        assert_eq!(r.verdict, verdict);
        assert_eq!(r.reasons_with(ReasonCode::ClusterNotSignedIn).count(), 1);
        assert_eq!(r.reasons_with(ReasonCode::SignInFailed).count(), 0);
    }
}

#[test]
fn report_wrong_password_is_unknown_cannot_sign_in() {
    let r = HealthReport::build(
        &HealthInput {
            pings: pings(&[PingVerdict::Healthy, PingVerdict::Healthy]),
            nginx: Some(NginxOutcome::Available(SPEC_STATUS)),
            cluster: Some(parse_cluster_status(&json_resp(
                401,
                r#"{"code":"NOT_AUTHENTICATED","message":"The client is not authenticated."}"#,
            ))),
            cluster_requested: true,
            ..input()
        },
        now(),
    );
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(r.reasons[0].code, ReasonCode::SignInFailed);
    assert!(
        r.reasons[0].message.starts_with("cannot sign in: "),
        "{}",
        r.reasons[0].message
    );
    assert_eq!(r.coverage.summary, "pings + nginx");
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["verdict"], "unknown");
    assert_eq!(v["reasons"][0]["code"], "signInFailed");
    assert_eq!(
        v["coverage"],
        json!({
            "pings": true,
            "nginx": true,
            "clusterStatus": false,
            "clusterStatusMissing": "signInFailed",
            "settings": false,
            "jobRunner": false,
            "metrics": false,
            "summary": "pings + nginx",
        })
    );
}

#[test]
fn report_without_credentials_is_reachable_not_healthy() {
    // One healthy ping: MSR answers, but nothing more was seen.
    let r = HealthReport::build(
        &HealthInput {
            pings: pings(&[PingVerdict::Healthy]),
            ..input()
        },
        now(),
    );
    assert_eq!(r.verdict, Verdict::Reachable);
    assert_eq!(codes(&r), [ReasonCode::ClusterNotChecked]);
    assert!(
        r.reasons[0]
            .message
            .starts_with("reachable — cluster status not checked: no credentials"),
        "{}",
        r.reasons[0].message
    );
    assert_eq!(
        r.coverage.cluster_status_missing,
        Some(ClusterStatusMissing::NoCredentials)
    );
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["verdict"], "reachable");
    assert_eq!(v["coverage"]["clusterStatusMissing"], "noCredentials");

    // Asked for with credentials but no HTTP answer came: unavailable, not "no credentials".
    let r = HealthReport::build(
        &HealthInput {
            pings: pings(&[PingVerdict::Healthy]),
            cluster_requested: true,
            ..input()
        },
        now(),
    );
    assert_eq!(r.verdict, Verdict::Reachable);
    assert_eq!(
        r.coverage.cluster_status_missing,
        Some(ClusterStatusMissing::Unavailable)
    );

    // The cluster status alone is enough for green; pings alone never are.
    let r = HealthReport::build(
        &HealthInput {
            cluster: Some(Ok(cluster(HEALTHY))),
            ..input()
        },
        now(),
    );
    assert_eq!(r.verdict, Verdict::Healthy);
    assert_eq!(r.coverage.summary, "cluster status only");
    assert_eq!(r.coverage.cluster_status_missing, None);
}

#[test]
fn coverage_summaries() {
    let cases = [
        (input(), "nothing", false, false, false),
        (
            HealthInput {
                pings: pings(&[PingVerdict::no_answer("refused"), sso()]),
                nginx: Some(parse_nginx_status(&resp(403, "", ""))),
                ..input()
            },
            "nothing",
            false,
            false,
            false,
        ),
        (
            HealthInput {
                pings: pings(&[unhealthy("x")]),
                ..input()
            },
            "pings only",
            true,
            false,
            false,
        ),
        (
            HealthInput {
                pings: pings(&[PingVerdict::Healthy]),
                nginx: Some(NginxOutcome::Available(SPEC_STATUS)),
                cluster: Some(Ok(cluster(HEALTHY))),
                ..input()
            },
            "pings + nginx + cluster status",
            true,
            true,
            true,
        ),
    ];
    for (i, summary, pings_read, nginx_read, cluster_read) in cases {
        let c = HealthReport::build(&i, now()).coverage;
        assert_eq!(
            (c.summary.as_str(), c.pings, c.nginx, c.cluster_status),
            (summary, pings_read, nginx_read, cluster_read)
        );
    }
}

#[test]
fn report_nginx() {
    let healthy = |nginx, nginx_rates| HealthInput {
        pings: pings(&[PingVerdict::Healthy]),
        nginx,
        nginx_rates,
        cluster: Some(Ok(cluster(HEALTHY))),
        ..input()
    };
    let dropping = rates(&sample(0, 100, 100, 0), &sample(10, 200, 190, 0));
    let r = HealthReport::build(&healthy(None, dropping), now());
    assert_eq!(r.verdict, Verdict::Degraded);
    assert_eq!(codes(&r), [ReasonCode::NginxDropping]);
    assert!(r.reasons[0].message.contains("dropped 10"));

    let old_drops = NginxStatus {
        accepts: 100,
        handled: 97,
        ..Default::default()
    };
    let r = HealthReport::build(
        &healthy(Some(NginxOutcome::Available(old_drops)), None),
        now(),
    );
    assert_eq!(r.verdict, Verdict::Healthy);
    assert_eq!(codes(&r), [ReasonCode::NginxDroppedSinceStart]);

    let restarted = rates(&sample(0, 100, 100, 100), &sample(10, 5, 5, 5));
    let r = HealthReport::build(&healthy(None, restarted), now());
    assert_eq!(r.verdict, Verdict::Healthy);
    assert_eq!(codes(&r), [ReasonCode::NginxRestarted]);

    let r = HealthReport::build(
        &healthy(Some(parse_nginx_status(&resp(403, "", ""))), None),
        now(),
    );
    assert_eq!(r.verdict, Verdict::Healthy);
    assert_eq!(codes(&r), [ReasonCode::NginxNotAvailable]);
    assert!(r.reasons[0].message.contains("not available to you"));

    // nginx alone says nothing about MSR's health.
    let r = HealthReport::build(
        &HealthInput {
            nginx: Some(NginxOutcome::Available(SPEC_STATUS)),
            ..input()
        },
        now(),
    );
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(codes(&r), [ReasonCode::Inconclusive]);
}

#[test]
fn report_serializes_for_javascript() {
    let i = HealthInput {
        pings: pings(&[PingVerdict::Healthy, unhealthy("disk full")]),
        nginx: Some(NginxOutcome::Available(SPEC_STATUS)),
        nginx_rates: rates(&sample(0, 0, 0, 0), &sample(1, 1, 1, 1)),
        cluster: Some(Ok(cluster(DEGRADED))),
        ..input()
    };
    let v = serde_json::to_value(HealthReport::build(&i, now())).unwrap();
    assert_eq!(v["verdict"], "degraded");
    assert_eq!(v["checkedAt"], now().as_millis());
    assert_eq!(v["gcRunning"], true);
    assert_eq!(
        v["pings"][0],
        json!({"label": "replica-1", "state": "healthy"})
    );
    assert_eq!(
        v["pings"][1],
        json!({"label": "replica-2", "state": "unhealthy", "reason": "disk full"})
    );
    let first = &v["reasons"][0];
    assert_eq!(first["severity"], "degraded");
    assert!(first["code"].is_string() && first["message"].is_string());
    assert!(
        v["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "tablesNotWritable")
    );
    assert_eq!(v["nginx"]["active"], 291);
    assert_eq!(v["nginxRates"]["requestsPerSec"], 1.0);
    assert_eq!(v["replicas"][1]["conditions"][0]["condition"], "readOnly");
    assert_eq!(v["issues"].as_array().unwrap().len(), 2);
}

// ---------------------------------------------------------------- generation

const MSR_PING: &str = r#"{"Error":"","Healthy":true}"#;

#[test]
fn generation_msr_2_or_3() {
    let ping = json_resp(200, MSR_PING);
    let sick = json_resp(503, r#"{"Error":"Rethinkdb has issues","Healthy":false}"#);
    let not_found = resp(404, "text/plain", "404 page not found");
    for (p, v2) in [
        (&ping, None),
        (&ping, Some(&not_found)),
        (&sick, Some(&not_found)),
        (&sick, None),
    ] {
        let g = detect_generation(Some(p), v2);
        assert_eq!(g, Generation::Msr2or3);
        assert!(g.has_trust_audit() && g.has_cluster_status());
    }
}

#[test]
fn generation_msr_4_harbor() {
    let pong = resp(200, "text/plain", "Pong");
    let portal = resp(
        200,
        "text/html",
        "<!doctype html><html><title>Harbor</title></html>",
    );
    let not_found = resp(404, "", "");
    for p in [None, Some(&portal), Some(&not_found)] {
        let g = detect_generation(p, Some(&pong));
        assert_eq!(g, Generation::Msr4Harbor);
        assert!(!g.has_trust_audit() && !g.has_cluster_status());
        assert!(g.to_string().contains("no notary trust audit"));
        assert!(g.to_string().contains("no cluster_status"));
    }
    assert_eq!(
        detect_generation(None, Some(&json_resp(200, "\"Pong\"\n"))),
        Generation::Msr4Harbor
    );
    assert_eq!(
        serde_json::to_value(Generation::Msr4Harbor).unwrap(),
        json!({"generation": "msr4Harbor"})
    );
}

#[test]
fn generation_not_msr() {
    let not_found = resp(404, "text/plain", "404 page not found");
    let other_json = json_resp(200, r#"{"status":"ok"}"#);
    for (p, v2) in [
        (&not_found, &not_found),
        (&other_json, &not_found),
        (&not_found, &resp(200, "text/plain", "Ping")),
        (&resp(405, "", ""), &resp(405, "", "")),
    ] {
        let g = detect_generation(Some(p), Some(v2));
        assert!(matches!(g, Generation::NotMsr { .. }), "{g:?}");
        assert!(!g.has_trust_audit());
    }
}

#[test]
fn generation_unknown_without_enough_evidence() {
    let not_found = resp(404, "", "");
    let redirect = resp(302, "text/html", SSO_PAGE);
    let login = resp(200, "text/html", SSO_PAGE);
    let bad_gateway = resp(502, "text/html", "<html>502</html>");
    for (p, v2) in [
        (None, None),
        (Some(&not_found), None),
        (Some(&redirect), Some(&redirect)),
        (Some(&login), Some(&login)),
        (Some(&login), Some(&not_found)),
        (Some(&bad_gateway), Some(&bad_gateway)),
        (Some(&resp(401, "", "")), Some(&not_found)),
        (Some(&json_resp(200, r#"{"Error":"only"}"#)), None),
    ] {
        let g = detect_generation(p, v2);
        assert!(matches!(g, Generation::Unknown { .. }), "{g:?}");
    }
    let r = v2_ping_request(&Origin::parse("https://msr.example.org").unwrap());
    assert_eq!(r.uri().path(), "/api/v2.0/ping");
    assert!(r.headers().get(header::AUTHORIZATION).is_none());
}

// ---------------------------------------------------------------- properties

fn json_value() -> impl Strategy<Value = Value> {
    const KEYS: &[&str] = &[
        "rethink_system_tables",
        "current_issues",
        "server_status",
        "table_status",
        "status",
        "all_replicas_ready",
        "ready_for_writes",
        "replica_health",
        "replica_timestamp",
        "replica_readonly",
        "gc_lock_holder",
        "etcd_status",
        "critical",
        "description",
        "id",
        "type",
        "name",
        "info",
        "db",
        "shards",
        "Healthy",
        "Health",
        "Error",
        "a",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        Just(Value::String("OK".into())),
        Just(Value::String("2026-03-02T10:14:31.402711Z".into())),
        ".{0,16}".prop_map(Value::String),
    ];
    let key = prop_oneof![prop::sample::select(KEYS).prop_map(String::from), ".{0,6}"];
    leaf.prop_recursive(5, 96, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn any_response() -> impl Strategy<Value = Response<Vec<u8>>> {
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        Just(NGINX.as_bytes().to_vec()),
        Just(SSO_PAGE.as_bytes().to_vec()),
    ];
    let content_type = prop::sample::select(vec![
        "",
        "application/json",
        "text/plain; charset=utf-8",
        "text/html",
    ]);
    (100u16..1000, content_type, body).prop_map(|(status, ct, body)| resp(status, ct, body))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_parser_panics_on_arbitrary_answers(a in any_response(), b in any_response()) {
        let ping = parse_ping(&a);
        let status = a.status().as_u16();
        if !matches!(status, 200 | 503) {
            let unknown = matches!(ping, PingVerdict::Unknown { .. });
            prop_assert!(unknown, "{:?}", ping);
        }
        if status != 200 {
            prop_assert!(!ping.is_healthy());
        }
        let nginx = parse_nginx_status(&a);
        let cluster = parse_cluster_status(&b);
        let _ = detect_generation(Some(&a), Some(&b));
        let _ = detect_generation(Some(&b), None);
        let report = HealthReport::build(
            &HealthInput {
                pings: vec![("a".into(), ping), ("b".into(), parse_ping(&b))],
                nginx: Some(nginx),
                cluster: Some(cluster),
                ..HealthInput::default()
            },
            now(),
        );
        prop_assert!(serde_json::to_string(&report).is_ok());
        prop_assert!(report.reasons.windows(2).all(|w| w[0].severity >= w[1].severity));
    }

    #[test]
    fn any_json_object_is_a_cluster_status(entries in prop::collection::vec((prop::sample::select(vec![
        "rethink_system_tables", "current_issues", "replica_health", "replica_timestamp",
        "replica_readonly", "gc_lock_holder", "etcd_status", "other",
    ]), json_value()), 0..8), now_ms in any::<i64>(), stale_ms in any::<u64>()) {
        let object: serde_json::Map<String, Value> =
            entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let body = Value::Object(object).to_string();
        let c = ClusterStatus::from_json(body.as_bytes());
        prop_assert!(c.is_ok(), "{body}");
        let c = c.unwrap();
        let states = c.replica_states(Timestamp::from_millis(now_ms), Duration::from_millis(stale_ms));
        prop_assert_eq!(states.len(), c.replica_ids().len());
        for s in &states {
            prop_assert!(!s.conditions.is_empty());
            prop_assert_eq!(s.is_ok(), s.conditions == [ReplicaCondition::Ok]);
        }
        let report = HealthReport::build(
            &HealthInput { cluster: Some(Ok(c)), ..HealthInput::default() },
            Timestamp::from_millis(now_ms),
        );
        prop_assert!(serde_json::to_string(&report).is_ok());
    }

    #[test]
    fn nginx_parses_any_numbers_with_any_whitespace(
        n in prop::array::uniform7(any::<u64>()),
        seps in prop::collection::vec(prop::sample::select(vec![" ", "  ", "\t", "\n", "\r\n", " \r\n "]), 17),
    ) {
        let words = [
            "Active".to_string(), "connections:".into(), n[0].to_string(),
            "server".into(), "accepts".into(), "handled".into(), "requests".into(),
            n[1].to_string(), n[2].to_string(), n[3].to_string(),
            "Reading:".into(), n[4].to_string(), "Writing:".into(), n[5].to_string(),
            "Waiting:".into(), n[6].to_string(),
        ];
        let mut text = String::new();
        for (word, sep) in words.iter().zip(&seps) {
            text.push_str(word);
            text.push_str(sep);
        }
        let s = NginxStatus::parse(text.as_bytes());
        prop_assert_eq!(s, Ok(NginxStatus {
            active: n[0], accepts: n[1], handled: n[2], requests: n[3],
            reading: n[4], writing: n[5], waiting: n[6],
        }));
    }

    #[test]
    fn nginx_never_panics_on_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = NginxStatus::parse(&body);
    }

    #[test]
    fn rates_are_never_negative_or_infinite(
        t in (any::<i64>(), any::<i64>()),
        a in prop::array::uniform3(any::<u64>()),
        b in prop::array::uniform3(any::<u64>()),
    ) {
        let prev = NginxSample::new(Timestamp::from_millis(t.0), NginxStatus { accepts: a[0], handled: a[1], requests: a[2], ..Default::default() });
        let next = NginxSample::new(Timestamp::from_millis(t.1), NginxStatus { accepts: b[0], handled: b[1], requests: b[2], ..Default::default() });
        match rates(&prev, &next) {
            None => prop_assert!(next.at.millis_since(prev.at) <= 0),
            Some(r) => {
                prop_assert!(r.elapsed_ms > 0);
                prop_assert!(r.requests_per_sec.is_finite() && r.requests_per_sec >= 0.0);
                prop_assert!(r.accepts_per_sec.is_finite() && r.accepts_per_sec >= 0.0);
                prop_assert_eq!(r.reset, b[0] < a[0] || b[1] < a[1] || b[2] < a[2]);
            }
        }
    }
}
