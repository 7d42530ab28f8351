//! [`CalendarRepo`](otinish_domain::repo::CalendarRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_calendar_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl CalendarRepo for $store {
            async fn calendar_edits(&self, jurisdiction: &str) -> StoreResult<Vec<DayEdit>> {
                let rows = sqlx::query("SELECT * FROM calendar_edit WHERE jurisdiction = $1 ORDER BY day")
                    .bind(jurisdiction)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let d: String = r.try_get("day")?;
                        Ok(DayEdit {
                            date: day(&d)?,
                            working: r.try_get("working")?,
                            reason: r.try_get("reason")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn put_calendar_edit(&self, jurisdiction: &str, e: &DayEdit, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO calendar_edit (jurisdiction, day, working, reason) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (jurisdiction, day) DO UPDATE SET working = excluded.working, reason = excluded.reason",
                )
                .bind(jurisdiction)
                .bind(e.date.format("%Y-%m-%d").to_string())
                .bind(e.working)
                .bind(&e.reason)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                Self::journal_in(&mut tx, &journal).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn remove_calendar_edit(&self, jurisdiction: &str, date: chrono::NaiveDate, journal: JournalDraft) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query("DELETE FROM calendar_edit WHERE jurisdiction = $1 AND day = $2")
                    .bind(jurisdiction)
                    .bind(date.format("%Y-%m-%d").to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                Self::journal_in(&mut tx, &journal).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }

            async fn edition_confirmations(&self) -> StoreResult<Vec<EditionConfirmation>> {
                let rows = sqlx::query(
                    "SELECT edition, confirmed_at, confirmed_by FROM edition_confirmation \
                     ORDER BY confirmed_at, edition",
                )
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(EditionConfirmation {
                            edition: r.try_get("edition")?,
                            confirmed_at: from_micros(r.try_get("confirmed_at")?),
                            confirmed_by: r.try_get("confirmed_by")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn confirm_edition(&self, c: &EditionConfirmation, journal: JournalDraft) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query(
                    "INSERT INTO edition_confirmation (edition, confirmed_at, confirmed_by) \
                     VALUES ($1, $2, $3) ON CONFLICT (edition) DO NOTHING",
                )
                .bind(&c.edition)
                .bind(micros(c.confirmed_at))
                .bind(&c.confirmed_by)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                let mut j = journal;
                j.subject = format!("edition:{}", c.edition);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }
        }
    };
}
