//! PostgreSQL for scale-out: many `otinish serve` nodes share one database. Concurrency is
//! handled by row locks (registration counters, the journal head) and constraints.

use otinish_domain::repo::{Store, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Write transactions committed through this handle.
    commits: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl PgStore {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Backend(format!("bad database URL: {e}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_release(|conn, _| Box::pin(crate::idle_outside_transaction(conn)))
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Backend(format!("cannot connect to PostgreSQL: {e}")))?;
        Ok(Self::from_pool(pool))
    }

    /// Refuses a server that acknowledges commits before they are on disk: with
    /// `synchronous_commit = off` a commit returns before its log record is flushed, and with
    /// `fsync = off` nothing is flushed at all, so an appeal the applicant was told is stored
    /// can vanish in a power cut. `allow` runs anyway (a test bench, or a deliberate choice),
    /// with a warning in the log.
    pub async fn check_durability(&self, allow: bool) -> Result<(), StoreError> {
        let setting = |name: &'static str| async move {
            sqlx::query_scalar::<_, String>(&format!("SHOW {name}"))
                .fetch_one(&self.pool)
                .await
                .map_err(|e| StoreError::Backend(format!("cannot read {name}: {e}")))
        };
        let sync = setting("synchronous_commit").await?;
        let fsync = setting("fsync").await?;
        let unsafe_settings: Vec<String> = [
            (sync == "off").then(|| "synchronous_commit = off".to_owned()),
            (fsync == "off").then(|| "fsync = off".to_owned()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if unsafe_settings.is_empty() {
            return Ok(());
        }
        let why = format!(
            "PostgreSQL runs with {}: it acknowledges a commit before the commit is on disk, so \
             an appeal the applicant was told is stored could be lost in a power cut",
            unsafe_settings.join(" and ")
        );
        if allow {
            tracing::warn!("{why}; running anyway (--allow-async-commit)");
            Ok(())
        } else {
            Err(StoreError::Backend(format!(
                "{why}. Turn it on in postgresql.conf (or for this database: ALTER DATABASE … \
                 SET synchronous_commit = on), or start with --allow-async-commit to accept the risk"
            )))
        }
    }

    pub fn from_pool(pool: PgPool) -> Self {
        Self {
            pool,
            commits: std::sync::Arc::default(),
        }
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }

    /// The pool for maintenance queries in tests and tools.
    /// Commits a write transaction; PostgreSQL flushes its log at commit and groups
    /// concurrent commits itself.
    async fn commit(&self, tx: sqlx::Transaction<'_, sqlx::Postgres>) -> Result<(), StoreError> {
        tx.commit().await.map_err(crate::map_err)?;
        self.commits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl PgStore {
    /// Row locking for claiming jobs: concurrent workers skip the rows another has claimed.
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    /// The local month (`YYYY-MM`) of the moment `{at}` (microseconds), by the zone's offsets
    /// (the function of migration 0030).
    const TALLY_MONTH: &'static str = "tally_month({at})";
    /// A full-text search's FROM and WHERE; `$1` is [`Self::search_expression`], matched
    /// against the card's generated `search` column (GIN index).
    const SEARCH_FROM: &'static str = "card c JOIN body b ON b.id = c.body_id \
         WHERE c.search @@ to_tsquery('simple', $1)";
    /// Best match first: a registration number (weight A) weighs most, then who applied (B),
    /// then the summary (D).
    const SEARCH_ORDER: &'static str =
        "ts_rank(c.search, to_tsquery('simple', $1)) DESC, c.id DESC";

    /// Every term as a prefix, all required. Terms are letters and digits only
    /// (`SearchQuery`), so they cannot carry query syntax.
    fn search_expression(terms: &[String]) -> String {
        terms
            .iter()
            .map(|t| format!("{t}:*"))
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// `n` fresh card ids from the identity sequence (not necessarily consecutive).
    async fn reserve_card_ids(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        n: usize,
    ) -> Result<Vec<i64>, sqlx::Error> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT nextval(pg_get_serial_sequence('card', 'id')) FROM generate_series(1, $1)",
        )
        .bind(n as i64)
        .fetch_all(&mut **tx)
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}

impl_repos!(PgStore, sqlx::Postgres);
impl_personal!(PgStore);

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn commits(&self) -> u64 {
        self.commits.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn ping(&self) -> StoreResult<()> {
        // A read-write transaction can begin (not a standby, not read-only).
        let probe = async {
            let mut tx = self.begin_write().await?;
            let read_only: String = sqlx::query_scalar("SHOW transaction_read_only")
                .fetch_one(&mut *tx)
                .await?;
            tx.rollback().await?;
            Ok::<_, sqlx::Error>(read_only == "off")
        };
        match tokio::time::timeout(crate::WRITE_PROBE_TIMEOUT, probe).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(StoreError::Backend(
                "the database takes no writes (read-only or a standby)".into(),
            )),
            Ok(Err(e)) => Err(map_err(e)),
            Err(_) => Err(StoreError::Unavailable),
        }
    }
}
