//! `msr-lens audit`: the notary trust changefeed as a table, CSV, NDJSON or JSON.
//!
//! - Default: newest first, streamed page by page (`Mode::NewestFirst`), stopping once a
//!   page is older than `--since`.
//! - `--oldest-first`: a backfill from the first record; with `--since`, the newest-first
//!   walk down to `--since`, printed in reverse.
//! - `--follow`: the history selected by `--since` (none without it), oldest first, then
//!   every newly published record once, as notary shows it (`Mode::Follow`).

use std::collections::VecDeque;
use std::io::{IsTerminal as _, Write};
use std::time::Duration;

use clap::{Args, ValueEnum};
use msr_lens_core::Timestamp;
use msr_lens_core::changefeed::{
    Event, Feed, FollowFrom, Gun, Mode, PagerConfig, Placement, Progress, Record,
};
use msr_lens_core::export::{CSV_COLUMNS, push_csv_row};
use msr_lens_transport::native::FeedStream;

use crate::config::{ConfigError, Instance, parse_duration};
use crate::text::clean;
use crate::{EXIT_FAILED, Failure};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// CSV (RFC 4180) with formula-like cells neutralised, as the UI's export.
    Csv,
    /// One JSON object per line (notary's field names).
    Ndjson,
    /// One JSON array.
    Json,
}

/// Options of `audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this repository (`namespace/repo`; its own feed, which needs only pull access).
    #[arg(long, value_name = "NS/REPO")]
    pub repo: Option<String>,
    /// Only records at or after this time: a duration back from now (`7d`, `12h`) or RFC 3339.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only records at or before this time (same forms as --since).
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Only this category (`update`, `deletion`).
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Oldest record first (default: newest first).
    #[arg(long)]
    pub oldest_first: bool,
    /// Keep running and print new records as they are published (oldest first).
    #[arg(long)]
    pub follow: bool,
    /// --follow: how often to ask for new records.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub interval: String,
    /// Records per request (1 to 10000).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub page_size: u32,
    /// No progress line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Which records to print.
#[derive(Debug, Clone, Default)]
struct Filter {
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    category: Option<String>,
}

impl Filter {
    /// Whether `record` is printed. A record whose time could not be read is kept: a
    /// filter must not hide what it cannot judge.
    fn matches(&self, record: &Record) -> bool {
        if let Some(category) = &self.category
            && record.category.as_str() != category
        {
            return false;
        }
        match record.created_at {
            Some(at) => {
                self.since.is_none_or(|since| at >= since)
                    && self.until.is_none_or(|until| at <= until)
            }
            None => true,
        }
    }

    /// Whether `record` is older than `--since` (a newest-first walk can stop after it).
    fn before_since(&self, record: &Record) -> bool {
        matches!((record.created_at, self.since), (Some(at), Some(since)) if at < since)
    }
}

/// `7d` (back from `now`) or an RFC 3339 time.
pub fn parse_when(text: &str, now: Timestamp) -> Option<Timestamp> {
    if let Some(at) = Timestamp::parse_rfc3339(text) {
        return Some(at);
    }
    let back = parse_duration(text)?;
    let millis = i64::try_from(back.as_millis()).ok()?;
    Some(Timestamp::from_millis(
        now.as_millis().saturating_sub(millis),
    ))
}

/// Writes records in one format.
struct Output<W: Write> {
    out: W,
    format: Format,
    written: u64,
}

impl<W: Write> Output<W> {
    fn begin(&mut self) -> std::io::Result<()> {
        match self.format {
            Format::Csv => {
                let mut line = String::new();
                push_csv_row(&mut line, CSV_COLUMNS);
                self.out.write_all(line.as_bytes())
            }
            Format::Table => writeln!(
                self.out,
                "{:<27} {:<8} {:>7}  {:<44} {:<12} ID",
                "CREATED_AT", "CATEGORY", "VERSION", "GUN", "SHA256"
            ),
            Format::Json => self.out.write_all(b"["),
            Format::Ndjson => Ok(()),
        }
    }

    fn record(&mut self, r: &Record) -> std::io::Result<()> {
        let sha = r.sha256.as_deref().unwrap_or("");
        match self.format {
            Format::Csv => {
                let version = r.version.to_string();
                let mut line = String::new();
                push_csv_row(
                    &mut line,
                    [
                        r.id.as_str(),
                        &r.created_at_raw,
                        &r.gun,
                        &version,
                        r.category.as_str(),
                        sha,
                    ],
                );
                self.out.write_all(line.as_bytes())?;
            }
            Format::Table => {
                let when = r
                    .created_at
                    .map(Timestamp::to_rfc3339)
                    .unwrap_or_else(|| clean(&r.created_at_raw).into_owned());
                writeln!(
                    self.out,
                    "{:<27} {:<8} {:>7}  {:<44} {:<12} {}",
                    when,
                    clean(r.category.as_str()),
                    r.version,
                    clean(&r.gun),
                    clean(sha.get(..12).unwrap_or(sha)),
                    clean(r.id.as_str())
                )?;
            }
            Format::Json | Format::Ndjson => {
                let value = serde_json::json!({
                    "ID": r.id.as_str(),
                    "CreatedAt": r.created_at_raw,
                    "GUN": r.gun,
                    "Version": r.version,
                    "SHA256": sha,
                    "Category": r.category.as_str(),
                });
                if self.format == Format::Json {
                    let sep = if self.written == 0 { "\n" } else { ",\n" };
                    write!(self.out, "{sep}{value}")?;
                } else {
                    writeln!(self.out, "{value}")?;
                    self.out.flush()?;
                }
            }
        }
        self.written += 1;
        Ok(())
    }

    fn end(&mut self) -> std::io::Result<()> {
        if self.format == Format::Json {
            self.out.write_all(b"\n]\n")?;
        }
        self.out.flush()
    }
}

/// A progress line on stderr when it is a terminal.
struct ProgressLine {
    on: bool,
    shown: bool,
}

impl ProgressLine {
    fn show(&mut self, progress: &Progress, printed: u64) {
        if self.on {
            // `pages` counts every answer applied, follow polls with nothing new included.
            eprint!(
                "\r{} records read ({} answers from MSR), {printed} printed ",
                progress.records_emitted, progress.pages
            );
            self.shown = true;
        }
    }

    fn done(&mut self) {
        if self.shown {
            eprintln!();
            self.shown = false;
        }
    }
}

/// Why the walk stopped early (the message is printed by [`run`]).
struct Stop(String);

/// Run `audit`.
pub fn run(instance: &Instance, args: &AuditArgs) -> Result<u8, Failure> {
    let client = instance.connect()?;
    let now = client.now();
    let when = |flag: &str, text: &Option<String>| -> Result<Option<Timestamp>, ConfigError> {
        text.as_deref()
            .map(|t| {
                parse_when(t, now).ok_or_else(|| {
                    ConfigError(format!("{flag} {t:?}: expected e.g. 7d, 12h or RFC 3339"))
                })
            })
            .transpose()
    };
    let filter = Filter {
        since: when("--since", &args.since)?,
        until: when("--until", &args.until)?,
        category: args.category.clone(),
    };
    if args.follow && args.format == Format::Json {
        return Err(ConfigError(
            "--follow never ends a JSON array: use --format ndjson".into(),
        ));
    }
    let interval = parse_duration(&args.interval)
        .filter(|d| *d >= Duration::from_millis(100))
        .ok_or_else(|| ConfigError(format!("--interval {:?}: expected e.g. 30s", args.interval)))?;
    let feed = match &args.repo {
        Some(repo) => Feed::Repository(
            Gun::new(format!(
                "{}/{}",
                instance.registry_host,
                repo.trim_matches('/')
            ))
            .map_err(|e| ConfigError(format!("--repo {repo}: {e}")))?,
        ),
        None => Feed::Global,
    };
    let config = PagerConfig {
        page_size: args.page_size.clamp(1, 10_000),
        poll_interval_ms: i64::try_from(interval.as_millis()).unwrap_or(i64::MAX),
        ..PagerConfig::default()
    };
    let stdout = std::io::stdout().lock();
    let mut output = Output {
        out: stdout,
        format: args.format,
        written: 0,
    };
    let mut progress = ProgressLine {
        on: !args.quiet && std::io::stderr().is_terminal(),
        shown: false,
    };
    let result = output.begin().map_err(output_error).and_then(|()| {
        if args.follow {
            let note = (!args.quiet).then(|| {
                format!(
                    "msr-lens audit: following {} every {}",
                    feed.path(),
                    args.interval
                )
            });
            let mut stream = client.changefeed(feed, Mode::Follow(FollowFrom::Latest), config);
            follow(&mut stream, &filter, &mut output, &mut progress, note)
        } else if args.oldest_first && filter.since.is_none() {
            let mut stream = client.changefeed(feed, Mode::Backfill, config);
            oldest_first(&mut stream, &filter, &mut output, &mut progress)
        } else {
            let mut stream = client.changefeed(feed, Mode::NewestFirst, config);
            newest_first(
                &mut stream,
                &filter,
                &mut output,
                &mut progress,
                args.oldest_first,
            )
        }
    });
    progress.done();
    let end = output.end();
    match result.and_then(|()| end.map_err(output_error)) {
        Ok(()) => Ok(0),
        Err(Stop(message)) if message.is_empty() => Ok(0),
        Err(Stop(message)) => {
            eprintln!("msr-lens audit: {message}");
            Ok(EXIT_FAILED)
        }
    }
}

/// How many retried errors in a row a one-shot walk accepts before giving up.
const MAX_RETRIES: u32 = 5;

/// What to do with an event that is not records.
fn other_event(
    event: Event,
    errors: &mut u32,
    progress: &mut ProgressLine,
    printed: u64,
    one_shot: bool,
) -> Result<(), Stop> {
    match event {
        Event::Progress(p) => {
            progress.show(&p, printed);
            Ok(())
        }
        Event::NoAccess { message, .. } => Err(Stop(format!(
            "no access to this feed (the global feed needs an admin; try --repo): {}",
            clean(&message)
        ))),
        Event::Error {
            error,
            retry_at: Some(_),
        } => {
            *errors += 1;
            progress.done();
            eprintln!(
                "msr-lens audit: {} ({}), retrying",
                clean(&error.to_string()),
                error.kind_str()
            );
            if one_shot && *errors > MAX_RETRIES {
                return Err(Stop(format!("giving up after {MAX_RETRIES} retries")));
            }
            Ok(())
        }
        Event::Error {
            error,
            retry_at: None,
        } => Err(Stop(format!(
            "{} ({})",
            clean(&error.to_string()),
            error.kind_str()
        ))),
        Event::CursorVanished { cursor, .. } => Err(Stop(format!(
            "the record behind cursor {cursor:?} is gone from the feed; start again"
        ))),
        Event::Reset => Err(Stop("the feed was reset; start again".into())),
        _ => Ok(()),
    }
}

fn write<W: Write>(output: &mut Output<W>, record: &Record) -> Result<(), Stop> {
    output.record(record).map_err(output_error)
}

/// A closed pipe (`| head`) ends the command quietly; other write errors are reported.
fn output_error(e: std::io::Error) -> Stop {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Stop(String::new())
    } else {
        Stop(format!("cannot write the output: {e}"))
    }
}

fn newest_first<W: Write>(
    stream: &mut FeedStream<'_>,
    filter: &Filter,
    output: &mut Output<W>,
    progress: &mut ProgressLine,
    reverse: bool,
) -> Result<(), Stop> {
    let mut kept: Vec<Record> = Vec::new();
    let mut errors = 0;
    while let Some(event) = stream.next_event() {
        match event {
            Event::Records { records, .. } => {
                errors = 0;
                let done = records.first().is_some_and(|r| filter.before_since(r));
                for record in records.iter().rev().filter(|r| filter.matches(r)) {
                    if reverse {
                        kept.push(record.clone());
                    } else {
                        write(output, record)?;
                    }
                }
                if done {
                    break;
                }
                stream.session().pager_mut().request_older();
            }
            Event::ReachedStart => break,
            other => other_event(other, &mut errors, progress, output.written, true)?,
        }
    }
    for record in kept.iter().rev() {
        write(output, record)?;
    }
    Ok(())
}

fn oldest_first<W: Write>(
    stream: &mut FeedStream<'_>,
    filter: &Filter,
    output: &mut Output<W>,
    progress: &mut ProgressLine,
) -> Result<(), Stop> {
    let mut errors = 0;
    while let Some(event) = stream.next_event() {
        match event {
            Event::Records { records, .. } => {
                errors = 0;
                for record in records.iter().filter(|r| filter.matches(r)) {
                    write(output, record)?;
                }
                let past_until = records.first().is_some_and(|r| {
                    matches!((r.created_at, filter.until), (Some(at), Some(until)) if at > until)
                });
                if past_until {
                    break;
                }
            }
            Event::CaughtUp => break,
            other => other_event(other, &mut errors, progress, output.written, true)?,
        }
    }
    Ok(())
}

fn follow<W: Write>(
    stream: &mut FeedStream<'_>,
    filter: &Filter,
    output: &mut Output<W>,
    progress: &mut ProgressLine,
    note: Option<String>,
) -> Result<(), Stop> {
    // The history (the latest page, and older pages down to --since) is held until it is
    // complete, then printed oldest first; after that every new batch is printed as it
    // arrives.
    let mut history: Option<VecDeque<Record>> = Some(VecDeque::new());
    let mut caught_up = false;
    let mut reached_start = false;
    let mut errors = 0;
    loop {
        let Some(event) = stream.next_event() else {
            return Err(Stop("the feed stopped".into()));
        };
        match event {
            Event::Records {
                records, placement, ..
            } => {
                errors = 0;
                match &mut history {
                    Some(held) => match placement {
                        Placement::Prepend => {
                            for r in records.into_iter().rev() {
                                held.push_front(r);
                            }
                        }
                        Placement::Append => held.extend(records),
                    },
                    None => {
                        for r in records.iter().filter(|r| filter.matches(r)) {
                            write(output, r)?;
                        }
                    }
                }
            }
            Event::CaughtUp => caught_up = true,
            Event::ReachedStart => reached_start = true,
            other => other_event(other, &mut errors, progress, output.written, false)?,
        }
        if let Some(held) = &history
            && caught_up
        {
            let enough = filter.since.is_none()
                || reached_start
                || held.front().is_some_and(|r| filter.before_since(r));
            if enough {
                progress.done();
                if filter.since.is_some() {
                    for r in held.iter().filter(|r| filter.matches(r)) {
                        write(output, r)?;
                    }
                }
                history = None;
                if let Some(note) = &note {
                    eprintln!("{note}");
                }
            } else {
                stream.session().pager_mut().request_older();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, at: Option<&str>, category: &str) -> Record {
        Record::from_json(&serde_json::json!({
            "ID": id,
            "CreatedAt": at.unwrap_or("garbage"),
            "GUN": "h:443/ns/r",
            "Version": 3,
            "SHA256": "=cmd|' /C calc'!A0",
            "Category": category,
        }))
        .unwrap()
    }

    #[test]
    fn when_parses_durations_and_times() {
        let now = Timestamp::parse_rfc3339("2026-03-09T00:00:00Z").unwrap();
        assert_eq!(
            parse_when("7d", now),
            Timestamp::parse_rfc3339("2026-03-02T00:00:00Z")
        );
        assert_eq!(
            parse_when("2026-01-01T10:00:00Z", now),
            Timestamp::parse_rfc3339("2026-01-01T10:00:00Z")
        );
        assert_eq!(parse_when("yesterday", now), None);
    }

    #[test]
    fn the_filter_keeps_undated_records() {
        let filter = Filter {
            since: Timestamp::parse_rfc3339("2026-03-02T00:00:00Z"),
            until: None,
            category: Some("deletion".into()),
        };
        assert!(filter.matches(&record("1", Some("2026-03-03T00:00:00Z"), "deletion")));
        assert!(!filter.matches(&record("2", Some("2026-03-01T00:00:00Z"), "deletion")));
        assert!(!filter.matches(&record("3", Some("2026-03-03T00:00:00Z"), "update")));
        assert!(filter.matches(&record("4", None, "deletion")));
        assert!(filter.before_since(&record("5", Some("2026-03-01T00:00:00Z"), "update")));
        assert!(!filter.before_since(&record("6", None, "update")));
    }

    #[test]
    fn formats() {
        let r = record("7", Some("2026-03-03T00:00:00Z"), "update");
        let text = |format| {
            let mut output = Output {
                out: Vec::new(),
                format,
                written: 0,
            };
            output.begin().unwrap();
            output.record(&r).unwrap();
            output.record(&r).unwrap();
            output.end().unwrap();
            String::from_utf8(output.out).unwrap()
        };
        assert_eq!(
            text(Format::Csv),
            "id,created_at,gun,version,category,sha256\n\
             7,2026-03-03T00:00:00Z,h:443/ns/r,3,update,\"'=cmd|' /C calc'!A0\"\n\
             7,2026-03-03T00:00:00Z,h:443/ns/r,3,update,\"'=cmd|' /C calc'!A0\"\n"
        );
        let json: serde_json::Value = serde_json::from_str(&text(Format::Json)).unwrap();
        assert_eq!(json.as_array().map(Vec::len), Some(2));
        assert_eq!(json[0]["GUN"], "h:443/ns/r");
        let ndjson = text(Format::Ndjson);
        assert_eq!(ndjson.lines().count(), 2);
        for line in ndjson.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(value["ID"], "7");
        }
        let table = text(Format::Table);
        assert_eq!(table.lines().count(), 3);
        assert!(
            table
                .lines()
                .nth(1)
                .unwrap()
                .starts_with("2026-03-03T00:00:00")
        );
    }
}
