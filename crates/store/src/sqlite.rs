//! The embedded default: one SQLite file in WAL mode. Writes go through a single connection
//! (SQLite has one writer at a time; queueing in the pool beats retrying on SQLITE_BUSY),
//! reads through a pool of their own.
//!
//! Durability by group commit: a transaction commits into the write-ahead log without waiting
//! for the disk, and the write is reported done only after the log has been flushed (fsync)
//! after that commit. One flush covers every commit that finished before it began, so
//! concurrent writers share flushes instead of queueing one each behind the single writer.
//! What a caller has been told is stored survives a power cut, as with `synchronous=FULL`.

use otinish_domain::repo::{Store, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Debug, Clone)]
pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
    wal: Arc<WalFlush>,
}

/// Flushes of the write-ahead log, shared by the commits that wait for them.
#[derive(Debug)]
struct WalFlush {
    path: PathBuf,
    /// Commits finished so far.
    committed: AtomicU64,
    /// Commits known to be on disk: all of the first `flushed`.
    flushed: AtomicU64,
    /// Held while a flush runs; waiters queue here and usually find themselves covered.
    running: tokio::sync::Mutex<()>,
    /// Flushes done (for the tests and the metrics).
    flushes: AtomicU64,
    /// Why a flush failed. After a failed fsync the kernel may have dropped the log's dirty
    /// pages and marked them clean, so a later flush that succeeds proves nothing about the
    /// commits before it: from then on no write is taken (the process is meant to exit and be
    /// restarted, which recovers from what is really on disk).
    failed: std::sync::OnceLock<String>,
    /// A test's fault: the next flush fails as if fsync had reported an I/O error.
    fail_next: std::sync::atomic::AtomicBool,
}

impl WalFlush {
    /// Waits until the commit that just finished is on disk.
    async fn after_commit(&self) -> Result<(), StoreError> {
        let mine = self.committed.fetch_add(1, Ordering::SeqCst) + 1;
        if self.flushed.load(Ordering::SeqCst) >= mine {
            return Ok(());
        }
        let _turn = self.running.lock().await;
        if self.flushed.load(Ordering::SeqCst) >= mine {
            return Ok(()); // the flush before ours began after our commit
        }
        self.check()?;
        // Every commit counted so far has returned from writing the log; the flush below
        // begins afterwards, so it covers them all.
        let covered = self.committed.load(Ordering::SeqCst);
        let path = self.path.clone();
        let injected = self.fail_next.swap(false, Ordering::SeqCst);
        let synced = tokio::task::spawn_blocking(move || {
            if injected {
                return Err(std::io::Error::other("injected fault: fsync failed"));
            }
            std::fs::OpenOptions::new()
                .read(true)
                .open(&path)
                .and_then(|f| f.sync_data())
        })
        .await
        .map_err(|e| StoreError::Backend(format!("log flush stopped: {e}")))?;
        if let Err(e) = synced {
            let why = format!(
                "flushing the write-ahead log {} failed ({e}); no more writes are taken, and \
                 the server stops so that it restarts from what is on disk",
                self.path.display()
            );
            tracing::error!("{why}");
            let _ = self.failed.set(why);
            return self.check();
        }
        self.flushed.fetch_max(covered, Ordering::SeqCst);
        self.flushes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Refuses once a flush has failed.
    fn check(&self) -> Result<(), StoreError> {
        match self.failed.get() {
            Some(why) => Err(StoreError::Backend(why.clone())),
            None => Ok(()),
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Commits do not wait for the disk; `WalFlush` makes each write durable before it
            // is reported done (group commit). Checkpoints still flush the log first.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            // The one write connection must never go back to the pool inside a transaction:
            // every later `BEGIN IMMEDIATE` would fail and every write answer 500.
            .after_release(|conn, _| Box::pin(crate::idle_outside_transaction(conn)))
            .before_acquire(|conn, _| {
                Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
            })
            .connect_with(opts.clone())
            .await
            .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await
            .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        Ok(Self {
            write,
            read,
            wal: Arc::new(WalFlush {
                path: PathBuf::from(wal),
                committed: AtomicU64::new(0),
                flushed: AtomicU64::new(0),
                running: tokio::sync::Mutex::new(()),
                flushes: AtomicU64::new(0),
                failed: std::sync::OnceLock::new(),
                fail_next: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR
            .run(&self.write)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
        self.wal.after_commit().await
    }

    /// Commits a write transaction and waits until it is on disk (group commit).
    async fn commit(&self, tx: sqlx::Transaction<'_, sqlx::Sqlite>) -> Result<(), StoreError> {
        tx.commit().await.map_err(crate::map_err)?;
        self.wal.after_commit().await
    }

    /// Writes a consistent copy of the database to `target` while the server keeps running
    /// (`VACUUM INTO` reads one snapshot; writers are not held up), and flushes it to disk.
    /// The target must not exist yet.
    pub async fn backup_to(&self, target: &Path) -> Result<(), StoreError> {
        if target.exists() {
            return Err(StoreError::Backend(format!(
                "{} exists already: a backup never overwrites a file",
                target.display()
            )));
        }
        let name = target.to_str().ok_or_else(|| {
            StoreError::Backend(format!("{} is not a UTF-8 path", target.display()))
        })?;
        sqlx::query("VACUUM INTO ?")
            .bind(name)
            .execute(&self.read)
            .await
            .map_err(|e| StoreError::Backend(format!("backup to {name} failed: {e}")))?;
        let path = target.to_owned();
        tokio::task::spawn_blocking(move || std::fs::File::open(&path).and_then(|f| f.sync_all()))
            .await
            .map_err(|e| StoreError::Backend(format!("backup flush stopped: {e}")))?
            .map_err(|e| StoreError::Backend(format!("cannot flush {name}: {e}")))
    }

    /// How many commits have been made durable, and by how many flushes of the log.
    pub fn flush_counts(&self) -> (u64, u64) {
        (
            self.wal.flushed.load(Ordering::SeqCst),
            self.wal.flushes.load(Ordering::Relaxed),
        )
    }

    fn reader(&self) -> &SqlitePool {
        &self.read
    }

    /// A test's fault: the next flush of the log fails as if fsync had reported an I/O error
    /// (see [`Store::failed`]).
    #[doc(hidden)]
    pub fn inject_flush_failure(&self) {
        self.wal.fail_next.store(true, Ordering::SeqCst);
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'_, sqlx::Sqlite>, sqlx::Error> {
        if let Some(why) = self.wal.failed.get() {
            return Err(sqlx::Error::Io(std::io::Error::other(why.clone())));
        }
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
    /// The local month (`YYYY-MM`) of the moment `{at}` (microseconds), by the zone's offsets.
    const TALLY_MONTH: &'static str =
        "strftime('%Y-%m', {at} / 1000000 + COALESCE((SELECT z.offset_s \
         FROM tally_zone z WHERE z.since <= {at} ORDER BY z.since DESC LIMIT 1), 0), 'unixepoch')";
    /// A full-text search's FROM and WHERE; `$1` is [`Self::search_expression`]. The FTS5 index
    /// is walked newest first and stops at the page's end.
    const SEARCH_FROM: &'static str = "card_fts JOIN card c ON c.id = card_fts.rowid \
         JOIN body b ON b.id = c.body_id WHERE card_fts MATCH $1";
    /// Best match first: a registration number weighs most, then who applied, then the summary.
    const SEARCH_ORDER: &'static str = "bm25(card_fts, 10.0, 5.0, 1.0), card_fts.rowid DESC";

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
impl_personal!(SqliteStore);

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn commits(&self) -> u64 {
        self.wal.committed.load(Ordering::SeqCst)
    }

    fn failed(&self) -> Option<String> {
        self.wal.failed.get().cloned()
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map(|_| ())
            .map_err(map_err)?;
        // The write connection takes the write lock and gives it back.
        let probe = async {
            let tx = self.begin_write().await?;
            tx.rollback().await
        };
        match tokio::time::timeout(crate::WRITE_PROBE_TIMEOUT, probe).await {
            Ok(r) => r.map_err(map_err),
            Err(_) => Err(StoreError::Unavailable),
        }
    }
}
