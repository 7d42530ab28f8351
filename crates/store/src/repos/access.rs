//! [`AccessRepo`](otinish_domain::repo::AccessRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_access_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl AccessRepo for $store {
            async fn record_access(&self, a: &NewAccess) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("INSERT INTO pd_access (at, staff_id, body_id, card_id, kind) VALUES ($1, $2, $3, $4, $5)")
                    .bind(micros(a.at))
                    .bind(a.staff_id)
                    .bind(a.body_id)
                    .bind(a.card_id)
                    .bind(a.kind.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn access_log(&self, body_id: i64, filter: &AccessFilter, page: PageRequest) -> StoreResult<Page<AccessEntry>> {
                // Absent filters match everything: ($2 IS NULL OR …) keeps one statement.
                let cond = "p.body_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR p.staff_id = $2) \
                            AND (CAST($3 AS BIGINT) IS NULL OR p.card_id = $3)";
                let rows = sqlx::query(&format!(
                    "SELECT p.id, p.at, p.staff_id, s.full_name, p.card_id, p.kind FROM pd_access p \
                     JOIN staff s ON s.id = p.staff_id WHERE {cond} ORDER BY p.id DESC LIMIT $4 OFFSET $5"
                ))
                .bind(body_id)
                .bind(filter.staff_id)
                .bind(filter.card_id)
                .bind(i64::from(page.limit))
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM pd_access p WHERE {cond}"))
                    .bind(body_id)
                    .bind(filter.staff_id)
                    .bind(filter.card_id)
                    .fetch_one(self.reader())
                    .await
                    .map_err(map_err)?;
                let items = rows
                    .iter()
                    .map(|r| {
                        let kind: String = r.try_get("kind")?;
                        Ok(AccessEntry {
                            id: r.try_get("id")?,
                            at: from_micros(r.try_get("at")?),
                            staff_id: r.try_get("staff_id")?,
                            staff_name: r.try_get("full_name")?,
                            card_id: r.try_get("card_id")?,
                            kind: AccessKind::parse(&kind)
                                .ok_or_else(|| sqlx::Error::Decode(format!("access kind {kind}").into()))?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }
        }
    };
}
