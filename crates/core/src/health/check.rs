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
//! 4. [`HealthCheck::finish`] gives the report and the nginx sample to keep for next time.

use std::time::Duration;

use http::{Request, Response};

use super::cluster::{DEFAULT_STALE_AFTER, cluster_status_request, parse_cluster_status};
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
        }
        HealthCheck {
            requests,
            pings,
            nginx: None,
            nginx_sample: None,
            previous_nginx,
            input: HealthInput {
                stale_after: targets.stale_after,
                cluster_requested: targets.credentials.is_some(),
                ..HealthInput::default()
            },
        }
    }

    /// The requests to send, each tagged with its probe. Call once.
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
            Probe::ClusterStatus => self.input.cluster = Some(parse_cluster_status(response)),
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
        assert_eq!(reqs.len(), 4);
        assert_eq!(reqs[3].0, Probe::ClusterStatus);
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
