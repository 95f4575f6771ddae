//! Changefeed pages and records (msr-api.md §6).
//!
//! A 200 answer is `{"count":N,"records":[...]}` with `Content-Type: text/plain`; `records`
//! may be `null` or `[]`; records are oldest → newest, also when paging backward. Each record:
//! `{"ID","CreatedAt","GUN","Version","SHA256","Category"}`.
//!
//! Tolerance rules:
//! - The content type is not checked, except that an HTML page (an SSO login page or a proxy
//!   page answering 200) is an error, as is any body that is not JSON.
//! - `ID` may be a string or a JSON integer (kept as its decimal text); it must be a valid
//!   [`ChangeId`] because it becomes the next cursor.
//! - `CreatedAt` is parsed as RFC 3339 (ns or µs precision); the raw text is always kept, and
//!   a value that does not parse is not an error.
//! - `SHA256` is trimmed (SQL pads deletions with spaces); empty becomes `None`.
//! - An unknown `Category` is kept as [`Category::Unknown`]. Unknown extra fields are ignored.
//! - `Version`, `SHA256`, `CreatedAt` and `Category` may be missing or `null`.
//!
//! One malformed record (a wrong type, a missing `ID` or `GUN`, a reserved ID) rejects the
//! whole page with [`PageError::Record`], naming the record's index and JSON path. Skipping it
//! would be worse: the record would be lost silently, and a failed page never moves a cursor.

use http::{HeaderMap, Response, StatusCode};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::request::ChangeId;
use super::scan::{self, PageSummary, RecordView};
use crate::Timestamp;
use crate::error::{ApiError, ErrorKind, ParseError, excerpt, looks_like_html};

/// What a change did to a repository's trust data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Category {
    /// A publish of new trust data (a new timestamp version).
    Update,
    /// `notary delete --remote`: all trust data of the GUN removed.
    Deletion,
    /// A category this client does not know, kept as sent.
    Unknown(String),
}

impl Category {
    /// Read a category name (`update`, `deletion`, anything else kept).
    pub fn parse(text: &str) -> Self {
        match text {
            "update" => Category::Update,
            "deletion" => Category::Deletion,
            other => Category::Unknown(other.to_string()),
        }
    }

    /// The category name as the server spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Category::Update => "update",
            Category::Deletion => "deletion",
            Category::Unknown(other) => other,
        }
    }
}

impl Serialize for Category {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One changefeed record.
///
/// Serialized (for JavaScript) in camelCase, `createdAt` as Unix milliseconds or `null`:
/// `{"id","createdAt","createdAtRaw","gun","version","sha256","category"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The opaque record ID (the cursor for the next page).
    pub id: ChangeId,
    /// `CreatedAt` parsed, millisecond precision; `None` when it is missing or not RFC 3339.
    pub created_at: Option<Timestamp>,
    /// `CreatedAt` exactly as sent (empty when missing).
    pub created_at_raw: String,
    /// The repository: `<host>/<namespace>/<repo>`.
    pub gun: String,
    /// The timestamp.json version published; 0 for a deletion.
    pub version: i64,
    /// The sha256 of that version's `timestamp.json`, trimmed; `None` for a deletion.
    pub sha256: Option<String>,
    /// Update, deletion or unknown.
    pub category: Category,
}

impl Record {
    /// Read one record from its JSON value. Errors carry the field's path relative to the
    /// record, such as `ID` or `Version`.
    pub fn from_json(value: &Value) -> Result<Self, (String, String)> {
        let object = value.as_object().ok_or_else(|| {
            (
                String::new(),
                format!("expected an object, got {}", crate::error::json_kind(value)),
            )
        })?;
        let id = match field(object, "ID") {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Number(number)) if number.is_i64() || number.is_u64() => number.to_string(),
            Some(other) => return Err(wrong("ID", "a string", other)),
            None => return Err(missing("ID")),
        };
        let id = ChangeId::new(id).map_err(|e| ("ID".to_string(), e.to_string()))?;
        let created_at_raw = match field(object, "CreatedAt") {
            Some(Value::String(text)) => text.clone(),
            Some(other) => return Err(wrong("CreatedAt", "an RFC 3339 string", other)),
            None => String::new(),
        };
        let gun = match field(object, "GUN") {
            Some(Value::String(text)) => text.clone(),
            Some(other) => return Err(wrong("GUN", "a string", other)),
            None => return Err(missing("GUN")),
        };
        let version = match field(object, "Version") {
            Some(Value::Number(number)) => number
                .as_i64()
                .ok_or_else(|| wrong("Version", "an integer", &Value::Number(number.clone())))?,
            Some(other) => return Err(wrong("Version", "an integer", other)),
            None => 0,
        };
        let sha256 = match field(object, "SHA256") {
            Some(Value::String(text)) => Some(text.trim().to_string()).filter(|s| !s.is_empty()),
            Some(other) => return Err(wrong("SHA256", "a string", other)),
            None => None,
        };
        let category = match field(object, "Category") {
            Some(Value::String(text)) => Category::parse(text),
            Some(other) => return Err(wrong("Category", "a string", other)),
            None => Category::Unknown(String::new()),
        };
        Ok(Record {
            id,
            created_at: Timestamp::parse_rfc3339(&created_at_raw),
            created_at_raw,
            gun,
            version,
            sha256,
            category,
        })
    }
}

/// A field's value, with `null` read as missing.
fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).filter(|value| !value.is_null())
}

fn missing(name: &str) -> (String, String) {
    (name.to_string(), format!("missing field `{name}`"))
}

fn wrong(name: &str, expected: &str, got: &Value) -> (String, String) {
    (
        name.to_string(),
        format!("expected {expected}, got {}", crate::error::json_kind(got)),
    )
}

/// A changefeed page, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The records, in server order (oldest → newest).
    pub records: Vec<Record>,
    /// The server's `count` (the page length, not a total), when it sent a number.
    pub count: Option<u64>,
    /// Whether `records` was `null` rather than an array (memory storage past the end).
    pub null_records: bool,
}

impl Page {
    /// Parse a changefeed response: an error answer, an HTML page or a body that is not a
    /// page is a [`PageError`].
    pub fn parse(response: &Response<Vec<u8>>) -> Result<Self, PageError> {
        Page::parse_parts(response.status(), response.headers(), response.body())
    }

    /// [`Page::parse`] from the parts of a response.
    pub fn parse_parts(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self, PageError> {
        if !status.is_success() || looks_like_html(headers, body) {
            return Err(PageError::Api(ApiError::from_parts(status, headers, body)));
        }
        if let Some(page) = Page::scan_records(body) {
            return Ok(page);
        }
        Page::parse_value(status, headers, body)
    }

    /// Scan a well-formed page without building [`Record`]s: `each` gets every record,
    /// borrowed from `body`, in server order. `None` when the page is not in the shape
    /// notary writes (escaped strings, unknown or repeated keys, ...) or is not a valid
    /// page at all; then `each` may have been called for some records already: discard
    /// them and use [`Page::parse_parts`], which reads every page the scanner reads, with
    /// the same records, and also the rest, with errors.
    ///
    /// For a 2xx answer that is not HTML, `Page::scan` answering means `Page::parse_parts`
    /// answers `Ok` with exactly these records.
    pub fn scan<'a>(body: &'a [u8], each: impl FnMut(RecordView<'a>)) -> Option<PageSummary> {
        scan::scan(body, each)
    }

    /// [`Page::parse_parts`] without the fast path: the general parser alone. It exists so
    /// that the fuzz targets (`fuzz/`) can check that the scanner and the general parser
    /// agree; use [`Page::parse_parts`].
    #[doc(hidden)]
    pub fn parse_general(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self, PageError> {
        if !status.is_success() || looks_like_html(headers, body) {
            return Err(PageError::Api(ApiError::from_parts(status, headers, body)));
        }
        Page::parse_value(status, headers, body)
    }

    /// The fast path of [`Page::parse_parts`]: [`Page::scan`] into owned records.
    fn scan_records(body: &[u8]) -> Option<Page> {
        let mut records = Vec::new();
        let mut valid = true;
        let summary = scan::scan(body, |view| match view.to_record() {
            Some(record) => records.push(record),
            None => valid = false,
        })?;
        valid.then_some(Page {
            records,
            count: summary.count,
            null_records: summary.null_records,
        })
    }

    /// The general parser, through [`serde_json::Value`]: every tolerance rule and every
    /// error with its JSON path. [`Page::parse_parts`] tries [`Page::scan`] first.
    fn parse_value(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self, PageError> {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return Err(PageError::Api(ApiError::unexpected_body(
                status, headers, body,
            )));
        };
        let not_a_page = |path: &str, message: String| {
            PageError::NotAPage(ParseError {
                path: path.to_string(),
                message,
                excerpt: excerpt(body),
            })
        };
        let Value::Object(object) = value else {
            return Err(not_a_page(
                ".",
                format!(
                    "expected an object, got {}",
                    crate::error::json_kind(&value)
                ),
            ));
        };
        let (records, null_records) = match object.get("records") {
            Some(Value::Array(records)) => (records.as_slice(), false),
            Some(Value::Null) => (&[][..], true),
            Some(other) => {
                return Err(not_a_page(
                    "records",
                    format!(
                        "expected an array or null, got {}",
                        crate::error::json_kind(other)
                    ),
                ));
            }
            None => return Err(not_a_page("records", "missing field `records`".into())),
        };
        let records = records
            .iter()
            .enumerate()
            .map(|(index, value)| {
                Record::from_json(value).map_err(|(field, message)| {
                    let path = if field.is_empty() {
                        format!("records[{index}]")
                    } else {
                        format!("records[{index}].{field}")
                    };
                    PageError::Record {
                        index,
                        error: ParseError {
                            path,
                            message,
                            excerpt: excerpt(value.to_string().as_bytes()),
                        },
                    }
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page {
            records,
            count: object.get("count").and_then(Value::as_u64),
            null_records,
        })
    }
}

/// Why a changefeed response is not a page.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    /// An error answer (any non-2xx), or a 2xx that is an HTML page or not JSON at all.
    #[error("{0}")]
    Api(ApiError),
    /// JSON, but not a changefeed page (no `records` array).
    #[error("not a changefeed page: {0}")]
    NotAPage(ParseError),
    /// One record is malformed; the whole page is rejected.
    #[error("changefeed record {index} is malformed: {error}")]
    Record {
        /// The record's index in `records`.
        index: usize,
        /// The JSON path (`records[3].Version`), what was wrong, and an excerpt of the record.
        error: ParseError,
    },
}

impl PageError {
    /// The error kind: the status's kind for an error answer, otherwise
    /// [`ErrorKind::UnexpectedBody`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            PageError::Api(error) => error.kind,
            PageError::NotAPage(_) | PageError::Record { .. } => ErrorKind::UnexpectedBody,
        }
    }

    /// The error answer, when this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            PageError::Api(error) => Some(error),
            PageError::NotAPage(_) | PageError::Record { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    /// The fast path accepts exactly what the general parser accepts, with the same page,
    /// and [`Page::parse_parts`] answers as the general parser does (records and errors).
    fn same_as_general(body: &str) {
        let general = Page::parse_value(StatusCode::OK, &HeaderMap::new(), body.as_bytes());
        let both = Page::parse_parts(StatusCode::OK, &HeaderMap::new(), body.as_bytes());
        assert_eq!(both, general, "{body}");
        let mut views = Vec::new();
        if let Some(summary) = Page::scan(body.as_bytes(), |view| views.push(view.to_record())) {
            let Ok(general) = &general else {
                panic!("{body}: scanned, but the general parser says {general:?}")
            };
            assert_eq!(summary.records, views.len(), "{body}");
            assert_eq!(
                (summary.count, summary.null_records),
                (general.count, general.null_records),
                "{body}"
            );
            let views: Vec<Record> = views.into_iter().flatten().collect();
            assert_eq!(views, general.records, "{body}");
        }
        match (Page::scan_records(body.as_bytes()), general) {
            (Some(fast), Ok(general)) => assert_eq!(fast, general, "{body}"),
            // The fast path may always decline (the general parser then decides): a body
            // with a duplicate key whose first value has the wrong type is one such case.
            // That it does not decline well-formed pages is checked separately.
            (None, _) => {}
            (fast, general) => panic!("{body}: fast {fast:?} vs general {general:?}"),
        }
    }

    #[test]
    fn fast_path_agrees_with_the_general_parser_on_known_bodies() {
        for body in [
            DELETION_SQL,
            r#"{"count":0,"records":null}"#,
            r#"{"count":0,"records":[]}"#,
            r#"{"records":[{"ID":17,"GUN":"g","CreatedAt":"yesterday","Category":"rename","Extra":{"x":[1]},"SHA256":" ab "}],"count":"many"}"#,
            r#"{"records":[{"ID":"a","GUN":"g","CreatedAt":null,"Version":null,"SHA256":null,"Category":null}]}"#,
            r#"{"records":[{"ID":"1","GUN":"g"},{"ID":"2","GUN":"g","Version":"3"}]}"#,
            r#"{"records":[{"I\u0044":"1","GUN":"h\/n\/r","Version":-3}],"count":1.0}"#,
            r#"{"records":[{"ID":"1","ID":null,"GUN":"g"}]}"#,
            r#"{"records":[{"ID":"1","GUN":"g"}],"records":null}"#,
            r#"{"records":[{"ID":"1","GUN":"g","Version":9223372036854775808}]}"#,
            r#"{"records":[{"ID":"1","GUN":"g"}, null]}"#,
            r#"{"records":{"a":1}}"#,
            "{}",
            "[]",
            r#"{"records":[]} trailing"#,
        ] {
            same_as_general(body);
        }
    }

    fn json_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("null".to_string()),
            prop::sample::select(vec![
                r#""""#,
                r#""  ""#,
                r#""1""#,
                r#""0""#,
                r#""-1""#,
                r#""abc""#,
                r#""a\"b""#,
                r#""\u0041\n""#,
                r#""2026-11-26T12:49:38.190589884Z""#,
                r#""deletion""#,
                r#""update""#,
                r#""h/ns/repo""#,
            ])
            .prop_map(str::to_string),
            prop::sample::select(vec![
                "0",
                "1",
                "-1",
                "7",
                "9223372036854775807",
                "18446744073709551615",
                "99999999999999999999",
                "1.5",
                "1e3",
                "-0",
            ])
            .prop_map(str::to_string),
            prop::sample::select(vec![
                "true",
                "false",
                "[]",
                "[1,\"x\"]",
                "{}",
                r#"{"a":null}"#
            ])
            .prop_map(str::to_string),
        ]
    }

    fn json_record() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec![
            "ID",
            "CreatedAt",
            "GUN",
            "Version",
            "SHA256",
            "Category",
            "Extra",
            "id",
        ]);
        prop_oneof![
            1 => json_value(),
            9 => prop::collection::vec((key, json_value()), 0..9).prop_map(|fields| {
                let body: Vec<String> =
                    fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    }

    /// Mostly well-formed records, with odd fields mixed in.
    fn plausible_record() -> impl Strategy<Value = String> {
        let field = |key: &'static str, good: Vec<&'static str>| {
            prop_oneof![
                6 => prop::sample::select(good).prop_map(move |v| Some(format!("\"{key}\":{v}"))),
                1 => Just(None),
                1 => json_value().prop_map(move |v| Some(format!("\"{key}\":{v}"))),
            ]
        };
        (
            field(
                "ID",
                vec![
                    r#""1""#,
                    r#""42""#,
                    "7",
                    r#""0a60ec31-d2aa-4565-9b74-4171a5083bef""#,
                ],
            ),
            field(
                "CreatedAt",
                vec![
                    r#""2026-11-26T12:49:38.19Z""#,
                    r#""2026-11-26T12:49:38.190589Z""#,
                    r#""soon""#,
                ],
            ),
            field(
                "GUN",
                vec![r#""h/ns/repo""#, r#""msr.example.org:443/a/b""#],
            ),
            field("Version", vec!["0", "1", "12"]),
            field("SHA256", vec![r#""""#, r#""ab""#, r#""    ""#]),
            field("Category", vec![r#""update""#, r#""deletion""#]),
        )
            .prop_map(|(a, b, c, d, e, f)| {
                let fields: Vec<String> = [a, b, c, d, e, f].into_iter().flatten().collect();
                format!("{{{}}}", fields.join(","))
            })
    }

    #[test]
    fn fast_path_agrees_with_the_general_parser() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::{Config, TestRunner};
        let records = prop_oneof![
            1 => Just(None),
            1 => Just(Some("null".to_string())),
            1 => json_value().prop_map(Some),
            3 => prop::collection::vec(json_record(), 0..4)
                .prop_map(|r| Some(format!("[{}]", r.join(",")))),
            6 => prop::collection::vec(plausible_record(), 0..4)
                .prop_map(|r| Some(format!("[{}]", r.join(",")))),
        ];
        let body = (records, prop::option::of(json_value())).prop_map(|(records, count)| {
            let mut fields = Vec::new();
            if let Some(count) = count {
                fields.push(format!("\"count\":{count}"));
            }
            if let Some(records) = records {
                fields.push(format!("\"records\":{records}"));
            }
            format!("{{{}}}", fields.join(","))
        });
        let mut fast_pages = 0;
        let mut runner = TestRunner::new(Config::with_cases(2000));
        runner
            .run(&body, |body| {
                same_as_general(&body);
                Ok(())
            })
            .unwrap();
        // The corpus must exercise the fast path itself, not only the fallback.
        let mut runner = TestRunner::deterministic();
        for _ in 0..500 {
            let body = body.new_tree(&mut runner).unwrap().current();
            same_as_general(&body);
            if Page::scan_records(body.as_bytes()).is_some_and(|p| !p.records.is_empty()) {
                fast_pages += 1;
            }
        }
        assert!(
            fast_pages > 20,
            "only {fast_pages} of 500 bodies took the fast path"
        );
    }

    /// Pages in the shape notary writes, with the freedom JSON allows (field order,
    /// whitespace, nulls, missing optional fields, integer IDs, non-ASCII text).
    fn well_formed_page() -> impl Strategy<Value = String> {
        let text = prop::sample::select(vec![
            "",
            "  ",
            "h/ns/repo",
            "msr.example.org:443/ns/ünï",
            "😀",
            "2026-11-26T12:49:38.190589884Z",
            "2026-11-26T12:49:38.190589Z",
            "2024-02-29T00:00:00Z",
            "2026-11-26T13:49:38+01:00",
            "not a time",
            "update",
            "deletion",
            "           ab ",
        ]);
        let id = prop_oneof![
            prop::sample::select(vec![r#""1""#, r#""0a60ec31-d2aa""#, r#""+5""#, r#""x y""#])
                .prop_map(str::to_string),
            (1u64..u64::MAX).prop_map(|n| n.to_string()),
        ];
        let ws = prop::sample::select(vec!["", " ", "\n  ", "\t", "\r\n"]);
        let optional = |key: &'static str, value: BoxedStrategy<String>| {
            prop_oneof![
                2 => value.prop_map(move |v| Some(format!("\"{key}\":{v}"))),
                1 => Just(Some(format!("\"{key}\":null"))),
                1 => Just(None),
            ]
        };
        let quoted = text.clone().prop_map(|t| format!("\"{t}\"")).boxed();
        let record = (
            id.prop_map(|id| format!("\"ID\":{id}")),
            text.prop_map(|t| format!("\"GUN\":\"{t}\"")),
            optional("CreatedAt", quoted.clone()),
            optional(
                "Version",
                (-5i64..100_000).prop_map(|v| v.to_string()).boxed(),
            ),
            optional("SHA256", quoted.clone()),
            optional("Category", quoted),
            ws.clone(),
            any::<prop::sample::Index>(),
        )
            .prop_map(|(id, gun, created, version, sha, category, ws, order)| {
                let mut fields: Vec<String> =
                    [Some(id), Some(gun), created, version, sha, category]
                        .into_iter()
                        .flatten()
                        .collect();
                let len = fields.len();
                fields.rotate_left(order.index(len));
                format!("{{{ws}{}{ws}}}", fields.join(&format!(",{ws}")))
            });
        let records = prop_oneof![
            1 => Just("null".to_string()),
            6 => prop::collection::vec(record, 0..6).prop_map(|r| format!("[{}]", r.join(","))),
        ];
        (records, prop::option::of(0u64..2000), ws, any::<bool>()).prop_map(
            |(records, count, ws, count_first)| {
                let count = count.map(|c| format!("\"count\":{ws}{c}"));
                let records = format!("\"records\":{ws}{records}");
                let fields: Vec<String> = if count_first {
                    count.into_iter().chain([records]).collect()
                } else {
                    [records].into_iter().chain(count).collect()
                };
                format!("{ws}{{{}}}{ws}", fields.join(","))
            },
        )
    }

    #[test]
    fn scanner_reads_every_well_formed_page() {
        use proptest::test_runner::{Config, TestRunner};
        let mut runner = TestRunner::new(Config::with_cases(3000));
        runner
            .run(&well_formed_page(), |body| {
                same_as_general(&body);
                prop_assert!(
                    Page::scan_records(body.as_bytes()).is_some(),
                    "the scanner declined {body}"
                );
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn scanner_declines_what_it_does_not_read_exactly() {
        for body in [
            r#"{"records":[{"ID":"1","GUN":"a\/b"}]}"#,
            r#"{"records":[{"ID":"1","GUN":"g","Extra":1}]}"#,
            r#"{"records":[{"ID":"1","GUN":"g","GUN":"h"}]}"#,
            r#"{"records":[{"ID":"1","GUN":"g","Version":1.0}]}"#,
            r#"{"records":[{"ID":"1","GUN":"g","Version":-0}]}"#,
            r#"{"records":[{"ID":"1","GUN":"g","Version":01}]}"#,
            r#"{"records":[{"ID":"0","GUN":"g"}]}"#,
            r#"{"records":[{"ID":-1,"GUN":"g"}]}"#,
            r#"{"records":[{"ID":"1"}]}"#,
            r#"{"records":[],"count":-1}"#,
            r#"{"records":[]} x"#,
            r#"{"records":[],}"#,
            r#"{"records":[{"ID":"1","GUN":"g"},]}"#,
            "{\"records\":[{\"ID\":\"1\",\"GUN\":\"a\tb\"}]}",
            "{}",
            "{ }",
            "[]",
            r#"{"records":[]"#,
            r#"{"records":[] "count":1}"#,
            r#"{"records":[],"records":[]}"#,
            r#"{"count":1,"count":1,"records":[]}"#,
            r#"{"records":[{"ID":"1","GUN":"g"} {"ID":"2","GUN":"g"}]}"#,
            r#"{"records":[{"ID":"1","GUN":"g"}],"count":1,}"#,
            r#"{,"records":[]}"#,
        ] {
            assert_eq!(Page::scan(body.as_bytes(), |_| {}), None, "{body}");
            same_as_general(body);
        }
    }
    use http::header;

    fn page(status: u16, content_type: &str, body: &[u8]) -> Result<Page, PageError> {
        let mut headers = HeaderMap::new();
        if !content_type.is_empty() {
            headers.insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        }
        Page::parse_parts(StatusCode::from_u16(status).unwrap(), &headers, body)
    }

    fn ok(body: &str) -> Result<Page, PageError> {
        page(200, "text/plain; charset=utf-8", body.as_bytes())
    }

    const DELETION_SQL: &str = r#"{"count":1,"records":[{"ID":"8","CreatedAt":"2026-11-26T12:49:38.519880Z","GUN":"h/n/r","Version":0,"SHA256":"                                                                ","Category":"deletion"}]}"#;

    #[test]
    fn null_and_empty_records() {
        let p = ok(r#"{"count":0,"records":null}"#).unwrap();
        assert!(p.records.is_empty() && p.null_records);
        assert_eq!(p.count, Some(0));
        let p = ok(" \n{\"count\":0,\"records\":[]}\n").unwrap();
        assert!(p.records.is_empty() && !p.null_records);
    }

    #[test]
    fn sql_deletion_padding_is_trimmed() {
        let p = ok(DELETION_SQL).unwrap();
        let r = &p.records[0];
        assert_eq!(r.sha256, None);
        assert_eq!(r.category, Category::Deletion);
        assert_eq!(r.version, 0);
        assert_eq!(
            r.created_at.unwrap().to_rfc3339(),
            "2026-11-26T12:49:38.519Z"
        );
    }

    #[test]
    fn tolerant_fields() {
        let p = ok(r#"{"records":[{"ID":17,"GUN":"g","CreatedAt":"yesterday","Category":"rename","Extra":{"x":[1]},"SHA256":" ab "}],"count":"many"}"#).unwrap();
        let r = &p.records[0];
        assert_eq!(r.id.as_str(), "17");
        assert_eq!(
            (r.created_at, r.created_at_raw.as_str()),
            (None, "yesterday")
        );
        assert_eq!(r.category, Category::Unknown("rename".into()));
        assert_eq!(r.sha256.as_deref(), Some("ab"));
        assert_eq!(r.version, 0);
        assert_eq!(p.count, None);
        let p = ok(r#"{"records":[{"ID":"a","GUN":"g","CreatedAt":null,"Version":null,"SHA256":null,"Category":null}]}"#).unwrap();
        assert_eq!(p.records[0].category, Category::Unknown(String::new()));
        assert_eq!(p.records[0].created_at_raw, "");
    }

    #[test]
    fn malformed_record_names_its_index_and_field() {
        let cases = [
            (
                r#"{"records":[{"ID":"1","GUN":"g"},{"ID":"2","GUN":"g","Version":"3"}]}"#,
                1,
                "records[1].Version",
            ),
            (r#"{"records":[{"GUN":"g"}]}"#, 0, "records[0].ID"),
            (r#"{"records":[{"ID":"1"}]}"#, 0, "records[0].GUN"),
            (r#"{"records":[{"ID":"0","GUN":"g"}]}"#, 0, "records[0].ID"),
            (r#"{"records":[{"ID":-1,"GUN":"g"}]}"#, 0, "records[0].ID"),
            (r#"{"records":[{"ID":1.5,"GUN":"g"}]}"#, 0, "records[0].ID"),
            (
                r#"{"records":[{"ID":"1","GUN":"g","Version":1e30}]}"#,
                0,
                "records[0].Version",
            ),
            (
                r#"{"records":[{"ID":"1","GUN":"g","Version":99999999999999999999}]}"#,
                0,
                "records[0].Version",
            ),
            (
                r#"{"records":[{"ID":"1","GUN":"g","Category":7}]}"#,
                0,
                "records[0].Category",
            ),
            (
                r#"{"records":[{"ID":"1","GUN":["g"]}]}"#,
                0,
                "records[0].GUN",
            ),
            (r#"{"records":[{"ID":"1","GUN":"g"}, 5]}"#, 1, "records[1]"),
        ];
        for (body, want_index, want_path) in cases {
            match ok(body) {
                Err(PageError::Record { index, error }) => {
                    assert_eq!(
                        (index, error.path.as_str()),
                        (want_index, want_path),
                        "{body}"
                    );
                }
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn not_a_page() {
        for (body, path) in [
            ("{}", "records"),
            (r#"{"errors":[{"code":"UNKNOWN"}]}"#, "records"),
            (r#"{"records":{"a":1}}"#, "records"),
            ("[]", "."),
            ("42", "."),
        ] {
            match ok(body) {
                Err(e @ PageError::NotAPage(_)) => {
                    assert_eq!(e.kind(), ErrorKind::UnexpectedBody);
                    let PageError::NotAPage(p) = e else {
                        unreachable!()
                    };
                    assert_eq!(p.path, path, "{body}");
                }
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn html_empty_truncated_and_binary_bodies_are_errors() {
        let login = page(200, "text/html", b"<html><body>Sign in</body></html>").unwrap_err();
        assert_eq!(login.kind(), ErrorKind::UnexpectedBody);
        assert_eq!(login.api().map(|e| e.status), Some(200));
        let sniffed = page(200, "text/plain", b"\n<!DOCTYPE html><html>").unwrap_err();
        assert_eq!(sniffed.kind(), ErrorKind::UnexpectedBody);
        for body in [
            &b""[..],
            b"   ",
            b"{\"count\":1,\"records\":[{\"ID\"",
            b"\xff\xfe{}",
            b"null",
        ] {
            let error = page(200, "application/json", body).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::UnexpectedBody, "{body:?}");
        }
    }

    #[test]
    fn error_answers_are_normalised() {
        let e = page(400, "application/json", br#"{"errors":[{"code":"INVALID_PARAMETERS","message":"The parameters provided are not valid.","detail":{}}]}"#).unwrap_err();
        let api = e.api().unwrap();
        assert_eq!((api.kind, api.status), (ErrorKind::BadRequest, 400));
        assert!(api.is_code("INVALID_PARAMETERS"));
        // A 4xx with a valid page body is still an error.
        let e = page(404, "text/plain", br#"{"count":0,"records":[]}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e = page(503, "text/html", b"<h1>503</h1>").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
    }

    #[test]
    fn records_serialize_in_camel_case() {
        let p = ok(DELETION_SQL).unwrap();
        let json = serde_json::to_value(&p.records[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": "8",
                "createdAt": p.records[0].created_at.unwrap().as_millis(),
                "createdAtRaw": "2026-11-26T12:49:38.519880Z",
                "gun": "h/n/r",
                "version": 0,
                "sha256": null,
                "category": "deletion"
            })
        );
    }
}
