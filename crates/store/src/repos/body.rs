//! [`BodyRepo`](otinish_domain::repo::BodyRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_body_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl BodyRepo for $store {
            async fn create_body(&self, b: &NewBody, journal: JournalDraft) -> StoreResult<Body> {
                self.add_body(b, None, journal).await
            }

            async fn add_body(&self, b: &NewBody, bin: Option<&otinish_domain::ids::Bin>, journal: JournalDraft) -> StoreResult<Body> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let body = Self::insert_body(&mut tx, b, bin.map(|b| b.as_str())).await?;
                let mut j = journal;
                j.subject = format!("body:{}", body.id);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(body)
            }

            async fn import_bodies(&self, items: &[(NewBody, Option<otinish_domain::ids::Bin>, JournalDraft)]) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                for (b, bin, journal) in items {
                    let body = Self::insert_body(&mut tx, b, bin.as_ref().map(|b| b.as_str())).await?;
                    let mut j = journal.clone();
                    j.subject = format!("body:{}", body.id);
                    Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                }
                self.commit(tx).await
            }

            async fn body(&self, id: i64) -> StoreResult<Body> {
                let row = sqlx::query("SELECT * FROM body WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("body {id}")))?;
                body_row(&row).map_err(map_err)
            }

            async fn body_by_code(&self, code: &str) -> StoreResult<Body> {
                let row = sqlx::query("SELECT * FROM body WHERE code = $1")
                    .bind(code)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("body {code}")))?;
                body_row(&row).map_err(map_err)
            }

            async fn update_body(&self, body_id: i64, b: &NewBody, bin: Option<&otinish_domain::ids::Bin>, journal: JournalDraft) -> StoreResult<Body> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let parent_id: Option<i64> = match &b.parent_code {
                    Some(code) => Some(
                        sqlx::query("SELECT id FROM body WHERE code = $1")
                            .bind(code)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(map_err)?
                            .ok_or_else(|| StoreError::NotFound(format!("parent body {code}")))?
                            .try_get("id")
                            .map_err(map_err)?,
                    ),
                    None => None,
                };
                let row = sqlx::query(
                    "UPDATE body SET name_kk = $1, name_ru = $2, name_en = $3, parent_id = $4, competence = $5, \
                     vks_connected = $6, video_appeal_connected = $7, phone = $8, email = $9, address_kk = $10, \
                     address_ru = $11, address_en = $12, bin = $13 WHERE id = $14 RETURNING *",
                )
                .bind(&b.name.kk)
                .bind(&b.name.ru)
                .bind(&b.name.en)
                .bind(parent_id)
                .bind(serde_json::to_string(&b.competence).unwrap_or_else(|_| "[]".into()))
                .bind(b.vks_connected)
                .bind(b.video_appeal_connected)
                .bind(&b.contacts.phone)
                .bind(&b.contacts.email)
                .bind(&b.contacts.address.kk)
                .bind(&b.contacts.address.ru)
                .bind(&b.contacts.address.en)
                .bind(bin.map(|b| b.as_str().to_owned()))
                .bind(body_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?
                .ok_or_else(|| StoreError::NotFound(format!("body {body_id}")))?;
                let body = body_row(&row).map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("body:{body_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(body)
            }

            async fn set_body_bin(&self, body_id: i64, bin: Option<&otinish_domain::ids::Bin>, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query("UPDATE body SET bin = $1 WHERE id = $2")
                    .bind(bin.map(|b| b.as_str().to_owned()))
                    .bind(body_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("body {body_id}")));
                }
                let mut j = journal;
                j.subject = format!("body:{body_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn bodies(&self, page: PageRequest) -> StoreResult<Page<Body>> {
                self.paged("body", "TRUE", "name_ru, id", page, body_row).await
            }

            async fn open_bodies(&self, page: PageRequest) -> StoreResult<Page<Body>> {
                self.paged("body", "closed_at IS NULL", "name_ru, id", page, body_row).await
            }

            async fn set_body_closed(&self, body_id: i64, at: Option<DateTime<Utc>>, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                set_closed_in(&mut tx, "body", "body_id", body_id, at).await?;
                let mut j = journal;
                j.subject = format!("body:{body_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn add_official(&self, o: &NewOfficial) -> StoreResult<Official> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let row = sqlx::query(
                    "INSERT INTO official (body_id, full_name, position_kk, position_ru, position_en, rank, seniority) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(o.body_id)
                .bind(&o.full_name)
                .bind(&o.position.kk)
                .bind(&o.position.ru)
                .bind(&o.position.en)
                .bind(o.rank.as_str())
                .bind(i64::from(o.seniority))
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let id: i64 = row.try_get("id").map_err(map_err)?;
                self.commit(tx).await?;
                Ok(Official {
                    id,
                    body_id: o.body_id,
                    full_name: o.full_name.clone(),
                    position: o.position.clone(),
                    rank: o.rank,
                    seniority: o.seniority,
                    absences: vec![],
                })
            }

            async fn officials(&self, body_id: i64) -> StoreResult<Vec<Official>> {
                let rows = sqlx::query("SELECT * FROM official WHERE body_id = $1 ORDER BY seniority, id")
                    .bind(body_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let absences = sqlx::query(
                    "SELECT a.* FROM official_absence a JOIN official o ON o.id = a.official_id \
                     WHERE o.body_id = $1 ORDER BY a.from_day",
                )
                .bind(body_id)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let id: i64 = r.try_get("id").map_err(map_err)?;
                    let rank: String = r.try_get("rank").map_err(map_err)?;
                    let seniority: i64 = r.try_get("seniority").map_err(map_err)?;
                    let mut abs = Vec::new();
                    for a in &absences {
                        let oid: i64 = a.try_get("official_id").map_err(map_err)?;
                        if oid == id {
                            let from: String = a.try_get("from_day").map_err(map_err)?;
                            let to: String = a.try_get("to_day").map_err(map_err)?;
                            abs.push(Absence {
                                from: day(&from).map_err(map_err)?,
                                to: day(&to).map_err(map_err)?,
                                reason: a.try_get("reason").map_err(map_err)?,
                            });
                        }
                    }
                    out.push(Official {
                        id,
                        body_id,
                        full_name: r.try_get("full_name").map_err(map_err)?,
                        position: names(r, "position").map_err(map_err)?,
                        rank: OfficialRank::parse(&rank).unwrap_or(OfficialRank::Deputy),
                        seniority: i32::try_from(seniority).unwrap_or_default(),
                        absences: abs,
                    });
                }
                Ok(out)
            }

            async fn add_absence(&self, official_id: i64, a: &Absence, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("INSERT INTO official_absence (official_id, from_day, to_day, reason) VALUES ($1, $2, $3, $4)")
                    .bind(official_id)
                    .bind(a.from.format("%Y-%m-%d").to_string())
                    .bind(a.to.format("%Y-%m-%d").to_string())
                    .bind(&a.reason)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                Self::journal_in(&mut tx, &journal).await.map_err(map_err)?;
                self.commit(tx).await
            }
        }
    };
}
