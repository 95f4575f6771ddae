//! The trust changefeed against the real notary-server behind the stand-in: every mode,
//! every account type, RethinkDB mode, follow, and token refresh in a long backfill. Each
//! walk is compared with the stand-in's ground truth (notary's own table).

use std::time::{Duration, Instant};

use msr_lens_core::changefeed::{
    Event, Feed, FollowFrom, Gun, Mode, PagerConfig, Placement, Record,
};
use msr_lens_tests::{Secret, Stack, TestClock, keys, truth_keys};
use msr_lens_transport::native::FeedStream;
use serde_json::json;

fn config(page_size: u32) -> PagerConfig {
    PagerConfig {
        page_size,
        poll_interval_ms: 200,
        backoff_initial_ms: 50,
        backoff_max_ms: 400,
        ..PagerConfig::default()
    }
}

fn repo(stack: &Stack, name: &str) -> Feed {
    Feed::Repository(Gun::new(stack.gun(name)).expect("gun"))
}

/// Walk a newest-first feed to its start, asking for older pages as a user scrolling would.
fn newest_first_to_start(stream: &mut FeedStream<'_>) -> Vec<Record> {
    let mut records = Vec::new();
    while let Some(event) = stream.next_event() {
        match event {
            Event::Records {
                records: batch,
                placement,
                ..
            } => {
                match placement {
                    Placement::Prepend => drop(records.splice(0..0, batch)),
                    Placement::Append => records.extend(batch),
                }
                stream.session().pager_mut().request_older();
            }
            Event::ReachedStart => return records,
            Event::Progress(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    panic!("the pager stopped before the start");
}

#[test]
fn backfill_of_the_global_feed_as_admin_is_the_ground_truth() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let truth = stack.truth(None);
    assert!(
        truth.len() >= 30,
        "the stack is not seeded ({} records)",
        truth.len()
    );
    let client = stack.client(Some(("admin", Secret::Token)));
    let mut stream = client.changefeed(Feed::Global, Mode::Backfill, config(997));
    let records = stream.collect_until_caught_up(0).expect("backfill");
    assert_eq!(keys(&records), truth_keys(&truth, false));
    assert!(records.iter().any(|r| r.category.as_str() == "deletion"));
}

#[test]
fn newest_first_reaches_the_start_with_every_record_once() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    // Use one repository's feed: small enough to walk page by page.
    let gun = stack.gun("library/wordpress");
    let truth = stack.truth(Some(&gun));
    assert!(truth.len() >= 3);
    let client = stack.client(Some(("admin", Secret::Password)));
    stack.take_requests();
    let mut stream = client.changefeed(
        repo(&stack, "library/wordpress"),
        Mode::NewestFirst,
        config(2),
    );
    let records = newest_first_to_start(&mut stream);
    assert_eq!(keys(&records), truth_keys(&truth, false));
    // "Latest" is change_id=-1 with a negative count; never the vendor page's change_id=1.
    let paths: Vec<String> = stack
        .take_requests()
        .iter()
        .filter_map(|r| r["path"].as_str().map(str::to_string))
        .filter(|p| p.contains("/_trust/changefeed"))
        .collect();
    assert!(paths[0].ends_with("change_id=-1&records=-2"), "{paths:?}");
    assert!(
        !paths
            .iter()
            .any(|p| p.contains("change_id=1&") || p.contains("change_id=0&records=-"))
    );
}

#[test]
fn a_pull_user_reads_their_repository_and_gets_a_plain_no_access_elsewhere() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let dev = stack.client(Some(("dev", Secret::Token)));
    let gun = stack.gun("library/wordpress");
    let mut stream = dev.changefeed(repo(&stack, "library/wordpress"), Mode::Backfill, config(3));
    let records = stream
        .collect_until_caught_up(0)
        .expect("dev pulls wordpress");
    assert_eq!(keys(&records), truth_keys(&stack.truth(Some(&gun)), false));

    for (user, feed) in [
        (("dev", Secret::Token), Feed::Global),
        (("dev", Secret::Password), repo(&stack, "security/scanner")),
        (
            ("nobody", Secret::Password),
            repo(&stack, "library/wordpress"),
        ),
    ] {
        let client = stack.client(Some(user));
        let mut stream = client.changefeed(feed.clone(), Mode::Backfill, config(10));
        match stream.collect_until_caught_up(0) {
            Err(event) => assert!(
                matches!(*event, Event::NoAccess { .. }),
                "{user:?} on {feed:?}: {event:?}"
            ),
            Ok(records) => panic!("{user:?} read {} records of {feed:?}", records.len()),
        }
    }
    // Anonymous: no access either (the token service still issues an empty token).
    let anonymous = stack.client(None);
    let mut stream = anonymous.changefeed(Feed::Global, Mode::Backfill, config(10));
    assert!(matches!(
        stream.collect_until_caught_up(0).map_err(|e| *e),
        Err(Event::NoAccess { .. })
    ));
}

#[test]
fn a_wrong_password_is_an_authentication_error_not_no_access() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let client = stack.client(Some(("admin", Secret::Wrong)));
    let mut stream = client.changefeed(Feed::Global, Mode::Backfill, config(10));
    match stream.collect_until_caught_up(0).map_err(|e| *e) {
        Err(Event::Error {
            error,
            retry_at: None,
        }) => {
            assert_eq!(error.kind_str(), "unauthenticated", "{error}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn follow_picks_up_new_records_once_each() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let client = stack.client(Some(("admin", Secret::Token)));
    let mut stream = client.changefeed(Feed::Global, Mode::Follow(FollowFrom::Latest), config(50));
    let deadline = Some(Instant::now() + Duration::from_secs(60));
    // Read up to the newest record.
    loop {
        match stream
            .next_event_until(deadline)
            .expect("caught up in time")
        {
            Event::CaughtUp => break,
            Event::Records { .. } | Event::Progress(_) | Event::ReachedStart => {}
            other => panic!("{other:?}"),
        }
    }
    let gun = stack.gun("follow/live");
    let before = stack.truth(Some(&gun)).len();
    stack.insert_records(&gun, 5);
    let expected = truth_keys(&stack.truth(Some(&gun)), false).split_off(before);
    assert_eq!(expected.len(), 5);
    let mut seen = Vec::new();
    while seen.len() < expected.len() {
        match stream.next_event_until(deadline) {
            Some(Event::Records {
                records,
                placement,
                late,
            }) => {
                assert_eq!(placement, Placement::Append);
                assert!(!late, "nothing is late here");
                seen.extend(records);
            }
            Some(Event::Progress(_) | Event::CaughtUp) => {}
            Some(other) => panic!("{other:?}"),
            None => panic!(
                "follow did not deliver {} new records in time",
                expected.len()
            ),
        }
    }
    let seen_for_gun: Vec<_> = keys(&seen).into_iter().filter(|k| k.1 == gun).collect();
    assert_eq!(seen_for_gun, expected);
    assert_eq!(seen.len(), 5, "nothing else and nothing twice");
}

#[test]
fn rethinkdb_mode_serves_uuid_ids_and_the_walks_still_match() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    stack.admin_post("/rethink", &json!({"enabled": true, "blackout_secs": 0}));
    let truth = stack.truth(None);
    let client = stack.client(Some(("admin", Secret::Token)));
    let mut stream = client.changefeed(Feed::Global, Mode::Backfill, config(500));
    let records = stream
        .collect_until_caught_up(0)
        .expect("backfill in RethinkDB mode");
    assert!(
        records[0].id.as_str().contains('-'),
        "UUID ids: {:?}",
        records[0].id
    );
    // RethinkDB pages by (created_at, id): the set is the truth; the order is by time.
    let mut got = keys(&records);
    let mut want = truth_keys(&truth, true);
    assert_eq!(got.len(), want.len(), "no record lost or repeated");
    got.sort();
    want.sort();
    assert_eq!(got, want);

    let gun = stack.gun("library/nginx");
    let mut stream = client.changefeed(repo(&stack, "library/nginx"), Mode::NewestFirst, config(2));
    let mut newest = newest_first_to_start(&mut stream);
    let mut want = truth_keys(&stack.truth(Some(&gun)), true);
    newest.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    want.sort();
    let mut got = keys(&newest);
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn rethinkdb_blackout_hides_fresh_records_until_they_age_and_follow_gets_them_once() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    stack.admin_post("/rethink", &json!({"enabled": true, "blackout_secs": 3}));
    let client = stack.client(Some(("admin", Secret::Token)));
    let mut stream = client.changefeed(Feed::Global, Mode::Follow(FollowFrom::Latest), config(100));
    let deadline = Some(Instant::now() + Duration::from_secs(60));
    loop {
        match stream.next_event_until(deadline).expect("caught up") {
            Event::CaughtUp => break,
            Event::Records { .. } | Event::Progress(_) | Event::ReachedStart => {}
            other => panic!("{other:?}"),
        }
    }
    let gun = stack.gun("follow/blackout");
    stack.insert_records(&gun, 3);
    // Right after the insert, a fresh walk does not show them: they are inside the blackout.
    let mut fresh = client.changefeed(repo(&stack, "follow/blackout"), Mode::Backfill, config(100));
    let hidden = fresh.collect_until_caught_up(0).expect("backfill");
    assert!(
        hidden.len() + 3 <= stack.truth(Some(&gun)).len(),
        "fresh records visible"
    );
    // The follower gets them once they age past the blackout, each once.
    let mut seen = Vec::new();
    while seen.iter().filter(|r: &&Record| r.gun == gun).count() < 3 {
        match stream.next_event_until(deadline) {
            Some(Event::Records { records, .. }) => seen.extend(records),
            Some(Event::Progress(_) | Event::CaughtUp) => {}
            Some(other) => panic!("{other:?}"),
            None => panic!("the blackout never lifted"),
        }
    }
    let mut ids: Vec<&str> = seen.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), seen.len(), "a record was emitted twice");
}

#[test]
fn tokens_that_expire_during_a_long_backfill_are_refreshed() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let truth = stack.truth(None);
    let clock = TestClock::new();
    let client = stack.client_with_clock(Some(("admin", Secret::Token)), clock.clock());
    stack.take_requests();
    let mut stream = client.changefeed(Feed::Global, Mode::Backfill, config(10));
    let mut records = Vec::new();
    let mut pages = 0;
    while let Some(event) = stream.next_event() {
        match event {
            Event::Records { records: batch, .. } => {
                records.extend(batch);
                pages += 1;
                // Four minutes pass between pages: a 300 s token is due after one.
                clock.advance(Duration::from_secs(240));
            }
            Event::CaughtUp => break,
            Event::Progress(_) => {}
            other => panic!("{other:?}"),
        }
        if pages >= 6 {
            break;
        }
    }
    let token_requests = stack
        .take_requests()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/auth/token"))
        })
        .count();
    assert!(
        token_requests >= 3,
        "only {token_requests} token requests over {pages} pages"
    );
    assert_eq!(keys(&records), truth_keys(&truth, false)[..records.len()]);
}
