//! Property tests for the changefeed: parsers never panic, the builder never sends a
//! forbidden request, and the pager — driven against a fake notary whose store grows between
//! pages, with random page sizes, injected faults, stale and duplicate answers, integer or
//! UUID IDs and a 60 s blackout — emits exactly the store's records, once each, in order.

mod common;

use std::collections::VecDeque;

use common::fake::{Change, FakeNotary, Quirk, Storage};
use http::{Request, Response, header};
use msr_lens_core::changefeed::{
    ChangeId, Cursor, Event, Failure, Feed, FollowFrom, Gun, Mode, Page, Pager, PagerConfig,
    Placement, Record, Recovery, RequestId, Status,
};
use msr_lens_core::{Origin, Timestamp};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;

const GUNS: [&str; 3] = [
    "msr.example.org/library/wordpress",
    "msr.example.org:443/engineering/api",
    "msr.example.org/library/nginx",
];

const T0: Timestamp = Timestamp::from_secs(1_800_000_000);

/// What goes wrong with one exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// A load balancer's HTML 503.
    Unavailable,
    /// notary's 500 `UNKNOWN` (on an ID cursor it may also mean "vanished").
    Unknown500,
    /// An SSO login page with status 200.
    LoginPage,
    /// 429 with `Retry-After`.
    RateLimited,
    /// A page with one malformed record.
    Malformed,
    /// The auth layer reports bad credentials.
    Unauthenticated,
    /// The auth layer reports no access.
    NoAccess,
    /// The network failed.
    Network,
    /// The shell timed the request out; the real answer arrives later (stale).
    TimeoutLateAnswer,
    /// No answer at all; the answer may arrive much later.
    Dropped,
    /// An answer to an older request arrives first.
    StaleReplay,
    /// The answer is delivered twice.
    Duplicate,
    /// The server also returns the cursor's record.
    IncludeCursor,
}

impl Fault {
    /// Whether the exchange must leave the cursors alone.
    fn is_failure(self) -> bool {
        !matches!(
            self,
            Fault::None
                | Fault::StaleReplay
                | Fault::Duplicate
                | Fault::IncludeCursor
                | Fault::Dropped
        )
    }
}

#[derive(Debug, Clone)]
struct Step {
    /// Records written before this step: (GUN index, is a deletion).
    writes: Vec<(usize, bool)>,
    advance_ms: i64,
    fault: Fault,
    older: bool,
}

#[derive(Debug, Clone)]
struct Scenario {
    storage: Storage,
    gun: Option<usize>,
    mode: Mode,
    page_size: u32,
    initial: Vec<(usize, bool)>,
    steps: Vec<Step>,
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        12 => Just(Fault::None),
        1 => Just(Fault::Unavailable),
        1 => Just(Fault::Unknown500),
        1 => Just(Fault::LoginPage),
        1 => Just(Fault::RateLimited),
        1 => Just(Fault::Malformed),
        1 => Just(Fault::Unauthenticated),
        1 => Just(Fault::NoAccess),
        1 => Just(Fault::Network),
        1 => Just(Fault::TimeoutLateAnswer),
        1 => Just(Fault::Dropped),
        2 => Just(Fault::StaleReplay),
        2 => Just(Fault::Duplicate),
        2 => Just(Fault::IncludeCursor),
    ]
}

fn writes(max: usize) -> impl Strategy<Value = Vec<(usize, bool)>> {
    prop::collection::vec((0..GUNS.len(), prop::bool::weighted(0.1)), 0..max)
}

fn step() -> impl Strategy<Value = Step> {
    (writes(4), 0..40_000_i64, fault(), any::<bool>()).prop_map(
        |(writes, advance_ms, fault, older)| Step {
            writes,
            advance_ms,
            fault,
            older,
        },
    )
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop_oneof![Just(Storage::Memory), Just(Storage::Rethink)],
        prop::option::of(0..GUNS.len()),
        prop_oneof![
            Just(Mode::Backfill),
            Just(Mode::NewestFirst),
            Just(Mode::Follow(FollowFrom::Start)),
            Just(Mode::Follow(FollowFrom::Latest)),
        ],
        1..=6_u32,
        writes(25),
        prop::collection::vec(step(), 1..40),
    )
        .prop_map(|(storage, gun, mode, page_size, initial, steps)| Scenario {
            storage,
            gun,
            mode,
            page_size,
            initial,
            steps,
        })
}

fn config(page_size: u32) -> PagerConfig {
    PagerConfig {
        page_size,
        poll_interval_ms: 10_000,
        backoff_initial_ms: 500,
        backoff_max_ms: 8_000,
        request_timeout_ms: Some(30_000),
        dedup_window: 64,
        vanish_after: 2,
        // The overlap window on: its re-reads must never repeat, reorder or lose a record
        // (nothing is late in these scenarios).
        overlap_records: 5,
        overlap_ms: Some(30_000),
    }
}

fn response(status: u16, content_type: &str, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.as_bytes().to_vec())
        .expect("a response")
}

/// The invariants of every request the pager sends.
fn check_request(request: &Request<Vec<u8>>) {
    assert!(request.headers().get(header::AUTHORIZATION).is_none());
    assert_eq!(request.method(), http::Method::GET);
    let path = request.uri().path();
    assert!(
        path.starts_with("/v2/") && path.ends_with("/_trust/changefeed"),
        "{path}"
    );
    assert!(!path.contains("//"), "{path}");
    let query = request.uri().query().expect("a query");
    let (change_id, records) = query
        .strip_prefix("change_id=")
        .and_then(|q| q.split_once("&records="))
        .unwrap_or_else(|| panic!("unexpected query {query}"));
    assert!(!records.starts_with('+'), "{query}");
    let records: i32 = records.parse().expect("records is an int32");
    assert!((1..=10_000).contains(&records.unsigned_abs()), "{query}");
    let change_id = percent_decode_str(change_id).decode_utf8().expect("utf-8");
    // Zero as Go's `strconv.ParseInt` reads it (one optional sign, then digits): "+" or
    // "-" alone is no number (a 400), not zero.
    let digits = change_id.strip_prefix(['+', '-']).unwrap_or(&change_id);
    let zero_like =
        change_id.is_empty() || (!digits.is_empty() && digits.bytes().all(|b| b == b'0'));
    assert!(!(zero_like && records < 0), "forbidden: {query}");
    if change_id == "-1" {
        assert!(records < 0, "latest is -1 with negative records: {query}");
    }
}

struct Harness {
    fake: FakeNotary,
    pager: Pager,
    mode: Mode,
    gun: Option<&'static str>,
    now: Timestamp,
    view: VecDeque<Record>,
    /// Answers not delivered yet: (id, answer, visible records when served, query).
    held: Vec<(RequestId, Response<Vec<u8>>, usize, String)>,
    /// Answers delivered, for stale replays.
    history: Vec<(RequestId, Response<Vec<u8>>)>,
    /// Visible records when the answer being applied was served.
    serving_visible: usize,
    /// Backfill: visible records when the page that caught up was served.
    caught_up_visible: Option<usize>,
    /// Newest-first: visible records when the applied latest page was served.
    latest_visible: Option<usize>,
    /// When the last forward page (positive `records`) was served and applied.
    forward_applied_at: Option<Timestamp>,
}

impl Harness {
    fn new(scenario: &Scenario) -> Self {
        let mut fake = FakeNotary::new(scenario.storage);
        let mut t = T0.add_secs(-7200);
        for (i, &(gun, delete)) in scenario.initial.iter().enumerate() {
            write(&mut fake, t, gun, delete);
            t = t.add_millis((i % 2) as i64); // some records share a timestamp
        }
        let gun = scenario.gun.map(|g| GUNS[g]);
        let feed = gun.map_or(Feed::Global, |g| Feed::Repository(Gun::new(g).unwrap()));
        let origin = Origin::parse("https://msr.example.org").unwrap();
        Harness {
            fake,
            pager: Pager::new(origin, feed, scenario.mode, config(scenario.page_size)),
            mode: scenario.mode,
            gun,
            now: T0,
            view: VecDeque::new(),
            held: Vec::new(),
            history: Vec::new(),
            serving_visible: 0,
            caught_up_visible: None,
            latest_visible: None,
            forward_applied_at: None,
        }
    }

    fn visible(&self) -> usize {
        self.fake.visible(self.now, self.gun).len()
    }

    /// One request/answer exchange with `fault`; false when no request was due.
    fn exchange(&mut self, fault: Fault) -> bool {
        let Some((id, request)) = self.pager.poll_request(self.now) else {
            self.drain();
            return false;
        };
        check_request(&request);
        assert!(
            self.pager.poll_request(self.now).is_none(),
            "one request in flight"
        );
        let before = self.pager.progress();
        let visible = self.visible();
        let query = request.uri().query().unwrap_or_default().to_string();
        let now = self.now;
        let real = |fake: &mut FakeNotary, quirk| {
            fake.handle_with(now, &request, quirk)
                .expect("notary never crashes on the pager's requests")
        };
        match fault {
            Fault::None => {
                let answer = real(&mut self.fake, Quirk::None);
                self.deliver(id, answer, visible, &query);
            }
            Fault::IncludeCursor => {
                let answer = real(&mut self.fake, Quirk::IncludeCursor);
                self.deliver(id, answer, visible, &query);
            }
            Fault::Duplicate => {
                let answer = real(&mut self.fake, Quirk::None);
                self.deliver(id, answer.clone(), visible, &query);
                let after = self.pager.progress();
                self.deliver(id, answer, visible, &query);
                assert_eq!(
                    self.pager.progress().pages,
                    after.pages,
                    "a duplicate is ignored"
                );
            }
            Fault::StaleReplay => {
                if let Some((old, answer)) = self.history.first().cloned() {
                    self.deliver(old, answer, visible, &query);
                    assert_eq!(self.pager.progress().pages, before.pages, "stale");
                }
                let answer = real(&mut self.fake, Quirk::None);
                self.deliver(id, answer, visible, &query);
            }
            Fault::Dropped | Fault::TimeoutLateAnswer => {
                let answer = real(&mut self.fake, Quirk::None);
                self.held.push((id, answer, visible, query.clone()));
                if fault == Fault::TimeoutLateAnswer {
                    self.pager.handle_failure(id, self.now, Failure::Timeout);
                }
            }
            Fault::Unavailable => self.deliver(
                id,
                response(503, "text/html", "<html>503</html>"),
                visible,
                &query,
            ),
            Fault::Unknown500 => self.deliver(
                id,
                response(
                    500,
                    "application/json",
                    r#"{"errors":[{"code":"UNKNOWN","message":"unknown error","detail":{}}]}"#,
                ),
                visible,
                &query,
            ),
            Fault::LoginPage => self.deliver(
                id,
                response(
                    200,
                    "text/html; charset=utf-8",
                    "<!DOCTYPE html><title>Sign in</title>",
                ),
                visible,
                &query,
            ),
            Fault::RateLimited => {
                let mut answer = response(429, "text/plain", "slow down");
                answer
                    .headers_mut()
                    .insert(header::RETRY_AFTER, "2".parse().unwrap());
                self.deliver(id, answer, visible, &query);
            }
            Fault::Malformed => self.deliver(
                id,
                response(
                    200,
                    "text/plain",
                    r#"{"count":1,"records":[{"ID":"zz","GUN":"g","Version":"oops"}]}"#,
                ),
                visible,
                &query,
            ),
            Fault::Unauthenticated => {
                self.pager.handle_failure(
                    id,
                    self.now,
                    Failure::Unauthenticated("bad password".into()),
                );
            }
            Fault::NoAccess => {
                self.pager
                    .handle_failure(id, self.now, Failure::NoAccess("no pull".into()));
            }
            Fault::Network => {
                self.pager
                    .handle_failure(id, self.now, Failure::Network("reset".into()));
            }
        }
        if fault.is_failure() {
            let after = self.pager.progress();
            assert_eq!(after.newest, before.newest, "{fault:?} moved the cursor");
            assert_eq!(after.oldest, before.oldest, "{fault:?} moved the cursor");
            assert_eq!(after.pages, before.pages);
        }
        self.drain();
        true
    }

    fn deliver(&mut self, id: RequestId, answer: Response<Vec<u8>>, visible: usize, query: &str) {
        let pages = self.pager.progress().pages;
        self.serving_visible = visible;
        self.history.push((id, answer.clone()));
        self.pager.handle_response(id, self.now, answer);
        if self.pager.progress().pages > pages {
            if query.starts_with("change_id=-1&") {
                self.latest_visible = Some(visible);
            }
            if !query.contains("records=-") {
                self.forward_applied_at = Some(self.now);
            }
        }
        self.drain();
    }

    /// Late answers: either applied (if still the request in flight) or ignored.
    fn deliver_held(&mut self) {
        for (id, answer, visible, query) in std::mem::take(&mut self.held) {
            self.deliver(id, answer, visible, &query);
        }
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
                    assert!(!late, "nothing is late here: {records:?}");
                    match placement {
                        Placement::Append => self.view.extend(records),
                        Placement::Prepend => {
                            for record in records.into_iter().rev() {
                                self.view.push_front(record);
                            }
                        }
                    }
                }
                Event::CaughtUp => {
                    if self.mode == Mode::Backfill {
                        self.caught_up_visible = Some(self.serving_visible);
                    }
                }
                Event::ReachedStart => {}
                Event::Error { retry_at: None, .. } | Event::NoAccess { .. } => {
                    self.pager.retry_now(); // the user fixed it
                }
                Event::Error {
                    retry_at: Some(at), ..
                } => assert!(at > self.now),
                Event::CursorVanished { choices, cursor } => {
                    assert!(
                        choices.contains(&Recovery::Retry),
                        "only 500s are injected: {cursor}"
                    );
                    assert!(cursor.id().is_some());
                    self.pager.recover(Recovery::Retry);
                }
                Event::Reset => panic!("no reset without a recovery that asks for it"),
                Event::Progress(progress) => {
                    assert_eq!(progress.records_emitted, self.view.len() as u64);
                }
                other => panic!("unexpected event {other:?}"),
            }
        }
    }

    fn wants_older(&self) -> bool {
        matches!(
            self.mode,
            Mode::NewestFirst | Mode::Follow(FollowFrom::Latest)
        )
    }

    fn run(&mut self, steps: &[Step]) {
        for step in steps {
            for &(gun, delete) in &step.writes {
                write(&mut self.fake, self.now, gun, delete);
            }
            if step.fault != Fault::Dropped {
                self.deliver_held();
            }
            self.now = self.now.add_millis(step.advance_ms);
            if step.older {
                self.pager.request_older();
            }
            self.exchange(step.fault);
            for _ in 0..3 {
                if !self.exchange(Fault::None) {
                    break;
                }
            }
        }
        // Settle: no more writes or faults; wait out the blackout, then finish.
        self.deliver_held();
        self.now = self.now.add_millis(self.fake.blackout_ms + 1000);
        let settled_at = self.now;
        for _ in 0..5000 {
            let progress = self.pager.progress();
            let done = match self.mode {
                Mode::Backfill | Mode::NewestFirst => progress.status == Status::Done,
                Mode::Follow(_) => {
                    progress.caught_up
                        && progress.reached_start
                        && progress.status != Status::Fetching
                        && self.forward_applied_at.is_some_and(|t| t >= settled_at)
                }
            };
            if done {
                return;
            }
            if self.wants_older() && !progress.reached_start {
                self.pager.request_older();
            }
            if !self.exchange(Fault::None) {
                let next = self
                    .pager
                    .poll_timeout()
                    .expect("a pager that is not done has a timeout");
                assert!(
                    next > self.now,
                    "poll_timeout says now, but poll_request had nothing"
                );
                self.now = next;
            }
        }
        panic!("the pager did not finish: {:?}", self.pager.progress());
    }

    fn check(&self) {
        let all = self.fake.visible(self.now, self.gun);
        let expected: &[Change] = match self.mode {
            Mode::Follow(_) => &all,
            Mode::Backfill => &all[..self.caught_up_visible.expect("caught up")],
            Mode::NewestFirst => &all[..self.latest_visible.expect("a latest page")],
        };
        let got: Vec<&str> = self.view.iter().map(|r| r.id.as_str()).collect();
        let want: Vec<&str> = expected.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(got, want, "every record once, in server order");
        for (record, change) in self.view.iter().zip(expected) {
            assert_eq!(record.gun, change.gun);
            assert_eq!(record.version, change.version);
            assert_eq!(record.category.as_str(), change.category);
            assert_eq!(record.sha256.as_deref().unwrap_or(""), change.sha256);
            assert_eq!(record.created_at_raw, change.created_text);
            assert_eq!(
                record.created_at.map(|t| t.as_millis()),
                Some(change.created.as_millis())
            );
        }
        assert!(
            self.fake.violations.is_empty(),
            "{:?}",
            self.fake.violations
        );
        assert_eq!(
            self.pager.progress().records_emitted,
            self.view.len() as u64
        );
    }
}

/// Run `scenario`'s first `cut` steps (no faults, no older pages), save the pager, resume it
/// into a fresh pager (through JSON), run the rest there and check the view.
fn save_resume_and_check(scenario: &Scenario, cut: usize) {
    let mut harness = Harness::new(scenario);
    let cut = cut.min(scenario.steps.len());
    let (first, rest) = scenario.steps.split_at(cut);
    for step in first {
        for &(gun, delete) in &step.writes {
            write(&mut harness.fake, harness.now, gun, delete);
        }
        harness.now = harness.now.add_millis(step.advance_ms);
        harness.exchange(Fault::None);
    }
    let json = serde_json::to_string(&harness.pager.save()).unwrap();
    let saved = serde_json::from_str(&json).unwrap();
    let origin = Origin::parse("https://msr.example.org").unwrap();
    harness.pager = Pager::resume(origin, saved, config(scenario.page_size)).unwrap();
    harness.held.clear();
    harness.run(rest);
    harness.check();
}

fn write(fake: &mut FakeNotary, now: Timestamp, gun: usize, delete: bool) {
    if delete {
        fake.delete(now, GUNS[gun]);
    } else {
        fake.publish(now, GUNS[gun]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn pager_emits_every_record_once_in_server_order(scenario in scenario()) {
        let mut harness = Harness::new(&scenario);
        harness.run(&scenario.steps);
        harness.check();
    }

    #[test]
    fn saved_and_resumed_pagers_lose_and_repeat_nothing(
        scenario in scenario(),
        cut in 0..40_usize,
    ) {
        save_resume_and_check(&scenario, cut);
    }

    #[test]
    fn page_parser_never_panics_on_bytes(
        status in 100_u16..600,
        content_type in prop_oneof![
            Just("text/plain; charset=utf-8"), Just("application/json"), Just("text/html"), Just(""),
        ],
        body in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut builder = Response::builder().status(status);
        if !content_type.is_empty() {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        let answer = builder.body(body).unwrap();
        if let Ok(page) = Page::parse(&answer) {
            prop_assert!((200..300).contains(&status));
            for record in &page.records {
                prop_assert!(ChangeId::new(record.id.as_str()).is_ok());
            }
        }
    }

    #[test]
    fn page_parser_never_panics_on_json(value in page_like()) {
        let body = value.to_string();
        let answer = response(200, "text/plain", &body);
        if let Ok(page) = Page::parse(&answer) {
            let array_len = value.get("records").and_then(|r| r.as_array()).map_or(0, Vec::len);
            prop_assert_eq!(page.records.len(), array_len);
        }
    }

    #[test]
    fn arbitrary_answers_never_panic_the_pager_nor_move_it_wrongly(
        answers in prop::collection::vec((prop_oneof![Just(200_u16), Just(400), Just(401), Just(500), Just(503)], page_like()), 1..12),
        mode in prop_oneof![Just(Mode::Backfill), Just(Mode::NewestFirst), Just(Mode::Follow(FollowFrom::Latest))],
    ) {
        let origin = Origin::parse("https://msr.example.org").unwrap();
        let mut pager = Pager::new(origin, Feed::Global, mode, config(3));
        let mut now = T0;
        for (status, value) in answers {
            pager.request_older();
            let Some((id, request)) = pager.poll_request(now) else {
                pager.retry_now();
                pager.recover(Recovery::Retry);
                now = now.add_secs(60);
                continue;
            };
            check_request(&request);
            let before = pager.progress();
            let answer = response(status, "text/plain", &value.to_string());
            let parsed = Page::parse(&answer);
            pager.handle_response(id, now, answer);
            let after = pager.progress();
            if parsed.is_err() {
                prop_assert_eq!(&after.newest, &before.newest);
                prop_assert_eq!(&after.oldest, &before.oldest);
            }
            while pager.poll_event().is_some() {}
            now = now.add_secs(60);
        }
    }

    #[test]
    fn builder_invariants(
        id in ".{0,40}",
        size in any::<u32>(),
        gun in prop::collection::vec("[a-zA-Z0-9 :%+#?&./-]{1,12}", 1..4),
        backward in any::<bool>(),
    ) {
        let origin = Origin::parse("https://msr.example.org:8443").unwrap();
        let gun_text = gun.join("/");
        let feed = Gun::new(gun_text.clone()).map_or(Feed::Global, Feed::Repository);
        let cursors = match ChangeId::new(id.clone()) {
            Ok(id) if backward => vec![Cursor::Before(id), Cursor::Latest],
            Ok(id) => vec![Cursor::After(id), Cursor::Start],
            Err(_) => vec![Cursor::Start, Cursor::Latest],
        };
        for cursor in cursors {
            let request = msr_lens_core::changefeed::PageRequest::new(feed.clone(), cursor.clone(), size);
            let http = request.to_http(&origin);
            check_request(&http);
            let query = http.uri().query().unwrap();
            let sent = query.strip_prefix("change_id=").and_then(|q| q.split_once("&records=")).unwrap().0;
            let decoded = percent_decode_str(sent).decode_utf8().unwrap();
            prop_assert_eq!(decoded.as_ref(), request.change_id());
            if let Some(id) = cursor.id() {
                prop_assert_eq!(decoded.as_ref(), id.as_str(), "ids are sent opaque");
            }
            if let Feed::Repository(gun) = &feed {
                let path = http.uri().path();
                let inner = path.strip_prefix("/v2/").unwrap().strip_suffix("/_trust/changefeed").unwrap();
                let segments: Vec<String> = inner
                    .split('/')
                    .map(|s| percent_decode_str(s).decode_utf8().unwrap().into_owned())
                    .collect();
                prop_assert_eq!(segments.join("/"), gun.as_str());
            }
        }
    }
}

/// JSON values shaped like changefeed pages, with every field sometimes of the wrong type.
fn page_like() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
        Just(json!("2026-11-26T12:49:38.190589884Z")),
        Just(json!("update")),
        Just(json!("deletion")),
        Just(json!("0")),
        Just(json!("-1")),
    ];
    let value = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    let field = |name: &'static str,
                 good: BoxedStrategy<Value>,
                 any_value: BoxedStrategy<Value>| {
        prop_oneof![4 => good.prop_map(move |v| Some((name, v))), 1 => any_value.prop_map(move |v| Some((name, v))), 1 => Just(None)]
    };
    let any_value = value.boxed();
    let record = (
        field(
            "ID",
            prop_oneof![
                (1..99_u32).prop_map(|n| json!(n.to_string())),
                "[0-9a-f-]{1,36}".prop_map(|s| json!(s))
            ]
            .boxed(),
            any_value.clone(),
        ),
        field(
            "CreatedAt",
            Just(json!("2026-11-26T12:49:38.19Z")).boxed(),
            any_value.clone(),
        ),
        field(
            "GUN",
            Just(json!("msr.example.org/a/b")).boxed(),
            any_value.clone(),
        ),
        field(
            "Version",
            (0..9_i64).prop_map(|n| json!(n)).boxed(),
            any_value.clone(),
        ),
        field("SHA256", Just(json!("  ab  ")).boxed(), any_value.clone()),
        field("Category", Just(json!("update")).boxed(), any_value.clone()),
    )
        .prop_map(|fields| {
            let (a, b, c, d, e, f) = fields;
            Value::Object(
                [a, b, c, d, e, f]
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            )
        });
    (
        prop_oneof![4 => prop::collection::vec(record, 0..5).prop_map(Value::Array), 1 => Just(Value::Null), 1 => any_value.clone()],
        prop::option::of(any_value),
        any::<bool>(),
    )
        .prop_map(|(records, count, with_records)| {
            let mut page = serde_json::Map::new();
            if with_records {
                page.insert("records".into(), records);
            }
            if let Some(count) = count {
                page.insert("count".into(), count);
            }
            Value::Object(page)
        })
}

/// Drive `pager` against `fake` at `now` until nothing is due; return the record IDs emitted
/// and the other events (as short strings).
fn settle(pager: &mut Pager, fake: &mut FakeNotary, now: Timestamp) -> (Vec<String>, Vec<String>) {
    let (mut ids, mut other) = (Vec::new(), Vec::new());
    while let Some((id, request)) = pager.poll_request(now) {
        check_request(&request);
        let answer = fake.handle(now, &request).expect("an answer");
        pager.handle_response(id, now, answer);
        while let Some(event) = pager.poll_event() {
            match event {
                Event::Records { records, .. } => {
                    ids.extend(records.into_iter().map(|r| r.id.as_str().to_string()))
                }
                Event::Progress(_) => {}
                Event::CursorVanished { choices, .. } => {
                    other.push(format!("vanished {choices:?}"))
                }
                Event::Error { error, .. } => other.push(format!("error {}", error.kind_str())),
                other_event => other.push(format!("{other_event:?}")),
            }
        }
    }
    (ids, other)
}

#[test]
fn follower_sees_records_once_the_blackout_is_over() {
    let mut fake = FakeNotary::new(Storage::Rethink);
    fake.publish(T0.add_secs(-600), GUNS[0]);
    fake.publish(T0.add_secs(-600), GUNS[1]);
    let origin = Origin::parse("https://msr.example.org").unwrap();
    let mut pager = Pager::new(
        origin,
        Feed::Global,
        Mode::Follow(FollowFrom::Start),
        config(10),
    );
    let (ids, events) = settle(&mut pager, &mut fake, T0);
    assert_eq!(ids.len(), 2);
    assert_eq!(events, ["CaughtUp"]);
    fake.publish(T0, GUNS[2]);
    let hidden = T0.add_secs(30);
    let (ids, _) = settle(&mut pager, &mut fake, hidden);
    assert!(ids.is_empty(), "a record younger than 60 s is hidden");
    let next_poll = pager.poll_timeout().unwrap();
    assert_eq!(next_poll, hidden.add_secs(10));
    let (ids, _) = settle(&mut pager, &mut fake, next_poll);
    assert!(ids.is_empty());
    let shown = T0.add_secs(61).max(pager.poll_timeout().unwrap());
    let (ids, _) = settle(&mut pager, &mut fake, shown);
    assert_eq!(ids, [fake.all()[2].id.clone()]);
}

#[test]
fn a_purged_rethinkdb_table_makes_the_cursor_vanish() {
    let mut fake = FakeNotary::new(Storage::Rethink);
    for gun in GUNS {
        fake.publish(T0.add_secs(-600), gun);
    }
    let origin = Origin::parse("https://msr.example.org").unwrap();
    // Without the overlap window: it would re-read this short feed from its start, which
    // cannot vanish.
    let no_overlap = PagerConfig {
        overlap_records: 0,
        ..config(10)
    };
    let mut pager = Pager::new(
        origin,
        Feed::Global,
        Mode::Follow(FollowFrom::Start),
        no_overlap,
    );
    let (ids, _) = settle(&mut pager, &mut fake, T0);
    assert_eq!(ids.len(), 3);
    fake.purge();
    fake.publish(T0.add_secs(-500), GUNS[0]);
    let mut now = T0;
    let mut events = Vec::new();
    for _ in 0..2 {
        // vanish_after = 2 in these tests' config
        now = pager.poll_timeout().unwrap().max(now);
        events.extend(settle(&mut pager, &mut fake, now).1);
    }
    assert_eq!(
        events,
        [
            "error serverError",
            "vanished [Retry, RestartFromStart, JumpToLatest]"
        ]
    );
    assert!(
        pager.poll_request(now.add_secs(3600)).is_none(),
        "waits for a choice"
    );
    pager.recover(Recovery::RestartFromStart);
    let (ids, events) = settle(&mut pager, &mut fake, now);
    assert_eq!(events, ["Reset", "CaughtUp"]);
    assert_eq!(ids, [fake.all()[0].id.clone()]);
}

#[test]
fn a_repository_feed_with_a_port_in_the_gun() {
    let mut fake = FakeNotary::new(Storage::Memory);
    for round in 0..3 {
        for gun in GUNS {
            fake.publish(T0.add_secs(round), gun);
        }
    }
    fake.delete(T0.add_secs(5), GUNS[1]);
    fake.publish(T0.add_secs(6), GUNS[1]);
    let origin = Origin::parse("https://msr.example.org").unwrap();
    let feed = Feed::Repository(Gun::new(GUNS[1]).unwrap());
    let mut pager = Pager::new(origin, feed, Mode::NewestFirst, config(2));
    let (mut ids, _) = settle(&mut pager, &mut fake, T0.add_secs(10));
    assert_eq!(
        ids,
        ["10", "11"],
        "the latest page of the GUN (global IDs, with gaps)"
    );
    loop {
        pager.request_older();
        let (older, events) = settle(&mut pager, &mut fake, T0.add_secs(10));
        ids.splice(0..0, older);
        if events.contains(&"ReachedStart".to_string()) {
            break;
        }
    }
    assert_eq!(ids, ["2", "5", "8", "10", "11"]);
    assert!(fake.violations.is_empty());
}

/// The case `saved_and_resumed_pagers_lose_and_repeat_nothing` once shrank to (its seed is
/// the first in `changefeed_props.proptest-regressions`): follow from latest on memory
/// storage, 65 records (one more than the de-duplication window), saved after 33 steps, and
/// an older page that also returns its cursor record. The page lists the cursor last, after
/// two records whose insertion evicted it from the full window: it was emitted twice.
#[test]
fn regression_follow_latest_resumed_then_older_page_with_its_cursor() {
    const WRITES: [usize; 35] = [
        1, 1, 3, 2, 1, 1, 3, 2, 3, 1, 3, 0, 3, 3, 0, 0, 0, 2, 3, 0, 3, 3, 1, 2, 3, 1, 0, 3, 1, 0,
        3, 3, 3, 3, 0,
    ];
    let mut steps: Vec<Step> = WRITES
        .iter()
        .map(|&n| Step {
            writes: vec![(0, false); n],
            advance_ms: 0,
            fault: Fault::None,
            older: false,
        })
        .collect();
    steps[14].advance_ms = 10_000;
    let last = steps.last_mut().unwrap();
    last.fault = Fault::IncludeCursor;
    last.older = true;
    let scenario = Scenario {
        storage: Storage::Memory,
        gun: None,
        mode: Mode::Follow(FollowFrom::Latest),
        page_size: 3,
        initial: vec![(0, false); 4],
        steps,
    };
    save_resume_and_check(&scenario, 33);
}

/// `+` and `-` alone are record IDs to the builder (not integers to notary, which answers
/// 400 without crashing), not zero: going backward from them is allowed.
#[test]
fn a_sign_alone_is_an_id_not_zero() {
    let origin = Origin::parse("https://msr.example.org").unwrap();
    for id in ["+", "-"] {
        let cursor = Cursor::Before(ChangeId::new(id).unwrap());
        let request = msr_lens_core::changefeed::PageRequest::new(Feed::Global, cursor, 3);
        let http = request.to_http(&origin);
        check_request(&http);
        let mut fake = FakeNotary::new(Storage::Memory);
        fake.publish(T0, GUNS[0]);
        let answer = fake.handle(T0, &http).expect("an answer, not a crash");
        assert_eq!(answer.status(), 400);
        assert!(fake.violations.is_empty(), "{:?}", fake.violations);
    }
}
