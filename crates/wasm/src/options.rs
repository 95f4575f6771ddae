//! The options JavaScript passes in, read strictly with serde (through
//! `serde-wasm-bindgen` in the package): an unknown key is an error (a typo such as
//! `baseURL` must not silently fall back to a default). Their TypeScript declarations are
//! generated from these types (tsify).
//!
//! Error messages name the option, never its value: a secret passed in the wrong place
//! must not end up in a message ([`read`]).

use std::time::Duration;

use msr_lens_core::Origin;
use msr_lens_core::Timestamp;
use msr_lens_core::auth::Credentials;
use msr_lens_core::changefeed::{
    ChangeId, DEFAULT_PAGE_SIZE, Feed, FollowFrom, Gun, Mode, Pager, PagerConfig, SavedState,
};
use msr_lens_core::health::admin::DEFAULT_JOBS_WINDOW;
use msr_lens_core::health::cluster::DEFAULT_STALE_AFTER;
use msr_lens_core::health::{Discovery, HealthTargets, MetricsSample, NginxSample, NginxStatus};
use serde::{Deserialize, Deserializer};
use tsify_next::Tsify;

use crate::error::{LensError, prefixed};

/// The default request timeout.
pub const DEFAULT_TIMEOUT_MS: u32 = 15_000;

/// What an option must be, for the options whose serde wording would be unhelpful.
const EXPECTED: [(&str, &str); 6] = [
    ("secretKind", "\"password\" or \"accessToken\""),
    ("replicas", "an array of URLs or { label, url }"),
    (
        "from",
        "\"start\", \"latest\", { after: id } or { before: id } (follow() reads forward: no before)",
    ),
    (
        "previousNginx",
        "an object with `at` (epoch ms) and nginx's seven counters as whole numbers",
    ),
    (
        "previousMetrics",
        "an earlier report's `metrics.sample`: { at: epoch ms, pulls, pushes }",
    ),
    ("resume", "a position from save()"),
];

/// Read the options object `what` from `deserializer` (a JS value in the package, a JSON
/// value in the tests).
///
/// The message of an error names the option (its path, like `replicas[1]`) and what it
/// must be, never the value given: serde's own messages quote the value ("invalid type:
/// string \"hunter2\""), so only what follows their ", expected " is kept.
pub fn read<'de, T: Deserialize<'de>>(
    what: &str,
    deserializer: impl Deserializer<'de>,
) -> Result<T, LensError> {
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = error.inner().to_string();
        LensError::invalid(option_error(what, &path, &message))
    })
}

/// The message of an option error: see [`read`].
fn option_error(what: &str, path: &str, message: &str) -> String {
    // "unknown field `baseURL`, expected one of ..." and "missing field `baseUrl`" name
    // keys, not values.
    if message.starts_with("unknown field") || message.starts_with("missing field") {
        return format!("{what}: {message}");
    }
    let option = path.split(['.', '[']).next().unwrap_or(path);
    let expected = EXPECTED
        .iter()
        .find(|(name, _)| *name == option)
        .map(|(_, expected)| (*expected).to_string())
        .or_else(|| {
            // Everything after the last ", expected " is serde's description of the type.
            let at = message.rfind(", expected ")?;
            let expected = &message[at + ", expected ".len()..];
            Some(match expected {
                "u32" | "u64" | "usize" => "a whole number from 0 to 4294967295".to_string(),
                "i64" => "a whole number".to_string(),
                other => other.to_string(),
            })
        });
    match expected {
        Some(expected) => format!("{what}: `{path}` must be {expected}"),
        None => format!("{what}: `{path}` is not valid"),
    }
}

/// Options of `new MsrClient(options)`. Unknown keys are rejected.
#[derive(Debug, Clone, Deserialize, Tsify)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MsrClientOptions {
    /// The MSR origin, `https://host[:port]` (no path).
    pub base_url: String,
    /// User name; give it together with `secret`, or neither (anonymous).
    #[tsify(optional)]
    pub username: Option<String>,
    /// An MSR access token (recommended) or the password. Sent only to `baseUrl`.
    #[tsify(optional)]
    pub secret: Option<String>,
    /// What `secret` is; default `"accessToken"`.
    #[tsify(optional)]
    pub secret_kind: Option<SecretKindOption>,
    /// Per-replica origins for `/_ping` (MSR HA); a URL or `{ label, url }`.
    #[tsify(optional)]
    pub replicas: Option<Vec<ReplicaOption>>,
    /// Timeout of each request in milliseconds (default 15000).
    #[tsify(optional)]
    pub timeout_ms: Option<u32>,
    /// Largest accepted response body in bytes (default 64 MiB).
    #[tsify(optional)]
    pub max_body_bytes: Option<u32>,
    /// How old a replica's last report may be before it is stale (default 300 s).
    #[tsify(optional)]
    pub stale_after_secs: Option<u32>,
    /// The token service's `service` name (default `"dtr"`, MSR's).
    #[tsify(optional)]
    pub service: Option<String>,
    /// For admins, replicas listed by `/api/v0/meta/settings`: `"ping"` them on their HTTPS
    /// port (default), `"pingHttp"` on their HTTP port, only `"list"` them in
    /// `report.discovery`, or `"off"` (settings not read). Replicas given in `replicas`
    /// are pinged instead of the discovered ones.
    #[tsify(optional)]
    pub discover_replicas: Option<DiscoverReplicasOption>,
    /// How far back failed jobs count, in seconds (default 3600, at most 30 days).
    #[tsify(optional)]
    pub jobs_window_secs: Option<u32>,
}

/// `MsrClientOptions.discoverReplicas`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum DiscoverReplicasOption {
    /// Ping every discovered replica on its HTTPS port.
    Ping,
    /// Ping every discovered replica on its HTTP port.
    PingHttp,
    /// List the discovered replicas without pinging them.
    List,
    /// Do not read the settings.
    Off,
}

/// What `MsrClientOptions.secret` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum SecretKindOption {
    /// The account's password.
    Password,
    /// An MSR access token.
    AccessToken,
}

/// One entry of `MsrClientOptions.replicas`: a URL, or `{ label, url }`.
#[derive(Debug, Clone, Deserialize, Tsify)]
#[serde(untagged, deny_unknown_fields)]
pub enum ReplicaOption {
    /// The replica's origin; its label is its `host[:port]`.
    Url(String),
    /// The replica's origin with a label of your choice.
    Labelled {
        /// The label shown in the report.
        label: String,
        /// The replica's origin.
        url: String,
    },
}

/// Options of `health()`.
#[derive(Debug, Clone, Default, Deserialize, Tsify)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HealthOptions {
    /// The nginx sample to measure request rates against instead of this client's
    /// previous `health()`: an earlier report's `nginx` plus `at: report.checkedAt` (other
    /// keys are ignored, so a stored copy can be passed as it is).
    #[tsify(optional, type = "(NginxStatus & { at: number }) | null")]
    pub previous_nginx: Option<PreviousNginx>,
    /// The metrics sample to measure pulls and pushes per minute against instead of this
    /// client's previous `health()`: an earlier report's `metrics.sample` (MSR 3.1+).
    #[tsify(optional, type = "MetricsSample | null")]
    pub previous_metrics: Option<MetricsSample>,
}

/// `HealthOptions.previousNginx`: nginx's counters and when they were read.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PreviousNginx {
    /// When (epoch ms).
    at: Timestamp,
    /// The counters.
    #[serde(flatten)]
    status: NginxStatus,
}

impl HealthOptions {
    /// The nginx sample to take request rates from, if one was given.
    pub fn previous(&self) -> Option<NginxSample> {
        self.previous_nginx.map(|p| NginxSample {
            at: p.at,
            status: p.status,
        })
    }

    /// The metrics sample to take pulls and pushes per minute from, if one was given.
    pub fn previous_metrics(&self) -> Option<MetricsSample> {
        self.previous_metrics
    }
}

/// Where a walk begins. Record IDs come from `ChangeRecord.id`.
#[derive(Debug, Clone, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum ChangefeedFrom {
    /// The oldest record.
    Start,
    /// The newest records, then older ones on demand.
    Latest,
    /// Forward, just after this record.
    After(String),
    /// Backward, just before this record.
    Before(String),
}

/// Where a `follow()` begins: it reads forward.
#[derive(Debug, Clone, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum FollowOptionsFrom {
    /// The oldest record.
    Start,
    /// Only records published from now on (plus the latest page).
    Latest,
    /// Just after this record.
    After(String),
}

/// Options of `changefeed(options)`. Unknown keys are rejected.
#[derive(Debug, Clone, Default, Deserialize, Tsify)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChangefeedOptions {
    /// `namespace/repo` (on this MSR) or a full GUN; omitted: the global feed (admins).
    #[tsify(optional)]
    pub repository: Option<String>,
    /// Default `"start"`.
    #[tsify(optional)]
    pub from: Option<ChangefeedFrom>,
    /// Records per request, 1–10000 (default 100).
    #[tsify(optional)]
    pub page_size: Option<u32>,
    /// Transient errors retried in a row before a call rejects (default 3).
    #[tsify(optional)]
    pub max_retries: Option<u32>,
    /// A position from `save()`; overrides `from`.
    #[tsify(optional)]
    pub resume: Option<String>,
}

/// Options of `follow(options)`. Unknown keys are rejected.
#[derive(Debug, Clone, Default, Deserialize, Tsify)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FollowOptions {
    /// `namespace/repo` (on this MSR) or a full GUN; omitted: the global feed (admins).
    #[tsify(optional)]
    pub repository: Option<String>,
    /// Default `"latest"`: only records published from now on (plus the latest page).
    #[tsify(optional)]
    pub from: Option<FollowOptionsFrom>,
    /// Records per request, 1–10000 (default 100).
    #[tsify(optional)]
    pub page_size: Option<u32>,
    /// Wait between polls once caught up, in ms (default 30000).
    #[tsify(optional)]
    pub poll_interval_ms: Option<u32>,
    /// Transient errors retried in a row before a call rejects (default 3).
    #[tsify(optional)]
    pub max_retries: Option<u32>,
    /// A position from `save()`; overrides `from`.
    #[tsify(optional)]
    pub resume: Option<String>,
}

impl From<FollowOptions> for ChangefeedOptions {
    fn from(options: FollowOptions) -> Self {
        ChangefeedOptions {
            repository: options.repository,
            from: options.from.map(|from| match from {
                FollowOptionsFrom::Start => ChangefeedFrom::Start,
                FollowOptionsFrom::Latest => ChangefeedFrom::Latest,
                FollowOptionsFrom::After(id) => ChangefeedFrom::After(id),
            }),
            page_size: options.page_size,
            max_retries: options.max_retries,
            resume: options.resume,
        }
    }
}

/// A validated client configuration.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The MSR origin, the user's credentials (if any), the per-replica origins with their
    /// labels and the replica staleness threshold: what a health check checks, kept as
    /// one value so `health()` uses it as it is.
    pub targets: HealthTargets,
    /// Request timeout in milliseconds.
    pub timeout_ms: u32,
    /// Response size cap in bytes.
    pub max_body_bytes: usize,
    /// The token service's `service` name (MSR: `dtr`).
    pub service: String,
}

impl ClientConfig {
    /// Check `new MsrClient(options)`.
    pub fn new(options: MsrClientOptions) -> Result<Self, LensError> {
        let origin = Origin::parse(&options.base_url)
            .map_err(|e| LensError::invalid(prefixed("baseUrl: ", &e)))?;
        let credentials = match (options.username, options.secret) {
            (None, None) => None,
            (Some(user), Some(secret)) if !user.is_empty() && !secret.is_empty() => {
                Some(match options.secret_kind {
                    None | Some(SecretKindOption::AccessToken) => {
                        Credentials::access_token(user, secret)
                    }
                    Some(SecretKindOption::Password) => Credentials::password(user, secret),
                })
            }
            _ => {
                return Err(LensError::invalid(
                    "username and secret go together: give both (non-empty) or neither",
                ));
            }
        };
        let replicas = options
            .replicas
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(index, replica)| {
                let (label, url) = match replica {
                    ReplicaOption::Url(url) => (None, url),
                    ReplicaOption::Labelled { label, url } => (Some(label), url),
                };
                let origin = Origin::parse(&url)
                    .map_err(|e| LensError::invalid(format!("replicas[{index}]: {e}")))?;
                let label = label.unwrap_or_else(|| origin.authority().to_owned());
                Ok((label, origin))
            })
            .collect::<Result<Vec<_>, LensError>>()?;
        let timeout_ms = options.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if timeout_ms == 0 {
            return Err(LensError::invalid(
                "MsrClient options: `timeoutMs` must be positive",
            ));
        }
        let discovery = match options.discover_replicas {
            None | Some(DiscoverReplicasOption::Ping) => Discovery::Ping,
            Some(DiscoverReplicasOption::PingHttp) => Discovery::PingHttp,
            Some(DiscoverReplicasOption::List) => Discovery::List,
            Some(DiscoverReplicasOption::Off) => Discovery::Off,
        };
        let jobs_window = match options.jobs_window_secs {
            None => DEFAULT_JOBS_WINDOW,
            Some(secs) if secs == 0 || secs > 30 * 86_400 => {
                return Err(LensError::invalid(
                    "MsrClient options: `jobsWindowSecs` must be between 1 and 2592000 (30 days)",
                ));
            }
            Some(secs) => Duration::from_secs(secs.into()),
        };
        Ok(ClientConfig {
            targets: HealthTargets {
                replicas,
                credentials,
                stale_after: options
                    .stale_after_secs
                    .map_or(DEFAULT_STALE_AFTER, |secs| Duration::from_secs(secs.into())),
                discovery,
                jobs_window,
                ..HealthTargets::new(origin)
            },
            timeout_ms,
            max_body_bytes: options
                .max_body_bytes
                .map_or(msr_lens_transport::DEFAULT_MAX_BODY_BYTES, |n| {
                    usize::try_from(n).unwrap_or(usize::MAX)
                }),
            service: options.service.unwrap_or_else(|| "dtr".to_owned()),
        })
    }

    /// The MSR origin.
    pub fn origin(&self) -> &Origin {
        &self.targets.origin
    }
}

/// Where a changefeed walk begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// The oldest record.
    Start,
    /// The newest records.
    Latest,
    /// Just after this record (forward).
    After(ChangeId),
    /// Just before this record (backward).
    Before(ChangeId),
}

/// A validated `changefeed()` / `follow()` configuration.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// Which feed.
    pub feed: Feed,
    /// Where to begin.
    pub start: Start,
    /// Follow new records after catching up.
    pub follow: bool,
    /// Pager tuning (page size, poll interval).
    pub pager: PagerConfig,
    /// Transient errors retried in a row before a call rejects.
    pub max_retries: u32,
    /// A saved position (`save()`), which overrides `from`.
    pub resume: Option<SavedState>,
}

impl FeedOptions {
    /// Check `changefeed(options)` (`follow == false`) or `follow(options)` (converted to
    /// [`ChangefeedOptions`]; `poll_interval_ms` is its poll interval). `origin` completes
    /// a repository given as `namespace/repo` into a GUN.
    pub fn new(
        options: ChangefeedOptions,
        poll_interval_ms: Option<u32>,
        origin: &Origin,
        follow: bool,
    ) -> Result<Self, LensError> {
        let what = if follow {
            "follow options"
        } else {
            "changefeed options"
        };
        let feed = match &options.repository {
            None => Feed::Global,
            Some(repository) => Feed::Repository(gun(repository, origin)?),
        };
        let start = match options.from {
            None if follow => Start::Latest,
            None | Some(ChangefeedFrom::Start) => Start::Start,
            Some(ChangefeedFrom::Latest) => Start::Latest,
            Some(ChangefeedFrom::After(id)) => Start::After(change_id(id)?),
            Some(ChangefeedFrom::Before(id)) => Start::Before(change_id(id)?),
        };
        let mut pager = PagerConfig {
            page_size: options.page_size.unwrap_or(DEFAULT_PAGE_SIZE),
            ..PagerConfig::default()
        };
        if let Some(ms) = poll_interval_ms {
            pager.poll_interval_ms = i64::from(ms.max(1));
        }
        let resume = match &options.resume {
            None => None,
            Some(text) => Some(serde_json::from_str(text).map_err(|_| {
                LensError::invalid(format!("{what}: `resume` is not a saved position"))
            })?),
        };
        Ok(FeedOptions {
            feed,
            start,
            follow,
            pager,
            max_retries: options.max_retries.unwrap_or(3),
            resume,
        })
    }

    /// The pager that walks this feed (the options are used up: nothing is cloned).
    /// Fails when `resume` is a position saved on another origin.
    pub fn pager(self, origin: &Origin) -> Result<Pager, LensError> {
        let origin = origin.clone();
        let config = self.pager;
        if let Some(saved) = self.resume {
            return Pager::resume(origin, saved, config)
                .map_err(|e| LensError::invalid(["`resume`: ", &e.to_string()].concat()));
        }
        let mode = match (&self.start, self.follow) {
            (Start::Start | Start::After(_), false) => Mode::Backfill,
            (Start::Latest | Start::Before(_), false) => Mode::NewestFirst,
            (Start::Start | Start::After(_), true) => Mode::Follow(FollowFrom::Start),
            (Start::Latest | Start::Before(_), true) => Mode::Follow(FollowFrom::Latest),
        };
        // A walk anchored on a record ID is a resumed walk: forward from `after`, or
        // backward from `before`.
        let (anchor, backward) = match self.start {
            Start::Start | Start::Latest => {
                return Ok(Pager::new(origin, self.feed, mode, config));
            }
            Start::After(id) => (id, false),
            Start::Before(id) => (id, true),
        };
        let saved = SavedState::anchored(self.feed, mode, anchor, backward);
        Pager::resume(origin, saved, config)
            .map_err(|e| LensError::invalid(["`from`: ", &e.to_string()].concat()))
    }

    /// Whether pages are walked newest first (each later page is older).
    pub fn newest_first(&self) -> bool {
        let mode = match &self.resume {
            Some(saved) => saved.mode(),
            None if self.follow => return false,
            None => match self.start {
                Start::Latest | Start::Before(_) => Mode::NewestFirst,
                Start::Start | Start::After(_) => Mode::Backfill,
            },
        };
        mode == Mode::NewestFirst
    }
}

/// A repository as a GUN: `namespace/repo` on the origin's registry host, or a full GUN
/// whose first segment is a host (it has a `.` or `:`, or is `localhost`).
pub fn gun(repository: &str, origin: &Origin) -> Result<Gun, LensError> {
    let repository = repository.trim();
    let first = repository
        .split_once('/')
        .map_or(repository, |(first, _)| first);
    let full = first.bytes().any(|b| b == b'.' || b == b':') || first == "localhost";
    let text = if full {
        repository.to_string()
    } else {
        format!("{}/{repository}", origin.authority())
    };
    Gun::new(text).map_err(|e| LensError::invalid(prefixed("repository: ", &e)))
}

fn change_id(id: String) -> Result<ChangeId, LensError> {
    ChangeId::new(id).map_err(|e| LensError::invalid(prefixed("from: ", &e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use msr_lens_core::auth::SecretKind;
    use serde::de::DeserializeOwned;
    use serde_json::json;

    /// Options from JSON text, read as the package reads a JS object.
    fn parse<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, LensError> {
        read(
            what,
            serde_json::from_str::<serde_json::Value>(json).unwrap(),
        )
    }

    fn client_config(json: &str) -> Result<ClientConfig, LensError> {
        ClientConfig::new(parse("MsrClient options", json)?)
    }

    fn health_options(json: &str) -> Result<Option<NginxSample>, LensError> {
        parse::<HealthOptions>("health options", json).map(|o| o.previous())
    }

    fn feed_options(json: &str, origin: &Origin, follow: bool) -> Result<FeedOptions, LensError> {
        if follow {
            let options: FollowOptions = parse("follow options", json)?;
            let poll = options.poll_interval_ms;
            FeedOptions::new(options.into(), poll, origin, true)
        } else {
            FeedOptions::new(parse("changefeed options", json)?, None, origin, false)
        }
    }

    #[test]
    fn reads_a_full_configuration() {
        let config = client_config(
            r#"{"baseUrl":"https://msr.example.org/","username":"ci","secret":"s3cr3t",
                "replicas":["https://r1.example.org",{"label":"two","url":"https://r2.example.org:8443"}],
                "timeoutMs":500,"staleAfterSecs":60}"#,
        )
        .unwrap();
        assert_eq!(config.origin().to_string(), "https://msr.example.org");
        let credentials = config.targets.credentials.as_ref().unwrap();
        assert_eq!(credentials.kind(), SecretKind::AccessToken);
        let labels: Vec<&str> = config
            .targets
            .replicas
            .iter()
            .map(|(l, _)| l.as_str())
            .collect();
        assert_eq!(labels, ["r1.example.org", "two"]);
        assert_eq!(config.timeout_ms, 500);
        assert_eq!(config.targets.stale_after, Duration::from_secs(60));
    }

    #[test]
    fn defaults_and_password_kind() {
        let config = client_config(
            r#"{"baseUrl":"https://msr.example.org","username":"a","secret":"b","secretKind":"password"}"#,
        )
        .unwrap();
        assert_eq!(
            config.targets.credentials.unwrap().kind(),
            SecretKind::Password
        );
        assert_eq!(config.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert!(config.targets.replicas.is_empty());
    }

    #[test]
    fn rejects_typos_half_credentials_and_bad_urls() {
        let e = client_config(r#"{"baseURL":"https://x.org"}"#).unwrap_err();
        assert_eq!(e.kind, "invalidArgument");
        assert_eq!(
            e.message,
            "MsrClient options: unknown field `baseURL`, expected one of `baseUrl`, \
             `username`, `secret`, `secretKind`, `replicas`, `timeoutMs`, `maxBodyBytes`, \
             `staleAfterSecs`, `service`, `discoverReplicas`, `jobsWindowSecs`"
        );
        let e = health_options(r#"{"x":1}"#).unwrap_err();
        assert_eq!(
            e.message,
            "health options: unknown field `x`, expected `previousNginx` or `previousMetrics`"
        );
        let e = client_config(r#"{"username":"u"}"#).unwrap_err();
        assert_eq!(e.message, "MsrClient options: missing field `baseUrl`");
        let e =
            client_config(r#"{"baseUrl":"https://x.org","replicas":[{"url":"https://y.org"}]}"#)
                .unwrap_err();
        assert_eq!(
            e.message,
            "MsrClient options: `replicas[0]` must be an array of URLs or { label, url }"
        );
        let e = client_config(r#"{"baseUrl":"https://x.org","username":"u"}"#).unwrap_err();
        assert!(e.message.contains("username and secret"), "{e}");
        let e = client_config(r#"{"baseUrl":"https://x.org/api"}"#).unwrap_err();
        assert!(e.message.starts_with("baseUrl:"), "{e}");
        let e = client_config(r#"{"baseUrl":"https://x.org","timeoutMs":0}"#).unwrap_err();
        assert!(e.message.contains("timeoutMs"), "{e}");
    }

    fn origin() -> Origin {
        Origin::parse("https://127.0.0.1:8443").unwrap()
    }

    fn first_request(json: &str, follow: bool) -> String {
        let options = feed_options(json, &origin(), follow).unwrap();
        let mut pager = options.pager(&origin()).unwrap();
        let (_, request) = pager
            .poll_request(msr_lens_core::Timestamp::from_secs(1_800_000_000))
            .unwrap();
        request.uri().to_string()
    }

    #[test]
    fn feed_starts_map_to_notary_parameters() {
        let base = "https://127.0.0.1:8443/v2/_trust/changefeed";
        assert_eq!(
            first_request("{}", false),
            format!("{base}?change_id=0&records=100")
        );
        assert_eq!(
            first_request(r#"{"from":"latest","pageSize":5}"#, false),
            format!("{base}?change_id=-1&records=-5")
        );
        assert_eq!(
            first_request(r#"{"from":{"after":"41"},"pageSize":5}"#, false),
            format!("{base}?change_id=41&records=5")
        );
        assert_eq!(
            first_request(r#"{"from":{"after":"41"}}"#, true),
            format!("{base}?change_id=41&records=100")
        );
        assert_eq!(
            first_request("{}", true),
            format!("{base}?change_id=-1&records=-100")
        );
    }

    #[test]
    fn newest_first_is_the_mode_of_the_pager_built() {
        // The bindings read `newest_first` from the pager's mode: both must agree.
        let o = origin();
        let saved = |from: &str, follow: bool| {
            let options = feed_options(from, &o, follow).unwrap();
            serde_json::to_string(&options.pager(&o).unwrap().save()).unwrap()
        };
        let mut cases: Vec<(String, bool)> = Vec::new();
        for from in [
            "{}",
            r#"{"from":"start"}"#,
            r#"{"from":"latest"}"#,
            r#"{"from":{"after":"41"}}"#,
            r#"{"from":{"before":"41"}}"#,
        ] {
            for follow in [false, true] {
                if follow && from.contains("before") {
                    continue;
                }
                cases.push((from.to_string(), follow));
                let resume = json!({ "resume": saved(from, follow) }).to_string();
                cases.push((resume.clone(), false));
                cases.push((resume, true));
            }
        }
        for (json, follow) in cases {
            let options = feed_options(&json, &o, follow).unwrap();
            let newest_first = options.newest_first();
            let mode = options.pager(&o).unwrap().mode();
            assert_eq!(newest_first, mode == Mode::NewestFirst, "{json} {follow}");
        }
    }

    #[test]
    fn before_walks_backward_on_demand() {
        let options =
            feed_options(r#"{"from":{"before":"41"},"pageSize":3}"#, &origin(), false).unwrap();
        assert!(options.newest_first());
        let mut pager = options.pager(&origin()).unwrap();
        let now = msr_lens_core::Timestamp::from_secs(1_800_000_000);
        assert!(
            pager.poll_request(now).is_none(),
            "older pages come on demand"
        );
        pager.request_older();
        let (_, request) = pager.poll_request(now).unwrap();
        assert_eq!(
            request.uri().to_string(),
            "https://127.0.0.1:8443/v2/_trust/changefeed?change_id=41&records=-3"
        );
    }

    #[test]
    fn repositories_become_guns_on_the_origin() {
        let o = origin();
        assert_eq!(
            gun("library/nginx", &o).unwrap().as_str(),
            "127.0.0.1:8443/library/nginx"
        );
        assert_eq!(
            gun("msr.example.org/library/nginx", &o).unwrap().as_str(),
            "msr.example.org/library/nginx"
        );
        assert_eq!(gun("localhost/a/b", &o).unwrap().as_str(), "localhost/a/b");
        assert_eq!(gun("a//b", &o).unwrap_err().kind, "invalidArgument");
        let options = feed_options(r#"{"repository":"library/nginx"}"#, &o, false).unwrap();
        assert_eq!(
            options.feed.path(),
            "/v2/127.0.0.1:8443/library/nginx/_trust/changefeed"
        );
    }

    #[test]
    fn feed_options_are_strict() {
        let o = origin();
        for bad in [
            r#"{"from":"newest"}"#,
            r#"{"from":{"after":"0"}}"#,
            r#"{"from":{"after":""}}"#,
            r#"{"page_size":3}"#,
            r#"{"resume":"{}"}"#,
        ] {
            let e = feed_options(bad, &o, false).unwrap_err();
            assert_eq!(e.kind, "invalidArgument", "{bad}");
        }
        let e = feed_options(r#"{"from":{"before":"5"}}"#, &o, true).unwrap_err();
        assert!(e.message.contains("follow()"), "{e}");
    }

    #[test]
    fn a_saved_walk_resumes() {
        let o = origin();
        let options = feed_options(r#"{"from":{"after":"7"}}"#, &o, false).unwrap();
        let saved = serde_json::to_string(&options.clone().pager(&o).unwrap().save()).unwrap();
        let resumed = feed_options(
            &serde_json::to_string(&json!({ "resume": saved })).unwrap(),
            &o,
            false,
        )
        .unwrap();
        let mut pager = resumed.pager(&o).unwrap();
        let (_, request) = pager
            .poll_request(msr_lens_core::Timestamp::from_secs(1_800_000_000))
            .unwrap();
        assert!(
            request
                .uri()
                .to_string()
                .ends_with("change_id=7&records=100")
        );
    }

    /// A report's `metrics.sample` is taken back as it was handed out.
    #[test]
    fn health_options_take_a_stored_metrics_sample() {
        let read = |json: &str| {
            parse::<HealthOptions>("health options", json).map(|o| o.previous_metrics())
        };
        assert_eq!(read("{}").unwrap(), None);
        assert_eq!(read(r#"{"previousMetrics":null}"#).unwrap(), None);
        let sample = read(r#"{"previousMetrics":{"at":1795697378190,"pulls":120,"pushes":null}}"#)
            .unwrap()
            .unwrap();
        assert_eq!(sample.at.as_millis(), 1_795_697_378_190);
        assert_eq!((sample.pulls, sample.pushes), (Some(120.0), None));
        // What the package hands out reads back the same.
        let json = serde_json::to_string(&sample).unwrap();
        let again = read(&format!(r#"{{"previousMetrics":{json}}}"#)).unwrap();
        assert_eq!(again, Some(sample));
        for bad in [
            r#"{"previousMetrics":5}"#,
            r#"{"previousMetrics":{"pulls":1}}"#,
            r#"{"previousMetrics":{"at":1,"pulls":"many"}}"#,
        ] {
            assert_eq!(read(bad).unwrap_err().kind, "invalidArgument", "{bad}");
        }
    }

    #[test]
    fn health_options_take_a_stored_nginx_view() {
        assert_eq!(health_options("{}").unwrap(), None);
        assert_eq!(health_options(r#"{"previousNginx":null}"#).unwrap(), None);
        let sample = health_options(
            r#"{"previousNginx":{"at":1795697378190,"active":3,"accepts":10,"handled":9,
                "requests":40,"reading":0,"writing":1,"waiting":2,"requestsPerSec":1.5}}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(sample.at.as_millis(), 1_795_697_378_190);
        assert_eq!((sample.status.accepts, sample.status.handled), (10, 9));
        assert_eq!(sample.status.requests, 40);
        for bad in [
            r#"{"previousNginx":5}"#,
            r#"{"previousNginx":{"at":1,"active":1}}"#,
            r#"{"previousNginx":{"at":"x","active":1,"accepts":1,"handled":1,"requests":1,"reading":0,"writing":0,"waiting":0}}"#,
            r#"{"previousNginx":{"at":1,"active":-1,"accepts":1,"handled":1,"requests":1,"reading":0,"writing":0,"waiting":0}}"#,
            r#"{"previousNgnix":{}}"#,
        ] {
            assert_eq!(
                health_options(bad).unwrap_err().kind,
                "invalidArgument",
                "{bad}"
            );
        }
    }

    #[test]
    fn errors_never_echo_values() {
        let e = client_config(r#"{"baseUrl":"https://x.org","timeoutMs":"hunter2-secret"}"#)
            .unwrap_err();
        assert!(!e.message.contains("hunter2"), "{e}");
        assert!(e.message.contains("`timeoutMs`"), "{e}");
        // Every kind of serde error, with a value that must not come back: the message
        // names the option instead.
        for (json, option) in [
            (
                r#"{"baseUrl":"https://x.org","secretKind":"hunter2"}"#,
                "`secretKind`",
            ),
            (
                r#"{"baseUrl":"https://x.org","secret":["hunter2"]}"#,
                "`secret`",
            ),
            (
                r#"{"baseUrl":"https://x.org","username":1234567}"#,
                "`username`",
            ),
            (
                r#"{"baseUrl":"https://x.org","replicas":["a",{"label":"hunter2"}]}"#,
                "`replicas[1]`",
            ),
            (
                r#"{"baseUrl":"https://x.org","replicas":"hunter2"}"#,
                "`replicas`",
            ),
            (
                r#"{"baseUrl":"https://x.org","maxBodyBytes":-1234567}"#,
                "`maxBodyBytes`",
            ),
            (
                r#"{"baseUrl":"https://x.org","staleAfterSecs":1234567.5}"#,
                "`staleAfterSecs`",
            ),
        ] {
            let e = client_config(json).unwrap_err();
            assert_eq!(e.kind, "invalidArgument");
            assert!(
                !e.message.contains("hunter2") && !e.message.contains("1234567"),
                "{e}"
            );
            assert!(e.message.contains(option), "{json}: {e}");
        }
        for (json, option) in [
            (r#"{"from":"hunter2"}"#, "`from`"),
            (r#"{"from":{"after":1234567}}"#, "`from"),
            (r#"{"pageSize":"hunter2"}"#, "`pageSize`"),
            (r#"{"resume":1234567}"#, "`resume`"),
        ] {
            let e = feed_options(json, &origin(), false).unwrap_err();
            assert!(
                !e.message.contains("hunter2") && !e.message.contains("1234567"),
                "{e}"
            );
            assert!(e.message.contains(option), "{json}: {e}");
        }
        let e = health_options(r#"{"previousNginx":{"at":"hunter2"}}"#).unwrap_err();
        assert!(!e.message.contains("hunter2"), "{e}");
        assert!(e.message.contains("`previousNginx"), "{e}");
        let e = parse::<HealthOptions>(
            "health options",
            r#"{"previousMetrics":{"at":"hunter2","pulls":1,"pushes":1}}"#,
        )
        .unwrap_err();
        assert!(!e.message.contains("hunter2"), "{e}");
        assert!(e.message.contains("`previousMetrics"), "{e}");
    }

    /// `SavedState::anchored` is the state the pager was anchored with before: the JSON
    /// of a fresh walk that has seen the anchor, read back.
    #[test]
    fn anchored_walks_are_the_saved_states_they_replaced() {
        let o = origin();
        for (from, follow) in [
            (r#"{"from":{"after":"41"}}"#, false),
            (r#"{"from":{"before":"41"}}"#, false),
            (r#"{"from":{"after":"x-1"},"repository":"a/b"}"#, true),
        ] {
            let options = feed_options(from, &o, follow).unwrap();
            let (begin, newest, oldest) = match &options.start {
                Start::After(id) => ("start", Some(id.as_str()), None),
                Start::Before(id) => ("latest", Some(id.as_str()), Some(id.as_str())),
                other => panic!("{other:?}"),
            };
            let mode = options.clone().pager(&o).unwrap().mode();
            let state = json!({
                "format": 1,
                "feed": options.feed,
                "mode": mode,
                "begin": begin,
                "started": true,
                "newest": newest,
                "oldest": oldest,
                "reachedStart": false,
                "recentIds": [],
                "nextRequestId": 1,
                "recordsEmitted": 0,
                "pages": 0,
                "origin": o.to_string(),
            });
            let before: SavedState = serde_json::from_value(state).unwrap();
            assert_eq!(options.clone().pager(&o).unwrap().save(), before, "{from}");
        }
    }
}
