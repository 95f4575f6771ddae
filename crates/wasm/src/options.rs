//! The options JavaScript passes in, read strictly: an unknown key is an error (a typo such
//! as `baseURL` must not silently fall back to a default).
//!
//! Options arrive as JSON text (`JSON.stringify` of the JS object), so this module is plain
//! Rust and tested natively. Error messages name the option, never its value: a secret
//! passed in the wrong place must not end up in an error message.

use std::time::Duration;

use msr_lens_core::Origin;
use msr_lens_core::auth::Credentials;
use msr_lens_core::health::HealthTargets;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::LensError;

/// The default request timeout.
pub const DEFAULT_TIMEOUT_MS: u32 = 15_000;

/// `new MsrClient(options)`, as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClientOptions {
    base_url: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    secret_kind: Option<SecretKindOption>,
    #[serde(default)]
    replicas: Option<Vec<ReplicaOption>>,
    #[serde(default)]
    timeout_ms: Option<u32>,
    #[serde(default)]
    max_body_bytes: Option<usize>,
    #[serde(default)]
    stale_after_secs: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
enum SecretKindOption {
    Password,
    AccessToken,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ReplicaOption {
    Url(String),
    Labelled { label: String, url: String },
}

/// A validated client configuration.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The MSR origin.
    pub origin: Origin,
    /// The user's credentials, if any.
    pub credentials: Option<Credentials>,
    /// Per-replica origins with their labels.
    pub replicas: Vec<(String, Origin)>,
    /// Request timeout in milliseconds.
    pub timeout_ms: u32,
    /// Response size cap in bytes.
    pub max_body_bytes: usize,
    /// Replica staleness threshold.
    pub stale_after: Duration,
}

impl ClientConfig {
    /// Read `new MsrClient(options)` from its JSON text.
    pub fn from_json(json: &str) -> Result<Self, LensError> {
        let options: ClientOptions = read("MsrClient options", json)?;
        let origin = Origin::parse(&options.base_url)
            .map_err(|e| LensError::invalid(format!("baseUrl: {e}")))?;
        let credentials = match (options.username, options.secret) {
            (None, None) => None,
            (Some(user), Some(secret)) if !user.is_empty() && !secret.is_empty() => {
                Some(match options.secret_kind {
                    Some(SecretKindOption::Password) => Credentials::password(user, secret),
                    Some(SecretKindOption::AccessToken) | None => {
                        Credentials::access_token(user, secret)
                    }
                })
            }
            _ => {
                return Err(LensError::invalid(
                    "username and secret go together: give both (non-empty) or neither",
                ));
            }
        };
        let mut replicas = Vec::new();
        for (index, replica) in options.replicas.unwrap_or_default().into_iter().enumerate() {
            let (label, url) = match replica {
                ReplicaOption::Url(url) => (None, url),
                ReplicaOption::Labelled { label, url } => (Some(label), url),
            };
            let replica_origin = Origin::parse(&url)
                .map_err(|e| LensError::invalid(format!("replicas[{index}]: {e}")))?;
            let label = label.unwrap_or_else(|| replica_origin.authority().to_string());
            replicas.push((label, replica_origin));
        }
        let timeout_ms = options.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if timeout_ms == 0 {
            return Err(LensError::invalid("timeoutMs must be positive"));
        }
        let mut targets = HealthTargets::new(origin.clone());
        if let Some(secs) = options.stale_after_secs {
            targets.stale_after = Duration::from_secs(secs);
        }
        Ok(ClientConfig {
            origin,
            credentials,
            replicas,
            timeout_ms,
            max_body_bytes: options
                .max_body_bytes
                .unwrap_or(msr_lens_transport::DEFAULT_MAX_BODY_BYTES),
            stale_after: targets.stale_after,
        })
    }

    /// What a health check of this configuration checks.
    pub fn health_targets(&self) -> HealthTargets {
        let mut targets = HealthTargets::new(self.origin.clone());
        targets.replicas = self.replicas.clone();
        targets.credentials = self.credentials.clone();
        targets.stale_after = self.stale_after;
        targets
    }
}

/// Deserialize options, with messages that name the path but never echo a value.
pub(crate) fn read<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, LensError> {
    let mut de = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        // serde's "unknown field `x`, expected one of ..." names keys only; every other
        // message may quote the offending value, so it is replaced by a generic one.
        let detail = if message.starts_with("unknown field") || message.starts_with("missing field")
        {
            message
                .split(" at line")
                .next()
                .unwrap_or_default()
                .to_string()
        } else if inner.is_data() {
            "wrong type or value".to_string()
        } else {
            "not a plain object".to_string()
        };
        if path == "." {
            LensError::invalid(format!("{what}: {detail}"))
        } else {
            LensError::invalid(format!("{what}: `{path}`: {detail}"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use msr_lens_core::auth::SecretKind;

    #[test]
    fn reads_a_full_configuration() {
        let config = ClientConfig::from_json(
            r#"{"baseUrl":"https://msr.example.org/","username":"ci","secret":"s3cr3t",
                "replicas":["https://r1.example.org",{"label":"two","url":"https://r2.example.org:8443"}],
                "timeoutMs":500,"staleAfterSecs":60}"#,
        )
        .unwrap();
        assert_eq!(config.origin.to_string(), "https://msr.example.org");
        let credentials = config.credentials.as_ref().unwrap();
        assert_eq!(credentials.kind(), SecretKind::AccessToken);
        let labels: Vec<&str> = config.replicas.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["r1.example.org", "two"]);
        assert_eq!(config.timeout_ms, 500);
        assert_eq!(config.health_targets().stale_after, Duration::from_secs(60));
    }

    #[test]
    fn defaults_and_password_kind() {
        let config = ClientConfig::from_json(
            r#"{"baseUrl":"https://msr.example.org","username":"a","secret":"b","secretKind":"password"}"#,
        )
        .unwrap();
        assert_eq!(config.credentials.unwrap().kind(), SecretKind::Password);
        assert_eq!(config.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert!(config.replicas.is_empty());
    }

    #[test]
    fn rejects_typos_half_credentials_and_bad_urls() {
        let e = ClientConfig::from_json(r#"{"baseURL":"https://x.org"}"#).unwrap_err();
        assert_eq!(e.kind, "invalidArgument");
        assert!(e.message.contains("unknown field `baseURL`"), "{e}");
        let e =
            ClientConfig::from_json(r#"{"baseUrl":"https://x.org","username":"u"}"#).unwrap_err();
        assert!(e.message.contains("username and secret"), "{e}");
        let e = ClientConfig::from_json(r#"{"baseUrl":"https://x.org/api"}"#).unwrap_err();
        assert!(e.message.starts_with("baseUrl:"), "{e}");
        let e =
            ClientConfig::from_json(r#"{"baseUrl":"https://x.org","timeoutMs":0}"#).unwrap_err();
        assert!(e.message.contains("timeoutMs"), "{e}");
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
}
