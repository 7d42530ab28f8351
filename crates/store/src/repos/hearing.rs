//! [`HearingRepo`](otinish_domain::repo::HearingRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_hearing_repo {
    ($store:ty, $db:ty) => {
        fn hearing_row(r: &DbRow) -> Result<HearingRecord, sqlx::Error> {
            use otinish_domain::hearing::PositionKind;
            let kind: Option<String> = r.try_get("position_kind")?;
            let position = match kind {
                Some(k) => Some(HearingPosition {
                    kind: PositionKind::parse(&k).ok_or_else(|| decode_err("position kind", &k))?,
                    text: r.try_get("position")?,
                    by: r.try_get::<Option<String>, _>("position_by")?.unwrap_or_default(),
                    signature: r.try_get("position_signature")?,
                    at: from_micros(r.try_get::<Option<i64>, _>("position_at")?.unwrap_or_default()),
                }),
                None => None,
            };
            Ok(HearingRecord {
                id: r.try_get("id")?,
                notice: NewHearing {
                    card_id: r.try_get("card_id")?,
                    intended: r.try_get("intended_decision")?,
                    notified_at: from_micros(r.try_get("notified_at")?),
                    notified_on: day(&r.try_get::<String, _>("notified_on")?)?,
                    respond_by: day(&r.try_get::<String, _>("respond_by")?)?,
                    notified_by: r.try_get("notified_by")?,
                },
                position,
            })
        }

        #[async_trait]
        impl HearingRepo for $store {
            async fn hearings(&self, card_id: i64) -> StoreResult<Vec<HearingRecord>> {
                let rows = sqlx::query("SELECT * FROM hearing WHERE card_id = $1 ORDER BY id")
                    .bind(card_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(hearing_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn notify_hearing(
                &self,
                h: &NewHearing,
                notices: &[NewNotice],
                journal: JournalDraft,
            ) -> StoreResult<i64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let row = sqlx::query(
                    "INSERT INTO hearing (card_id, intended_decision, notified_at, notified_on, respond_by, notified_by) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(h.card_id)
                .bind(&h.intended)
                .bind(micros(h.notified_at))
                .bind(h.notified_on.format("%Y-%m-%d").to_string())
                .bind(h.respond_by.format("%Y-%m-%d").to_string())
                .bind(&h.notified_by)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let id: i64 = row.try_get("id").map_err(map_err)?;
                Self::insert_notices(&mut tx, notices, h.notified_at).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{}", h.card_id);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(id)
            }

            async fn record_hearing_position(
                &self,
                hearing_id: i64,
                p: &HearingPosition,
                journal: JournalDraft,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let row = sqlx::query(
                    "UPDATE hearing SET position_kind = $1, position = $2, position_by = $3, position_signature = $4, \
                     position_at = $5 WHERE id = $6 AND position_kind IS NULL RETURNING card_id",
                )
                .bind(p.kind.as_str())
                .bind(&p.text)
                .bind(&p.by)
                .bind(&p.signature)
                .bind(micros(p.at))
                .bind(hearing_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
                let Some(row) = row else {
                    let exists = sqlx::query("SELECT id FROM hearing WHERE id = $1")
                        .bind(hearing_id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    return Err(match exists {
                        Some(_) => StoreError::Stale(format!("hearing {hearing_id} has a position")),
                        None => StoreError::NotFound(format!("hearing {hearing_id}")),
                    });
                };
                let card_id: i64 = row.try_get("card_id").map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }
        }
    };
}
