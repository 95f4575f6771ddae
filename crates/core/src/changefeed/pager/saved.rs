//! [`SavedState::from_json`]: a saved position read by hand from a [`Json`] value.
//!
//! The derived `Deserialize` impl of [`SavedState`] stays (and is the reference), but the
//! npm package reads positions with this function instead: serde's typed deserializers
//! bring tens of kilobytes into its WebAssembly (error formatting down to floats) that
//! nothing else there needs. The tests compare both readers on mutated saved states.

use crate::json::{Json, JsonObject};

use super::{Begin, FollowFrom, Mode, SavedState};
use crate::changefeed::request::{ChangeId, Feed, Gun};

/// The fields of a saved state, in the order `from_json` reads them.
const NAMES: [&str; 13] = [
    "format",
    "feed",
    "mode",
    "begin",
    "started",
    "newest",
    "oldest",
    "reachedStart",
    "recentIds",
    "nextRequestId",
    "recordsEmitted",
    "pages",
    "origin",
];

impl SavedState {
    /// Read a position from the JSON text of a saved state (`serde_json::to_string` of
    /// [`Pager::save`](super::Pager::save)), or `None` when it is not one. Accepts what the
    /// derived `Deserialize` impl accepts, except that a repeated key is not an error (the
    /// last value wins).
    pub fn from_json(text: &str) -> Option<SavedState> {
        let value = Json::parse(text.as_bytes()).ok()?;
        let fields = Fields::of(&value, &NAMES)?;
        Some(SavedState {
            format: u32::try_from(fields.get(0)?.as_u64()?).ok()?,
            feed: feed(fields.get(1)?)?,
            mode: mode(fields.get(2)?)?,
            begin: match unit_variant(fields.get(3)?)? {
                "start" => Begin::Start,
                "latest" => Begin::Latest,
                _ => return None,
            },
            started: fields.get(4)?.as_bool()?,
            newest: optional_id(fields.optional(5))?,
            oldest: optional_id(fields.optional(6))?,
            reached_start: fields.get(7)?.as_bool()?,
            recent_ids: {
                let Json::Array(ids) = fields.get(8)? else {
                    return None;
                };
                let mut recent = Vec::with_capacity(ids.len());
                for id in ids {
                    recent.push(change_id(id)?);
                }
                recent
            },
            next_request_id: fields.get(9)?.as_u64()?,
            records_emitted: fields.get(10)?.as_u64()?,
            pages: fields.get(11)?.as_u64()?,
            origin: match fields.optional(12) {
                Json::Null => None,
                other => Some(other.as_str()?.to_owned()),
            },
        })
    }
}

/// The fields of a serialized struct: an object (fields by name, unknown names ignored)
/// or an array with one element per field, in order — the last field (`origin`, which
/// has a default) may be missing, as serde allows.
enum Fields<'a> {
    Object(&'a JsonObject, &'a [&'a str]),
    Array(&'a [Json]),
}

impl<'a> Fields<'a> {
    fn of(value: &'a Json, names: &'a [&'a str]) -> Option<Self> {
        match value {
            Json::Object(map) => Some(Fields::Object(map, names)),
            Json::Array(items) if items.len() == names.len() || items.len() + 1 == names.len() => {
                Some(Fields::Array(items))
            }
            _ => None,
        }
    }

    /// A required field.
    fn get(&self, index: usize) -> Option<&'a Json> {
        match self {
            Fields::Object(map, names) => map.get(names.get(index)?),
            Fields::Array(items) => items.get(index),
        }
    }

    /// An `Option` field: missing reads as `null`.
    fn optional(&self, index: usize) -> &'a Json {
        self.get(index).unwrap_or(&Json::Null)
    }
}

fn change_id(value: &Json) -> Option<ChangeId> {
    ChangeId::new(value.as_str()?).ok()
}

/// `Option<ChangeId>`: `null` or an ID; `Some(None)` for `null`.
fn optional_id(value: &Json) -> Option<Option<ChangeId>> {
    match value {
        Json::Null => Some(None),
        other => change_id(other).map(Some),
    }
}

/// An externally tagged enum: its variant name and the content (`None` for a bare
/// string, which only a unit variant can be).
fn variant(value: &Json) -> Option<(&str, Option<&Json>)> {
    match value {
        Json::String(name) => Some((name, None)),
        Json::Object(map) if map.len() == 1 => {
            let (name, content) = map.iter().next()?;
            Some((name, Some(content)))
        }
        _ => None,
    }
}

/// A unit variant: `"name"` or `{"name": null}`.
fn unit_variant(value: &Json) -> Option<&str> {
    match variant(value)? {
        (name, None | Some(Json::Null)) => Some(name),
        _ => None,
    }
}

fn mode(value: &Json) -> Option<Mode> {
    match variant(value)? {
        ("follow", Some(from)) => Some(Mode::Follow(match unit_variant(from)? {
            "start" => FollowFrom::Start,
            "latest" => FollowFrom::Latest,
            _ => return None,
        })),
        ("follow", None) => None,
        (name, None | Some(Json::Null)) => match name {
            "backfill" => Some(Mode::Backfill),
            "newestFirst" => Some(Mode::NewestFirst),
            _ => None,
        },
        _ => None,
    }
}

/// `{"kind":"global"}` or `{"kind":"repository","gun":"h/n/r"}` (adjacently tagged), or
/// the same as a pair: `["global",null]`, `["repository","h/n/r"]`.
fn feed(value: &Json) -> Option<Feed> {
    let (kind, content) = match value {
        Json::Object(map) => (map.get("kind")?, map.get("gun")),
        Json::Array(items) if items.len() == 2 => (items.first()?, items.get(1)),
        _ => return None,
    };
    match (kind.as_str()?, content) {
        ("global", None | Some(Json::Null)) => Some(Feed::Global),
        ("repository", Some(gun)) => Some(Feed::Repository(Gun::new(gun.as_str()?).ok()?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use serde_json::{Value, json};

    use super::{NAMES, SavedState};

    fn valid() -> Value {
        json!({
            "format": 1,
            "feed": {"kind": "repository", "gun": "msr.example.org/ns/repo"},
            "mode": {"follow": "latest"},
            "begin": "start",
            "started": true,
            "newest": "12",
            "oldest": null,
            "reachedStart": false,
            "recentIds": ["10", "11", "12"],
            "nextRequestId": 7,
            "recordsEmitted": 3,
            "pages": 2,
            "origin": "https://msr.example.org"
        })
    }

    /// Values a field may be replaced with: right and wrong types, every enum form.
    fn replacement() -> impl Strategy<Value = Value> {
        prop::sample::select(vec![
            json!(null),
            json!(true),
            json!(0),
            json!(1),
            json!(-1),
            json!(1.0),
            json!(4_294_967_296u64),
            json!(""),
            json!("0"),
            json!("7"),
            json!("start"),
            json!("latest"),
            json!("backfill"),
            json!("newestFirst"),
            json!("follow"),
            json!({"follow": "start"}),
            json!({"follow": {"latest": null}}),
            json!({"follow": null}),
            json!({"backfill": null}),
            json!({"backfill": 1}),
            json!({"start": null}),
            json!({"newestFirst": null, "backfill": null}),
            json!({"kind": "global"}),
            json!({"kind": "global", "gun": null}),
            json!({"kind": "global", "gun": "h/n/r"}),
            json!({"kind": "repository"}),
            json!({"kind": "repository", "gun": "h/n/r", "x": 1}),
            json!({"kind": "repository", "gun": "h//r"}),
            json!({"gun": "h/n/r", "kind": "repository"}),
            json!(["repository", "h/n/r"]),
            json!(["global"]),
            json!(["global", null]),
            json!([]),
            json!(["1", "2"]),
            json!(["1", 2]),
            json!(["0"]),
        ])
    }

    fn field() -> impl Strategy<Value = &'static str> {
        let mut names = NAMES.to_vec();
        names.push("extra");
        prop::sample::select(names)
    }

    /// A change to a valid state: replace or remove a field.
    fn edits() -> impl Strategy<Value = Vec<(&'static str, Option<Value>)>> {
        prop::collection::vec((field(), prop::option::weighted(0.85, replacement())), 0..4)
    }

    /// Both readers agree; whether they read a state.
    fn same(text: &str) -> bool {
        let derived = serde_json::from_str::<SavedState>(text).ok();
        assert_eq!(SavedState::from_json(text), derived, "{text}");
        derived.is_some()
    }

    #[test]
    fn reads_what_the_derived_impl_reads() {
        same(&valid().to_string());
        assert!(SavedState::from_json(&valid().to_string()).is_some());
        let read = std::cell::Cell::new(0);
        let mut runner = TestRunner::new(Config::with_cases(5000));
        runner
            .run(&(edits(), any::<bool>()), |(edits, as_array)| {
                let mut state = valid();
                for (name, value) in edits {
                    let Value::Object(map) = &mut state else {
                        unreachable!()
                    };
                    match value {
                        Some(value) => map.insert(name.to_string(), value),
                        None => map.remove(name),
                    };
                }
                if same(&state.to_string()) {
                    read.set(read.get() + 1);
                }
                if as_array && let Value::Object(map) = &state {
                    let items: Vec<Value> =
                        NAMES.iter().filter_map(|n| map.get(*n).cloned()).collect();
                    same(&Value::Array(items).to_string());
                }
                Ok(())
            })
            .unwrap();
        // The corpus must hold states both read, not only states both reject.
        assert!(read.get() > 500, "only {} states were read", read.get());
        for text in ["", "null", "[]", "{}", "1", "\"x\""] {
            assert!(!same(text));
        }
    }
}
