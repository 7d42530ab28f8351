//! [`AnnouncementRepo`](otinish_domain::repo::AnnouncementRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_announcement_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl AnnouncementRepo for $store {
            async fn add_announcement(&self, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, text: &Names, journal: JournalDraft) -> StoreResult<i64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let id: i64 = sqlx::query(
                    "INSERT INTO announcement (starts_at, ends_at, text_kk, text_ru, text_en) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(micros(starts_at))
                .bind(micros(ends_at))
                .bind(&text.kk)
                .bind(&text.ru)
                .bind(&text.en)
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("id"))
                .map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("announcement:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(id)
            }

            async fn end_announcement(&self, id: i64, at: DateTime<Utc>, journal: JournalDraft) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                // One not yet begun ends before it begins: its window closes, empty.
                let done = sqlx::query(
                    "UPDATE announcement SET starts_at = CASE WHEN starts_at < $1 THEN starts_at ELSE $1 - 1 END, \
                     ends_at = $1 WHERE id = $2 AND ends_at > $1",
                )
                    .bind(micros(at))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                let mut j = journal;
                j.subject = format!("announcement:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }

            async fn current_announcements(&self, now: DateTime<Utc>, ahead: chrono::Duration) -> StoreResult<Vec<Announcement>> {
                let rows = sqlx::query("SELECT * FROM announcement WHERE ends_at > $1 AND starts_at <= $2 ORDER BY starts_at, id LIMIT 10")
                    .bind(micros(now))
                    .bind(micros(now + ahead))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(Announcement {
                            id: r.try_get("id")?,
                            starts_at: from_micros(r.try_get("starts_at")?),
                            ends_at: from_micros(r.try_get("ends_at")?),
                            text: names(r, "text")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }
        }
    };
}
