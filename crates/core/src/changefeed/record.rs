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
        if let Some(page) = fast::parse(body) {
            return Ok(page);
        }
        Page::parse_value(status, headers, body)
    }

    /// The general parser, through [`serde_json::Value`]: every tolerance rule and every
    /// error with its JSON path. [`Page::parse_parts`] tries `fast::parse` first.
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

/// The fast path of [`Page::parse_parts`]: a well-formed page read straight into records,
/// with borrowed strings and no intermediate [`Value`] tree (about three times faster on a
/// 1000-record page, which matters in the browser and the npm package).
///
/// It accepts exactly what the general parser accepts and builds the same [`Page`]; on
/// anything unusual (a wrong type, a missing `ID`, a reserved ID, `records` missing or not
/// an array, invalid JSON) it gives up with `None` and the general parser decides and
/// reports, with the JSON path. Duplicate keys keep the last value, as [`Value`] does.
mod fast {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use super::{Category, ChangeId, Page, Record};
    use crate::Timestamp;

    /// A well-formed page, or `None`.
    pub(super) fn parse(body: &[u8]) -> Option<Page> {
        let page: FastPage<'_> = serde_json::from_slice(body).ok()?;
        let (records, null_records) = match page.records? {
            None => (Vec::new(), true),
            Some(records) => (
                records
                    .into_iter()
                    .map(FastRecord::into_record)
                    .collect::<Option<Vec<_>>>()?,
                false,
            ),
        };
        Some(Page {
            records,
            count: page.count,
            null_records,
        })
    }

    /// `{"count","records"}`; `records`: missing (`None`), null (`Some(None)`) or a list.
    struct FastPage<'a> {
        count: Option<u64>,
        records: Option<Option<Vec<FastRecord<'a>>>>,
    }

    #[derive(Default)]
    struct FastRecord<'a> {
        id: Option<Cow<'a, str>>,
        created_at: Option<Cow<'a, str>>,
        gun: Option<Cow<'a, str>>,
        version: Option<i64>,
        sha256: Option<Cow<'a, str>>,
        category: Option<Cow<'a, str>>,
    }

    impl FastRecord<'_> {
        fn into_record(self) -> Option<Record> {
            let id = ChangeId::new(self.id?.into_owned()).ok()?;
            let created_at_raw = self.created_at.map(Cow::into_owned).unwrap_or_default();
            Some(Record {
                id,
                created_at: Timestamp::parse_rfc3339(&created_at_raw),
                created_at_raw,
                gun: self.gun?.into_owned(),
                version: self.version.unwrap_or(0),
                sha256: self
                    .sha256
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
                category: match self.category {
                    Some(text) => Category::parse(&text),
                    None => Category::Unknown(String::new()),
                },
            })
        }
    }

    fn fail<T, E: de::Error>() -> Result<T, E> {
        Err(E::custom("not the fast path"))
    }

    /// What one field may hold; anything else ends the fast path.
    #[derive(Clone, Copy)]
    enum Want {
        /// A string or null.
        Text,
        /// A string, an integer (kept as its decimal text) or null: `ID`.
        Id,
    }

    /// A string (borrowed when it has no escapes) or, for `ID`, an integer; null is `None`.
    struct TextField<'a>(Option<Cow<'a, str>>);

    struct TextVisitor(Want);

    impl<'de> Visitor<'de> for TextVisitor {
        type Value = TextField<'de>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or null")
        }

        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(TextField(Some(Cow::Borrowed(v))))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(TextField(Some(Cow::Owned(v.to_string()))))
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(TextField(Some(Cow::Owned(v))))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(TextField(None))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            match self.0 {
                Want::Id => Ok(TextField(Some(Cow::Owned(v.to_string())))),
                Want::Text => fail(),
            }
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            match self.0 {
                Want::Id => Ok(TextField(Some(Cow::Owned(v.to_string())))),
                Want::Text => fail(),
            }
        }
    }

    struct Text(Want);

    impl<'de> de::DeserializeSeed<'de> for Text {
        type Value = TextField<'de>;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(TextVisitor(self.0))
        }
    }

    /// `Version`: an integer that fits i64, or null.
    struct VersionField(Option<i64>);

    impl<'de> Deserialize<'de> for VersionField {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = VersionField;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an integer or null")
                }

                fn visit_i64<E: de::Error>(self, v: i64) -> Result<VersionField, E> {
                    Ok(VersionField(Some(v)))
                }

                fn visit_u64<E: de::Error>(self, v: u64) -> Result<VersionField, E> {
                    i64::try_from(v)
                        .map(|v| VersionField(Some(v)))
                        .or_else(|_| fail())
                }

                fn visit_unit<E: de::Error>(self) -> Result<VersionField, E> {
                    Ok(VersionField(None))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// `count`: a `u64` when it is one, otherwise `None` (as `Value::as_u64`).
    struct CountField(Option<u64>);

    impl<'de> Deserialize<'de> for CountField {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = CountField;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("any JSON value")
                }

                fn visit_u64<E: de::Error>(self, v: u64) -> Result<CountField, E> {
                    Ok(CountField(Some(v)))
                }

                fn visit_i64<E: de::Error>(self, _: i64) -> Result<CountField, E> {
                    Ok(CountField(None))
                }

                fn visit_f64<E: de::Error>(self, _: f64) -> Result<CountField, E> {
                    Ok(CountField(None))
                }

                fn visit_bool<E: de::Error>(self, _: bool) -> Result<CountField, E> {
                    Ok(CountField(None))
                }

                fn visit_str<E: de::Error>(self, _: &str) -> Result<CountField, E> {
                    Ok(CountField(None))
                }

                fn visit_unit<E: de::Error>(self) -> Result<CountField, E> {
                    Ok(CountField(None))
                }

                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CountField, A::Error> {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(CountField(None))
                }

                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CountField, A::Error> {
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(CountField(None))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// A key, unescaped.
    struct Key<'a>(Cow<'a, str>);

    impl<'de> Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let TextField(text) = d.deserialize_str(TextVisitor(Want::Text))?;
            text.map(Key).map_or_else(fail, Ok)
        }
    }

    impl<'de> Deserialize<'de> for FastRecord<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = FastRecord<'de>;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a changefeed record")
                }

                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut r = FastRecord::default();
                    while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                        let slot = match key.as_ref() {
                            "ID" => {
                                r.id = map.next_value_seed(Text(Want::Id))?.0;
                                continue;
                            }
                            "Version" => {
                                r.version = map.next_value::<VersionField>()?.0;
                                continue;
                            }
                            "CreatedAt" => &mut r.created_at,
                            "GUN" => &mut r.gun,
                            "SHA256" => &mut r.sha256,
                            "Category" => &mut r.category,
                            _ => {
                                map.next_value::<IgnoredAny>()?;
                                continue;
                            }
                        };
                        *slot = map.next_value_seed(Text(Want::Text))?.0;
                    }
                    Ok(r)
                }
            }
            d.deserialize_map(V)
        }
    }

    impl<'de> Deserialize<'de> for FastPage<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = FastPage<'de>;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a changefeed page")
                }

                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut page = FastPage {
                        count: None,
                        records: None,
                    };
                    while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                        match key.as_ref() {
                            "count" => page.count = map.next_value::<CountField>()?.0,
                            "records" => {
                                page.records =
                                    Some(map.next_value::<Option<Vec<FastRecord<'de>>>>()?);
                            }
                            _ => {
                                map.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(page)
                }
            }
            d.deserialize_map(V)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    /// The fast path accepts exactly what the general parser accepts, with the same page.
    fn same_as_general(body: &str) {
        let general = Page::parse_value(StatusCode::OK, &HeaderMap::new(), body.as_bytes());
        match (fast::parse(body.as_bytes()), general) {
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
            if fast::parse(body.as_bytes()).is_some_and(|p| !p.records.is_empty()) {
                fast_pages += 1;
            }
        }
        assert!(
            fast_pages > 50,
            "only {fast_pages} of 500 bodies took the fast path"
        );
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
