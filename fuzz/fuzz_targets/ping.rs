//! `GET /_ping` (msr-api.md §1): the verdict, the generation detection that reads the same
//! answer, and the health report built on the verdict.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msr_lens_core::Timestamp;
use msr_lens_core::generation::detect_generation;
use msr_lens_core::health::{HealthInput, HealthReport, parse_ping};

fuzz_target!(|data: &[u8]| {
    let response = msr_lens_fuzz::response(data);
    let verdict = parse_ping(&response);
    let healthy = verdict.is_healthy();
    assert!(
        !(healthy && verdict.is_unhealthy()),
        "healthy and unhealthy at once"
    );
    let generation = detect_generation(Some(&response), Some(&response));
    let _ = (generation.to_string(), generation.has_trust_audit());
    let generation = detect_generation(Some(&response), None);
    let _ = generation.to_string();
    let input = HealthInput {
        pings: vec![("replica-1".to_string(), verdict)],
        ..HealthInput::default()
    };
    let report = HealthReport::build(&input, Timestamp::from_secs(1_800_000_000));
    serde_json::to_string(&report).expect("a health report serializes");
});
