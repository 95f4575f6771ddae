//! The words of the audit view's scope banner: how much of the history a filter searched
//! while only the newest part is loaded; and of its progress line.
//!
//! Only what is known is said. Changefeed IDs are increasing integers, not necessarily
//! gapless (the stand-in's tests add records at the int32 edge), and records are not
//! evenly spread in time, so neither the newest ID nor the share of the time span loaded
//! gives the count of the records. What bounds the count: the records older than the oldest one
//! loaded have IDs from the log's first ID up to it, so there are at most
//! `oldest - first` of them. When the IDs loaded have no gap that bound is shown as "at
//! most N records"; when they do (the bound would mostly count gaps) the banner names the
//! IDs instead of a count.
//!
//! The same bound gives the backfill's progress bar and ETA ([`Loaded::done`]): the share of
//! the records read is at least `n / (n + oldest - first)`. Over dense IDs (MSR's are a
//! PostgreSQL sequence) that is the share of the ID range read, whatever the timing of the
//! publishing; gaps below the oldest loaded only make it an underestimate (the bar jumps to
//! the end), gaps among the records loaded (the int32 edge) do not count, as the records
//! loaded are counted, not their IDs. Without usable IDs (RethinkDB's UUIDs, several feeds)
//! the share of the time span loaded is the fallback; with neither, there is no estimate.

/// What is known of the history while only part of it is loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Loaded<'a> {
    /// Records loaded.
    pub count: usize,
    /// The ID of the oldest record loaded, of one feed (`None` over several feeds: their
    /// records are interleaved).
    pub oldest: Option<&'a str>,
    /// The ID of the newest record loaded, of the same feed.
    pub newest: Option<&'a str>,
    /// The ID of the log's first record, once read (global feed only).
    pub first: Option<&'a str>,
}

/// A changefeed ID as a positive integer, if it is one (MSR's are).
fn number(id: Option<&str>) -> Option<u64> {
    id?.parse::<u64>().ok().filter(|&n| n > 0)
}

impl Loaded<'_> {
    /// "the newest N of at most M records", "the newest N records (IDs a–b, …)", "the
    /// newest N records loaded"; "all N records" when the oldest loaded is the first
    /// (the banner is not shown then; a progress event may lag behind the records).
    pub fn of(&self) -> String {
        let n = self.count;
        let (Some(oldest), Some(newest)) = (number(self.oldest), number(self.newest)) else {
            return format!("the newest {n} records loaded");
        };
        // The newest record has the highest ID; a gapless run of n records spans n IDs.
        let gapless = newest >= oldest && (newest - oldest).saturating_add(1) == n as u64;
        match number(self.first).filter(|&first| first <= oldest) {
            Some(first) if first == oldest && n == 1 => "the only record".to_string(),
            Some(first) if first == oldest => format!("all {n} records"),
            Some(first) if gapless => {
                let at_most = (n as u64).saturating_add(oldest - first);
                format!("the newest {n} of at most {at_most} records")
            }
            Some(first) => format!(
                "the newest {n} records (IDs {oldest}–{newest}, with gaps; the log starts at ID {first})"
            ),
            None => format!("the newest {n} records (IDs {oldest}–{newest})"),
        }
    }

    /// The banner's sentence for `matching` records found among those loaded.
    pub fn sentence(&self, matching: usize) -> String {
        let of = self.of();
        if matching == 0 {
            format!("No match in {of}.")
        } else {
            format!("{matching} matching in {of}; older records are not searched yet.")
        }
    }
}

/// The times known of the history, epoch ms: the log's first record's and the oldest and
/// newest loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    /// The log's first record's time.
    pub first: i64,
    /// The oldest record loaded.
    pub oldest: i64,
    /// The newest record loaded.
    pub newest: i64,
}

/// What an estimate of the share loaded rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Everything is loaded.
    Complete,
    /// The changefeed IDs: the records loaded against the IDs left below the oldest.
    Ids,
    /// The share of the time span loaded (records are not evenly spread in time).
    Time,
}

/// The share of the history loaded, `0.0..=1.0`, and what it rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Done {
    /// The share loaded, `0.0..=1.0`.
    pub fraction: f64,
    /// What it rests on.
    pub basis: Basis,
}

impl Basis {
    /// For the bar's `data-basis` (tests).
    pub fn name(self) -> &'static str {
        match self {
            Basis::Complete => "complete",
            Basis::Ids => "ids",
            Basis::Time => "time",
        }
    }
}

impl Done {
    /// The progress bar's value text: "32 % loaded (estimated from the changefeed IDs)".
    /// The percentage is rounded down: 99.6 % is not "100 %".
    pub fn text(&self) -> String {
        let percent = (self.fraction * 100.0).floor() as u32;
        match self.basis {
            Basis::Complete => "all records loaded".to_string(),
            Basis::Ids => format!("{percent} % loaded (estimated from the changefeed IDs)"),
            Basis::Time => format!("{percent} % of the time span loaded"),
        }
    }

    /// The time left at `per_sec` records per second with `records` loaded: the records
    /// left are `records * (1 - f) / f` (over IDs: `oldest - first`, at most). `None` when
    /// nothing is left, nothing is loaded yet, or no rate is measured.
    pub fn eta(&self, records: usize, per_sec: f64) -> Option<String> {
        let f = self.fraction;
        if records == 0
            || f <= 0.0
            || !(0.0..1.0).contains(&f)
            || per_sec <= 0.0
            || !per_sec.is_finite()
        {
            return None;
        }
        let left = records as f64 * (1.0 - f) / f / per_sec;
        Some(crate::format::age(left.ceil() as i64))
    }
}

impl Loaded<'_> {
    /// The share of the history loaded ([`Basis`]): from the IDs when they are numbers of one
    /// feed with the first ID known, else from `times` (asked only then: it scans the
    /// records), else not known. `complete` (the pager reached the start) is 1 whatever
    /// else is known.
    pub fn done(&self, complete: bool, times: impl FnOnce() -> Option<Times>) -> Option<Done> {
        if complete {
            return Some(Done {
                fraction: 1.0,
                basis: Basis::Complete,
            });
        }
        self.by_ids()
            .map(|fraction| Done {
                fraction,
                basis: Basis::Ids,
            })
            .or_else(|| {
                let t = times()?;
                let total = t.newest.checked_sub(t.first)?;
                let read = t.newest.checked_sub(t.oldest)?;
                (total > 0 && t.first <= t.oldest && read >= 0).then(|| Done {
                    fraction: (read as f64 / total as f64).clamp(0.0, 1.0),
                    basis: Basis::Time,
                })
            })
    }

    /// `n / (n + oldest - first)`: at most `oldest - first` records are older than the
    /// oldest loaded. Not believed when the IDs cannot be those of the `n` records (more
    /// records than IDs between the oldest and the newest) or the first is above the oldest.
    fn by_ids(&self) -> Option<f64> {
        let (oldest, newest) = (number(self.oldest)?, number(self.newest)?);
        let first = number(self.first).filter(|&first| first <= oldest)?;
        let n = self.count as u64;
        if n == 0 || newest < oldest || n > (newest - oldest).saturating_add(1) {
            return None;
        }
        let left = oldest - first;
        Some(n as f64 / (n as f64 + left as f64))
    }
}

/// A load of older records under way, for the progress line.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    /// Older pages this load read.
    pub pages: u64,
    /// Records per second since it began.
    pub per_sec: f64,
    /// The time left, when it can be estimated.
    pub eta: Option<String>,
}

/// The progress line: "3100 records"; while older records load, "3100 records · 2 pages ·
/// 950.0 records/s · ETA 3 s" with the pages that load read.
///
/// Not the pager's page count: that counts every answer since the feed began, follow
/// polls with nothing new and each reopening of the view included, so the same records
/// read "2 pages" or "3 pages" depending on how often the view had been opened.
pub fn progress(records: usize, load: Option<Load>) -> String {
    let mut line = format!("{records} records");
    if let Some(load) = load {
        let pages = load.pages;
        let word = if pages == 1 { "page" } else { "pages" };
        line.push_str(&format!(
            " · {pages} {word} · {} records/s",
            crate::format::rate(Some(load.per_sec))
        ));
        if let Some(eta) = load.eta {
            line.push_str(&format!(" · ETA {eta}"));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded<'a>(
        count: usize,
        oldest: &'a str,
        newest: &'a str,
        first: Option<&'a str>,
    ) -> Loaded<'a> {
        Loaded {
            count,
            oldest: Some(oldest),
            newest: Some(newest),
            first,
        }
    }

    #[test]
    fn gapless_ids_bound_the_count() {
        // 1000 records 2136..=3135 loaded, the log starts at 1: 2135 older at most.
        let l = loaded(1000, "2136", "3135", Some("1"));
        assert_eq!(l.of(), "the newest 1000 of at most 3135 records");
        assert_eq!(
            l.sentence(33),
            "33 matching in the newest 1000 of at most 3135 records; older records are not searched yet."
        );
        assert_eq!(
            l.sentence(0),
            "No match in the newest 1000 of at most 3135 records."
        );
    }

    #[test]
    fn gaps_name_ids_not_a_count() {
        // The newest records jumped to the int32 edge: 1000 records over 2 billion IDs.
        let l = loaded(1000, "2136", "2147483647", Some("1"));
        let of = l.of();
        assert_eq!(
            of,
            "the newest 1000 records (IDs 2136–2147483647, with gaps; the log starts at ID 1)"
        );
        assert!(!of.contains("~") && !of.contains("at most"));
        // A gap among the loaded records alone is enough: the bound would count gaps.
        assert!(
            loaded(1000, "2136", "3136", Some("1"))
                .of()
                .contains("with gaps")
        );
    }

    #[test]
    fn small_history() {
        // 20 of 30 gapless records: at most 10 older.
        assert_eq!(
            loaded(20, "11", "30", Some("1")).of(),
            "the newest 20 of at most 30 records"
        );
        // The oldest loaded is the first: that is everything, counted.
        assert_eq!(loaded(3, "1", "3", Some("1")).of(), "all 3 records");
        assert_eq!(loaded(1, "7", "7", Some("7")).of(), "the only record");
    }

    #[test]
    fn without_the_first_id_no_total() {
        assert_eq!(
            loaded(1000, "2136", "3135", None).of(),
            "the newest 1000 records (IDs 2136–3135)"
        );
        // A first ID above the oldest loaded is not believed.
        assert_eq!(
            loaded(1000, "2136", "3135", Some("5000")).of(),
            "the newest 1000 records (IDs 2136–3135)"
        );
    }

    #[test]
    fn unknown_ids_say_only_the_count_loaded() {
        for l in [
            Loaded {
                count: 5,
                ..Loaded::default()
            },
            loaded(5, "a", "e", Some("1")),
            loaded(5, "0", "4", Some("0")),
        ] {
            assert_eq!(l.of(), "the newest 5 records loaded");
        }
    }

    #[test]
    fn progress_counts_the_records_and_the_pages_of_the_load_only() {
        // However often the view was opened or polled, the same records read the same.
        assert_eq!(progress(1000, None), "1000 records");
        assert_eq!(
            progress(
                3000,
                Some(Load {
                    pages: 2,
                    per_sec: 950.04,
                    eta: Some("3 s".into())
                })
            ),
            "3000 records · 2 pages · 950.0 records/s · ETA 3 s"
        );
        assert_eq!(
            progress(
                2000,
                Some(Load {
                    pages: 1,
                    per_sec: 0.0,
                    eta: None
                })
            ),
            "2000 records · 1 page · 0.0 records/s"
        );
    }

    fn times(first: i64, oldest: i64, newest: i64) -> Option<Times> {
        Some(Times {
            first,
            oldest,
            newest,
        })
    }

    const DAY: i64 = 86_400_000;

    #[test]
    fn dense_ids_give_the_share_of_the_ids_whatever_the_timing() {
        // 900 of 1000 gapless records published in the last week of a 100-day history: the
        // time span read is 7 %, the records read 90 %.
        let l = loaded(900, "101", "1000", Some("1"));
        let t = times(0, 93 * DAY, 100 * DAY);
        let done = l.done(false, || t).unwrap();
        assert_eq!(done.basis, Basis::Ids);
        // The times (a scan of the records) are not asked for then.
        assert_eq!(
            l.done(false, || unreachable!("the IDs suffice")),
            Some(done)
        );
        assert!((done.fraction - 0.9).abs() < 1e-9, "{done:?}");
        assert_eq!(
            done.text(),
            "90 % loaded (estimated from the changefeed IDs)"
        );
        // The same without the IDs: the time span.
        let by_time = Loaded {
            count: 900,
            ..Loaded::default()
        }
        .done(false, || t)
        .unwrap();
        assert_eq!(by_time.basis, Basis::Time);
        assert!((by_time.fraction - 0.07).abs() < 1e-9, "{by_time:?}");
        assert_eq!(by_time.text(), "7 % of the time span loaded");
    }

    #[test]
    fn gaps_among_the_loaded_do_not_count_gaps_below_make_it_a_lower_bound() {
        // The newest records jumped to the int32 edge: the ID range read is ~100 %, but
        // 1000 records are read and at most 2135 are older.
        let l = loaded(1000, "2136", "2147483647", Some("1"));
        let done = l.done(false, || None).unwrap();
        assert_eq!(done.basis, Basis::Ids);
        assert!((done.fraction - 1000.0 / 3135.0).abs() < 1e-9, "{done:?}");
        assert_eq!(
            done.text(),
            "31 % loaded (estimated from the changefeed IDs)"
        );
        // Half the IDs below the oldest are gaps: 1000 read of 2000 in fact, the bar says
        // 1000 of at most 3000 (a third): never more than what is read.
        let done = loaded(1000, "2001", "3000", Some("1"))
            .done(false, || None)
            .unwrap();
        assert!(done.fraction <= 0.5 && (done.fraction - 1000.0 / 3000.0).abs() < 1e-9);
        // More records than IDs between the oldest and the newest: not these records' IDs.
        let t = times(0, 50, 100);
        let done = loaded(1000, "2136", "2200", Some("1"))
            .done(false, || t)
            .unwrap();
        assert_eq!(done.basis, Basis::Time);
        assert!((done.fraction - 0.5).abs() < 1e-9);
    }

    #[test]
    fn uuid_ids_or_an_unknown_first_fall_back_to_time() {
        let t = times(1_000, 4_000, 5_000);
        for l in [
            loaded(
                5,
                "6f1c1b0e-0000-4000-8000-000000000001",
                "6f1c1b0e-0000-4000-8000-000000000005",
                Some("6f1c1b0e-0000-4000-8000-000000000000"),
            ),
            loaded(1000, "2136", "3135", None),
            // A first ID above the oldest loaded is not believed.
            loaded(1000, "2136", "3135", Some("5000")),
        ] {
            let done = l.done(false, || t).unwrap();
            assert_eq!(done.basis, Basis::Time, "{l:?}");
            assert!((done.fraction - 0.25).abs() < 1e-9, "{done:?}");
        }
    }

    #[test]
    fn complete_is_one_and_nothing_known_is_none() {
        let done = Loaded::default().done(true, || None).unwrap();
        assert_eq!(
            done,
            Done {
                fraction: 1.0,
                basis: Basis::Complete
            }
        );
        assert_eq!(done.text(), "all records loaded");
        assert_eq!(done.eta(100, 50.0), None);
        // The oldest loaded is the first: everything, by the IDs.
        let done = loaded(3, "1", "3", Some("1")).done(false, || None).unwrap();
        assert_eq!(done.fraction, 1.0);
        assert_eq!(done.eta(3, 50.0), None);
        // No IDs, no times (or no time span): no estimate.
        assert_eq!(loaded(5, "a", "e", None).done(false, || None), None);
        assert_eq!(Loaded::default().done(false, || times(5, 5, 5)), None);
        // Times out of order are not believed.
        assert_eq!(
            Loaded::default().done(false, || times(6_000, 4_000, 5_000)),
            None
        );
    }

    #[test]
    fn eta_from_the_share_and_the_rate() {
        // A quarter read, 1000 records at 100 records/s: 3000 left, 30 s.
        let quarter = Done {
            fraction: 0.25,
            basis: Basis::Ids,
        };
        assert_eq!(quarter.eta(1000, 100.0).as_deref(), Some("30 s"));
        assert_eq!(quarter.eta(1000, 10.0).as_deref(), Some("5 min"));
        // Over IDs the records left are the IDs below the oldest: 2135 at 1000/s.
        let done = loaded(1000, "2136", "3135", Some("1"))
            .done(false, || None)
            .unwrap();
        assert_eq!(done.eta(1000, 1000.0).as_deref(), Some("3 s"));
        // No rate, nothing read or nothing measured: no ETA.
        assert_eq!(quarter.eta(1000, 0.0), None);
        assert_eq!(quarter.eta(1000, f64::NAN), None);
        assert_eq!(quarter.eta(0, 100.0), None);
        let nothing = Done {
            fraction: 0.0,
            basis: Basis::Time,
        };
        assert_eq!(nothing.eta(1000, 100.0), None);
    }
}
