//! `WWW-Authenticate` challenges (msr-api.md §4): every line of the input is one header
//! value; a bearer challenge becomes a token request, which is only ever built for the
//! configured origin.
#![no_main]

use http::HeaderMap;
use http::header::{HeaderValue, WWW_AUTHENTICATE};
use libfuzzer_sys::fuzz_target;
use msr_lens_core::Origin;
use msr_lens_core::auth::{Challenge, Credentials, TokenRequest, bearer_challenge};

fuzz_target!(|data: &[u8]| {
    let origin = Origin::parse("https://msr.example.org").expect("a valid origin");
    let credentials = Credentials::password("admin", "secret");
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(challenges) = Challenge::parse_list(text)
    {
        for challenge in &challenges {
            if let Some(bearer) = challenge.as_bearer() {
                assert!(
                    !bearer.realm.trim().is_empty(),
                    "a bearer challenge without realm"
                );
                let request = TokenRequest::from_challenge(bearer);
                if let Ok(http) = request.to_http(&origin, Some(&credentials)) {
                    assert!(
                        origin.same_origin(http.uri()),
                        "credentials for {}",
                        http.uri()
                    );
                }
            }
        }
    }
    let mut headers = HeaderMap::new();
    for line in data.split(|&b| b == b'\n') {
        if let Ok(value) = HeaderValue::from_bytes(line) {
            headers.append(WWW_AUTHENTICATE, value);
        }
    }
    let all = Challenge::from_headers(&headers);
    let first = bearer_challenge(&headers);
    if let (Ok(all), Ok(first)) = (&all, &first) {
        assert_eq!(
            all.iter().find_map(Challenge::as_bearer),
            first.as_ref(),
            "bearer_challenge is not the first bearer challenge"
        );
    }
});
