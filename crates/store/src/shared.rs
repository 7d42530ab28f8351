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
                        let seq: i64 = sqlx::query(
                            "INSERT INTO reg_counter (body_id, year, last_seq) VALUES ($1, $2, 1) \
                             ON CONFLICT (body_id, year) DO UPDATE SET last_seq = reg_counter.last_seq + 1 RETURNING last_seq",
                        )
                        .bind(c.body_id)
                        .bind(i64::from(*year))
                        .fetch_one(&mut **tx)
                        .await
                        .and_then(|r| r.try_get("last_seq"))
                        .map_err(map_err)?;
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

            /// Writes notices: the cabinet's are delivered at once, the others wait for a worker.
            async fn insert_notices(tx: &mut Tx<'_>, notices: &[NewNotice], now: DateTime<Utc>) -> Result<(), sqlx::Error> {
                for n in notices {
                    let cabinet = n.channel == NoticeChannel::Cabinet;
                    sqlx::query(
                        "INSERT INTO notice (card_id, applicant_id, kind, channel, address, lang, subject, body, status, \
                         attempts, next_attempt_at, created_at, delivered_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $10, $11)",
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
                    .execute(&mut **tx)
                    .await?;
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
                // The counter row is locked until commit: concurrent registrations in the same
                // body and year queue here, and a rollback gives the number back.
                let seq: i64 = sqlx::query(
                    "INSERT INTO reg_counter (body_id, year, last_seq) VALUES ($1, $2, 1) \
                     ON CONFLICT (body_id, year) DO UPDATE SET last_seq = reg_counter.last_seq + 1 RETURNING last_seq",
                )
                .bind(body_id)
                .bind(i64::from(year))
                .fetch_one(&mut **tx)
                .await
                .and_then(|r| r.try_get("last_seq"))
                .map_err(map_err)?;
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

        #[async_trait]
        impl BranchRepo for $store {
            async fn create_branch(&self, b: &NewBranch) -> StoreResult<Branch> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let branch = Self::insert_branch(&mut tx, b).await?;
                self.commit(tx).await?;
                Ok(branch)
            }

            async fn add_branch(&self, b: &NewBranch, journal: JournalDraft) -> StoreResult<Branch> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let branch = Self::insert_branch(&mut tx, b).await?;
                let mut j = journal;
                j.subject = format!("branch:{}", branch.id);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(branch)
            }

            async fn import_branches(&self, items: &[(NewBranch, JournalDraft)]) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                for (b, journal) in items {
                    let branch = Self::insert_branch(&mut tx, b).await?;
                    let mut j = journal.clone();
                    j.subject = format!("branch:{}", branch.id);
                    Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                }
                self.commit(tx).await
            }

            async fn update_branch(&self, id: i64, b: &NewBranch, journal: JournalDraft) -> StoreResult<Branch> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let row = sqlx::query(
                    "UPDATE branch SET name_kk = $1, name_ru = $2, name_en = $3, region_kk = $4, region_ru = $5, \
                     region_en = $6, address_kk = $7, address_ru = $8, address_en = $9, vks_equipment = $10, \
                     booths = $11, phone = $12 WHERE id = $13 RETURNING *",
                )
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
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?
                .ok_or_else(|| StoreError::NotFound(format!("branch {id}")))?;
                let branch = branch_row(&row).map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("branch:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(branch)
            }

            async fn branches(&self, page: PageRequest) -> StoreResult<Page<Branch>> {
                self.paged("branch", "TRUE", "region_ru, name_ru, id", page, branch_row).await
            }

            async fn open_branches(&self, page: PageRequest) -> StoreResult<Page<Branch>> {
                self.paged("branch", "closed_at IS NULL", "region_ru, name_ru, id", page, branch_row).await
            }

            async fn set_branch_closed(&self, branch_id: i64, at: Option<DateTime<Utc>>, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                set_closed_in(&mut tx, "branch", "branch_id", branch_id, at).await?;
                let mut j = journal;
                j.subject = format!("branch:{branch_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn live_bookings_at_branch(&self, branch_id: i64) -> StoreResult<i64> {
                sqlx::query(
                    "SELECT COUNT(*) AS n FROM vks_booking WHERE branch_id = $1 AND NOT cancelled \
                     AND state IN ('requested', 'appointed', 'checked_in')",
                )
                .bind(branch_id)
                .fetch_one(self.reader())
                .await
                .and_then(|r| r.try_get("n"))
                .map_err(map_err)
            }
        }

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

        #[async_trait]
        impl CardRepo for $store {
            async fn create_card(&self, c: &NewCard, deadlines: &[StoredDeadline], journal: JournalDraft) -> StoreResult<Card> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let id = Self::insert_card(&mut tx, c).await.map_err(map_err)?;
                Self::put_deadlines(&mut tx, id, deadlines).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                let row = sqlx::query(&format!("{CARD_SELECT} WHERE c.id = $1"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let card = card_row(&row).map_err(map_err)?;
                self.commit(tx).await?;
                Ok(card)
            }

            async fn card(&self, id: i64) -> StoreResult<Card> {
                let row = sqlx::query(&format!("{CARD_SELECT} WHERE c.id = $1"))
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("card {id}")))?;
                card_row(&row).map_err(map_err)
            }

            async fn cards_of_body(&self, body_id: i64, page: PageRequest) -> StoreResult<Page<Card>> {
                let rows = sqlx::query(&format!("{CARD_SELECT} WHERE c.body_id = $1 ORDER BY c.id DESC LIMIT $2 OFFSET $3"))
                    .bind(body_id)
                    .bind(i64::from(page.limit))
                    .bind(i64::from(page.offset))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM card WHERE body_id = $1")
                    .bind(body_id)
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(card_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn register_card(
                &self,
                card_id: i64,
                from: CardState,
                year: i32,
                registered_at: DateTime<Utc>,
                executor_id: Option<i64>,
                deadlines: &[StoredDeadline],
                notices: &(dyn for<'r> Fn(&'r RegNumber) -> Vec<NewNotice> + Sync),
                journal: JournalDraft,
            ) -> StoreResult<RegNumber> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let number = Self::register_in(&mut tx, card_id, from, year, registered_at, executor_id, deadlines, notices, journal).await?;
                self.commit(tx).await?;
                Ok(number)
            }

            async fn transition_card(
                &self,
                card_id: i64,
                from: CardState,
                to: CardState,
                update: &CardUpdate,
                notices: &[NewNotice],
                journal: JournalDraft,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                Self::card_state_check(&mut tx, card_id, from).await?;
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
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                Self::insert_notices(&mut tx, notices, journal.at).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                j.from_state = Some(from.as_str().into());
                j.to_state = Some(to.as_str().into());
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn add_term_event(
                &self,
                card_id: i64,
                event: &TermEvent,
                deadlines: &[StoredDeadline],
                journal: JournalDraft,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let text = serde_json::to_string(event).map_err(|e| StoreError::Backend(e.to_string()))?;
                sqlx::query("INSERT INTO card_term_event (card_id, event) VALUES ($1, $2)")
                    .bind(card_id)
                    .bind(&text)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                Self::put_deadlines(&mut tx, card_id, deadlines).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                j.details = text;
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn inbox(&self, body_id: i64, states: &[CardState], page: PageRequest) -> StoreResult<Page<Card>> {
                self.newest_in_states("c.body_id = $1", body_id, states, page).await
            }

            async fn card_list(
                &self,
                body_id: i64,
                states: &[CardState],
                filter: &CardFilter,
                sort: CardSort,
                page: PageRequest,
            ) -> StoreResult<Page<Card>> {
                if states.is_empty() {
                    return Ok(Page { items: Vec::new(), total: 0, request: page });
                }
                if filter.is_empty() && sort == CardSort::Received {
                    // The common case has its own index-friendly query.
                    return self.newest_in_states("c.body_id = $1", body_id, states, page).await;
                }
                // Every value is bound; the SQL text comes from closed enums and this code only.
                let push_where = |q: &mut sqlx::QueryBuilder<'_, $db>| {
                    q.push(" WHERE c.body_id = ").push_bind(body_id);
                    q.push(format!(" AND c.state IN ({})", state_list(states)));
                    if let Some(k) = filter.kind {
                        q.push(" AND c.kind = ").push_bind(k.as_str());
                    }
                    if let Some(ch) = filter.channel {
                        q.push(" AND c.channel = ").push_bind(ch.as_str());
                    }
                    if let Some(e) = filter.executor_id {
                        q.push(" AND c.executor_id = ").push_bind(e);
                    }
                    if let Some(until) = filter.answer_due_before {
                        q.push(" AND d.due_at < ").push_bind(micros(until)).push(" AND NOT d.paused");
                    }
                };
                let from = format!(
                    " FROM card c JOIN body b ON b.id = c.body_id \
                     LEFT JOIN card_deadline d ON d.card_id = c.id AND d.key = '{}' \
                     LEFT JOIN staff s ON s.id = c.executor_id",
                    otinish_domain::deadline::ANSWER
                );
                let order = match sort {
                    CardSort::Received => "c.id DESC".to_owned(),
                    CardSort::ReceivedOldest => "c.id".to_owned(),
                    CardSort::Term => "(d.due_at IS NULL), d.due_at, c.id".to_owned(),
                    CardSort::State => {
                        let mut o = String::from("CASE c.state");
                        for (i, st) in CardState::ALL.iter().enumerate() {
                            o.push_str(&format!(" WHEN '{}' THEN {i}", st.as_str()));
                        }
                        o.push_str(" END, c.id DESC");
                        o
                    }
                    CardSort::Executor => "(s.full_name IS NULL), s.full_name, c.id DESC".to_owned(),
                };
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT c.*, b.code AS body_code");
                q.push(&from);
                push_where(&mut q);
                q.push(format!(" ORDER BY {order} LIMIT "))
                    .push_bind(i64::from(page.limit))
                    .push(" OFFSET ")
                    .push_bind(i64::from(page.offset));
                let rows = q.build().fetch_all(self.reader()).await.map_err(map_err)?;
                let mut c = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) AS n FROM (SELECT 1");
                c.push(&from);
                push_where(&mut c);
                c.push(format!(" LIMIT {}) AS t", COUNT_CAP + 1));
                let total: i64 = c
                    .build()
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(card_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn to_sign(&self, body_id: i64, signatory: &str, page: PageRequest) -> StoreResult<Page<Card>> {
                let filter = "c.body_id = $1 AND c.state = 'decided' AND NOT EXISTS \
                     (SELECT 1 FROM answer_signature s WHERE s.card_id = c.id AND s.role = $2)";
                let rows = sqlx::query(&format!("{CARD_SELECT} WHERE {filter} ORDER BY c.id LIMIT $3 OFFSET $4"))
                    .bind(body_id)
                    .bind(signatory)
                    .bind(i64::from(page.limit))
                    .bind(i64::from(page.offset))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM card c WHERE {filter}"))
                    .bind(body_id)
                    .bind(signatory)
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(card_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn channel_inbox(&self, body_id: i64, channel: Channel, states: &[CardState], page: PageRequest) -> StoreResult<Page<Card>> {
                // The channel key comes from the closed enum, never from input.
                let filter = format!("c.body_id = $1 AND c.channel = '{}'", channel.as_str());
                self.newest_in_states(&filter, body_id, states, page).await
            }

            async fn cards_of_executor(&self, staff_id: i64, states: &[CardState], page: PageRequest) -> StoreResult<Page<Card>> {
                self.newest_in_states("c.executor_id = $1", staff_id, states, page).await
            }

            async fn reassign_cards(&self, from: i64, to: i64, card_ids: &[i64], states: &[CardState], journal: JournalDraft) -> StoreResult<Vec<i64>> {
                let open = state_list(states);
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let mut moved = Vec::new();
                for id in card_ids {
                    let done = sqlx::query(&format!(
                        "UPDATE card SET executor_id = $1 WHERE id = $2 AND executor_id = $3 AND state IN ({open})"
                    ))
                    .bind(to)
                    .bind(id)
                    .bind(from)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    if done.rows_affected() == 1 {
                        let mut j = journal.clone();
                        j.subject = format!("card:{id}");
                        Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                        moved.push(*id);
                    }
                }
                self.commit(tx).await?;
                Ok(moved)
            }

            async fn executor_loads(&self, body_id: i64) -> StoreResult<Vec<(StaffUser, i64)>> {
                // The counts the database keeps as cards move (migration 0027): the same cost
                // however many cards are open.
                let rows = sqlx::query(
                    "SELECT s.*, CAST(COALESCE(l.open_cards, 0) AS BIGINT) AS open_cards \
                     FROM staff s LEFT JOIN executor_load l ON l.staff_id = s.id \
                     WHERE s.body_id = $1 AND s.active ORDER BY s.id",
                )
                .bind(body_id)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| Ok((staff_row(r)?, r.try_get::<i64, _>("open_cards")?)))
                    .collect::<Result<Vec<_>, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn report_groups(
                &self,
                body_ids: &[i64],
                from: DateTime<Utc>,
                to: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<otinish_domain::report::ReportGroup>> {
                use otinish_domain::report::{ApplicantType, ReportGroup, TermOutcome};
                if body_ids.is_empty() {
                    return Ok(Vec::new());
                }
                // Ids are numbers, written into the statement as such; each body's cards of the
                // period are one range of the (body_id, received_at) index.
                let ids = $crate::shared::id_list(body_ids);
                let term = "CASE WHEN d.due_at IS NULL THEN 0 WHEN COALESCE(c.closed_at, $3) <= d.due_at THEN 1 ELSE 2 END";
                let rows = sqlx::query(&format!(
                    "SELECT c.body_id, c.kind, c.channel, COALESCE(a.kind, 'individual') AS applicant, c.state, \
                     COALESCE(c.decision, '') AS decision, c.collective, {term} AS term, \
                     CASE WHEN c.main_card_id IS NULL THEN 0 ELSE 1 END AS repeated, \
                     COALESCE(c.redirected_to_body_id, 0) AS redirected_to, COUNT(*) AS n \
                     FROM card c LEFT JOIN card_deadline d ON d.card_id = c.id AND d.key = 'answer' \
                     LEFT JOIN applicant a ON a.id = c.applicant_id \
                     WHERE c.body_id IN ({ids}) AND c.received_at >= $1 AND c.received_at < $2 \
                     GROUP BY c.body_id, c.kind, c.channel, COALESCE(a.kind, 'individual'), c.state, \
                     COALESCE(c.decision, ''), c.collective, {term}, \
                     CASE WHEN c.main_card_id IS NULL THEN 0 ELSE 1 END, COALESCE(c.redirected_to_body_id, 0)"
                ))
                .bind(micros(from))
                .bind(micros(to))
                .bind(micros(now))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let kind: String = r.try_get("kind")?;
                        let channel: String = r.try_get("channel")?;
                        let applicant: String = r.try_get("applicant")?;
                        let state: String = r.try_get("state")?;
                        let decision: String = r.try_get("decision")?;
                        let int = |name: &str| r.try_get::<i32, _>(name).map(i64::from).or_else(|_| r.try_get::<i64, _>(name));
                        let term = int("term")?;
                        let redirected_to = int("redirected_to")?;
                        Ok(ReportGroup {
                            body_id: r.try_get("body_id")?,
                            kind: AppealKind::parse(&kind).ok_or_else(|| decode_err("kind", &kind))?,
                            channel: Channel::parse(&channel).ok_or_else(|| decode_err("channel", &channel))?,
                            applicant: ApplicantType::parse(&applicant).ok_or_else(|| decode_err("applicant", &applicant))?,
                            state: CardState::parse(&state).ok_or_else(|| decode_err("state", &state))?,
                            decision: (!decision.is_empty()).then_some(decision),
                            collective: r.try_get("collective")?,
                            repeated: int("repeated")? == 1,
                            redirected_to: (redirected_to != 0).then_some(redirected_to),
                            term: match term {
                                0 => TermOutcome::NoTerm,
                                1 => TermOutcome::Kept,
                                _ => TermOutcome::Broken,
                            },
                            count: r.try_get("n")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn received_counts(&self, body_ids: &[i64], bounds: &[DateTime<Utc>]) -> StoreResult<Vec<i64>> {
                if body_ids.is_empty() {
                    return Ok(vec![0; bounds.len().saturating_sub(1)]);
                }
                let ids = $crate::shared::id_list(body_ids);
                let mut out = Vec::with_capacity(bounds.len());
                for w in bounds.windows(2) {
                    let n: i64 = sqlx::query(&format!(
                        "SELECT COUNT(*) AS n FROM card WHERE body_id IN ({ids}) AND received_at >= $1 AND received_at < $2"
                    ))
                    .bind(micros(w[0]))
                    .bind(micros(w[1]))
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                    out.push(n);
                }
                Ok(out)
            }

            async fn answer_hours(&self, body_ids: &[i64], from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Vec<i64>> {
                if body_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let ids = $crate::shared::id_list(body_ids);
                // The lower bound on receipt keeps the query on the (body, received) index.
                let rows = sqlx::query(&format!(
                    "SELECT received_at, closed_at FROM card WHERE body_id IN ({ids}) \
                     AND received_at >= $1 AND closed_at >= $2 AND closed_at < $3 \
                     AND state IN ('answered', 'archived') AND redirected_to_body_id IS NULL"
                ))
                .bind(micros(from - chrono::Duration::days(548)))
                .bind(micros(from))
                .bind(micros(to))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let received: i64 = r.try_get("received_at")?;
                        let closed: i64 = r.try_get("closed_at")?;
                        Ok((closed - received) / 3_600_000_000)
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn survey_ratings(&self, body_ids: &[i64], from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<[i64; 5]> {
                let mut out = [0; 5];
                if body_ids.is_empty() {
                    return Ok(out);
                }
                let ids = $crate::shared::id_list(body_ids);
                let rows = sqlx::query(&format!(
                    "SELECT rating, COUNT(*) AS n FROM pr_signup WHERE body_id IN ({ids}) AND rating IS NOT NULL \
                     AND closed_at >= $1 AND closed_at < $2 GROUP BY rating"
                ))
                .bind(micros(from))
                .bind(micros(to))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                for r in &rows {
                    let rating = r.try_get::<i32, _>("rating").map(i64::from).or_else(|_| r.try_get::<i64, _>("rating")).map_err(map_err)?;
                    if let Some(slot) = usize::try_from(rating - 1).ok().and_then(|i| out.get_mut(i)) {
                        *slot = r.try_get("n").map_err(map_err)?;
                    }
                }
                Ok(out)
            }

            async fn deadlines(&self, card_id: i64) -> StoreResult<Vec<StoredDeadline>> {
                let rows = sqlx::query("SELECT * FROM card_deadline WHERE card_id = $1 ORDER BY due_at, key")
                    .bind(card_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(deadline_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn deadline_dates(&self, card_ids: &[i64]) -> StoreResult<Vec<(i64, StoredDeadline)>> {
                if card_ids.is_empty() {
                    return Ok(Vec::new());
                }
                // Ids are numbers, written into the statement as such.
                let ids = $crate::shared::id_list(card_ids);
                let rows = sqlx::query(&format!(
                    "SELECT card_id, key, rule, rulebook, due_at, due_on, paused, '' AS explanation \
                     FROM card_deadline WHERE card_id IN ({ids}) ORDER BY card_id, due_at"
                ))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| Ok((r.try_get("card_id")?, deadline_row(r)?)))
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn open_cases(&self, after_id: i64, limit: u32) -> StoreResult<Vec<OpenCase>> {
                // Open states listed, so the (state, id) index reads only open cards: closed ones
                // are most of a body's history.
                let list = state_list(&CardState::ALL.iter().copied().filter(|s| !s.is_closed()).collect::<Vec<_>>());
                let rows = sqlx::query(&format!(
                    "{CARD_SELECT} WHERE c.id > $1 AND c.state IN ({list}) ORDER BY c.id LIMIT $2"
                ))
                .bind(after_id)
                .bind(i64::from(limit))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let card = card_row(r).map_err(map_err)?;
                    let events = sqlx::query("SELECT event FROM card_term_event WHERE card_id = $1 ORDER BY id")
                        .bind(card.id)
                        .fetch_all(self.reader())
                        .await
                        .map_err(map_err)?
                        .iter()
                        .map(|e| {
                            let t: String = e.try_get("event")?;
                            serde_json::from_str::<TermEvent>(&t).map_err(|e| sqlx::Error::Decode(Box::new(e)))
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(map_err)?;
                    let deadlines = self.deadlines(card.id).await?;
                    out.push(OpenCase { card, events, deadlines });
                }
                Ok(out)
            }

            async fn replace_deadlines(&self, card_id: i64, deadlines: &[StoredDeadline], journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                Self::put_deadlines(&mut tx, card_id, deadlines).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn due_cards(
                &self,
                scope: CardScope,
                until: DateTime<Utc>,
                page: PageRequest,
            ) -> StoreResult<Page<(Card, DateTime<Utc>)>> {
                let open = state_list(&CardState::ALL.iter().copied().filter(|s| !s.is_closed()).collect::<Vec<_>>());
                // The card's own index (body or executor, then state) drives the query: the
                // deadline index would also reach every closed card's old terms.
                let executor = if scope.executor_id.is_some() { "AND c.executor_id = $3" } else { "AND $3 IS NULL" };
                let filter = format!(
                    "FROM card c CROSS JOIN card_deadline d JOIN body b ON b.id = c.body_id \
                     WHERE c.body_id = $1 {executor} AND c.state IN ({open}) \
                     AND d.card_id = c.id AND d.key = 'answer' AND NOT d.paused AND d.due_at < $2"
                );
                let rows = sqlx::query(&format!(
                    "SELECT c.*, b.code AS body_code, d.due_at AS term_due_at {filter} \
                     ORDER BY d.due_at, c.id LIMIT $4 OFFSET $5"
                ))
                .bind(scope.body_id)
                .bind(micros(until))
                .bind(scope.executor_id)
                .bind(i64::from(page.limit))
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n {filter}"))
                    .bind(scope.body_id)
                    .bind(micros(until))
                    .bind(scope.executor_id)
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows
                    .iter()
                    .map(|r| Ok((card_row(r)?, from_micros(r.try_get("term_due_at")?))))
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn search_cards(
                &self,
                scope: CardScope,
                query: &otinish_domain::search::SearchQuery,
                page: PageRequest,
            ) -> StoreResult<(Vec<Card>, bool)> {
                let executor = if scope.executor_id.is_some() { "AND c.executor_id = $3" } else { "AND $3 IS NULL" };
                let rows = sqlx::query(&format!(
                    "SELECT c.*, b.code AS body_code FROM {} AND c.body_id = $2 {executor} \
                     ORDER BY {} LIMIT $4 OFFSET $5",
                    Self::SEARCH_FROM,
                    Self::SEARCH_ORDER
                ))
                .bind(Self::search_expression(query.terms()))
                .bind(scope.body_id)
                .bind(scope.executor_id)
                .bind(i64::from(page.limit) + 1)
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let mut items: Vec<Card> = rows.iter().map(card_row).collect::<Result<_, _>>().map_err(map_err)?;
                let more = items.len() > page.limit as usize;
                items.truncate(page.limit as usize);
                Ok((items, more))
            }

            async fn import_cards(&self, cards: &[ImportCard], journal: JournalDraft) -> StoreResult<Vec<i64>> {
                if cards.is_empty() {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let ids = Self::reserve_card_ids(&mut tx, cards.len()).await.map_err(map_err)?;
                // Registration numbers: each body and year takes a run of numbers after its last.
                let mut runs: std::collections::BTreeMap<(i64, i32), i64> = std::collections::BTreeMap::new();
                for c in cards {
                    if let (Some(y), Some(_)) = (c.reg_year, c.registered_at) {
                        *runs.entry((c.body_id, y)).or_default() += 1;
                    }
                }
                let mut next_seq: std::collections::BTreeMap<(i64, i32), i64> = std::collections::BTreeMap::new();
                for ((body_id, year), n) in runs {
                    let last: i64 = sqlx::query(
                        "INSERT INTO reg_counter (body_id, year, last_seq) VALUES ($1, $2, $3) \
                         ON CONFLICT (body_id, year) DO UPDATE SET last_seq = reg_counter.last_seq + $3 RETURNING last_seq",
                    )
                    .bind(body_id)
                    .bind(i64::from(year))
                    .bind(n)
                    .fetch_one(&mut *tx)
                    .await
                    .and_then(|r| r.try_get("last_seq"))
                    .map_err(map_err)?;
                    next_seq.insert((body_id, year), last - n + 1);
                }
                let mut numbered = Vec::with_capacity(cards.len());
                for c in cards {
                    let seq = match (c.reg_year, c.registered_at) {
                        (Some(y), Some(_)) => {
                            let next = next_seq.get_mut(&(c.body_id, y)).expect("every numbered year has a run");
                            *next += 1;
                            Some((y, *next - 1))
                        }
                        _ => None,
                    };
                    numbered.push(seq);
                }
                let rows: Vec<(i64, &ImportCard, Option<(i32, i64)>)> =
                    ids.iter().copied().zip(cards.iter()).zip(numbered).map(|((id, c), n)| (id, c, n)).collect();
                for chunk in rows.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO card (id, body_id, channel, kind, state, applicant_id, summary, received_at, \
                         registered_at, reg_year, reg_seq, executor_id, rulebook_id, decision, closed_at, archived_at, collective) ",
                    );
                    q.push_values(chunk, |mut b, (id, c, n)| {
                        b.push_bind(*id)
                            .push_bind(c.body_id)
                            .push_bind(c.channel.as_str())
                            .push_bind(c.kind.as_str())
                            .push_bind(c.state.as_str())
                            .push_bind(c.applicant_id)
                            .push_bind(c.summary.clone())
                            .push_bind(micros(c.received_at))
                            .push_bind(c.registered_at.map(micros))
                            .push_bind(n.map(|(y, _)| i64::from(y)))
                            .push_bind(n.map(|(_, s)| s))
                            .push_bind(c.executor_id)
                            .push_bind(c.rulebook_id.clone())
                            .push_bind(c.decision.clone())
                            .push_bind(c.closed_at.map(micros))
                            .push_bind(c.archived_at.map(micros))
                            .push_bind(c.collective);
                    });
                    q.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                let deadlines: Vec<(i64, &StoredDeadline)> =
                    rows.iter().flat_map(|(id, c, _)| c.deadlines.iter().map(move |d| (*id, d))).collect();
                for chunk in deadlines.chunks(1000) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO card_deadline (card_id, key, rule, rulebook, due_at, due_on, paused, explanation) ",
                    );
                    q.push_values(chunk, |mut b, (id, d)| {
                        b.push_bind(*id)
                            .push_bind(d.key.clone())
                            .push_bind(d.rule.clone())
                            .push_bind(d.rulebook.clone())
                            .push_bind(micros(d.due_at))
                            .push_bind(d.due_on.format("%Y-%m-%d").to_string())
                            .push_bind(d.paused)
                            .push_bind(d.explanation.clone());
                    });
                    q.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                let mut j = journal;
                j.subject = format!("cards:{}-{}", ids[0], ids[ids.len() - 1]);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(ids)
            }
        }

        #[async_trait]
        impl CalendarRepo for $store {
            async fn calendar_edits(&self, jurisdiction: &str) -> StoreResult<Vec<DayEdit>> {
                let rows = sqlx::query("SELECT * FROM calendar_edit WHERE jurisdiction = $1 ORDER BY day")
                    .bind(jurisdiction)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let d: String = r.try_get("day")?;
                        Ok(DayEdit {
                            date: day(&d)?,
                            working: r.try_get("working")?,
                            reason: r.try_get("reason")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn put_calendar_edit(&self, jurisdiction: &str, e: &DayEdit, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO calendar_edit (jurisdiction, day, working, reason) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (jurisdiction, day) DO UPDATE SET working = excluded.working, reason = excluded.reason",
                )
                .bind(jurisdiction)
                .bind(e.date.format("%Y-%m-%d").to_string())
                .bind(e.working)
                .bind(&e.reason)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                Self::journal_in(&mut tx, &journal).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn remove_calendar_edit(&self, jurisdiction: &str, date: chrono::NaiveDate, journal: JournalDraft) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query("DELETE FROM calendar_edit WHERE jurisdiction = $1 AND day = $2")
                    .bind(jurisdiction)
                    .bind(date.format("%Y-%m-%d").to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                Self::journal_in(&mut tx, &journal).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }

            async fn edition_confirmations(&self) -> StoreResult<Vec<EditionConfirmation>> {
                let rows = sqlx::query(
                    "SELECT edition, confirmed_at, confirmed_by FROM edition_confirmation \
                     ORDER BY confirmed_at, edition",
                )
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(EditionConfirmation {
                            edition: r.try_get("edition")?,
                            confirmed_at: from_micros(r.try_get("confirmed_at")?),
                            confirmed_by: r.try_get("confirmed_by")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }

            async fn confirm_edition(&self, c: &EditionConfirmation, journal: JournalDraft) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query(
                    "INSERT INTO edition_confirmation (edition, confirmed_at, confirmed_by) \
                     VALUES ($1, $2, $3) ON CONFLICT (edition) DO NOTHING",
                )
                .bind(&c.edition)
                .bind(micros(c.confirmed_at))
                .bind(&c.confirmed_by)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                let mut j = journal;
                j.subject = format!("edition:{}", c.edition);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }
        }

        #[async_trait]
        impl JournalRepo for $store {
            async fn append(&self, d: JournalDraft) -> StoreResult<JournalEntry> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let e = Self::journal_in(&mut tx, &d).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(e)
            }

            async fn journal_after(&self, after: i64, limit: u32) -> StoreResult<Vec<JournalEntry>> {
                let rows = sqlx::query("SELECT * FROM journal WHERE seq > $1 ORDER BY seq LIMIT $2")
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(journal_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn journal_for(&self, subject: &str) -> StoreResult<Vec<JournalEntry>> {
                let rows = sqlx::query("SELECT * FROM journal WHERE subject = $1 ORDER BY seq")
                    .bind(subject)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(journal_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn journal_head(&self) -> StoreResult<(i64, String)> {
                let row = sqlx::query("SELECT seq, hash FROM journal_head WHERE id = 1")
                    .fetch_one(self.reader())
                    .await
                    .map_err(map_err)?;
                Ok((row.try_get("seq").map_err(map_err)?, row.try_get("hash").map_err(map_err)?))
            }
        }

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

        #[async_trait]
        impl NoticeRepo for $store {
            async fn notices_of_applicant(&self, applicant_id: i64, page: PageRequest) -> StoreResult<Page<Notice>> {
                let rows = sqlx::query(
                    "SELECT * FROM notice WHERE applicant_id = $1 AND NOT hidden_by_applicant ORDER BY id DESC LIMIT $2 OFFSET $3",
                )
                .bind(applicant_id)
                .bind(i64::from(page.limit))
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM notice WHERE applicant_id = $1 AND NOT hidden_by_applicant")
                    .bind(applicant_id)
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(notice_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn notices_of_card(&self, card_id: i64) -> StoreResult<Vec<Notice>> {
                let rows = sqlx::query("SELECT * FROM notice WHERE card_id = $1 ORDER BY id")
                    .bind(card_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(notice_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn claim_notices(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Notice>> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let rows = sqlx::query(&format!(
                    "SELECT id FROM notice WHERE channel NOT IN ('cabinet', 'post') AND \
                     ((status IN ('pending', 'failed') AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until < $1)) \
                     ORDER BY next_attempt_at, id LIMIT $2{}",
                    Self::SKIP_LOCKED
                ))
                .bind(micros(now))
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let id: i64 = r.try_get("id").map_err(map_err)?;
                    let row = sqlx::query("UPDATE notice SET status = 'sending', lease_until = $1 WHERE id = $2 RETURNING *")
                        .bind(micros(lease_until))
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    out.push(notice_row(&row).map_err(map_err)?);
                }
                self.commit(tx).await?;
                Ok(out)
            }

            async fn notice_delivered(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("UPDATE notice SET status = 'delivered', delivered_at = $1, attempts = attempts + 1, lease_until = NULL WHERE id = $2")
                    .bind(micros(at))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn release_notices(&self, ids: &[i64]) -> StoreResult<u64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let mut released = 0;
                for &id in ids {
                    released += sqlx::query(
                        "UPDATE notice SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'failed' END, \
                         lease_until = NULL WHERE id = $1 AND status = 'sending'",
                    )
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                }
                self.commit(tx).await?;
                Ok(released)
            }

            async fn letters_to_post(&self, body_id: i64, page: PageRequest) -> StoreResult<Page<Notice>> {
                const WHERE: &str = "channel = 'post' AND status = 'pending' \
                     AND card_id IN (SELECT id FROM card WHERE body_id = $1)";
                let rows = sqlx::query(&format!(
                    "SELECT * FROM notice WHERE {WHERE} ORDER BY id LIMIT $2 OFFSET $3"
                ))
                .bind(body_id)
                .bind(i64::from(page.limit))
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM notice WHERE {WHERE}"))
                    .bind(body_id)
                    .fetch_one(self.reader())
                    .await
                    .map_err(map_err)?;
                Ok(Page {
                    items: rows.iter().map(notice_row).collect::<Result<_, _>>().map_err(map_err)?,
                    total,
                    request: page,
                })
            }

            async fn notice(&self, id: i64) -> StoreResult<Notice> {
                sqlx::query("SELECT * FROM notice WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(notice_row)
                    .transpose()
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("notice {id}")))
            }

            async fn mark_posted(&self, id: i64, at: DateTime<Utc>, journal: JournalDraft) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let card: Option<i64> = sqlx::query_scalar(
                    "UPDATE notice SET status = 'delivered', delivered_at = $1 \
                     WHERE id = $2 AND channel = 'post' AND status = 'pending' RETURNING card_id",
                )
                .bind(micros(at))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
                let Some(card) = card else {
                    return Ok(false);
                };
                let mut j = journal;
                j.subject = format!("card:{card}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }

            async fn dead_notices(&self, page: PageRequest) -> StoreResult<Page<Notice>> {
                self.paged("notice", "status = 'dead' AND dismissed_at IS NULL", "id DESC", page, notice_row).await
            }

            async fn retry_notice(&self, id: i64, now: DateTime<Utc>, journal: JournalDraft) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query(
                    "UPDATE notice SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_until = NULL \
                     WHERE id = $2 AND status = 'dead' AND dismissed_at IS NULL",
                )
                .bind(micros(now))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                let mut j = journal;
                j.subject = format!("notice:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }

            async fn dismiss_notice(&self, id: i64, now: DateTime<Utc>, journal: JournalDraft) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query(
                    "UPDATE notice SET dismissed_at = $1 WHERE id = $2 AND status = 'dead' AND dismissed_at IS NULL",
                )
                .bind(micros(now))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                let mut j = journal;
                j.subject = format!("notice:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }

            async fn notice_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query(
                    "UPDATE notice SET status = $1, attempts = attempts + 1, last_error = $2, \
                     next_attempt_at = COALESCE($3, next_attempt_at), lease_until = NULL WHERE id = $4",
                )
                .bind(if retry_at.is_some() { "failed" } else { "dead" })
                .bind(error)
                .bind(retry_at.map(micros))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                self.commit(tx).await
            }
        }

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

        #[async_trait]
        impl DeploymentRepo for $store {
            async fn deployment(&self) -> StoreResult<Option<Deployment>> {
                let row = sqlx::query("SELECT * FROM deployment WHERE id = 1")
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?;
                row.map(|r| -> Result<Deployment, sqlx::Error> {
                    Ok(Deployment {
                        name: names(&r, "name")?,
                        bin: r.try_get("bin")?,
                        demo: r.try_get("demo")?,
                        created_at: from_micros(r.try_get("created_at")?),
                    })
                })
                .transpose()
                .map_err(map_err)
            }

            async fn init_deployment(
                &self,
                d: &Deployment,
                admin: &NewStaff,
                admin_iin: &otinish_domain::ids::Iin,
                journal: JournalDraft,
            ) -> StoreResult<StaffUser> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let held: i64 = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM deployment) + (SELECT COUNT(*) FROM staff) \
                     + (SELECT COUNT(*) FROM body) AS n",
                )
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("n"))
                .map_err(map_err)?;
                if held > 0 {
                    return Err(StoreError::Conflict("the database is not empty".into()));
                }
                sqlx::query(
                    "INSERT INTO deployment (id, name_kk, name_ru, name_en, bin, demo, created_at) \
                     VALUES (1, $1, $2, $3, $4, $5, $6)",
                )
                .bind(&d.name.kk)
                .bind(&d.name.ru)
                .bind(&d.name.en)
                .bind(&d.bin)
                .bind(d.demo)
                .bind(micros(d.created_at))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                let user = Self::insert_staff(&mut tx, admin, Some(admin_iin.as_str())).await?;
                let mut j = journal.clone();
                j.subject = "deployment".into();
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("staff:{}", user.id);
                j.action = "create_staff".into();
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(user)
            }

            async fn mark_demo(&self, d: &Deployment, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query(
                    "INSERT INTO deployment (id, name_kk, name_ru, name_en, bin, demo, created_at) \
                     VALUES (1, $1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&d.name.kk)
                .bind(&d.name.ru)
                .bind(&d.name.en)
                .bind(&d.bin)
                .bind(true)
                .bind(micros(d.created_at))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if done.rows_affected() > 0 {
                    let mut j = journal;
                    j.subject = "deployment".into();
                    Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                }
                self.commit(tx).await
            }
        }

        #[async_trait]
        impl AnnouncementRepo for $store {
            async fn add_announcement(&self, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, text: &Names, journal: JournalDraft) -> StoreResult<i64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let id: i64 = sqlx::query(
                    "INSERT INTO announcement (starts_at, ends_at, text_kk, text_ru, text_en) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(micros(starts_at))
                .bind(micros(ends_at))
                .bind(&text.kk)
                .bind(&text.ru)
                .bind(&text.en)
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("id"))
                .map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("announcement:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(id)
            }

            async fn end_announcement(&self, id: i64, at: DateTime<Utc>, journal: JournalDraft) -> StoreResult<bool> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                // One not yet begun ends before it begins: its window closes, empty.
                let done = sqlx::query(
                    "UPDATE announcement SET starts_at = CASE WHEN starts_at < $1 THEN starts_at ELSE $1 - 1 END, \
                     ends_at = $1 WHERE id = $2 AND ends_at > $1",
                )
                    .bind(micros(at))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                let mut j = journal;
                j.subject = format!("announcement:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(true)
            }

            async fn current_announcements(&self, now: DateTime<Utc>, ahead: chrono::Duration) -> StoreResult<Vec<Announcement>> {
                let rows = sqlx::query("SELECT * FROM announcement WHERE ends_at > $1 AND starts_at <= $2 ORDER BY starts_at, id LIMIT 10")
                    .bind(micros(now))
                    .bind(micros(now + ahead))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(Announcement {
                            id: r.try_get("id")?,
                            starts_at: from_micros(r.try_get("starts_at")?),
                            ends_at: from_micros(r.try_get("ends_at")?),
                            text: names(r, "text")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }
        }

        fn schedule_row(r: &DbRow) -> Result<Schedule, sqlx::Error> {
            use otinish_domain::vks::{Quarter, ScheduleState};
            let year: i64 = r.try_get("year")?;
            let q: i64 = r.try_get("quarter")?;
            let state: String = r.try_get("state")?;
            let opt = |name: &str| -> Result<Option<DateTime<Utc>>, sqlx::Error> {
                Ok(r.try_get::<Option<i64>, _>(name)?.map(from_micros))
            };
            let due: Option<String> = r.try_get("due_on")?;
            Ok(Schedule {
                id: r.try_get("id")?,
                body_id: r.try_get("body_id")?,
                quarter: Quarter::new(i32::try_from(year).unwrap_or_default(), u8::try_from(q).unwrap_or_default())
                    .ok_or_else(|| decode_err("quarter", &format!("{year}-{q}")))?,
                state: ScheduleState::parse(&state).ok_or_else(|| decode_err("schedule state", &state))?,
                drafted_by: r.try_get("drafted_by")?,
                approved_by: r.try_get("approved_by")?,
                approved_at: opt("approved_at")?,
                sent_at: opt("sent_at")?,
                agreed_by: r.try_get("agreed_by")?,
                published_at: opt("published_at")?,
                due_on: due.as_deref().map(day).transpose()?,
            })
        }

        fn slot_row(r: &DbRow) -> Result<Slot, sqlx::Error> {
            let starts: String = r.try_get("starts")?;
            let minutes: i64 = r.try_get("minutes")?;
            let booked: i64 = r.try_get("booked")?;
            Ok(Slot {
                id: r.try_get("id")?,
                schedule_id: r.try_get("schedule_id")?,
                official_id: r.try_get("official_id")?,
                starts: chrono::NaiveDateTime::parse_from_str(&starts, "%Y-%m-%dT%H:%M")
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                minutes: u32::try_from(minutes).unwrap_or_default(),
                vks: r.try_get("vks")?,
                booked: booked > 0,
            })
        }

        const BOOKING_SELECT: &str = "SELECT k.* FROM vks_booking k";

        fn timetable_row(r: &DbRow) -> Result<Timetable, sqlx::Error> {
            let month: String = r.try_get("month")?;
            let opt_day = |name: &str| -> Result<Option<chrono::NaiveDate>, sqlx::Error> {
                r.try_get::<Option<String>, _>(name)?.as_deref().map(day).transpose()
            };
            Ok(Timetable {
                id: r.try_get("id")?,
                body_id: r.try_get("body_id")?,
                month: day(&format!("{month}-01"))?,
                due_on: opt_day("due_on")?,
                sent_at: from_micros(r.try_get("sent_at")?),
                sent_by: r.try_get("sent_by")?,
                publish_due_on: opt_day("publish_due_on")?,
                published_at: r.try_get::<Option<i64>, _>("published_at")?.map(from_micros),
                published_by: r.try_get("published_by")?,
                entries: r.try_get("entries")?,
            })
        }

        impl $store {
            async fn booking_of_row(&self, r: &DbRow) -> StoreResult<Booking> {
                use otinish_domain::reception::ReceptionState;
                let get = || -> Result<_, sqlx::Error> {
                    let state: String = r.try_get("state")?;
                    let arrived: Option<String> = r.try_get("arrived_at")?;
                    Ok((
                        r.try_get::<i64, _>("card_id")?,
                        r.try_get::<i64, _>("slot_id")?,
                        ReceptionState::parse(&state).ok_or_else(|| decode_err("reception state", &state))?,
                        arrived
                            .as_deref()
                            .map(|a| chrono::NaiveDateTime::parse_from_str(a, "%Y-%m-%dT%H:%M:%S"))
                            .transpose()
                            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                    ))
                };
                let (card_id, slot_id, state, arrived_at) = get().map_err(map_err)?;
                let field = |e: sqlx::Error| map_err(e);
                Ok(Booking {
                    id: r.try_get("id").map_err(field)?,
                    card: self.card(card_id).await?,
                    slot: self.slot(slot_id).await?,
                    branch_id: r.try_get("branch_id").map_err(field)?,
                    applicant_id: r.try_get("applicant_id").map_err(field)?,
                    state,
                    form: r.try_get("form").map_err(field)?,
                    decided_at: r.try_get::<Option<i64>, _>("decided_at").map_err(field)?.map(from_micros),
                    room: r.try_get("room").map_err(field)?,
                    equipment_checked_at: r
                        .try_get::<Option<i64>, _>("equipment_checked_at")
                        .map_err(field)?
                        .map(from_micros),
                    equipment_ok: r.try_get("equipment_ok").map_err(field)?,
                    equipment_note: r.try_get("equipment_note").map_err(field)?,
                    arrived_at,
                    id_document: r.try_get("id_document").map_err(field)?,
                    record: r.try_get("record").map_err(field)?,
                })
            }

            async fn bookings_of_rows(&self, rows: &[DbRow]) -> StoreResult<Vec<Booking>> {
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(self.booking_of_row(r).await?);
                }
                Ok(out)
            }

            async fn insert_messages(
                tx: &mut Tx<'_>,
                booking_id: Option<i64>,
                messages: &[NewVksMessage],
                now: DateTime<Utc>,
            ) -> Result<(), sqlx::Error> {
                for m in messages {
                    sqlx::query(
                        "INSERT INTO vks_message (branch_id, booking_id, kind, text, created_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(m.branch_id)
                    .bind(booking_id)
                    .bind(&m.kind)
                    .bind(&m.text)
                    .bind(micros(now))
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }
        }

        const SLOT_SELECT: &str = "SELECT s.*, (SELECT COUNT(*) FROM vks_booking k WHERE k.slot_id = s.id AND NOT k.cancelled) AS booked \
             FROM reception_slot s";

        #[async_trait]
        impl VksRepo for $store {
            async fn create_schedule(
                &self,
                body_id: i64,
                quarter: otinish_domain::vks::Quarter,
                drafted_by: i64,
                due_on: Option<chrono::NaiveDate>,
                journal: JournalDraft,
            ) -> StoreResult<Schedule> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let id: i64 = sqlx::query(
                    "INSERT INTO reception_schedule (body_id, year, quarter, state, drafted_by, due_on) \
                     VALUES ($1, $2, $3, 'draft', $4, $5) RETURNING id",
                )
                .bind(body_id)
                .bind(i64::from(quarter.year))
                .bind(i64::from(quarter.number))
                .bind(drafted_by)
                .bind(due_on.map(|d| d.format("%Y-%m-%d").to_string()))
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("id"))
                .map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("schedule:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                let row = sqlx::query("SELECT * FROM reception_schedule WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let schedule = schedule_row(&row).map_err(map_err)?;
                self.commit(tx).await?;
                Ok(schedule)
            }

            async fn schedule(&self, id: i64) -> StoreResult<Schedule> {
                let row = sqlx::query("SELECT * FROM reception_schedule WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("schedule {id}")))?;
                schedule_row(&row).map_err(map_err)
            }

            async fn schedules_of_body(&self, body_id: i64) -> StoreResult<Vec<Schedule>> {
                let rows = sqlx::query("SELECT * FROM reception_schedule WHERE body_id = $1 ORDER BY year DESC, quarter DESC")
                    .bind(body_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(schedule_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn schedules_in_state(&self, state: otinish_domain::vks::ScheduleState) -> StoreResult<Vec<Schedule>> {
                let rows = sqlx::query("SELECT * FROM reception_schedule WHERE state = $1 ORDER BY year, quarter, body_id LIMIT 500")
                    .bind(state.as_str())
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(schedule_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn replace_slots(
                &self,
                schedule_id: i64,
                expect: otinish_domain::vks::ScheduleState,
                slots: &[otinish_domain::vks::SlotDraft],
                journal: JournalDraft,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                Self::schedule_state_check(&mut tx, schedule_id, expect).await?;
                sqlx::query("DELETE FROM reception_slot WHERE schedule_id = $1")
                    .bind(schedule_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                for chunk in slots.chunks(500) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO reception_slot (schedule_id, official_id, starts, minutes, vks) ",
                    );
                    q.push_values(chunk, |mut b, s| {
                        b.push_bind(schedule_id)
                            .push_bind(s.official_id)
                            .push_bind(s.starts.format("%Y-%m-%dT%H:%M").to_string())
                            .push_bind(i64::from(s.minutes))
                            .push_bind(s.vks);
                    });
                    q.build().execute(&mut *tx).await.map_err(map_err)?;
                }
                let mut j = journal;
                j.subject = format!("schedule:{schedule_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn slots(&self, schedule_id: i64) -> StoreResult<Vec<Slot>> {
                let rows = sqlx::query(&format!("{SLOT_SELECT} WHERE s.schedule_id = $1 ORDER BY s.starts, s.official_id"))
                    .bind(schedule_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(slot_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn slot(&self, id: i64) -> StoreResult<Slot> {
                let row = sqlx::query(&format!("{SLOT_SELECT} WHERE s.id = $1"))
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("slot {id}")))?;
                slot_row(&row).map_err(map_err)
            }

            async fn move_schedule(
                &self,
                schedule_id: i64,
                from: otinish_domain::vks::ScheduleState,
                to: otinish_domain::vks::ScheduleState,
                step: &ScheduleStep,
                journal: JournalDraft,
            ) -> StoreResult<()> {
                use otinish_domain::vks::ScheduleState as S;
                let mut tx = self.begin_write().await.map_err(map_err)?;
                Self::schedule_state_check(&mut tx, schedule_id, from).await?;
                let q = match to {
                    S::Approved => sqlx::query("UPDATE reception_schedule SET state = $1, approved_by = $2, approved_at = $3 WHERE id = $4")
                        .bind(to.as_str())
                        .bind(step.by)
                        .bind(micros(step.at)),
                    // Agreement is the authorized body's receipt of the schedule (VC-06).
                    S::Agreed => sqlx::query("UPDATE reception_schedule SET state = $1, agreed_by = $2, sent_at = $3 WHERE id = $4")
                        .bind(to.as_str())
                        .bind(step.by)
                        .bind(micros(step.at)),
                    S::Published => sqlx::query("UPDATE reception_schedule SET state = $1, published_at = $2 WHERE id = $3")
                        .bind(to.as_str())
                        .bind(micros(step.at)),
                    // Returned with remarks: the approvals are withdrawn.
                    S::Draft => sqlx::query(
                        "UPDATE reception_schedule SET state = $1, approved_by = NULL, approved_at = NULL, \
                         agreed_by = NULL, sent_at = NULL WHERE id = $2",
                    )
                    .bind(to.as_str()),
                };
                q.bind(schedule_id).execute(&mut *tx).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("schedule:{schedule_id}");
                j.from_state = Some(from.as_str().to_owned());
                j.to_state = Some(to.as_str().to_owned());
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn bookings_of_applicant(&self, applicant_id: i64) -> StoreResult<Vec<Booking>> {
                let rows = sqlx::query(&format!("{BOOKING_SELECT} WHERE k.applicant_id = $1 ORDER BY k.id DESC LIMIT 200"))
                    .bind(applicant_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                self.bookings_of_rows(&rows).await
            }

            async fn booking_of_card(&self, card_id: i64) -> StoreResult<Booking> {
                let row = sqlx::query(&format!("{BOOKING_SELECT} WHERE k.card_id = $1 ORDER BY k.id DESC LIMIT 1"))
                    .bind(card_id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("booking of card {card_id}")))?;
                self.booking_of_row(&row).await
            }

            async fn booking(&self, id: i64) -> StoreResult<Booking> {
                let row = sqlx::query(&format!("{BOOKING_SELECT} WHERE k.id = $1"))
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("booking {id}")))?;
                self.booking_of_row(&row).await
            }

            async fn book_slot(&self, b: &NewBooking, journal: JournalDraft) -> StoreResult<i64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let (card_id, fresh) = Self::submit_in(&mut tx, &b.appeal, &journal, None).await?;
                if !fresh {
                    // The same signed request again: the first booking stands.
                    return Ok(card_id);
                }
                let applicant_id: i64 = sqlx::query("SELECT applicant_id FROM appeal WHERE card_id = $1")
                    .bind(card_id)
                    .fetch_one(&mut *tx)
                    .await
                    .and_then(|r| r.try_get("applicant_id"))
                    .map_err(map_err)?;
                // The partial unique index refuses a second live booking of the slot; on
                // PostgreSQL a simultaneous one waits for this transaction and then fails.
                sqlx::query(
                    "INSERT INTO vks_booking (slot_id, card_id, applicant_id, branch_id, form, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(b.slot_id)
                .bind(card_id)
                .bind(applicant_id)
                .bind(b.branch_id)
                .bind(&b.form)
                .bind(micros(b.appeal.card.received_at))
                .execute(&mut *tx)
                .await
                .map_err(|e| match map_err(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(format!("slot {} is booked", b.slot_id)),
                    other => other,
                })?;
                self.commit(tx).await?;
                Ok(card_id)
            }

            async fn update_reception(
                &self,
                id: i64,
                from: otinish_domain::reception::ReceptionState,
                to: otinish_domain::reception::ReceptionState,
                u: &ReceptionUpdate,
                card: Option<&CardMove>,
                notices: &[NewNotice],
                messages: &[NewVksMessage],
                journal: JournalDraft,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let row = sqlx::query("SELECT state, card_id FROM vks_booking WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("booking {id}")))?;
                let state: String = row.try_get("state").map_err(map_err)?;
                let card_id: i64 = row.try_get("card_id").map_err(map_err)?;
                if state != from.as_str() {
                    return Err(StoreError::Stale(format!("reception {id} is `{state}`, not `{from}`")));
                }
                sqlx::query(
                    "UPDATE vks_booking SET state = $1, slot_id = COALESCE($2, slot_id), decided_at = COALESCE($3, decided_at), \
                     room = COALESCE($4, room), equipment_checked_at = COALESCE($5, equipment_checked_at), \
                     equipment_ok = COALESCE($6, equipment_ok), equipment_note = COALESCE($7, equipment_note), \
                     arrived_at = COALESCE($8, arrived_at), id_document = COALESCE($9, id_document), \
                     record = COALESCE($10, record), cancelled = $11 WHERE id = $12",
                )
                .bind(to.as_str())
                .bind(u.slot_id)
                .bind(u.decided_at.map(micros))
                .bind(&u.room)
                .bind(u.equipment_checked_at.map(micros))
                .bind(u.equipment_ok)
                .bind(&u.equipment_note)
                .bind(u.arrived_at.map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string()))
                .bind(&u.id_document)
                .bind(&u.record)
                .bind(!to.holds_slot())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(|e| match map_err(e) {
                    StoreError::Conflict(_) => StoreError::Conflict("the new time is booked".into()),
                    other => other,
                })?;
                Self::card_moves_in(&mut tx, card_id, card.map(std::slice::from_ref).unwrap_or_default(), journal.at).await?;
                Self::insert_notices(&mut tx, notices, journal.at).await.map_err(map_err)?;
                Self::insert_messages(&mut tx, Some(id), messages, journal.at).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                j.from_state = Some(format!("reception:{from}"));
                j.to_state = Some(format!("reception:{to}"));
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn receptions(&self, f: &ReceptionFilter) -> StoreResult<Vec<Booking>> {
                let states = if f.states.is_empty() {
                    otinish_domain::reception::ReceptionState::ALL.to_vec()
                } else {
                    f.states.clone()
                };
                let list = states.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ");
                let rows = sqlx::query(&format!(
                    "{BOOKING_SELECT} JOIN reception_slot rs ON rs.id = k.slot_id JOIN card c ON c.id = k.card_id \
                     WHERE rs.starts >= $1 AND rs.starts < $2 AND k.state IN ({list}) \
                     AND ($3 IS NULL OR c.body_id = $3) AND ($4 IS NULL OR k.branch_id = $4) \
                     ORDER BY rs.starts, k.id LIMIT $5"
                ))
                .bind(f.from.format("%Y-%m-%dT%H:%M").to_string())
                .bind(f.to.format("%Y-%m-%dT%H:%M").to_string())
                .bind(f.body_id)
                .bind(f.branch_id)
                .bind(RECEPTIONS_MAX)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                self.bookings_of_rows(&rows).await
            }

            async fn send_timetable(
                &self,
                t: &NewTimetable,
                messages: &[NewVksMessage],
                journal: JournalDraft,
            ) -> StoreResult<i64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let id: i64 = sqlx::query(
                    "INSERT INTO vks_timetable (body_id, month, due_on, sent_at, sent_by, publish_due_on, entries) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(t.body_id)
                .bind(t.month.format("%Y-%m").to_string())
                .bind(t.due_on.map(|d| d.format("%Y-%m-%d").to_string()))
                .bind(micros(t.sent_at))
                .bind(t.sent_by)
                .bind(t.publish_due_on.map(|d| d.format("%Y-%m-%d").to_string()))
                .bind(&t.entries)
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("id"))
                .map_err(map_err)?;
                Self::insert_messages(&mut tx, None, messages, journal.at).await.map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("timetable:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(id)
            }

            async fn timetable(&self, id: i64) -> StoreResult<Timetable> {
                let row = sqlx::query("SELECT * FROM vks_timetable WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("timetable {id}")))?;
                timetable_row(&row).map_err(map_err)
            }

            async fn timetables(&self, body_id: Option<i64>) -> StoreResult<Vec<Timetable>> {
                let rows = sqlx::query(
                    "SELECT * FROM vks_timetable WHERE ($1 IS NULL OR body_id = $1) ORDER BY month DESC, id DESC LIMIT 200",
                )
                .bind(body_id)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(timetable_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn publish_timetable(
                &self,
                id: i64,
                by: i64,
                at: DateTime<Utc>,
                journal: JournalDraft,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let n = sqlx::query(
                    "UPDATE vks_timetable SET published_at = $1, published_by = $2 WHERE id = $3 AND published_at IS NULL",
                )
                .bind(micros(at))
                .bind(by)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected();
                if n == 0 {
                    return Err(StoreError::Stale(format!("timetable {id} is published or unknown")));
                }
                let mut j = journal;
                j.subject = format!("timetable:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn vks_messages(&self, branch_id: Option<i64>) -> StoreResult<Vec<VksMessage>> {
                let rows = sqlx::query(
                    "SELECT * FROM vks_message WHERE (branch_id = $1 OR ($1 IS NULL AND branch_id IS NULL)) ORDER BY id DESC LIMIT 200",
                )
                .bind(branch_id)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        Ok(VksMessage {
                            id: r.try_get("id")?,
                            branch_id: r.try_get("branch_id")?,
                            booking_id: r.try_get("booking_id")?,
                            kind: r.try_get("kind")?,
                            text: r.try_get("text")?,
                            created_at: from_micros(r.try_get("created_at")?),
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(map_err)
            }
        }

        fn va_entry_row(r: &DbRow, cards: Vec<i64>) -> Result<VaEntry, sqlx::Error> {
            Ok(VaEntry {
                id: r.try_get("id")?,
                branch_id: r.try_get("branch_id")?,
                staff_id: r.try_get("staff_id")?,
                document_kind: r.try_get("document_kind")?,
                document_number: r.try_get("document_number")?,
                iin: r.try_get("iin")?,
                full_name: r.try_get("full_name")?,
                created_at: from_micros(r.try_get("created_at")?),
                cards,
            })
        }

        fn video_row(r: &DbRow) -> Result<VideoAppeal, sqlx::Error> {
            Ok(VideoAppeal {
                card_id: r.try_get("card_id")?,
                journal_id: r.try_get("journal_id")?,
                branch_id: r.try_get("branch_id")?,
                recording_key: r.try_get("recording_key")?,
                recording_sha256: r.try_get("recording_sha256")?,
                recording_bytes: r.try_get("recording_bytes")?,
                duration_ms: r.try_get("duration_ms")?,
                details: r.try_get("details")?,
            })
        }

        impl $store {
            async fn va_entry_of(&self, r: &DbRow) -> StoreResult<VaEntry> {
                let id: i64 = r.try_get("id").map_err(map_err)?;
                let cards: Vec<(i64,)> = sqlx::query_as("SELECT card_id FROM video_appeal WHERE journal_id = $1 ORDER BY card_id")
                    .bind(id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                va_entry_row(r, cards.into_iter().map(|(c,)| c).collect()).map_err(map_err)
            }
        }

        #[async_trait]
        impl VideoRepo for $store {
            async fn add_va_entry(&self, e: &NewVaEntry, journal: JournalDraft) -> StoreResult<i64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let id: i64 = sqlx::query(
                    "INSERT INTO va_journal (branch_id, staff_id, document_kind, document_number, iin, full_name, created_at, session_hash, search) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(e.branch_id)
                .bind(e.staff_id)
                .bind(&e.document_kind)
                .bind(&e.document_number)
                .bind(&e.iin)
                .bind(&e.full_name)
                .bind(micros(e.created_at))
                .bind(&e.session_hash)
                .bind(format!("{} {} {}", e.full_name, e.iin, e.document_number).to_lowercase())
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("id"))
                .map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("va_journal:{id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await?;
                Ok(id)
            }

            async fn va_entry(&self, id: i64) -> StoreResult<VaEntry> {
                let row = sqlx::query("SELECT * FROM va_journal WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("journal entry {id}")))?;
                self.va_entry_of(&row).await
            }

            async fn va_entry_by_session(&self, session_hash: &str) -> StoreResult<VaEntry> {
                let row = sqlx::query("SELECT * FROM va_journal WHERE session_hash = $1")
                    .bind(session_hash)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("booth session".into()))?;
                self.va_entry_of(&row).await
            }

            async fn va_journal(
                &self,
                branch_id: Option<i64>,
                query: Option<&str>,
                page: PageRequest,
            ) -> StoreResult<Page<VaEntry>> {
                let like = query
                    .map(str::trim)
                    .filter(|q| !q.is_empty())
                    .map(|q| format!("%{}%", q.to_lowercase().replace('%', "").replace('_', "")));
                let filter = "($1 IS NULL OR branch_id = $1) AND ($2 IS NULL OR search LIKE $2)";
                let rows = sqlx::query(&format!(
                    "SELECT * FROM va_journal WHERE {filter} ORDER BY id DESC LIMIT $3 OFFSET $4"
                ))
                .bind(branch_id)
                .bind(&like)
                .bind(i64::from(page.limit))
                .bind(i64::from(page.offset))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM va_journal WHERE {filter}"))
                    .bind(branch_id)
                    .bind(&like)
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let mut items = Vec::with_capacity(rows.len());
                for r in &rows {
                    items.push(self.va_entry_of(r).await?);
                }
                Ok(Page { items, total, request: page })
            }

            async fn submit_video_appeal(&self, v: &NewVideoAppeal, journal: JournalDraft) -> StoreResult<(i64, bool)> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let (card_id, fresh) = Self::submit_in(&mut tx, &v.appeal, &journal, None).await?;
                if !fresh {
                    return Ok((card_id, false));
                }
                sqlx::query(
                    "INSERT INTO video_appeal (card_id, journal_id, branch_id, recording_key, recording_sha256, \
                     recording_bytes, duration_ms, code_hash, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(card_id)
                .bind(v.journal_id)
                .bind(v.branch_id)
                .bind(&v.recording_key)
                .bind(&v.recording_sha256)
                .bind(v.recording_bytes)
                .bind(v.duration_ms)
                .bind(&v.code_hash)
                .bind(&v.details)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                self.commit(tx).await?;
                Ok((card_id, true))
            }

            async fn video_appeal(&self, card_id: i64) -> StoreResult<VideoAppeal> {
                sqlx::query("SELECT * FROM video_appeal WHERE card_id = $1")
                    .bind(card_id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(video_row)
                    .transpose()
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("video appeal {card_id}")))
            }

            async fn video_appeal_by_code(&self, code_hash: &str) -> StoreResult<VideoAppeal> {
                sqlx::query("SELECT * FROM video_appeal WHERE code_hash = $1")
                    .bind(code_hash)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .as_ref()
                    .map(video_row)
                    .transpose()
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("video appeal by code".into()))
            }

            async fn transfer_video_appeal(&self, from_card_id: i64, to_card_id: i64, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query("UPDATE video_appeal SET card_id = $1 WHERE card_id = $2")
                    .bind(to_card_id)
                    .bind(from_card_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("video appeal {from_card_id}")));
                }
                let mut j = journal;
                j.subject = format!("card:{to_card_id}");
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                self.commit(tx).await
            }

            async fn note_failed_attempt(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                // The table of VA-13's look-ups holds every kind of failed attempt, by key.
                sqlx::query("INSERT INTO va_lookup_failure (client, at) VALUES ($1, $2)")
                    .bind(key)
                    .bind(micros(at))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                self.commit(tx).await
            }

            async fn failed_attempts(&self, key: &str, since: DateTime<Utc>) -> StoreResult<i64> {
                sqlx::query("SELECT COUNT(*) AS n FROM va_lookup_failure WHERE client = $1 AND at >= $2")
                    .bind(key)
                    .bind(micros(since))
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)
            }
        }
    };
}
