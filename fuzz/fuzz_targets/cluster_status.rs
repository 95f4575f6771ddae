//! `GET /api/v0/meta/cluster_status` (msr-api.md §3): the answer read into a status or a
//! typed error, the replica states derived from it, and the health report built on it.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use msr_lens_core::Timestamp;
use msr_lens_core::health::{HealthInput, HealthReport, parse_cluster_status};

fuzz_target!(|data: &[u8]| {
    let response = msr_lens_fuzz::response(data);
    let result = parse_cluster_status(&response);
    let now = Timestamp::from_secs(1_800_000_000);
    if let Ok(status) = &result {
        let replicas = status.replica_states(now, Duration::from_secs(300));
        assert!(replicas.len() <= status.replica_ids().len());
        let _ = status.issues().count();
        let _ = status.critical_issues().count();
        let _ = status.tables_not_ready().count();
        let _ = status.gc_running();
        for replica in &replicas {
            let _ = (
                replica.is_ok(),
                replica.unhealthy_reason(),
                replica.is_stale(),
            );
        }
    }
    let input = HealthInput {
        cluster: Some(result),
        ..HealthInput::default()
    };
    let report = HealthReport::build(&input, now);
    serde_json::to_string(&report).expect("a health report serializes");
});
