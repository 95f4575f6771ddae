//! Late changefeed records (msr-api.md §6), made on purpose for tests:
//!
//! - **PostgreSQL, ids committed out of order**: transaction A inserts a `changefeed` row
//!   (gets id N) and stays open; transaction B inserts N+1 (and more) and commits, so the
//!   real notary-server serves N+1 while N is still invisible. Committing A later makes N
//!   appear behind a cursor that has already passed it (`id > N+1` paging never returns it).
//! - **RethinkDB mode, a replica with a slow clock**: a row whose `created_at` lies
//!   `skew_secs` in the past, so keyset paging on `(created_at, id)` from a newer record
//!   does not return it.
//!
//! Rows are inserted like `cargo xtask stack load` inserts them: `created_at` in UTC,
//! `sha256` the hex of a SHA-256 (deletions `''`, which `char(64)` pads), `category`
//! `update` or `deletion`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use time::PrimitiveDateTime;
use tokio::sync::Mutex;

use crate::rethink::rethink_id;
use crate::util::rfc3339_nano_primitive;

/// Most transactions held open at once.
pub const MAX_OPEN: usize = 16;

/// Errors making late records.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LateError {
    /// No `postgres_url` in the config.
    #[error("postgres_url is not configured")]
    NotConfigured,
    /// The request asks for something impossible.
    #[error("{0}")]
    Invalid(String),
    /// Too many transactions are held open.
    #[error("{MAX_OPEN} late transactions are already open; commit or roll back one first")]
    TooMany,
    /// No open transaction has this handle.
    #[error("no open late transaction {0:?}")]
    UnknownHandle(String),
    /// Connecting or querying failed.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
}

/// A changefeed category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A published timestamp.
    #[default]
    Update,
    /// A deleted GUN (`version` 0, empty `sha256`).
    Deletion,
}

/// One record to insert.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSpec {
    /// The GUN (`<registry host>/<namespace>/<repo>`).
    pub gun: String,
    /// The version: required for an update (≥ 1); a deletion's is 0.
    #[serde(default)]
    pub version: Option<i32>,
    /// `update` (default) or `deletion`.
    #[serde(default)]
    pub category: Category,
    /// 64 hex digits; default a fresh random-looking checksum (updates) or `''`
    /// (deletions).
    #[serde(default)]
    pub sha256: Option<String>,
}

impl RecordSpec {
    /// Check it; returns `(version, sha256)` to insert (`None` = generate one).
    fn checked(&self) -> Result<(i32, Option<String>), LateError> {
        if self.gun.is_empty() || self.gun.len() > 255 {
            return Err(LateError::Invalid("gun must be 1..=255 bytes".into()));
        }
        let sha = match &self.sha256 {
            Some(s) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some(s.to_ascii_lowercase())
            }
            Some(s) if s.is_empty() && self.category == Category::Deletion => Some(String::new()),
            Some(s) => {
                return Err(LateError::Invalid(format!(
                    "sha256 {s:?} is not 64 hex digits"
                )));
            }
            None if self.category == Category::Deletion => Some(String::new()),
            None => None,
        };
        let version = match (self.category, self.version) {
            (Category::Update, Some(v)) if v >= 1 => v,
            (Category::Update, _) => {
                return Err(LateError::Invalid("an update needs a version >= 1".into()));
            }
            (Category::Deletion, None | Some(0)) => 0,
            (Category::Deletion, Some(_)) => {
                return Err(LateError::Invalid("a deletion has version 0".into()));
            }
        };
        Ok((version, sha))
    }
}

/// A row as inserted.
#[derive(Debug, Clone, Serialize)]
pub struct Inserted {
    /// notary's SQL id (what notary-server serves as `ID`).
    pub id: String,
    /// The id msr-sim's RethinkDB mode gives it.
    pub uuid: String,
    /// `created_at` (RFC 3339, UTC).
    pub created_at: String,
    /// The GUN.
    pub gun: String,
    /// The version.
    pub version: i32,
    /// The checksum (`""` for deletions).
    pub sha256: String,
    /// `update` or `deletion`.
    pub category: Category,
}

/// `POST /late/begin` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeginSpec {
    /// Inserted by transaction A, which stays open.
    pub held: RecordSpec,
    /// Inserted (after A's row, so with larger ids) and committed at once.
    #[serde(default)]
    pub committed: Vec<RecordSpec>,
    /// Commit A by itself after this many milliseconds (default: only on `/late/commit`).
    #[serde(default)]
    pub hold_ms: Option<u64>,
}

/// `POST /late/skewed` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkewedSpec {
    /// The GUN.
    pub gun: String,
    /// The version (as in [`RecordSpec`]).
    #[serde(default)]
    pub version: Option<i32>,
    /// `update` (default) or `deletion`.
    #[serde(default)]
    pub category: Category,
    /// 64 hex digits (as in [`RecordSpec`]).
    #[serde(default)]
    pub sha256: Option<String>,
    /// How far the writing replica's clock is behind, seconds (≥ 0).
    pub skew_secs: f64,
}

struct Held {
    client: tokio_postgres::Client,
    record: Inserted,
}

/// The open transactions.
#[derive(Debug)]
pub struct Late {
    url: Option<String>,
    open: Mutex<BTreeMap<String, Held>>,
    next: AtomicU64,
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held")
            .field("record", &self.record)
            .finish()
    }
}

const INSERT: &str = "INSERT INTO changefeed (created_at, gun, version, sha256, category) \
     VALUES ((clock_timestamp() AT TIME ZONE 'UTC') - make_interval(secs => $5::float8), \
             $1::text, $2::int4, \
             coalesce($3::text, encode(sha256(convert_to($1::text || '#' || $2::int4 || '#' \
                 || clock_timestamp()::text || '#' || random()::text, 'UTF8')), 'hex')), \
             $4::text) \
     RETURNING id::bigint, created_at, sha256::text";

async fn insert(
    client: &tokio_postgres::Client,
    spec: &RecordSpec,
    skew_secs: f64,
) -> Result<Inserted, LateError> {
    let (version, sha) = spec.checked()?;
    let category = match spec.category {
        Category::Update => "update",
        Category::Deletion => "deletion",
    };
    let row = client
        .query_one(INSERT, &[&spec.gun, &version, &sha, &category, &skew_secs])
        .await?;
    let id: i64 = row.try_get(0)?;
    let created_at: Option<PrimitiveDateTime> = row.try_get(1)?;
    let sha256: Option<String> = row.try_get(2)?;
    Ok(Inserted {
        id: id.to_string(),
        uuid: rethink_id(id),
        created_at: created_at.map(rfc3339_nano_primitive).unwrap_or_default(),
        gun: spec.gun.clone(),
        version,
        sha256: sha256.unwrap_or_default().trim().to_owned(),
        category: spec.category,
    })
}

impl Late {
    /// Late records for this database (`None`: every call fails with
    /// [`LateError::NotConfigured`]).
    pub fn new(url: Option<String>) -> Late {
        Late {
            url,
            open: Mutex::new(BTreeMap::new()),
            next: AtomicU64::new(1),
        }
    }

    async fn connect(&self) -> Result<tokio_postgres::Client, LateError> {
        let url = self.url.as_deref().ok_or(LateError::NotConfigured)?;
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("msr-sim: late-record connection ended: {e}");
            }
        });
        Ok(client)
    }

    /// Transaction A inserts `held` and stays open; then `committed` are inserted and
    /// committed. Returns the handle, A's row and the committed rows.
    pub async fn begin(
        &self,
        spec: &BeginSpec,
    ) -> Result<(String, Inserted, Vec<Inserted>), LateError> {
        spec.held.checked()?;
        for c in &spec.committed {
            c.checked()?;
        }
        if self.open.lock().await.len() >= MAX_OPEN {
            return Err(LateError::TooMany);
        }
        let a = self.connect().await?;
        a.batch_execute("BEGIN").await?;
        let held = insert(&a, &spec.held, 0.0).await?;
        let mut committed = Vec::with_capacity(spec.committed.len());
        if !spec.committed.is_empty() {
            let b = self.connect().await?;
            for c in &spec.committed {
                committed.push(insert(&b, c, 0.0).await?);
            }
        }
        let handle = format!("late-{}", self.next.fetch_add(1, Ordering::Relaxed));
        self.open.lock().await.insert(
            handle.clone(),
            Held {
                client: a,
                record: held.clone(),
            },
        );
        Ok((handle, held, committed))
    }

    /// Commit (`true`) or roll back transaction A of `handle`; returns its row.
    pub async fn finish(&self, handle: &str, commit: bool) -> Result<Inserted, LateError> {
        let held = self
            .open
            .lock()
            .await
            .remove(handle)
            .ok_or_else(|| LateError::UnknownHandle(handle.to_owned()))?;
        held.client
            .batch_execute(if commit { "COMMIT" } else { "ROLLBACK" })
            .await?;
        Ok(held.record)
    }

    /// Roll back every open transaction (`/reset`); returns how many.
    pub async fn rollback_all(&self) -> usize {
        let all = std::mem::take(&mut *self.open.lock().await);
        let n = all.len();
        for (_, held) in all {
            let _ = held.client.batch_execute("ROLLBACK").await;
        }
        n
    }

    /// The rows of the open transactions, by handle.
    pub async fn open(&self) -> Vec<(String, Inserted)> {
        self.open
            .lock()
            .await
            .iter()
            .map(|(h, held)| (h.clone(), held.record.clone()))
            .collect()
    }

    /// Insert (and commit) a row whose `created_at` lies `skew_secs` in the past.
    pub async fn skewed(&self, spec: &SkewedSpec) -> Result<Inserted, LateError> {
        if !spec.skew_secs.is_finite()
            || spec.skew_secs < 0.0
            || spec.skew_secs > 10.0 * 365.0 * 86_400.0
        {
            return Err(LateError::Invalid("skew_secs must be 0..=315360000".into()));
        }
        let record = RecordSpec {
            gun: spec.gun.clone(),
            version: spec.version,
            category: spec.category,
            sha256: spec.sha256.clone(),
        };
        record.checked()?;
        let client = self.connect().await?;
        insert(&client, &record, spec.skew_secs).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> RecordSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn record_specs_are_checked() {
        assert_eq!(
            spec(r#"{"gun":"h/a/b","version":3}"#).checked().unwrap(),
            (3, None)
        );
        assert_eq!(
            spec(r#"{"gun":"h/a/b","category":"deletion"}"#)
                .checked()
                .unwrap(),
            (0, Some(String::new()))
        );
        for bad in [
            r#"{"gun":"h/a/b"}"#,
            r#"{"gun":"","version":1}"#,
            r#"{"gun":"h/a/b","version":0}"#,
            r#"{"gun":"h/a/b","category":"deletion","version":2}"#,
            r#"{"gun":"h/a/b","version":1,"sha256":"xyz"}"#,
        ] {
            assert!(spec(bad).checked().is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<RecordSpec>(r#"{"gun":"g","version":1,"x":1}"#).is_err());
        let sha = "AB".repeat(32);
        assert_eq!(
            spec(&format!(r#"{{"gun":"g","version":1,"sha256":"{sha}"}}"#))
                .checked()
                .unwrap()
                .1,
            Some("ab".repeat(32))
        );
    }
}
