//! Changefeed requests: which feed, which cursor, how many records (msr-api.md §6).
//!
//! [`PageRequest`] maps a semantic [`Cursor`] to notary's `change_id`/`records` pair:
//!
//! | cursor            | `change_id` | `records` |
//! |-------------------|-------------|-----------|
//! | [`Cursor::Start`]     | `0`         | `+N` (sent as `N`) |
//! | [`Cursor::Latest`]    | `-1`        | `-N`      |
//! | [`Cursor::After`]`(id)`  | `id`        | `N`       |
//! | [`Cursor::Before`]`(id)` | `id`        | `-N`      |
//!
//! `N` is clamped to `1..=`[`MAX_PAGE_SIZE`] (notary reads `0` as "100"), sent as a plain
//! base-10 number with no `+` (an unencoded `+` is decoded as a space and rejected). A
//! [`ChangeId`] can never be `0`, empty or negative, so `change_id=0` is never combined with a
//! negative `records` (which crashes notary's memory storage) and "latest" is never spelled
//! `change_id=1` (which means "after record 1").

use std::fmt;

use http::{Method, Request, header};
use percent_encoding::{AsciiSet, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::Origin;

/// The largest page the builder asks for; larger sizes are clamped to it.
pub const MAX_PAGE_SIZE: u32 = 10_000;

/// The page size notary uses when asked for `records=0`, and this crate's default.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// The longest change ID accepted, in bytes (real IDs are at most 36: a UUID).
pub const MAX_CHANGE_ID_LEN: usize = 512;

/// The longest GUN accepted, in bytes. A Docker repository name, registry host included,
/// is at most 255 characters; this leaves room for registries that allow more while
/// keeping every feed URI far inside what `http::Uri` takes (its percent-encoded path is
/// at most three times as long, and a URI must stay under 64 KiB).
pub const MAX_GUN_LEN: usize = 1024;

use crate::origin::QUERY_VALUE;

/// A GUN path segment: like a query value, but `:` (a port in the host) stays as it is.
const PATH_SEGMENT: &AsciiSet = &QUERY_VALUE.remove(b':');

/// Why a change ID or a GUN was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CursorError {
    /// A change ID cannot be empty: notary reads an empty `change_id` as "from the start".
    #[error("a change id cannot be empty")]
    EmptyId,
    /// `0` and negative integers are notary's "start" and "latest" markers, never record IDs.
    #[error("`{0}` is a reserved change id (0 or negative), not a record id")]
    ReservedId(String),
    /// Longer than [`MAX_CHANGE_ID_LEN`] bytes.
    #[error("a change id longer than {MAX_CHANGE_ID_LEN} bytes is not a notary id")]
    IdTooLong,
    /// A GUN must be `<host>/<namespace>/<repo>`: non-empty segments, no `.` or `..`.
    #[error(
        "`{0}` is not a GUN: expected <host>/<namespace>/<repo> with no empty, `.` or `..` segments"
    )]
    InvalidGun(String),
    /// Longer than [`MAX_GUN_LEN`] bytes.
    #[error("a GUN longer than {MAX_GUN_LEN} bytes is not a repository name")]
    GunTooLong,
}

/// An opaque changefeed record ID, used as a cursor.
///
/// `"1"`, `"2"`, … on notary's memory/SQL storage (a global sequence), a UUID on MSR's
/// RethinkDB storage. IDs are never compared or ordered: order comes from the server. An ID
/// is never empty and never `0` or a negative integer (those are notary's "start" and "latest"
/// markers), so a cursor built from it cannot accidentally mean something else.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct ChangeId(String);

impl ChangeId {
    /// Accept `id` as a change ID unless it is empty, too long, `0` or a negative integer
    /// (by Go's `strconv.ParseInt` syntax: an optional sign and ASCII digits).
    pub fn new(id: impl Into<String>) -> Result<Self, CursorError> {
        let id = id.into();
        ChangeId::check(&id)?;
        Ok(ChangeId(id))
    }

    /// Whether [`ChangeId::new`] accepts `id` (without allocating).
    pub fn is_valid(id: &str) -> bool {
        ChangeId::check(id).is_ok()
    }

    fn check(id: &str) -> Result<(), CursorError> {
        if id.is_empty() {
            return Err(CursorError::EmptyId);
        }
        if id.len() > MAX_CHANGE_ID_LEN {
            return Err(CursorError::IdTooLong);
        }
        let (negative, digits) = match id.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, id.strip_prefix('+').unwrap_or(id)),
        };
        let integer = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        if integer && (negative || digits.bytes().all(|b| b == b'0')) {
            return Err(CursorError::ReservedId(id.to_string()));
        }
        Ok(())
    }

    /// The ID as the server sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChangeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ChangeId {
    type Error = CursorError;

    fn try_from(id: String) -> Result<Self, Self::Error> {
        ChangeId::new(id)
    }
}

impl From<ChangeId> for String {
    fn from(id: ChangeId) -> Self {
        id.0
    }
}

/// A globally unique repository name: `<msr host>[:port]/<namespace>/<repo>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Gun(String);

impl Gun {
    /// Accept `gun` unless it is empty, longer than [`MAX_GUN_LEN`] bytes, starts or ends
    /// with `/`, or has an empty, `.` or `..` segment (a proxy would normalise those, and a
    /// trailing slash is a 404 on notary).
    pub fn new(gun: impl Into<String>) -> Result<Self, CursorError> {
        let gun = gun.into();
        if gun.len() > MAX_GUN_LEN {
            return Err(CursorError::GunTooLong);
        }
        let bad = gun.is_empty()
            || gun
                .split('/')
                .any(|segment| segment.is_empty() || segment == "." || segment == "..");
        if bad {
            return Err(CursorError::InvalidGun(gun));
        }
        Ok(Gun(gun))
    }

    /// The GUN text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Gun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Gun {
    type Error = CursorError;

    fn try_from(gun: String) -> Result<Self, Self::Error> {
        Gun::new(gun)
    }
}

impl From<Gun> for String {
    fn from(gun: Gun) -> Self {
        gun.0
    }
}

/// Which changefeed to read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "gun", rename_all = "camelCase")]
pub enum Feed {
    /// `GET /v2/_trust/changefeed`: every repository; needs `registry:catalog:*` (admins).
    Global,
    /// `GET /v2/<gun>/_trust/changefeed`: one repository; needs `repository:<gun>:pull`.
    Repository(Gun),
}

impl Feed {
    /// The path of this feed, GUN segments percent-encoded, no trailing slash.
    pub fn path(&self) -> String {
        match self {
            Feed::Global => "/v2/_trust/changefeed".to_string(),
            Feed::Repository(gun) => {
                let mut path = String::from("/v2");
                for segment in gun.as_str().split('/') {
                    path.push('/');
                    path.extend(utf8_percent_encode(segment, PATH_SEGMENT));
                }
                path.push_str("/_trust/changefeed");
                path
            }
        }
    }

    /// The token scope notary asks for on this feed (a catalog token does NOT open a
    /// per-repository feed).
    pub fn required_scope(&self) -> String {
        match self {
            Feed::Global => "registry:catalog:*".to_string(),
            Feed::Repository(gun) => format!("repository:{gun}:pull"),
        }
    }
}

/// Where a page starts, in terms the user means; [`PageRequest`] maps it to notary's
/// parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "camelCase")]
pub enum Cursor {
    /// The oldest records: `change_id=0&records=N`.
    Start,
    /// The newest records: `change_id=-1&records=-N`.
    Latest,
    /// The records just after this one: `change_id=<id>&records=N`.
    After(ChangeId),
    /// The records just before this one: `change_id=<id>&records=-N`.
    Before(ChangeId),
}

impl Cursor {
    /// The record ID this cursor is anchored on, if any.
    pub fn id(&self) -> Option<&ChangeId> {
        match self {
            Cursor::After(id) | Cursor::Before(id) => Some(id),
            Cursor::Start | Cursor::Latest => None,
        }
    }

    /// Whether this cursor pages towards older records (a negative `records`).
    pub fn is_backward(&self) -> bool {
        matches!(self, Cursor::Latest | Cursor::Before(_))
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cursor::Start => f.write_str("start"),
            Cursor::Latest => f.write_str("latest"),
            Cursor::After(id) => write!(f, "after {id}"),
            Cursor::Before(id) => write!(f, "before {id}"),
        }
    }
}

/// Clamp a page size to `1..=`[`MAX_PAGE_SIZE`].
pub fn clamp_page_size(page_size: u32) -> u32 {
    page_size.clamp(1, MAX_PAGE_SIZE)
}

/// One changefeed page request: feed, cursor and page size.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    feed: Feed,
    cursor: Cursor,
    page_size: u32,
}

impl PageRequest {
    /// A request for up to `page_size` records (clamped to `1..=`[`MAX_PAGE_SIZE`]).
    pub fn new(feed: Feed, cursor: Cursor, page_size: u32) -> Self {
        PageRequest {
            feed,
            cursor,
            page_size: clamp_page_size(page_size),
        }
    }

    /// The feed.
    pub fn feed(&self) -> &Feed {
        &self.feed
    }

    /// The cursor.
    pub fn cursor(&self) -> &Cursor {
        &self.cursor
    }

    /// The (clamped) number of records asked for.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// The raw `change_id` value (before percent-encoding).
    pub fn change_id(&self) -> &str {
        match &self.cursor {
            Cursor::Start => "0",
            Cursor::Latest => "-1",
            Cursor::After(id) | Cursor::Before(id) => id.as_str(),
        }
    }

    /// The `records` value: the page size, negative when paging backward.
    pub fn records(&self) -> i32 {
        // `page_size` is at most MAX_PAGE_SIZE, far inside i32.
        let size = i32::try_from(self.page_size).unwrap_or(DEFAULT_PAGE_SIZE as i32);
        if self.cursor.is_backward() {
            -size
        } else {
            size
        }
    }

    /// `/v2/.../_trust/changefeed?change_id=<id>&records=<n>`, percent-encoded.
    pub fn path_and_query(&self) -> String {
        format!(
            "{}?change_id={}&records={}",
            self.feed.path(),
            utf8_percent_encode(self.change_id(), QUERY_VALUE),
            self.records()
        )
    }

    /// The `GET` request on `origin`. It carries no `Authorization` header: the auth layer
    /// adds the bearer token for [`Feed::required_scope`].
    pub fn to_http(&self, origin: &Origin) -> Request<Vec<u8>> {
        let mut request = Request::new(Vec::new());
        *request.method_mut() = Method::GET;
        *request.uri_mut() = origin
            .url(&self.path_and_query())
            // The GUN (at most MAX_GUN_LEN bytes), the change ID (MAX_CHANGE_ID_LEN) and the
            // origin's host (255) bound the URI to a few KiB, and every part is percent-encoded.
            .expect("a percent-encoded feed path is a valid URI on the origin");
        request.headers_mut().insert(
            header::ACCEPT,
            header::HeaderValue::from_static("application/json"),
        );
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ChangeId {
        ChangeId::new(s).unwrap()
    }

    fn wordpress() -> Feed {
        Feed::Repository(Gun::new("msr.example.org/library/wordpress").unwrap())
    }

    #[test]
    fn cursors_map_to_change_id_and_records() {
        let cases = [
            (Cursor::Start, 3, "change_id=0&records=3"),
            (Cursor::Latest, 3, "change_id=-1&records=-3"),
            (Cursor::After(id("9")), 3, "change_id=9&records=3"),
            (Cursor::Before(id("9")), 3, "change_id=9&records=-3"),
            (Cursor::Start, 0, "change_id=0&records=1"),
            (Cursor::Latest, u32::MAX, "change_id=-1&records=-10000"),
        ];
        for (cursor, size, query) in cases {
            let request = PageRequest::new(Feed::Global, cursor, size);
            assert_eq!(
                request.path_and_query(),
                format!("/v2/_trust/changefeed?{query}")
            );
        }
    }

    #[test]
    fn latest_is_never_change_id_one() {
        let request = PageRequest::new(wordpress(), Cursor::Latest, 2);
        assert_eq!(request.change_id(), "-1");
        assert_eq!(request.records(), -2);
    }

    #[test]
    fn reserved_and_bad_ids_are_rejected() {
        for bad in ["0", "00", "+0", "-0", "-1", "-5", "-99999999999"] {
            assert_eq!(
                ChangeId::new(bad),
                Err(CursorError::ReservedId(bad.to_string())),
                "{bad}"
            );
        }
        assert_eq!(ChangeId::new(""), Err(CursorError::EmptyId));
        assert_eq!(ChangeId::new("x".repeat(513)), Err(CursorError::IdTooLong));
        for good in [
            "1",
            "+3",
            "007",
            "-",
            "+",
            "1.5",
            "0x1",
            "-1a",
            " 0",
            "nonexistent",
        ] {
            assert!(ChangeId::new(good).is_ok(), "{good}");
        }
        let uuid = id("0a60ec31-d2aa-4565-9b74-4171a5083bef");
        let request = PageRequest::new(Feed::Global, Cursor::After(uuid), 5);
        assert_eq!(
            request.path_and_query(),
            "/v2/_trust/changefeed?change_id=0a60ec31-d2aa-4565-9b74-4171a5083bef&records=5"
        );
    }

    #[test]
    fn ids_are_percent_encoded() {
        let request = PageRequest::new(Feed::Global, Cursor::After(id("+3 a&b=c/%")), 2);
        assert_eq!(
            request.path_and_query(),
            "/v2/_trust/changefeed?change_id=%2B3%20a%26b%3Dc%2F%25&records=2"
        );
    }

    #[test]
    fn the_longest_gun_still_makes_a_request_and_a_longer_one_is_refused() {
        // Found by the `saved_state` fuzz target: a stored GUN of some 60 KB of `<` and `\\`
        // made a feed URI longer than `http::Uri` takes, and building the request panicked.
        let origin = Origin::parse(&format!("https://{}", "h".repeat(255))).unwrap();
        let segment = "<\\".repeat(100);
        let mut gun = String::from("msr.example.org");
        while gun.len() + 1 + segment.len() <= MAX_GUN_LEN {
            gun.push('/');
            gun.push_str(&segment);
        }
        let gun = format!("{gun}/{}", "%".repeat(MAX_GUN_LEN - gun.len() - 1));
        assert_eq!(gun.len(), MAX_GUN_LEN);
        let feed = Feed::Repository(Gun::new(gun.clone()).unwrap());
        let id = ChangeId::new("%".repeat(MAX_CHANGE_ID_LEN)).unwrap();
        let request = PageRequest::new(feed, Cursor::Before(id), MAX_PAGE_SIZE).to_http(&origin);
        assert!(request.uri().to_string().len() > 3 * MAX_GUN_LEN);
        assert_eq!(
            Gun::new(format!("{gun}x")),
            Err(CursorError::GunTooLong),
            "one byte over"
        );
        assert!(Origin::parse(&format!("https://{}", "h".repeat(256))).is_err());
    }

    #[test]
    fn gun_paths_are_encoded_per_segment_and_keep_the_port() {
        let feed = Feed::Repository(Gun::new("msr.example.org:443/my ns/repo#1").unwrap());
        assert_eq!(
            feed.path(),
            "/v2/msr.example.org:443/my%20ns/repo%231/_trust/changefeed"
        );
        assert_eq!(
            feed.required_scope(),
            "repository:msr.example.org:443/my ns/repo#1:pull"
        );
        assert_eq!(Feed::Global.required_scope(), "registry:catalog:*");
        for bad in ["", "/a/b", "a/b/", "a//b", "a/./b", "a/../b", "/"] {
            assert!(Gun::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn http_request_has_no_authorization() {
        let origin = Origin::parse("https://msr.example.org:8443").unwrap();
        let request = PageRequest::new(wordpress(), Cursor::Start, 100).to_http(&origin);
        assert_eq!(request.method(), Method::GET);
        assert_eq!(
            request.uri().to_string(),
            "https://msr.example.org:8443/v2/msr.example.org/library/wordpress/_trust/changefeed?change_id=0&records=100"
        );
        assert!(request.headers().get(header::AUTHORIZATION).is_none());
        assert!(request.body().is_empty());
    }

    #[test]
    fn serde_validates_ids_and_guns() {
        let cursor: Cursor = serde_json::from_str(r#"{"kind":"after","id":"12"}"#).unwrap();
        assert_eq!(cursor, Cursor::After(id("12")));
        assert!(serde_json::from_str::<Cursor>(r#"{"kind":"before","id":"0"}"#).is_err());
        let feed: Feed = serde_json::from_str(r#"{"kind":"repository","gun":"h/n/r"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&feed).unwrap(),
            r#"{"kind":"repository","gun":"h/n/r"}"#
        );
        assert_eq!(
            serde_json::to_string(&Feed::Global).unwrap(),
            r#"{"kind":"global"}"#
        );
        assert!(serde_json::from_str::<Feed>(r#"{"kind":"repository","gun":"h//r"}"#).is_err());
    }
}
