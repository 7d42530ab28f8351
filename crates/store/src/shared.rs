//! The repository implementations, written once and instantiated for each backend.
//!
//! A backend type provides `reader()` (a pool for reads) and `begin_write()` (a transaction
//! that holds the write lock from its first statement), and this macro implements every
//! repository trait on it with the same SQL.

/// Row ids written into a statement as a comma-separated list: they are numbers, so nothing a
/// user typed reaches the SQL text.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

macro_rules! impl_repos {
    ($store:ty, $db:ty) => {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use otinish_domain::calendar::DayEdit;
        use otinish_domain::deadline::TermEvent;
        use otinish_domain::journal::{entry_hash, JournalDraft, JournalEntry};
        use otinish_domain::lang::{Lang, Names};
        use otinish_domain::model::*;
        use otinish_domain::notice::*;
        use otinish_domain::repo::*;
        use sqlx::Row;
        use $crate::{day, from_micros, map_err, micros};

        type Tx<'a> = sqlx::Transaction<'a, $db>;
        type DbRow = <$db as sqlx::Database>::Row;

        fn names(r: &DbRow, prefix: &str) -> Result<Names, sqlx::Error> {
            Ok(Names {
                kk: r.try_get(format!("{prefix}_kk").as_str())?,
                ru: r.try_get(format!("{prefix}_ru").as_str())?,
                en: r.try_get(format!("{prefix}_en").as_str())?,
            })
        }

        fn body_row(r: &DbRow) -> Result<Body, sqlx::Error> {
            let competence: String = r.try_get("competence")?;
            Ok(Body {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                name: names(r, "name")?,
                parent_id: r.try_get("parent_id")?,
                competence: serde_json::from_str(&competence).unwrap_or_default(),
                vks_connected: r.try_get("vks_connected")?,
                video_appeal_connected: r.try_get("video_appeal_connected")?,
                contacts: Contacts {
                    phone: r.try_get("phone")?,
                    email: r.try_get("email")?,
                    address: names(r, "address")?,
                    website: r.try_get("website")?,
                },
                time_zone: r.try_get("time_zone")?,
                bin: r.try_get("bin")?,
                closed_at: r.try_get::<Option<i64>, _>("closed_at")?.map(from_micros),
            })
        }

        fn branch_row(r: &DbRow) -> Result<Branch, sqlx::Error> {
            let booths: i64 = r.try_get("booths")?;
            Ok(Branch {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                name: names(r, "name")?,
                region: names(r, "region")?,
                address: names(r, "address")?,
                vks_equipment: r.try_get("vks_equipment")?,
                booths: i32::try_from(booths).unwrap_or(i32::MAX),
                phone: r.try_get("phone")?,
                closed_at: r.try_get::<Option<i64>, _>("closed_at")?.map(from_micros),
            })
        }

        /// Closes (`Some`) or opens again (`None`) a row of `body` or `branch`; closing
        /// deactivates the staff whose `staff_column` points at it and ends their sessions.
        /// One transaction with its journal entry.
        async fn set_closed_in(
            tx: &mut Tx<'_>,
            table: &'static str,
            staff_column: &'static str,
            id: i64,
            at: Option<DateTime<Utc>>,
        ) -> StoreResult<()> {
            let exists = sqlx::query(&format!("SELECT closed_at FROM {table} WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut **tx)
                .await
                .map_err(map_err)?
                .ok_or_else(|| StoreError::NotFound(format!("{table} {id}")))?;
            let closed: Option<i64> = exists.try_get("closed_at").map_err(map_err)?;
            if closed.is_some() == at.is_some() {
                return Err(StoreError::Stale(format!("{table} {id} is already so")));
            }
            sqlx::query(&format!("UPDATE {table} SET closed_at = $1 WHERE id = $2"))
                .bind(at.map(micros))
                .bind(id)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
            if at.is_some() {
                sqlx::query(&format!(
                    "DELETE FROM staff_session WHERE staff_id IN (SELECT id FROM staff WHERE {staff_column} = $1)"
                ))
                .bind(id)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                sqlx::query(&format!("UPDATE staff SET active = $1 WHERE {staff_column} = $2"))
                    .bind(false)
                    .bind(id)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
            }
            Ok(())
        }

        fn staff_row(r: &DbRow) -> Result<StaffUser, sqlx::Error> {
            let roles: String = r.try_get("roles")?;
            let lang: String = r.try_get("lang")?;
            Ok(StaffUser {
                id: r.try_get("id")?,
                login: r.try_get("login")?,
                full_name: r.try_get("full_name")?,
                position: r.try_get("position")?,
                email: r.try_get("email")?,
                body_id: r.try_get("body_id")?,
                branch_id: r.try_get("branch_id")?,
                roles: roles.split(',').filter_map(Role::parse).collect(),
                active: r.try_get("active")?,
                lang: Lang::parse(&lang).unwrap_or_default(),
                iin: r.try_get("iin")?,
            })
        }

        fn session_row(r: &DbRow) -> Result<SessionRecord, sqlx::Error> {
            Ok(SessionRecord {
                token_hash: r.try_get("token_hash")?,
                staff_id: r.try_get("staff_id")?,
                csrf_token: r.try_get("csrf_token")?,
                created_at: from_micros(r.try_get("created_at")?),
                expires_at: from_micros(r.try_get("expires_at")?),
                client_ip: r.try_get("client_ip")?,
                user_agent: r.try_get("user_agent")?,
            })
        }

        fn decode_err(what: &str, v: &str) -> sqlx::Error {
            sqlx::Error::Decode(format!("unknown {what} `{v}`").into())
        }

        fn card_row(r: &DbRow) -> Result<Card, sqlx::Error> {
            let channel: String = r.try_get("channel")?;
            let kind: String = r.try_get("kind")?;
            let state: String = r.try_get("state")?;
            let registered_at: Option<i64> = r.try_get("registered_at")?;
            let reg_year: Option<i64> = r.try_get("reg_year")?;
            let reg_seq: Option<i64> = r.try_get("reg_seq")?;
            let archived_at: Option<i64> = r.try_get("archived_at")?;
            let reg_number = match (reg_year, reg_seq) {
                (Some(y), Some(s)) => Some(RegNumber {
                    body_code: r.try_get("body_code")?,
                    year: i32::try_from(y).unwrap_or_default(),
                    seq: s,
                }),
                _ => None,
            };
            Ok(Card {
                id: r.try_get("id")?,
                body_id: r.try_get("body_id")?,
                channel: Channel::parse(&channel).ok_or_else(|| decode_err("channel", &channel))?,
                kind: AppealKind::parse(&kind).ok_or_else(|| decode_err("kind", &kind))?,
                state: CardState::parse(&state).ok_or_else(|| decode_err("state", &state))?,
                applicant_id: r.try_get("applicant_id")?,
                addressee: r.try_get("addressee")?,
                summary: r.try_get("summary")?,
                received_at: from_micros(r.try_get("received_at")?),
                registered_at: registered_at.map(from_micros),
                reg_number,
                executor_id: r.try_get("executor_id")?,
                rulebook_id: r.try_get("rulebook_id")?,
                main_card_id: r.try_get("main_card_id")?,
                redirected_to_body_id: r.try_get("redirected_to_body_id")?,
                decision: r.try_get("decision")?,
                answer: r.try_get("answer")?,
                archived_at: archived_at.map(from_micros),
                collective: r.try_get("collective")?,
            })
        }

        fn deadline_row(r: &DbRow) -> Result<StoredDeadline, sqlx::Error> {
            let due_on: String = r.try_get("due_on")?;
            Ok(StoredDeadline {
                key: r.try_get("key")?,
                rule: r.try_get("rule")?,
                rulebook: r.try_get("rulebook")?,
                due_at: from_micros(r.try_get("due_at")?),
                due_on: day(&due_on)?,
                paused: r.try_get("paused")?,
                explanation: r.try_get("explanation")?,
            })
        }

        fn journal_row(r: &DbRow) -> Result<JournalEntry, sqlx::Error> {
            Ok(JournalEntry {
                seq: r.try_get("seq")?,
                draft: JournalDraft {
                    at: from_micros(r.try_get("at")?),
                    actor: r.try_get("actor")?,
                    subject: r.try_get("subject")?,
                    action: r.try_get("action")?,
                    from_state: r.try_get("from_state")?,
                    to_state: r.try_get("to_state")?,
                    details: r.try_get("details")?,
                },
                prev_hash: r.try_get("prev_hash")?,
                hash: r.try_get("hash")?,
            })
        }

        fn notice_row(r: &DbRow) -> Result<Notice, sqlx::Error> {
            let kind: String = r.try_get("kind")?;
            let channel: String = r.try_get("channel")?;
            let status: String = r.try_get("status")?;
            let lang: String = r.try_get("lang")?;
            let delivered: Option<i64> = r.try_get("delivered_at")?;
            Ok(Notice {
                id: r.try_get("id")?,
                card_id: r.try_get("card_id")?,
                applicant_id: r.try_get("applicant_id")?,
                kind: NoticeKind::parse(&kind).ok_or_else(|| decode_err("notice kind", &kind))?,
                channel: NoticeChannel::parse(&channel).ok_or_else(|| decode_err("channel", &channel))?,
                address: r.try_get("address")?,
                lang: Lang::parse(&lang).unwrap_or_default(),
                subject: r.try_get("subject")?,
                body: r.try_get("body")?,
                status: NoticeStatus::parse(&status).ok_or_else(|| decode_err("status", &status))?,
                attempts: r.try_get("attempts")?,
                last_error: r.try_get("last_error")?,
                created_at: from_micros(r.try_get("created_at")?),
                delivered_at: delivered.map(from_micros),
            })
        }

        fn attachment_row(r: &DbRow) -> Result<Attachment, sqlx::Error> {
            Ok(Attachment {
                id: r.try_get("id")?,
                card_id: r.try_get("card_id")?,
                file_name: r.try_get("file_name")?,
                mime: r.try_get("mime")?,
                size_bytes: r.try_get("size_bytes")?,
                sha256: r.try_get("sha256")?,
                storage_key: r.try_get("storage_key")?,
            })
        }

        fn signed_document_row(r: &DbRow) -> Result<SignedDocument, sqlx::Error> {
            Ok(SignedDocument {
                id: r.try_get("id")?,
                card_id: r.try_get("card_id")?,
                kind: r.try_get("kind")?,
                code: r.try_get("code")?,
                document: r.try_get("document")?,
                signature: r.try_get("signature")?,
                created_at: from_micros(r.try_get("created_at")?),
                outgoing: match (
                    r.try_get::<Option<i64>, _>("out_year")?,
                    r.try_get::<Option<i64>, _>("out_seq")?,
                ) {
                    (Some(year), Some(seq)) => Some(otinish_domain::repo::OutgoingNumber {
                        year: i32::try_from(year).unwrap_or_default(),
                        seq,
                    }),
                    _ => None,
                },
            })
        }

        fn state_list(states: &[CardState]) -> String {
            // Keys come from the closed enum, never from input.
            states.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(",")
        }

        const CARD_SELECT: &str = "SELECT c.*, b.code AS body_code FROM card c JOIN body b ON b.id = c.body_id";

        impl $store {
            /// Cards matching `filter` (on `$1`) in any of `states`, newest first. Each state is
            /// read newest first from the `(…, state, id)` index and stops at the page's end, so
            /// the cost follows the page, not the number of cards; the count stops at
            /// `COUNT_CAP + 1`.
            async fn newest_in_states(&self, filter: &str, key: i64, states: &[CardState], page: PageRequest) -> StoreResult<Page<Card>> {
                if states.is_empty() {
                    return Ok(Page { items: Vec::new(), total: 0, request: page });
                }
                let parts: Vec<String> = states
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        format!(
                            "SELECT * FROM ({CARD_SELECT} WHERE {filter} AND c.state = '{}' ORDER BY c.id DESC LIMIT $2 + $3) AS s{i}",
                            s.as_str()
                        )
                    })
                    .collect();
                let rows = sqlx::query(&format!("{} ORDER BY id DESC LIMIT $2 OFFSET $3", parts.join(" UNION ALL ")))
                    .bind(key)
                    .bind(i64::from(page.limit))
                    .bind(i64::from(page.offset))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let total: i64 = sqlx::query(&format!(
                    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM card c WHERE {filter} AND c.state IN ({}) LIMIT {}) AS t",
                    state_list(states),
                    COUNT_CAP + 1
                ))
                .bind(key)
                .fetch_one(self.reader())
                .await
                .and_then(|r| r.try_get("n"))
                .map_err(map_err)?;
                let items = rows.iter().map(card_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            /// Writes a body (with its BIN, when given) inside `tx`.
            async fn insert_body(tx: &mut Tx<'_>, b: &NewBody, bin: Option<&str>) -> StoreResult<Body> {
                let parent_id: Option<i64> = match &b.parent_code {
                    Some(code) => Some(
                        sqlx::query("SELECT id FROM body WHERE code = $1")
                            .bind(code)
                            .fetch_optional(&mut **tx)
                            .await
                            .map_err(map_err)?
                            .ok_or_else(|| StoreError::NotFound(format!("parent body {code}")))?
                            .try_get("id")
                            .map_err(map_err)?,
                    ),
                    None => None,
                };
                let row = sqlx::query(
                    "INSERT INTO body (code, name_kk, name_ru, name_en, parent_id, competence, vks_connected, \
                     video_appeal_connected, phone, email, address_kk, address_ru, address_en, website, time_zone, bin) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING *",
                )
                .bind(&b.code)
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
                .bind(&b.contacts.website)
                .bind(&b.time_zone)
                .bind(bin)
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err)?;
                body_row(&row).map_err(map_err)
            }

            /// Writes a branch inside `tx`.
            async fn insert_branch(tx: &mut Tx<'_>, b: &NewBranch) -> StoreResult<Branch> {
                let row = sqlx::query(
                    "INSERT INTO branch (code, name_kk, name_ru, name_en, region_kk, region_ru, region_en, \
                     address_kk, address_ru, address_en, vks_equipment, booths, phone) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *",
                )
                .bind(&b.code)
                .bind(&b.name.kk)
                .bind(&b.name.ru)
                .bind(&b.name.en)
                .bind(&b.region.kk)
                .bind(&b.region.ru)
                .bind(&b.region.en)
                .bind(&b.address.kk)
                .bind(&b.address.ru)
                .bind(&b.address.en)
                .bind(b.vks_equipment)
                .bind(i64::from(b.booths))
                .bind(&b.phone)
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err)?;
                branch_row(&row).map_err(map_err)
            }

            /// Writes a staff member (with their IIN, when given) inside `tx`.
            async fn insert_staff(tx: &mut Tx<'_>, s: &NewStaff, iin: Option<&str>) -> StoreResult<StaffUser> {
                let roles: Vec<&str> = s.roles.iter().map(|r| r.as_str()).collect();
                let row = sqlx::query(
                    "INSERT INTO staff (login, full_name, email, body_id, branch_id, roles, password_hash, active, lang, iin, position) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *",
                )
                .bind(&s.login)
                .bind(&s.full_name)
                .bind(&s.email)
                .bind(s.body_id)
                .bind(s.branch_id)
                .bind(roles.join(","))
                .bind(&s.password_hash)
                .bind(true)
                .bind(s.lang.code())
                .bind(iin)
                .bind(&s.position)
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err)?;
                staff_row(&row).map_err(map_err)
            }

            /// One page of `table` rows matching `filter` (SQL text of this file, never request
            /// data) in `order`, with the count of all of them.
            async fn paged<T>(
                &self,
                table: &'static str,
                filter: &'static str,
                order: &'static str,
                page: PageRequest,
                row: fn(&DbRow) -> Result<T, sqlx::Error>,
            ) -> StoreResult<Page<T>> {
                let rows = sqlx::query(&format!(
                    "SELECT * FROM {table} WHERE {filter} ORDER BY {order} LIMIT $1 OFFSET $2"
                ))
                .bind(i64::from(page.limit))
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table} WHERE {filter}"))
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            /// Appends a journal entry inside `tx`. Taking the head row first serialises
            /// appends (a row lock on PostgreSQL, the write lock on SQLite).
            async fn journal_in(tx: &mut Tx<'_>, d: &JournalDraft) -> Result<JournalEntry, sqlx::Error> {
                let head = sqlx::query("UPDATE journal_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                    .fetch_one(&mut **tx)
                    .await?;
                let seq: i64 = head.try_get("seq")?;
                let prev_hash: String = head.try_get("hash")?;
                let hash = entry_hash(&prev_hash, seq, d);
                sqlx::query(
                    "INSERT INTO journal (seq, at, actor, subject, action, from_state, to_state, details, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(seq)
                .bind(micros(d.at))
                .bind(&d.actor)
                .bind(&d.subject)
                .bind(&d.action)
                .bind(&d.from_state)
                .bind(&d.to_state)
                .bind(&d.details)
                .bind(&prev_hash)
                .bind(&hash)
                .execute(&mut **tx)
                .await?;
                sqlx::query("UPDATE journal_head SET hash = $1 WHERE id = 1")
                    .bind(&hash)
                    .execute(&mut **tx)
                    .await?;
                Ok(JournalEntry {
                    seq,
                    draft: d.clone(),
                    prev_hash,
                    hash,
                })
            }

            async fn put_deadlines(tx: &mut Tx<'_>, card_id: i64, ds: &[StoredDeadline]) -> Result<(), sqlx::Error> {
                sqlx::query("DELETE FROM card_deadline WHERE card_id = $1")
                    .bind(card_id)
                    .execute(&mut **tx)
                    .await?;
                if ds.is_empty() {
                    return Ok(());
                }
                // One statement for all of them: each statement is a round trip to the driver.
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO card_deadline (card_id, key, rule, rulebook, due_at, due_on, paused, explanation) ",
                );
                q.push_values(ds, |mut b, d| {
                    b.push_bind(card_id)
                        .push_bind(d.key.clone())
                        .push_bind(d.rule.clone())
                        .push_bind(d.rulebook.clone())
                        .push_bind(micros(d.due_at))
                        .push_bind(d.due_on.format("%Y-%m-%d").to_string())
                        .push_bind(d.paused)
                        .push_bind(d.explanation.clone());
                });
                q.build().execute(&mut **tx).await?;
                Ok(())
            }

            /// One appeal inside a transaction; see `AppealRepo::submit_appeal`.
            async fn submit_in(
                tx: &mut Tx<'_>,
                a: &NewAppeal,
                journal: &JournalDraft,
                arrival: Option<&Arrival<'_>>,
            ) -> StoreResult<(i64, bool)> {
                let data = serde_json::to_string(&a.applicant).map_err(|e| StoreError::Backend(e.to_string()))?;
                let kind = match a.applicant {
                    Applicant::Individual { .. } => "individual",
                    Applicant::LegalEntity { .. } => "legal_entity",
                };
                let applicant_id: i64 = sqlx::query(
                    "INSERT INTO applicant (tax_id, kind, data) VALUES ($1, $2, $3) \
                     ON CONFLICT (tax_id) DO UPDATE SET kind = excluded.kind, data = excluded.data RETURNING id",
                )
                .bind(a.applicant.tax_id())
                .bind(kind)
                .bind(&data)
                .fetch_one(&mut **tx)
                .await
                .and_then(|r| r.try_get("id"))
                .map_err(map_err)?;
                let existing = sqlx::query("SELECT card_id FROM appeal WHERE applicant_id = $1 AND idempotency_key = $2")
                    .bind(applicant_id)
                    .bind(&a.idempotency_key)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(map_err)?;
                if let Some(row) = existing {
                    let id: i64 = row.try_get("card_id").map_err(map_err)?;
                    return Ok((id, false));
                }
                // The same signed content again under another key (a replay) is the first
                // appeal; the applicant's row, locked above, orders concurrent replays.
                if let Some(digest) = &a.signed_digest {
                    let first = sqlx::query("SELECT card_id FROM appeal WHERE applicant_id = $1 AND signed_digest = $2")
                        .bind(applicant_id)
                        .bind(digest)
                        .fetch_optional(&mut **tx)
                        .await
                        .map_err(map_err)?;
                    if let Some(row) = first {
                        let id: i64 = row.try_get("card_id").map_err(map_err)?;
                        return Ok((id, false));
                    }
                }
                // The limits, on counts taken here: the applicant's row is locked by the upsert
                // above (PostgreSQL) or the database by this writer (SQLite), so a concurrent
                // submission of the same applicant counts this one.
                if let Some(admission) = &a.admission {
                    let row = sqlx::query(
                        "SELECT CAST((SELECT COUNT(*) FROM appeal r JOIN card rc ON rc.id = r.card_id \
                           WHERE r.applicant_id = $1 AND rc.received_at >= $2) AS BIGINT) AS recent, \
                         CAST(COALESCE((SELECT SUM(s.size_bytes) FROM appeal s \
                           WHERE s.applicant_id = $1 AND NOT s.hidden_by_applicant), 0) AS BIGINT) AS content, \
                         CAST(COALESCE((SELECT SUM(f.size_bytes) FROM attachment f JOIN appeal b ON b.card_id = f.card_id \
                           WHERE b.applicant_id = $1 AND NOT b.hidden_by_applicant), 0) AS BIGINT) AS files",
                    )
                    .bind(applicant_id)
                    .bind(micros(admission.since))
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    let count = |name: &str| -> StoreResult<u64> {
                        let v: i64 = row.try_get(name).map_err(map_err)?;
                        Ok(u64::try_from(v).unwrap_or(0))
                    };
                    let incoming = a
                        .attachments
                        .iter()
                        .map(|f| f.size_bytes)
                        .chain(std::iter::once(a.size_bytes))
                        .map(|b| u64::try_from(b).unwrap_or(0))
                        .sum();
                    admission
                        .admits(count("recent")?, count("content")? + count("files")?, incoming)
                        .map_err(StoreError::NotAdmitted)?;
                }
                // A redirected appeal: the card it comes from moves in the same transaction.
                if let Some(r) = arrival.and_then(|r| r.redirected_from.as_ref()) {
                    Self::transition_in(tx, r.card_id, r.from, r.to, &r.update, &r.notices, r.journal.clone()).await?;
                }
                let c = &a.card;
                // The card is written once, in the state its arrival leaves it in: registered
                // (the body's next number taken first; the counter row stays locked until
                // commit, and a rollback gives the number back), refused, or received.
                let mut state = CardState::Received;
                let mut number = None;
                let mut registered = None;
                let mut decision = None;
                match arrival.map(|r| &r.outcome) {
                    Some(ArrivalOutcome::Register { year, body_code, executor_id, journal }) => {
                        let seq = Self::next_reg_seq(tx, c.body_id, *year).await?;
                        state = CardState::Registered;
                        number = Some(RegNumber { body_code: body_code.clone(), year: *year, seq });
                        registered = Some((journal.at, *executor_id));
                    }
                    Some(ArrivalOutcome::Refuse { to, decision: d, .. }) => {
                        state = *to;
                        decision = Some(d.clone());
                    }
                    None => {}
                }
                let closed_at = (state.is_closed()).then(|| micros(journal.at));
                let card_id: i64 = sqlx::query(
                    "INSERT INTO card (body_id, channel, kind, state, applicant_id, addressee, summary, received_at, \
                     rulebook_id, collective, registered_at, reg_year, reg_seq, executor_id, decision, closed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
                )
                .bind(c.body_id)
                .bind(c.channel.as_str())
                .bind(c.kind.as_str())
                .bind(state.as_str())
                .bind(applicant_id)
                .bind(&c.addressee)
                .bind(&c.summary)
                .bind(micros(c.received_at))
                .bind(&c.rulebook_id)
                .bind(c.collective)
                .bind(registered.map(|(at, _)| micros(at)))
                .bind(number.as_ref().map(|n| i64::from(n.year)))
                .bind(number.as_ref().map(|n| n.seq))
                .bind(registered.and_then(|(_, e)| e))
                .bind(&decision)
                .bind(closed_at)
                .fetch_one(&mut **tx)
                .await
                .and_then(|r| r.try_get("id"))
                .map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO appeal (card_id, applicant_id, content, outgoing_number, outgoing_date, postal_address, \
                     email, phone, lang, signed_document, signature, signer_serial, signed_at, idempotency_key, size_bytes, \
                     signature_check, revocation_pending, signed_digest) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
                )
                .bind(card_id)
                .bind(applicant_id)
                .bind(&a.content)
                .bind(&a.outgoing_number)
                .bind(a.outgoing_date.map(|d| d.format("%Y-%m-%d").to_string()))
                .bind(&a.postal_address)
                .bind(&a.email)
                .bind(&a.phone)
                .bind(a.lang.code())
                .bind(&a.signed_document)
                .bind(&a.signature)
                .bind(&a.signer_serial)
                .bind(a.signed_at.map(micros))
                .bind(&a.idempotency_key)
                .bind(a.size_bytes)
                .bind(a.signature_check.as_ref().map(|c| serde_json::to_string(c)).transpose().map_err(|e| StoreError::Backend(e.to_string()))?)
                .bind(a.signature_check.as_ref().is_some_and(|c| c.revocation.is_pending()))
                .bind(&a.signed_digest)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                for f in &a.attachments {
                    sqlx::query(
                        "INSERT INTO attachment (card_id, file_name, mime, size_bytes, sha256, storage_key) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(card_id)
                    .bind(&f.file_name)
                    .bind(&f.mime)
                    .bind(f.size_bytes)
                    .bind(&f.sha256)
                    .bind(&f.storage_key)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                }
                Self::put_deadlines(tx, card_id, &a.deadlines).await.map_err(map_err)?;
                let mut j = journal.clone();
                j.subject = format!("card:{card_id}");
                j.to_state = Some(CardState::Received.as_str().into());
                Self::journal_in(tx, &j).await.map_err(map_err)?;
                let Some(arrival) = arrival else {
                    return Ok((card_id, true));
                };
                if let Some(journal) = arrival.redirected_from.as_ref().and_then(|r| r.video.as_ref()) {
                    // EA-11, VA-10: a video appeal goes with its new card — its recording, its
                    // branch and the applicant's secret code — so the applicant follows it and is
                    // answered the same way. Journaled on the new card.
                    let from_card = arrival.redirected_from.as_ref().map_or(0, |r| r.card_id);
                    let done = sqlx::query("UPDATE video_appeal SET card_id = $1 WHERE card_id = $2")
                        .bind(card_id)
                        .bind(from_card)
                        .execute(&mut **tx)
                        .await
                        .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("video appeal {from_card}")));
                    }
                    let mut j = journal.clone();
                    j.subject = format!("card:{card_id}");
                    Self::journal_in(tx, &j).await.map_err(map_err)?;
                }
                // The journal tells the arrival step by step, as it happened: received, the
                // receipt issued, then registered or refused.
                if let Some((d, journal)) = &arrival.receipt {
                    sqlx::query(
                        "INSERT INTO signed_document (card_id, kind, code, document, signature, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(card_id)
                    .bind(&d.kind)
                    .bind(&d.code)
                    .bind(&d.document)
                    .bind(&d.signature)
                    .bind(micros(d.at))
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    let mut j = journal.clone();
                    j.subject = format!("card:{card_id}");
                    Self::journal_in(tx, &j).await.map_err(map_err)?;
                }
                let notices = (arrival.notices)(card_id, number.as_ref());
                Self::insert_notices(tx, &notices, journal.at).await.map_err(map_err)?;
                let mut j = match &arrival.outcome {
                    ArrivalOutcome::Register { journal, .. } | ArrivalOutcome::Refuse { journal, .. } => journal.clone(),
                };
                j.subject = format!("card:{card_id}");
                j.from_state = Some(CardState::Received.as_str().into());
                j.to_state = Some(state.as_str().into());
                if let Some(n) = &number {
                    if j.details == "{}" {
                        j.details = format!("{{\"reg_number\":\"{n}\"}}");
                    }
                }
                Self::journal_in(tx, &j).await.map_err(map_err)?;
                Ok((card_id, true))
            }

            /// Moves a card inside `tx` (see [`CardRepo::transition_card`]).
            async fn transition_in(
                tx: &mut Tx<'_>,
                card_id: i64,
                from: CardState,
                to: CardState,
                update: &CardUpdate,
                notices: &[NewNotice],
                journal: JournalDraft,
            ) -> StoreResult<()> {
                Self::card_state_check(tx, card_id, from).await?;
                sqlx::query(
                    "UPDATE card SET state = $1, executor_id = COALESCE($2, executor_id), \
                     decision = COALESCE($3, decision), answer = COALESCE($4, answer), \
                     redirected_to_body_id = COALESCE($5, redirected_to_body_id), \
                     main_card_id = COALESCE($6, main_card_id), archived_at = COALESCE($7, archived_at), \
                     closed_at = COALESCE(closed_at, $9) WHERE id = $8",
                )
                .bind(to.as_str())
                .bind(update.executor_id)
                .bind(&update.decision)
                .bind(&update.answer)
                .bind(update.redirected_to_body_id)
                .bind(update.main_card_id)
                .bind(update.archived_at.map(micros))
                .bind(card_id)
                .bind(to.is_closed().then(|| micros(journal.at)))
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                Self::insert_notices(tx, notices, journal.at).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                j.from_state = Some(from.as_str().into());
                j.to_state = Some(to.as_str().into());
                Self::journal_in(tx, &j).await.map_err(map_err)?;
                Ok(())
            }

            /// Writes notices: the cabinet's are delivered at once, letters wait for the
            /// registrar, and email and SMS enqueue the job that delivers them.
            async fn insert_notices(tx: &mut Tx<'_>, notices: &[NewNotice], now: DateTime<Utc>) -> Result<(), sqlx::Error> {
                for n in notices {
                    let cabinet = n.channel == NoticeChannel::Cabinet;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO notice (card_id, applicant_id, kind, channel, address, lang, subject, body, status, \
                         attempts, next_attempt_at, created_at, delivered_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $10, $11) RETURNING id",
                    )
                    .bind(n.card_id)
                    .bind(n.applicant_id)
                    .bind(n.kind.as_str())
                    .bind(n.channel.as_str())
                    .bind(&n.address)
                    .bind(n.lang.code())
                    .bind(&n.subject)
                    .bind(&n.body)
                    .bind(if cabinet { "delivered" } else { "pending" })
                    .bind(micros(now))
                    .bind(cabinet.then(|| micros(now)))
                    .fetch_one(&mut **tx)
                    .await?;
                    if matches!(n.channel, NoticeChannel::Email | NoticeChannel::Sms) {
                        let job = Self::enqueue_in(tx, &otinish_domain::job::NewJob::notice(id, now), now).await?;
                        sqlx::query("UPDATE notice SET job_id = $1 WHERE id = $2")
                            .bind(job)
                            .bind(id)
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                Ok(())
            }

            async fn schedule_state_check(
                tx: &mut Tx<'_>,
                id: i64,
                from: otinish_domain::vks::ScheduleState,
            ) -> Result<(), StoreError> {
                let row = sqlx::query("SELECT state FROM reception_schedule WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("schedule {id}")))?;
                let state: String = row.try_get("state").map_err(map_err)?;
                if state != from.as_str() {
                    return Err(StoreError::Stale(format!("schedule {id} is `{state}`, not `{from}`")));
                }
                Ok(())
            }

            /// A received card; returns its id.
            async fn insert_card(tx: &mut Tx<'_>, c: &NewCard) -> Result<i64, sqlx::Error> {
                sqlx::query(
                    "INSERT INTO card (body_id, channel, kind, state, applicant_id, addressee, summary, received_at, \
                     rulebook_id, collective) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(c.body_id)
                .bind(c.channel.as_str())
                .bind(c.kind.as_str())
                .bind(CardState::Received.as_str())
                .bind(c.applicant_id)
                .bind(&c.addressee)
                .bind(&c.summary)
                .bind(micros(c.received_at))
                .bind(&c.rulebook_id)
                .bind(c.collective)
                .fetch_one(&mut **tx)
                .await?
                .try_get("id")
            }

            /// The body's next registration number of `year`. The counter row is locked until
            /// commit: concurrent registrations in the same body and year queue here, and a
            /// rollback gives the number back (gap-free).
            async fn next_reg_seq(tx: &mut Tx<'_>, body_id: i64, year: i32) -> StoreResult<i64> {
                sqlx::query(
                    "INSERT INTO reg_counter (body_id, year, last_seq) VALUES ($1, $2, 1) \
                     ON CONFLICT (body_id, year) DO UPDATE SET last_seq = reg_counter.last_seq + 1 RETURNING last_seq",
                )
                .bind(body_id)
                .bind(i64::from(year))
                .fetch_one(&mut **tx)
                .await
                .and_then(|r| r.try_get("last_seq"))
                .map_err(map_err)
            }

            /// Registers a card inside `tx` (see [`CardRepo::register_card`]).
            #[allow(clippy::too_many_arguments)]
            async fn register_in(
                tx: &mut Tx<'_>,
                card_id: i64,
                from: CardState,
                year: i32,
                registered_at: DateTime<Utc>,
                executor_id: Option<i64>,
                deadlines: &[StoredDeadline],
                notices: &(dyn for<'r> Fn(&'r RegNumber) -> Vec<NewNotice> + Sync),
                journal: JournalDraft,
            ) -> StoreResult<RegNumber> {
                Self::card_state_check(tx, card_id, from).await?;
                let row = sqlx::query("SELECT c.body_id, b.code FROM card c JOIN body b ON b.id = c.body_id WHERE c.id = $1")
                    .bind(card_id)
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(map_err)?;
                let body_id: i64 = row.try_get("body_id").map_err(map_err)?;
                let body_code: String = row.try_get("code").map_err(map_err)?;
                let seq = Self::next_reg_seq(tx, body_id, year).await?;
                sqlx::query(
                    "UPDATE card SET state = $1, registered_at = $2, reg_year = $3, reg_seq = $4, \
                     executor_id = COALESCE($5, executor_id) WHERE id = $6",
                )
                .bind(CardState::Registered.as_str())
                .bind(micros(registered_at))
                .bind(i64::from(year))
                .bind(seq)
                .bind(executor_id)
                .bind(card_id)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                Self::put_deadlines(tx, card_id, deadlines).await.map_err(map_err)?;
                let number = RegNumber { body_code, year, seq };
                Self::insert_notices(tx, &notices(&number), journal.at).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                j.from_state = Some(from.as_str().into());
                j.to_state = Some(CardState::Registered.as_str().into());
                if j.details == "{}" {
                    j.details = format!("{{\"reg_number\":\"{number}\"}}");
                }
                Self::journal_in(tx, &j).await.map_err(map_err)?;
                Ok(number)
            }

            /// Applies card moves inside `tx`, each checked against the card's state; a move into
            /// a closed state sets the closing moment `at`.
            async fn card_moves_in(tx: &mut Tx<'_>, card_id: i64, moves: &[CardMove], at: DateTime<Utc>) -> StoreResult<()> {
                for m in moves {
                    Self::card_state_check(tx, card_id, m.from).await?;
                    sqlx::query(
                        "UPDATE card SET state = $1, executor_id = COALESCE($2, executor_id), \
                         decision = COALESCE($3, decision), answer = COALESCE($4, answer), \
                         closed_at = COALESCE(closed_at, $5) WHERE id = $6",
                    )
                    .bind(m.to.as_str())
                    .bind(m.update.executor_id)
                    .bind(&m.update.decision)
                    .bind(&m.update.answer)
                    .bind(m.to.is_closed().then(|| micros(at)))
                    .bind(card_id)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                }
                Ok(())
            }

            async fn card_state_check(tx: &mut Tx<'_>, card_id: i64, from: CardState) -> Result<(), StoreError> {
                let row = sqlx::query("SELECT state FROM card WHERE id = $1")
                    .bind(card_id)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("card {card_id}")))?;
                let state: String = row.try_get("state").map_err(map_err)?;
                if state != from.as_str() {
                    return Err(StoreError::Stale(format!("card {card_id} is `{state}`, not `{from}`")));
                }
                Ok(())
            }
        }

        // One file per repository (crates/store/src/repos), each expanded here.
        impl_body_repo!($store, $db);
        impl_branch_repo!($store, $db);
        impl_staff_repo!($store, $db);
        impl_applicant_repo!($store, $db);
        impl_card_repo!($store, $db);
        impl_calendar_repo!($store, $db);
        impl_journal_repo!($store, $db);
        impl_mobile_signing_repo!($store, $db);
        impl_hearing_repo!($store, $db);
        impl_revocation_repo!($store, $db);
        impl_appeal_repo!($store, $db);
        impl_notice_repo!($store, $db);
        impl_job_repo!($store, $db);
        impl_tally_repo!($store, $db);
        impl_applicant_auth_repo!($store, $db);
        impl_access_repo!($store, $db);
        impl_deployment_repo!($store, $db);
        impl_announcement_repo!($store, $db);
        impl_vks_repo!($store, $db);
        impl_video_repo!($store, $db);
    };
}
