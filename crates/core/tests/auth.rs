//! Tests of the token flow: golden tests on the notary-server 0.7.0 captures, transcripts
//! of the `Authenticator` against a sans-IO fake MSR, and property tests.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use msr_lens_core::auth::{
    AuthError, Authenticator, BearerError, CallId, Challenge, Claims, Credentials, Grant, Grants,
    Scope, Step, TokenRequest, TokenResponse,
};
use msr_lens_core::error::BodyShape;
use msr_lens_core::{ApiError, ErrorKind, Origin, Timestamp};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;

const NOTOKEN: &str = include_str!("fixtures/notary-0.7.0-memory/auth-notoken.http");
const TOKENS: &str = include_str!("fixtures/notary-0.7.0-memory/auth-tokens.http");

const MSR: &str = "https://msr.example.org";
const REALM: &str = "https://msr.example.org/auth/token";
const WORDPRESS: &str = "msr.example.org/library/wordpress";
const PASSWORD: &str = "correct-horse-battery";

// ---------------------------------------------------------------------------------------
// Capture files
// ---------------------------------------------------------------------------------------

/// One captured exchange: the section title and the response.
struct Capture {
    title: String,
    response: Response<Vec<u8>>,
}

/// Read a `.http` capture: sections start with `### ` or `=== `, then a status line,
/// headers, a blank line and the body.
fn captures(text: &str) -> Vec<Capture> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(title) = line.strip_prefix("### ").or(line.strip_prefix("=== ")) else {
            continue;
        };
        let status_line = lines.next().expect("status line");
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .expect("status code")
            .parse()
            .expect("numeric status");
        let mut response = Response::new(Vec::new());
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        for header in lines.by_ref() {
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').expect("header line");
            response.headers_mut().append(
                HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
                HeaderValue::from_str(value.trim()).unwrap(),
            );
        }
        let mut body = Vec::new();
        while let Some(next) = lines.peek() {
            if next.starts_with("### ") || next.starts_with("=== ") {
                break;
            }
            body.push(lines.next().unwrap());
        }
        let mut body = body.join("\n").trim_end().as_bytes().to_vec();
        let length: usize = response.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        // Go's JSON encoder ends a body with a newline; the capture separates sections
        // with blank lines.
        if body.len() + 1 == length {
            body.push(b'\n');
        }
        assert_eq!(body.len(), length, "capture body length of {title}");
        *response.body_mut() = body;
        out.push(Capture {
            title: title.to_string(),
            response,
        });
    }
    out
}

fn bearer_of(response: &Response<Vec<u8>>) -> msr_lens_core::auth::BearerChallenge {
    let challenges = Challenge::from_headers(response.headers()).unwrap();
    assert_eq!(challenges.len(), 1);
    challenges[0]
        .as_bearer()
        .cloned()
        .expect("a bearer challenge")
}

/// A capture's title, status and, for a 401, its challenged scope and `error`.
type Expected = (
    &'static str,
    u16,
    Option<(&'static str, Option<BearerError>)>,
);

#[test]
fn golden_notoken_challenges_and_bodies() {
    let caps = captures(NOTOKEN);
    let want: Vec<Expected> = vec![
        (
            "GET /v2/_trust/changefeed?change_id=0&records=10",
            401,
            Some(("registry:catalog:*", None)),
        ),
        (
            "GET /v2/msr.example.org/library/wordpress/_trust/changefeed?change_id=0&records=10",
            401,
            Some(("repository:msr.example.org/library/wordpress:pull", None)),
        ),
        ("GET /v2/", 401, Some(("registry:catalog:*", None))),
        (
            "GET /v2/_trust/changefeed",
            401,
            Some(("registry:catalog:*", None)),
        ),
        ("GET /v2/nope", 401, Some(("registry:catalog:*", None))),
        ("GET /_notary_server/health", 200, None),
        (
            "GET /v2/_trust/changefeed?change_id=0&records=10",
            401,
            Some(("registry:catalog:*", None)),
        ),
        (
            "GET /v2/_trust/changefeed?change_id=0&records=10",
            401,
            Some(("registry:catalog:*", Some(BearerError::InvalidToken))),
        ),
        (
            "GET /v2/_trust/changefeed?change_id=0&records=10",
            401,
            Some(("registry:catalog:*", Some(BearerError::InvalidToken))),
        ),
    ];
    assert_eq!(caps.len(), want.len());
    for (cap, (title, status, challenge)) in caps.iter().zip(want) {
        assert_eq!(cap.title, title);
        assert_eq!(cap.response.status().as_u16(), status, "{title}");
        let Some((scope, error)) = challenge else {
            assert!(
                Challenge::from_headers(cap.response.headers())
                    .unwrap()
                    .is_empty()
            );
            continue;
        };
        let b = bearer_of(&cap.response);
        assert_eq!(b.realm, "https://127.0.0.1:9999/auth/token");
        assert_eq!(b.service.as_deref(), Some("notary-test"));
        assert_eq!(b.scopes, vec![Scope::parse(scope).unwrap()], "{title}");
        assert_eq!(b.error, error, "{title}");

        let e = ApiError::from_response(&cap.response);
        assert_eq!(e.kind, ErrorKind::Unauthenticated);
        assert_eq!(e.shape, BodyShape::ErrorList);
        assert_eq!(e.code.as_deref(), Some("UNAUTHORIZED"));
        assert_eq!(e.message.as_deref(), Some("authentication required"));
        let detail = e.detail.expect("detail");
        let detail = &detail[0];
        let scope = Scope::parse(scope).unwrap();
        assert_eq!(detail["Type"], scope.resource_type());
        assert_eq!(detail["Name"], scope.name());
        assert_eq!(detail["Action"], scope.actions()[0].as_str());
    }
}

/// What the request of a section of `auth-tokens.http` needed, from its title.
fn needed_scope(title: &str) -> Scope {
    if title.starts_with("global") {
        Scope::catalog_all()
    } else if title.starts_with("per-GUN wordpress") {
        Scope::repository_pull(WORDPRESS)
    } else if title.starts_with("per-GUN api") {
        Scope::repository_pull("msr.example.org/engineering/api")
    } else {
        panic!("unknown section {title}")
    }
}

/// Golden test of the grant logic: for every token notary accepted as genuine, our
/// `Grants::allows` must agree with notary's verdict (200 vs `insufficient_scope`).
#[test]
fn golden_grant_rules_agree_with_notary() {
    let caps = captures(TOKENS);
    assert_eq!(caps.len(), 20);
    let mut compared = 0;
    for cap in &caps {
        let access = cap
            .title
            .split(" access=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("access in title");
        let token = jwt(&format!(r#"{{"sub":"tester","access":{access}}}"#));
        let claims = Claims::decode(&token).unwrap();
        let scope = needed_scope(&cap.title);
        let status = cap.response.status().as_u16();
        let challenge = Challenge::from_headers(cap.response.headers()).unwrap();
        match challenge.first().and_then(Challenge::as_bearer) {
            Some(b) if b.error == Some(BearerError::InvalidToken) => {
                assert_eq!(status, 401);
                continue; // signature, issuer, audience or expiry: not about grants
            }
            Some(b) => {
                assert_eq!(
                    b.error,
                    Some(BearerError::InsufficientScope),
                    "{}",
                    cap.title
                );
                assert_eq!(b.scopes, vec![scope.clone()], "{}", cap.title);
                assert!(!claims.access.allows(&scope), "{}", cap.title);
                let e = ApiError::from_response(&cap.response);
                assert!(e.is_code("UNAUTHORIZED"));
            }
            None => {
                assert!(status == 200 || status == 400, "{}", cap.title);
                assert!(claims.access.allows(&scope), "{}", cap.title);
            }
        }
        compared += 1;
    }
    assert_eq!(compared, 14);
    let bad = caps.last().unwrap();
    let e = ApiError::from_response(&bad.response);
    assert_eq!(e.kind, ErrorKind::BadRequest);
    assert!(e.is_code("INVALID_PARAMETERS"));
}

/// The captured answers of notary drive the authenticator: its real 401, a token, its
/// real 200.
#[test]
fn captured_answers_drive_the_flow() {
    let notoken = captures(NOTOKEN);
    let tokens = captures(TOKENS);
    let origin = Origin::parse("https://127.0.0.1:9999").unwrap();
    let mut auth = Authenticator::new(origin, Some(Credentials::password("admin", PASSWORD)));
    let now = Timestamp::from_secs(1_800_000_000);
    let request = get("https://127.0.0.1:9999/v2/_trust/changefeed?change_id=0&records=10");
    let (call, step) = auth.start(request, now);
    let Step::Send(first) = step else {
        panic!("{step:?}")
    };
    assert!(first.headers().get(AUTHORIZATION).is_none());
    let step = auth.handle(call, clone_response(&notoken[0].response), now);
    let Step::Send(token_request) = step else {
        panic!("{step:?}")
    };
    assert_eq!(
        token_request.uri().to_string(),
        "https://127.0.0.1:9999/auth/token?service=notary-test&scope=registry%3Acatalog%3A%2A&account=admin"
    );
    let token =
        jwt(r#"{"sub":"admin","access":[{"type":"registry","name":"catalog","actions":["*"]}]}"#);
    let step = auth.handle(call, token_answer(&token, 300), now);
    let Step::Send(retry) = step else {
        panic!("{step:?}")
    };
    assert_eq!(
        retry.headers()[AUTHORIZATION].to_str().unwrap(),
        format!("Bearer {token}")
    );
    let step = auth.handle(call, clone_response(&tokens[0].response), now);
    let Step::Done(done) = step else {
        panic!("{step:?}")
    };
    assert_eq!(done.status(), 200);
    assert_eq!(done.body(), br#"{"count":0,"records":null}"#);
    assert!(auth.allows(&Scope::catalog_all(), now));
    assert_eq!(auth.in_flight(), 0);
}

// ---------------------------------------------------------------------------------------
// A sans-IO fake MSR: resources behind notary token auth plus a garant-like token service
// ---------------------------------------------------------------------------------------

fn jwt(payload: &str) -> String {
    format!(
        "{}.{}.ZHVtbXktc2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256","x5c":["MIIB"]}"#),
        URL_SAFE_NO_PAD.encode(payload.as_bytes())
    )
}

fn token_answer(token: &str, expires_in: u64) -> Response<Vec<u8>> {
    json(
        200,
        &format!(r#"{{"token":"{token}","access_token":"{token}","expires_in":{expires_in}}}"#),
    )
}

fn json(status: u16, body: &str) -> Response<Vec<u8>> {
    let mut r = Response::new(body.as_bytes().to_vec());
    *r.status_mut() = StatusCode::from_u16(status).unwrap();
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn get(uri: &str) -> Request<Vec<u8>> {
    Request::get(uri).body(Vec::new()).unwrap()
}

fn clone_response(r: &Response<Vec<u8>>) -> Response<Vec<u8>> {
    let mut out = Response::new(r.body().clone());
    *out.status_mut() = r.status();
    *out.headers_mut() = r.headers().clone();
    out
}

/// How the fake token service answers.
#[derive(Clone, Copy, PartialEq)]
enum TokenMode {
    /// JWTs whose `access` claim tells the truth.
    Jwt,
    /// Opaque tokens: the client cannot read the grants.
    Opaque,
    /// JWTs whose `access` claim claims everything asked (the resource disagrees).
    LyingJwt,
}

/// Grants as the fake server keeps them: (type, name, actions).
type Access = Vec<(String, String, Vec<String>)>;

/// A canned answer of the token service.
type Answer = fn() -> Response<Vec<u8>>;

struct FakeMsr {
    realm: String,
    /// user → (password, grants as (type, name, actions)).
    users: HashMap<String, (String, Access)>,
    /// token → grants, as the resource server knows them.
    tokens: HashMap<String, Access>,
    revoked: HashSet<String>,
    mode: TokenMode,
    expires_in: u64,
    issued: u32,
    /// Every request seen: "<path> <auth>".
    log: Vec<String>,
    /// The raw requests seen.
    seen: Vec<Request<Vec<u8>>>,
    /// Replace the token service's answer.
    token_override: Option<Answer>,
}

impl FakeMsr {
    fn new() -> Self {
        let mut users = HashMap::new();
        users.insert(
            "alice".to_string(),
            (
                PASSWORD.to_string(),
                vec![(
                    "repository".to_string(),
                    WORDPRESS.to_string(),
                    vec!["pull".to_string()],
                )],
            ),
        );
        users.insert(
            "admin".to_string(),
            (
                PASSWORD.to_string(),
                vec![
                    ("registry".into(), "catalog".into(), vec!["*".into()]),
                    ("repository".into(), WORDPRESS.into(), vec!["*".into()]),
                ],
            ),
        );
        FakeMsr {
            realm: REALM.to_string(),
            users,
            tokens: HashMap::new(),
            revoked: HashSet::new(),
            mode: TokenMode::Jwt,
            expires_in: 300,
            issued: 0,
            log: Vec::new(),
            seen: Vec::new(),
            token_override: None,
        }
    }

    fn serve(&mut self, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let auth = request
            .headers()
            .get(AUTHORIZATION)
            .map(|v| v.to_str().unwrap().to_string());
        let shown = match &auth {
            None => "none".to_string(),
            Some(a) if a.starts_with("Basic ") => "basic".to_string(),
            Some(a) => format!("bearer:{}", token_name(a)),
        };
        self.log.push(format!("{} {}", request.uri().path(), shown));
        self.seen.push(copy_request(request));
        assert_eq!(
            request.uri().authority().unwrap().as_str(),
            "msr.example.org",
            "the client talked to another host"
        );
        if request.uri().path() == "/auth/token" {
            return self.token_service(request, auth.as_deref());
        }
        self.resource(request, auth.as_deref())
    }

    fn token_service(
        &mut self,
        request: &Request<Vec<u8>>,
        auth: Option<&str>,
    ) -> Response<Vec<u8>> {
        if let Some(answer) = self.token_override {
            return answer();
        }
        let query = request.uri().query().unwrap_or("");
        let params: Vec<(String, String)> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| {
                (
                    k.to_string(),
                    percent_decode_str(v).decode_utf8().unwrap().to_string(),
                )
            })
            .collect();
        assert!(params.iter().any(|(k, v)| k == "service" && v == "dtr"));
        let user_grants = match auth {
            None => {
                assert!(!params.iter().any(|(k, _)| k == "account"));
                Vec::new()
            }
            Some(basic) => {
                let decoded = STANDARD
                    .decode(basic.strip_prefix("Basic ").unwrap())
                    .unwrap();
                let decoded = String::from_utf8(decoded).unwrap();
                let (user, password) = decoded.split_once(':').unwrap();
                assert!(params.iter().any(|(k, v)| k == "account" && v == user));
                match self.users.get(user) {
                    Some((p, grants)) if p == password => grants.clone(),
                    _ => {
                        let mut r = json(401, r#"{"details":"incorrect username or password"}"#);
                        r.headers_mut().insert(
                            WWW_AUTHENTICATE,
                            HeaderValue::from_static("Basic realm=\"msr.example.org\""),
                        );
                        return r;
                    }
                }
            }
        };
        let subject = auth
            .map(|b| {
                let d = STANDARD.decode(b.strip_prefix("Basic ").unwrap()).unwrap();
                String::from_utf8(d)
                    .unwrap()
                    .split(':')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .unwrap_or_default();
        // Grant the requested actions the user has, like garant.
        let mut access = Vec::new();
        for (_, text) in params.iter().filter(|(k, _)| k == "scope") {
            let scope = Scope::parse(text).unwrap();
            let have: Vec<String> = user_grants
                .iter()
                .filter(|(t, n, _)| t == scope.resource_type() && n == scope.name())
                .flat_map(|(_, _, a)| a.clone())
                .collect();
            let granted: Vec<String> = scope
                .actions()
                .iter()
                .filter(|a| have.iter().any(|h| h == "*" || h == *a))
                .cloned()
                .collect();
            if !granted.is_empty() {
                access.push((
                    scope.resource_type().to_string(),
                    scope.name().to_string(),
                    granted,
                ));
            }
        }
        self.issued += 1;
        let claimed = if self.mode == TokenMode::LyingJwt {
            params
                .iter()
                .filter(|(k, _)| k == "scope")
                .map(|(_, t)| {
                    let s = Scope::parse(t).unwrap();
                    (
                        s.resource_type().to_string(),
                        s.name().to_string(),
                        s.actions().to_vec(),
                    )
                })
                .collect()
        } else {
            access.clone()
        };
        let access_json: Vec<String> = claimed
            .iter()
            .map(|(t, n, a)| {
                format!(
                    r#"{{"type":"{t}","name":"{n}","actions":[{}]}}"#,
                    a.iter()
                        .map(|x| format!("\"{x}\""))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            })
            .collect();
        let token = match self.mode {
            TokenMode::Opaque => format!("opaque-t{}", self.issued),
            _ => jwt(&format!(
                r#"{{"iss":"msr","sub":"{subject}","aud":"dtr","jti":"t{}","access":[{}]}}"#,
                self.issued,
                access_json.join(",")
            )),
        };
        self.tokens.insert(token.clone(), access);
        token_answer(&token, self.expires_in)
    }

    fn resource(&mut self, request: &Request<Vec<u8>>, auth: Option<&str>) -> Response<Vec<u8>> {
        let path = request.uri().path();
        let needed = if path == "/v2/_trust/changefeed" {
            Scope::catalog_all()
        } else if let Some(gun) = path
            .strip_prefix("/v2/")
            .and_then(|p| p.split("/_trust/").next())
        {
            Scope::repository_pull(gun)
        } else {
            return json(404, r#"{"errors":[{"code":"METADATA_NOT_FOUND"}]}"#);
        };
        let challenge = |error: Option<&str>| {
            let mut value = format!(
                r#"Bearer realm="{}",service="dtr",scope="{needed}""#,
                self.realm
            );
            if let Some(e) = error {
                value.push_str(&format!(r#",error="{e}""#));
            }
            let mut r = json(
                401,
                r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
            );
            r.headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_str(&value).unwrap());
            r
        };
        let Some(token) = auth.and_then(|a| a.strip_prefix("Bearer ")) else {
            return challenge(None);
        };
        let Some(grants) = self.tokens.get(token) else {
            return challenge(Some("invalid_token"));
        };
        if self.revoked.contains(token) {
            return challenge(Some("invalid_token"));
        }
        let ok = needed.actions().iter().all(|action| {
            grants.iter().any(|(t, n, a)| {
                t == needed.resource_type()
                    && n == needed.name()
                    && a.iter().any(|x| x == "*" || x == action)
            })
        });
        if !ok {
            return challenge(Some("insufficient_scope"));
        }
        let mut r = json(200, r#"{"count":0,"records":null}"#);
        r.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        r
    }
}

/// A short name for a bearer token in the log: its `jti`, or the opaque token.
fn token_name(header: &str) -> String {
    let token = header.strip_prefix("Bearer ").unwrap_or(header);
    match Claims::decode(token) {
        Ok(_) => {
            let payload = token.split('.').nth(1).unwrap();
            let json: serde_json::Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
            json["jti"].as_str().unwrap_or("?").to_string()
        }
        Err(_) => token.to_string(),
    }
}

fn copy_request(r: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut out = Request::new(r.body().clone());
    *out.method_mut() = r.method().clone();
    *out.uri_mut() = r.uri().clone();
    *out.headers_mut() = r.headers().clone();
    out
}

/// How a call ended.
#[derive(Debug)]
enum End {
    Done(Response<Vec<u8>>),
    Failed(AuthError),
    Token(msr_lens_core::auth::IssuedToken),
}

/// Drive one call to its end against the fake server; returns the end and how many
/// requests it sent.
fn drive(
    auth: &mut Authenticator,
    msr: &mut FakeMsr,
    call: CallId,
    mut step: Step,
    now: Timestamp,
) -> (End, usize) {
    let mut sent = 0;
    loop {
        assert!(!format!("{step:?}").contains(PASSWORD), "secret in Debug");
        match step {
            Step::Send(request) => {
                sent += 1;
                assert!(sent <= 4, "too many requests for one call");
                let response = msr.serve(&request);
                step = auth.handle(call, response, now);
            }
            Step::Done(r) => return (End::Done(r), sent),
            Step::Failed(e) => return (End::Failed(e), sent),
            Step::Token(t) => return (End::Token(t), sent),
            Step::Ignored => panic!("a live call was ignored"),
        }
    }
}

fn run(auth: &mut Authenticator, msr: &mut FakeMsr, uri: &str, now: Timestamp) -> End {
    let (call, step) = auth.start(get(uri), now);
    drive(auth, msr, call, step, now).0
}

fn origin() -> Origin {
    Origin::parse(MSR).unwrap()
}

fn wordpress_feed() -> String {
    format!("{MSR}/v2/{WORDPRESS}/_trust/changefeed?change_id=0&records=10")
}

fn global_feed() -> String {
    format!("{MSR}/v2/_trust/changefeed?change_id=-1&records=-10")
}

fn t(secs: i64) -> Timestamp {
    Timestamp::from_secs(1_800_000_000 + secs)
}

// ---------------------------------------------------------------------------------------
// Transcripts
// ---------------------------------------------------------------------------------------

#[test]
fn challenge_token_retry_then_preemptive() {
    let mut msr = FakeMsr::new();
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("alice", PASSWORD)));
    let End::Done(r) = run(&mut auth, &mut msr, &wordpress_feed(), t(0)) else {
        panic!()
    };
    assert_eq!(r.status(), 200);
    let feed = format!("/v2/{WORDPRESS}/_trust/changefeed");
    assert_eq!(
        msr.log,
        [
            format!("{feed} none"),
            "/auth/token basic".to_string(),
            format!("{feed} bearer:t1"),
        ]
    );
    let token_uri = msr.seen[1].uri().to_string();
    assert_eq!(
        token_uri,
        "https://msr.example.org/auth/token?service=dtr&scope=repository%3Amsr.example.org%2Flibrary%2Fwordpress%3Apull&account=alice"
    );
    // The next page of the same feed carries the token from the start.
    msr.log.clear();
    let End::Done(r) = run(
        &mut auth,
        &mut msr,
        &format!("{MSR}/v2/{WORDPRESS}/_trust/changefeed?change_id=7&records=10"),
        t(100),
    ) else {
        panic!()
    };
    assert_eq!(r.status(), 200);
    assert_eq!(msr.log, [format!("{feed} bearer:t1")]);
    assert!(auth.allows(&Scope::repository_pull(WORDPRESS), t(100)));
    assert!(!auth.allows(&Scope::catalog_all(), t(100)));
    assert_eq!(auth.in_flight(), 0);
}

#[test]
fn bad_credentials_are_unauthenticated() {
    let mut msr = FakeMsr::new();
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("alice", "wrong")));
    let End::Failed(e) = run(&mut auth, &mut msr, &wordpress_feed(), t(0)) else {
        panic!()
    };
    assert!(matches!(e, AuthError::BadCredentials(_)), "{e:?}");
    assert_eq!(e.kind(), "unauthenticated");
    assert_eq!(
        e.api_error().unwrap().message.as_deref(),
        Some("incorrect username or password")
    );
    assert!(!e.to_string().contains("wrong"));
    assert_eq!(msr.log.len(), 2, "no retry after bad credentials");
}

#[test]
fn no_access_is_read_from_the_grants_without_a_retry() {
    let mut msr = FakeMsr::new();
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("alice", PASSWORD)));
    let End::Failed(e) = run(&mut auth, &mut msr, &global_feed(), t(0)) else {
        panic!()
    };
    let AuthError::NoAccess {
        scope,
        granted,
        subject,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(scope.as_ref(), Some(&Scope::catalog_all()));
    assert!(granted.is_empty());
    assert_eq!(subject.as_deref(), Some("alice"));
    assert_eq!(e.kind(), "noAccess");
    assert_eq!(
        e.to_string(),
        "signed in as alice, but no access to registry:catalog:*; the token grants nothing"
    );
    assert_eq!(msr.log, ["/v2/_trust/changefeed none", "/auth/token basic"]);
}

#[test]
fn anonymous_still_fetches_a_token_and_gets_no_access() {
    let mut msr = FakeMsr::new();
    let mut auth = Authenticator::new(origin(), None);
    let End::Failed(e) = run(&mut auth, &mut msr, &wordpress_feed(), t(0)) else {
        panic!()
    };
    let AuthError::NoAccess { subject, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(subject.as_deref(), Some(""));
    assert!(
        e.to_string()
            .starts_with("not signed in: no access to repository:")
    );
    assert!(msr.seen[1].headers().get(AUTHORIZATION).is_none());
    assert!(!msr.seen[1].uri().to_string().contains("account="));
}

#[test]
fn insufficient_scope_after_the_retry_is_no_access() {
    for mode in [TokenMode::Opaque, TokenMode::LyingJwt] {
        let mut msr = FakeMsr::new();
        msr.mode = mode;
        let mut auth = Authenticator::new(origin(), Some(Credentials::password("alice", PASSWORD)));
        let End::Failed(e) = run(&mut auth, &mut msr, &global_feed(), t(0)) else {
            panic!()
        };
        let AuthError::NoAccess { scope, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(scope.as_ref(), Some(&Scope::catalog_all()));
        assert_eq!(msr.log.len(), 3, "exactly one retry");
        assert!(msr.log[2].contains("bearer:"));
    }
}

#[test]
fn a_token_due_for_refresh_is_replaced_before_use() {
    let mut msr = FakeMsr::new();
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("admin", PASSWORD)));
    assert!(matches!(
        run(&mut auth, &mut msr, &global_feed(), t(0)),
        End::Done(_)
    ));
    assert_eq!(msr.log.len(), 3);
    // 300 s token: used as is until 270 s.
    msr.log.clear();
    assert!(matches!(
        run(&mut auth, &mut msr, &global_feed(), t(269)),
        End::Done(_)
    ));
    assert_eq!(msr.log, ["/v2/_trust/changefeed bearer:t1"]);
    // From 270 s on a new token is fetched first: no 401 round trip.
    msr.log.clear();
    assert!(matches!(
        run(&mut auth, &mut msr, &global_feed(), t(270)),
        End::Done(_)
    ));
    assert_eq!(
        msr.log,
        ["/auth/token basic", "/v2/_trust/changefeed bearer:t2"]
    );
    // And long after expiry too.
    msr.log.clear();
    assert!(matches!(
        run(&mut auth, &mut msr, &global_feed(), t(10_000)),
        End::Done(_)
    ));
    assert_eq!(
        msr.log,
        ["/auth/token basic", "/v2/_trust/changefeed bearer:t3"]
    );
}

#[test]
fn invalid_token_on_a_cached_token_is_invalidated_and_fetched_once_more() {
    let mut msr = FakeMsr::new();
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("admin", PASSWORD)));
    assert!(matches!(
        run(&mut auth, &mut msr, &global_feed(), t(0)),
        End::Done(_)
    ));
    let t1 = msr.tokens.keys().next().unwrap().clone();
    msr.revoked.insert(t1);
    msr.log.clear();
    assert!(matches!(
        run(&mut auth, &mut msr, &global_feed(), t(10)),
        End::Done(_)
    ));
    assert_eq!(
        msr.log,
        [
            "/v2/_trust/changefeed bearer:t1",
            "/auth/token basic",
            "/v2/_trust/changefeed bearer:t2",
        ]
    );
    assert_eq!(auth.cache().len(), 1);
}

#[test]
fn a_fresh_token_rejected_again_ends_the_call() {
    let mut msr = FakeMsr::new();
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("admin", PASSWORD)));
    // The resource knows no token at all: every token is "invalid".
    msr.mode = TokenMode::Opaque;
    let (call, step) = auth.start(get(&global_feed()), t(0));
    let Step::Send(first) = step else { panic!() };
    let step = auth.handle(call, msr.serve(&first), t(0));
    let Step::Send(token_request) = step else {
        panic!()
    };
    let step = auth.handle(call, msr.serve(&token_request), t(0));
    let Step::Send(retry) = step else { panic!() };
    msr.tokens.clear();
    let step = auth.handle(call, msr.serve(&retry), t(0));
    let Step::Failed(e) = step else {
        panic!("{step:?}")
    };
    assert!(matches!(e, AuthError::TokenRejected(_)));
    assert_eq!(e.kind(), "tokenRejected");
    assert!(auth.cache().is_empty(), "the rejected token is forgotten");
}

#[test]
fn a_realm_on_another_origin_is_refused_and_nothing_is_sent_there() {
    for credentials in [Some(Credentials::password("admin", PASSWORD)), None] {
        let mut msr = FakeMsr::new();
        msr.realm = "https://evil.example.org/auth/token".to_string();
        let mut auth = Authenticator::new(origin(), credentials);
        let End::Failed(e) = run(&mut auth, &mut msr, &global_feed(), t(0)) else {
            panic!()
        };
        assert!(matches!(e, AuthError::ForeignRealm { .. }), "{e:?}");
        assert_eq!(e.kind(), "foreignRealm");
        assert_eq!(msr.log, ["/v2/_trust/changefeed none"]);
        assert!(!e.to_string().contains(PASSWORD));
    }
    let mut msr = FakeMsr::new();
    msr.realm = "http://msr.example.org/auth/token".to_string();
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("admin", PASSWORD)));
    let End::Failed(e) = run(&mut auth, &mut msr, &global_feed(), t(0)) else {
        panic!()
    };
    assert!(
        matches!(e, AuthError::ForeignRealm { .. }),
        "plain http is another origin"
    );
}

#[test]
fn a_request_for_another_origin_is_refused() {
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("admin", PASSWORD)));
    let (call, step) = auth.start(get("https://evil.example.org/v2/_trust/changefeed"), t(0));
    let Step::Failed(e) = step else { panic!() };
    assert_eq!(e.kind(), "foreignRequest");
    assert!(matches!(
        auth.handle(call, json(200, "{}"), t(0)),
        Step::Ignored
    ));
}

#[test]
fn responses_for_unknown_or_finished_calls_are_ignored() {
    let mut msr = FakeMsr::new();
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("admin", PASSWORD)));
    let (call, step) = auth.start(get(&global_feed()), t(0));
    let (End::Done(_), _) = drive(&mut auth, &mut msr, call, step, t(0)) else {
        panic!()
    };
    assert!(matches!(
        auth.handle(call, json(200, "{}"), t(0)),
        Step::Ignored
    ));
    let (other, _) = auth.start(get(&global_feed()), t(0));
    auth.fail(other);
    assert!(matches!(
        auth.handle(other, json(200, "{}"), t(0)),
        Step::Ignored
    ));
    auth.fail(other); // twice: still fine
    let (late, _) = auth.start(get(&global_feed()), t(0));
    assert_ne!(late, other);
    assert_eq!(auth.in_flight(), 1);
}

#[test]
fn token_service_failures_are_not_credential_problems() {
    let cases: [(Answer, &str); 4] = [
        (
            || {
                let mut r =
                    Response::new(b"<html><h1>503 Service Unavailable</h1></html>".to_vec());
                *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                r.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
                r
            },
            "unavailable",
        ),
        (
            || json(500, r#"{"errors":[{"code":"UNKNOWN"}]}"#),
            "serverError",
        ),
        (
            || {
                let mut r = Response::new(b"<!DOCTYPE html><title>Sign in</title>".to_vec());
                r.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
                r
            },
            "badResponse",
        ),
        (|| json(200, r#"{"expires_in":300}"#), "badResponse"),
    ];
    for (answer, kind) in cases {
        let mut msr = FakeMsr::new();
        msr.token_override = Some(answer);
        let mut auth = Authenticator::new(origin(), Some(Credentials::password("admin", PASSWORD)));
        let End::Failed(e) = run(&mut auth, &mut msr, &global_feed(), t(0)) else {
            panic!()
        };
        assert!(matches!(e, AuthError::TokenService(_)), "{e:?}");
        assert_eq!(e.kind(), kind);
    }
}

#[test]
fn answers_that_are_not_bearer_challenges_are_handed_back() {
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("admin", PASSWORD)));
    let mut basic = json(
        401,
        r#"{"code":"NOT_AUTHENTICATED","message":"The client is not authenticated."}"#,
    );
    basic.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"msr\""),
    );
    for answer in [
        json(401, r#"{"code":"NOT_AUTHENTICATED"}"#),
        basic,
        json(403, r#"{"errors":[{"code":"NOT_AUTHORIZED"}]}"#),
        json(500, "oops"),
        json(200, "{}"),
    ] {
        let status = answer.status();
        let (call, step) = auth.start(get(&format!("{MSR}/api/v0/meta/cluster_status")), t(0));
        assert!(matches!(step, Step::Send(_)));
        let Step::Done(r) = auth.handle(call, answer, t(0)) else {
            panic!()
        };
        assert_eq!(r.status(), status);
    }
    let mut garbage = json(401, "{}");
    garbage.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"x"),
    );
    let (call, _) = auth.start(get(&global_feed()), t(0));
    let Step::Failed(e) = auth.handle(call, garbage, t(0)) else {
        panic!()
    };
    assert_eq!(e.kind(), "badResponse");
}

#[test]
fn a_callers_authorization_header_is_kept_on_the_first_attempt() {
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("admin", PASSWORD)));
    let mut request = get(&format!("{MSR}/api/v0/meta/cluster_status"));
    request.headers_mut().insert(
        AUTHORIZATION,
        Credentials::password("admin", PASSWORD).basic_header(),
    );
    let (_, step) = auth.start(request, t(0));
    let Step::Send(sent) = step else { panic!() };
    assert!(
        sent.headers()[AUTHORIZATION]
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );
}

#[test]
fn a_token_for_old_credentials_is_not_cached() {
    let mut msr = FakeMsr::new();
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("admin", PASSWORD)));
    let (call, step) = auth.start(get(&global_feed()), t(0));
    let Step::Send(first) = step else { panic!() };
    let Step::Send(token_request) = auth.handle(call, msr.serve(&first), t(0)) else {
        panic!()
    };
    auth.set_credentials(Some(Credentials::password("alice", PASSWORD)));
    let Step::Send(retry) = auth.handle(call, msr.serve(&token_request), t(0)) else {
        panic!()
    };
    let Step::Done(r) = auth.handle(call, msr.serve(&retry), t(0)) else {
        panic!()
    };
    assert_eq!(r.status(), 200);
    assert!(auth.cache().is_empty());
    // The next call fetches a token with alice's credentials.
    msr.log.clear();
    let End::Failed(e) = run(&mut auth, &mut msr, &global_feed(), t(1)) else {
        panic!()
    };
    assert_eq!(e.kind(), "noAccess");
}

#[test]
fn explicit_token_requests() {
    let mut msr = FakeMsr::new();
    let mut auth = Authenticator::new(origin(), Some(Credentials::password("admin", PASSWORD)));
    let request = TokenRequest::new(
        REALM,
        Some("dtr".into()),
        &[Scope::catalog_all(), Scope::repository_pull(WORDPRESS)],
    );
    let (call, step) = auth.start_token(request.clone(), t(0));
    let (End::Token(token), sent) = drive(&mut auth, &mut msr, call, step, t(0)) else {
        panic!()
    };
    assert_eq!(sent, 1);
    let grants = token.grants().unwrap();
    assert!(grants.allows(&Scope::catalog_all()));
    assert!(grants.allows(&Scope::repository_pull(WORDPRESS)));
    assert_eq!(token.expires_at(), t(300));
    assert_eq!(token.claims().unwrap().subject.as_deref(), Some("admin"));
    assert!(!format!("{token:?}").contains(token.token().secret()));
    // Cached: answered at once, nothing sent.
    let (_, step) = auth.start_token(request.clone(), t(10));
    assert!(matches!(step, Step::Token(_)));
    assert_eq!(msr.log.len(), 1);
    assert_eq!(auth.grants(t(10)), grants.clone());
    assert!(auth.grants(t(301)).is_empty());
    // Signing out drops the tokens.
    auth.set_credentials(None);
    assert!(auth.cache().is_empty());
    // Realm elsewhere: refused.
    let (_, step) = auth.start_token(
        TokenRequest::new("https://evil.example.org/t", None, &[]),
        t(0),
    );
    assert!(matches!(step, Step::Failed(AuthError::ForeignRealm { .. })));
}

#[test]
fn grants_helper_matches_notary_examples() {
    let grants = Grants::new(vec![Grant {
        resource_type: "repository".into(),
        name: WORDPRESS.into(),
        actions: vec!["pull".into()],
    }]);
    assert!(grants.allows(&Scope::repository_pull(WORDPRESS)));
    assert!(!grants.allows(&Scope::parse(&format!("repository:{WORDPRESS}:pull,push")).unwrap()));
}

#[test]
fn token_response_from_a_realistic_answer() {
    let token = jwt(r#"{"sub":"admin","access":[]}"#);
    let body = format!(
        r#"{{"token":"{token}","access_token":"{token}","expires_in":300,"issued_at":"2026-11-26T12:49:38.190589884Z"}}"#
    );
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let r = TokenResponse::parse_body(body.as_bytes()).unwrap();
    assert_eq!(r.expires_in, 300);
    assert_eq!(
        r.issued_at,
        Timestamp::parse_rfc3339("2026-11-26T12:49:38.190Z")
    );
    assert_eq!(r.token.secret(), token);
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

fn header_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        proptest::collection::vec(
            prop_oneof![
                Just("Bearer ".to_string()),
                Just("Basic ".to_string()),
                Just("realm=".to_string()),
                Just("scope=".to_string()),
                Just("error=".to_string()),
                Just("\"".to_string()),
                Just("\\".to_string()),
                Just(",".to_string()),
                Just(" ".to_string()),
                Just("=".to_string()),
                Just("https://msr.example.org/auth/token".to_string()),
                Just("repository:a:1/b:pull,push".to_string()),
                Just("invalid_token".to_string()),
                "[a-z:*]{1,8}",
            ],
            0..16,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

fn scope_strategy() -> impl Strategy<Value = Scope> {
    (
        "[a-z]{1,10}(\\([a-z]{1,5}\\))?",
        "[a-z0-9.:/_-]{1,30}",
        proptest::collection::vec("[a-z*]{1,6}", 1..4),
    )
        .prop_map(|(t, n, a)| Scope::new(t, n, a))
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

proptest! {
    #[test]
    fn challenge_parsers_never_panic(text in header_text(), bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
        let _ = Challenge::parse_list(&text);
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&text) {
            headers.append(WWW_AUTHENTICATE, v);
        }
        if let Ok(v) = HeaderValue::from_bytes(&bytes) {
            headers.append(WWW_AUTHENTICATE, v);
        }
        let _ = Challenge::from_headers(&headers);
    }

    #[test]
    fn scope_parser_never_panics_and_round_trips(text in any::<String>(), scope in scope_strategy()) {
        let _ = Scope::parse(&text);
        let _ = Scope::parse_list(&text);
        prop_assert_eq!(Scope::parse(&scope.to_string()), Ok(scope.clone()));
        let challenge = format!(r#"Bearer realm="https://x/auth",scope="{scope} {scope}""#);
        let parsed = Challenge::parse_list(&challenge).unwrap();
        prop_assert_eq!(&parsed[0].as_bearer().unwrap().scopes, &vec![scope.clone(), scope]);
    }

    #[test]
    fn jwt_decoder_never_panics(text in any::<String>(), payload in proptest::collection::vec(any::<u8>(), 0..200), json in "[\\[\\]{}\":,a-z0-9 .-]{0,80}") {
        let _ = Claims::decode(&text);
        let _ = Claims::decode(&format!("e30.{}.sig", b64(&payload)));
        let _ = Claims::decode(&format!("e30.{}.sig", b64(json.as_bytes())));
        let _ = Claims::decode(&format!("e30.{}.sig", b64(format!(r#"{{"access":{json},"exp":{json}}}"#).as_bytes())));
    }

    #[test]
    fn token_response_parser_never_panics(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..200), json in "[\\[\\]{}\":,a-z0-9 .-]{0,60}") {
        let _ = TokenResponse::parse_body(&body);
        let _ = TokenResponse::parse_body(format!(r#"{{"token":"t","expires_in":{json},"issued_at":{json}}}"#).as_bytes());
        let mut r = Response::new(body);
        *r.status_mut() = StatusCode::from_u16(status).unwrap();
        if let Err(e) = TokenResponse::from_response(&r) {
            let _ = e.kind();
            let _ = e.to_string();
        }
    }

    /// Whatever the servers answer, the authenticator never panics, sends at most four
    /// requests per call (refresh, first attempt, token, one retry), and sends the
    /// credentials only to the configured origin.
    #[test]
    fn authenticator_never_panics_and_stays_bounded(
        answers in proptest::collection::vec(
            (
                prop_oneof![Just(200u16), Just(401), Just(401), Just(403), Just(500), Just(503), 100u16..600],
                proptest::option::of(prop_oneof![
                    header_text(),
                    Just(format!(r#"Bearer realm="{REALM}",service="dtr",scope="registry:catalog:*""#)),
                    Just(format!(r#"Bearer realm="{REALM}",service="dtr",scope="registry:catalog:*",error="invalid_token""#)),
                    Just(format!(r#"Bearer realm="{REALM}",service="dtr",scope="registry:catalog:*",error="insufficient_scope""#)),
                    Just(r#"Bearer realm="https://evil.example.org/t""#.to_string()),
                ]),
                prop_oneof![
                    Just(String::new()),
                    Just(r#"{"token":"opaque","expires_in":"300"}"#.to_string()),
                    Just(format!(r#"{{"token":"{}","expires_in":60}}"#, jwt(r#"{"access":[{"type":"registry","name":"catalog","actions":["*"]}]}"#))),
                    Just(format!(r#"{{"token":"{}"}}"#, jwt(r#"{"access":[]}"#))),
                    any::<String>(),
                ],
            ),
            1..40,
        ),
        steps in proptest::collection::vec(0i64..400, 1..10),
    ) {
        let mut auth = Authenticator::new(origin(), Some(Credentials::password("admin", PASSWORD)));
        let mut answers = answers.into_iter().cycle();
        let mut now = t(0);
        for advance in steps {
            now = now.add_secs(advance);
            let (call, mut step) = auth.start(get(&global_feed()), now);
            let mut sent = 0;
            loop {
                match step {
                    Step::Send(request) => {
                        sent += 1;
                        prop_assert!(sent <= 4);
                        prop_assert!(auth.origin().same_origin(request.uri()));
                        let (status, challenge, body) = answers.next().unwrap();
                        let mut r = Response::new(body.into_bytes());
                        *r.status_mut() = StatusCode::from_u16(status).unwrap();
                        if let Some(c) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
                            r.headers_mut().insert(WWW_AUTHENTICATE, c);
                        }
                        step = auth.handle(call, r, now);
                    }
                    Step::Failed(e) => {
                        prop_assert!(!e.to_string().contains(PASSWORD));
                        let _ = e.kind();
                        break;
                    }
                    Step::Done(_) => break,
                    other => return Err(TestCaseError::fail(format!("unexpected {other:?}"))),
                }
            }
            prop_assert_eq!(auth.in_flight(), 0);
        }
    }
}
