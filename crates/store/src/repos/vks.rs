//! [`VksRepo`](otinish_domain::repo::VksRepo) for both backends, expanded next to
//! [`impl_repos!`] so that it shares its helpers (rows, transactions, the journal).

macro_rules! impl_vks_repo {
    ($store:ty, $db:ty) => {
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
    };
}
