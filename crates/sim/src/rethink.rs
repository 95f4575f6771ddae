//! RethinkDB mode of the changefeed (msr-api.md §6): MSR stores notary's data in
//! RethinkDB, where change ids are UUIDs, paging is by keyset on `(created_at, id)` and
//! records younger than a blackout (60 s) are hidden. This module serves that view from
//! notary-server's PostgreSQL `changefeed` table, which is also the ground truth.

use std::collections::HashMap;

use time::PrimitiveDateTime;
use tokio::sync::Mutex;

use crate::util::rfc3339_nano_primitive;

/// The RethinkDB-mode id of a SQL changefeed id: a UUID v5, stable across runs.
pub fn rethink_id(sql_id: i64) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("https://msr-lens.invalid/changefeed/{sql_id}").as_bytes(),
    )
    .to_string()
}

/// Errors reaching the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No `postgres_url` in the config.
    #[error("postgres_url is not configured")]
    NotConfigured,
    /// Connecting or querying failed.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
}

/// One row of notary's `changefeed` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    /// The serial id.
    pub id: i64,
    /// [`rethink_id`] of `id`.
    pub uuid: String,
    /// `created_at` (a `timestamp` column, read as UTC).
    pub created_at: Option<PrimitiveDateTime>,
    /// The GUN.
    pub gun: String,
    /// The version (0 for deletions).
    pub version: i64,
    /// The checksum, trimmed (SQL pads deletions to 64 spaces).
    pub sha256: String,
    /// `update` or `deletion`.
    pub category: String,
}

impl ChangeRow {
    fn key(&self) -> (Option<PrimitiveDateTime>, &str) {
        (self.created_at, self.uuid.as_str())
    }

    /// `CreatedAt` as notary writes it.
    pub fn created_at_text(&self) -> String {
        self.created_at
            .map_or_else(|| "0001-01-01T00:00:00Z".to_owned(), rfc3339_nano_primitive)
    }
}

/// A changefeed record in notary's JSON shape.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Record<'a> {
    /// Opaque cursor (a UUID in RethinkDB mode).
    #[serde(rename = "ID")]
    pub id: &'a str,
    /// Creation time.
    #[serde(rename = "CreatedAt")]
    pub created_at: String,
    /// GUN.
    #[serde(rename = "GUN")]
    pub gun: &'a str,
    /// Version.
    #[serde(rename = "Version")]
    pub version: i64,
    /// Checksum.
    #[serde(rename = "SHA256")]
    pub sha256: &'a str,
    /// Category.
    #[serde(rename = "Category")]
    pub category: &'a str,
}

impl<'a> From<&'a ChangeRow> for Record<'a> {
    fn from(r: &'a ChangeRow) -> Self {
        Record {
            id: &r.uuid,
            created_at: r.created_at_text(),
            gun: &r.gun,
            version: r.version,
            sha256: &r.sha256,
            category: &r.category,
        }
    }
}

/// All rows, sorted by `(created_at, uuid)` like RethinkDB's `rdb_created_at_id` index.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Sorted rows.
    pub rows: Vec<ChangeRow>,
    by_uuid: HashMap<String, usize>,
    max_id: i64,
    /// The database's `LOCALTIMESTAMP` at the last refresh.
    pub db_now: Option<PrimitiveDateTime>,
}

/// The change id is not a known record (RethinkDB: a 500 `UNKNOWN`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown change id")]
pub struct UnknownChangeId;

impl Snapshot {
    /// A snapshot of these rows (any order).
    pub fn from_rows(rows: Vec<ChangeRow>, db_now: Option<PrimitiveDateTime>) -> Snapshot {
        let mut s = Snapshot {
            rows,
            by_uuid: HashMap::new(),
            max_id: 0,
            db_now,
        };
        s.reindex();
        s
    }

    fn reindex(&mut self) {
        self.rows.sort_by(|a, b| a.key().cmp(&b.key()));
        self.by_uuid = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.uuid.clone(), i))
            .collect();
        self.max_id = self.rows.iter().map(|r| r.id).max().unwrap_or(0);
    }

    /// One page as notary's RethinkDB storage `GetChanges` returns it: `records` already
    /// defaulted (0 -> 100); oldest first; records created after `threshold` hidden.
    pub fn page(
        &self,
        change_id: &str,
        records: i32,
        gun: Option<&str>,
        threshold: Option<PrimitiveDateTime>,
    ) -> Result<Vec<&ChangeRow>, UnknownChangeId> {
        let len = self.rows.len();
        let range = match change_id {
            "0" | "-1" => 0..len,
            id => {
                let pos = *self.by_uuid.get(id).ok_or(UnknownChangeId)?;
                if records < 0 {
                    0..pos
                } else {
                    pos.saturating_add(1)..len
                }
            }
        };
        let reversed = change_id == "-1" || records < 0;
        let n = usize::try_from(records.unsigned_abs()).unwrap_or(usize::MAX);
        let visible = |r: &&ChangeRow| {
            let fresh_enough = match (r.created_at, threshold) {
                (Some(c), Some(t)) => c <= t,
                _ => true,
            };
            fresh_enough && gun.is_none_or(|g| r.gun == g)
        };
        let slice = self.rows.get(range).unwrap_or_default();
        let mut out: Vec<&ChangeRow> = if reversed {
            slice.iter().rev().filter(visible).take(n).collect()
        } else {
            slice.iter().filter(visible).take(n).collect()
        };
        if reversed {
            out.reverse();
        }
        Ok(out)
    }

    /// All rows in SQL id order (optionally one GUN).
    pub fn by_id(&self, gun: Option<&str>) -> Vec<&ChangeRow> {
        let mut rows: Vec<&ChangeRow> = self
            .rows
            .iter()
            .filter(|r| gun.is_none_or(|g| r.gun == g))
            .collect();
        rows.sort_by_key(|r| r.id);
        rows
    }
}

/// notary's PostgreSQL database, with a cached snapshot refreshed on every use.
#[derive(Debug)]
pub struct Store {
    url: Option<String>,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    client: Option<tokio_postgres::Client>,
    snapshot: Snapshot,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("connected", &self.client.is_some())
            .field("rows", &self.snapshot.rows.len())
            .finish()
    }
}

const SELECT_ROWS: &str = "SELECT id::bigint, created_at, gun::text, version::bigint, sha256::text, category::text FROM changefeed";

fn to_row(row: &tokio_postgres::Row) -> Result<ChangeRow, tokio_postgres::Error> {
    let id: i64 = row.try_get(0)?;
    Ok(ChangeRow {
        id,
        uuid: rethink_id(id),
        created_at: row.try_get(1)?,
        gun: row.try_get(2)?,
        version: row.try_get(3)?,
        sha256: row
            .try_get::<_, Option<String>>(4)?
            .unwrap_or_default()
            .trim()
            .to_owned(),
        category: row.try_get(5)?,
    })
}

impl Store {
    /// A store for this connection string (`None`: every use fails with
    /// [`StoreError::NotConfigured`]).
    pub fn new(url: Option<String>) -> Store {
        Store {
            url,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Refresh the snapshot and run `f` on it.
    pub async fn with_snapshot<R>(&self, f: impl FnOnce(&Snapshot) -> R) -> Result<R, StoreError> {
        let url = self.url.as_deref().ok_or(StoreError::NotConfigured)?;
        let mut inner = self.inner.lock().await;
        if inner
            .client
            .as_ref()
            .is_none_or(tokio_postgres::Client::is_closed)
        {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    eprintln!("msr-sim: postgres connection ended: {e}");
                }
            });
            inner.client = Some(client);
        }
        match Self::refresh(&mut inner).await {
            Ok(()) => Ok(f(&inner.snapshot)),
            Err(e) => {
                inner.client = None;
                Err(e)
            }
        }
    }

    async fn refresh(inner: &mut Inner) -> Result<(), StoreError> {
        let Some(client) = inner.client.as_ref() else {
            return Err(StoreError::NotConfigured);
        };
        let head = client
            .query_one(
                "SELECT count(*)::bigint, coalesce(max(id), 0)::bigint, LOCALTIMESTAMP FROM changefeed",
                &[],
            )
            .await?;
        let count: i64 = head.try_get(0)?;
        let max: i64 = head.try_get(1)?;
        let db_now: PrimitiveDateTime = head.try_get(2)?;
        let snap = &mut inner.snapshot;
        snap.db_now = Some(db_now);
        let len = i64::try_from(snap.rows.len()).unwrap_or(i64::MAX);
        if count == len && max == snap.max_id {
            return Ok(());
        }
        if count > len && max > snap.max_id {
            let new = client
                .query(
                    &format!("{SELECT_ROWS} WHERE id > $1::bigint ORDER BY id"),
                    &[&snap.max_id],
                )
                .await?;
            if len + i64::try_from(new.len()).unwrap_or(i64::MAX) == count {
                for row in &new {
                    snap.rows.push(to_row(row)?);
                }
                snap.reindex();
                return Ok(());
            }
        }
        let all = client
            .query(&format!("{SELECT_ROWS} ORDER BY id"), &[])
            .await?;
        let rows = all.iter().map(to_row).collect::<Result<Vec<_>, _>>()?;
        *snap = Snapshot::from_rows(rows, Some(db_now));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn row(id: i64, at: PrimitiveDateTime, gun: &str) -> ChangeRow {
        ChangeRow {
            id,
            uuid: rethink_id(id),
            created_at: Some(at),
            gun: gun.into(),
            version: id,
            sha256: String::new(),
            category: "update".into(),
        }
    }

    fn snap() -> Snapshot {
        Snapshot::from_rows(
            vec![
                row(1, datetime!(2026-01-01 00:00:01), "a"),
                row(2, datetime!(2026-01-01 00:00:02), "b"),
                row(3, datetime!(2026-01-01 00:00:03), "a"),
                row(4, datetime!(2026-01-01 00:00:04), "b"),
                row(5, datetime!(2026-01-01 00:00:05), "a"),
            ],
            None,
        )
    }

    fn ids(v: &[&ChangeRow]) -> Vec<i64> {
        v.iter().map(|r| r.id).collect()
    }

    #[test]
    fn forward_backward_latest() {
        let s = snap();
        assert_eq!(ids(&s.page("0", 2, None, None).unwrap()), vec![1, 2]);
        let second = rethink_id(2);
        assert_eq!(ids(&s.page(&second, 2, None, None).unwrap()), vec![3, 4]);
        assert_eq!(ids(&s.page(&second, -5, None, None).unwrap()), vec![1]);
        assert_eq!(ids(&s.page("-1", 2, None, None).unwrap()), vec![4, 5]);
        assert_eq!(ids(&s.page("-1", -2, None, None).unwrap()), vec![4, 5]);
        assert_eq!(ids(&s.page("0", -2, None, None).unwrap()), vec![4, 5]);
        assert_eq!(s.page("1", 2, None, None), Err(UnknownChangeId));
        assert_eq!(s.page("", 2, None, None), Err(UnknownChangeId));
    }

    #[test]
    fn gun_filter_and_blackout() {
        let s = snap();
        assert_eq!(
            ids(&s.page("0", 10, Some("a"), None).unwrap()),
            vec![1, 3, 5]
        );
        let t = Some(datetime!(2026-01-01 00:00:03));
        assert_eq!(ids(&s.page("0", 10, None, t).unwrap()), vec![1, 2, 3]);
        assert_eq!(ids(&s.page("-1", 2, Some("b"), t).unwrap()), vec![2]);
        // a hidden record's id still works as a cursor
        let fifth = rethink_id(5);
        assert_eq!(ids(&s.page(&fifth, -2, None, t).unwrap()), vec![2, 3]);
    }

    #[test]
    fn ties_order_by_uuid() {
        let at = datetime!(2026-01-01 00:00:00);
        let s = Snapshot::from_rows((1..=20).map(|i| row(i, at, "g")).collect(), None);
        let mut seen = Vec::new();
        let mut cursor = "0".to_owned();
        loop {
            let page = s.page(&cursor, 3, None, None).unwrap();
            let Some(last) = page.last() else { break };
            cursor = last.uuid.clone();
            seen.extend(ids(&page));
        }
        let mut sorted = seen.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=20).collect::<Vec<_>>());
        assert_ne!(seen, sorted, "ties follow uuid order, not id order");
        assert_eq!(rethink_id(7), rethink_id(7));
    }
}
