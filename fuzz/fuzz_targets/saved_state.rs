//! Saved pager state (`Pager::save` / `Pager::resume`), as stored in IndexedDB and read
//! back: any JSON either is refused or resumes a pager whose requests stay on the origin
//! and whose own saved state reads back the same.
#![no_main]

use http::header::AUTHORIZATION;
use libfuzzer_sys::fuzz_target;
use msr_lens_core::changefeed::{Pager, PagerConfig, ResumeError, SavedState};
use msr_lens_core::{Origin, Timestamp};

fuzz_target!(|data: &[u8]| {
    let Ok(saved) = serde_json::from_slice::<SavedState>(data) else {
        return;
    };
    let json = serde_json::to_vec(&saved).expect("a saved state serializes");
    let again: SavedState = serde_json::from_slice(&json).expect("a saved state reads back");
    assert_eq!(again, saved, "a saved state changed through JSON");
    let origin = Origin::parse("https://msr.example.org").expect("a valid origin");
    let config = PagerConfig::default();
    match Pager::resume(origin.clone(), saved.clone(), config.clone()) {
        Err(ResumeError::OtherOrigin { .. }) => {
            assert!(
                saved.origin().is_some(),
                "refused a state without an origin"
            );
        }
        Err(other) => panic!("an unexpected error: {other:?}"),
        Ok(mut pager) => {
            let now = Timestamp::from_secs(1_800_000_000);
            if let Some((_, request)) = pager.poll_request(now) {
                assert!(
                    origin.same_origin(request.uri()),
                    "a request to {}",
                    request.uri()
                );
                assert!(!request.headers().contains_key(AUTHORIZATION));
            }
            let _ = (pager.progress(), pager.poll_timeout());
            let resaved = pager.save();
            assert_eq!(resaved.feed(), saved.feed());
            assert_eq!(resaved.mode(), saved.mode());
            Pager::resume(origin, resaved, config).expect("a pager's own state resumes");
        }
    }
});
