//! Each stand-in fault yields its typed outcome, nothing panics, and a backfill that meets
//! faults on the way still delivers every record exactly once.

use std::time::Duration;

use msr_lens_core::ErrorKind;
use msr_lens_core::changefeed::{Event, Feed, Mode, PagerConfig, Record};
use msr_lens_core::health::{
    ClusterStatusError, PingVerdict, UnknownWhy, parse_ping, ping_request,
};
use msr_lens_tests::{Secret, Stack, keys, truth_keys};
use msr_lens_transport::native::{ClientError, MsrClient};
use serde_json::{Value, json};

fn ping_verdict(stack: &Stack, client: &MsrClient) -> PingVerdict {
    match client.execute(ping_request(&stack.origin)) {
        Ok(response) => parse_ping(&response),
        Err(error) => PingVerdict::no_answer(error.to_string()),
    }
}

fn why(verdict: &PingVerdict) -> Option<UnknownWhy> {
    match verdict {
        PingVerdict::Unknown { why, .. } => Some(*why),
        _ => None,
    }
}

fn fault(stack: &Stack, spec: Value) {
    stack.admin_delete("/fault");
    stack.admin_post("/fault", &spec);
}

#[test]
fn ping_faults_are_unknown_never_unhealthy() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let client = stack.client(None);
    for (spec, expected) in [
        (
            json!({"kind": "status", "status": 502, "paths": ["/_ping"]}),
            UnknownWhy::Gateway,
        ),
        (
            json!({"kind": "status", "status": 504, "paths": ["/_ping"]}),
            UnknownWhy::Gateway,
        ),
        (
            json!({"kind": "status", "status": 503, "paths": ["/_ping"]}),
            UnknownWhy::Gateway,
        ),
        (
            json!({"kind": "status", "status": 500, "paths": ["/_ping"]}),
            UnknownWhy::UnexpectedStatus,
        ),
        (
            json!({"kind": "html_login", "paths": ["/_ping"]}),
            UnknownWhy::Html,
        ),
        (
            json!({"kind": "truncated_json", "paths": ["/_ping"]}),
            UnknownWhy::NotPingJson,
        ),
        (
            json!({"kind": "malformed_json", "paths": ["/_ping"]}),
            UnknownWhy::NotPingJson,
        ),
        // nginx answers a dead upstream connection itself, with 502.
        (
            json!({"kind": "reset", "paths": ["/_ping"]}),
            UnknownWhy::Gateway,
        ),
        (
            json!({"kind": "reset", "after_headers": true, "paths": ["/_ping"]}),
            UnknownWhy::NoAnswer,
        ),
    ] {
        fault(&stack, spec.clone());
        let verdict = ping_verdict(&stack, &client);
        assert_eq!(why(&verdict), Some(expected), "{spec}: {verdict:?}");
    }
}

#[test]
fn added_latency_beyond_the_timeout_is_a_timeout() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    fault(
        &stack,
        json!({"kind": "latency", "latency_ms": 3000, "paths": ["/_ping"]}),
    );
    let mut config = stack.config(None);
    config.http.timeout = Duration::from_millis(500);
    let client = MsrClient::new(config).unwrap();
    let error = client.execute(ping_request(&stack.origin)).unwrap_err();
    assert_eq!(error.kind(), "timeout", "{error:?}");
    let report = client.health();
    assert!(
        report
            .pings
            .iter()
            .all(|p| why(&p.verdict) == Some(UnknownWhy::NoAnswer))
    );
}

#[test]
fn cluster_status_faults_are_typed_errors() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let client = stack.client(Some(("admin", Secret::Token)));
    let path = "/api/v0/meta/cluster_status";
    for (spec, kind) in [
        (
            json!({"kind": "html_login", "paths": [path]}),
            ErrorKind::UnexpectedBody,
        ),
        (
            json!({"kind": "truncated_json", "paths": [path]}),
            ErrorKind::UnexpectedBody,
        ),
        (
            json!({"kind": "malformed_json", "paths": [path]}),
            ErrorKind::UnexpectedBody,
        ),
        (
            json!({"kind": "status", "status": 502, "paths": [path]}),
            ErrorKind::Unavailable,
        ),
        (
            json!({"kind": "status", "status": 500, "paths": [path]}),
            ErrorKind::ServerError,
        ),
    ] {
        fault(&stack, spec.clone());
        let error = client.cluster_status().expect_err(&spec.to_string());
        let api_kind = match &error {
            ClientError::ClusterStatus(ClusterStatusError::Body(_)) => ErrorKind::UnexpectedBody,
            ClientError::ClusterStatus(e) => e.api_error().map(|a| a.kind).unwrap(),
            other => panic!("{spec}: {other:?}"),
        };
        assert_eq!(api_kind, kind, "{spec}: {error}");
    }
    fault(
        &stack,
        json!({"kind": "reset", "after_headers": true, "paths": [path]}),
    );
    match client.cluster_status() {
        Err(ClientError::Transport(e)) => assert_eq!(e.kind(), "network"),
        other => panic!("{other:?}"),
    }
}

/// Backfill the global feed, retrying errors the pager retries itself and answering the
/// ones that need the user (an HTML page) with `retry_now`, as the UI's retry button does.
fn backfill_through_faults(client: &MsrClient) -> (Vec<Record>, u32) {
    let config = PagerConfig {
        page_size: 9,
        backoff_initial_ms: 20,
        backoff_max_ms: 100,
        ..PagerConfig::default()
    };
    let mut stream = client.changefeed(Feed::Global, Mode::Backfill, config);
    let mut records = Vec::new();
    let mut errors = 0;
    while let Some(event) = stream.next_event() {
        match event {
            Event::Records { records: batch, .. } => records.extend(batch),
            Event::CaughtUp => return (records, errors),
            Event::Error { retry_at, .. } => {
                errors += 1;
                assert!(errors < 50, "too many errors");
                if retry_at.is_none() {
                    stream.session().pager_mut().retry_now();
                }
            }
            Event::Progress(_) => {}
            other => panic!("{other:?}"),
        }
    }
    panic!("the backfill stopped before catching up");
}

#[test]
fn a_backfill_through_every_fault_loses_and_repeats_nothing() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let truth = stack.truth(None);
    let client = stack.client(Some(("admin", Secret::Token)));
    stack.admin_delete("/fault");
    for spec in [
        json!({"kind": "status", "status": 503, "paths": ["/v2/"], "count": 2}),
        json!({"kind": "status", "status": 500, "paths": ["/v2/"], "count": 1}),
        json!({"kind": "status", "status": 502, "paths": ["/v2/"], "count": 1}),
        json!({"kind": "truncated_json", "paths": ["/v2/"], "count": 2}),
        json!({"kind": "malformed_json", "paths": ["/v2/"], "count": 1}),
        json!({"kind": "reset", "after_headers": true, "paths": ["/v2/"], "count": 2}),
        json!({"kind": "reset", "paths": ["/v2/"], "count": 1}),
        json!({"kind": "html_login", "paths": ["/v2/"], "count": 1}),
        json!({"kind": "status", "status": 503, "paths": ["/auth/token"], "count": 1}),
    ] {
        stack.admin_post("/fault", &spec);
    }
    let (records, errors) = backfill_through_faults(&client);
    assert!(errors >= 10, "the faults were not met ({errors} errors)");
    assert_eq!(keys(&records), truth_keys(&truth, false));
}

#[test]
fn a_short_token_lifetime_still_backfills_everything() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    stack.admin_post("/scenario", &json!({"token_ttl_secs": 1}));
    let truth = stack.truth(None);
    let client = stack.client(Some(("admin", Secret::Password)));
    let (records, _) = backfill_through_faults(&client);
    assert_eq!(keys(&records), truth_keys(&truth, false));
}
