//! JWT claims (msr-api.md §5): the input as a whole token, and as the JSON payload of a
//! token (so that the fuzzer mutates JSON, not base64).
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use msr_lens_core::auth::{Claims, Scope};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(claims) = Claims::decode(text)
    {
        let _ = (claims.is_anonymous(), claims.access.to_string());
    }
    let token = format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", URL_SAFE_NO_PAD.encode(data));
    let claims = Claims::decode(&token);
    if serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(data).is_ok() {
        assert!(
            claims.is_ok(),
            "a JSON object payload was refused: {claims:?}"
        );
    }
    if let Ok(claims) = claims {
        let grants = &claims.access;
        let _ = grants.allows(&Scope::catalog_all());
        let _ = grants.allows(&Scope::repository_pull("msr.example.org/library/nginx"));
        let _ = grants.to_string();
    }
});
