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

            async fn claim_notices(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Notice>> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let rows = sqlx::query(&format!(
                    "SELECT id FROM notice WHERE channel NOT IN ('cabinet', 'post') AND \
                     ((status IN ('pending', 'failed') AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until < $1)) \
                     ORDER BY next_attempt_at, id LIMIT $2{}",
                    Self::SKIP_LOCKED
                ))
                .bind(micros(now))
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let id: i64 = r.try_get("id").map_err(map_err)?;
                    let row = sqlx::query("UPDATE notice SET status = 'sending', lease_until = $1 WHERE id = $2 RETURNING *")
                        .bind(micros(lease_until))
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    out.push(notice_row(&row).map_err(map_err)?);
                }
                self.commit(tx).await?;
                Ok(out)
            }

            async fn notice_delivered(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("UPDATE notice SET status = 'delivered', delivered_at = $1, attempts = attempts + 1, lease_until = NULL WHERE id = $2")
                    .bind(micros(at))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn release_notices(&self, ids: &[i64]) -> StoreResult<u64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let mut released = 0;
                for &id in ids {
                    released += sqlx::query(
                        "UPDATE notice SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'failed' END, \
                         lease_until = NULL WHERE id = $1 AND status = 'sending'",
                    )
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                }
                self.commit(tx).await?;
                Ok(released)
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
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query(
                    "UPDATE notice SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_until = NULL \
                     WHERE id = $2 AND status = 'dead' AND dismissed_at IS NULL",
                )
                .bind(micros(now))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                let mut j = journal;
                j.subject = format!("notice:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }

            async fn dismiss_notice(&self, id: i64, now: DateTime<Utc>, journal: JournalDraft) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query(
                    "UPDATE notice SET dismissed_at = $1 WHERE id = $2 AND status = 'dead' AND dismissed_at IS NULL",
                )
                .bind(micros(now))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                let mut j = journal;
                j.subject = format!("notice:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }

            async fn notice_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query(
                    "UPDATE notice SET status = $1, attempts = attempts + 1, last_error = $2, \
                     next_attempt_at = COALESCE($3, next_attempt_at), lease_until = NULL WHERE id = $4",
                )
                .bind(if retry_at.is_some() { "failed" } else { "dead" })
                .bind(error)
                .bind(retry_at.map(micros))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                self.commit(tx).await
            }
        }
    };
}
