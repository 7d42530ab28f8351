//! [`NoticeRepo`](otinish_domain::repo::NoticeRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_notice_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl NoticeRepo for $store {
            async fn notices_of_applicant(&self, applicant_id: i64, page: PageRequest) -> StoreResult<Page<Notice>> {
                let rows = sqlx::query(
                    "SELECT * FROM notice WHERE applicant_id = $1 AND NOT hidden_by_applicant ORDER BY id DESC LIMIT $2 OFFSET $3",
                )
                .bind(applicant_id)
                .bind(i64::from(page.limit))
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM notice WHERE applicant_id = $1 AND NOT hidden_by_applicant")
                    .bind(applicant_id)
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(notice_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn notices_of_card(&self, card_id: i64) -> StoreResult<Vec<Notice>> {
                let rows = sqlx::query("SELECT * FROM notice WHERE card_id = $1 ORDER BY id")
                    .bind(card_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(notice_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn notice_delivered(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("UPDATE notice SET status = 'delivered', delivered_at = $1, attempts = attempts + 1 WHERE id = $2")
                    .bind(micros(at))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn letters_to_post(&self, body_id: i64, page: PageRequest) -> StoreResult<Page<Notice>> {
                const WHERE: &str = "channel = 'post' AND status = 'pending' \
                     AND card_id IN (SELECT id FROM card WHERE body_id = $1)";
                let rows = sqlx::query(&format!(
                    "SELECT * FROM notice WHERE {WHERE} ORDER BY id LIMIT $2 OFFSET $3"
                ))
                .bind(body_id)
                .bind(i64::from(page.limit))
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM notice WHERE {WHERE}"))
                    .bind(body_id)
                    .fetch_one(self.reader())
                    .await
                    .map_err(map_err)?;
                Ok(Page {
                    items: rows.iter().map(notice_row).collect::<Result<_, _>>().map_err(map_err)?,
                    total,
                    request: page,
                })
            }

            async fn notice(&self, id: i64) -> StoreResult<Notice> {
                sqlx::query("SELECT * FROM notice WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(notice_row)
                    .transpose()
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("notice {id}")))
            }

            async fn mark_posted(&self, id: i64, at: DateTime<Utc>, journal: JournalDraft) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let card: Option<i64> = sqlx::query_scalar(
                    "UPDATE notice SET status = 'delivered', delivered_at = $1 \
                     WHERE id = $2 AND channel = 'post' AND status = 'pending' RETURNING card_id",
                )
                .bind(micros(at))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
                let Some(card) = card else {
                    return Ok(false);
                };
                let mut j = journal;
                j.subject = format!("card:{card}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }

            async fn dead_notices(&self, page: PageRequest) -> StoreResult<Page<Notice>> {
                self.paged("notice", "status = 'dead' AND dismissed_at IS NULL", "id DESC", page, notice_row).await
            }

            async fn retry_notice(&self, id: i64, now: DateTime<Utc>, journal: JournalDraft) -> StoreResult<bool> {
                self.notice_job(id, now, journal, true).await
            }

            async fn dismiss_notice(&self, id: i64, now: DateTime<Utc>, journal: JournalDraft) -> StoreResult<bool> {
                self.notice_job(id, now, journal, false).await
            }

            async fn notice_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query(
                    "UPDATE notice SET status = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3",
                )
                .bind(if retry_at.is_some() { "failed" } else { "dead" })
                .bind(error)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                self.commit(tx).await
            }
        }

        impl $store {
            /// Sends a dead notice's delivery again (`retry`) or dismisses it, through its job.
            async fn notice_job(&self, id: i64, now: DateTime<Utc>, journal: JournalDraft, retry: bool) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let job: Option<Option<i64>> = sqlx::query_scalar(
                    "SELECT job_id FROM notice WHERE id = $1 AND status = 'dead' AND dismissed_at IS NULL",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
                let Some(Some(job)) = job else {
                    return Ok(false);
                };
                let done = if retry {
                    Self::retry_job_in(&mut tx, job, now).await
                } else {
                    Self::dismiss_job_in(&mut tx, job, now).await
                }
                .map_err(map_err)?;
                if !done {
                    return Ok(false);
                }
                let mut j = journal;
                j.subject = format!("notice:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }
        }
    };
}
