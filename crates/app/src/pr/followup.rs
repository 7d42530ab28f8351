//! Following a personal reception up (PR-12, PR-13, PR-07): material requests to units and
//! their answers, the phone survey and its results, and a reception day's participants.

use super::*;

impl Service {
    /// PR-12: the responsible worker asks a unit of the body for materials, due on a working
    /// day; the request is a task of the named staff member of that unit.
    pub async fn pr_request(
        &self,
        user: &StaffUser,
        id: i64,
        unit: &str,
        assignee: i64,
        text: &str,
        due: &str,
    ) -> Result<(), PrError> {
        let s = self.pr_open(user, id).await?;
        if s.responsible_id != Some(user.id) {
            return Err(PrError::Forbidden);
        }
        if s.state.is_closed() {
            return Err(PrError::NotAllowed("pr-step-not-allowed"));
        }
        let mut p = Vec::new();
        if unit.trim().is_empty() {
            p.push(FieldProblem {
                field: "unit",
                key: "pr-field-required",
            });
        }
        if text.trim().is_empty() {
            p.push(FieldProblem {
                field: "text",
                key: "pr-field-required",
            });
        }
        let cal = self.calendar.read().await.clone();
        let today = cal.zone().local_date(self.clock.now());
        let due = match NaiveDate::parse_from_str(due.trim(), "%Y-%m-%d") {
            Ok(d) if d < today => {
                p.push(FieldProblem {
                    field: "due",
                    key: "pr-due-past",
                });
                today
            }
            Ok(d) if !cal.is_working_day(d) => {
                p.push(FieldProblem {
                    field: "due",
                    key: "pr-due-not-working",
                });
                d
            }
            Ok(d) => d,
            Err(_) => {
                p.push(FieldProblem {
                    field: "due",
                    key: "pr-date-invalid",
                });
                today
            }
        };
        let staff = self.store.staff(assignee).await.ok();
        // Someone of the body who can open the desk to answer (a body-bound role).
        if !staff.is_some_and(|a| {
            a.active && a.body_id == Some(s.card.body_id) && a.roles.iter().any(|r| r.needs_body())
        }) {
            p.push(FieldProblem {
                field: "assignee",
                key: "pr-responsible-unknown",
            });
        }
        if !p.is_empty() {
            return Err(PrError::Invalid(p));
        }
        self.store
            .pr_add_task(
                &NewMaterialTask {
                    card_id: id,
                    unit: unit.trim().to_owned(),
                    assignee_id: assignee,
                    text: text.trim().to_owned(),
                    due_on: due,
                    requested_by: user.id,
                    requested_at: self.clock.now(),
                },
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_material_request",
                    serde_json::json!({}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-12: the unit's answer, by the staff member the task names.
    pub async fn pr_answer_task(
        &self,
        user: &StaffUser,
        task_id: i64,
        answer: &str,
    ) -> Result<(), PrError> {
        let tasks = self.store.pr_tasks(None, Some(user.id)).await?;
        if !tasks.iter().any(|t| t.id == task_id) {
            // Someone else's task is as good as none: nothing is revealed.
            return Err(PrError::NotFound);
        }
        if answer.trim().is_empty() {
            return Err(problem("answer", "pr-field-required"));
        }
        self.store
            .pr_answer_task(
                task_id,
                answer.trim(),
                self.clock.now(),
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_material_answer",
                    serde_json::json!({"task": task_id}),
                ),
            )
            .await?;
        Ok(())
    }

    /// A staff member's material requests (PR-12).
    pub async fn pr_my_tasks(&self, user: &StaffUser) -> Vec<MaterialTask> {
        self.store
            .pr_tasks(None, Some(user.id))
            .await
            .unwrap_or_default()
    }

    /// PR-13: the applicant's answer to the survey link.
    pub async fn pr_survey(&self, token: &str, rating: &str, comment: &str) -> Result<(), PrError> {
        let s = self
            .store
            .pr_signup_by_survey(&sha256_hex(token.as_bytes()))
            .await?;
        if s.surveyed_at.is_some() {
            return Err(PrError::NotAllowed("pr-survey-answered"));
        }
        let rating = match rating.trim().parse::<i32>() {
            Ok(r @ 1..=5) => r,
            _ => return Err(problem("rating", "pr-rating-invalid")),
        };
        if comment.chars().count() > 2000 {
            return Err(problem("comment", "pr-field-too-long"));
        }
        self.store
            .pr_update(
                s.card.id,
                s.state,
                &SignupUpdate {
                    rating: Some(rating),
                    survey_comment: Some(comment.trim().to_owned()).filter(|c| !c.is_empty()),
                    surveyed_at: Some(self.clock.now()),
                    ..Default::default()
                },
                &[],
                &[],
                self.pr_journal(
                    "applicant:survey".into(),
                    "pr_survey",
                    serde_json::json!({"rating": rating}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-13: the selective phone survey's work list: applicants who got a consultation or
    /// declined, in the sample, not yet called.
    pub async fn pr_phone_list(
        &self,
        user: &StaffUser,
        percent: u8,
    ) -> Result<Vec<Signup>, PrError> {
        let body_id = user
            .body_id
            .filter(|b| in_body(user, *b, &[Role::Registrar, Role::ReceptionSecretary]))
            .ok_or(PrError::Forbidden)?;
        let rows = self
            .store
            .pr_signups(
                &SignupFilter {
                    body_id: Some(body_id),
                    states: vec![SignupState::Held, SignupState::Declined],
                    ..Default::default()
                },
                true,
                PageRequest::new(Some(500), None),
            )
            .await?
            .items;
        Ok(rows
            .into_iter()
            .filter(|s| {
                pr::phone_survey_eligible(s.state, s.outcome)
                    && s.phone_at.is_none()
                    && pr::in_phone_sample(s.card.id, percent)
                    && pr::may_see(user, visibility(s))
            })
            .collect())
    }

    /// PR-13: the outcome of a phone survey call.
    pub async fn pr_phone_result(
        &self,
        user: &StaffUser,
        id: i64,
        result: &str,
        rating: &str,
    ) -> Result<(), PrError> {
        let s = self.pr_open(user, id).await?;
        if !in_body(
            user,
            s.card.body_id,
            &[Role::Registrar, Role::ReceptionSecretary],
        ) {
            return Err(PrError::Forbidden);
        }
        if !pr::phone_survey_eligible(s.state, s.outcome) || s.phone_at.is_some() {
            return Err(PrError::NotAllowed("pr-step-not-allowed"));
        }
        let result = match result {
            "reached" | "not_reached" | "refused_to_answer" => result,
            _ => return Err(problem("result", "pr-field-required")),
        };
        let rating = match (result, rating.trim().parse::<i32>()) {
            ("reached", Ok(r @ 1..=5)) => Some(r),
            ("reached", _) => return Err(problem("rating", "pr-rating-invalid")),
            _ => None,
        };
        self.store
            .pr_update(
                id,
                s.state,
                &SignupUpdate {
                    phone_result: Some(result.to_owned()),
                    phone_at: Some(self.clock.now()),
                    rating: rating.filter(|_| s.rating.is_none()),
                    surveyed_at: rating.and(s.surveyed_at.is_none().then(|| self.clock.now())),
                    ..Default::default()
                },
                &[],
                &[],
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_phone_survey",
                    serde_json::json!({"result": result}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-07: a participant of a reception day of the user's body.
    pub async fn pr_add_participant(
        &self,
        user: &StaffUser,
        day: &str,
        kind: &str,
        name: &str,
        organisation: &str,
        card: &str,
    ) -> Result<(), PrError> {
        let body_id = user
            .body_id
            .filter(|b| in_body(user, *b, &[Role::ReceptionSecretary]))
            .ok_or(PrError::Forbidden)?;
        let day = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
            .map_err(|_| problem("day", "pr-date-invalid"))?;
        let kind =
            ParticipantKind::parse(kind).ok_or_else(|| problem("kind", "pr-field-required"))?;
        let card_id = card.trim().parse::<i64>().ok();
        if let Some(c) = card_id {
            let s = self.store.pr_signup(c).await.map_err(|e| match e {
                StoreError::NotFound(_) => problem("card", "pr-card-unknown"),
                other => other.into(),
            })?;
            if s.card.body_id != body_id {
                return Err(problem("card", "pr-card-unknown"));
            }
        }
        let from = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        let reception_days: Vec<NaiveDate> = self
            .store
            .pr_open_slots(body_id, from)
            .await?
            .into_iter()
            .map(|s| s.slot.starts.date())
            .filter(|d| *d == day)
            .collect();
        let p = pr::check_participant(kind, name, organisation, day, &reception_days, card_id);
        if !p.is_empty() {
            return Err(PrError::Invalid(p));
        }
        self.store
            .pr_add_participant(
                &NewParticipant {
                    body_id,
                    day,
                    kind,
                    name: name.trim().to_owned(),
                    organisation: organisation.trim().to_owned(),
                    card_id,
                },
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_participant",
                    serde_json::json!({"kind": kind.as_str()}),
                ),
            )
            .await?;
        Ok(())
    }
}
