//! Token service answers (msr-api.md §5): the answer read into a token or a typed error
//! (with token-like text redacted), and the token as issued: lifetime and JWT claims.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msr_lens_core::Timestamp;
use msr_lens_core::auth::{AuthError, IssuedToken, TokenResponse};

fuzz_target!(|data: &[u8]| {
    let response = msr_lens_fuzz::response(data);
    match TokenResponse::from_response(&response) {
        Ok(answer) => {
            assert!(answer.expires_in >= 60, "a token living under a minute");
            assert!(!answer.token.secret().is_empty(), "an empty token");
            let now = Timestamp::from_secs(1_800_000_000);
            let issued = IssuedToken::new(answer, now);
            assert!(
                issued.start() <= now,
                "a token that starts after it was received"
            );
            assert!(issued.refresh_at() <= issued.expires_at());
            assert!(issued.start() <= issued.refresh_at());
            let _ = (issued.claims(), issued.grants(), issued.needs_refresh(now));
        }
        Err(AuthError::BadCredentials(error) | AuthError::TokenService(error)) => {
            let _ = error.to_string();
        }
        Err(other) => panic!("an unexpected error kind: {other:?}"),
    }
    let _ = TokenResponse::parse_body(response.body());
});
