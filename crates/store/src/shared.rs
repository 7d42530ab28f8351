//! The repository implementations, written once and instantiated for each backend.
//!
//! A backend type provides `reader()` (a pool for reads) and `begin_write()` (a transaction
//! that holds the write lock from its first statement), and this macro implements every
//! repository trait on it with the same SQL.

macro_rules! impl_repos {
    ($store:ty, $db:ty) => {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use otinish_domain::calendar::DayEdit;
        use otinish_domain::deadline::TermEvent;
        use otinish_domain::journal::{entry_hash, JournalDraft, JournalEntry};
        use otinish_domain::lang::{Lang, Names};
        use otinish_domain::model::*;
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
            })
        }

        fn staff_row(r: &DbRow) -> Result<StaffUser, sqlx::Error> {
            let roles: String = r.try_get("roles")?;
            let lang: String = r.try_get("lang")?;
            Ok(StaffUser {
                id: r.try_get("id")?,
                login: r.try_get("login")?,
                full_name: r.try_get("full_name")?,
                email: r.try_get("email")?,
                body_id: r.try_get("body_id")?,
                branch_id: r.try_get("branch_id")?,
                roles: roles.split(',').filter_map(Role::parse).collect(),
                active: r.try_get("active")?,
                lang: Lang::parse(&lang).unwrap_or_default(),
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

        const CARD_SELECT: &str = "SELECT c.*, b.code AS body_code FROM card c JOIN body b ON b.id = c.body_id";

        impl $store {
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
                for d in ds {
                    sqlx::query(
                        "INSERT INTO card_deadline (card_id, key, rule, rulebook, due_at, due_on, paused, explanation) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(card_id)
                    .bind(&d.key)
                    .bind(&d.rule)
                    .bind(&d.rulebook)
                    .bind(micros(d.due_at))
                    .bind(d.due_on.format("%Y-%m-%d").to_string())
                    .bind(d.paused)
                    .bind(&d.explanation)
                    .execute(&mut **tx)
                    .await?;
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
                    "INSERT INTO body (code, name_kk, name_ru, name_en, parent_id, competence, vks_connected, \
                     video_appeal_connected, phone, email, address_kk, address_ru, address_en, website, time_zone) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING *",
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
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let body = body_row(&row).map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("body:{}", body.id);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(body)
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

            async fn bodies(&self, page: PageRequest) -> StoreResult<Page<Body>> {
                let rows = sqlx::query("SELECT * FROM body ORDER BY name_ru, id LIMIT $1 OFFSET $2")
                    .bind(i64::from(page.limit))
                    .bind(i64::from(page.offset))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM body")
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(body_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
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
                tx.commit().await.map_err(map_err)?;
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
                tx.commit().await.map_err(map_err)
            }
        }

        #[async_trait]
        impl BranchRepo for $store {
            async fn create_branch(&self, b: &NewBranch) -> StoreResult<Branch> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
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
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let branch = branch_row(&row).map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(branch)
            }

            async fn branches(&self, page: PageRequest) -> StoreResult<Page<Branch>> {
                let rows = sqlx::query("SELECT * FROM branch ORDER BY region_ru, name_ru, id LIMIT $1 OFFSET $2")
                    .bind(i64::from(page.limit))
                    .bind(i64::from(page.offset))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM branch")
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(branch_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }
        }

        #[async_trait]
        impl StaffRepo for $store {
            async fn create_staff(&self, s: &NewStaff, journal: JournalDraft) -> StoreResult<StaffUser> {
                let roles: Vec<&str> = s.roles.iter().map(|r| r.as_str()).collect();
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let row = sqlx::query(
                    "INSERT INTO staff (login, full_name, email, body_id, branch_id, roles, password_hash, active, lang) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
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
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let user = staff_row(&row).map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("staff:{}", user.id);
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(user)
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
                    "INSERT INTO staff_session (token_hash, staff_id, csrf_token, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&s.token_hash)
                .bind(s.staff_id)
                .bind(&s.csrf_token)
                .bind(micros(s.created_at))
                .bind(micros(s.expires_at))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }

            async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<SessionRecord> {
                let row = sqlx::query("SELECT * FROM staff_session WHERE token_hash = $1 AND expires_at > $2")
                    .bind(token_hash)
                    .bind(micros(now))
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("session".into()))?;
                Ok(SessionRecord {
                    token_hash: row.try_get("token_hash").map_err(map_err)?,
                    staff_id: row.try_get("staff_id").map_err(map_err)?,
                    csrf_token: row.try_get("csrf_token").map_err(map_err)?,
                    created_at: from_micros(row.try_get("created_at").map_err(map_err)?),
                    expires_at: from_micros(row.try_get("expires_at").map_err(map_err)?),
                })
            }

            async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                sqlx::query("DELETE FROM staff_session WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }

            async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let n = sqlx::query("DELETE FROM staff_session WHERE expires_at <= $1")
                    .bind(micros(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                tx.commit().await.map_err(map_err)?;
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
                tx.commit().await.map_err(map_err)?;
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
                let row = sqlx::query(
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
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let id: i64 = row.try_get("id").map_err(map_err)?;
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
                tx.commit().await.map_err(map_err)?;
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
                deadlines: &[StoredDeadline],
                journal: JournalDraft,
            ) -> StoreResult<RegNumber> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                Self::card_state_check(&mut tx, card_id, from).await?;
                let row = sqlx::query("SELECT c.body_id, b.code FROM card c JOIN body b ON b.id = c.body_id WHERE c.id = $1")
                    .bind(card_id)
                    .fetch_one(&mut *tx)
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
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("last_seq"))
                .map_err(map_err)?;
                sqlx::query(
                    "UPDATE card SET state = $1, registered_at = $2, reg_year = $3, reg_seq = $4 WHERE id = $5",
                )
                .bind(CardState::Registered.as_str())
                .bind(micros(registered_at))
                .bind(i64::from(year))
                .bind(seq)
                .bind(card_id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                Self::put_deadlines(&mut tx, card_id, deadlines).await.map_err(map_err)?;
                let number = RegNumber { body_code, year, seq };
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                j.from_state = Some(from.as_str().into());
                j.to_state = Some(CardState::Registered.as_str().into());
                if j.details == "{}" {
                    j.details = format!("{{\"reg_number\":\"{number}\"}}");
                }
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(number)
            }

            async fn transition_card(&self, card_id: i64, from: CardState, to: CardState, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                Self::card_state_check(&mut tx, card_id, from).await?;
                sqlx::query("UPDATE card SET state = $1 WHERE id = $2")
                    .bind(to.as_str())
                    .bind(card_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let mut j = journal;
                j.subject = format!("card:{card_id}");
                j.from_state = Some(from.as_str().into());
                j.to_state = Some(to.as_str().into());
                Self::journal_in(&mut tx, &j).await.map_err(map_err)?;
                tx.commit().await.map_err(map_err)
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
                tx.commit().await.map_err(map_err)
            }

            async fn deadlines(&self, card_id: i64) -> StoreResult<Vec<StoredDeadline>> {
                let rows = sqlx::query("SELECT * FROM card_deadline WHERE card_id = $1 ORDER BY due_at, key")
                    .bind(card_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(deadline_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn open_cases(&self, after_id: i64, limit: u32) -> StoreResult<Vec<OpenCase>> {
                let closed: Vec<&str> = CardState::ALL.iter().filter(|s| s.is_closed()).map(|s| s.as_str()).collect();
                let list = closed.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(",");
                let rows = sqlx::query(&format!(
                    "{CARD_SELECT} WHERE c.id > $1 AND c.state NOT IN ({list}) ORDER BY c.id LIMIT $2"
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
                tx.commit().await.map_err(map_err)
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
                tx.commit().await.map_err(map_err)
            }
        }

        #[async_trait]
        impl JournalRepo for $store {
            async fn append(&self, d: JournalDraft) -> StoreResult<JournalEntry> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let e = Self::journal_in(&mut tx, &d).await.map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
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
    };
}
