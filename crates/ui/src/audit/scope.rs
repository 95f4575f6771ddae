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
        let gapless = newest >= oldest && newest - oldest + 1 == n as u64;
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
}
