//! [`ApplicantRepo`](otinish_domain::repo::ApplicantRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_applicant_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl ApplicantRepo for $store {
            async fn upsert_applicant(&self, a: &Applicant) -> StoreResult<i64> {
                let kind = match a {
                    Applicant::Individual { .. } => "individual",
                    Applicant::LegalEntity { .. } => "legal_entity",
                };
                let data = serde_json::to_string(a).map_err(|e| StoreError::Backend(e.to_string()))?;
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let row = sqlx::query(
                    "INSERT INTO applicant (tax_id, kind, data) VALUES ($1, $2, $3) \
                     ON CONFLICT (tax_id) DO UPDATE SET kind = excluded.kind, data = excluded.data RETURNING id",
                )
                .bind(a.tax_id())
                .bind(kind)
                .bind(data)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let id: i64 = row.try_get("id").map_err(map_err)?;
                self.commit(tx).await?;
                Ok(id)
            }

            async fn applicant(&self, id: i64) -> StoreResult<Applicant> {
                let row = sqlx::query("SELECT data FROM applicant WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("applicant {id}")))?;
                let data: String = row.try_get("data").map_err(map_err)?;
                serde_json::from_str(&data).map_err(|e| StoreError::Backend(format!("applicant {id}: {e}")))
            }
        }
    };
}
