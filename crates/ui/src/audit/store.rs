//! The records of the audit view, kept compactly on the Rust side (never in the DOM):
//! one [`Row`] per record, GUNs interned, de-duplicated by ID across every feed read.

use std::collections::{HashMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};

use msr_lens_core::Timestamp;
use msr_lens_core::changefeed::Record;

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// The kind of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A timestamp update: a publish, or a server re-sign of an expired server-managed
    /// timestamp (notary writes one when the timestamp is read after it expired).
    Update,
    /// `notary delete --remote`.
    Deletion,
    /// A category this version does not know.
    Other,
}

impl Kind {
    /// The category as notary spells it (`other` for unknown ones).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Update => "update",
            Kind::Deletion => "deletion",
            Kind::Other => "other",
        }
    }
}

/// One record, compact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The opaque record ID.
    pub id: Box<str>,
    /// Index of the GUN in [`Store::gun`].
    pub gun: u32,
    /// The version (0 for a deletion).
    pub version: i64,
    /// `CreatedAt` in epoch milliseconds; `i64::MIN` when it does not parse.
    pub at: i64,
    /// `CreatedAt` as the server sent it.
    pub created: Box<str>,
    /// The kind.
    pub kind: Kind,
    /// The category text when [`Kind::Other`].
    pub category: Option<Box<str>>,
    /// The checksum of `timestamp.json`, lower-case hex (empty for a deletion).
    pub sha256: Box<str>,
}

impl Row {
    /// The category as the server sent it.
    pub fn category(&self) -> &str {
        self.category.as_deref().unwrap_or(self.kind.as_str())
    }
}

/// All records read, oldest first; newest-first positions are counted from the back.
#[derive(Debug, Default)]
pub struct Store {
    rows: VecDeque<Row>,
    /// Sequence number of `rows[0]` (prepending lowers it).
    base: i64,
    /// ID hash -> sequence numbers of the rows with that hash.
    ids: HashMap<u64, Vec<i64>>,
    guns: Vec<Box<str>>,
    gun_index: HashMap<Box<str>, u32>,
    /// Rows are not in time order (several feeds merged): sort by time when filtering.
    merged: bool,
    duplicates: u64,
}

fn id_hash(id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// The repository part of a GUN: without the registry host (`host/ns/repo` → `ns/repo`).
pub fn repository_of(gun: &str) -> &str {
    gun.split_once('/').map_or(gun, |(_, rest)| rest)
}

/// The registry host a view names once (in its heading) and its rows leave out: a row shows
/// `library/nginx` for `msr.example.org/library/nginx`. Only a GUN that really starts with
/// one of its spellings and a `/` is shortened; any other keeps its full name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryHost {
    shown: String,
    spellings: Vec<String>,
}

impl RegistryHost {
    /// The host of `origin` (`authority`, `host`, `port`): spelt as its authority, and for
    /// the scheme's default HTTPS port also `host:443` and `host` (MSR's GUNs use either).
    pub fn of_origin(authority: &str, host: &str, port: u16) -> RegistryHost {
        let mut spellings = vec![authority.to_string(), format!("{host}:{port}")];
        if port == 443 {
            spellings.push(host.to_string());
        }
        spellings.dedup();
        RegistryHost {
            shown: authority.to_string(),
            spellings,
        }
    }

    /// The host as the view shows it once.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// `gun` without the host (`ns/repo`) when it is on this host, else the whole GUN.
    pub fn short<'a>(&self, gun: &'a str) -> &'a str {
        self.spellings
            .iter()
            .filter_map(|s| gun.strip_prefix(s.as_str())?.strip_prefix('/'))
            .find(|rest| !rest.is_empty())
            .unwrap_or(gun)
    }
}

/// The namespace of a GUN (`host/ns/repo` → `ns`).
pub fn namespace_of(gun: &str) -> &str {
    let repo = repository_of(gun);
    repo.split_once('/').map_or(repo, |(ns, _)| ns)
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Store::default()
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// No records.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Records dropped because they were already there.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Say that rows come from several feeds (their order is by time, not by arrival).
    pub fn set_merged(&mut self, merged: bool) {
        self.merged = merged;
    }

    /// The GUN of a row.
    pub fn gun(&self, row: &Row) -> &str {
        self.guns.get(row.gun as usize).map_or("", |g| g)
    }

    /// The registry host the view names once: `origin`'s when a GUN held is on it, else
    /// the host every GUN held starts with (a first component with a `.` or a `:`, or
    /// `localhost`, as Docker tells a registry host from a namespace); `None` when the
    /// GUNs name no common host (rows then show full GUNs).
    pub fn registry_host(&self, origin: Option<&RegistryHost>) -> Option<RegistryHost> {
        if let Some(origin) = origin
            && self.guns.iter().any(|g| origin.short(g).len() < g.len())
        {
            return Some(origin.clone());
        }
        let mut common: Option<&str> = None;
        for gun in &self.guns {
            let (host, rest) = gun.split_once('/')?;
            let is_host = host.contains(['.', ':']) || host == "localhost";
            if !is_host || rest.is_empty() || common.is_some_and(|c| c != host) {
                return None;
            }
            common = Some(host);
        }
        common.map(|host| RegistryHost {
            shown: host.to_string(),
            spellings: vec![host.to_string()],
        })
    }

    /// The row at arrival position `i` (0 = the oldest).
    pub fn get(&self, i: usize) -> Option<&Row> {
        self.rows.get(i)
    }

    /// All rows, oldest first.
    pub fn rows(&self) -> impl DoubleEndedIterator<Item = &Row> + ExactSizeIterator {
        self.rows.iter()
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        let merged = self.merged;
        *self = Store::default();
        self.merged = merged;
    }

    fn contains(&self, hash: u64, id: &str) -> bool {
        self.ids.get(&hash).is_some_and(|seqs| {
            seqs.iter().any(|&s| {
                usize::try_from(s - self.base)
                    .ok()
                    .and_then(|i| self.rows.get(i))
                    .is_some_and(|r| &*r.id == id)
            })
        })
    }

    fn intern(&mut self, gun: &str) -> u32 {
        if let Some(&i) = self.gun_index.get(gun) {
            return i;
        }
        let i = u32::try_from(self.guns.len()).unwrap_or(u32::MAX);
        self.guns.push(gun.into());
        self.gun_index.insert(gun.into(), i);
        i
    }

    /// A row from the parts of a record.
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        id: &str,
        gun: &str,
        version: i64,
        created: &str,
        at: Option<i64>,
        category: &str,
        sha256: &str,
    ) -> Row {
        let kind = match category {
            "update" => Kind::Update,
            "deletion" => Kind::Deletion,
            _ => Kind::Other,
        };
        Row {
            id: id.into(),
            gun: self.intern(gun),
            version,
            at: at
                .or_else(|| Timestamp::parse_rfc3339(created).map(Timestamp::as_millis))
                .unwrap_or(i64::MIN),
            created: created.into(),
            kind,
            category: (kind == Kind::Other).then(|| category.into()),
            sha256: sha256.trim().to_ascii_lowercase().into(),
        }
    }

    /// Add records that are newer than those held (server order, oldest first).
    /// Returns how many were new.
    pub fn append(&mut self, records: &[Record]) -> usize {
        let rows: Vec<Row> = records.iter().map(|r| self.row_of(r)).collect();
        self.append_rows(rows)
    }

    /// Add records that are older than those held (server order, oldest first).
    /// Returns how many were new.
    pub fn prepend(&mut self, records: &[Record]) -> usize {
        let rows: Vec<Row> = records.iter().map(|r| self.row_of(r)).collect();
        self.prepend_rows(rows)
    }

    fn row_of(&mut self, r: &Record) -> Row {
        self.row(
            r.id.as_str(),
            &r.gun,
            r.version,
            &r.created_at_raw,
            r.created_at.map(Timestamp::as_millis),
            r.category.as_str(),
            r.sha256.as_deref().unwrap_or(""),
        )
    }

    /// Add rows at the newest end (oldest first), skipping IDs already held.
    pub fn append_rows(&mut self, rows: Vec<Row>) -> usize {
        let mut added = 0;
        for row in rows {
            let hash = id_hash(&row.id);
            if self.contains(hash, &row.id) {
                self.duplicates += 1;
                continue;
            }
            let seq = self.base + self.rows.len() as i64;
            self.ids.entry(hash).or_default().push(seq);
            self.rows.push_back(row);
            added += 1;
        }
        added
    }

    /// Add rows at the oldest end (oldest first), skipping IDs already held.
    pub fn prepend_rows(&mut self, rows: Vec<Row>) -> usize {
        let mut added = 0;
        for row in rows.into_iter().rev() {
            let hash = id_hash(&row.id);
            if self.contains(hash, &row.id) {
                self.duplicates += 1;
                continue;
            }
            self.base -= 1;
            self.ids.entry(hash).or_default().push(self.base);
            self.rows.push_front(row);
            added += 1;
        }
        added
    }

    /// A row from its parts (as `persist` stores them).
    pub fn row_from_parts(
        &mut self,
        id: &str,
        gun: &str,
        version: i64,
        created: &str,
        category: &str,
        sha256: &str,
    ) -> Row {
        self.row(id, gun, version, created, None, category, sha256)
    }

    /// The newest and the oldest time held.
    pub fn time_span(&self) -> Option<(i64, i64)> {
        let mut times = self.rows.iter().map(|r| r.at).filter(|&t| t != i64::MIN);
        let first = times.next()?;
        Some(times.fold((first, first), |(lo, hi), t| (lo.min(t), hi.max(t))))
    }

    /// The positions of the rows matching `filter`, newest first.
    pub fn select(&self, filter: &Filter) -> Selection {
        let compiled = filter.compile();
        let mut positions = Vec::new();
        let mut updates = 0;
        let mut deletions = 0;
        // Matches per GUN index, to count per namespace afterwards.
        let mut per_gun: HashMap<u32, u32> = HashMap::new();
        let gun_ok: Vec<bool> = self.guns.iter().map(|g| compiled.gun_ok(g)).collect();
        // The text matched against each GUN once, not once per record.
        let gun_text: Vec<bool> = if compiled.text.is_empty() {
            Vec::new()
        } else {
            self.guns
                .iter()
                .map(|g| contains_ci(g, &compiled.text))
                .collect()
        };
        for (i, row) in self.rows.iter().enumerate().rev() {
            if !gun_ok.get(row.gun as usize).copied().unwrap_or(false) {
                continue;
            }
            let text_in_gun = gun_text.get(row.gun as usize).copied().unwrap_or(false);
            if !compiled.row_ok(row, text_in_gun) {
                continue;
            }
            match row.kind {
                Kind::Deletion => deletions += 1,
                _ => updates += 1,
            }
            *per_gun.entry(row.gun).or_default() += 1;
            positions.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        if self.merged {
            positions.sort_by(|&a, &b| {
                let ta = self.rows.get(a as usize).map_or(i64::MIN, |r| r.at);
                let tb = self.rows.get(b as usize).map_or(i64::MIN, |r| r.at);
                tb.cmp(&ta).then(b.cmp(&a))
            });
        }
        let mut namespaces: HashMap<&str, u32> = HashMap::new();
        for (gun, n) in per_gun {
            let ns = namespace_of(self.guns.get(gun as usize).map_or("", |g| g));
            *namespaces.entry(ns).or_default() += n;
        }
        let mut namespaces: Vec<(String, u32)> = namespaces
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        namespaces.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Selection {
            positions,
            updates,
            deletions,
            namespaces,
        }
    }

    /// The newest update of `row`'s repository (any spelling of the registry host) before
    /// `row`, among the records held: for a deletion, the last version it removed.
    pub fn last_update_before(&self, row: &Row) -> Option<&Row> {
        if row.at == i64::MIN {
            return None;
        }
        let repo = repository_of(self.gun(row));
        let same: Vec<bool> = self.guns.iter().map(|g| repository_of(g) == repo).collect();
        self.rows
            .iter()
            .filter(|r| {
                r.kind == Kind::Update
                    && r.at != i64::MIN
                    && r.at < row.at
                    && same.get(r.gun as usize).copied().unwrap_or(false)
            })
            .max_by_key(|r| r.at)
    }

    /// The timeline of `selection`: counts of changes and deletions per bucket from its
    /// oldest to its newest record, empty buckets included (see [`Timeline`]).
    pub fn timeline(&self, selection: &Selection) -> Timeline {
        let times = || {
            selection
                .positions
                .iter()
                .filter_map(|&p| self.rows.get(p as usize))
                .filter(|r| r.at != i64::MIN)
        };
        let Some((lo, hi)) = times().fold(None, |span: Option<(i64, i64)>, r| {
            Some(span.map_or((r.at, r.at), |(lo, hi)| (lo.min(r.at), hi.max(r.at))))
        }) else {
            return Timeline::default();
        };
        let (origin, step, hourly) = if hi - lo < HOURLY_SPAN_MS {
            // Whole UTC days of hours, so a busy hour reads as part of its day.
            (lo.div_euclid(DAY_MS) * DAY_MS, HOUR_MS, true)
        } else {
            let first = lo.div_euclid(DAY_MS);
            let days = hi.div_euclid(DAY_MS) - first + 1;
            let per = (days + MAX_BUCKETS as i64 - 1) / MAX_BUCKETS as i64;
            (first * DAY_MS, per.max(1) * DAY_MS, false)
        };
        let end = if hourly {
            (hi.div_euclid(DAY_MS) + 1) * DAY_MS
        } else {
            hi + 1
        };
        let n = usize::try_from((end - origin + step - 1) / step).unwrap_or(1);
        let mut buckets: Vec<Bucket> = (0..n)
            .map(|i| {
                let start = origin + i as i64 * step;
                Bucket {
                    start,
                    end: start + step,
                    changes: 0,
                    deletions: 0,
                }
            })
            .collect();
        for row in times() {
            let i = usize::try_from((row.at - origin) / step).unwrap_or(0);
            if let Some(b) = buckets.get_mut(i) {
                match row.kind {
                    Kind::Deletion => b.deletions += 1,
                    _ => b.changes += 1,
                }
            }
        }
        Timeline { buckets, hourly }
    }

    /// One row as CSV ([`CSV_COLUMNS`]), with a newline, by the core's writer: server
    /// text that a spreadsheet would take for a formula is neutralised.
    ///
    /// [`CSV_COLUMNS`]: msr_lens_core::export::CSV_COLUMNS
    pub fn csv_line(&self, row: &Row, out: &mut String) {
        let version = row.version.to_string();
        msr_lens_core::export::push_csv_row(
            out,
            [
                &*row.id,
                &*row.created,
                self.gun(row),
                &version,
                row.category(),
                &*row.sha256,
            ],
        );
    }

    /// One row as a JSON object in notary's field names.
    pub fn json_value(&self, row: &Row) -> serde_json::Value {
        serde_json::json!({
            "ID": &*row.id,
            "CreatedAt": &*row.created,
            "GUN": self.gun(row),
            "Version": row.version,
            "SHA256": &*row.sha256,
            "Category": row.category(),
        })
    }
}

/// One hour in milliseconds.
pub const HOUR_MS: i64 = 3_600_000;

/// A selection spanning less than this is drawn per hour, else per day.
pub const HOURLY_SPAN_MS: i64 = 2 * DAY_MS;

/// At most this many buckets: a longer history is drawn with several days per bucket.
pub const MAX_BUCKETS: usize = 400;

/// One bucket (an hour, a day or a few days) of the [`Timeline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// Start (epoch ms, UTC, inclusive).
    pub start: i64,
    /// End (epoch ms, exclusive).
    pub end: i64,
    /// Updates (and unknown categories).
    pub changes: u32,
    /// Deletions.
    pub deletions: u32,
}

impl Bucket {
    /// All records of the bucket.
    pub fn total(&self) -> u32 {
        self.changes + self.deletions
    }
}

/// How bar heights are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Proportional to the count.
    Linear,
    /// Logarithmic (`ln(1 + n)`): an outlier bucket would flatten every other bar.
    Log,
}

/// Records per bucket over a selection's time span, oldest first, empty buckets included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// The buckets, consecutive, oldest first.
    pub buckets: Vec<Bucket>,
    /// Buckets are hours (the selection spans less than [`HOURLY_SPAN_MS`]), else days.
    pub hourly: bool,
}

impl Timeline {
    /// The largest bucket.
    pub fn max(&self) -> u32 {
        self.buckets.iter().map(Bucket::total).max().unwrap_or(0)
    }

    /// The scale to draw with: logarithmic when the largest bucket is more than ten times
    /// the typical (the median of the non-empty buckets) and above 20, else linear.
    pub fn scale(&self) -> Scale {
        let mut sizes: Vec<u32> = self
            .buckets
            .iter()
            .map(Bucket::total)
            .filter(|&n| n > 0)
            .collect();
        sizes.sort_unstable();
        let median = sizes.get(sizes.len() / 2).copied().unwrap_or(0);
        let max = sizes.last().copied().unwrap_or(0);
        if max > 20 && u64::from(max) > 10 * u64::from(median.max(1)) {
            Scale::Log
        } else {
            Scale::Linear
        }
    }

    /// The height of a bar of `n` records as a fraction of the full height, on `scale`
    /// with `max` at the top.
    pub fn height(n: u32, max: u32, scale: Scale) -> f64 {
        if n == 0 || max == 0 {
            return 0.0;
        }
        match scale {
            Scale::Linear => f64::from(n) / f64::from(max),
            Scale::Log => (f64::from(n)).ln_1p() / (f64::from(max)).ln_1p(),
        }
    }
}

/// Which categories to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CategoryFilter {
    /// All.
    #[default]
    All,
    /// Updates only.
    Updates,
    /// Deletions only.
    Deletions,
}

/// What the user narrowed the view to. Empty fields match everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// The repository (`ns/repo`, without host) starts with this (case-insensitive).
    pub prefix: String,
    /// The repository is exactly this (`ns/repo` on any spelling of the registry host, or
    /// a full GUN; case-insensitive): one repository's history, not `ns/repo2` too.
    pub repository: String,
    /// The repository contains this (case-insensitive).
    pub contains: String,
    /// The namespace equals this.
    pub namespace: String,
    /// Category.
    pub category: CategoryFilter,
    /// Not before (epoch ms).
    pub from: Option<i64>,
    /// Before (epoch ms, exclusive).
    pub to: Option<i64>,
    /// The version equals this.
    pub version: Option<i64>,
    /// Free text: GUN, ID, SHA256, version or time contain it (case-insensitive).
    pub text: String,
}

struct Compiled {
    prefix: String,
    repository: String,
    contains: String,
    namespace: String,
    category: CategoryFilter,
    from: Option<i64>,
    to: Option<i64>,
    version: Option<i64>,
    text: String,
}

impl Filter {
    fn compile(&self) -> Compiled {
        Compiled {
            prefix: self.prefix.trim().to_lowercase(),
            repository: self.repository.trim().to_lowercase(),
            contains: self.contains.trim().to_lowercase(),
            namespace: self.namespace.trim().to_lowercase(),
            category: self.category,
            from: self.from,
            to: self.to,
            version: self.version,
            text: self.text.trim().to_lowercase(),
        }
    }

    /// Nothing narrows the view.
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }
}

impl Compiled {
    fn gun_ok(&self, gun: &str) -> bool {
        if self.prefix.is_empty()
            && self.repository.is_empty()
            && self.contains.is_empty()
            && self.namespace.is_empty()
        {
            return true;
        }
        let lower = gun.to_lowercase();
        let repo = repository_of(&lower);
        (self.prefix.is_empty()
            || repo.starts_with(&self.prefix)
            || lower.starts_with(&self.prefix))
            && (self.repository.is_empty() || repo == self.repository || lower == self.repository)
            && (self.contains.is_empty() || repo.contains(&self.contains))
            && (self.namespace.is_empty() || namespace_of(&lower) == self.namespace)
    }

    /// `text_in_gun`: the free text was found in the row's GUN.
    fn row_ok(&self, row: &Row, text_in_gun: bool) -> bool {
        let category_ok = match self.category {
            CategoryFilter::All => true,
            CategoryFilter::Updates => row.kind != Kind::Deletion,
            CategoryFilter::Deletions => row.kind == Kind::Deletion,
        };
        category_ok
            && self.from.is_none_or(|f| row.at >= f)
            && self.to.is_none_or(|t| row.at < t)
            && self.version.is_none_or(|v| row.version == v)
            && (self.text.is_empty() || text_in_gun || self.text_ok(row))
    }

    fn text_ok(&self, row: &Row) -> bool {
        row.sha256.contains(&self.text)
            || contains_ci(&row.id, &self.text)
            || row.created.contains(&self.text)
            || row.category().contains(&self.text)
            || self.text.parse::<i64>().is_ok_and(|v| v == row.version)
    }
}

/// `needle` is lower-case.
fn contains_ci(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() {
        let hay = hay.as_bytes();
        let n = needle.as_bytes();
        if n.len() > hay.len() {
            return false;
        }
        return hay.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(needle)
}

/// The result of [`Store::select`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// Arrival positions, newest first.
    pub positions: Vec<u32>,
    /// Matching updates (and unknown categories).
    pub updates: u32,
    /// Matching deletions.
    pub deletions: u32,
    /// Matches per namespace, most first.
    pub namespaces: Vec<(String, u32)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(store: &mut Store, id: &str, gun: &str, version: i64, day: i64, category: &str) {
        let created = Timestamp::from_millis(day * DAY_MS + 1000).to_rfc3339();
        let sha = if category == "deletion" { "" } else { "AB12" };
        let row = store.row_from_parts(id, gun, version, &created, category, sha);
        store.append_rows(vec![row]);
    }

    fn sample() -> Store {
        let mut s = Store::new();
        push(&mut s, "1", "h/library/nginx", 1, 10, "update");
        push(&mut s, "2", "h/library/redis", 1, 10, "update");
        push(&mut s, "3", "h/team/app", 1, 11, "update");
        push(&mut s, "4", "h/library/nginx", 0, 12, "deletion");
        push(&mut s, "5", "h:443/library/nginx", 1, 12, "update");
        s
    }

    fn ids(s: &Store, sel: &Selection) -> Vec<String> {
        sel.positions
            .iter()
            .filter_map(|&p| s.get(p as usize))
            .map(|r| r.id.to_string())
            .collect()
    }

    #[test]
    fn duplicates_are_dropped_at_both_ends() {
        let mut s = sample();
        let dup = s.row_from_parts("3", "h/team/app", 1, "x", "update", "");
        let older = s.row_from_parts("0", "h/team/app", 1, "x", "update", "");
        assert_eq!(s.prepend_rows(vec![older, dup.clone()]), 1);
        assert_eq!(s.append_rows(vec![dup]), 0);
        assert_eq!(s.len(), 6);
        assert_eq!(s.duplicates(), 2);
        let all = s.select(&Filter::default());
        assert_eq!(ids(&s, &all), ["5", "4", "3", "2", "1", "0"]);
    }

    #[test]
    fn filters_and_counts() {
        let s = sample();
        let f = Filter {
            prefix: "library/".into(),
            ..Filter::default()
        };
        let sel = s.select(&f);
        assert_eq!(ids(&s, &sel), ["5", "4", "2", "1"]);
        assert_eq!((sel.updates, sel.deletions), (3, 1));
        assert_eq!(sel.namespaces, vec![("library".to_string(), 4)]);
        let f = Filter {
            contains: "GIN".into(),
            category: CategoryFilter::Deletions,
            ..Filter::default()
        };
        assert_eq!(ids(&s, &s.select(&f)), ["4"]);
        let f = Filter {
            namespace: "team".into(),
            ..Filter::default()
        };
        assert_eq!(ids(&s, &s.select(&f)), ["3"]);
        let f = Filter {
            from: Some(11 * DAY_MS),
            to: Some(12 * DAY_MS),
            ..Filter::default()
        };
        assert_eq!(ids(&s, &s.select(&f)), ["3"]);
        let f = Filter {
            version: Some(0),
            ..Filter::default()
        };
        assert_eq!(ids(&s, &s.select(&f)), ["4"]);
        let f = Filter {
            text: "REDIS".into(),
            ..Filter::default()
        };
        assert_eq!(ids(&s, &s.select(&f)), ["2"]);
        let f = Filter {
            text: "ab12".into(),
            ..Filter::default()
        };
        assert_eq!(s.select(&f).positions.len(), 4);
    }

    #[test]
    fn one_repository_is_matched_exactly_in_both_forms() {
        let mut s = sample();
        push(&mut s, "6", "h/library/nginx2", 1, 13, "update");
        push(&mut s, "7", "h/library/nginx/sub", 1, 13, "update");
        let exact = |repository: &str| {
            let f = Filter {
                repository: repository.into(),
                ..Filter::default()
            };
            ids(&s, &s.select(&f))
        };
        // Every spelling of the host, not library/nginx2 nor library/nginx/sub.
        assert_eq!(exact("library/nginx"), ["5", "4", "1"]);
        assert_eq!(exact(" Library/NGINX "), ["5", "4", "1"]);
        // A full GUN is accepted too: that GUN as it is spelt.
        assert_eq!(exact("h/library/nginx"), ["4", "1"]);
        assert_eq!(exact("library/nginx2"), ["6"]);
        assert_eq!(exact("library/ngin"), Vec::<String>::new());
        // The prefix filter still finds all of them, in both forms.
        let prefix = |prefix: &str| {
            let f = Filter {
                prefix: prefix.into(),
                ..Filter::default()
            };
            ids(&s, &s.select(&f))
        };
        assert_eq!(prefix("library/nginx"), ["7", "6", "5", "4", "1"]);
        assert_eq!(prefix("h/library/nginx"), ["7", "6", "4", "1"]);
    }

    #[test]
    fn the_registry_host_is_left_out_only_where_a_gun_starts_with_it() {
        let host = RegistryHost::of_origin("msr.example.org", "msr.example.org", 443);
        assert_eq!(host.shown(), "msr.example.org");
        assert_eq!(host.short("msr.example.org/library/nginx"), "library/nginx");
        assert_eq!(
            host.short("msr.example.org:443/library/nginx"),
            "library/nginx"
        );
        for other in [
            "other.example.org/library/nginx",
            "msr.example.org.evil/library/nginx",
            "msr.example.orgx/library/nginx",
            "msr.example.org:8443/library/nginx",
            "msr.example.org/",
            "msr.example.org",
            "library/nginx",
        ] {
            assert_eq!(host.short(other), other, "{other} keeps its full name");
        }
        let port = RegistryHost::of_origin("127.0.0.1:8443", "127.0.0.1", 8443);
        assert_eq!(port.shown(), "127.0.0.1:8443");
        assert_eq!(port.short("127.0.0.1:8443/a/b"), "a/b");
        assert_eq!(port.short("127.0.0.1/a/b"), "127.0.0.1/a/b");
    }

    #[test]
    fn the_view_names_the_origin_host_or_the_common_one() {
        let origin = RegistryHost::of_origin("h", "h", 443);
        let s = sample();
        assert_eq!(s.registry_host(Some(&origin)), Some(origin.clone()));
        // No GUN on the origin's host: the host the GUNs share (a registry host).
        let mut s = Store::new();
        push(
            &mut s,
            "1",
            "registry.example.org/library/nginx",
            1,
            10,
            "update",
        );
        push(
            &mut s,
            "2",
            "registry.example.org/team/app",
            1,
            10,
            "update",
        );
        let common = s
            .registry_host(Some(&origin))
            .unwrap_or_else(|| panic!("a common host"));
        assert_eq!(common.shown(), "registry.example.org");
        assert_eq!(common.short("registry.example.org/team/app"), "team/app");
        assert_eq!(s.registry_host(None), Some(common));
        // Two hosts, or a first component that is a namespace: no host to leave out.
        push(
            &mut s,
            "3",
            "other.example.org/library/nginx",
            1,
            11,
            "update",
        );
        assert_eq!(s.registry_host(None), None);
        let mut s = Store::new();
        push(&mut s, "1", "library/nginx", 1, 10, "update");
        push(&mut s, "2", "library/redis", 1, 10, "update");
        assert_eq!(s.registry_host(None), None);
        assert_eq!(Store::new().registry_host(Some(&origin)), None);
    }

    #[test]
    fn a_deletion_knows_the_last_version_before_it() {
        let s = sample();
        let deletion = s.get(3).cloned().unwrap_or_else(|| panic!("no row"));
        assert_eq!(deletion.kind, Kind::Deletion);
        let last = s.last_update_before(&deletion).map(|r| r.id.to_string());
        assert_eq!(last.as_deref(), Some("1"), "library/nginx before day 12");
        let first = s.get(0).cloned().unwrap_or_else(|| panic!("no row"));
        assert_eq!(s.last_update_before(&first), None);
    }

    #[test]
    fn the_timeline_includes_empty_days() {
        let s = sample();
        let t = s.timeline(&s.select(&Filter::default()));
        assert!(!t.hourly);
        let days: Vec<(i64, u32, u32)> = t
            .buckets
            .iter()
            .map(|b| (b.start / DAY_MS, b.changes, b.deletions))
            .collect();
        assert_eq!(days, [(10, 2, 0), (11, 1, 0), (12, 1, 1)]);
        // A gap of empty days stays in the timeline.
        let mut s = Store::new();
        push(&mut s, "1", "h/a/b", 1, 10, "update");
        push(&mut s, "2", "h/a/b", 0, 14, "deletion");
        let t = s.timeline(&s.select(&Filter::default()));
        let days: Vec<(i64, u32)> = t
            .buckets
            .iter()
            .map(|b| (b.start / DAY_MS, b.total()))
            .collect();
        assert_eq!(days, [(10, 1), (11, 0), (12, 0), (13, 0), (14, 1)]);
        assert!(t.buckets.iter().all(|b| b.end - b.start == DAY_MS));
        assert_eq!(t.max(), 1);
        assert_eq!(
            Store::new().timeline(&Selection::default()),
            Timeline::default()
        );
    }

    #[test]
    fn a_short_span_is_drawn_per_hour_and_a_long_one_in_few_buckets() {
        let mut s = Store::new();
        for (id, ms) in [
            ("1", 5 * DAY_MS + 1_000),
            ("2", 5 * DAY_MS + 3 * HOUR_MS + 5),
        ] {
            let created = Timestamp::from_millis(ms).to_rfc3339();
            let row = s.row_from_parts(id, "h/a/b", 1, &created, "update", "ab");
            s.append_rows(vec![row]);
        }
        let t = s.timeline(&s.select(&Filter::default()));
        assert!(t.hourly);
        let hours: Vec<u32> = t.buckets.iter().map(Bucket::total).collect();
        assert_eq!(hours.len(), 24, "the whole day, hour by hour");
        assert_eq!(hours.get(..5), Some(&[1, 0, 0, 1, 0][..]));
        assert_eq!(hours.iter().sum::<u32>(), 2);
        assert_eq!(t.buckets.first().map(|b| b.start), Some(5 * DAY_MS));
        assert_eq!(t.buckets.last().map(|b| b.end), Some(6 * DAY_MS));
        // Ten years: never more than MAX_BUCKETS buckets, each a whole number of days.
        let mut s = Store::new();
        push(&mut s, "1", "h/a/b", 1, 0, "update");
        push(&mut s, "2", "h/a/b", 2, 3650, "update");
        let t = s.timeline(&s.select(&Filter::default()));
        assert!(t.buckets.len() <= MAX_BUCKETS, "{}", t.buckets.len());
        let step = t.buckets.first().map(|b| b.end - b.start).unwrap_or(0);
        assert_eq!(step % DAY_MS, 0);
        assert!(step > DAY_MS);
        assert_eq!(t.buckets.iter().map(Bucket::total).sum::<u32>(), 2);
    }

    #[test]
    fn an_outlier_day_switches_to_a_log_scale() {
        let day = |changes| Bucket {
            start: 0,
            end: DAY_MS,
            changes,
            deletions: 0,
        };
        let even = Timeline {
            buckets: vec![day(5), day(8), day(0), day(6)],
            hourly: false,
        };
        assert_eq!(even.scale(), Scale::Linear);
        let outlier = Timeline {
            buckets: vec![day(5), day(8), day(900), day(6)],
            hourly: false,
        };
        assert_eq!(outlier.scale(), Scale::Log);
        assert_eq!(Timeline::height(900, 900, Scale::Log), 1.0);
        assert!(
            Timeline::height(5, 900, Scale::Log) > 0.2,
            "small days stay visible"
        );
        assert!(Timeline::height(5, 900, Scale::Linear) < 0.01);
        assert_eq!(Timeline::height(0, 900, Scale::Log), 0.0);
        assert_eq!(Timeline::height(3, 6, Scale::Linear), 0.5);
    }

    #[test]
    fn csv_quotes_and_json_fields() {
        let mut s = Store::new();
        let row = s.row_from_parts("a,b", "h/x/y", 2, "t", "update", "  FF ");
        s.append_rows(vec![row]);
        let row = s.get(0).cloned().unwrap_or_else(|| panic!("no row"));
        let mut out = String::new();
        s.csv_line(&row, &mut out);
        assert_eq!(out, "\"a,b\",t,h/x/y,2,update,ff\n");
        assert_eq!(s.json_value(&row)["SHA256"], "ff");
        assert_eq!(s.json_value(&row)["GUN"], "h/x/y");
        // Server text that a spreadsheet would run as a formula opens as text.
        let row = s.row_from_parts(
            "+1",
            "=HYPERLINK(\"https://evil.example\",\"x\")",
            -3,
            "@now",
            "-cmd",
            "",
        );
        s.append_rows(vec![row]);
        let row = s.get(1).cloned().unwrap_or_else(|| panic!("no row"));
        let mut out = String::new();
        s.csv_line(&row, &mut out);
        assert_eq!(
            out,
            "\"'+1\",\"'@now\",\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"x\"\")\",\"'-3\",\"'-cmd\",\n"
        );
    }

    #[test]
    fn merged_feeds_sort_by_time() {
        let mut s = Store::new();
        s.set_merged(true);
        push(&mut s, "b2", "h/a/b", 2, 5, "update");
        push(&mut s, "c1", "h:443/a/b", 1, 3, "update");
        push(&mut s, "b1", "h/a/b", 1, 4, "update");
        let all = s.select(&Filter::default());
        assert_eq!(ids(&s, &all), ["b2", "b1", "c1"]);
    }
}
