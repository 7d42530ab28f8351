//! [`StaffRepo`](otinish_domain::repo::StaffRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_staff_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl StaffRepo for $store {
            async fn update_staff(&self, staff_id: i64, s: &NewStaff, journal: JournalDraft) -> StoreResult<StaffUser> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let roles: Vec<&str> = s.roles.iter().map(|r| r.as_str()).collect();
                let row = sqlx::query(
                    "UPDATE staff SET full_name = $1, position = $2, email = $3, body_id = $4, roles = $5, lang = $6, \
                     branch_id = $7 WHERE id = $8 RETURNING *",
                )
                .bind(&s.full_name)
                .bind(&s.position)
                .bind(&s.email)
                .bind(s.body_id)
                .bind(roles.join(","))
                .bind(s.lang.code())
                .bind(s.branch_id)
                .bind(staff_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?
                .ok_or_else(|| StoreError::NotFound(format!("staff {staff_id}")))?;
                let user = staff_row(&row).map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("staff:{staff_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(user)
            }

            async fn create_staff(&self, s: &NewStaff, journal: JournalDraft) -> StoreResult<StaffUser> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let user = Self::insert_staff(&mut tx, s, None).await?;
                let mut j = journal;
                j.subject = format!("staff:{}", user.id);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(user)
            }

            async fn add_staff(&self, s: &NewStaff, iin: &otinish_domain::ids::Iin, journal: JournalDraft) -> StoreResult<StaffUser> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let user = Self::insert_staff(&mut tx, s, Some(iin.as_str())).await?;
                let mut j = journal;
                j.subject = format!("staff:{}", user.id);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(user)
            }

            async fn import_staff(&self, items: &[(NewStaff, otinish_domain::ids::Iin, JournalDraft)]) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                for (s, iin, journal) in items {
                    let user = Self::insert_staff(&mut tx, s, Some(iin.as_str())).await?;
                    let mut j = journal.clone();
                    j.subject = format!("staff:{}", user.id);
                    Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                }
                self.commit(tx).await
            }

            async fn staff(&self, id: i64) -> StoreResult<StaffUser> {
                let row = sqlx::query("SELECT * FROM staff WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("staff {id}")))?;
                staff_row(&row).map_err(map_err)
            }

            async fn staff_credentials(&self, login: &str) -> StoreResult<(StaffUser, String)> {
                let row = sqlx::query("SELECT * FROM staff WHERE login = $1")
                    .bind(login)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("staff".into()))?;
                let hash: String = row.try_get("password_hash").map_err(map_err)?;
                Ok((staff_row(&row).map_err(map_err)?, hash))
            }

            async fn staff_by_iin(&self, iin: &str) -> StoreResult<StaffUser> {
                let row = sqlx::query("SELECT * FROM staff WHERE iin = $1")
                    .bind(iin)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("staff".into()))?;
                staff_row(&row).map_err(map_err)
            }

            async fn set_staff_iin(&self, staff_id: i64, iin: Option<&otinish_domain::ids::Iin>, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query("UPDATE staff SET iin = $1 WHERE id = $2")
                    .bind(iin.map(|i| i.as_str().to_owned()))
                    .bind(staff_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("staff {staff_id}")));
                }
                let mut j = journal;
                j.subject = format!("staff:{staff_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn staff_list(&self, page: PageRequest) -> StoreResult<Page<StaffUser>> {
                let rows = sqlx::query("SELECT * FROM staff ORDER BY login LIMIT $1 OFFSET $2")
                    .bind(i64::from(page.limit))
                    .bind(i64::from(page.offset))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM staff")
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(staff_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn create_session(&self, s: &SessionRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO staff_session (token_hash, staff_id, csrf_token, created_at, expires_at, client_ip, user_agent) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&s.token_hash)
                .bind(s.staff_id)
                .bind(&s.csrf_token)
                .bind(micros(s.created_at))
                .bind(micros(s.expires_at))
                .bind(&s.client_ip)
                .bind(s.user_agent.chars().take(300).collect::<String>())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<SessionRecord> {
                let row = sqlx::query("SELECT * FROM staff_session WHERE token_hash = $1 AND expires_at > $2")
                    .bind(token_hash)
                    .bind(micros(now))
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("session".into()))?;
                session_row(&row).map_err(map_err)
            }

            async fn sessions_of(&self, staff_id: i64, now: DateTime<Utc>) -> StoreResult<Vec<SessionRecord>> {
                let rows = sqlx::query(
                    "SELECT * FROM staff_session WHERE staff_id = $1 AND expires_at > $2 ORDER BY created_at DESC, token_hash",
                )
                .bind(staff_id)
                .bind(micros(now))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(session_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn end_sessions(&self, staff_id: i64, token_hash: Option<&str>, journal: JournalDraft) -> StoreResult<u64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let n = match token_hash {
                    Some(h) => sqlx::query("DELETE FROM staff_session WHERE staff_id = $1 AND token_hash = $2")
                        .bind(staff_id)
                        .bind(h)
                        .execute(&mut *tx)
                        .await,
                    None => sqlx::query("DELETE FROM staff_session WHERE staff_id = $1")
                        .bind(staff_id)
                        .execute(&mut *tx)
                        .await,
                }
                .map_err(map_err)?
                .rows_affected();
                if n == 0 {
                    return Ok(0);
                }
                let mut j = journal;
                j.subject = format!("staff:{staff_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(n)
            }

            async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("DELETE FROM staff_session WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn set_staff_active(&self, staff_id: i64, active: bool, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query("UPDATE staff SET active = $1 WHERE id = $2")
                    .bind(active)
                    .bind(staff_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("staff {staff_id}")));
                }
                if !active {
                    sqlx::query("DELETE FROM staff_session WHERE staff_id = $1")
                        .bind(staff_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                let mut j = journal;
                j.subject = format!("staff:{staff_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn delete_sessions_of(&self, staff_id: i64) -> StoreResult<u64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let n = sqlx::query("DELETE FROM staff_session WHERE staff_id = $1")
                    .bind(staff_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                self.commit(tx).await?;
                Ok(n)
            }

            async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let n = sqlx::query("DELETE FROM staff_session WHERE expires_at <= $1")
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                self.commit(tx).await?;
                Ok(n)
            }
        }
    };
}
