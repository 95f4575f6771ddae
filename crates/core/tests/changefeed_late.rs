//! Property tests for late records (msr-api.md §6): the pager follows a fake notary that
//! makes records visible behind the cursor — memory/SQL ids that commit after larger ones
//! (two overlapping transactions), RethinkDB records whose `created_at` comes from a
//! replica with a slow clock — and must emit every record exactly once, flag as late only
//! records that really were, keep on-time records in server order, never move a cursor on
//! a failed page, and keep the IDs it remembers within their bound.

mod common;

use std::collections::{HashMap, HashSet};

use common::fake::{FakeNotary, Quirk, Storage};
use http::{Response, header};
use msr_lens_core::changefeed::{
    Event, Failure, Feed, FollowFrom, Gun, Mode, Pager, PagerConfig, Placement, Recovery,
};
use msr_lens_core::{Origin, Timestamp};
use proptest::prelude::*;

const GUNS: [&str; 2] = [
    "msr.example.org/library/wordpress",
    "msr.example.org/library/nginx",
];

const T0: Timestamp = Timestamp::from_secs(1_800_000_000);

/// Follow polls every 10 s in these tests.
const POLL_MS: i64 = 10_000;

#[derive(Debug, Clone, Copy)]
enum Write {
    /// An ordinary publish.
    OnTime(usize),
    /// Memory/SQL: an id taken now and committed `hold` steps later. RethinkDB: a record
    /// written now by a replica whose clock is `skew_ms` behind.
    Late {
        gun: usize,
        hold: usize,
        skew_ms: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    Network,
    Unavailable,
    IncludeCursor,
    Duplicate,
}

#[derive(Debug, Clone)]
struct Step {
    writes: Vec<Write>,
    advance_ms: i64,
    fault: Fault,
}

#[derive(Debug, Clone)]
struct Scenario {
    storage: Storage,
    gun: Option<usize>,
    from: FollowFrom,
    page_size: u32,
    initial: usize,
    steps: Vec<Step>,
}

fn write() -> impl Strategy<Value = Write> {
    prop_oneof![
        3 => (0..GUNS.len()).prop_map(Write::OnTime),
        2 => (0..GUNS.len(), 1..=3_usize, 0..=100_000_i64)
            .prop_map(|(gun, hold, skew_ms)| Write::Late { gun, hold, skew_ms }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    (
        prop::collection::vec(write(), 0..4),
        0..20_000_i64,
        prop_oneof![
            8 => Just(Fault::None),
            1 => Just(Fault::Network),
            1 => Just(Fault::Unavailable),
            1 => Just(Fault::IncludeCursor),
            1 => Just(Fault::Duplicate),
        ],
    )
        .prop_map(|(writes, advance_ms, fault)| Step {
            writes,
            advance_ms,
            fault,
        })
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop_oneof![Just(Storage::Memory), Just(Storage::Rethink)],
        prop::option::of(0..GUNS.len()),
        prop_oneof![Just(FollowFrom::Start), Just(FollowFrom::Latest)],
        1..=6_u32,
        0..12_usize,
        prop::collection::vec(step(), 1..30),
    )
        .prop_map(|(storage, gun, from, page_size, initial, steps)| Scenario {
            storage,
            gun,
            from,
            page_size,
            initial,
            steps,
        })
}

/// A window that covers every late record the scenarios make: at most 3 steps of at
/// most 20 s (60 s) on SQL, at most 100 s of clock skew on RethinkDB.
fn generous(page_size: u32) -> PagerConfig {
    PagerConfig {
        page_size,
        poll_interval_ms: POLL_MS,
        backoff_initial_ms: 500,
        backoff_max_ms: 4_000,
        request_timeout_ms: Some(30_000),
        dedup_window: 16,
        vanish_after: 2,
        overlap_records: 1000,
        overlap_ms: Some(240_000),
    }
}

struct Harness {
    fake: FakeNotary,
    pager: Pager,
    config: PagerConfig,
    gun: Option<&'static str>,
    now: Timestamp,
    step: usize,
    /// Memory: reserved ids and the step at which they commit.
    pending: Vec<(String, usize)>,
    /// IDs of records made late on purpose (reserved or skewed).
    made_late: HashSet<String>,
    /// Every emitted record ID with whether it came flagged late, in emission order.
    emitted: Vec<(String, bool)>,
    forward_applied_at: Option<Timestamp>,
}

impl Harness {
    fn new(scenario: &Scenario, config: PagerConfig) -> Self {
        let mut fake = FakeNotary::new(scenario.storage);
        for i in 0..scenario.initial {
            fake.publish(T0.add_secs(-7200 + i as i64), GUNS[i % GUNS.len()]);
        }
        let gun = scenario.gun.map(|g| GUNS[g]);
        let feed = gun.map_or(Feed::Global, |g| Feed::Repository(Gun::new(g).unwrap()));
        let origin = Origin::parse("https://msr.example.org").unwrap();
        Harness {
            fake,
            pager: Pager::new(origin, feed, Mode::Follow(scenario.from), config.clone()),
            config,
            gun,
            now: T0,
            step: 0,
            pending: Vec::new(),
            made_late: HashSet::new(),
            emitted: Vec::new(),
            forward_applied_at: None,
        }
    }

    fn write(&mut self, write: Write) {
        match (write, self.fake.storage()) {
            (Write::OnTime(gun), _) => self.fake.publish(self.now, GUNS[gun]),
            (Write::Late { gun, hold, .. }, Storage::Memory) => {
                let id = self.fake.reserve(self.now, GUNS[gun]);
                self.made_late.insert(id.clone());
                self.pending.push((id, self.step + hold));
            }
            (Write::Late { gun, skew_ms, .. }, Storage::Rethink) => {
                self.fake.publish(self.now.add_millis(-skew_ms), GUNS[gun]);
                let id = self.fake.last_written().expect("just written").to_string();
                self.made_late.insert(id);
            }
        }
    }

    fn commit_due(&mut self, all: bool) {
        let step = self.step;
        let (due, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|(_, at)| all || *at <= step);
        self.pending = keep;
        for (id, _) in due {
            self.fake.commit(&id);
        }
    }

    fn check_bound(&self) {
        let bound = self.config.dedup_window + self.config.overlap_records as usize + 1;
        assert!(
            self.pager.remembered_ids() <= bound,
            "{} IDs remembered, bound {bound}",
            self.pager.remembered_ids()
        );
    }

    /// One exchange with `fault`; false when no request was due.
    fn exchange(&mut self, fault: Fault) -> bool {
        let Some((id, request)) = self.pager.poll_request(self.now) else {
            self.drain();
            return false;
        };
        let before = self.pager.progress();
        let forward = !request
            .uri()
            .query()
            .unwrap_or_default()
            .contains("records=-");
        let now = self.now;
        let mut answer = |quirk| {
            self.fake
                .handle_with(now, &request, quirk)
                .expect("notary answers")
        };
        match fault {
            Fault::None | Fault::Duplicate | Fault::IncludeCursor => {
                let quirk = if fault == Fault::IncludeCursor {
                    Quirk::IncludeCursor
                } else {
                    Quirk::None
                };
                let response = answer(quirk);
                self.pager.handle_response(id, now, response.clone());
                if fault == Fault::Duplicate {
                    self.pager.handle_response(id, now, response);
                }
                if forward && self.pager.progress().pages > before.pages {
                    self.forward_applied_at = Some(now);
                }
            }
            Fault::Network => {
                self.pager
                    .handle_failure(id, now, Failure::Network("reset".into()));
            }
            Fault::Unavailable => {
                let response = Response::builder()
                    .status(503)
                    .header(header::CONTENT_TYPE, "text/html")
                    .body(b"<html>503</html>".to_vec())
                    .unwrap();
                self.pager.handle_response(id, now, response);
            }
        }
        if matches!(fault, Fault::Network | Fault::Unavailable) {
            let after = self.pager.progress();
            assert_eq!(
                after.newest, before.newest,
                "a failed page moved the cursor"
            );
            assert_eq!(
                after.oldest, before.oldest,
                "a failed page moved the cursor"
            );
            assert_eq!(after.records_emitted, before.records_emitted);
        }
        self.drain();
        self.check_bound();
        true
    }

    fn drain(&mut self) {
        while let Some(event) = self.pager.poll_event() {
            match event {
                Event::Records {
                    records,
                    placement,
                    late,
                } => {
                    assert!(!records.is_empty());
                    if late {
                        assert_eq!(placement, Placement::Append, "late records are appended");
                    }
                    let ids = records
                        .into_iter()
                        .map(|r| (r.id.as_str().to_string(), late));
                    match placement {
                        Placement::Append => self.emitted.extend(ids),
                        Placement::Prepend => {
                            let ids: Vec<_> = ids.collect();
                            self.emitted.splice(0..0, ids);
                        }
                    }
                }
                Event::Error { retry_at, .. } => assert!(retry_at.is_some(), "{retry_at:?}"),
                Event::CursorVanished { .. } => self.pager.recover(Recovery::Retry),
                Event::CaughtUp | Event::ReachedStart | Event::Progress(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn run(&mut self, steps: &[Step]) {
        for (i, step) in steps.iter().enumerate() {
            self.step = i;
            self.commit_due(false);
            for &write in &step.writes {
                self.write(write);
            }
            self.now = self.now.add_millis(step.advance_ms);
            self.pager.request_older();
            self.exchange(step.fault);
            for _ in 0..4 {
                if !self.exchange(Fault::None) {
                    break;
                }
            }
        }
        // Settle: every transaction commits, the blackout passes, the follower polls again
        // (its overlap read) and has read back to the feed's start.
        self.commit_due(true);
        self.now = self.now.add_millis(self.fake.blackout_ms + 1000);
        let settled_at = self.now;
        for _ in 0..2000 {
            let progress = self.pager.progress();
            if progress.caught_up
                && progress.reached_start
                && self.forward_applied_at.is_some_and(|t| t > settled_at)
            {
                return;
            }
            if !progress.reached_start {
                self.pager.request_older();
            }
            if !self.exchange(Fault::None) {
                self.now = self
                    .pager
                    .poll_timeout()
                    .expect("a follower always has a timeout");
            }
        }
        panic!("the follower did not settle: {:?}", self.pager.progress());
    }

    /// Every record once; `late` only on records made late; on-time records in server
    /// order. With `all_late_found`, late records too.
    fn check(&self, all_late_found: bool) {
        let visible = self.fake.visible(self.now, self.gun);
        let position: HashMap<&str, usize> = visible
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let mut once = HashSet::new();
        for (id, late) in &self.emitted {
            assert!(
                once.insert(id.as_str()),
                "{id} emitted twice: {:?}",
                self.emitted
            );
            assert!(position.contains_key(id.as_str()), "{id} is not a record");
            if *late {
                assert!(self.made_late.contains(id), "{id} flagged late but was not");
            }
        }
        let on_time: Vec<usize> = self
            .emitted
            .iter()
            .filter(|(_, late)| !late)
            .map(|(id, _)| position[id.as_str()])
            .collect();
        assert!(
            on_time.windows(2).all(|w| w[0] < w[1]),
            "records not flagged late come in server order: {:?}",
            self.emitted
        );
        for change in &visible {
            let found = once.contains(change.id.as_str());
            if all_late_found || !self.made_late.contains(&change.id) {
                assert!(found, "{} was never emitted: {:?}", change.id, self.emitted);
            }
        }
        assert!(
            self.fake.violations.is_empty(),
            "{:?}",
            self.fake.violations
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// A window wide enough for every late record: each one is emitted, exactly once.
    #[test]
    fn late_records_inside_the_window_are_emitted_exactly_once(scenario in scenario()) {
        let mut harness = Harness::new(&scenario, generous(scenario.page_size));
        harness.run(&scenario.steps);
        harness.check(true);
    }

    /// A narrow window (a few records, sometimes none, sometimes only seconds): late
    /// records may be missed, but nothing is emitted twice, every on-time record arrives,
    /// and the remembered IDs stay within `dedup_window + overlap_records + 1`.
    #[test]
    fn a_narrow_window_loses_no_on_time_record_and_repeats_nothing(
        scenario in scenario(),
        overlap_records in 0..6_u32,
        overlap_ms in prop::option::of(0..30_000_i64),
        dedup_window in 1..8_usize,
    ) {
        let config = PagerConfig {
            dedup_window,
            overlap_records,
            overlap_ms,
            ..generous(scenario.page_size)
        };
        let mut harness = Harness::new(&scenario, config);
        harness.run(&scenario.steps);
        harness.check(false);
    }
}

/// The two transactions of the issue, by hand: id 3 is taken first, id 4 commits, the
/// follower reads 4, then 3 commits: the next poll re-reads the window and emits 3, late.
#[test]
fn sql_ids_committed_out_of_order() {
    let mut fake = FakeNotary::new(Storage::Memory);
    fake.publish(T0, GUNS[0]);
    fake.publish(T0, GUNS[0]);
    let origin = Origin::parse("https://msr.example.org").unwrap();
    let mut pager = Pager::new(
        origin,
        Feed::Global,
        Mode::Follow(FollowFrom::Start),
        generous(10),
    );
    let mut now = T0;
    let mut log = Vec::new();
    let mut poll = |pager: &mut Pager, fake: &mut FakeNotary, now: Timestamp| {
        poll_once(pager, fake, now, &mut log)
    };
    assert_eq!(poll(&mut pager, &mut fake, now), ["1,2"]);
    let held = fake.reserve(now, GUNS[1]);
    assert_eq!(held, "3");
    fake.publish(now, GUNS[0]);
    now = now.add_millis(POLL_MS);
    assert_eq!(poll(&mut pager, &mut fake, now), ["4"]);
    fake.commit(&held);
    now = now.add_millis(POLL_MS);
    assert_eq!(poll(&mut pager, &mut fake, now), ["late 3"]);
    now = now.add_millis(POLL_MS);
    assert!(poll(&mut pager, &mut fake, now).is_empty());
    // Once the records are older than the window, a poll is a plain forward read again.
    now = now.add_millis(240_001);
    assert!(poll(&mut pager, &mut fake, now).is_empty());
    // One request per poll: the window (everything read in the last 4 minutes: from the
    // start) and the next page in one.
    assert_eq!(
        log,
        [
            "change_id=0&records=10",
            "change_id=0&records=12",
            "change_id=0&records=13",
            "change_id=0&records=14",
            "change_id=4&records=10",
        ]
    );
    assert_eq!(pager.progress().late_records, 1);
}

/// Send every request due at `now`, log its query, return the record batches emitted.
fn poll_once(
    pager: &mut Pager,
    fake: &mut FakeNotary,
    now: Timestamp,
    log: &mut Vec<String>,
) -> Vec<String> {
    while let Some((id, request)) = pager.poll_request(now) {
        log.push(request.uri().query().unwrap().to_string());
        let answer = fake.handle(now, &request).unwrap();
        pager.handle_response(id, now, answer);
    }
    let mut out = Vec::new();
    while let Some(event) = pager.poll_event() {
        if let Event::Records { records, late, .. } = event {
            let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
            out.push(format!(
                "{}{}",
                if late { "late " } else { "" },
                ids.join(",")
            ));
        }
    }
    out
}
