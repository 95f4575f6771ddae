//! Golden tests on the notary-server 0.7.0 captures in `tests/fixtures/notary-0.7.0-memory/`.
//!
//! - Every section of every capture is parsed with [`Page::parse`] and compared with the
//!   exact records (IDs, GUNs, versions, checksums, categories, raw `CreatedAt`) or error
//!   (status, code) written down below, in capture order.
//! - The request builder reproduces the exact request line of every capture it could have
//!   sent; the captures it can never send (forbidden or non-canonical parameters) are listed
//!   with the reason.
//! - The fake notary used by the property tests answers every captured changefeed request
//!   exactly like the real server did.

mod common;

use common::fake::{Change, FakeNotary, Storage};
use common::fixture::{self, Section};
use msr_lens_core::changefeed::{
    Category, ChangeId, Cursor, Feed, Gun, Page, PageError, PageRequest,
};
use msr_lens_core::{ErrorKind, Origin, Timestamp};

/// The 11 records of the capture store: ID, CreatedAt, GUN, Version, SHA256, Category.
const STORE: [(&str, &str, &str, i64, &str, &str); 11] = [
    (
        "1",
        "2026-11-26T12:49:38.190589884Z",
        WORDPRESS,
        1,
        "9bd2d6ae6cafdd4cb0fe0c5a1e8c407fd70518fd8db31bde6f1447d98afab8f7",
        "update",
    ),
    (
        "2",
        "2026-11-26T12:49:38.236330347Z",
        WORDPRESS,
        2,
        "b492aece847a11c2d5797e0e5d88aac77db105a79ded8eddfc3a67c8f57bb1b0",
        "update",
    ),
    (
        "3",
        "2026-11-26T12:49:38.286955317Z",
        WORDPRESS,
        3,
        "2f79064e25f480dc0958f4a65bcaaeb78e990fa2572ce1178b7df933b763af51",
        "update",
    ),
    (
        "4",
        "2026-11-26T12:49:38.347102256Z",
        API,
        1,
        "c5a9b3ac1c16357a7ec7b333424f0fcb6a920348850e2f32a76d590dba50b74e",
        "update",
    ),
    (
        "5",
        "2026-11-26T12:49:38.394647206Z",
        API,
        2,
        "fcf53a25101a51227fcccf8bf939b247cdfb863796176e6a39899c1a97efbfd2",
        "update",
    ),
    (
        "6",
        "2026-11-26T12:49:38.459227275Z",
        NGINX,
        1,
        "da48948224b3bb1bd5531067428a30f4f59d88976852f104ab4e050758f969b0",
        "update",
    ),
    (
        "7",
        "2026-11-26T12:49:38.503042064Z",
        NGINX,
        2,
        "5e1bc77180d2784435ec31d405a332776f562d74c203c10e8f0b7999674a2efa",
        "update",
    ),
    (
        "8",
        "2026-11-26T12:49:38.519880395Z",
        API,
        0,
        "",
        "deletion",
    ),
    (
        "9",
        "2026-11-26T12:49:38.564586607Z",
        WORDPRESS,
        4,
        "56cf9e3f42950277eee4c5724b3a1bae23f5b8bbec6c6d05d286ce9dccf681dd",
        "update",
    ),
    (
        "10",
        "2026-11-26T12:49:38.621120105Z",
        API,
        1,
        "e3bf8a619fe14b36aff4531f30b8bb240f34ecbb68def77c8f6984b9c873c9f5",
        "update",
    ),
    (
        "11",
        "2026-11-26T12:49:38.665897841Z",
        NGINX,
        3,
        "ed65631722bf4781215fad27e3bcf51a20b3536a26bcc5476323ada3dce068b3",
        "update",
    ),
];

const WORDPRESS: &str = "msr.example.org/library/wordpress";
const API: &str = "msr.example.org/engineering/api";
const NGINX: &str = "msr.example.org/library/nginx";

/// What a capture section must parse to.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// A page with these record IDs (`null_records`: whether `records` was `null`).
    Page(&'static [&'static str], bool),
    /// An error answer with this status and code.
    Error(u16, Option<&'static str>),
    /// A 200 that is not a changefeed page.
    NotAPage,
    /// The server dropped the connection.
    Dropped,
}

use Expect::{Dropped, Error, NotAPage, Page as P};

const ALL: &[&str] = &["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"];
const NULL: Expect = P(&[], true);
const EMPTY: Expect = P(&[], false);
const BAD_PARAMS: Expect = Error(400, Some("INVALID_PARAMETERS"));
const UNAUTHORIZED: Expect = Error(401, Some("UNAUTHORIZED"));
const NOT_FOUND: Expect = Error(404, Some("METADATA_NOT_FOUND"));

fn expectations(file: &str) -> Vec<Expect> {
    match file {
        "forward.http" => vec![
            P(ALL, false),
            P(&["1", "2", "3"], false),
            P(&["4", "5", "6"], false),
            P(&["7", "8", "9"], false),
            P(&["10", "11"], false),
            NULL,
        ],
        "backward.http" => vec![
            P(&["9", "10", "11"], false),
            P(&["9", "10", "11"], false),
            P(ALL, false),
            EMPTY,
            P(&["2", "3", "4"], false),
            P(&["6", "7", "8"], false),
            P(&["3", "4", "5"], false),
            P(&["1", "2"], false),
            EMPTY,
            P(&["10", "11"], false),
            P(&["9", "10", "11"], false),
            NULL,
            P(&["10", "11"], false),
        ],
        "gun.http" => vec![
            P(&["1", "2", "3", "9"], false),
            P(&["1", "2"], false),
            P(&["3", "9"], false),
            P(&["3", "9"], false),
            P(&["2", "3"], false),
            P(&["1", "2"], false),
            NULL,
            P(&["1", "2", "3", "9"], false),
            P(&["4", "5", "8", "10"], false),
            P(&["8", "10"], false),
            EMPTY,
            EMPTY,
            BAD_PARAMS,
            BAD_PARAMS,
            Dropped,
            NOT_FOUND,
            NOT_FOUND,
            NotAPage, // timestamp.json
        ],
        "bad.http" => vec![
            BAD_PARAMS,
            P(&["1", "2", "3", "4", "5"], false),
            BAD_PARAMS,
            BAD_PARAMS,
            BAD_PARAMS,
            P(ALL, false),
            P(ALL, false),
            BAD_PARAMS,
            Dropped,
            P(&["1", "2"], false),
            BAD_PARAMS,
            BAD_PARAMS,
            BAD_PARAMS,
            P(&["1", "2"], false),
            P(&["1", "2"], false),
            BAD_PARAMS,
            P(&["4", "5"], false),
            Dropped,
            P(ALL, false),
        ],
        "auth-tokens.http" => vec![
            NULL,         // global, catalog:*
            UNAUTHORIZED, // global, repo pull only
            NULL,         // per-GUN wordpress, repo pull
            UNAUTHORIZED, // per-GUN api, wordpress pull
            UNAUTHORIZED, // per-GUN wordpress, catalog:* only
            UNAUTHORIZED, // per-GUN wordpress, push only
            NULL,         // per-GUN wordpress, repo *
            UNAUTHORIZED, // per-GUN wordpress, repo name * pull
            UNAUTHORIZED, // global, catalog pull (not *)
            NULL,         // global, ES256 x5c
            NULL,         // global, RS256 kid
            NULL,         // global, ES256 kid
            UNAUTHORIZED, // no x5c/kid
            UNAUTHORIZED, // rogue signer
            UNAUTHORIZED, // wrong aud
            UNAUTHORIZED, // aud as array
            UNAUTHORIZED, // wrong iss
            UNAUTHORIZED, // expired 120 s ago
            NULL,         // expired 30 s ago, within the leeway
            BAD_PARAMS,   // bad records with a valid token
        ],
        "auth-notoken.http" => vec![
            UNAUTHORIZED,
            UNAUTHORIZED,
            UNAUTHORIZED, // /v2/
            UNAUTHORIZED, // /v2/_trust/changefeed without parameters
            UNAUTHORIZED, // /v2/nope
            NotAPage,     // /_notary_server/health: `{}`
            UNAUTHORIZED,
            UNAUTHORIZED, // error="invalid_token"
            UNAUTHORIZED,
        ],
        other => panic!("no expectations for {other}"),
    }
}

fn check_record(name: &str, record: &msr_lens_core::changefeed::Record) {
    let Some(&(id, created, gun, version, sha, category)) =
        STORE.iter().find(|r| r.0 == record.id.as_str())
    else {
        panic!("{name}: unknown record {}", record.id);
    };
    assert_eq!(record.id.as_str(), id);
    assert_eq!(record.created_at_raw, created, "{name}: {id}");
    assert_eq!(
        record.created_at,
        Timestamp::parse_rfc3339(created),
        "{name}: {id}"
    );
    assert!(record.created_at.is_some(), "{name}: {id}");
    assert_eq!(
        (record.gun.as_str(), record.version),
        (gun, version),
        "{name}: {id}"
    );
    assert_eq!(
        record.sha256.as_deref(),
        Some(sha).filter(|s| !s.is_empty()),
        "{name}: {id}"
    );
    let want = match category {
        "update" => Category::Update,
        _ => Category::Deletion,
    };
    assert_eq!(record.category, want, "{name}: {id}");
}

fn check(section: &Section, expect: Expect) {
    let name = section.name();
    let Some(response) = &section.response else {
        assert!(
            matches!(expect, Dropped),
            "{name}: expected {expect:?}, got a dropped connection"
        );
        assert_eq!(
            section.curl_error.as_deref(),
            Some("curl: (52) Empty reply from server")
        );
        return;
    };
    let parsed = Page::parse(response);
    match (expect, parsed) {
        (P(ids, null), Ok(page)) => {
            let got: Vec<&str> = page.records.iter().map(|r| r.id.as_str()).collect();
            assert_eq!(got, ids, "{name}");
            // Every page notary wrote takes the scanner (the fast path), with the same records.
            let mut scanned = Vec::new();
            let summary = Page::scan(response.body(), |r| scanned.push(r.to_record()));
            assert!(summary.is_some(), "{name}: the scanner declined the page");
            assert_eq!(
                scanned.into_iter().flatten().collect::<Vec<_>>(),
                page.records,
                "{name}"
            );
            assert_eq!(page.null_records, null, "{name}: null vs []");
            assert_eq!(
                page.count,
                Some(ids.len() as u64),
                "{name}: count is the page length"
            );
            for record in &page.records {
                check_record(&name, record);
            }
        }
        (Error(status, code), Err(PageError::Api(error))) => {
            assert_eq!(error.status, status, "{name}");
            assert_eq!(error.code.as_deref(), code, "{name}");
        }
        (NotAPage, Err(error @ PageError::NotAPage(_))) => {
            assert_eq!(error.kind(), ErrorKind::UnexpectedBody, "{name}");
        }
        (expect, got) => panic!("{name}: expected {expect:?}, got {got:?}"),
    }
}

#[test]
fn every_capture_parses_to_the_expected_records_or_error() {
    let sections = fixture::all();
    let mut files: Vec<&str> = sections.iter().map(|s| s.file).collect();
    files.dedup();
    assert_eq!(files.len(), 6);
    let mut checked = 0;
    for file in files {
        let in_file: Vec<&Section> = sections.iter().filter(|s| s.file == file).collect();
        let expected = expectations(file);
        assert_eq!(
            in_file.len(),
            expected.len(),
            "{file}: sections vs expectations"
        );
        for (section, expect) in in_file.into_iter().zip(expected) {
            check(section, expect);
            checked += 1;
        }
    }
    assert_eq!(checked, 85);
}

#[test]
fn error_details_are_kept() {
    let sections = fixture::all();
    let bad = sections
        .iter()
        .find(|s| s.target() == Some("/v2/_trust/changefeed?change_id=0&records=2147483648"))
        .and_then(|s| s.response.as_ref())
        .expect("the out-of-range capture");
    let Err(PageError::Api(error)) = Page::parse(bad) else {
        panic!("expected an error");
    };
    assert_eq!(error.kind, ErrorKind::BadRequest);
    assert_eq!(
        error.detail,
        Some(serde_json::json!(
            "invalid records parameter: strconv.ParseInt: parsing \"2147483648\": value out of range"
        ))
    );
    // The catalog scope the 401 asks for is in the detail and the challenge.
    let unauthorized = sections
        .iter()
        .find(|s| s.file == "auth-notoken.http")
        .and_then(|s| s.response.as_ref())
        .expect("a 401 capture");
    let Err(PageError::Api(error)) = Page::parse(unauthorized) else {
        panic!("expected an error");
    };
    assert_eq!(error.kind, ErrorKind::Unauthenticated);
    let challenge = unauthorized.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains(r#"scope="registry:catalog:*""#));
}

fn gun(text: &str) -> Feed {
    Feed::Repository(Gun::new(text).unwrap())
}

fn id(text: &str) -> ChangeId {
    ChangeId::new(text).unwrap()
}

/// For each semantic request: the captured request line it must produce, and the records
/// notary answered.
#[test]
fn the_builder_reproduces_the_captured_request_lines() {
    let sections = fixture::all();
    let cases: Vec<(Feed, Cursor, u32, &str, &[&str])> = vec![
        (
            Feed::Global,
            Cursor::Start,
            100,
            "/v2/_trust/changefeed?change_id=0&records=100",
            ALL,
        ),
        (
            Feed::Global,
            Cursor::Start,
            3,
            "/v2/_trust/changefeed?change_id=0&records=3",
            &["1", "2", "3"],
        ),
        (
            Feed::Global,
            Cursor::After(id("3")),
            3,
            "/v2/_trust/changefeed?change_id=3&records=3",
            &["4", "5", "6"],
        ),
        (
            Feed::Global,
            Cursor::After(id("9")),
            3,
            "/v2/_trust/changefeed?change_id=9&records=3",
            &["10", "11"],
        ),
        (
            Feed::Global,
            Cursor::After(id("11")),
            3,
            "/v2/_trust/changefeed?change_id=11&records=3",
            &[],
        ),
        (
            Feed::Global,
            Cursor::Latest,
            3,
            "/v2/_trust/changefeed?change_id=-1&records=-3",
            &["9", "10", "11"],
        ),
        (
            Feed::Global,
            Cursor::Latest,
            100,
            "/v2/_trust/changefeed?change_id=-1&records=-100",
            ALL,
        ),
        (
            Feed::Global,
            Cursor::Before(id("9")),
            3,
            "/v2/_trust/changefeed?change_id=9&records=-3",
            &["6", "7", "8"],
        ),
        (
            Feed::Global,
            Cursor::Before(id("3")),
            3,
            "/v2/_trust/changefeed?change_id=3&records=-3",
            &["1", "2"],
        ),
        (
            Feed::Global,
            Cursor::Before(id("1")),
            3,
            "/v2/_trust/changefeed?change_id=1&records=-3",
            &[],
        ),
        (
            Feed::Global,
            Cursor::After(id("1")),
            3,
            "/v2/_trust/changefeed?change_id=1&records=3",
            &["2", "3", "4"],
        ),
        (
            Feed::Global,
            Cursor::After(id("+3")),
            2,
            "/v2/_trust/changefeed?change_id=%2B3&records=2",
            &["4", "5"],
        ),
        (
            gun(WORDPRESS),
            Cursor::Start,
            2,
            "/v2/msr.example.org/library/wordpress/_trust/changefeed?change_id=0&records=2",
            &["1", "2"],
        ),
        (
            gun(WORDPRESS),
            Cursor::After(id("2")),
            2,
            "/v2/msr.example.org/library/wordpress/_trust/changefeed?change_id=2&records=2",
            &["3", "9"],
        ),
        (
            gun(WORDPRESS),
            Cursor::Latest,
            2,
            "/v2/msr.example.org/library/wordpress/_trust/changefeed?change_id=-1&records=-2",
            &["3", "9"],
        ),
        (
            gun(WORDPRESS),
            Cursor::Before(id("9")),
            2,
            "/v2/msr.example.org/library/wordpress/_trust/changefeed?change_id=9&records=-2",
            &["2", "3"],
        ),
        (
            gun(WORDPRESS),
            Cursor::Before(id("3")),
            10,
            "/v2/msr.example.org/library/wordpress/_trust/changefeed?change_id=3&records=-10",
            &["1", "2"],
        ),
        (
            gun(API),
            Cursor::Start,
            100,
            "/v2/msr.example.org/engineering/api/_trust/changefeed?change_id=0&records=100",
            &["4", "5", "8", "10"],
        ),
        (
            gun(API),
            Cursor::Latest,
            2,
            "/v2/msr.example.org/engineering/api/_trust/changefeed?change_id=-1&records=-2",
            &["8", "10"],
        ),
        (
            gun("msr.example.org/does/not-exist"),
            Cursor::Latest,
            10,
            "/v2/msr.example.org/does/not-exist/_trust/changefeed?change_id=-1&records=-10",
            &[],
        ),
    ];
    for (feed, cursor, size, line, ids) in cases {
        let request = PageRequest::new(feed, cursor, size);
        assert_eq!(request.path_and_query(), line);
        let section = sections
            .iter()
            .find(|s| s.target() == Some(line))
            .unwrap_or_else(|| panic!("no capture of {line}"));
        let page = Page::parse(section.response.as_ref().expect("an answer")).expect("a page");
        let got: Vec<&str> = page.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(got, ids, "{line}");
    }
}

/// Read a captured target back into the semantic request the builder would have sent for
/// it, if any.
fn infer(target: &str) -> Option<PageRequest> {
    let (path, query) = target.split_once('?')?;
    let feed = if path == "/v2/_trust/changefeed" {
        Feed::Global
    } else {
        let gun = path
            .strip_prefix("/v2/")?
            .strip_suffix("/_trust/changefeed")?;
        Feed::Repository(
            Gun::new(
                percent_encoding::percent_decode_str(gun)
                    .decode_utf8()
                    .ok()?,
            )
            .ok()?,
        )
    };
    let (change_id, records) = query.strip_prefix("change_id=")?.split_once("&records=")?;
    let change_id = percent_encoding::percent_decode_str(change_id)
        .decode_utf8()
        .ok()?;
    let records: i32 = records.parse().ok()?;
    let size = records.unsigned_abs();
    let cursor = match (change_id.as_ref(), records > 0) {
        ("0", true) => Cursor::Start,
        ("-1", false) => Cursor::Latest,
        (other, true) => Cursor::After(ChangeId::new(other).ok()?),
        (other, false) => Cursor::Before(ChangeId::new(other).ok()?),
    };
    Some(PageRequest::new(feed, cursor, size))
}

#[test]
fn the_builder_never_sends_what_it_must_not() {
    // Captured requests the builder can never produce, and why.
    let never: &[(&str, &str)] = &[
        (
            "/v2/_trust/changefeed?change_id=-1&records=3",
            "latest is always -1 with negative records",
        ),
        (
            "/v2/_trust/changefeed?change_id=-5&records=2",
            "-5 is not an id",
        ),
        (
            "/v2/msr.example.org/library/wordpress/_trust/changefeed?change_id=0&records=0",
            "records=0 means 100",
        ),
        (
            "/v2/_trust/changefeed?change_id=0&records=0",
            "records=0 means 100",
        ),
        (
            "/v2/_trust/changefeed?change_id=-1&records=0",
            "records=0 means 100",
        ),
        (
            "/v2/msr.example.org/library/wordpress/_trust/changefeed?change_id=0&records=abc",
            "records is a number",
        ),
        (
            "/v2/_trust/changefeed?change_id=0&records=abc",
            "records is a number",
        ),
        (
            "/v2/_trust/changefeed?change_id=abc&records=abc",
            "records is a number",
        ),
        (
            "/v2/msr.example.org/library/wordpress/_trust/changefeed?change_id=0&records=-1",
            "change_id=0 with negative records crashes notary",
        ),
        (
            "/v2/_trust/changefeed?change_id=0&records=-3",
            "change_id=0 with negative records crashes notary",
        ),
        (
            "/v2/_trust/changefeed?change_id=0&records=-2147483648",
            "change_id=0 with negative records crashes notary",
        ),
        (
            "/v2/msr.example.org/library/wordpress/_trust/changefeed/?change_id=0&records=1",
            "no trailing slash",
        ),
        (
            "/v2/_trust/changefeed/?change_id=0&records=1",
            "no trailing slash",
        ),
        (
            "/v2/_trust/changefeed?records=5",
            "change_id is always sent",
        ),
        (
            "/v2/_trust/changefeed?change_id=0",
            "records is always sent",
        ),
        (
            "/v2/_trust/changefeed?change_id=0&records=2147483647",
            "page sizes are clamped to 10000",
        ),
        (
            "/v2/_trust/changefeed?change_id=0&records=2147483648",
            "records is an int32",
        ),
        (
            "/v2/_trust/changefeed?change_id=0&records=%2B2",
            "no sign on positive records",
        ),
        (
            "/v2/_trust/changefeed?change_id=0&records=+2",
            "no sign on positive records",
        ),
        (
            "/v2/_trust/changefeed?change_id=&records=2",
            "an id is never empty",
        ),
        (
            "/v2/_trust/changefeed?change_id=0&records=2&change_id=5",
            "one change_id",
        ),
        (
            "/v2/msr.example.org/library/wordpress/_trust/tuf/timestamp.json",
            "not the changefeed",
        ),
        ("/v2/", "not the changefeed"),
        (
            "/v2/_trust/changefeed",
            "change_id and records are always sent",
        ),
        ("/v2/nope", "not the changefeed"),
        ("/_notary_server/health", "not the changefeed"),
    ];
    let mut canonical = 0;
    for section in fixture::all() {
        let Some(target) = section.target() else {
            continue;
        };
        let rebuilt = infer(target).map(|request| request.path_and_query());
        if rebuilt.as_deref() == Some(target) {
            canonical += 1;
            assert!(
                !never.iter().any(|(t, _)| *t == target),
                "{target} is listed as never sent, but the builder sends it"
            );
            continue;
        }
        assert!(
            never.iter().any(|(t, _)| *t == target),
            "{}: the builder does not reproduce it ({rebuilt:?}) and it is not listed",
            section.name()
        );
    }
    assert_eq!(canonical, 39);
    // And the forbidden ones really are impossible to build, whatever the input.
    for size in [0, 1, 3, 100, u32::MAX] {
        for cursor in [
            Cursor::Latest,
            Cursor::Before(id("1")),
            Cursor::Before(id("9")),
        ] {
            let request = PageRequest::new(Feed::Global, cursor, size);
            assert!(request.records() < 0);
            assert_ne!(request.change_id(), "0");
        }
        let latest = PageRequest::new(Feed::Global, Cursor::Latest, size);
        assert_eq!(latest.change_id(), "-1", "latest is never change_id=1");
    }
}

fn capture_store() -> FakeNotary {
    let mut fake = FakeNotary::new(Storage::Memory);
    for (id, created, gun, version, sha, category) in STORE {
        fake.seed(Change {
            id: id.to_string(),
            created: Timestamp::parse_rfc3339(created).unwrap(),
            created_text: created.to_string(),
            gun: gun.to_string(),
            version,
            sha256: sha.to_string(),
            category: if category == "update" {
                "update"
            } else {
                "deletion"
            },
        });
    }
    fake
}

/// The fake notary answers every captured (unauthenticated-store) changefeed request
/// exactly like notary-server 0.7.0 did: same status, same records, same `null` vs `[]`,
/// same error code and detail, same dropped connections.
#[test]
fn the_fake_notary_replays_every_capture() {
    let origin = Origin::parse("http://127.0.0.1:4443").unwrap();
    let mut fake = capture_store();
    let mut replayed = 0;
    for section in fixture::all() {
        if section.file.starts_with("auth") {
            continue;
        }
        let Some(target) = section.target().filter(|t| t.contains("_trust/changefeed")) else {
            continue;
        };
        let name = section.name();
        let request = http::Request::get(origin.url(target).unwrap())
            .body(Vec::new())
            .unwrap();
        let answer = fake.handle(Timestamp::from_secs(1_795_000_000), &request);
        replayed += 1;
        let (Some(want), Some(got)) = (&section.response, &answer) else {
            assert_eq!(
                section.response.is_none(),
                answer.is_none(),
                "{name}: dropped connection"
            );
            continue;
        };
        assert_eq!(got.status(), want.status(), "{name}");
        match (Page::parse(want), Page::parse(got)) {
            (Ok(want), Ok(got)) => assert_eq!(got, want, "{name}"),
            (Err(PageError::Api(want)), Err(PageError::Api(got))) => {
                assert_eq!((got.code, got.detail), (want.code, want.detail), "{name}");
            }
            (want, got) => panic!("{name}: want {want:?}, got {got:?}"),
        }
    }
    assert_eq!(replayed, 55);
    assert_eq!(
        fake.violations.len(),
        3,
        "the three crashing requests are flagged"
    );
}
