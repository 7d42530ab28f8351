//! [`RevocationRepo`](otinish_domain::repo::RevocationRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_revocation_repo {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl RevocationRepo for $store {
            async fn put_crl(&self, c: &CachedCrl) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO crl_cache (url, der, this_update, next_update, fetched_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (url) DO UPDATE SET der = excluded.der, this_update = excluded.this_update, \
                     next_update = excluded.next_update, fetched_at = excluded.fetched_at",
                )
                .bind(&c.url)
                .bind(&c.der)
                .bind(micros(c.this_update))
                .bind(c.next_update.map(micros))
                .bind(micros(c.fetched_at))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn crls(&self) -> StoreResult<Vec<CachedCrl>> {
                let rows = sqlx::query("SELECT url, der, this_update, next_update, fetched_at FROM crl_cache ORDER BY url")
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let next: Option<i64> = r.try_get("next_update")?;
                        Ok(CachedCrl {
                            url: r.try_get("url")?,
                            der: r.try_get("der")?,
                            this_update: from_micros(r.try_get("this_update")?),
                            next_update: next.map(from_micros),
                            fetched_at: from_micros(r.try_get("fetched_at")?),
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn trust_anchors(&self) -> StoreResult<Vec<TrustAnchorRecord>> {
                let rows = sqlx::query(
                    "SELECT fingerprint, der, subject, trusted, changed_at, changed_by FROM trust_anchor \
                     ORDER BY changed_at, fingerprint",
                )
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(TrustAnchorRecord {
                            fingerprint: r.try_get("fingerprint")?,
                            der: r.try_get("der")?,
                            subject: r.try_get("subject")?,
                            trusted: r.try_get("trusted")?,
                            changed_at: from_micros(r.try_get("changed_at")?),
                            changed_by: r.try_get("changed_by")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn set_trust_anchor(&self, a: &TrustAnchorRecord, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO trust_anchor (fingerprint, der, subject, trusted, changed_at, changed_by) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (fingerprint) DO UPDATE SET der = COALESCE(excluded.der, trust_anchor.der), \
                     subject = excluded.subject, trusted = excluded.trusted, changed_at = excluded.changed_at, \
                     changed_by = excluded.changed_by",
                )
                .bind(&a.fingerprint)
                .bind(&a.der)
                .bind(&a.subject)
                .bind(a.trusted)
                .bind(micros(a.changed_at))
                .bind(&a.changed_by)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("trust:{}", a.fingerprint);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn pending_signature_checks(&self, limit: i64) -> StoreResult<Vec<PendingSignatureCheck>> {
                let rows = sqlx::query(
                    "SELECT card_id, signature, signature_check FROM appeal WHERE revocation_pending \
                     ORDER BY card_id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let check: String = r.try_get("signature_check")?;
                        Ok(PendingSignatureCheck {
                            card_id: r.try_get("card_id")?,
                            signature: r.try_get("signature")?,
                            check: serde_json::from_str(&check).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn set_signature_check(
                &self,
                card_id: i64,
                check: &otinish_domain::signature::SignatureCheck,
                journal: JournalDraft,
            ) -> StoreResult<()> {
                let text = serde_json::to_string(check).map_err(|e| StoreError::Backend(e.to_string()))?;
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query(
                    "UPDATE appeal SET signature_check = $1, revocation_pending = $2 WHERE card_id = $3",
                )
                .bind(&text)
                .bind(check.revocation.is_pending())
                .bind(card_id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("appeal {card_id}")));
                }
                Self::journal_in(&mut tx, &journal).await.map_err(map_err)?;
                self.commit(tx).await
            }
        }
    };
}
