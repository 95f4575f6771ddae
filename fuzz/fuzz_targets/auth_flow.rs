//! The token flow with hostile answers: a changefeed request, the server's answer (a
//! challenge), the token service's answer, the retry's answer — the input holds up to
//! three answers separated by `msr_lens_fuzz::ANSWER_SEPARATOR`. Whatever they say,
//! credentials and tokens go only to the configured origin, and every call ends.
#![no_main]

use http::Request;
use http::header::AUTHORIZATION;
use libfuzzer_sys::fuzz_target;
use msr_lens_core::auth::{Authenticator, Credentials, Step};
use msr_lens_core::{Origin, Timestamp};

fuzz_target!(|data: &[u8]| {
    let origin = Origin::parse("https://msr.example.org").expect("a valid origin");
    let credentials = Credentials::password("admin", "secret");
    let mut auth = Authenticator::new(origin.clone(), Some(credentials));
    let now = Timestamp::from_secs(1_800_000_000);
    let mut request = Request::new(Vec::new());
    *request.uri_mut() = origin
        .url("/v2/_trust/changefeed?change_id=0&records=100")
        .expect("a valid path");
    let (call, mut step) = auth.start(request, now);
    for answer in msr_lens_fuzz::answers(data) {
        let Step::Send(request) = step else {
            break;
        };
        assert!(
            origin.same_origin(request.uri()),
            "a request to {}",
            request.uri()
        );
        if request.headers().contains_key(AUTHORIZATION) {
            assert_eq!(request.uri().scheme_str(), Some("https"));
        }
        step = auth.handle(call, msr_lens_fuzz::response(answer), now);
    }
    match step {
        Step::Send(request) => {
            assert!(
                origin.same_origin(request.uri()),
                "a request to {}",
                request.uri()
            );
            auth.fail(call);
        }
        Step::Done(_) | Step::Failed(_) => {}
        other => panic!("an unexpected step: {other:?}"),
    }
    assert_eq!(auth.in_flight(), 0, "a call still in flight");
    let _ = auth.grants(now).to_string();
});
