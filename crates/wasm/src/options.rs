//! The options JavaScript passes in, read strictly: an unknown key is an error (a typo such
//! as `baseURL` must not silently fall back to a default).
//!
//! Options arrive as JSON text (`JSON.stringify` of the JS object), so this module is plain
//! Rust and tested natively. They are read key by key from a [`serde_json::Value`]. Error
//! messages name the option, never its value: a secret passed in the wrong place must not
//! end up in a message.

use std::time::Duration;

use msr_lens_core::Origin;
use msr_lens_core::Timestamp;
use msr_lens_core::auth::Credentials;
use msr_lens_core::changefeed::{
    ChangeId, DEFAULT_PAGE_SIZE, Feed, FollowFrom, Gun, Mode, Pager, PagerConfig, SavedState,
};
use msr_lens_core::health::admin::DEFAULT_JOBS_WINDOW;
use msr_lens_core::health::cluster::DEFAULT_STALE_AFTER;
use msr_lens_core::health::{Discovery, HealthTargets, NginxSample, NginxStatus};
use serde_json::{Map, Value};

use crate::error::{LensError, prefixed};

/// The default request timeout.
pub const DEFAULT_TIMEOUT_MS: u32 = 15_000;

/// A JSON object of options, read key by key.
struct Reader<'a> {
    what: &'a str,
    map: Map<String, Value>,
}

impl<'a> Reader<'a> {
    /// Read the object in `json`; a key not in `known` is an error.
    fn new(what: &'a str, json: &str, known: &[&str]) -> Result<Self, LensError> {
        let Ok(Value::Object(map)) = serde_json::from_str(json) else {
            return Err(crate::error::not_an_object(what));
        };
        if let Some(key) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(LensError::invalid(format!(
                "{what}: unknown option `{key}` (known: {})",
                known.join(", ")
            )));
        }
        Ok(Reader { what, map })
    }

    fn wrong(&self, key: &str, expected: &str) -> LensError {
        LensError::invalid(format!("{}: `{key}` must be {expected}", self.what))
    }

    /// The value of `key`, borrowed; `null` counts as absent. Values are only borrowed
    /// while the options are checked (an error path then has nothing of its own to drop).
    fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn string(&self, key: &str) -> Result<Option<&str>, LensError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(self.wrong(key, "a string")),
        }
    }

    fn number(&self, key: &str, max: u64) -> Result<Option<u64>, LensError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => match value.as_u64() {
                Some(n) if n <= max => Ok(Some(n)),
                _ => Err(self.wrong(key, &format!("a whole number from 0 to {max}"))),
            },
        }
    }

    fn u32(&self, key: &str) -> Result<Option<u32>, LensError> {
        Ok(self
            .number(key, u64::from(u32::MAX))?
            .and_then(|n| u32::try_from(n).ok()))
    }
}

/// Read `health(options)`: the nginx sample to take request rates from, if one was given
/// (`previousNginx`: `{ at, active, accepts, handled, requests, reading, writing, waiting }`,
/// e.g. the `nginx` of an earlier report with `at: report.checkedAt`; other keys of that
/// object are ignored, so a stored view of it can be passed as it is).
pub fn health_options(json: &str) -> Result<Option<NginxSample>, LensError> {
    let r = Reader::new("health options", json, &["previousNginx"])?;
    let Some(value) = r.get("previousNginx") else {
        return Ok(None);
    };
    // One error path for every missing or odd field.
    let sample = || {
        let Value::Object(map) = value else {
            return None;
        };
        let at = map.get("at")?.as_i64()?;
        let mut counters = [0u64; 7];
        let keys = [
            "active", "accepts", "handled", "requests", "reading", "writing", "waiting",
        ];
        for (counter, key) in counters.iter_mut().zip(keys) {
            *counter = map.get(key)?.as_u64()?;
        }
        let [
            active,
            accepts,
            handled,
            requests,
            reading,
            writing,
            waiting,
        ] = counters;
        Some(NginxSample {
            at: Timestamp::from_millis(at),
            status: NginxStatus {
                active,
                accepts,
                handled,
                requests,
                reading,
                writing,
                waiting,
            },
        })
    };
    match sample() {
        Some(sample) => Ok(Some(sample)),
        None => Err(LensError::invalid(
            "health options: `previousNginx` must be an object with `at` (epoch ms) and \
             nginx's seven counters as whole numbers",
        )),
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
    /// Read `new MsrClient(options)` from its JSON text.
    pub fn from_json(json: &str) -> Result<Self, LensError> {
        let r = Reader::new(
            "MsrClient options",
            json,
            &[
                "baseUrl",
                "username",
                "secret",
                "secretKind",
                "replicas",
                "timeoutMs",
                "maxBodyBytes",
                "staleAfterSecs",
                "service",
                "discoverReplicas",
                "jobsWindowSecs",
            ],
        )?;
        let base_url = r
            .string("baseUrl")?
            .ok_or_else(|| LensError::invalid("MsrClient options: `baseUrl` is required"))?;
        let origin =
            Origin::parse(base_url).map_err(|e| LensError::invalid(prefixed("baseUrl: ", &e)))?;
        let username = r.string("username")?;
        let secret = r.string("secret")?;
        let access_token = match r.string("secretKind")? {
            None | Some("accessToken") => true,
            Some("password") => false,
            Some(_) => return Err(r.wrong("secretKind", "\"password\" or \"accessToken\"")),
        };
        let credentials = match (username, secret) {
            (None, None) => None,
            (Some(user), Some(secret)) if !user.is_empty() && !secret.is_empty() => {
                // Copied once, then moved into either kind.
                let (user, secret) = (user.to_owned(), secret.to_owned());
                Some(if access_token {
                    Credentials::access_token(user, secret)
                } else {
                    Credentials::password(user, secret)
                })
            }
            _ => {
                return Err(LensError::invalid(
                    "username and secret go together: give both (non-empty) or neither",
                ));
            }
        };
        let mut replicas = Vec::new();
        match r.get("replicas") {
            None => {}
            Some(Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    replicas.push(replica(index, item)?);
                }
            }
            Some(_) => return Err(r.wrong("replicas", "an array")),
        }
        let timeout_ms = r.u32("timeoutMs")?.unwrap_or(DEFAULT_TIMEOUT_MS);
        if timeout_ms == 0 {
            return Err(r.wrong("timeoutMs", "positive"));
        }
        let max_body_bytes = r
            .number("maxBodyBytes", u64::from(u32::MAX))?
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(msr_lens_transport::DEFAULT_MAX_BODY_BYTES);
        let stale_after = r
            .number("staleAfterSecs", u64::from(u32::MAX))?
            .map_or(DEFAULT_STALE_AFTER, Duration::from_secs);
        let service = r.string("service")?.unwrap_or("dtr").to_owned();
        let discovery = match r.string("discoverReplicas")? {
            None | Some("ping") => Discovery::Ping,
            Some("pingHttp") => Discovery::PingHttp,
            Some("list") => Discovery::List,
            Some("off") => Discovery::Off,
            Some(_) => {
                return Err(r.wrong(
                    "discoverReplicas",
                    "\"ping\", \"pingHttp\", \"list\" or \"off\"",
                ));
            }
        };
        let jobs_window = match r.number("jobsWindowSecs", 30 * 86_400)? {
            Some(0) => return Err(r.wrong("jobsWindowSecs", "positive")),
            Some(secs) => Duration::from_secs(secs),
            None => DEFAULT_JOBS_WINDOW,
        };
        Ok(ClientConfig {
            targets: HealthTargets {
                replicas,
                credentials,
                stale_after,
                discovery,
                jobs_window,
                ..HealthTargets::new(origin)
            },
            timeout_ms,
            max_body_bytes,
            service,
        })
    }

    /// The MSR origin.
    pub fn origin(&self) -> &Origin {
        &self.targets.origin
    }
}

/// One entry of `replicas`: a URL, or `{ label, url }`.
fn replica(index: usize, item: &Value) -> Result<(String, Origin), LensError> {
    let bad = || {
        LensError::invalid(format!(
            "replicas[{index}] must be a URL or {{ label, url }}"
        ))
    };
    let (label, url) = match item {
        Value::String(url) => (None, url.as_str()),
        Value::Object(map) => match (map.get("label"), map.get("url")) {
            (Some(Value::String(label)), Some(Value::String(url))) if map.len() == 2 => {
                (Some(label.as_str()), url.as_str())
            }
            _ => return Err(bad()),
        },
        _ => return Err(bad()),
    };
    let origin =
        Origin::parse(url).map_err(|e| LensError::invalid(format!("replicas[{index}]: {e}")))?;
    let label = label.unwrap_or_else(|| origin.authority()).to_owned();
    Ok((label, origin))
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
    /// Read `changefeed(options)` (`follow == false`) or `follow(options)` from JSON text.
    /// `origin` completes a repository given as `namespace/repo` into a GUN.
    pub fn from_json(json: &str, origin: &Origin, follow: bool) -> Result<Self, LensError> {
        let what = if follow {
            "follow options"
        } else {
            "changefeed options"
        };
        let known: &[&str] = if follow {
            &[
                "repository",
                "from",
                "pageSize",
                "maxRetries",
                "pollIntervalMs",
                "resume",
            ]
        } else {
            &["repository", "from", "pageSize", "maxRetries", "resume"]
        };
        let r = Reader::new(what, json, known)?;
        let feed = match r.string("repository")? {
            None => Feed::Global,
            Some(repository) => Feed::Repository(gun(repository, origin)?),
        };
        let from_error = |r: &Reader| {
            if follow {
                r.wrong(
                    "from",
                    "\"start\", \"latest\" or { after: id } (follow() reads forward)",
                )
            } else {
                r.wrong(
                    "from",
                    "\"start\", \"latest\", { after: id } or { before: id }",
                )
            }
        };
        let start = match r.get("from") {
            None if follow => Start::Latest,
            None => Start::Start,
            Some(Value::String(name)) => match name.as_str() {
                "start" => Start::Start,
                "latest" => Start::Latest,
                _ => return Err(from_error(&r)),
            },
            Some(Value::Object(map)) if map.len() == 1 => {
                match (map.get("after"), map.get("before")) {
                    (Some(Value::String(id)), None) => Start::After(change_id(id)?),
                    (None, Some(Value::String(id))) if !follow => Start::Before(change_id(id)?),
                    _ => return Err(from_error(&r)),
                }
            }
            Some(_) => return Err(from_error(&r)),
        };
        let mut pager = PagerConfig {
            page_size: r.u32("pageSize")?.unwrap_or(DEFAULT_PAGE_SIZE),
            ..PagerConfig::default()
        };
        let max_retries = r.u32("maxRetries")?.unwrap_or(3);
        if let Some(ms) = r.u32("pollIntervalMs")? {
            pager.poll_interval_ms = i64::from(ms.max(1));
        }
        let resume = match r.string("resume")? {
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
            max_retries,
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

fn change_id(id: &str) -> Result<ChangeId, LensError> {
    ChangeId::new(id.to_owned()).map_err(|e| LensError::invalid(prefixed("from: ", &e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use msr_lens_core::auth::SecretKind;
    use serde_json::json;

    #[test]
    fn reads_a_full_configuration() {
        let config = ClientConfig::from_json(
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
        let config = ClientConfig::from_json(
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
        let e = ClientConfig::from_json(r#"{"baseURL":"https://x.org"}"#).unwrap_err();
        assert_eq!(e.kind, "invalidArgument");
        assert!(e.message.contains("unknown option `baseURL`"), "{e}");
        assert_eq!(
            e.message,
            "MsrClient options: unknown option `baseURL` (known: baseUrl, username, secret, \
             secretKind, replicas, timeoutMs, maxBodyBytes, staleAfterSecs, service)"
        );
        let e = health_options(r#"{"x":1}"#).unwrap_err();
        assert_eq!(
            e.message,
            "health options: unknown option `x` (known: previousNginx)"
        );
        let e =
            ClientConfig::from_json(r#"{"baseUrl":"https://x.org","username":"u"}"#).unwrap_err();
        assert!(e.message.contains("username and secret"), "{e}");
        let e = ClientConfig::from_json(r#"{"baseUrl":"https://x.org/api"}"#).unwrap_err();
        assert!(e.message.starts_with("baseUrl:"), "{e}");
        let e =
            ClientConfig::from_json(r#"{"baseUrl":"https://x.org","timeoutMs":0}"#).unwrap_err();
        assert!(e.message.contains("timeoutMs"), "{e}");
    }

    fn origin() -> Origin {
        Origin::parse("https://127.0.0.1:8443").unwrap()
    }

    fn first_request(json: &str, follow: bool) -> String {
        let options = FeedOptions::from_json(json, &origin(), follow).unwrap();
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
            let options = FeedOptions::from_json(from, &o, follow).unwrap();
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
            let options = FeedOptions::from_json(&json, &o, follow).unwrap();
            let newest_first = options.newest_first();
            let mode = options.pager(&o).unwrap().mode();
            assert_eq!(newest_first, mode == Mode::NewestFirst, "{json} {follow}");
        }
    }

    #[test]
    fn before_walks_backward_on_demand() {
        let options =
            FeedOptions::from_json(r#"{"from":{"before":"41"},"pageSize":3}"#, &origin(), false)
                .unwrap();
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
        let options =
            FeedOptions::from_json(r#"{"repository":"library/nginx"}"#, &o, false).unwrap();
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
            let e = FeedOptions::from_json(bad, &o, false).unwrap_err();
            assert_eq!(e.kind, "invalidArgument", "{bad}");
        }
        let e = FeedOptions::from_json(r#"{"from":{"before":"5"}}"#, &o, true).unwrap_err();
        assert!(e.message.contains("follow()"), "{e}");
    }

    #[test]
    fn a_saved_walk_resumes() {
        let o = origin();
        let options = FeedOptions::from_json(r#"{"from":{"after":"7"}}"#, &o, false).unwrap();
        let saved = serde_json::to_string(&options.clone().pager(&o).unwrap().save()).unwrap();
        let resumed = FeedOptions::from_json(
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
        let e =
            ClientConfig::from_json(r#"{"baseUrl":"https://x.org","timeoutMs":"hunter2-secret"}"#)
                .unwrap_err();
        assert!(!e.message.contains("hunter2"), "{e}");
        assert!(e.message.contains("`timeoutMs`"), "{e}");
        let e = ClientConfig::from_json(r#"{"baseUrl":"https://x.org","secretKind":"hunter2"}"#)
            .unwrap_err();
        assert!(!e.message.contains("hunter2"), "{e}");
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
            let options = FeedOptions::from_json(from, &o, follow).unwrap();
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
