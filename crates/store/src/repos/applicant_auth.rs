//! [`ApplicantAuthRepo`](otinish_domain::repo::ApplicantAuthRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_applicant_auth_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl ApplicantAuthRepo for $store {
            async fn create_nonce(&self, nonce: &str, at: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("INSERT INTO login_nonce (nonce, created_at) VALUES ($1, $2)")
                    .bind(nonce)
                    .bind(micros(at))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                // Old challenges are of no use to anyone: drop those older than a day.
                sqlx::query("DELETE FROM login_nonce WHERE created_at < $1")
                    .bind(micros(at) - 86_400_000_000)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn use_nonce(&self, nonce: &str, not_before: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let n = sqlx::query("UPDATE login_nonce SET used = TRUE WHERE nonce = $1 AND NOT used AND created_at >= $2")
                    .bind(nonce)
                    .bind(micros(not_before))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                self.commit(tx).await?;
                if n == 1 {
                    Ok(())
                } else {
                    Err(StoreError::NotFound("challenge".into()))
                }
            }

            async fn create_applicant_session(&self, token_hash: &str, applicant_id: i64, at: DateTime<Utc>, expires_at: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("INSERT INTO applicant_session (token_hash, applicant_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash)
                    .bind(applicant_id)
                    .bind(micros(at))
                    .bind(micros(expires_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn applicant_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<i64> {
                sqlx::query("SELECT applicant_id FROM applicant_session WHERE token_hash = $1 AND expires_at > $2")
                    .bind(token_hash)
                    .bind(micros(now))
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("session".into()))?
                    .try_get("applicant_id")
                    .map_err(map_err)
            }

            async fn delete_applicant_session(&self, token_hash: &str) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("DELETE FROM applicant_session WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn applicant_by_tax_id(&self, tax_id: &str) -> StoreResult<(i64, Applicant)> {
                let row = sqlx::query("SELECT id, data FROM applicant WHERE tax_id = $1")
                    .bind(tax_id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("applicant".into()))?;
                let data: String = row.try_get("data").map_err(map_err)?;
                let a = serde_json::from_str(&data).map_err(|e| StoreError::Backend(e.to_string()))?;
                Ok((row.try_get("id").map_err(map_err)?, a))
            }
        }
    };
}
