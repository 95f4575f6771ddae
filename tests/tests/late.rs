//! Late changefeed records (msr-api.md §6, issue 15) against the real notary-server on
//! PostgreSQL behind the stand-in, followed by the native transport:
//!
//! - two overlapping transactions commit ids out of order (msr-sim's `/late/begin` holds
//!   transaction A open after it took id N while B commits N+1, N+2; `/late/commit`
//!   commits A): the follower emits N+1 and N+2, then N, flagged late — each once;
//! - RethinkDB mode: a record written by a replica whose clock is behind (`/late/skewed`)
//!   sorts before records the follower already read: it is emitted once, flagged late.
//!
//! Each test reads its own fresh repository's feed, so records of other tests never mix in.

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use msr_lens_core::changefeed::{
    Event, Feed, FollowFrom, Gun, Mode, PagerConfig, Placement, Record,
};
use msr_lens_tests::{Secret, Stack};
use msr_lens_transport::native::FeedStream;
use serde_json::{Value, json};

/// Fast polls; an overlap window of 3 records, so that the re-read starts after a record
/// of the feed (not at its start) as on a busy MSR.
fn config() -> PagerConfig {
    PagerConfig {
        page_size: 50,
        poll_interval_ms: 100,
        backoff_initial_ms: 50,
        backoff_max_ms: 400,
        overlap_records: 3,
        ..PagerConfig::default()
    }
}

/// A repository name no other run used.
fn fresh_repo(what: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("late/{what}-{}-{nanos:x}", std::process::id())
}

/// Follow until `want` records have been emitted in all, collecting `(record, late)`.
fn follow_until(stream: &mut FeedStream<'_>, seen: &mut Vec<(Record, bool)>, want: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.len() < want {
        match stream.next_event_until(Some(deadline)) {
            Some(Event::Records {
                records,
                placement,
                late,
            }) => {
                assert_eq!(placement, Placement::Append);
                seen.extend(records.into_iter().map(|r| (r, late)));
            }
            Some(Event::Progress(_) | Event::CaughtUp | Event::ReachedStart) => {}
            Some(Event::Error {
                retry_at: Some(_), ..
            }) => {}
            Some(other) => panic!("{other:?}"),
            None => panic!(
                "the follower emitted {} of {want} records in time: {:?}",
                seen.len(),
                ids(seen)
            ),
        }
    }
}

/// Follow until the pager has applied a page with nothing new, with a deadline.
fn follow_until_quiet(stream: &mut FeedStream<'_>, seen: &mut Vec<(Record, bool)>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let pages = stream.session().pager().progress().pages;
    loop {
        match stream.next_event_until(Some(deadline)) {
            Some(Event::Records { records, late, .. }) => {
                seen.extend(records.into_iter().map(|r| (r, late)));
            }
            Some(Event::Progress(progress)) if progress.pages >= pages + 2 => return,
            Some(_) => {}
            None => panic!("no quiet poll in time"),
        }
    }
}

fn ids(seen: &[(Record, bool)]) -> Vec<(String, bool)> {
    seen.iter()
        .map(|(r, late)| (r.id.as_str().to_string(), *late))
        .collect()
}

fn id_of(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {value}"))
        .to_string()
}

/// Every record of the truth once, nothing else; exactly `late` flagged late.
fn assert_once(seen: &[(Record, bool)], truth: &[String], late: &[String]) {
    let got: Vec<&str> = seen.iter().map(|(r, _)| r.id.as_str()).collect();
    let unique: HashSet<&str> = got.iter().copied().collect();
    assert_eq!(
        unique.len(),
        got.len(),
        "a record was emitted twice: {got:?}"
    );
    let want: HashSet<&str> = truth.iter().map(String::as_str).collect();
    assert_eq!(unique, want, "every record of the feed, nothing else");
    let flagged: HashSet<&str> = seen
        .iter()
        .filter(|(_, l)| *l)
        .map(|(r, _)| r.id.as_str())
        .collect();
    let want_late: HashSet<&str> = late.iter().map(String::as_str).collect();
    assert_eq!(flagged, want_late, "late flags: {:?}", ids(seen));
}

#[test]
fn postgres_ids_committed_out_of_order_reach_the_follower_once() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    stack.admin_post("/rethink", &json!({"enabled": false}));
    let repo = fresh_repo("sql");
    let gun = stack.gun(&repo);
    let feed = Feed::Repository(Gun::new(gun.clone()).expect("gun"));
    let client = stack.client(Some(("admin", Secret::Token)));
    let mut stream = client.changefeed(feed, Mode::Follow(FollowFrom::Start), config());
    let mut seen = Vec::new();
    // Four on-time records, read.
    stack.insert_records(&gun, 4);
    follow_until(&mut stream, &mut seen, 4);
    // Transaction A takes the next id and stays open; B commits two after it.
    let update = |version: i32| json!({"gun": gun, "version": version});
    let begun = stack.admin_post(
        "/late/begin",
        &json!({"held": update(10), "committed": [update(11), update(12)]}),
    );
    let handle = id_of(&begun, "handle");
    let held = id_of(&begun["held"], "id");
    follow_until(&mut stream, &mut seen, 6);
    assert!(
        !seen.iter().any(|(r, _)| r.id.as_str() == held),
        "the held record is invisible until its transaction commits"
    );
    // The follower's cursor is past the held id now; commit A.
    stack.admin_post("/late/commit", &json!({"handle": handle}));
    follow_until(&mut stream, &mut seen, 7);
    follow_until_quiet(&mut stream, &mut seen);
    let truth: Vec<String> = stack.truth(Some(&gun)).into_iter().map(|r| r.id).collect();
    assert_eq!(truth.len(), 7);
    assert_once(&seen, &truth, &[held]);
    assert_eq!(stream.session().pager().progress().late_records, 1);
}

#[test]
fn rethinkdb_records_from_a_slow_replica_clock_reach_the_follower_once() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    stack.admin_post("/rethink", &json!({"enabled": true, "blackout_secs": 0}));
    let repo = fresh_repo("rethink");
    let gun = stack.gun(&repo);
    let skewed = |version: i32, skew_secs: f64| {
        stack.admin_post(
            "/late/skewed",
            &json!({"gun": gun, "version": version, "skew_secs": skew_secs}),
        )
    };
    // Two records written ten minutes ago (their replica's clock says so), two now.
    skewed(1, 600.0);
    skewed(2, 590.0);
    stack.insert_records(&gun, 2);
    let feed = Feed::Repository(Gun::new(gun.clone()).expect("gun"));
    let client = stack.client(Some(("admin", Secret::Token)));
    let mut stream = client.changefeed(feed, Mode::Follow(FollowFrom::Start), config());
    let mut seen = Vec::new();
    follow_until(&mut stream, &mut seen, 4);
    // A replica five minutes behind writes a record: its (created_at, id) key lies between
    // the old and the new records, behind the follower's cursor.
    let late = skewed(3, 300.0);
    let late_uuid = id_of(&late, "uuid");
    follow_until(&mut stream, &mut seen, 5);
    follow_until_quiet(&mut stream, &mut seen);
    stack.admin_post("/rethink", &json!({"enabled": false}));
    let truth: Vec<String> = stack
        .truth(Some(&gun))
        .into_iter()
        .map(|r| r.uuid)
        .collect();
    assert_eq!(truth.len(), 5);
    assert_once(&seen, &truth, &[late_uuid]);
}
