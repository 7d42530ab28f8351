//! The embedded default: one SQLite file in WAL mode. Writes go through a single connection
//! (SQLite has one writer at a time; queueing in the pool beats retrying on SQLITE_BUSY),
//! reads through a pool of their own.

use otinish_domain::repo::{Store, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Debug, Clone)]
pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Durability first: an acknowledged appeal survives a power cut.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await
            .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await
            .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
        Ok(Self { write, read })
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR
            .run(&self.write)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))
    }

    fn reader(&self) -> &SqlitePool {
        &self.read
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'_, sqlx::Sqlite>, sqlx::Error> {
        // IMMEDIATE takes the write lock at once, so a transaction never fails half-way
        // upgrading from a read lock.
        self.write.begin_with("BEGIN IMMEDIATE").await
    }

    /// The pool for maintenance queries in tests and tools.
    pub fn write_pool(&self) -> &SqlitePool {
        &self.write
    }
}

impl SqliteStore {
    /// Row locking for claiming jobs: SQLite has one writer, so none is needed.
    const SKIP_LOCKED: &'static str = "";
    /// A full-text search's FROM and WHERE; `$1` is [`Self::search_expression`]. The FTS5 index
    /// is walked newest first and stops at the page's end.
    const SEARCH_FROM: &'static str = "card_fts JOIN card c ON c.id = card_fts.rowid \
         JOIN body b ON b.id = c.body_id WHERE card_fts MATCH $1";
    const SEARCH_ORDER: &'static str = "card_fts.rowid DESC";

    /// Every term as a quoted prefix; FTS5 joins them with AND. Terms are letters and digits
    /// only (`SearchQuery`), so quoting cannot be broken out of.
    fn search_expression(terms: &[String]) -> String {
        terms
            .iter()
            .map(|t| format!("\"{t}\"*"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `n` fresh card ids; the write transaction holds the database's write lock.
    async fn reserve_card_ids(
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        n: usize,
    ) -> Result<Vec<i64>, sqlx::Error> {
        let (max,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM card")
            .fetch_one(&mut **tx)
            .await?;
        Ok((1..=n as i64).map(|i| max + i).collect())
    }
}

impl_repos!(SqliteStore, sqlx::Sqlite);

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map(|_| ())
            .map_err(map_err)
    }
}
