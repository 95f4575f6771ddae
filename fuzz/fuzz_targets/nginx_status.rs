//! `GET /nginx_status` (msr-api.md §2): the answer read into an outcome; a status that
//! parses prints back to text that parses to the same status; rates between two samples.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msr_lens_core::Timestamp;
use msr_lens_core::health::{HealthInput, HealthReport, NginxSample, NginxStatus};
use msr_lens_core::health::{parse_nginx_status, rates};

fuzz_target!(|data: &[u8]| {
    let response = msr_lens_fuzz::response(data);
    let outcome = parse_nginx_status(&response);
    if let Ok(status) = NginxStatus::parse(data) {
        let text = status.to_string();
        assert_eq!(
            NginxStatus::parse(text.as_bytes()),
            Ok(status),
            "printed status does not read back"
        );
        let _ = status.dropped();
        let zero = NginxStatus::parse(
            b"Active connections: 0\nserver accepts handled requests\n 0 0 0\nReading: 0 Writing: 0 Waiting: 0\n",
        )
        .expect("a valid stub_status");
        let at = Timestamp::from_secs(1_800_000_000);
        let first = NginxSample::new(at, zero);
        let second = NginxSample::new(at.add_millis(1500), status);
        let forward = rates(&first, &second).expect("rates over 1.5 s");
        let backward = rates(&second, &first);
        assert!(backward.is_none(), "rates for samples out of order");
        let input = HealthInput {
            nginx: Some(outcome),
            nginx_rates: Some(forward),
            ..HealthInput::default()
        };
        serde_json::to_string(&HealthReport::build(&input, at)).expect("a report serializes");
    } else {
        let input = HealthInput {
            nginx: Some(outcome),
            ..HealthInput::default()
        };
        let report = HealthReport::build(&input, Timestamp::from_secs(1_800_000_000));
        serde_json::to_string(&report).expect("a report serializes");
    }
});
