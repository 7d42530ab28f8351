//! [`JournalRepo`](otinish_domain::repo::JournalRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_journal_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl JournalRepo for $store {
            async fn append(&self, d: JournalDraft) -> StoreResult<JournalEntry> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let e = Self::journal_in(&mut tx, &d).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(e)
            }

            async fn journal_after(
                &self,
                after: i64,
                limit: u32,
            ) -> StoreResult<Vec<JournalEntry>> {
                let rows =
                    sqlx::query("SELECT * FROM journal WHERE seq > $1 ORDER BY seq LIMIT $2")
                        .bind(after)
                        .bind(i64::from(limit))
                        .fetch_all(self.reader())
                        .await
                        .map_err(map_err)?;
                rows.iter()
                    .map(journal_row)
                    .collect::<Result<_, _>>()
                    .map_err(map_err)
            }

            async fn journal_for(&self, subject: &str) -> StoreResult<Vec<JournalEntry>> {
                let rows = sqlx::query("SELECT * FROM journal WHERE subject = $1 ORDER BY seq")
                    .bind(subject)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(journal_row)
                    .collect::<Result<_, _>>()
                    .map_err(map_err)
            }

            async fn journal_head(&self) -> StoreResult<(i64, String)> {
                let row = sqlx::query("SELECT seq, hash FROM journal_head WHERE id = 1")
                    .fetch_one(self.reader())
                    .await
                    .map_err(map_err)?;
                Ok((
                    row.try_get("seq").map_err(map_err)?,
                    row.try_get("hash").map_err(map_err)?,
                ))
            }
        }
    };
}
