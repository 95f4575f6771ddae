//! Error bodies (msr-api.md §7): any answer normalised into an `ApiError` (four body
//! shapes, HTML, anything else), its message, and the excerpt rules: one line, bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msr_lens_core::ApiError;
use msr_lens_core::error::{EXCERPT_CHARS, excerpt};

fuzz_target!(|data: &[u8]| {
    let response = msr_lens_fuzz::response(data);
    let error = ApiError::from_response(&response);
    assert_eq!(error.status, response.status().as_u16());
    let _ = error.to_string();
    for text in [excerpt(data), excerpt(response.body())] {
        assert!(
            !text.contains(['\n', '\r']),
            "an excerpt over more than one line"
        );
        let chars = text.chars().count();
        assert!(
            chars <= EXCERPT_CHARS + 1,
            "an excerpt of {chars} characters"
        );
    }
});
