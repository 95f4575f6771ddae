//! The values the bindings build themselves for JavaScript, serialized with serde like the
//! core's own types (reports, progress, saved positions).

use msr_lens_core::auth::Grant;
use msr_lens_core::health::{ClusterStatus, ReplicaState};
use serde::Serialize;

/// What `token()` resolves to.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo<'a> {
    /// The bearer token.
    pub token: &'a str,
    /// When it was issued (epoch ms).
    pub issued_at: i64,
    /// When it expires (epoch ms).
    pub expires_at: i64,
    /// When the client fetches a new one instead (epoch ms).
    pub refresh_at: i64,
    /// The account it was issued to.
    pub subject: Option<&'a str>,
    /// Its `access` claim.
    pub grants: &'a [Grant],
}

/// What `grants()` resolves to.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantsInfo<'a> {
    /// Whether the token names an account.
    pub signed_in: bool,
    /// The account.
    pub subject: Option<&'a str>,
    /// Whether the token opens the global feed (`registry:catalog:*`).
    pub global_audit_log: bool,
    /// One entry per repository asked about.
    pub repositories: Vec<RepositoryAccess<'a>>,
    /// The token's `access` claim.
    pub grants: &'a [Grant],
}

/// One repository of [`GrantsInfo`].
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryAccess<'a> {
    /// The name as given.
    pub repository: &'a str,
    /// Its GUN.
    pub gun: &'a str,
    /// Pull granted.
    pub pull: bool,
    /// Push granted.
    pub push: bool,
}

/// What `clusterStatus()` resolves to: the cluster status with the replica states derived
/// from it, as one object.
#[derive(Serialize)]
pub struct ClusterStatusWithReplicas {
    /// The cluster status (its fields, flattened).
    #[serde(flatten)]
    pub status: ClusterStatus,
    /// The derived replica states.
    pub replicas: Vec<ReplicaState>,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use msr_lens_core::Timestamp;
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_are_camel_case_and_the_cluster_status_is_flattened() {
        let grants = [Grant {
            resource_type: "repository".into(),
            name: "h/n/r".into(),
            actions: vec!["pull".into()],
        }];
        let info = GrantsInfo {
            signed_in: true,
            subject: Some("dev"),
            global_audit_log: false,
            repositories: vec![RepositoryAccess {
                repository: "n/r",
                gun: "h/n/r",
                pull: true,
                push: false,
            }],
            grants: &grants,
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
        let status = ClusterStatus::from_json(include_bytes!(
            "../../core/tests/fixtures/health/cluster_status_healthy.json"
        ))
        .unwrap();
        let now = Timestamp::parse_rfc3339("2026-03-02T10:15:00Z").unwrap();
        let replicas = status.replica_states(now, Duration::from_secs(300));
        let value = serde_json::to_value(ClusterStatusWithReplicas { status, replicas }).unwrap();
        assert!(value["replicaHealth"].is_object());
        assert!(value["replicas"].as_array().is_some_and(|r| !r.is_empty()));
        assert!(value.get("status").is_none());
    }
}
