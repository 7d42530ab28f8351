//! Personal-reception schedules (PR-01, PR-03 … PR-05): drafting, rows, approval and
//! publication with the gaps the rules forbid, and the quarterly report (PR-15).

use super::*;

impl Service {
    /// Who may edit a schedule: the government office its centers' schedule (PR-03), the
    /// body's reception secretaries their office's (PR-01).
    fn pr_may_edit(user: &StaffUser, owner: Option<i64>) -> bool {
        match owner {
            None => user.active && user.has_role(Role::GovernmentOffice),
            Some(b) => in_body(user, b, &[Role::ReceptionSecretary]),
        }
    }

    /// Starts a month's schedule: the government office's of centers, or the user's body's.
    pub async fn pr_new_schedule(
        &self,
        user: &StaffUser,
        centers: bool,
        month: &str,
    ) -> Result<i64, PrError> {
        let owner = if centers { None } else { user.body_id };
        if !Self::pr_may_edit(user, owner) {
            return Err(PrError::Forbidden);
        }
        let month = NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d")
            .map_err(|_| problem("month", "pr-date-invalid"))?;
        let id = self
            .store
            .pr_create_schedule(
                owner,
                month,
                user.id,
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_schedule_created",
                    serde_json::json!({}),
                ),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => problem("month", "pr-schedule-exists"),
                e => e.into(),
            })?;
        Ok(id)
    }

    /// PR-04: adds a row (an official of a body, date and time in the month, place, contacts).
    #[allow(clippy::too_many_arguments)]
    pub async fn pr_add_row(
        &self,
        user: &StaffUser,
        schedule_id: i64,
        official_id: &str,
        starts: &str,
        minutes: &str,
        location: &str,
        phone: &str,
        email: &str,
        capacity: &str,
    ) -> Result<(), PrError> {
        let sched = self.store.pr_schedule(schedule_id).await?;
        if !Self::pr_may_edit(user, sched.owner_body_id) {
            return Err(PrError::Forbidden);
        }
        let mut p = Vec::new();
        let mut add = |field, key| p.push(FieldProblem { field, key });
        let official = match official_id.trim().parse::<i64>() {
            Ok(id) => self.store_official(id).await,
            Err(_) => None,
        };
        let official = match official {
            Some(o) if sched.owner_body_id.is_none_or(|b| b == o.body_id) => Some(o),
            _ => {
                add("official", "pr-official-unknown");
                None
            }
        };
        let cal = self.calendar.read().await.clone();
        let starts = NaiveDateTime::parse_from_str(starts.trim(), "%Y-%m-%dT%H:%M").ok();
        match starts {
            None => add("starts", "pr-date-invalid"),
            Some(s) => {
                if chrono::Datelike::month(&s.date()) != chrono::Datelike::month(&sched.month)
                    || chrono::Datelike::year(&s.date()) != chrono::Datelike::year(&sched.month)
                {
                    add("starts", "pr-outside-month");
                } else if !cal.is_working_day(s.date()) {
                    add("starts", "pr-due-not-working");
                }
            }
        }
        let minutes = minutes
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|m| (15..=480).contains(m));
        if minutes.is_none() {
            add("minutes", "pr-minutes-invalid");
        }
        let capacity = capacity
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|c| (1..=200).contains(c));
        if capacity.is_none() {
            add("capacity", "pr-capacity-invalid");
        }
        if location.trim().is_empty() {
            add("location", "pr-field-required");
        }
        if Phone::parse(phone.trim()).is_err() {
            add("phone", "pr-phone-invalid");
        }
        if otinish_domain::ids::Email::parse(email.trim()).is_err() {
            add("email", "pr-email-invalid");
        }
        let (Some(o), Some(starts), Some(minutes), Some(capacity), true) =
            (official, starts, minutes, capacity, p.is_empty())
        else {
            return Err(PrError::Invalid(p));
        };
        self.store
            .pr_add_slot(
                schedule_id,
                &NewPrSlot {
                    body_id: o.body_id,
                    official_id: Some(o.id),
                    official_name: o.full_name.clone(),
                    position: o.position.ru.clone(),
                    first_head: o.rank == otinish_domain::model::OfficialRank::FirstHead,
                    starts,
                    minutes,
                    location: location.trim().to_owned(),
                    phone: phone.trim().to_owned(),
                    email: email.trim().to_owned(),
                    capacity,
                },
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_schedule_row",
                    serde_json::json!({}),
                ),
            )
            .await?;
        Ok(())
    }

    async fn store_official(&self, id: i64) -> Option<otinish_domain::model::Official> {
        let bodies = self
            .store
            .bodies(PageRequest::new(Some(500), None))
            .await
            .ok()?;
        for b in bodies.items {
            if let Some(o) = self
                .store
                .officials(b.id)
                .await
                .ok()?
                .into_iter()
                .find(|o| o.id == id)
            {
                return Some(o);
            }
        }
        None
    }

    pub async fn pr_remove_row(
        &self,
        user: &StaffUser,
        schedule_id: i64,
        row: i64,
    ) -> Result<(), PrError> {
        let sched = self.store.pr_schedule(schedule_id).await?;
        if !Self::pr_may_edit(user, sched.owner_body_id) {
            return Err(PrError::Forbidden);
        }
        if !self
            .store
            .pr_slots(schedule_id)
            .await?
            .iter()
            .any(|s| s.id == row)
        {
            return Err(PrError::NotFound);
        }
        self.store
            .pr_remove_slot(
                row,
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_schedule_row_removed",
                    serde_json::json!({}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-03, PR-05: approval (the Head of the Government Office for centers, the body's head
    /// for its office) and publication.
    pub async fn pr_schedule_step(
        &self,
        user: &StaffUser,
        schedule_id: i64,
        step: &str,
    ) -> Result<(), PrError> {
        let sched = self.store.pr_schedule(schedule_id).await?;
        let (from, to) = match step {
            "approve" => ("draft", "approved"),
            "publish" => ("approved", "published"),
            _ => return Err(PrError::NotFound),
        };
        let allowed = match (sched.owner_body_id, step) {
            (None, _) => user.active && user.has_role(Role::GovernmentOffice),
            (Some(b), "approve") => in_body(user, b, &[Role::Head]),
            (Some(b), _) => in_body(user, b, &[Role::ReceptionSecretary]),
        };
        if !allowed {
            return Err(PrError::Forbidden);
        }
        if sched.state != from {
            return Err(PrError::NotAllowed("pr-step-not-allowed"));
        }
        if self.store.pr_slots(schedule_id).await?.is_empty() {
            return Err(PrError::NotAllowed("pr-schedule-empty"));
        }
        self.store
            .pr_move_schedule(
                schedule_id,
                from,
                to,
                user.id,
                self.clock.now(),
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_schedule_step",
                    serde_json::json!({"step": step}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-03: first heads without a reception in a center in the schedule's month, with their
    /// body: (official name, body name).
    pub async fn pr_gaps(&self, sched: &PrSchedule, lang: Lang) -> Vec<(String, String)> {
        let Ok(slots) = self.store.pr_slots(sched.id).await else {
            return vec![];
        };
        let receptions: Vec<pr::CenterReception> = slots
            .iter()
            .filter_map(|s| {
                Some(pr::CenterReception {
                    official_id: s.slot.official_id?,
                    day: s.slot.starts.date(),
                })
            })
            .collect();
        let Ok(bodies) = self.store.bodies(PageRequest::new(Some(500), None)).await else {
            return vec![];
        };
        let mut heads = Vec::new();
        for b in &bodies.items {
            for o in self.store.officials(b.id).await.unwrap_or_default() {
                if o.rank == otinish_domain::model::OfficialRank::FirstHead {
                    heads.push((o, b.name.get(lang).to_owned()));
                }
            }
        }
        let ids: Vec<i64> = heads.iter().map(|(o, _)| o.id).collect();
        pr::monthly_gaps(&ids, &receptions, sched.month, sched.month)
            .into_iter()
            .filter_map(|(id, _)| {
                heads
                    .iter()
                    .find(|(o, _)| o.id == id)
                    .map(|(o, b)| (o.full_name.clone(), b.clone()))
            })
            .collect()
    }

    /// PR-15: the quarter's report lines (all bodies for the government office, the user's
    /// body otherwise).
    pub async fn pr_report(
        &self,
        user: &StaffUser,
        year: i32,
        quarter: u32,
    ) -> Result<(Vec<pr::ReportLine>, pr::ReportLine), PrError> {
        let body = if user.has_role(Role::GovernmentOffice) {
            None
        } else if let Some(b) = user.body_id.filter(|b| {
            in_body(
                user,
                *b,
                &[Role::Head, Role::Registrar, Role::ReceptionSecretary],
            )
        }) {
            Some(b)
        } else {
            return Err(PrError::Forbidden);
        };
        if !(1..=4).contains(&quarter) {
            return Err(problem("quarter", "pr-date-invalid"));
        }
        let cal = self.calendar.read().await.clone();
        let first = NaiveDate::from_ymd_opt(year, (quarter - 1) * 3 + 1, 1)
            .ok_or_else(|| problem("year", "pr-date-invalid"))?;
        let next = first
            .checked_add_months(chrono::Months::new(3))
            .ok_or_else(|| problem("year", "pr-date-invalid"))?;
        let at = |d: NaiveDate| Self::pr_utc(&cal, d.and_hms_opt(0, 0, 0).unwrap_or_default());
        let today = cal.zone().local_date(self.clock.now());
        let codes: std::collections::HashMap<i64, String> = self
            .store
            .bodies(PageRequest::new(Some(500), None))
            .await?
            .items
            .into_iter()
            .map(|b| (b.id, b.code))
            .collect();
        let mut facts = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .store
                .pr_signups(
                    &SignupFilter {
                        body_id: body,
                        from: Some(at(first)),
                        to: Some(at(next)),
                        ..Default::default()
                    },
                    true,
                    PageRequest::new(Some(500), Some(offset)),
                )
                .await?;
            let n = page.items.len();
            for s in page.items {
                let taken_on = cal.zone().local_date(s.card.received_at);
                let registered_late = otinish_domain::personal::registration_late(
                    taken_on,
                    s.card.registered_at.map(|r| cal.zone().local_date(r)),
                    today,
                );
                let notice_due = self
                    .store
                    .deadlines(s.card.id)
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .find(|d| d.key == "reception_date_notice")
                    .map(|d| d.due_on);
                let notice_late = match (notice_due, s.notified_at) {
                    (Some(due), Some(n)) => cal.zone().local_date(n) > due,
                    (Some(due), None) => !s.state.is_closed() && today > due,
                    _ => false,
                };
                facts.push(pr::ReportFacts {
                    body: codes
                        .get(&s.card.body_id)
                        .cloned()
                        .unwrap_or_else(|| s.card.body_id.to_string()),
                    source: s.source,
                    state: s.state,
                    outcome: s.outcome,
                    registered_late,
                    notice_late,
                    secrecy: s.secrecy(),
                    rating: s.rating.and_then(|r| u8::try_from(r).ok()),
                    phone_surveyed: s.phone_at.is_some(),
                });
            }
            if n < 500 {
                break;
            }
            offset += 500;
        }
        Ok(pr::quarterly_report(&facts))
    }
}
