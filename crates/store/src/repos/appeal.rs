//! [`AppealRepo`](otinish_domain::repo::AppealRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_appeal_repo {
    ($store:ty, $db:ty) => {
        fn appeal_row(r: &DbRow, card: Card) -> Result<AppealRecord, sqlx::Error> {
            let data: String = r.try_get("applicant_data")?;
            let lang: String = r.try_get("lang")?;
            let date: Option<String> = r.try_get("outgoing_date")?;
            let signed_at: Option<i64> = r.try_get("signed_at")?;
            let check: Option<String> = r.try_get("signature_check")?;
            Ok(AppealRecord {
                signature_check: check
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                card,
                applicant_id: r.try_get("applicant_id")?,
                applicant: serde_json::from_str(&data).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                content: r.try_get("content")?,
                outgoing_number: r.try_get("outgoing_number")?,
                outgoing_date: date.as_deref().map(day).transpose()?,
                postal_address: r.try_get("postal_address")?,
                email: r.try_get("email")?,
                phone: r.try_get("phone")?,
                lang: Lang::parse(&lang).unwrap_or_default(),
                signed_document: r.try_get("signed_document")?,
                signature: r.try_get("signature")?,
                signer_serial: r.try_get("signer_serial")?,
                signed_at: signed_at.map(from_micros),
                size_bytes: r.try_get("size_bytes")?,
                hidden_by_applicant: r.try_get("hidden_by_applicant")?,
                idempotency_key: r.try_get("idempotency_key")?,
            })
        }


        #[async_trait]
        impl AppealRepo for $store {
            async fn submit_appeal(&self, a: &NewAppeal, journal: JournalDraft) -> StoreResult<(i64, bool)> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let out = Self::submit_in(&mut tx, a, &journal, None).await?;
                self.commit(tx).await?;
                Ok(out)
            }

            async fn submit_appeals(&self, items: &[(NewAppeal, JournalDraft)]) -> StoreResult<Vec<(i64, bool)>> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let mut out = Vec::with_capacity(items.len());
                for (a, j) in items {
                    out.push(Self::submit_in(&mut tx, a, j, None).await?);
                }
                self.commit(tx).await?;
                Ok(out)
            }

            async fn appeal(&self, card_id: i64) -> StoreResult<AppealRecord> {
                let card = self.card(card_id).await?;
                let row = sqlx::query(
                    "SELECT a.*, p.data AS applicant_data FROM appeal a JOIN applicant p ON p.id = a.applicant_id WHERE a.card_id = $1",
                )
                .bind(card_id)
                .fetch_optional(self.reader())
                .await
                .map_err(map_err)?
                .ok_or_else(|| StoreError::NotFound(format!("appeal {card_id}")))?;
                appeal_row(&row, card).map_err(map_err)
            }

            async fn appeals_of_applicant(&self, applicant_id: i64, page: PageRequest) -> StoreResult<Page<Card>> {
                let rows = sqlx::query(&format!(
                    "{CARD_SELECT} JOIN appeal a ON a.card_id = c.id WHERE a.applicant_id = $1 AND NOT a.hidden_by_applicant \
                     ORDER BY c.id DESC LIMIT $2 OFFSET $3"
                ))
                .bind(applicant_id)
                .bind(i64::from(page.limit))
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM appeal WHERE applicant_id = $1 AND NOT hidden_by_applicant")
                    .bind(applicant_id)
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(card_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn file_appeal(&self, a: &NewAppeal, journal: JournalDraft, arrival: &Arrival<'_>) -> StoreResult<(i64, bool)> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let out = Self::submit_in(&mut tx, a, &journal, Some(arrival)).await?;
                self.commit(tx).await?;
                Ok(out)
            }

            async fn appeal_with_signed_digest(&self, applicant_id: i64, signed_digest: &str) -> StoreResult<Option<i64>> {
                sqlx::query_scalar("SELECT card_id FROM appeal WHERE applicant_id = $1 AND signed_digest = $2")
                    .bind(applicant_id)
                    .bind(signed_digest)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)
            }

            async fn appeals_filed_since(&self, applicant_id: i64, since: DateTime<Utc>, idempotency_key: &str) -> StoreResult<(i64, bool)> {
                let row = sqlx::query(
                    "SELECT CAST(COUNT(*) AS BIGINT) AS n, \
                     CAST(COALESCE(SUM(CASE WHEN a.idempotency_key = $3 THEN 1 ELSE 0 END), 0) AS BIGINT) AS same \
                     FROM appeal a JOIN card c ON c.id = a.card_id \
                     WHERE a.applicant_id = $1 AND c.received_at >= $2",
                )
                .bind(applicant_id)
                .bind(micros(since))
                .bind(idempotency_key)
                .fetch_one(self.reader())
                .await
                .map_err(map_err)?;
                let n: i64 = row.try_get("n").map_err(map_err)?;
                let same: i64 = row.try_get("same").map_err(map_err)?;
                Ok((n - same, same > 0))
            }

            async fn applicant_storage_used(&self, applicant_id: i64) -> StoreResult<i64> {
                let row = sqlx::query(
                    "SELECT CAST(COALESCE(SUM(a.size_bytes), 0) AS BIGINT) AS content, \
                     CAST(COALESCE((SELECT SUM(f.size_bytes) FROM attachment f JOIN appeal b ON b.card_id = f.card_id \
                       WHERE b.applicant_id = $1 AND NOT b.hidden_by_applicant), 0) AS BIGINT) AS files \
                     FROM appeal a WHERE a.applicant_id = $1 AND NOT a.hidden_by_applicant",
                )
                .bind(applicant_id)
                .fetch_one(self.reader())
                .await
                .map_err(map_err)?;
                let content: i64 = row.try_get("content").map_err(map_err)?;
                let files: i64 = row.try_get("files").map_err(map_err)?;
                Ok(content + files)
            }

            async fn hide_appeal(&self, card_id: i64, applicant_id: i64, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let n = sqlx::query("UPDATE appeal SET hidden_by_applicant = TRUE WHERE card_id = $1 AND applicant_id = $2")
                    .bind(card_id)
                    .bind(applicant_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if n == 0 {
                    return Err(StoreError::NotFound(format!("appeal {card_id} of this applicant")));
                }
                sqlx::query("UPDATE notice SET hidden_by_applicant = TRUE WHERE card_id = $1 AND applicant_id = $2")
                    .bind(card_id)
                    .bind(applicant_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn attachments(&self, card_id: i64) -> StoreResult<Vec<Attachment>> {
                let rows = sqlx::query("SELECT * FROM attachment WHERE card_id = $1 ORDER BY id")
                    .bind(card_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(attachment_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn attachment(&self, id: i64) -> StoreResult<Attachment> {
                let row = sqlx::query("SELECT * FROM attachment WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("attachment {id}")))?;
                attachment_row(&row).map_err(map_err)
            }

            async fn add_signed_document(
                &self,
                d: &NewSignedDocument,
                notices: &[NewNotice],
                journal: JournalDraft,
            ) -> StoreResult<SignedDocument> {
                let (card_id, at) = (d.card_id, d.at);
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let out = match d.outgoing {
                    Some((body_id, year)) => {
                        let seq: i64 = sqlx::query_scalar(
                            "INSERT INTO out_counter (body_id, year, last_seq) VALUES ($1, $2, 1) \
                             ON CONFLICT (body_id, year) DO UPDATE SET last_seq = out_counter.last_seq + 1 RETURNING last_seq",
                        )
                        .bind(body_id)
                        .bind(i64::from(year))
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map_err)?;
                        Some((i64::from(year), seq))
                    }
                    None => None,
                };
                let row = sqlx::query(
                    "INSERT INTO signed_document (card_id, kind, code, document, signature, created_at, out_year, out_seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
                )
                .bind(card_id)
                .bind(&d.kind)
                .bind(&d.code)
                .bind(&d.document)
                .bind(&d.signature)
                .bind(micros(at))
                .bind(out.map(|o| o.0))
                .bind(out.map(|o| o.1))
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let doc = signed_document_row(&row).map_err(map_err)?;
                Self::insert_notices(&mut tx, notices, at).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(doc)
            }

            async fn signed_documents(&self, card_id: i64) -> StoreResult<Vec<SignedDocument>> {
                let rows = sqlx::query("SELECT * FROM signed_document WHERE card_id = $1 ORDER BY id")
                    .bind(card_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(signed_document_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn signed_document_by_code(&self, code: &str) -> StoreResult<SignedDocument> {
                let row = sqlx::query("SELECT * FROM signed_document WHERE code = $1")
                    .bind(code)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("document".into()))?;
                signed_document_row(&row).map_err(map_err)
            }

            async fn add_answer_signature(&self, card_id: i64, role: &str, staff_id: i64, at: DateTime<Utc>, signature: Option<&[u8]>, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("INSERT INTO answer_signature (card_id, role, staff_id, signed_at, signature) VALUES ($1, $2, $3, $4, $5)")
                    .bind(card_id)
                    .bind(role)
                    .bind(staff_id)
                    .bind(micros(at))
                    .bind(signature)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn answer_signature_documents(&self, card_id: i64) -> StoreResult<Vec<(String, Vec<u8>)>> {
                let rows = sqlx::query("SELECT role, signature FROM answer_signature WHERE card_id = $1 AND signature IS NOT NULL ORDER BY signed_at")
                    .bind(card_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| Ok((r.try_get("role")?, r.try_get("signature")?)))
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn answer_draft(&self, card_id: i64, document: &str, code: &str, at: DateTime<Utc>) -> StoreResult<(String, String)> {
                let existing = sqlx::query("SELECT document, code FROM answer_draft WHERE card_id = $1")
                    .bind(card_id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                if let Some(r) = existing {
                    return Ok((r.try_get("document").map_err(map_err)?, r.try_get("code").map_err(map_err)?));
                }
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("INSERT INTO answer_draft (card_id, document, code, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (card_id) DO NOTHING")
                    .bind(card_id)
                    .bind(document)
                    .bind(code)
                    .bind(micros(at))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let r = sqlx::query("SELECT document, code FROM answer_draft WHERE card_id = $1")
                    .bind(card_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let out = (r.try_get("document").map_err(map_err)?, r.try_get("code").map_err(map_err)?);
                self.commit(tx).await?;
                Ok(out)
            }

            async fn answer_signatures(&self, card_id: i64) -> StoreResult<Vec<(String, i64, DateTime<Utc>)>> {
                let rows = sqlx::query("SELECT * FROM answer_signature WHERE card_id = $1 ORDER BY signed_at")
                    .bind(card_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| Ok((r.try_get("role")?, r.try_get("staff_id")?, from_micros(r.try_get("signed_at")?))))
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }
        }
    };
}
