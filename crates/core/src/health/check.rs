//! One whole health check as a sans-IO plan: which requests to send, and how their
//! answers (or the lack of one) become a [`HealthReport`].
//!
//! The shells (native client, npm package, extension service worker) all run the same
//! check, so they all reach the same verdict:
//!
//! 1. [`HealthCheck::new`] with the origin, the per-replica origins, the credentials and the
//!    previous nginx sample (for rates);
//! 2. send every request of [`HealthCheck::requests`] (in parallel is fine);
//! 3. hand each answer to [`HealthCheck::record`], or [`HealthCheck::record_failure`] when
//!    no HTTP answer came;
//! 4. call [`HealthCheck::requests`] again and repeat 2–3 until it is empty: an admin's
//!    check has a second round (the replicas `/api/v0/meta/settings` lists, and the job
//!    runner and metrics once MSR has shown the account is an admin);
//! 5. [`HealthCheck::finish`] gives the report and the nginx sample to keep for next time.
//!
//! Who is asked what:
//!
//! | account | round 1 | round 2 |
//! | --- | --- | --- |
//! | none | `/_ping` (each configured replica, or the origin), `/nginx_status` | — |
//! | any | + `cluster_status`, `settings` | only when one of them answered (an admin): the discovered replicas' `/_ping`, workers, jobs, crons, metrics |

use std::time::Duration;

use http::{Request, Response};

use super::admin::{
    AdminError, CRONS_PATH, DEFAULT_JOBS_LIMIT, DEFAULT_JOBS_WINDOW, DEFAULT_WAITING_LIMIT,
    JobRunner, SETTINGS_PATH, WORKERS_PATH, admin_request, jobs_limit, jobs_request, parse_crons,
    parse_jobs, parse_settings, parse_workers,
};
use super::cluster::{DEFAULT_STALE_AFTER, cluster_status_request, parse_cluster_status};
use super::metrics::{MetricsOutcome, MetricsSample, metrics_request, parse_metrics};
use super::nginx::{NginxOutcome, NginxSample, nginx_status_request, parse_nginx_status, rates};
use super::ping::{PingVerdict, parse_ping, ping_request};
use super::report::{HealthInput, HealthReport};
use crate::auth::Credentials;
use crate::{Origin, Timestamp};

/// Which probe a request belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Probe {
    /// `/_ping` of the replica with this label.
    Ping(String),
    /// `/nginx_status` on the main origin.
    Nginx,
    /// `/api/v0/meta/cluster_status` (only with credentials).
    ClusterStatus,
    /// `/api/v0/meta/settings` (with credentials, unless discovery is off).
    Settings,
    /// `/api/v0/workers` (admins).
    Workers,
    /// `/api/v0/jobs` (admins).
    Jobs,
    /// `/api/v0/crons` (admins).
    Crons,
    /// `/api/v0/admin/metrics` (admins; MSR 3.1+).
    Metrics,
}

/// What to do with the replicas MSR's settings list (admins only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discovery {
    /// Read the settings and ping every replica on its HTTPS port, unless replicas are
    /// configured (they override).
    #[default]
    Ping,
    /// The same on each replica's HTTP port.
    PingHttp,
    /// Read the settings and list the replicas in the report, ping nothing more (for a
    /// shell that must ask before it reaches another origin).
    List,
    /// Do not read the settings.
    Off,
}

/// What to check.
#[derive(Debug, Clone)]
pub struct HealthTargets {
    /// The MSR origin (behind its load balancer).
    pub origin: Origin,
    /// Per-replica origins with a label each; empty to ping only the main origin.
    pub replicas: Vec<(String, Origin)>,
    /// Credentials for `cluster_status`; `None` skips it.
    pub credentials: Option<Credentials>,
    /// How old a replica's report may be before it is stale.
    pub stale_after: Duration,
    /// What to do with the replicas MSR's settings list.
    pub discovery: Discovery,
    /// How many of the newest jobs to read.
    pub jobs_limit: usize,
    /// Failed jobs within this window are reported.
    pub jobs_window: Duration,
    /// A job waiting longer than this is a problem.
    pub waiting_limit: Duration,
}

impl HealthTargets {
    /// Targets for one origin with no replica list, no credentials and the default
    /// staleness threshold.
    pub fn new(origin: Origin) -> Self {
        HealthTargets {
            origin,
            replicas: Vec::new(),
            credentials: None,
            stale_after: DEFAULT_STALE_AFTER,
            discovery: Discovery::default(),
            jobs_limit: DEFAULT_JOBS_LIMIT,
            jobs_window: DEFAULT_JOBS_WINDOW,
            waiting_limit: DEFAULT_WAITING_LIMIT,
        }
    }
}

/// The label used for the main origin's `/_ping` when no replica list is configured.
pub const LOAD_BALANCER_LABEL: &str = "load balancer";

/// One health check in progress.
#[derive(Debug, Clone)]
pub struct HealthCheck {
    requests: Vec<(Probe, Request<Vec<u8>>)>,
    pings: Vec<(String, Option<PingVerdict>)>,
    nginx: Option<NginxOutcome>,
    nginx_sample: Option<NginxSample>,
    previous_nginx: Option<NginxSample>,
    previous_metrics: Option<MetricsSample>,
    targets: HealthTargets,
    admin_round: bool,
    input: HealthInput,
}

impl HealthCheck {
    /// Plan a check of `targets`; `previous_nginx` is the sample kept from the last check.
    pub fn new(targets: &HealthTargets, previous_nginx: Option<NginxSample>) -> Self {
        let mut requests = Vec::new();
        let mut pings = Vec::new();
        if targets.replicas.is_empty() {
            requests.push((
                Probe::Ping(LOAD_BALANCER_LABEL.to_string()),
                ping_request(&targets.origin),
            ));
            pings.push((LOAD_BALANCER_LABEL.to_string(), None));
        }
        for (label, origin) in &targets.replicas {
            requests.push((Probe::Ping(label.clone()), ping_request(origin)));
            pings.push((label.clone(), None));
        }
        requests.push((Probe::Nginx, nginx_status_request(&targets.origin)));
        if let Some(credentials) = &targets.credentials {
            requests.push((
                Probe::ClusterStatus,
                cluster_status_request(&targets.origin, credentials),
            ));
            if targets.discovery != Discovery::Off {
                requests.push((
                    Probe::Settings,
                    admin_request(&targets.origin, SETTINGS_PATH, credentials),
                ));
            }
        }
        HealthCheck {
            requests,
            pings,
            nginx: None,
            nginx_sample: None,
            previous_nginx,
            previous_metrics: None,
            targets: targets.clone(),
            admin_round: false,
            input: HealthInput {
                stale_after: targets.stale_after,
                cluster_requested: targets.credentials.is_some(),
                job_runner: JobRunner {
                    window: targets.jobs_window,
                    waiting_limit: targets.waiting_limit,
                    jobs_limit: jobs_limit(targets.jobs_limit),
                    ..JobRunner::new()
                },
                ..HealthInput::default()
            },
        }
    }

    /// The metrics sample of the previous check (its report's `metrics.sample`), for
    /// pulls and pushes per minute.
    pub fn with_previous_metrics(mut self, previous: Option<MetricsSample>) -> Self {
        self.previous_metrics = previous;
        self
    }

    /// MSR has shown the account is an admin: ask the job runner and the metrics.
    fn queue_admin_round(&mut self) {
        if self.admin_round {
            return;
        }
        self.admin_round = true;
        let Some(credentials) = &self.targets.credentials else {
            return;
        };
        let origin = &self.targets.origin;
        self.requests.extend([
            (
                Probe::Workers,
                admin_request(origin, WORKERS_PATH, credentials),
            ),
            (
                Probe::Jobs,
                jobs_request(origin, credentials, self.targets.jobs_limit),
            ),
            (Probe::Crons, admin_request(origin, CRONS_PATH, credentials)),
            (Probe::Metrics, metrics_request(origin, credentials)),
        ]);
    }

    /// Ping the replicas the settings list, unless replicas are configured.
    fn queue_discovered_pings(&mut self, settings: &super::admin::MsrSettings) {
        let http = match self.targets.discovery {
            Discovery::Ping => false,
            Discovery::PingHttp => true,
            Discovery::List | Discovery::Off => return,
        };
        if !self.targets.replicas.is_empty() {
            return;
        }
        for replica in &settings.replicas {
            let Some(origin) = replica.origin(http) else {
                continue;
            };
            if self.pings.iter().any(|(label, _)| *label == replica.id) {
                continue;
            }
            self.requests
                .push((Probe::Ping(replica.id.clone()), ping_request(&origin)));
            self.pings.push((replica.id.clone(), None));
            self.input.discovered.push((replica.id.clone(), origin));
        }
    }

    /// The requests to send now, each tagged with its probe. Call again after recording
    /// their answers: an admin's check has a second round. Empty when all were sent.
    pub fn requests(&mut self) -> Vec<(Probe, Request<Vec<u8>>)> {
        std::mem::take(&mut self.requests)
    }

    /// Record the HTTP answer of one probe.
    pub fn record(&mut self, probe: &Probe, response: &Response<Vec<u8>>, now: Timestamp) {
        match probe {
            Probe::Ping(label) => self.set_ping(label, parse_ping(response)),
            Probe::Nginx => {
                let outcome = parse_nginx_status(response);
                if let NginxOutcome::Available(status) = &outcome {
                    self.nginx_sample = Some(NginxSample::new(now, *status));
                }
                self.nginx = Some(outcome);
            }
            Probe::ClusterStatus => {
                let outcome = parse_cluster_status(response);
                if outcome.is_ok() {
                    self.queue_admin_round();
                }
                self.input.cluster = Some(outcome);
            }
            Probe::Settings => {
                let outcome = parse_settings(response);
                if let Ok(settings) = &outcome {
                    self.queue_discovered_pings(settings);
                    self.queue_admin_round();
                }
                self.input.settings = Some(outcome);
            }
            Probe::Workers => self.input.job_runner.workers = Some(parse_workers(response)),
            Probe::Jobs => self.input.job_runner.jobs = Some(parse_jobs(response)),
            Probe::Crons => self.input.job_runner.crons = Some(parse_crons(response)),
            Probe::Metrics => {
                self.input.metrics =
                    Some(parse_metrics(response, now, self.previous_metrics.as_ref()));
            }
        }
    }

    /// Record that a probe got no HTTP answer (network error, timeout, TLS failure).
    /// `message` must not contain secrets.
    pub fn record_failure(&mut self, probe: &Probe, message: &str) {
        match probe {
            Probe::Ping(label) => self.set_ping(label, PingVerdict::no_answer(message)),
            // Without an answer nothing is known about nginx or the cluster; the pings
            // carry the reachability verdict.
            Probe::Nginx | Probe::ClusterStatus => {}
            Probe::Settings => {
                self.input.settings = Some(Err(AdminError::NoAnswer(message.to_string())));
            }
            Probe::Workers => {
                self.input.job_runner.workers =
                    Some(Err(AdminError::NoAnswer(message.to_string())));
            }
            Probe::Jobs => {
                self.input.job_runner.jobs = Some(Err(AdminError::NoAnswer(message.to_string())));
            }
            Probe::Crons => {
                self.input.job_runner.crons = Some(Err(AdminError::NoAnswer(message.to_string())));
            }
            Probe::Metrics => {
                self.input.metrics = Some(MetricsOutcome::Error(AdminError::NoAnswer(
                    message.to_string(),
                )));
            }
        }
    }

    fn set_ping(&mut self, label: &str, verdict: PingVerdict) {
        if let Some(slot) = self.pings.iter_mut().find(|(l, _)| l == label) {
            slot.1 = Some(verdict);
        }
    }

    /// The report, and the nginx sample to hand to the next check.
    pub fn finish(mut self, now: Timestamp) -> (HealthReport, Option<NginxSample>) {
        self.input.pings = self
            .pings
            .into_iter()
            .map(|(label, verdict)| {
                let verdict =
                    verdict.unwrap_or_else(|| PingVerdict::no_answer("no answer recorded"));
                (label, verdict)
            })
            .collect();
        if let (Some(prev), Some(next)) = (&self.previous_nginx, &self.nginx_sample) {
            self.input.nginx_rates = rates(prev, next);
        }
        self.input.nginx = self.nginx;
        let report = HealthReport::build(&self.input, now);
        (report, self.nginx_sample.or(self.previous_nginx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::Verdict;

    fn resp(status: u16, body: &str) -> Response<Vec<u8>> {
        Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn plans_one_ping_per_replica_nginx_and_cluster_status_with_credentials() {
        let mut targets = HealthTargets::new(Origin::parse("https://msr.example.org").unwrap());
        targets.replicas = vec![
            ("a".into(), Origin::parse("https://a.example.org").unwrap()),
            ("b".into(), Origin::parse("https://b.example.org").unwrap()),
        ];
        let mut check = HealthCheck::new(&targets, None);
        let uris: Vec<String> = check
            .requests()
            .iter()
            .map(|(_, r)| r.uri().to_string())
            .collect();
        assert_eq!(
            uris,
            [
                "https://a.example.org/_ping",
                "https://b.example.org/_ping",
                "https://msr.example.org/nginx_status"
            ]
        );
        targets.credentials = Some(Credentials::password("admin", "pw"));
        let mut check = HealthCheck::new(&targets, None);
        let reqs = check.requests();
        assert_eq!(reqs.len(), 5);
        assert_eq!(reqs[3].0, Probe::ClusterStatus);
        assert_eq!(reqs[4].0, Probe::Settings);
        // Nothing more until MSR has answered as to an admin.
        assert!(check.requests().is_empty());
    }

    #[test]
    fn rates_come_from_the_previous_sample_and_missing_answers_are_unknown() {
        let targets = HealthTargets::new(Origin::parse("https://msr.example.org").unwrap());
        let body = |n: u64| {
            format!(
                "Active connections: 1 \nserver accepts handled requests\n {n} {n} {} \nReading: 0 Writing: 1 Waiting: 0 \n",
                n * 2
            )
        };
        let mut first = HealthCheck::new(&targets, None);
        first.record(
            &Probe::Nginx,
            &resp(200, &body(10)),
            Timestamp::from_secs(100),
        );
        first.record(
            &Probe::Ping(LOAD_BALANCER_LABEL.into()),
            &resp(200, r#"{"Error":"","Healthy":true}"#),
            Timestamp::from_secs(100),
        );
        let (report, sample) = first.finish(Timestamp::from_secs(100));
        // Pings and nginx only, no credentials: reachable, not healthy.
        assert_eq!(report.verdict, Verdict::Reachable);
        assert_eq!(report.coverage.summary, "pings + nginx");
        assert!(report.nginx_rates.is_none());

        let mut second = HealthCheck::new(&targets, sample);
        second.record(
            &Probe::Nginx,
            &resp(200, &body(30)),
            Timestamp::from_secs(110),
        );
        let (report, _) = second.finish(Timestamp::from_secs(110));
        let rates = report.nginx_rates.unwrap();
        assert!((rates.requests_per_sec - 4.0).abs() < 1e-9, "{rates:?}");
        // The ping was never recorded: that is "unknown", not healthy.
        assert_eq!(report.verdict, Verdict::Unknown);
    }

    #[test]
    fn a_refused_sign_in_is_unknown_and_a_lost_answer_is_not_no_credentials() {
        use crate::health::{ClusterStatusMissing, ReasonCode};
        let mut targets = HealthTargets::new(Origin::parse("https://msr.example.org").unwrap());
        targets.credentials = Some(Credentials::password("admin", "wrong"));
        let ping = Probe::Ping(LOAD_BALANCER_LABEL.into());
        let at = Timestamp::from_secs(100);

        let mut check = HealthCheck::new(&targets, None);
        check.record(&ping, &resp(200, r#"{"Error":"","Healthy":true}"#), at);
        check.record(
            &Probe::ClusterStatus,
            &resp(401, r#"{"code":"NOT_AUTHENTICATED"}"#),
            at,
        );
        let (report, _) = check.finish(at);
        assert_eq!(report.verdict, Verdict::Unknown);
        assert_eq!(report.reasons[0].code, ReasonCode::SignInFailed);
        assert_eq!(
            report.coverage.cluster_status_missing,
            Some(ClusterStatusMissing::SignInFailed)
        );

        let mut check = HealthCheck::new(&targets, None);
        check.record(&ping, &resp(200, r#"{"Error":"","Healthy":true}"#), at);
        check.record_failure(&Probe::ClusterStatus, "timed out");
        let (report, _) = check.finish(at);
        assert_eq!(report.verdict, Verdict::Reachable);
        assert_eq!(
            report.coverage.cluster_status_missing,
            Some(ClusterStatusMissing::Unavailable)
        );
    }
}
