//! MSR's admin endpoints beyond `cluster_status`: settings (replica discovery), the job
//! runner (workers, jobs, crons) and MSR 3.1 metrics — parsers on fixture JSON and text
//! in MSR's shapes, the judgement of the job runner, and the health check that reads
//! them all in two rounds.

use std::time::Duration;

use http::{Response, header};
use msr_lens_core::auth::Credentials;
use msr_lens_core::health::admin::*;
use msr_lens_core::health::metrics::*;
use msr_lens_core::health::*;
use msr_lens_core::{Origin, Timestamp};
use serde_json::json;

const SETTINGS: &str = include_str!("fixtures/health/settings.json");
const WORKERS: &str = include_str!("fixtures/health/workers.json");
const JOBS: &str = include_str!("fixtures/health/jobs.json");
const CRONS: &str = include_str!("fixtures/health/crons.json");
const METRICS: &str = include_str!("fixtures/health/metrics.txt");
const HEALTHY: &str = include_str!("fixtures/health/cluster_status_healthy.json");
const PING_OK: &str = r#"{"Error":"","Healthy":true}"#;

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-03-02T10:15:00Z").unwrap()
}

fn resp(status: u16, content_type: &str, body: &str) -> Response<Vec<u8>> {
    let mut builder = Response::builder().status(status);
    if !content_type.is_empty() {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder.body(body.as_bytes().to_vec()).unwrap()
}

fn json_resp(body: &str) -> Response<Vec<u8>> {
    resp(200, "application/json", body)
}

fn forbidden() -> Response<Vec<u8>> {
    resp(
        403,
        "application/json",
        r#"{"errors":[{"code":"NOT_AUTHORIZED","message":"The client is not authorized."}]}"#,
    )
}

fn origin() -> Origin {
    Origin::parse("https://msr.example.org").unwrap()
}

// ---------------------------------------------------------------- settings

#[test]
fn settings_list_every_replica_with_its_ping_origin() {
    let s = parse_settings(&json_resp(SETTINGS)).unwrap();
    assert_eq!(s.dtr_host.as_deref(), Some("msr.example.org"));
    assert_eq!(s.replica_id.as_deref(), Some("4ab3c5e0f1d2"));
    let ids: Vec<&str> = s.replicas.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["1f2e3d4c5b6a", "4ab3c5e0f1d2", "9c8d7e6f5a4b"]);
    let https: Vec<String> = s
        .replicas
        .iter()
        .map(|r| r.origin(false).unwrap().to_string())
        .collect();
    assert_eq!(
        https,
        [
            "https://[fd00::13]",
            "https://node-1.example.org",
            "https://10.0.0.12:8443"
        ]
    );
    assert_eq!(
        s.replicas[2].origin(true).unwrap().to_string(),
        "http://10.0.0.12:8080"
    );
    assert!(s.skipped.is_empty());
}

#[test]
fn settings_odd_entries_are_skipped_not_fatal() {
    let s = parse_settings(&json_resp(
        r#"{"replicaSettings":{"a":{"HTTPSPort":"8443","node":"n1"},"b":7,"c":{"HTTPSPort":443},
            "d":{"HTTPSPort":0,"node":"n4"},"e":{"HTTPSPort":443,"node":"evil/host@x"}},"dtrHost":5}"#,
    ))
    .unwrap();
    assert_eq!(s.dtr_host.as_deref(), Some("5"));
    let ids: Vec<&str> = s.replicas.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a", "d", "e"]);
    assert_eq!(s.replicas[0].https_port, Some(8443));
    // A zero port or a node that is not a host gives no ping origin.
    assert_eq!(s.replicas[1].origin(false), None);
    assert_eq!(s.replicas[2].origin(false), None);
    assert_eq!(s.skipped, ["b: not an object", "c: no node"]);
}

#[test]
fn settings_errors_are_typed() {
    assert!(matches!(
        parse_settings(&forbidden()),
        Err(AdminError::NotAdmin(_))
    ));
    assert!(matches!(
        parse_settings(&resp(
            401,
            "application/json",
            r#"{"code":"NOT_AUTHENTICATED"}"#
        )),
        Err(AdminError::NotAuthenticated(_))
    ));
    assert!(matches!(
        parse_settings(&resp(200, "text/html", "<html>Sign in</html>")),
        Err(AdminError::Http(_))
    ));
    for body in ["[1]", "nope", "\"x\""] {
        assert!(
            matches!(parse_settings(&json_resp(body)), Err(AdminError::Body(_))),
            "{body}"
        );
    }
}

#[test]
fn admin_requests_carry_basic_auth_to_the_origin_only() {
    let creds = Credentials::access_token("admin", "tok");
    let r = admin_request(&origin(), SETTINGS_PATH, &creds);
    assert_eq!(
        r.uri().to_string(),
        "https://msr.example.org/api/v0/meta/settings"
    );
    assert!(
        r.headers()[header::AUTHORIZATION]
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );
    let r = jobs_request(&origin(), &creds, 0);
    assert_eq!(
        r.uri().query(),
        Some("action=any&worker=any&running=any&start=0&limit=1")
    );
    let r = metrics_request(&origin(), &creds);
    assert_eq!(r.uri().path(), METRICS_PATH);
    assert_eq!(r.headers()[header::ACCEPT], "text/plain");
}

// ---------------------------------------------------------------- job runner

#[test]
fn lists_come_wrapped_or_bare() {
    let wrapped = parse_workers(&json_resp(WORKERS)).unwrap();
    let bare_text = serde_json::to_string(
        &serde_json::from_str::<serde_json::Value>(WORKERS).unwrap()["workers"],
    )
    .unwrap();
    let bare = parse_workers(&json_resp(&bare_text)).unwrap();
    assert_eq!(wrapped, bare);
    assert_eq!(wrapped.len(), 3);
    assert_eq!(wrapped[1].status, "dead");
    assert_eq!(wrapped[0].capacity_map["scanCheck"], 1);
    let crons = parse_crons(&json_resp(CRONS)).unwrap();
    let wrapped_crons = parse_crons(&json_resp(&format!(r#"{{"crons":{CRONS}}}"#))).unwrap();
    assert_eq!(crons, wrapped_crons);
    assert_eq!(crons.len(), 3);
    let jobs = parse_jobs(&json_resp(JOBS)).unwrap();
    assert_eq!(jobs.len(), 6);
    assert_eq!(jobs[3].worker_id, "");
    assert_eq!(
        jobs[1].last_updated.as_ref().unwrap().at,
        Timestamp::parse_rfc3339("2026-03-02T10:02:35.500Z")
    );
    // Odd entries keep what can be read; a time that is not RFC 3339 keeps its text.
    let odd = parse_jobs(&json_resp(
        r#"{"jobs":[7,{"id":1,"status":"error","lastUpdated":"yesterday"},{"jobs":null}]}"#,
    ))
    .unwrap();
    assert_eq!(odd.len(), 2);
    assert_eq!(odd[0].id, "1");
    let when = odd[0].last_updated.as_ref().unwrap();
    assert_eq!((when.at, when.raw.as_str()), (None, "yesterday"));
    assert!(parse_jobs(&json_resp(r#"{"items":[]}"#)).is_err());
    assert_eq!(parse_jobs(&json_resp(r#"{"jobs":null}"#)).unwrap(), []);
}

fn runner() -> JobRunner {
    JobRunner {
        workers: Some(parse_workers(&json_resp(WORKERS))),
        jobs: Some(parse_jobs(&json_resp(JOBS))),
        crons: Some(parse_crons(&json_resp(CRONS))),
        ..JobRunner::new()
    }
}

#[test]
fn job_runner_reasons_dead_worker_heartbeat_failures_waiting() {
    let (summary, reasons) = runner().judge(now());
    let summary = summary.unwrap();
    let got: Vec<(ReasonCode, Severity, Option<&str>)> = reasons
        .iter()
        .map(|r| (r.code, r.severity, r.subject.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                ReasonCode::WorkerDead,
                Severity::Degraded,
                Some("9c8d7e6f5a4b")
            ),
            (
                ReasonCode::WorkerHeartbeatExpired,
                Severity::Degraded,
                Some("1f2e3d4c5b6a")
            ),
            (ReasonCode::JobsFailing, Severity::Degraded, Some("jobs")),
            (
                ReasonCode::JobWaiting,
                Severity::Degraded,
                Some("b1a7e0c2-0004-4c55-9f3a-000000000004")
            ),
        ]
    );
    assert!(
        reasons[1].message.contains("expired 4 min ago"),
        "{}",
        reasons[1].message
    );
    // Only the failure inside the last hour counts: the 09:02 worker_dead and the 02:05
    // onlinegc error are older.
    assert_eq!(
        reasons[2].message,
        "1 job(s) failed in the last 60 min: 1 scan_check (error)"
    );
    assert_eq!(summary.failed_recently.len(), 1);
    assert_eq!(
        reasons[3].message,
        "the oldest waiting job (scan_check_all) has waited 2 h for a worker"
    );
    let waiting = summary.oldest_waiting.unwrap();
    assert_eq!(waiting.age_secs, 2 * 3600);
    assert_eq!(
        (summary.waiting, summary.running, summary.jobs_read),
        (1, 1, 6)
    );
    let next: Vec<&str> = summary
        .next_crons
        .iter()
        .map(|c| c.action.as_str())
        .collect();
    assert_eq!(next, ["poll_mirror", "onlinegc", "update_vuln_db"]);

    // A wider window takes the older failures in, newest first.
    let (summary, reasons) = JobRunner {
        window: Duration::from_secs(12 * 3600),
        ..runner()
    }
    .judge(now());
    let summary = summary.unwrap();
    let failed: Vec<&str> = summary
        .failed_recently
        .iter()
        .map(|f| f.action.as_str())
        .collect();
    assert_eq!(failed, ["scan_check", "scan_check_single", "onlinegc"]);
    assert!(
        reasons
            .iter()
            .any(|r| r.message.contains("1 scan_check_single (worker_dead)"))
    );
}

#[test]
fn job_runner_healthy_short_wait_overdue_cron_and_unreadable_lists() {
    let workers = parse_workers(&json_resp(
        r#"[{"id":"a","status":"running","heartbeatExpiration":"2026-03-02T10:15:10Z"}]"#,
    ));
    let jobs = parse_jobs(&json_resp(
        r#"[{"id":"w","status":"waiting","action":"scan","scheduledAt":"2026-03-02T10:13:00Z"}]"#,
    ));
    let crons = parse_crons(&json_resp(
        r#"[{"action":"onlinegc","nextRun":"2026-03-02T09:00:00Z"},{"action":"x","nextRun":"0001-01-01T00:00:00Z"}]"#,
    ));
    let (summary, reasons) = JobRunner {
        workers: Some(workers),
        jobs: Some(jobs),
        crons: Some(crons),
        ..JobRunner::new()
    }
    .judge(now());
    let got: Vec<(ReasonCode, Severity)> = reasons.iter().map(|r| (r.code, r.severity)).collect();
    assert_eq!(
        got,
        [
            (ReasonCode::JobWaiting, Severity::Info),
            (ReasonCode::CronOverdue, Severity::Info)
        ]
    );
    // Go's zero time is "never", not a run 2025 years ago; a past run is not "next".
    assert!(summary.unwrap().next_crons.is_empty());

    let (summary, reasons) = JobRunner {
        workers: Some(parse_workers(&forbidden())),
        jobs: Some(parse_jobs(&resp(
            502,
            "text/html",
            "<html>Bad Gateway</html>",
        ))),
        ..JobRunner::new()
    }
    .judge(now());
    assert!(summary.is_none());
    assert_eq!(
        reasons
            .iter()
            .map(|r| (r.code, r.severity))
            .collect::<Vec<_>>(),
        [
            (ReasonCode::JobRunnerUnavailable, Severity::Unknown),
            (ReasonCode::JobRunnerUnavailable, Severity::Unknown)
        ]
    );
}

/// Jobs newest first, as MSR lists them: `(status, scheduled minutes before now())`.
fn jobs_list(jobs: &[(&str, i64)]) -> Vec<Job> {
    let list: Vec<serde_json::Value> = jobs
        .iter()
        .enumerate()
        .map(|(i, (status, minutes_ago))| {
            let at = now().add_millis(-minutes_ago * 60_000);
            json!({"id": format!("j{i}"), "action": format!("a{i}"), "status": status,
                   "scheduledAt": at.to_rfc3339()})
        })
        .collect();
    parse_jobs(&json_resp(&json!({ "jobs": list }).to_string())).unwrap()
}

fn oldest_waiting(limit: usize, jobs: &[(&str, i64)]) -> (Option<WaitingJob>, Vec<Reason>) {
    let (summary, reasons) = JobRunner {
        jobs: Some(Ok(jobs_list(jobs))),
        jobs_limit: limit,
        ..JobRunner::new()
    }
    .judge(now());
    let reasons = reasons
        .into_iter()
        .filter(|r| r.code == ReasonCode::JobWaiting)
        .collect();
    (summary.unwrap().oldest_waiting, reasons)
}

#[test]
fn the_oldest_waiting_age_is_a_lower_bound_when_the_full_list_ends_waiting() {
    // Exactly full, its oldest job still waiting: older ones may wait beyond the list.
    let (waiting, reasons) = oldest_waiting(3, &[("running", 1), ("waiting", 20), ("waiting", 42)]);
    let waiting = waiting.unwrap();
    assert_eq!((waiting.id.as_str(), waiting.age_secs), ("j2", 42 * 60));
    assert!(waiting.age_is_lower_bound);
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0].severity, Severity::Degraded);
    assert_eq!(
        reasons[0].message,
        "the oldest waiting job (a2) has waited at least 42 min for a worker: it is the oldest \
         of the 3 newest jobs read, and older ones may be waiting too"
    );
    let json = serde_json::to_value(&waiting).unwrap();
    assert_eq!(json["ageIsLowerBound"], true);

    // All waiting, full: the same.
    let (waiting, _) = oldest_waiting(3, &[("waiting", 1), ("waiting", 2), ("waiting", 3)]);
    let waiting = waiting.unwrap();
    assert_eq!(
        (waiting.id.as_str(), waiting.age_is_lower_bound),
        ("j2", true)
    );

    // Shorter than the limit: the whole list was read, the age is exact.
    let (waiting, reasons) = oldest_waiting(4, &[("waiting", 1), ("waiting", 2), ("waiting", 3)]);
    let waiting = waiting.unwrap();
    assert_eq!(
        (waiting.id.as_str(), waiting.age_is_lower_bound),
        ("j2", false)
    );
    assert_eq!(reasons[0].severity, Severity::Info);
    assert_eq!(
        reasons[0].message,
        "the oldest waiting job (a2) has waited 3 min for a worker"
    );

    // Full, but its oldest job is done: the waiting ones are newer than what was read last.
    let (waiting, reasons) = oldest_waiting(3, &[("waiting", 1), ("waiting", 2), ("done", 3)]);
    let waiting = waiting.unwrap();
    assert_eq!(
        (waiting.id.as_str(), waiting.age_is_lower_bound),
        ("j1", false)
    );
    assert!(!reasons[0].message.contains("at least"));

    // The oldest by scheduled time, whatever the order of the list.
    let (waiting, _) = oldest_waiting(3, &[("waiting", 50), ("done", 1), ("waiting", 2)]);
    let waiting = waiting.unwrap();
    assert_eq!(
        (waiting.id.as_str(), waiting.age_is_lower_bound),
        ("j0", true)
    );

    // Full with nothing waiting, and an unknown limit (0): no bound to report.
    assert_eq!(oldest_waiting(2, &[("done", 1), ("running", 2)]).0, None);
    let (waiting, _) = oldest_waiting(0, &[("waiting", 1), ("waiting", 2)]);
    assert!(!waiting.unwrap().age_is_lower_bound);
}

// ---------------------------------------------------------------- metrics

#[test]
fn metrics_key_series_and_rates() {
    let MetricsOutcome::Available(first) = parse_metrics(
        &resp(200, "text/plain; version=0.0.4; charset=utf-8", METRICS),
        now(),
        None,
    ) else {
        panic!("metrics not read");
    };
    assert_eq!(first.repositories, Some(40.0));
    assert_eq!(first.pulls_total, Some(192_000.0));
    assert_eq!(first.pushes_total, Some(5520.0));
    assert_eq!(first.pulls_per_min, None);
    let names: Vec<&str> = first.key_series.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(
        names,
        ["msr_repositories", "msr_pulls_total", "msr_pushes_total"]
    );
    assert_eq!(first.samples, 8);

    let later = METRICS
        .replace("} 129600", "} 129720")
        .replace("} 2160", "} 2166");
    let MetricsOutcome::Available(second) = parse_metrics(
        &resp(200, "text/plain", &later),
        now().add_secs(120),
        Some(&first.sample),
    ) else {
        panic!("metrics not read");
    };
    assert_eq!(second.pulls_per_min, Some(60.0));
    assert_eq!(second.pushes_per_min, Some(3.0));
    // A counter that went down (MSR restarted) gives no rate.
    let MetricsOutcome::Available(reset) = parse_metrics(
        &resp(200, "text/plain", METRICS),
        now().add_secs(240),
        Some(&second.sample),
    ) else {
        panic!("metrics not read");
    };
    assert_eq!(reset.pulls_per_min, None);
}

#[test]
fn metrics_absent_on_2_9_is_not_an_error_and_garbage_is() {
    assert_eq!(
        parse_metrics(&resp(404, "text/plain", "404 page not found"), now(), None),
        MetricsOutcome::NotAvailable
    );
    for r in [
        forbidden(),
        resp(200, "text/html", "<html><body>Sign in</body></html>"),
        resp(200, "text/plain", "this is not prometheus\n{}\n"),
        resp(200, "text/plain", "\u{0}\u{1}\u{2}"),
    ] {
        assert!(
            matches!(parse_metrics(&r, now(), None), MetricsOutcome::Error(_)),
            "{:?}",
            String::from_utf8_lossy(r.body())
        );
    }
}

// ---------------------------------------------------------------- the check

fn admin_targets() -> HealthTargets {
    let mut t = HealthTargets::new(origin());
    t.credentials = Some(Credentials::access_token("admin", "tok"));
    t
}

/// Answer every request of `check` with `answer`, round after round; returns the
/// probes in the order they were asked for, one list per round.
fn run(
    check: &mut HealthCheck,
    mut answer: impl FnMut(&Probe, &str) -> Response<Vec<u8>>,
) -> Vec<Vec<Probe>> {
    let mut rounds = Vec::new();
    loop {
        let requests = check.requests();
        if requests.is_empty() {
            return rounds;
        }
        let mut probes = Vec::new();
        for (probe, request) in requests {
            let response = answer(&probe, &request.uri().to_string());
            check.record(&probe, &response, now());
            probes.push(probe);
        }
        rounds.push(probes);
    }
}

fn msr(probe: &Probe, _uri: &str) -> Response<Vec<u8>> {
    match probe {
        Probe::Ping(_) => json_resp(PING_OK),
        Probe::Nginx => resp(
            200,
            "text/plain",
            "Active connections: 1 \nserver accepts handled requests\n 1 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n",
        ),
        Probe::ClusterStatus => json_resp(HEALTHY),
        Probe::Settings => json_resp(SETTINGS),
        Probe::Workers => json_resp(
            r#"{"workers":[{"id":"a","status":"running","heartbeatExpiration":"2026-03-02T10:15:20Z"}]}"#,
        ),
        Probe::Jobs => json_resp(r#"{"jobs":[]}"#),
        Probe::Crons => json_resp(CRONS),
        Probe::Metrics => resp(404, "text/plain", "404 page not found"),
    }
}

#[test]
fn an_admin_check_discovers_and_pings_every_replica_then_reads_the_job_runner() {
    let mut check = HealthCheck::new(&admin_targets(), None);
    let mut uris = Vec::new();
    let rounds = run(&mut check, |p, uri| {
        uris.push(uri.to_string());
        msr(p, uri)
    });
    assert_eq!(rounds.len(), 2, "{rounds:?}");
    assert_eq!(
        rounds[0],
        [
            Probe::Ping(LOAD_BALANCER_LABEL.into()),
            Probe::Nginx,
            Probe::ClusterStatus,
            Probe::Settings
        ]
    );
    assert!(uris.contains(&"https://10.0.0.12:8443/_ping".to_string()));
    assert!(uris.contains(&"https://node-1.example.org/_ping".to_string()));
    assert!(uris.contains(&"https://[fd00::13]/_ping".to_string()));
    for probe in [Probe::Workers, Probe::Jobs, Probe::Crons, Probe::Metrics] {
        assert!(rounds[1].contains(&probe), "{probe:?} missing");
    }
    let (report, _) = check.finish(now());
    assert_eq!(report.verdict, Verdict::Healthy, "{:#?}", report.reasons);
    let labels: Vec<&str> = report.pings.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            LOAD_BALANCER_LABEL,
            "1f2e3d4c5b6a",
            "4ab3c5e0f1d2",
            "9c8d7e6f5a4b"
        ]
    );
    let discovery = report.discovery.as_ref().unwrap();
    assert_eq!(discovery.dtr_host.as_deref(), Some("msr.example.org"));
    assert!(discovery.replicas.iter().all(|r| r.pinged));
    assert_eq!(
        discovery.replicas[2].ping_url.as_deref(),
        Some("https://10.0.0.12:8443")
    );
    let c = &report.coverage;
    assert!(c.settings && c.job_runner && !c.metrics);
    assert_eq!(c.summary, "pings + nginx + cluster status + job runner");
    // MSR 2.9: no metrics, said plainly, not a problem.
    let note = report
        .reasons_with(ReasonCode::MetricsNotAvailable)
        .next()
        .unwrap();
    assert_eq!(note.severity, Severity::Info);
    assert!(
        note.message
            .starts_with("metrics not available on this MSR"),
        "{}",
        note.message
    );
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(
        v["discovery"]["replicas"][0]["pingUrl"],
        "https://[fd00::13]"
    );
    assert_eq!(v["jobRunner"]["nextCrons"][0]["action"], "poll_mirror");
    assert_eq!(v["metrics"], json!(null));
}

#[test]
fn configured_replicas_override_discovery_and_list_or_http_modes_work() {
    let mut t = admin_targets();
    t.replicas = vec![(
        "mine".into(),
        Origin::parse("https://r1.example.org").unwrap(),
    )];
    let mut check = HealthCheck::new(&t, None);
    let mut pinged = Vec::new();
    run(&mut check, |p, uri| {
        if matches!(p, Probe::Ping(_)) {
            pinged.push(uri.to_string());
        }
        msr(p, uri)
    });
    assert_eq!(pinged, ["https://r1.example.org/_ping"]);
    let (report, _) = check.finish(now());
    let d = report.discovery.unwrap();
    assert_eq!(d.replicas.len(), 3);
    assert!(d.replicas.iter().all(|r| !r.pinged));

    for (mode, expect) in [
        (Discovery::List, vec!["https://msr.example.org/_ping"]),
        (
            Discovery::PingHttp,
            vec![
                "https://msr.example.org/_ping",
                "http://[fd00::13]/_ping",
                "http://node-1.example.org/_ping",
                "http://10.0.0.12:8080/_ping",
            ],
        ),
    ] {
        let mut t = admin_targets();
        t.discovery = mode;
        let mut check = HealthCheck::new(&t, None);
        let mut pinged = Vec::new();
        run(&mut check, |p, uri| {
            if matches!(p, Probe::Ping(_)) {
                pinged.push(uri.to_string());
            }
            msr(p, uri)
        });
        assert_eq!(pinged, expect, "{mode:?}");
    }

    // Off: no settings request at all, the job runner is still read for an admin.
    let mut t = admin_targets();
    t.discovery = Discovery::Off;
    let mut check = HealthCheck::new(&t, None);
    let rounds = run(&mut check, msr);
    assert!(!rounds.concat().contains(&Probe::Settings));
    assert!(rounds.concat().contains(&Probe::Jobs));
    assert!(check.finish(now()).0.discovery.is_none());
}

#[test]
fn a_non_admin_keeps_todays_check_with_a_plain_note() {
    let mut t = admin_targets();
    t.credentials = Some(Credentials::access_token("dev", "tok"));
    let mut check = HealthCheck::new(&t, None);
    let rounds = run(&mut check, |p, uri| match p {
        Probe::ClusterStatus | Probe::Settings => forbidden(),
        _ => msr(p, uri),
    });
    // One round: nothing more is asked of a non-admin.
    assert_eq!(rounds.len(), 1);
    let (report, _) = check.finish(now());
    assert_eq!(report.verdict, Verdict::Reachable);
    assert_eq!(report.pings.len(), 1);
    let note = report
        .reasons_with(ReasonCode::ReplicasNotDiscovered)
        .next()
        .unwrap();
    assert_eq!(note.severity, Severity::Info);
    assert_eq!(
        note.message,
        "replicas were not discovered: MSR lists them to admins only, so only the configured address was pinged"
    );
    assert!(report.discovery.is_none() && report.job_runner.is_none());
    // Anonymous: no admin request at all.
    let mut check = HealthCheck::new(&HealthTargets::new(origin()), None);
    let rounds = run(&mut check, msr);
    assert_eq!(
        rounds,
        [vec![Probe::Ping(LOAD_BALANCER_LABEL.into()), Probe::Nginx]]
    );
}

#[test]
fn the_check_judges_the_jobs_list_against_the_limit_it_asked_for() {
    let two_waiting = jobs_list(&[("waiting", 5), ("waiting", 30)]);
    let body = serde_json::to_string(&json!({"jobs": two_waiting.iter().map(|j| json!({
        "id": j.id, "action": j.action, "status": j.status,
        "scheduledAt": j.scheduled_at.as_ref().unwrap().raw,
    })).collect::<Vec<_>>()}))
    .unwrap();
    for (limit, lower_bound) in [(2, true), (3, false), (DEFAULT_JOBS_LIMIT, false)] {
        let mut targets = admin_targets();
        targets.jobs_limit = limit;
        let mut check = HealthCheck::new(&targets, None);
        run(&mut check, |p, uri| match p {
            Probe::Jobs => {
                assert!(uri.ends_with(&format!("&limit={limit}")), "{uri}");
                json_resp(&body)
            }
            _ => msr(p, uri),
        });
        let (report, _) = check.finish(now());
        let waiting = report.job_runner.unwrap().oldest_waiting.unwrap();
        assert_eq!(
            (waiting.age_secs, waiting.age_is_lower_bound),
            (30 * 60, lower_bound),
            "limit {limit}"
        );
    }
}

#[test]
fn job_runner_trouble_degrades_and_a_discovered_replica_out_of_reach_does_not() {
    let mut check = HealthCheck::new(&admin_targets(), None);
    run(&mut check, |p, uri| match p {
        Probe::Workers => json_resp(WORKERS),
        Probe::Ping(label) if label == "9c8d7e6f5a4b" => {
            // No HTTP answer at all: recorded as a failure below instead.
            resp(599, "", "")
        }
        _ => msr(p, uri),
    });
    check.record_failure(
        &Probe::Ping("9c8d7e6f5a4b".into()),
        "TypeError: Failed to fetch",
    );
    let (report, _) = check.finish(now());
    assert_eq!(report.verdict, Verdict::Degraded);
    assert_eq!(report.reasons[0].code, ReasonCode::WorkerDead);
    let unreachable = report
        .reasons_with(ReasonCode::PingUnreachable)
        .next()
        .unwrap();
    assert_eq!(unreachable.severity, Severity::Unknown);
    assert!(
        unreachable
            .message
            .contains("could not be reached from here"),
        "{}",
        unreachable.message
    );
}

#[test]
fn metrics_are_read_with_rates_from_the_previous_check() {
    let with_metrics = |p: &Probe, uri: &str| match p {
        Probe::Metrics => resp(200, "text/plain", METRICS),
        _ => msr(p, uri),
    };
    let mut check = HealthCheck::new(&admin_targets(), None);
    run(&mut check, with_metrics);
    let (first, _) = check.finish(now());
    let m = first.metrics.as_ref().unwrap();
    assert_eq!(m.repositories, Some(40.0));
    assert!(first.coverage.metrics);
    assert!(first.coverage.summary.ends_with("+ job runner + metrics"));

    let mut check = HealthCheck::new(&admin_targets(), None).with_previous_metrics(Some(m.sample));
    let later = METRICS.replace("} 129600", "} 129660");
    let later_at = now().add_secs(60);
    loop {
        let requests = check.requests();
        if requests.is_empty() {
            break;
        }
        for (probe, request) in requests {
            let response = match probe {
                Probe::Metrics => resp(200, "text/plain", &later),
                _ => msr(&probe, &request.uri().to_string()),
            };
            check.record(&probe, &response, later_at);
        }
    }
    let (second, _) = check.finish(later_at);
    assert_eq!(second.metrics.unwrap().pulls_per_min, Some(60.0));
}

proptest::proptest! {
    /// Whatever the body, reading it as metrics gives an outcome, never a panic.
    #[test]
    fn metrics_never_panic(
        lines in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::string::string_regex("[a-z_]{1,12}(\\{[a-z]{1,4}=\"[^\"\\n]{0,6}\"\\})? (-?[0-9]{1,6}(\\.[0-9]{1,3})?|NaN|\\+Inf|-Inf|[a-z]{1,3})( [0-9]{1,13})?").unwrap(),
                proptest::string::string_regex("# (TYPE|HELP) [a-z_]{1,12} (counter|gauge|histogram|summary|untyped|[a-z ]{0,10})").unwrap(),
                proptest::string::string_regex("[^\\n]{0,30}").unwrap(),
            ],
            0..12,
        ),
    ) {
        let body = lines.join("\n");
        let _ = parse_metrics(&resp(200, "text/plain", &body), now(), None);
    }
}
