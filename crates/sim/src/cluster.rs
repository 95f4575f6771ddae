//! The simulated cluster: stable ids for one run and the `cluster_status` / `/_ping`
//! bodies in the shapes of DTR's `adminserver` (msr-api.md §1, §3).

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::scenario::{OK, Scenario};
use crate::util::rfc3339_nano;

const DATABASES: &[&str] = &["dtr2", "jobrunner", "notaryserver", "notarysigner", "enzi"];
const TABLES: &[(&str, &str)] = &[
    ("dtr2", "client_tokens"),
    ("dtr2", "events"),
    ("dtr2", "manifests"),
    ("dtr2", "namespace_team_access"),
    ("dtr2", "properties"),
    ("dtr2", "repositories"),
    ("dtr2", "repository_team_access"),
    ("dtr2", "tags"),
    ("jobrunner", "crons"),
    ("jobrunner", "jobs"),
    ("notaryserver", "changefeed"),
    ("notaryserver", "tuf_files"),
    ("notarysigner", "private_keys"),
    ("enzi", "accounts"),
    ("enzi", "teams"),
];

/// Ids that stay the same for one run.
#[derive(Debug, Clone)]
pub struct ClusterIdentity {
    /// 12-hex replica ids, in replica order.
    pub replica_ids: Vec<String>,
    server_uuids: Vec<String>,
    db_uuids: Vec<String>,
    table_uuids: Vec<String>,
    /// When this run started.
    pub started: OffsetDateTime,
}

fn random_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl ClusterIdentity {
    /// New ids; `fixed` replica ids are used when given (one per replica).
    pub fn new(replicas: usize, fixed: &[String], started: OffsetDateTime) -> ClusterIdentity {
        let replica_ids = if fixed.len() == replicas {
            fixed.to_vec()
        } else {
            (0..replicas)
                .map(|_| {
                    let simple = uuid::Uuid::new_v4().simple().to_string();
                    simple.chars().take(12).collect()
                })
                .collect()
        };
        ClusterIdentity {
            replica_ids,
            server_uuids: (0..replicas).map(|_| random_uuid()).collect(),
            db_uuids: DATABASES.iter().map(|_| random_uuid()).collect(),
            table_uuids: TABLES.iter().map(|_| random_uuid()).collect(),
            started,
        }
    }

    fn server_name(&self, i: usize) -> String {
        format!(
            "dtr_rethinkdb_{}",
            self.replica_ids.get(i).map_or("", String::as_str)
        )
    }

    /// The 200 body of `GET /api/v0/meta/cluster_status`.
    pub fn cluster_status(&self, sc: &Scenario, now: OffsetDateTime) -> Value {
        let n = self.replica_ids.len();
        let healthy = |i: usize| sc.replicas.get(i).is_none_or(|r| r.health == OK);
        let started = rfc3339_nano(self.started);

        let server_status: Vec<Value> = (0..n)
            .map(|i| {
                let connected: Map<String, Value> = (0..n)
                    .filter(|j| *j != i)
                    .map(|j| (self.server_name(j), Value::Bool(healthy(i) && healthy(j))))
                    .collect();
                json!({
                    "id": self.server_uuids.get(i),
                    "name": self.server_name(i),
                    "network": {
                        "canonical_addresses": [{"host": format!("10.0.0.{}", i + 2), "port": 29015}],
                        "cluster_port": 29015,
                        "connected_to": connected,
                        "hostname": self.replica_ids.get(i),
                        "http_admin_port": "<no http admin>",
                        "reql_port": 28015,
                        "time_connected": started,
                    },
                    "process": {
                        "argv": ["rethinkdb", "--bind", "all", "--no-http-admin",
                                 "--server-name", self.server_name(i),
                                 "--canonical-address", format!("10.0.0.{}", i + 2),
                                 "--directory", "/data/rethink"],
                        "cache_size_mb": 1024,
                        "pid": 1,
                        "time_started": started,
                        "version": "rethinkdb 2.4.4~0bookworm (CLANG 14.0.6)",
                    },
                })
            })
            .collect();

        let all_ready = (0..n).all(healthy);
        let leader = self.server_name(0);
        let table_status: Vec<Value> = TABLES
            .iter()
            .enumerate()
            .map(|(t, (db, name))| {
                let replicas: Vec<Value> = (0..n)
                    .map(|i| {
                        json!({
                            "server": self.server_name(i),
                            "state": if healthy(i) { "ready" } else { "disconnected" },
                        })
                    })
                    .collect();
                json!({
                    "db": db,
                    "id": self.table_uuids.get(t),
                    "name": name,
                    "raft_leader": leader,
                    "shards": [{"primary_replicas": [leader], "replicas": replicas}],
                    "status": {
                        "all_replicas_ready": all_ready,
                        "ready_for_outdated_reads": true,
                        "ready_for_reads": true,
                        "ready_for_writes": true,
                    },
                })
            })
            .collect();

        let all_servers: Vec<String> = (0..n).map(|i| self.server_name(i)).collect();
        let table_config: Vec<Value> = TABLES
            .iter()
            .enumerate()
            .map(|(t, (db, name))| {
                json!({
                    "db": db,
                    "durability": "hard",
                    "id": self.table_uuids.get(t),
                    "indexes": [],
                    "name": name,
                    "primary_key": "pk",
                    "shards": [{"nonvoting_replicas": [], "primary_replica": leader, "replicas": all_servers}],
                    "write_acks": "majority",
                })
            })
            .collect();

        let db_config: Vec<Value> = DATABASES
            .iter()
            .enumerate()
            .map(|(d, name)| json!({"id": self.db_uuids.get(d), "name": name}))
            .collect();

        let mut stats = vec![json!({
            "id": ["cluster"],
            "query_engine": {
                "client_connections": 12 * n,
                "clients_active": 3,
                "queries_per_sec": 4.5,
                "read_docs_per_sec": 21.0,
                "written_docs_per_sec": 1.5,
            },
        })];
        stats.extend((0..n).map(|i| {
            json!({
                "id": ["server", self.server_uuids.get(i)],
                "server": self.server_name(i),
                "query_engine": {
                    "client_connections": 12,
                    "clients_active": 1,
                    "queries_per_sec": 1.5,
                    "queries_total": 120_000 + i * 1000,
                    "read_docs_per_sec": 7.0,
                    "read_docs_total": 900_000 + i * 1000,
                    "written_docs_per_sec": 0.5,
                    "written_docs_total": 40_000 + i * 100,
                },
            })
        }));

        let mut replica_health = Map::new();
        let mut replica_timestamp = Map::new();
        let mut replica_readonly = Map::new();
        for (i, id) in self.replica_ids.iter().enumerate() {
            let r = sc.replicas.get(i).cloned().unwrap_or_default();
            replica_health.insert(id.clone(), Value::String(r.health.clone()));
            let ts = match &r.timestamp_error {
                Some(text) => text.clone(),
                None => {
                    let secs = i64::try_from(r.stale_secs).unwrap_or(i64::MAX / 2);
                    rfc3339_nano(now - time::Duration::seconds(secs))
                }
            };
            replica_timestamp.insert(id.clone(), Value::String(ts));
            replica_readonly.insert(id.clone(), Value::Bool(r.readonly));
        }

        json!({
            "rethink_system_tables": {
                "cluster_config": [
                    {"id": "auth", "password": false},
                    {"id": "heartbeat", "heartbeat_timeout_secs": 10},
                ],
                "current_issues": sc.current_issues,
                "db_config": db_config,
                "server_status": server_status,
                "stats": stats,
                "table_config": table_config,
                "table_status": table_status,
            },
            "replica_health": replica_health,
            "replica_timestamp": replica_timestamp,
            "replica_readonly": replica_readonly,
            "gc_lock_holder": sc.gc_lock_holder,
        })
    }
}

/// The `/_ping` body of one replica, and whether it is healthy.
pub fn ping(sc: &Scenario, replica: usize) -> (bool, Value) {
    let health = sc.replicas.get(replica).map_or(OK, |r| r.health.as_str());
    if health == OK {
        (true, json!({"Error": "", "Healthy": true}))
    } else {
        (false, json!({"Error": health, "Healthy": false}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_for_three_replicas() {
        let ident = ClusterIdentity::new(3, &[], OffsetDateTime::UNIX_EPOCH);
        let mut sc = Scenario::healthy(3, 300);
        sc.replicas[1].health = "Rethinkdb has issues: <b>x</b>".into();
        sc.replicas[2].timestamp_error = Some("Failed to get timestamp of replica".into());
        let v = ident.cluster_status(&sc, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(v["replica_health"].as_object().unwrap().len(), 3);
        let id1 = &ident.replica_ids[1];
        assert_eq!(v["replica_health"][id1], "Rethinkdb has issues: <b>x</b>");
        assert_eq!(
            v["rethink_system_tables"]["server_status"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            v["rethink_system_tables"]["table_status"][0]["status"]["all_replicas_ready"],
            false
        );
        assert_eq!(v["gc_lock_holder"], "");
        assert!(ident.replica_ids.iter().all(|id| id.len() == 12));
        let (ok, body) = ping(&sc, 1);
        assert!(!ok);
        assert_eq!(body["Error"], "Rethinkdb has issues: <b>x</b>");
    }
}
