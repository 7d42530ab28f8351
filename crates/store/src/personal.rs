//! The personal-reception repository (PR), written once for both backends like
//! [`impl_repos!`]; expanded next to it so it shares its helpers (transactions, cards, notices,
//! the journal).

macro_rules! impl_personal {
    ($store:ty) => {
        use otinish_domain::personal as pr;

        const PR_SELECT: &str = "SELECT c.*, b.code AS body_code, s.source AS pr_source, s.external_id AS pr_external_id, s.signed_form AS pr_signed_form, \
            s.full_name AS pr_full_name, s.iin AS pr_iin, s.phone AS pr_phone, s.email AS pr_email, \
            s.citizenship AS pr_citizenship, s.question AS pr_question, s.arrived_at AS pr_arrived_at, \
            s.queued AS pr_queued, s.scan_key AS pr_scan_key, s.taken_by AS pr_taken_by, s.state AS pr_state, \
            s.responsible_id AS pr_responsible_id, s.note AS pr_note, s.noted_at AS pr_noted_at, \
            s.note_due AS pr_note_due, s.cleared_by AS pr_cleared_by, s.cleared_at AS pr_cleared_at, \
            s.slot_id AS pr_slot_id, s.notified_at AS pr_notified_at, s.outcome AS pr_outcome, \
            s.outcome_text AS pr_outcome_text, s.closed_at AS pr_closed_at, s.rating AS pr_rating, \
            s.survey_comment AS pr_survey_comment, s.surveyed_at AS pr_surveyed_at, \
            s.phone_result AS pr_phone_result, s.phone_at AS pr_phone_at \
            FROM pr_signup s JOIN card c ON c.id = s.card_id JOIN body b ON b.id = c.body_id";

        fn bad(what: &str, v: &str) -> sqlx::Error {
            sqlx::Error::Decode(format!("unknown {what} `{v}`").into())
        }

        fn signup_row(r: &DbRow) -> Result<Signup, sqlx::Error> {
            let t = |n: &str| -> Result<Option<DateTime<Utc>>, sqlx::Error> {
                Ok(r.try_get::<Option<i64>, _>(n)?.map(from_micros))
            };
            let source: String = r.try_get("pr_source")?;
            let citizenship: String = r.try_get("pr_citizenship")?;
            let state: String = r.try_get("pr_state")?;
            let outcome: Option<String> = r.try_get("pr_outcome")?;
            let note_due: Option<String> = r.try_get("pr_note_due")?;
            Ok(Signup {
                card: card_row(r)?,
                source: pr::SignupSource::parse(&source).ok_or_else(|| bad("source", &source))?,
                external_id: r.try_get("pr_external_id")?,
                full_name: r.try_get("pr_full_name")?,
                iin: r.try_get("pr_iin")?,
                phone: r.try_get("pr_phone")?,
                email: r.try_get("pr_email")?,
                citizenship: pr::Citizenship::parse(&citizenship)
                    .ok_or_else(|| bad("citizenship", &citizenship))?,
                question: r.try_get("pr_question")?,
                arrived_at: from_micros(r.try_get("pr_arrived_at")?),
                queued: r.try_get("pr_queued")?,
                scan_key: r.try_get("pr_scan_key")?,
                taken_by: r.try_get("pr_taken_by")?,
                state: pr::SignupState::parse(&state).ok_or_else(|| bad("state", &state))?,
                responsible_id: r.try_get("pr_responsible_id")?,
                note: r.try_get("pr_note")?,
                noted_at: t("pr_noted_at")?,
                note_due: note_due.as_deref().map(day).transpose()?,
                cleared_by: r.try_get("pr_cleared_by")?,
                cleared_at: t("pr_cleared_at")?,
                slot_id: r.try_get("pr_slot_id")?,
                notified_at: t("pr_notified_at")?,
                outcome: match outcome {
                    Some(o) => Some(pr::ReceptionOutcome::parse(&o).ok_or_else(|| bad("outcome", &o))?),
                    None => None,
                },
                outcome_text: r.try_get("pr_outcome_text")?,
                closed_at: t("pr_closed_at")?,
                rating: r.try_get::<Option<i64>, _>("pr_rating")?.map(|v| v as i32),
                survey_comment: r.try_get("pr_survey_comment")?,
                surveyed_at: t("pr_surveyed_at")?,
                phone_result: r.try_get("pr_phone_result")?,
                phone_at: t("pr_phone_at")?,
                signed_form: r.try_get("pr_signed_form")?,
            })
        }

        fn pr_schedule_row(r: &DbRow) -> Result<PrSchedule, sqlx::Error> {
            let owner: i64 = r.try_get("owner_body_id")?;
            let month: String = r.try_get("month")?;
            Ok(PrSchedule {
                id: r.try_get("id")?,
                owner_body_id: (owner != 0).then_some(owner),
                month: day(&month)?,
                state: r.try_get("state")?,
                drafted_by: r.try_get("drafted_by")?,
                approved_by: r.try_get("approved_by")?,
                approved_at: r.try_get::<Option<i64>, _>("approved_at")?.map(from_micros),
                published_at: r.try_get::<Option<i64>, _>("published_at")?.map(from_micros),
            })
        }

        fn pr_slot_row(r: &DbRow) -> Result<PrSlot, sqlx::Error> {
            let starts: String = r.try_get("starts")?;
            Ok(PrSlot {
                id: r.try_get("id")?,
                schedule_id: r.try_get("schedule_id")?,
                slot: NewPrSlot {
                    body_id: r.try_get("body_id")?,
                    official_id: r.try_get("official_id")?,
                    official_name: r.try_get("official_name")?,
                    position: r.try_get("position")?,
                    first_head: r.try_get("first_head")?,
                    starts: chrono::NaiveDateTime::parse_from_str(&starts, "%Y-%m-%dT%H:%M")
                        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                    minutes: r.try_get::<i64, _>("minutes")? as i32,
                    location: r.try_get("location")?,
                    phone: r.try_get("phone")?,
                    email: r.try_get("email")?,
                    capacity: r.try_get::<i64, _>("capacity")? as i32,
                },
                taken: r.try_get("taken")?,
            })
        }

        fn task_row(r: &DbRow) -> Result<MaterialTask, sqlx::Error> {
            let due: String = r.try_get("due_on")?;
            Ok(MaterialTask {
                id: r.try_get("id")?,
                task: NewMaterialTask {
                    card_id: r.try_get("card_id")?,
                    unit: r.try_get("unit")?,
                    assignee_id: r.try_get("assignee_id")?,
                    text: r.try_get("text")?,
                    due_on: day(&due)?,
                    requested_by: r.try_get("requested_by")?,
                    requested_at: from_micros(r.try_get("requested_at")?),
                },
                answer: r.try_get("answer")?,
                answered_at: r.try_get::<Option<i64>, _>("answered_at")?.map(from_micros),
            })
        }

        const PR_SLOT_SELECT: &str = "SELECT p.*, (SELECT COUNT(*) FROM pr_signup s WHERE s.slot_id = p.id \
            AND s.state <> 'declined') AS taken FROM pr_slot p";

        fn ymd(d: chrono::NaiveDate) -> String {
            d.format("%Y-%m-%d").to_string()
        }

        /// `state IN (…)` for known state names (never user text).
        fn states_sql(states: &[pr::SignupState]) -> String {
            states
                .iter()
                .map(|s| format!("'{}'", s.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        }

        impl $store {
            async fn pr_journal(tx: &mut Tx<'_>, subject: String, journal: JournalDraft) -> StoreResult<()> {
                let mut j = journal;
                j.subject = subject;
                Self::journal_in(tx, &j).await.map_err(map_err)?;
                Ok(())
            }
        }

        #[async_trait]
        impl PersonalRepo for $store {
            async fn pr_create_schedule(
                &self,
                owner_body_id: Option<i64>,
                month: chrono::NaiveDate,
                drafted_by: i64,
                journal: JournalDraft,
            ) -> StoreResult<i64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let id: i64 = sqlx::query(
                    "INSERT INTO pr_schedule (owner_body_id, month, state, drafted_by) VALUES ($1, $2, 'draft', $3) RETURNING id",
                )
                .bind(owner_body_id.unwrap_or(0))
                .bind(ymd(month))
                .bind(drafted_by)
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("id"))
                .map_err(map_err)?;
                Self::pr_journal(&mut tx, format!("pr_schedule:{id}"), journal).await?;
                self.commit(tx).await?;
                Ok(id)
            }

            async fn pr_schedule(&self, id: i64) -> StoreResult<PrSchedule> {
                let row = sqlx::query("SELECT * FROM pr_schedule WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("schedule {id}")))?;
                pr_schedule_row(&row).map_err(map_err)
            }

            async fn pr_schedules(&self, owner_body_id: Option<i64>) -> StoreResult<Vec<PrSchedule>> {
                let rows = sqlx::query("SELECT * FROM pr_schedule WHERE owner_body_id = $1 ORDER BY month DESC LIMIT 120")
                    .bind(owner_body_id.unwrap_or(0))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(pr_schedule_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn pr_published(&self, from: chrono::NaiveDate, to: chrono::NaiveDate) -> StoreResult<Vec<PrSchedule>> {
                let rows = sqlx::query(
                    "SELECT * FROM pr_schedule WHERE state = 'published' AND month >= $1 AND month <= $2 ORDER BY month, owner_body_id LIMIT 1000",
                )
                .bind(ymd(from))
                .bind(ymd(to))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(pr_schedule_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn pr_add_slot(&self, schedule_id: i64, s: &NewPrSlot, journal: JournalDraft) -> StoreResult<i64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let state: String = sqlx::query("SELECT state FROM pr_schedule WHERE id = $1")
                    .bind(schedule_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("schedule {schedule_id}")))?
                    .try_get("state")
                    .map_err(map_err)?;
                if state != "draft" {
                    return Err(StoreError::Stale(format!("schedule {schedule_id} is `{state}`")));
                }
                let id: i64 = sqlx::query(
                    "INSERT INTO pr_slot (schedule_id, body_id, official_id, official_name, position, first_head, starts, minutes, \
                     location, phone, email, capacity) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                )
                .bind(schedule_id)
                .bind(s.body_id)
                .bind(s.official_id)
                .bind(&s.official_name)
                .bind(&s.position)
                .bind(s.first_head)
                .bind(s.starts.format("%Y-%m-%dT%H:%M").to_string())
                .bind(i64::from(s.minutes))
                .bind(&s.location)
                .bind(&s.phone)
                .bind(&s.email)
                .bind(i64::from(s.capacity))
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("id"))
                .map_err(map_err)?;
                Self::pr_journal(&mut tx, format!("pr_schedule:{schedule_id}"), journal).await?;
                self.commit(tx).await?;
                Ok(id)
            }

            async fn pr_remove_slot(&self, slot_id: i64, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let row = sqlx::query(
                    "SELECT p.schedule_id, s.state FROM pr_slot p JOIN pr_schedule s ON s.id = p.schedule_id WHERE p.id = $1",
                )
                .bind(slot_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?
                .ok_or_else(|| StoreError::NotFound(format!("row {slot_id}")))?;
                let state: String = row.try_get("state").map_err(map_err)?;
                let schedule_id: i64 = row.try_get("schedule_id").map_err(map_err)?;
                if state != "draft" {
                    return Err(StoreError::Stale(format!("schedule {schedule_id} is `{state}`")));
                }
                sqlx::query("DELETE FROM pr_slot WHERE id = $1")
                    .bind(slot_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                Self::pr_journal(&mut tx, format!("pr_schedule:{schedule_id}"), journal).await?;
                self.commit(tx).await
            }

            async fn pr_slots(&self, schedule_id: i64) -> StoreResult<Vec<PrSlot>> {
                let rows = sqlx::query(&format!("{PR_SLOT_SELECT} WHERE p.schedule_id = $1 ORDER BY p.starts, p.id"))
                    .bind(schedule_id)
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                rows.iter().map(pr_slot_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn pr_slot(&self, id: i64) -> StoreResult<PrSlot> {
                let row = sqlx::query(&format!("{PR_SLOT_SELECT} WHERE p.id = $1"))
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("row {id}")))?;
                pr_slot_row(&row).map_err(map_err)
            }

            async fn pr_open_slots(&self, body_id: i64, from: chrono::NaiveDateTime) -> StoreResult<Vec<PrSlot>> {
                let rows = sqlx::query(&format!(
                    "{PR_SLOT_SELECT} JOIN pr_schedule sc ON sc.id = p.schedule_id \
                     WHERE p.body_id = $1 AND sc.state = 'published' AND p.starts >= $2 ORDER BY p.starts, p.id LIMIT 500"
                ))
                .bind(body_id)
                .bind(from.format("%Y-%m-%dT%H:%M").to_string())
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(pr_slot_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn pr_move_schedule(
                &self,
                id: i64,
                from: &str,
                to: &str,
                by: i64,
                at: DateTime<Utc>,
                journal: JournalDraft,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let (approved, published) = match to {
                    "approved" => (Some(by), false),
                    "published" => (None, true),
                    _ => (None, false),
                };
                let done = sqlx::query(
                    "UPDATE pr_schedule SET state = $1, approved_by = COALESCE($2, approved_by), \
                     approved_at = CASE WHEN $2 IS NULL THEN approved_at ELSE $3 END, \
                     published_at = CASE WHEN $4 THEN $3 ELSE published_at END WHERE id = $5 AND state = $6",
                )
                .bind(to)
                .bind(approved)
                .bind(micros(at))
                .bind(published)
                .bind(id)
                .bind(from)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected();
                if done == 0 {
                    return Err(StoreError::Stale(format!("schedule {id} is not `{from}`")));
                }
                let mut j = journal;
                j.from_state = Some(from.into());
                j.to_state = Some(to.into());
                Self::pr_journal(&mut tx, format!("pr_schedule:{id}"), j).await?;
                self.commit(tx).await
            }

            async fn pr_submit(&self, s: &NewSignup, journal: JournalDraft) -> StoreResult<(i64, bool)> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                if let Some(ext) = &s.external_id {
                    let known = sqlx::query("SELECT card_id FROM pr_signup WHERE external_id = $1")
                        .bind(ext)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    if let Some(r) = known {
                        return Ok((r.try_get("card_id").map_err(map_err)?, false));
                    }
                }
                let card_id = Self::insert_card(&mut tx, &s.card).await.map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO pr_signup (card_id, body_id, source, external_id, full_name, iin, phone, email, citizenship, \
                     question, arrived_at, accepted_at, queued, scan_key, taken_by, signed_form, signature, state) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'received')",
                )
                .bind(card_id)
                .bind(s.card.body_id)
                .bind(s.source.as_str())
                .bind(&s.external_id)
                .bind(&s.full_name)
                .bind(&s.iin)
                .bind(&s.phone)
                .bind(&s.email)
                .bind(s.citizenship.as_str())
                .bind(&s.question)
                .bind(micros(s.arrived_at))
                .bind(micros(s.card.received_at))
                .bind(s.queued)
                .bind(&s.scan_key)
                .bind(s.taken_by)
                .bind(&s.signed_form)
                .bind(&s.signature)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                Self::put_deadlines(&mut tx, card_id, &s.deadlines).await.map_err(map_err)?;
                let notices: Vec<NewNotice> = s
                    .notices
                    .iter()
                    .cloned()
                    .map(|mut n| {
                        n.card_id = card_id;
                        n
                    })
                    .collect();
                Self::insert_notices(&mut tx, &notices, journal.at).await.map_err(map_err)?;
                let mut j = journal;
                j.to_state = Some(CardState::Received.as_str().into());
                Self::pr_journal(&mut tx, format!("card:{card_id}"), j).await?;
                self.commit(tx).await?;
                Ok((card_id, true))
            }

            async fn pr_signup(&self, card_id: i64) -> StoreResult<Signup> {
                let row = sqlx::query(&format!("{PR_SELECT} WHERE s.card_id = $1"))
                    .bind(card_id)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound(format!("sign-up {card_id}")))?;
                signup_row(&row).map_err(map_err)
            }

            async fn pr_signups(&self, f: &SignupFilter, queue_order: bool, page: PageRequest) -> StoreResult<Page<Signup>> {
                let mut filter = String::from(
                    "($1 IS NULL OR s.body_id = $1) AND ($2 IS NULL OR s.responsible_id = $2) AND ($3 IS NULL OR s.slot_id = $3) \
                     AND ($4 IS NULL OR s.accepted_at >= $4) AND ($5 IS NULL OR s.accepted_at < $5)",
                );
                if !f.states.is_empty() {
                    filter.push_str(&format!(" AND s.state IN ({})", states_sql(&f.states)));
                }
                let order = if queue_order { "s.accepted_at, s.card_id" } else { "s.card_id DESC" };
                let rows = sqlx::query(&format!("{PR_SELECT} WHERE {filter} ORDER BY {order} LIMIT $6 OFFSET $7"))
                    .bind(f.body_id)
                    .bind(f.responsible_id)
                    .bind(f.slot_id)
                    .bind(f.from.map(micros))
                    .bind(f.to.map(micros))
                    .bind(i64::from(page.limit))
                    .bind(i64::from(page.offset))
                    .fetch_all(self.reader())
                    .await
                    .map_err(map_err)?;
                let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM pr_signup s WHERE {filter}"))
                    .bind(f.body_id)
                    .bind(f.responsible_id)
                    .bind(f.slot_id)
                    .bind(f.from.map(micros))
                    .bind(f.to.map(micros))
                    .fetch_one(self.reader())
                    .await
                    .and_then(|r| r.try_get("n"))
                    .map_err(map_err)?;
                let items = rows.iter().map(signup_row).collect::<Result<_, _>>().map_err(map_err)?;
                Ok(Page { items, total, request: page })
            }

            async fn pr_register(
                &self,
                card_id: i64,
                year: i32,
                registered_at: DateTime<Utc>,
                responsible_id: i64,
                deadlines: &[StoredDeadline],
                notices: &(dyn for<'r> Fn(&'r RegNumber) -> Vec<NewNotice> + Sync),
                journal: JournalDraft,
            ) -> StoreResult<RegNumber> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query("UPDATE pr_signup SET state = 'routed', responsible_id = $1 WHERE card_id = $2 AND state = 'received'")
                    .bind(responsible_id)
                    .bind(card_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                if done == 0 {
                    return Err(StoreError::Stale(format!("sign-up {card_id} is not waiting for registration")));
                }
                let at = journal.at;
                let number = Self::register_in(
                    &mut tx,
                    card_id,
                    CardState::Received,
                    year,
                    registered_at,
                    Some(responsible_id),
                    deadlines,
                    notices,
                    journal.clone(),
                )
                .await?;
                Self::card_moves_in(
                    &mut tx,
                    card_id,
                    &[CardMove {
                        from: CardState::Registered,
                        to: CardState::InExecution,
                        update: CardUpdate::default(),
                    }],
                    at,
                )
                .await?;
                let mut j = journal;
                j.action = "pr_routed".into();
                j.from_state = Some(CardState::Registered.as_str().into());
                j.to_state = Some(CardState::InExecution.as_str().into());
                j.details = format!("{{\"responsible\":{responsible_id}}}");
                Self::pr_journal(&mut tx, format!("card:{card_id}"), j).await?;
                self.commit(tx).await?;
                Ok(number)
            }

            async fn pr_update(
                &self,
                card_id: i64,
                from: pr::SignupState,
                u: &SignupUpdate,
                moves: &[CardMove],
                notices: &[NewNotice],
                journal: JournalDraft,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let done = sqlx::query(
                    "UPDATE pr_signup SET state = COALESCE($1, state), responsible_id = COALESCE($2, responsible_id), \
                     note = COALESCE($3, note), noted_at = COALESCE($4, noted_at), note_due = COALESCE($5, note_due), \
                     cleared_by = COALESCE($6, cleared_by), cleared_at = COALESCE($7, cleared_at), slot_id = COALESCE($8, slot_id), \
                     notified_at = COALESCE($9, notified_at), outcome = COALESCE($10, outcome), \
                     outcome_text = COALESCE($11, outcome_text), closed_at = COALESCE($12, closed_at), \
                     survey_hash = COALESCE($13, survey_hash), rating = COALESCE($14, rating), \
                     survey_comment = COALESCE($15, survey_comment), surveyed_at = COALESCE($16, surveyed_at), \
                     phone_result = COALESCE($17, phone_result), phone_at = COALESCE($18, phone_at) \
                     WHERE card_id = $19 AND state = $20",
                )
                .bind(u.state.map(|s| s.as_str()))
                .bind(u.responsible_id)
                .bind(&u.note)
                .bind(u.noted_at.map(micros))
                .bind(u.note_due.map(ymd))
                .bind(u.cleared_by)
                .bind(u.cleared_at.map(micros))
                .bind(u.slot_id)
                .bind(u.notified_at.map(micros))
                .bind(u.outcome.map(|o| o.as_str()))
                .bind(&u.outcome_text)
                .bind(u.closed_at.map(micros))
                .bind(&u.survey_hash)
                .bind(u.rating.map(i64::from))
                .bind(&u.survey_comment)
                .bind(u.surveyed_at.map(micros))
                .bind(&u.phone_result)
                .bind(u.phone_at.map(micros))
                .bind(card_id)
                .bind(from.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected();
                if done == 0 {
                    return Err(StoreError::Stale(format!("sign-up {card_id} is not `{from}`")));
                }
                Self::card_moves_in(&mut tx, card_id, moves, journal.at).await?;
                Self::insert_notices(&mut tx, notices, journal.at).await.map_err(map_err)?;
                let mut j = journal;
                if j.from_state.is_none() {
                    j.from_state = Some(from.as_str().into());
                    j.to_state = Some(u.state.unwrap_or(from).as_str().into());
                }
                Self::pr_journal(&mut tx, format!("card:{card_id}"), j).await?;
                self.commit(tx).await
            }

            async fn pr_distribute(
                &self,
                assignments: &[(i64, i64, Vec<NewNotice>)],
                at: DateTime<Utc>,
                journal: JournalDraft,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                for (card_id, slot_id, notices) in assignments {
                    let done = sqlx::query(
                        "UPDATE pr_signup SET state = 'scheduled', slot_id = $1, notified_at = $2 WHERE card_id = $3 AND state = 'noted'",
                    )
                    .bind(slot_id)
                    .bind(micros(at))
                    .bind(card_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
                    if done == 0 {
                        return Err(StoreError::Stale(format!("sign-up {card_id} is no longer waiting")));
                    }
                    let row = sqlx::query(
                        "SELECT p.capacity, (SELECT COUNT(*) FROM pr_signup s WHERE s.slot_id = p.id AND s.state <> 'declined') AS taken \
                         FROM pr_slot p WHERE p.id = $1",
                    )
                    .bind(slot_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    let capacity: i64 = row.try_get("capacity").map_err(map_err)?;
                    let taken: i64 = row.try_get("taken").map_err(map_err)?;
                    if taken > capacity {
                        return Err(StoreError::Conflict(format!("reception {slot_id} is full")));
                    }
                    Self::insert_notices(&mut tx, notices, at).await.map_err(map_err)?;
                    let mut j = journal.clone();
                    j.from_state = Some("noted".into());
                    j.to_state = Some("scheduled".into());
                    j.details = format!("{{\"slot\":{slot_id}}}");
                    Self::pr_journal(&mut tx, format!("card:{card_id}"), j).await?;
                }
                self.commit(tx).await
            }

            async fn pr_signup_by_survey(&self, survey_hash: &str) -> StoreResult<Signup> {
                let row = sqlx::query(&format!("{PR_SELECT} WHERE s.survey_hash = $1"))
                    .bind(survey_hash)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::NotFound("survey".into()))?;
                signup_row(&row).map_err(map_err)
            }

            async fn pr_add_task(&self, t: &NewMaterialTask, journal: JournalDraft) -> StoreResult<i64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let id: i64 = sqlx::query(
                    "INSERT INTO pr_task (card_id, unit, assignee_id, text, due_on, requested_by, requested_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(t.card_id)
                .bind(&t.unit)
                .bind(t.assignee_id)
                .bind(&t.text)
                .bind(ymd(t.due_on))
                .bind(t.requested_by)
                .bind(micros(t.requested_at))
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("id"))
                .map_err(map_err)?;
                Self::pr_journal(&mut tx, format!("card:{}", t.card_id), journal).await?;
                self.commit(tx).await?;
                Ok(id)
            }

            async fn pr_tasks(&self, card_id: Option<i64>, assignee_id: Option<i64>) -> StoreResult<Vec<MaterialTask>> {
                let rows = sqlx::query(
                    "SELECT * FROM pr_task WHERE ($1 IS NULL OR card_id = $1) AND ($2 IS NULL OR assignee_id = $2) \
                     ORDER BY (CASE WHEN answered_at IS NULL THEN 0 ELSE 1 END), due_on, id LIMIT 500",
                )
                .bind(card_id)
                .bind(assignee_id)
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter().map(task_row).collect::<Result<_, _>>().map_err(map_err)
            }

            async fn pr_answer_task(&self, id: i64, answer: &str, at: DateTime<Utc>, journal: JournalDraft) -> StoreResult<()> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let row = sqlx::query("UPDATE pr_task SET answer = $1, answered_at = $2 WHERE id = $3 AND answered_at IS NULL RETURNING card_id")
                    .bind(answer)
                    .bind(micros(at))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .ok_or_else(|| StoreError::Stale(format!("task {id} is answered or unknown")))?;
                let card_id: i64 = row.try_get("card_id").map_err(map_err)?;
                Self::pr_journal(&mut tx, format!("card:{card_id}"), journal).await?;
                self.commit(tx).await
            }

            async fn pr_add_participant(&self, p: &NewParticipant, journal: JournalDraft) -> StoreResult<i64> {
                let mut tx = self.begin_write().await.map_err(map_err)?;
                let id: i64 = sqlx::query(
                    "INSERT INTO pr_participant (body_id, day, kind, name, organisation, card_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(p.body_id)
                .bind(ymd(p.day))
                .bind(p.kind.as_str())
                .bind(&p.name)
                .bind(&p.organisation)
                .bind(p.card_id)
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("id"))
                .map_err(map_err)?;
                Self::pr_journal(&mut tx, format!("pr_participant:{id}"), journal).await?;
                self.commit(tx).await?;
                Ok(id)
            }

            async fn pr_participants(&self, body_id: i64, from: chrono::NaiveDate, to: chrono::NaiveDate) -> StoreResult<Vec<Participant>> {
                let rows = sqlx::query(
                    "SELECT * FROM pr_participant WHERE body_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, id LIMIT 500",
                )
                .bind(body_id)
                .bind(ymd(from))
                .bind(ymd(to))
                .fetch_all(self.reader())
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| -> Result<Participant, sqlx::Error> {
                        let d: String = r.try_get("day")?;
                        let kind: String = r.try_get("kind")?;
                        Ok(Participant {
                            id: r.try_get("id")?,
                            p: NewParticipant {
                                body_id: r.try_get("body_id")?,
                                day: day(&d)?,
                                kind: pr::ParticipantKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
                                name: r.try_get("name")?,
                                organisation: r.try_get("organisation")?,
                                card_id: r.try_get("card_id")?,
                            },
                        })
                    })
                    .collect::<Result<_, _>>()
                    .map_err(map_err)
            }
        }
    };
}
