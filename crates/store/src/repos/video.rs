//! [`VideoRepo`](otinish_domain::repo::VideoRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_video_repo {
    ($store:ty, $db:ty) => {
        fn va_entry_row(r: &DbRow, cards: Vec<i64>) -> Result<VaEntry, sqlx::Error> {
            Ok(VaEntry {
                id: r.try_get("id")?,
                branch_id: r.try_get("branch_id")?,
                staff_id: r.try_get("staff_id")?,
                document_kind: r.try_get("document_kind")?,
                document_number: r.try_get("document_number")?,
                iin: r.try_get("iin")?,
                full_name: r.try_get("full_name")?,
                created_at: from_micros(r.try_get("created_at")?),
                cards,
            })
        }

        fn video_row(r: &DbRow) -> Result<VideoAppeal, sqlx::Error> {
            Ok(VideoAppeal {
                card_id: r.try_get("card_id")?,
                journal_id: r.try_get("journal_id")?,
                branch_id: r.try_get("branch_id")?,
                recording_key: r.try_get("recording_key")?,
                recording_sha256: r.try_get("recording_sha256")?,
                recording_bytes: r.try_get("recording_bytes")?,
                duration_ms: r.try_get("duration_ms")?,
                details: r.try_get("details")?,
            })
        }

        impl $store {
            async fn va_entry_of(&self, r: &DbRow) -> StoreResult<VaEntry> {
                let id: i64 = r.try_get("id").map_err(map_err)?;
                let cards: Vec<(i64,)> = sqlx::query_as("SELECT card_id FROM video_appeal WHERE journal_id = $1 ORDER BY card_id")
                    .bind(id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                va_entry_row(r, cards.into_iter().map(|(c,)| c).collect()).map_err(map_err)
            }
        }

        #[async_trait]
        impl VideoRepo for $store {
            async fn add_va_entry(&self, e: &NewVaEntry, journal: JournalDraft) -> StoreResult<i64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let id: i64 = sqlx::query(
                    "INSERT INTO va_journal (branch_id, staff_id, document_kind, document_number, iin, full_name, created_at, session_hash, search) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(e.branch_id)
                .bind(e.staff_id)
                .bind(&e.document_kind)
                .bind(&e.document_number)
                .bind(&e.iin)
                .bind(&e.full_name)
                .bind(micros(e.created_at))
                .bind(&e.session_hash)
                .bind(format!("{} {} {}", e.full_name, e.iin, e.document_number).to_lowercase())
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("id"))
                .map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("va_journal:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(id)
            }

            async fn va_entry(&self, id: i64) -> StoreResult<VaEntry> {
                let row = sqlx::query("SELECT * FROM va_journal WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("journal entry {id}")))?;
                self.va_entry_of(&row).await
            }

            async fn va_entry_by_session(&self, session_hash: &str) -> StoreResult<VaEntry> {
                let row = sqlx::query("SELECT * FROM va_journal WHERE session_hash = $1")
                    .bind(session_hash)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("booth session".into()))?;
                self.va_entry_of(&row).await
            }

            async fn va_journal(
                &self,
                branch_id: Option<i64>,
                query: Option<&str>,
                page: PageRequest,
            ) -> StoreResult<Page<VaEntry>> {
                let like = query
                    .map(str::trim)
                    .filter(|q| !q.is_empty())
                    .map(|q| format!("%{}%", q.to_lowercase().replace('%', "").replace('_', "")));
                let filter = "($1 IS NULL OR branch_id = $1) AND ($2 IS NULL OR search LIKE $2)";
                let rows = sqlx::query(&format!(
                    "SELECT * FROM va_journal WHERE {filter} ORDER BY id DESC LIMIT $3 OFFSET $4"
                ))
                .bind(branch_id)
                .bind(&like)
                .bind(i64::from(page.limit))
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM va_journal WHERE {filter}"))
                    .bind(branch_id)
                    .bind(&like)
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let mut items = Vec::with_capacity(rows.len());
                for r in &rows {
                    items.push(self.va_entry_of(r).await?);
                }
                Ok(Page { items, total, request: page })
            }

            async fn submit_video_appeal(&self, v: &NewVideoAppeal, journal: JournalDraft) -> StoreResult<(i64, bool)> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let (card_id, fresh) = Self::submit_in(&mut tx, &v.appeal, &journal, None).await?;
                if !fresh {
                    return Ok((card_id, false));
                }
                sqlx::query(
                    "INSERT INTO video_appeal (card_id, journal_id, branch_id, recording_key, recording_sha256, \
                     recording_bytes, duration_ms, code_hash, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(card_id)
                .bind(v.journal_id)
                .bind(v.branch_id)
                .bind(&v.recording_key)
                .bind(&v.recording_sha256)
                .bind(v.recording_bytes)
                .bind(v.duration_ms)
                .bind(&v.code_hash)
                .bind(&v.details)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                self.commit(tx).await?;
                Ok((card_id, true))
            }

            async fn video_appeal(&self, card_id: i64) -> StoreResult<VideoAppeal> {
                sqlx::query("SELECT * FROM video_appeal WHERE card_id = $1")
                    .bind(card_id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(video_row)
                    .transpose()
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("video appeal {card_id}")))
            }

            async fn video_appeal_by_code(&self, code_hash: &str) -> StoreResult<VideoAppeal> {
                sqlx::query("SELECT * FROM video_appeal WHERE code_hash = $1")
                    .bind(code_hash)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(video_row)
                    .transpose()
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("video appeal by code".into()))
            }

            async fn note_failed_attempt(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                // The table of VA-13's look-ups holds every kind of failed attempt, by key.
                sqlx::query("INSERT INTO va_lookup_failure (client, at) VALUES ($1, $2)")
                    .bind(key)
                    .bind(micros(at))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn failed_attempts(&self, key: &str, since: DateTime<Utc>) -> StoreResult<i64> {
                sqlx::query("SELECT COUNT(*) AS n FROM va_lookup_failure WHERE client = $1 AND at >= $2")
                    .bind(key)
                    .bind(micros(since))
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)
            }
        }
    };
}
