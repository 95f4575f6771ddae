//! The JSON reader against serde_json and serde_path_to_error on the golden fixtures: every
//! body of the notary captures, the JWT grants their labels record, the MSR cluster status
//! fixtures, and every prefix of each (so that each truncated body fails alike, with the
//! same path and message).

mod common;

use common::fixture::{self, Label};
use msr_lens_core::json::Json;

const HEALTH: &[(&str, &str)] = &[
    (
        "cluster_status_healthy.json",
        include_str!("fixtures/health/cluster_status_healthy.json"),
    ),
    (
        "cluster_status_degraded.json",
        include_str!("fixtures/health/cluster_status_degraded.json"),
    ),
    (
        "cluster_status_odd_fields.json",
        include_str!("fixtures/health/cluster_status_odd_fields.json"),
    ),
    (
        "vendor_page_corrected.json",
        include_str!("fixtures/health/vendor_page_corrected.json"),
    ),
    (
        "vendor_page_example.txt",
        include_str!("fixtures/health/vendor_page_example.txt"),
    ),
];

/// A token service answer as MSR's `/auth/token` writes it.
const TOKEN_ANSWER: &str = r#"{"token":"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2Nlc3MiOltdfQ.c2ln","access_token":"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2Nlc3MiOltdfQ.c2ln","expires_in":300,"issued_at":"2026-11-26T12:49:38.190589884Z"}"#;

/// A value, or the path and message of an error.
type Answer = Result<serde_json::Value, (String, String)>;

/// The reader's answer and serde_json's.
fn both(bytes: &[u8]) -> (Answer, Answer) {
    let ours = Json::parse(bytes)
        .map(|v| serde_json::to_value(v).unwrap())
        .map_err(|e| (e.path, e.message));
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let theirs = serde_path_to_error::deserialize::<_, serde_json::Value>(&mut de)
        .map_err(|e| (e.path().to_string(), e.inner().to_string()))
        .and_then(|v| {
            de.end()
                .map(|()| v)
                .map_err(|e| (".".to_string(), e.to_string()))
        });
    (ours, theirs)
}

#[test]
fn fixtures_read_as_serde_json_reads_them() {
    let mut bodies: Vec<(String, Vec<u8>)> = HEALTH
        .iter()
        .map(|(name, text)| (name.to_string(), text.as_bytes().to_vec()))
        .collect();
    bodies.push(("token answer".into(), TOKEN_ANSWER.as_bytes().to_vec()));
    for section in fixture::all() {
        if let Some(response) = &section.response {
            bodies.push((section.name(), response.body().clone()));
        }
        if let Label::Note(note) = &section.label
            && let Some(grants) = note.split("access=").nth(1)
        {
            bodies.push((format!("{} grants", section.name()), grants.trim().into()));
        }
    }
    let mut objects = 0;
    for (name, body) in &bodies {
        let (ours, theirs) = both(body);
        assert_eq!(ours, theirs, "{name}");
        objects += usize::from(ours.is_ok_and(|value| value.is_object()));
        for end in 0..body.len() {
            let prefix = body.get(..end).unwrap_or_default();
            let (ours, theirs) = both(prefix);
            assert_eq!(ours, theirs, "{name}, first {end} bytes");
        }
    }
    assert!(bodies.len() > 80, "only {} bodies", bodies.len());
    assert!(objects > 60, "only {objects} JSON objects");
}
