//! [`MobileSigningRepo`](otinish_domain::repo::MobileSigningRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_mobile_signing_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl MobileSigningRepo for $store {
            async fn create_mobile_signing(&self, m: &MobileSigning) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO mobile_signing (id_hash, auth_token, link_read, description, document, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&m.id_hash)
                .bind(&m.auth_token)
                .bind(m.link_read)
                .bind(&m.description)
                .bind(&m.document)
                .bind(micros(m.created_at))
                .bind(micros(m.expires_at))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn mobile_signing(&self, id_hash: &str) -> StoreResult<MobileSigning> {
                let r = sqlx::query("SELECT * FROM mobile_signing WHERE id_hash = $1")
                    .bind(id_hash)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("mobile signing".into()))?;
                let signed_at: Option<i64> = r.try_get("signed_at").map_err(map_err)?;
                Ok(MobileSigning {
                    id_hash: r.try_get("id_hash").map_err(map_err)?,
                    auth_token: r.try_get("auth_token").map_err(map_err)?,
                    link_read: r.try_get("link_read").map_err(map_err)?,
                    description: r.try_get("description").map_err(map_err)?,
                    document: r.try_get("document").map_err(map_err)?,
                    created_at: from_micros(r.try_get("created_at").map_err(map_err)?),
                    expires_at: from_micros(r.try_get("expires_at").map_err(map_err)?),
                    signature: r.try_get("signature").map_err(map_err)?,
                    signed_at: signed_at.map(from_micros),
                })
            }

            async fn read_mobile_link(&self, id_hash: &str) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query("UPDATE mobile_signing SET link_read = TRUE WHERE id_hash = $1 AND NOT link_read")
                    .bind(id_hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.commit(tx).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn put_mobile_signature(&self, id_hash: &str, signature: &[u8], at: DateTime<Utc>) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query(
                    "UPDATE mobile_signing SET signature = $1, signed_at = $2 \
                     WHERE id_hash = $3 AND signature IS NULL AND expires_at > $2",
                )
                .bind(signature)
                .bind(micros(at))
                .bind(id_hash)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                self.commit(tx).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_expired_mobile_signings(&self, now: DateTime<Utc>) -> StoreResult<u64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                // Kept a while after expiry, so that a page polling late still hears "expired".
                let done = sqlx::query("DELETE FROM mobile_signing WHERE expires_at < $1")
                    .bind(micros(now - chrono::Duration::hours(1)))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.commit(tx).await?;
                Ok(done.rows_affected())
            }
        }
    };
}
