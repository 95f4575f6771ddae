//! The values the bindings build themselves for JavaScript, written as JSON text with the
//! core's hand-written writer ([`msr_lens_core::json_out`]); the core's own types
//! (reports, progress, saved positions) implement [`ToJson`] there.
//!
//! Plain Rust, tested natively: in tests each type also derives `Serialize`, and the
//! writer's text is compared with `serde_json`'s.

use msr_lens_core::auth::Grant;
use msr_lens_core::health::{ClusterStatus, ReplicaState};
use msr_lens_core::json_out::{JsonFields, JsonWriter, ToJson};

/// What `token()` resolves to.
#[cfg_attr(test, derive(serde::Serialize), serde(rename_all = "camelCase"))]
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
#[cfg_attr(test, derive(serde::Serialize), serde(rename_all = "camelCase"))]
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
#[cfg_attr(test, derive(serde::Serialize), serde(rename_all = "camelCase"))]
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
#[cfg_attr(test, derive(serde::Serialize))]
pub struct ClusterStatusWithReplicas {
    /// The cluster status (its fields, flattened).
    #[cfg_attr(test, serde(flatten))]
    pub status: ClusterStatus,
    /// The derived replica states.
    pub replicas: Vec<ReplicaState>,
}

impl ToJson for TokenInfo<'_> {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("token", self.token);
        w.field("issuedAt", &self.issued_at);
        w.field("expiresAt", &self.expires_at);
        w.field("refreshAt", &self.refresh_at);
        w.field("subject", &self.subject);
        w.field("grants", self.grants);
        w.end_object();
    }
}

impl ToJson for GrantsInfo<'_> {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("signedIn", &self.signed_in);
        w.field("subject", &self.subject);
        w.field("globalAuditLog", &self.global_audit_log);
        w.field("repositories", &self.repositories);
        w.field("grants", self.grants);
        w.end_object();
    }
}

impl ToJson for RepositoryAccess<'_> {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        w.field("repository", self.repository);
        w.field("gun", self.gun);
        w.field("pull", &self.pull);
        w.field("push", &self.push);
        w.end_object();
    }
}

impl ToJson for ClusterStatusWithReplicas {
    fn write_json(&self, w: &mut JsonWriter) {
        w.begin_object();
        self.status.write_fields(w);
        w.field("replicas", &self.replicas);
        w.end_object();
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use msr_lens_core::Timestamp;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use serde::Serialize;
    use serde_json::Value;

    use super::*;

    const CLUSTER_FIXTURES: [&str; 4] = [
        include_str!("../../core/tests/fixtures/health/cluster_status_healthy.json"),
        include_str!("../../core/tests/fixtures/health/cluster_status_degraded.json"),
        include_str!("../../core/tests/fixtures/health/cluster_status_odd_fields.json"),
        include_str!("../../core/tests/fixtures/health/vendor_page_corrected.json"),
    ];

    fn has_float(value: &Value) -> bool {
        match value {
            Value::Number(n) => n.is_f64(),
            Value::Array(items) => items.iter().any(has_float),
            Value::Object(map) => map.values().any(has_float),
            _ => false,
        }
    }

    /// The writer's text reads back as serde_json's value of `value` and, unless it holds
    /// floats (written as exact decimals; only raw cluster JSON has them), is serde_json's
    /// text. The core's tests compare texts with floats too.
    fn check<T: Serialize + ToJson>(value: &T) {
        let mine = value.to_json();
        let read: Value = serde_json::from_str(&mine).unwrap();
        assert_eq!(read, serde_json::to_value(value).unwrap(), "{mine}");
        if !has_float(&read) {
            assert_eq!(mine, serde_json::to_string(value).unwrap());
        }
    }

    fn text() -> impl Strategy<Value = String> {
        let odd = prop::sample::select(vec![
            "\"",
            "\\",
            "\\u0000",
            "\\ud800",
            "\u{0}",
            "\u{8}",
            "\n",
            "\r",
            "\t",
            "\u{1f}",
            "\u{7f}",
            "\u{2028}",
            "\u{1F600}",
            "é",
            "a",
            "/",
        ]);
        prop_oneof![
            any::<String>(),
            prop::collection::vec(odd, 0..6).prop_map(|p| p.concat()),
        ]
    }

    fn grants() -> impl Strategy<Value = Vec<Grant>> {
        let grant = (text(), text(), prop::collection::vec(text(), 0..3)).prop_map(
            |(resource_type, name, actions)| Grant {
                resource_type,
                name,
                actions,
            },
        );
        prop::collection::vec(grant, 0..3)
    }

    fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value))
    where
        S::Value: std::fmt::Debug,
    {
        TestRunner::new(Config::with_cases(2000))
            .run(&strategy, |value| {
                test(value);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn token_info_as_serde_json() {
        let strategy = (
            text(),
            (any::<i64>(), any::<i64>(), any::<i64>()),
            prop::option::of(text()),
            grants(),
        );
        run(
            strategy,
            |(token, (issued_at, expires_at, refresh_at), subject, grants)| {
                check(&TokenInfo {
                    token: &token,
                    issued_at,
                    expires_at,
                    refresh_at,
                    subject: subject.as_deref(),
                    grants: &grants,
                });
            },
        );
    }

    #[test]
    fn grants_info_as_serde_json() {
        let repositories =
            prop::collection::vec((text(), text(), any::<bool>(), any::<bool>()), 0..3);
        let strategy = (
            any::<bool>(),
            prop::option::of(text()),
            any::<bool>(),
            repositories,
            grants(),
        );
        run(
            strategy,
            |(signed_in, subject, global_audit_log, repositories, grants)| {
                check(&GrantsInfo {
                    signed_in,
                    subject: subject.as_deref(),
                    global_audit_log,
                    repositories: repositories
                        .iter()
                        .map(|(repository, gun, pull, push)| RepositoryAccess {
                            repository,
                            gun,
                            pull: *pull,
                            push: *push,
                        })
                        .collect(),
                    grants: &grants,
                });
            },
        );
    }

    #[test]
    fn cluster_status_with_replicas_as_serde_json() {
        let now = Timestamp::parse_rfc3339("2026-03-02T10:15:00Z").unwrap();
        for body in CLUSTER_FIXTURES {
            let status = ClusterStatus::from_json(body.as_bytes()).unwrap();
            let replicas = status.replica_states(now, Duration::from_secs(300));
            assert!(!replicas.is_empty());
            check(&ClusterStatusWithReplicas { status, replicas });
        }
        let maps = (
            prop::collection::btree_map(text(), text(), 0..4),
            prop::collection::btree_map(text(), any::<bool>(), 0..4),
        );
        run(
            maps,
            |(health, readonly): (BTreeMap<_, _>, BTreeMap<_, _>)| {
                let status = ClusterStatus {
                    replica_health: health.into_iter().collect(),
                    replica_readonly: readonly.into_iter().collect(),
                    ..ClusterStatus::default()
                };
                let replicas = status.replica_states(now, Duration::from_secs(300));
                check(&ClusterStatusWithReplicas { status, replicas });
            },
        );
    }
}
