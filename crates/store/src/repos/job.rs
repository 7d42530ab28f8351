//! [`JobRepo`](otinish_domain::repo::JobRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_job_repo {
    ($store:ty, $db:ty) => {
        fn job_row(r: &DbRow) -> Result<otinish_domain::job::Job, sqlx::Error> {
            use otinish_domain::job::{Job, JobKind, JobState};
            let kind: String = r.try_get("kind")?;
            let state: String = r.try_get("state")?;
            let lease: Option<i64> = r.try_get("lease_until")?;
            Ok(Job {
                id: r.try_get("id")?,
                kind: JobKind::parse(&kind).ok_or_else(|| decode_err("job kind", &kind))?,
                payload: r.try_get("payload")?,
                state: JobState::parse(&state).ok_or_else(|| decode_err("job state", &state))?,
                run_after: from_micros(r.try_get("run_after")?),
                lease_until: lease.map(from_micros),
                leased_by: r.try_get("leased_by")?,
                attempts: r.try_get("attempts")?,
                max_attempts: r.try_get("max_attempts")?,
                last_error: r.try_get("last_error")?,
                created_at: from_micros(r.try_get("created_at")?),
            })
        }

        impl $store {
            /// Enqueues a job inside `tx`; returns its id.
            async fn enqueue_in(
                tx: &mut Tx<'_>,
                job: &otinish_domain::job::NewJob,
                now: DateTime<Utc>,
            ) -> Result<i64, sqlx::Error> {
                sqlx::query_scalar(
                    "INSERT INTO job (kind, payload, state, run_after, attempts, max_attempts, created_at) \
                     VALUES ($1, $2, 'ready', $3, 0, $4, $5) RETURNING id",
                )
                .bind(job.kind.as_str())
                .bind(&job.payload)
                .bind(micros(job.run_after))
                .bind(job.max_attempts)
                .bind(micros(now))
                .fetch_one(&mut **tx)
                .await
            }
        }

        #[async_trait]
        impl JobRepo for $store {
            async fn enqueue_job(&self, job: &otinish_domain::job::NewJob, now: DateTime<Utc>) -> StoreResult<i64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let id = Self::enqueue_in(&mut tx, job, now).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(id)
            }

            async fn claim_jobs(
                &self,
                kinds: &[otinish_domain::job::JobKind],
                worker: &str,
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
                limit: u32,
            ) -> StoreResult<Vec<otinish_domain::job::Job>> {
                if kinds.is_empty() || limit == 0 {
                    return Ok(Vec::new());
                }
                // Kinds are the domain's names, never request data.
                let kinds = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect::<Vec<_>>().join(",");
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let rows = sqlx::query(&format!(
                    "UPDATE job SET state = 'running', leased_by = $1, lease_until = $2, attempts = attempts + 1 \
                     WHERE id IN (SELECT id FROM job WHERE kind IN ({kinds}) AND \
                     ((state = 'ready' AND run_after <= $3) OR (state = 'running' AND lease_until < $3)) \
                     ORDER BY run_after, id LIMIT $4{}) RETURNING *",
                    Self::SKIP_LOCKED
                ))
                .bind(worker)
                .bind(micros(lease_until))
                .bind(micros(now))
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                self.commit(tx).await?;
                let mut jobs = rows.iter().map(job_row).collect::<Result<Vec<_>, _>>().map_err(map_err)?;
                jobs.sort_by_key(|j| (j.run_after, j.id));
                Ok(jobs)
            }

            async fn job_done(&self, id: i64, worker: &str) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let n = sqlx::query("DELETE FROM job WHERE id = $1 AND state = 'running' AND leased_by = $2")
                    .bind(id)
                    .bind(worker)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                self.commit(tx).await?;
                Ok(n == 1)
            }

            async fn job_failed(
                &self,
                id: i64,
                worker: &str,
                error: &str,
                retry_at: Option<DateTime<Utc>>,
            ) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let n = sqlx::query(
                    "UPDATE job SET state = $1, run_after = COALESCE($2, run_after), last_error = $3, \
                     lease_until = NULL WHERE id = $4 AND state = 'running' AND leased_by = $5",
                )
                .bind(if retry_at.is_some() { "ready" } else { "dead" })
                .bind(retry_at.map(micros))
                .bind(error)
                .bind(id)
                .bind(worker)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected();
                self.commit(tx).await?;
                Ok(n == 1)
            }

            async fn release_jobs(&self, ids: &[i64], worker: &str) -> StoreResult<u64> {
                if ids.is_empty() {
                    return Ok(0);
                }
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let n = sqlx::query(&format!(
                    "UPDATE job SET state = 'ready', lease_until = NULL, attempts = attempts - 1 \
                     WHERE id IN ({}) AND state = 'running' AND leased_by = $1 AND attempts > 0",
                    $crate::shared::id_list(ids)
                ))
                .bind(worker)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected();
                self.commit(tx).await?;
                Ok(n)
            }

            async fn job_counts(&self) -> StoreResult<Vec<otinish_domain::job::JobCount>> {
                use otinish_domain::job::{JobCount, JobKind, JobState};
                let rows = sqlx::query(
                    "SELECT kind, state, COUNT(*) AS n FROM job WHERE dismissed_at IS NULL \
                     GROUP BY kind, state ORDER BY kind, state",
                )
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let kind: String = r.try_get("kind").map_err(map_err)?;
                    let state: String = r.try_get("state").map_err(map_err)?;
                    out.push(JobCount {
                        kind: JobKind::parse(&kind).ok_or_else(|| map_err(decode_err("job kind", &kind)))?,
                        state: JobState::parse(&state).ok_or_else(|| map_err(decode_err("job state", &state)))?,
                        count: r.try_get("n").map_err(map_err)?,
                    });
                }
                Ok(out)
            }

            async fn dead_jobs(&self, page: PageRequest) -> StoreResult<Page<otinish_domain::job::Job>> {
                self.paged("job", "state = 'dead' AND dismissed_at IS NULL", "id DESC", page, job_row).await
            }

            async fn job(&self, id: i64) -> StoreResult<otinish_domain::job::Job> {
                sqlx::query("SELECT * FROM job WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(job_row)
                    .transpose()
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("job {id}")))
            }

            async fn retry_job(&self, id: i64, now: DateTime<Utc>, journal: JournalDraft) -> StoreResult<bool> {
                self.dead_job_step(id, now, journal, true).await
            }

            async fn dismiss_job(&self, id: i64, now: DateTime<Utc>, journal: JournalDraft) -> StoreResult<bool> {
                self.dead_job_step(id, now, journal, false).await
            }
        }

        impl $store {
            /// Sends a dead job again (`retry`) or dismisses it, journaled on the job.
            async fn dead_job_step(&self, id: i64, now: DateTime<Utc>, journal: JournalDraft, retry: bool) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = if retry {
                    Self::retry_job_in(&mut tx, id, now).await
                } else {
                    Self::dismiss_job_in(&mut tx, id, now).await
                }
                .map_err(map_err)?;
                if !done {
                    return Ok(false);
                }
                let mut j = journal;
                j.subject = format!("job:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }

            /// A dead job made ready from `now` with its tries counted afresh; a notice it
            /// delivers shows as pending again. `false` when it is not dead or was dismissed.
            async fn retry_job_in(tx: &mut Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
                let n = sqlx::query(
                    "UPDATE job SET state = 'ready', attempts = 0, run_after = $1, lease_until = NULL, leased_by = NULL \
                     WHERE id = $2 AND state = 'dead' AND dismissed_at IS NULL",
                )
                .bind(micros(now))
                .bind(id)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Ok(false);
                }
                sqlx::query("UPDATE notice SET status = 'pending', attempts = 0 WHERE job_id = $1 AND status = 'dead'")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                Ok(true)
            }

            /// A dead job dismissed (a notice it delivers with it). `false` when it is not
            /// dead or was dismissed already.
            async fn dismiss_job_in(tx: &mut Tx<'_>, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
                let n = sqlx::query("UPDATE job SET dismissed_at = $1 WHERE id = $2 AND state = 'dead' AND dismissed_at IS NULL")
                    .bind(micros(now))
                    .bind(id)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Ok(false);
                }
                sqlx::query("UPDATE notice SET dismissed_at = $1 WHERE job_id = $2 AND dismissed_at IS NULL")
                    .bind(micros(now))
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                Ok(true)
            }
        }
    };
}
