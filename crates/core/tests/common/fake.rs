//! A sans-IO fake of notary-server 0.7.0's changefeed, with fake time.
//!
//! Two storages, emulated as the captures and the notary 0.7.0 sources show them:
//!
//! - [`Storage::Memory`] (memory/SQL): IDs `"1"`, `"2"`, … from one global sequence (a
//!   per-GUN feed has gaps). `change_id` must parse as an int32 (else 400
//!   `INVALID_PARAMETERS`, `detail: {}`); any negative `change_id` or negative `records`
//!   pages backward; `change_id=0` with a negative `records` crashes the handler (the
//!   connection is dropped: [`FakeNotary::handle`] returns `None` and records a violation);
//!   `records` is `null` going forward past the end or on an empty store, `[]` for an empty
//!   per-GUN result. Records are visible at once.
//! - [`Storage::Rethink`] (MSR): UUID-like IDs, keyset paging on `(created_at, id)`, only
//!   `"0"` and `"-1"` are special, an unknown ID is a 500 `UNKNOWN`, records younger than
//!   the blackout (60 s) are hidden, `records` is always an array.
//!
//! Late records (msr-api.md §6), on purpose: [`FakeNotary::reserve`] and
//! [`FakeNotary::commit`] make a memory/SQL id that commits after larger ones (two
//! overlapping transactions), and a RethinkDB-mode record published with a `created` in
//! the past ([`FakeNotary::publish`] at an earlier time) is a replica with a slow clock.
//!
//! In both, `records=0` means 100, `records` must be a base-10 int32 (a `+` in the query is
//! a space), `count` is the page length, and pages are sorted oldest → newest.

use std::collections::{HashMap, HashSet};

use http::{Request, Response, header};
use msr_lens_core::Timestamp;
use percent_encoding::percent_decode_str;

/// Which notary storage to emulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// memory/SQL: sequential integer IDs, no blackout.
    Memory,
    /// MSR's RethinkDB: UUID IDs, keyset paging, 60 s blackout.
    Rethink,
}

/// A stored change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The ID as sent.
    pub id: String,
    /// When it was written (fake time).
    pub created: Timestamp,
    /// `CreatedAt` as sent.
    pub created_text: String,
    /// The GUN.
    pub gun: String,
    /// The timestamp version (0 for deletions).
    pub version: i64,
    /// The checksum ("" for deletions).
    pub sha256: String,
    /// `update` or `deletion`.
    pub category: &'static str,
}

impl Change {
    fn json(&self) -> String {
        serde_json::json!({
            "ID": self.id,
            "CreatedAt": self.created_text,
            "GUN": self.gun,
            "Version": self.version,
            "SHA256": self.sha256,
            "Category": self.category,
        })
        .to_string()
    }
}

/// A deliberate deviation from notary, to exercise the client's de-duplication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quirk {
    /// Answer exactly like notary.
    None,
    /// Also return the cursor's own record (an inclusive bound), as a buggy proxy or
    /// storage might.
    IncludeCursor,
}

/// The fake server.
#[derive(Debug, Clone)]
pub struct FakeNotary {
    storage: Storage,
    /// Records hidden for this long after they are written.
    pub blackout_ms: i64,
    /// Server order: insertion order (memory) or `(created, id)` order (RethinkDB).
    changes: Vec<Change>,
    versions: HashMap<String, i64>,
    /// IDs inserted by a transaction that has not committed yet: invisible.
    pending: HashSet<String>,
    /// The ID of the record inserted last.
    last_id: Option<String>,
    counter: u64,
    /// Requests the real server would have choked on, or that break the client contract.
    pub violations: Vec<String>,
    /// Requests served.
    pub served: u64,
}

impl FakeNotary {
    /// An empty store.
    pub fn new(storage: Storage) -> Self {
        FakeNotary {
            storage,
            blackout_ms: match storage {
                Storage::Memory => 0,
                Storage::Rethink => 60_000,
            },
            changes: Vec::new(),
            versions: HashMap::new(),
            pending: HashSet::new(),
            last_id: None,
            counter: 0,
            violations: Vec::new(),
            served: 0,
        }
    }

    /// The storage emulated.
    pub fn storage(&self) -> Storage {
        self.storage
    }

    /// Publish new trust data for `gun` at `now`: one `update` record.
    pub fn publish(&mut self, now: Timestamp, gun: &str) {
        let version = self.versions.entry(gun.to_string()).or_insert(0);
        *version += 1;
        let version = *version;
        let sha256 = format!("{:064x}", mix(self.counter ^ 0x5a5a) as u128 * 7919);
        self.insert(now, gun, version, sha256, "update");
    }

    /// Memory/SQL: a transaction inserts an `update` for `gun` at `now` (taking the next
    /// id) and stays open: the record is invisible until [`FakeNotary::commit`], while
    /// records inserted after it (larger ids) are visible at once. Returns its ID.
    pub fn reserve(&mut self, now: Timestamp, gun: &str) -> String {
        assert_eq!(
            self.storage,
            Storage::Memory,
            "ids commit out of order on SQL"
        );
        self.publish(now, gun);
        let id = self.changes.last().expect("just inserted").id.clone();
        self.pending.insert(id.clone());
        id
    }

    /// Commit the transaction of [`FakeNotary::reserve`]: the record becomes visible.
    pub fn commit(&mut self, id: &str) {
        assert!(self.pending.remove(id), "{id} is not pending");
    }

    /// The ID of the record written last (RethinkDB sorts records by key, not by write).
    pub fn last_written(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// Whether `id` is reserved and not committed.
    pub fn is_pending(&self, id: &str) -> bool {
        self.pending.contains(id)
    }

    /// `notary delete --remote` of `gun` at `now`: one `deletion` record; the next publish
    /// starts again at version 1.
    pub fn delete(&mut self, now: Timestamp, gun: &str) {
        self.versions.insert(gun.to_string(), 0);
        self.insert(now, gun, 0, String::new(), "deletion");
    }

    /// Append a record exactly as given (to replay a capture). Memory storage only.
    pub fn seed(&mut self, change: Change) {
        self.counter += 1;
        self.changes.push(change);
    }

    /// Forget every record (a wiped RethinkDB table): every cursor vanishes.
    pub fn purge(&mut self) {
        self.changes.clear();
    }

    fn insert(
        &mut self,
        now: Timestamp,
        gun: &str,
        version: i64,
        sha256: String,
        category: &'static str,
    ) {
        self.counter += 1;
        let n = self.counter;
        let (id, created_text) = match self.storage {
            Storage::Memory => (n.to_string(), rfc3339(now, format!("{:06}", n % 1_000_000))),
            Storage::Rethink => (uuid(n), rfc3339(now, format!("{:03}", n % 1000))),
        };
        self.last_id = Some(id.clone());
        let change = Change {
            id,
            created: now,
            created_text,
            gun: gun.to_string(),
            version,
            sha256,
            category,
        };
        match self.storage {
            Storage::Memory => self.changes.push(change),
            Storage::Rethink => {
                let at = self.changes.partition_point(|c| {
                    (c.created, c.id.as_str()) <= (change.created, change.id.as_str())
                });
                self.changes.insert(at, change);
            }
        }
    }

    /// Every record, in server order, hidden or not.
    pub fn all(&self) -> &[Change] {
        &self.changes
    }

    /// The records a client can see at `now` on `gun`'s feed (all GUNs when `None`), in
    /// server order.
    pub fn visible(&self, now: Timestamp, gun: Option<&str>) -> Vec<Change> {
        self.changes
            .iter()
            .filter(|c| gun.is_none_or(|g| c.gun == g))
            .filter(|c| self.shown(c, now))
            .cloned()
            .collect()
    }

    fn shown(&self, change: &Change, now: Timestamp) -> bool {
        change.created <= now.add_millis(-self.blackout_ms) && !self.pending.contains(&change.id)
    }

    /// Answer a request as notary would; `None` when notary drops the connection.
    pub fn handle(
        &mut self,
        now: Timestamp,
        request: &Request<Vec<u8>>,
    ) -> Option<Response<Vec<u8>>> {
        self.handle_with(now, request, Quirk::None)
    }

    /// [`FakeNotary::handle`] with a deliberate deviation.
    pub fn handle_with(
        &mut self,
        now: Timestamp,
        request: &Request<Vec<u8>>,
        quirk: Quirk,
    ) -> Option<Response<Vec<u8>>> {
        self.served += 1;
        if request.headers().contains_key(header::AUTHORIZATION) {
            self.violations
                .push("the core must not attach Authorization".to_string());
        }
        if request.method() != http::Method::GET {
            return Some(error(405, "METHOD_NOT_ALLOWED", "{}".into()));
        }
        let path = request.uri().path();
        let Some(gun) = feed_gun(path) else {
            return Some(error(404, "METADATA_NOT_FOUND", String::new()));
        };
        let query = request.uri().query().unwrap_or_default();
        let change_id = query_get(query, "change_id");
        let records_text = query_get(query, "records");
        let records = match parse_int32(&records_text) {
            Ok(n) => n,
            Err(why) => {
                let quoted = serde_json::Value::String(records_text.clone()).to_string();
                let text =
                    format!("invalid records parameter: strconv.ParseInt: parsing {quoted}: {why}");
                let detail = serde_json::Value::String(text).to_string();
                return Some(error(400, "INVALID_PARAMETERS", detail));
            }
        };
        let records = if records == 0 { 100 } else { records };
        let answer = match self.storage {
            Storage::Memory => self.memory_page(&change_id, records, gun.as_deref()),
            Storage::Rethink => self.rethink_page(now, &change_id, records, gun.as_deref()),
        };
        let answer = match (quirk, answer) {
            (Quirk::IncludeCursor, Answer::List(mut list)) => {
                if let Some(cursor) = self.changes.iter().find(|c| c.id == change_id) {
                    if records < 0 {
                        list.push(cursor.clone());
                    } else {
                        list.insert(0, cursor.clone());
                    }
                }
                Answer::List(list)
            }
            (_, answer) => answer,
        };
        match answer {
            Answer::List(list) => {
                let items: Vec<String> = list.iter().map(Change::json).collect();
                Some(ok(format!(
                    r#"{{"count":{},"records":[{}]}}"#,
                    list.len(),
                    items.join(",")
                )))
            }
            Answer::Null => Some(ok(r#"{"count":0,"records":null}"#.to_string())),
            Answer::Error(response) => Some(response),
            Answer::Dropped => None,
        }
    }

    /// memory storage `GetChanges`.
    fn memory_page(&mut self, change_id: &str, records: i64, gun: Option<&str>) -> Answer {
        let id = if change_id.is_empty() {
            0
        } else {
            match parse_int32(change_id) {
                Ok(id) => id,
                Err(_) => return Answer::Error(error(400, "INVALID_PARAMETERS", "{}".into())),
            }
        };
        let reversed = id < 0 || records < 0;
        let n = records.unsigned_abs() as usize;
        let total = self.changes.len() as i64;
        if !reversed && total <= id {
            return Answer::Null;
        }
        let start = if id < 0 { total + 1 } else { id };
        let inspect: &[Change] = if reversed {
            if start == 0 {
                self.violations.push(format!(
                    "change_id={change_id}&records={records}: notary panics"
                ));
                return Answer::Dropped;
            }
            if start > total {
                if self.changes.is_empty() && gun.is_none() {
                    return Answer::Null;
                }
                &self.changes
            } else {
                &self.changes[..(start - 1) as usize]
            }
        } else {
            &self.changes[start as usize..]
        };
        let matching: Vec<Change> = inspect
            .iter()
            .filter(|c| gun.is_none_or(|g| c.gun == g) && !self.pending.contains(&c.id))
            .cloned()
            .collect();
        let page = if reversed {
            matching[matching.len().saturating_sub(n)..].to_vec()
        } else {
            matching.into_iter().take(n).collect()
        };
        Answer::List(page)
    }

    /// RethinkDB storage `GetChanges` (keyset on `(created_at, id)`, blackout).
    fn rethink_page(
        &mut self,
        now: Timestamp,
        change_id: &str,
        records: i64,
        gun: Option<&str>,
    ) -> Answer {
        type Key<'a> = (Timestamp, &'a str);
        let n = records.unsigned_abs() as usize;
        let horizon = now.add_millis(-self.blackout_ms);
        let (lower, upper): (Option<Key>, Option<Key>) = match change_id {
            "0" | "-1" => (None, None),
            id => {
                let Some(bound) = self.changes.iter().find(|c| c.id == id) else {
                    return Answer::Error(error(500, "UNKNOWN", "{}".into()));
                };
                let key = (bound.created, bound.id.as_str());
                if records < 0 {
                    (None, Some(key))
                } else {
                    (Some(key), None)
                }
            }
        };
        let in_range = |c: &&Change| {
            let key = (c.created, c.id.as_str());
            gun.is_none_or(|g| c.gun == g)
                && lower.is_none_or(|l| key > l)
                && match upper {
                    Some(u) => key < u,
                    None => c.created <= horizon,
                }
        };
        let matching: Vec<Change> = self.changes.iter().filter(in_range).cloned().collect();
        let reversed = change_id == "-1" || records < 0;
        let page = if reversed {
            matching[matching.len().saturating_sub(n)..].to_vec()
        } else {
            matching.into_iter().take(n).collect()
        };
        Answer::List(page)
    }
}

/// What a storage answers.
enum Answer {
    /// A list, possibly empty (`[]`).
    List(Vec<Change>),
    /// `"records": null`.
    Null,
    /// An error answer.
    Error(Response<Vec<u8>>),
    /// The handler crashed: no answer.
    Dropped,
}

/// `/v2/_trust/changefeed` → `Some(None)`; `/v2/<gun>/_trust/changefeed` → the decoded GUN.
fn feed_gun(path: &str) -> Option<Option<String>> {
    let inner = path
        .strip_prefix("/v2/")?
        .strip_suffix("_trust/changefeed")?;
    if inner.is_empty() {
        return Some(None);
    }
    let gun = inner.strip_suffix('/')?;
    let segments: Vec<String> = gun
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    if segments.iter().any(String::is_empty) {
        return None;
    }
    Some(Some(segments.join("/")))
}

/// Go's `url.Values.Get`: the first value, `+` as space, percent-decoded; "" when absent.
fn query_get(query: &str, name: &str) -> String {
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if form_decode(key) == name {
            return form_decode(value);
        }
    }
    String::new()
}

fn form_decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Go's `strconv.ParseInt(text, 10, 32)`.
fn parse_int32(text: &str) -> Result<i64, &'static str> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("invalid syntax");
    }
    let value: i128 = digits.parse().map_err(|_| "value out of range")?;
    let value = if text.starts_with('-') { -value } else { value };
    if value < i128::from(i32::MIN) || value > i128::from(i32::MAX) {
        return Err("value out of range");
    }
    Ok(value as i64)
}

fn ok(body: String) -> Response<Vec<u8>> {
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(body.into_bytes())
        .expect("a response")
}

fn error(status: u16, code: &str, detail: String) -> Response<Vec<u8>> {
    let message = match code {
        "INVALID_PARAMETERS" => "The parameters provided are not valid.",
        "METADATA_NOT_FOUND" => "You have requested metadata that does not exist.",
        _ => "unknown error",
    };
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(r#","detail":{detail}"#)
    };
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(
            format!(r#"{{"errors":[{{"code":"{code}","message":"{message}"{detail}}}]}}"#)
                .into_bytes(),
        )
        .expect("a response")
}

/// `2026-11-26T12:49:38.190` + extra fraction digits + `Z`.
fn rfc3339(now: Timestamp, extra_digits: String) -> String {
    let millis = now.to_rfc3339();
    format!("{}{extra_digits}Z", millis.trim_end_matches('Z'))
}

/// A deterministic, unordered UUID-like ID.
fn uuid(n: u64) -> String {
    let a = mix(n);
    let b = mix(a ^ n.rotate_left(17));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// splitmix64.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
