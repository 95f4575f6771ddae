//! The values the bindings build themselves for JavaScript, serialized with serde like the
//! core's own types (reports, progress, saved positions); their TypeScript declarations
//! are generated from them (tsify).

use msr_lens_core::auth::Grant;
use msr_lens_core::health::{self, ReplicaState};
use msr_lens_core::{NetworkFailure, NetworkFailureKind};
use serde::Serialize;
use tsify_next::Tsify;

/// What `token(scopes)` resolves to. Times are epoch milliseconds.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(missing_as_null)]
pub struct TokenInfo {
    /// The bearer token (a JWT). Keep it in memory only.
    pub token: String,
    /// When it was issued.
    pub issued_at: i64,
    /// When it expires.
    pub expires_at: i64,
    /// When this package fetches a new one instead of reusing it.
    pub refresh_at: i64,
    /// The account the token was issued to; `null` when anonymous.
    pub subject: Option<String>,
    /// What the token grants (its `access` claim, not verified by the client).
    pub grants: Vec<Grant>,
}

/// What `grants(repositories)` resolves to: what the credentials may see.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
#[tsify(missing_as_null)]
pub struct GrantsInfo {
    /// Whether the token names an account.
    pub signed_in: bool,
    /// The account.
    pub subject: Option<String>,
    /// May read the global trust audit log (`registry:catalog:*`: MSR admins).
    pub global_audit_log: bool,
    /// One entry per repository asked about.
    pub repositories: Vec<RepositoryAccess>,
    /// The token's `access` claim.
    pub grants: Vec<Grant>,
}

/// One repository of [`GrantsInfo`].
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryAccess {
    /// The name as given.
    pub repository: String,
    /// Its GUN.
    pub gun: String,
    /// Pull granted.
    pub pull: bool,
    /// Push granted.
    pub push: bool,
}

/// What `clusterStatus()` resolves to: `cluster_status`, read tolerantly, with the
/// derived state of every replica, as one object.
#[derive(Serialize, Tsify)]
pub struct ClusterStatus {
    /// The cluster status (its fields, flattened).
    #[serde(flatten)]
    #[tsify(type = "ClusterStatusFields")]
    pub status: health::ClusterStatus,
    /// The derived replica states.
    pub replicas: Vec<ReplicaState>,
}

/// What `classifyNetworkError(error)` returns: the failure a browser's network error
/// string names (`webRequest.onErrorOccurred`'s `error`: Chromium's `net::ERR_*`, Firefox's
/// `NS_ERROR_*` or NSS message), with a sentence for people.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ClassifiedNetworkError {
    /// What went wrong; `other` for a string not recognised.
    pub kind: NetworkFailureKind,
    /// A sentence, lower case first (`the connection was refused: nothing listens at that
    /// address and port`).
    pub message: String,
    /// The browser's string, trimmed.
    pub error: String,
    /// The browser judged the server's certificate and refused it.
    pub certificate: bool,
    /// Something accepted the connection (it then failed in TLS or closed it).
    pub connected: bool,
    /// No connection was made at all (refused, name not resolved, timed out, unreachable).
    pub nothing_answered: bool,
}

impl ClassifiedNetworkError {
    /// Classify a browser's error string.
    pub fn of(error: &str) -> Self {
        let failure = NetworkFailure::classify(error);
        ClassifiedNetworkError {
            kind: failure.failure_kind(),
            message: failure.to_string(),
            error: error.trim().to_string(),
            certificate: failure.is_certificate(),
            connected: failure.connected(),
            nothing_answered: failure.nothing_answered(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use msr_lens_core::Timestamp;
    use serde_json::json;

    use super::*;

    #[test]
    fn a_classified_network_error_is_camel_case_with_the_core_sentence() {
        assert_eq!(
            serde_json::to_value(ClassifiedNetworkError::of(
                " net::ERR_CERT_AUTHORITY_INVALID "
            ))
            .unwrap(),
            json!({
                "kind": "certificateUntrusted",
                "message": "the server's certificate is not signed by an authority this browser trusts",
                "error": "net::ERR_CERT_AUTHORITY_INVALID",
                "certificate": true,
                "connected": true,
                "nothingAnswered": false,
            })
        );
        let refused =
            serde_json::to_value(ClassifiedNetworkError::of("NS_ERROR_CONNECTION_REFUSED"))
                .unwrap();
        assert_eq!(refused["kind"], "refused");
        assert_eq!(refused["nothingAnswered"], true);
        let other = serde_json::to_value(ClassifiedNetworkError::of("net::ERR_FAILED")).unwrap();
        assert_eq!(other["kind"], "other");
        assert_eq!(other["message"], "the browser reported net::ERR_FAILED");
    }

    #[test]
    fn keys_are_camel_case_and_the_cluster_status_is_flattened() {
        let grants = [Grant {
            resource_type: "repository".into(),
            name: "h/n/r".into(),
            actions: vec!["pull".into()],
        }];
        let info = GrantsInfo {
            signed_in: true,
            subject: Some("dev".into()),
            global_audit_log: false,
            repositories: vec![RepositoryAccess {
                repository: "n/r".into(),
                gun: "h/n/r".into(),
                pull: true,
                push: false,
            }],
            grants: grants.to_vec(),
        };
        assert_eq!(
            serde_json::to_value(&info).unwrap(),
            json!({
                "signedIn": true,
                "subject": "dev",
                "globalAuditLog": false,
                "repositories": [{"repository": "n/r", "gun": "h/n/r", "pull": true, "push": false}],
                "grants": [{"type": "repository", "name": "h/n/r", "actions": ["pull"]}],
            })
        );
        let status = health::ClusterStatus::from_json(include_bytes!(
            "../../core/tests/fixtures/health/cluster_status_healthy.json"
        ))
        .unwrap();
        let now = Timestamp::parse_rfc3339("2026-03-02T10:15:00Z").unwrap();
        let replicas = status.replica_states(now, Duration::from_secs(300));
        let value = serde_json::to_value(ClusterStatus { status, replicas }).unwrap();
        assert!(value["replicaHealth"].is_object());
        assert!(value["replicas"].as_array().is_some_and(|r| !r.is_empty()));
        assert!(value.get("status").is_none());
    }
}
