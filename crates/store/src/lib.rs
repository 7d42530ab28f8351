//! Persistence for Otinish: the domain's repository traits implemented on SQLite (embedded
//! default) and on PostgreSQL (scale-out). The store executes; it decides nothing — every
//! transition it writes was allowed by the domain, and every change is journaled in the same
//! transaction (GEN-06).
//!
//! Both backends share query texts (`$1` placeholders work on both) through the
//! [`impl_repos!`] macro (`shared.rs`: rows, transactions and the journal, written once) and one
//! file per repository under `repos/`; schemas are kept per backend under `migrations/`.

use otinish_domain::repo::{Store, StoreError};
use std::path::Path;
use std::sync::Arc;

#[macro_use]
mod repos;
#[macro_use]
mod shared;
#[macro_use]
mod personal;
pub mod files;
pub mod postgres;
pub mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Opens the store named by `url`: `postgres://…` for PostgreSQL, `sqlite://…` or empty for
/// the embedded SQLite database in `data_dir`. Runs migrations when `migrate` is set. A
/// PostgreSQL server that acknowledges commits before flushing them is refused unless
/// `allow_async_commit` (see [`PgStore::check_durability`]).
pub async fn open(
    url: Option<&str>,
    data_dir: &Path,
    migrate: bool,
    allow_async_commit: bool,
) -> Result<Arc<dyn Store>, StoreError> {
    match url {
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
            let s = PgStore::connect(u, 16).await?;
            s.check_durability(allow_async_commit).await?;
            if migrate {
                s.migrate().await?;
            }
            Ok(Arc::new(s))
        }
        Some(u) if u.starts_with("sqlite:") => {
            let path = u
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let s = SqliteStore::open(Path::new(path)).await?;
            if migrate {
                s.migrate().await?;
            }
            Ok(Arc::new(s))
        }
        Some(u) if !u.is_empty() => Err(StoreError::Backend(format!(
            "unsupported database URL scheme in `{}` (use postgres:// or sqlite://)",
            u.split(':').next().unwrap_or("")
        ))),
        _ => {
            std::fs::create_dir_all(data_dir).map_err(|e| {
                StoreError::Backend(format!(
                    "cannot create data folder {}: {e}",
                    data_dir.display()
                ))
            })?;
            let s = SqliteStore::open(&data_dir.join("otinish.db")).await?;
            if migrate {
                s.migrate().await?;
            }
            Ok(Arc::new(s))
        }
    }
}

/// How long /readyz waits for a write transaction to begin before saying "not ready".
pub(crate) const WRITE_PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The pool's check of a connection given back: a connection still inside a transaction (a
/// request dropped half-way, a `BEGIN` whose answer was never read) is closed and replaced,
/// never handed out again. The ping first lets the connection finish the rollback that a
/// dropped transaction queued.
pub(crate) async fn idle_outside_transaction<C: sqlx::Connection>(
    conn: &mut C,
) -> Result<bool, sqlx::Error> {
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!("a database connection was given back inside a transaction: replaced");
        return Ok(false);
    }
    Ok(true)
}

/// Maps a database error to the store's error: unique violations are conflicts, a busy or
/// exhausted pool is "unavailable", the rest is a backend failure carrying its cause.
pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => StoreError::Unavailable,
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(d.message().to_owned())
        }
        sqlx::Error::Database(d) if d.code().as_deref() == Some("5") => StoreError::Unavailable,
        _ => StoreError::Backend(e.to_string()),
    }
}

pub(crate) fn micros(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_micros(v: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(v).unwrap_or_default()
}

pub(crate) fn day(s: &str) -> Result<chrono::NaiveDate, sqlx::Error> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// Why the journal does not verify.
#[derive(Debug, thiserror::Error)]
pub enum JournalCheckError {
    #[error(transparent)]
    Broken(#[from] otinish_domain::journal::BrokenLink),
    #[error("the chain head records entry {head_seq}, but the journal ends at entry {last_seq} (entries were removed from the end)")]
    Truncated { head_seq: i64, last_seq: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// GEN-06: reads the whole journal in order, page by page, and checks every link with the
/// domain's [`ChainVerifier`](otinish_domain::journal::ChainVerifier). Returns how many
/// entries were checked. `progress` is called after each page with the count so far.
pub async fn verify_journal(
    store: &dyn otinish_domain::repo::JournalRepo,
    mut progress: impl FnMut(u64),
) -> Result<u64, JournalCheckError> {
    let mut v = otinish_domain::journal::ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = store.journal_after(after, 5_000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in &page {
            v.feed(e)?;
        }
        progress(v.checked);
    }
    let (head_seq, head_hash) = store.journal_head().await?;
    if head_seq != after || head_hash != v.last_hash() {
        return Err(JournalCheckError::Truncated {
            head_seq,
            last_seq: after,
        });
    }
    Ok(v.checked)
}
