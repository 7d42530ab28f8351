//! Personal reception and citizen reception centers (PR): when a sign-up counts as received
//! (PR-02: working days, working hours, the lunch break), whether every first head receives in a
//! center each month (PR-03), and the distribution of the sign-up list into the approved
//! schedule in queue order (PR-10).

use crate::appeal::FieldProblem;
use crate::calendar::{CalendarError, WorkingCalendar};
use crate::ids::{Email, Iin, Phone};
use crate::model::{Role, StaffUser};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The hours sign-up is taken on a working day, with the lunch break (PR-02).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    pub opens: NaiveTime,
    pub closes: NaiveTime,
    pub lunch_from: NaiveTime,
    pub lunch_to: NaiveTime,
}

impl Default for WorkingHours {
    /// 09:00–18:30 with lunch 13:00–14:30, the common schedule of state bodies.
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        Self {
            opens: t(9, 0),
            closes: t(18, 30),
            lunch_from: t(13, 0),
            lunch_to: t(14, 30),
        }
    }
}

impl WorkingHours {
    /// Checks the hours make sense: opening before the lunch, the lunch before closing.
    pub fn new(
        opens: NaiveTime,
        lunch_from: NaiveTime,
        lunch_to: NaiveTime,
        closes: NaiveTime,
    ) -> Option<Self> {
        (opens < lunch_from && lunch_from <= lunch_to && lunch_to < closes).then_some(Self {
            opens,
            closes,
            lunch_from,
            lunch_to,
        })
    }
}

/// Where a sign-up stands on arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intake {
    /// The local moment it counts as received: the arrival itself in working hours, otherwise
    /// the next opening (after the lunch break, or the next working day).
    pub accepted_at: NaiveDateTime,
    /// It arrived outside working hours and waits; the applicant is told when it is taken.
    pub queued: bool,
}

/// PR-02, PR-08: when a sign-up that arrived at local `at` is taken: at once on a working day
/// in working hours; after the lunch break if it came during it; otherwise at the opening of
/// the next working day, so that its registration (the same day) and every term count from
/// there.
pub fn intake(
    at: NaiveDateTime,
    hours: &WorkingHours,
    cal: &WorkingCalendar,
) -> Result<Intake, CalendarError> {
    let day = at.date();
    let time = at.time();
    if cal.is_working_day(day) {
        if time >= hours.opens && time < hours.lunch_from
            || time >= hours.lunch_to && time < hours.closes
        {
            return Ok(Intake {
                accepted_at: at,
                queued: false,
            });
        }
        if time < hours.opens {
            return Ok(Intake {
                accepted_at: day.and_time(hours.opens),
                queued: true,
            });
        }
        if time < hours.lunch_to {
            return Ok(Intake {
                accepted_at: day.and_time(hours.lunch_to),
                queued: true,
            });
        }
    }
    let next = cal.next_working_day_from(day.succ_opt().ok_or(CalendarError::OutOfRange)?)?;
    Ok(Intake {
        accepted_at: next.and_time(hours.opens),
        queued: true,
    })
}

/// A reception of a first head in a citizen reception center, as scheduled (PR-03, PR-04).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CenterReception {
    pub official_id: i64,
    pub day: NaiveDate,
}

/// PR-03: the months of `from` … `to` (first days) in which a first head of `first_heads` has
/// no reception in a center: (official, month's first day).
pub fn monthly_gaps(
    first_heads: &[i64],
    receptions: &[CenterReception],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(i64, NaiveDate)> {
    let mut months = Vec::new();
    let mut m = crate::reception::month_start(from);
    while m <= to {
        months.push(m);
        m = crate::reception::next_month(m);
    }
    let mut out = Vec::new();
    for head in first_heads {
        for month in &months {
            let covered = receptions.iter().any(|r| {
                r.official_id == *head
                    && r.day.year() == month.year()
                    && r.day.month() == month.month()
            });
            if !covered {
                out.push((*head, *month));
            }
        }
    }
    out
}

/// A place in the approved schedule: a reception time and how many applicants it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub id: i64,
    pub starts: NaiveDateTime,
    pub capacity: u32,
}

/// A sign-up waiting for a reception: its id and when it was registered (its place in the
/// queue), and the earliest moment it may be received (the reference note's term, PR-09).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: i64,
    pub registered_at: NaiveDateTime,
    pub not_before: NaiveDateTime,
}

/// PR-10: the list distributed into the schedule in queue order: the earliest registered first,
/// each to the earliest place with room that it may take. Returns (sign-up, place); sign-ups
/// without a place are left out (they wait for the next schedule).
pub fn distribute(waiting: &[Waiting], places: &[Place]) -> Vec<(i64, i64)> {
    let mut queue: Vec<&Waiting> = waiting.iter().collect();
    queue.sort_by_key(|w| (w.registered_at, w.id));
    let mut ordered: Vec<(&Place, u32)> = places.iter().map(|p| (p, p.capacity)).collect();
    ordered.sort_by_key(|(p, _)| (p.starts, p.id));
    let mut out = Vec::new();
    for w in queue {
        if let Some((p, left)) = ordered
            .iter_mut()
            .find(|(p, left)| *left > 0 && p.starts >= w.not_before)
        {
            *left -= 1;
            out.push((w.id, p.id));
        }
    }
    out
}

string_enum!(
    /// PR-02: where a sign-up came from. The call center is a first-class channel (PR-14).
    SignupSource {
        Portal = "portal",
        EAppeals = "e_appeals",
        Paper = "paper",
        Oral = "oral",
        CallCenter = "call_center",
    }
);

string_enum!(
    /// Where a sign-up for personal reception stands.
    SignupState {
        /// Taken (PR-02), waiting for its registration (PR-08).
        Received = "received",
        /// Registered and sent to the responsible worker for preliminary review (PR-08).
        Routed = "routed",
        /// The reference note proposes a date (PR-09); waiting for the distribution (PR-10).
        Noted = "noted",
        /// The reference note proposes a refusal; the head decides (PR-09).
        RefusalProposed = "refusal_proposed",
        /// Given a place in the schedule; the applicant was told date and time (PR-10, PR-11).
        Scheduled = "scheduled",
        Held = "held",
        NoShow = "no_show",
        Refused = "refused",
        /// The applicant withdrew the sign-up (PR-13 surveys them by phone).
        Declined = "declined",
    }
);

string_enum!(
    /// What happens to a sign-up.
    SignupAction {
        Register = "register",
        NoteDate = "note_date",
        NoteRefusal = "note_refusal",
        ConfirmRefusal = "confirm_refusal",
        Distribute = "distribute",
        Hold = "hold",
        NoShow = "no_show",
        Decline = "decline",
    }
);

string_enum!(
    /// PR-07: who may join a reception day besides the official.
    ParticipantKind {
        LegalConsultant = "legal_consultant",
        Psychologist = "psychologist",
        SocialWorker = "social_worker",
        Volunteer = "volunteer",
        BodyRepresentative = "body_representative",
    }
);

string_enum!(
    /// The outcome recorded after a reception held (the card's decision).
    ReceptionOutcome {
        Consultation = "consultation",
        Satisfied = "satisfied",
        PartiallySatisfied = "partially_satisfied",
        Explained = "explained",
    }
);

string_enum!(
    /// PR-06: the applicant's citizenship as far as reception is concerned.
    Citizenship {
        Kazakhstan = "kz",
        Foreign = "foreign",
        Stateless = "stateless",
    }
);

impl Citizenship {
    /// PR-06: foreigners and stateless persons are received under the secrecy regime.
    pub fn secrecy(self) -> bool {
        !matches!(self, Citizenship::Kazakhstan)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a sign-up in state `{from}` cannot be moved by `{action}`")]
pub struct SignupTransitionError {
    pub from: SignupState,
    pub action: SignupAction,
}

impl SignupState {
    /// The life of a sign-up (PR-08 … PR-11, PR-13): one place decides what may follow what.
    pub fn apply(self, action: SignupAction) -> Result<SignupState, SignupTransitionError> {
        use SignupAction as A;
        use SignupState as S;
        Ok(match (self, action) {
            (S::Received, A::Register) => S::Routed,
            (S::Routed | S::RefusalProposed, A::NoteDate) => S::Noted,
            (S::Routed | S::Noted, A::NoteRefusal) => S::RefusalProposed,
            (S::RefusalProposed, A::ConfirmRefusal) => S::Refused,
            (S::Noted, A::Distribute) => S::Scheduled,
            (S::Scheduled, A::Hold) => S::Held,
            (S::Scheduled, A::NoShow) => S::NoShow,
            (S::Routed | S::Noted | S::RefusalProposed | S::Scheduled, A::Decline) => S::Declined,
            (from, action) => return Err(SignupTransitionError { from, action }),
        })
    }

    pub fn is_closed(self) -> bool {
        matches!(
            self,
            SignupState::Held | SignupState::NoShow | SignupState::Refused | SignupState::Declined
        )
    }
}

/// A sign-up as a person typed it (staff for paper, oral and call-center sign-ups; the
/// "E-appeals" import; the portal form before signing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignupForm {
    pub full_name: String,
    pub iin: String,
    pub phone: String,
    pub email: String,
    pub citizenship: String,
    pub question: String,
    /// Oral sign-ups: the applicant confirmed the text read back to them.
    pub confirmed: bool,
    /// Paper sign-ups: the scan is attached.
    pub has_scan: bool,
}

/// The longest question kept on a sign-up.
pub const MAX_QUESTION: usize = 4000;

/// PR-02: checks a sign-up for `source`; returns every problem at once. A phone is needed for
/// sign-ups taken by staff (the date and time is told by SMS or call); an oral sign-up needs the
/// applicant's confirmation and a paper one its scan.
pub fn check_signup(source: SignupSource, f: &SignupForm) -> Vec<FieldProblem> {
    let mut p = Vec::new();
    let mut add = |field, key| p.push(FieldProblem { field, key });
    let name = f.full_name.trim();
    if name.is_empty() {
        add("full_name", "pr-field-required");
    } else if name.chars().count() > 300 {
        add("full_name", "pr-field-too-long");
    }
    if Iin::parse(f.iin.trim()).is_err() {
        add("iin", "pr-iin-invalid");
    }
    let phone = f.phone.trim();
    if phone.is_empty() {
        if source != SignupSource::Portal {
            add("phone", "pr-field-required");
        }
    } else if Phone::parse(phone).is_err() {
        add("phone", "pr-phone-invalid");
    }
    let email = f.email.trim();
    if !email.is_empty() && Email::parse(email).is_err() {
        add("email", "pr-email-invalid");
    }
    if Citizenship::parse(&f.citizenship).is_none() {
        add("citizenship", "pr-field-required");
    }
    let q = f.question.trim();
    if q.is_empty() {
        add("question", "pr-field-required");
    } else if q.chars().count() > MAX_QUESTION {
        add("question", "pr-field-too-long");
    }
    if source == SignupSource::Oral && !f.confirmed {
        add("confirmed", "pr-oral-unconfirmed");
    }
    if source == SignupSource::Paper && !f.has_scan {
        add("scan", "pr-paper-scan-missing");
    }
    p
}

/// PR-08: a sign-up is registered on the day it is taken. Whether the registration term was
/// broken: registered on a later day, or still unregistered after that day. (The PR-11 term
/// counts from the registration all the same, as the text says.)
pub fn registration_late(
    taken_on: NaiveDate,
    registered_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    match registered_on {
        Some(r) => r > taken_on,
        None => today > taken_on,
    }
}

/// PR-09: the reference note for a reception on `reception_day` is due 5 working days before.
pub fn note_due(
    reception_day: NaiveDate,
    cal: &WorkingCalendar,
) -> Result<NaiveDate, CalendarError> {
    Ok(cal.working_days_before(reception_day, 5)?.due)
}

/// PR-07: checks a participant of a reception day. Volunteers come only on days with a
/// reception; a representative of another body comes for a sign-up whose question concerns
/// that body, so both are named.
pub fn check_participant(
    kind: ParticipantKind,
    name: &str,
    organisation: &str,
    day: NaiveDate,
    reception_days: &[NaiveDate],
    concerns_card: Option<i64>,
) -> Vec<FieldProblem> {
    let mut p = Vec::new();
    if name.trim().is_empty() {
        p.push(FieldProblem {
            field: "name",
            key: "pr-field-required",
        });
    }
    if kind == ParticipantKind::Volunteer && !reception_days.contains(&day) {
        p.push(FieldProblem {
            field: "day",
            key: "pr-volunteer-reception-day-only",
        });
    }
    if kind == ParticipantKind::BodyRepresentative {
        if organisation.trim().is_empty() {
            p.push(FieldProblem {
                field: "organisation",
                key: "pr-field-required",
            });
        }
        if concerns_card.is_none() {
            p.push(FieldProblem {
                field: "card",
                key: "pr-representative-needs-question",
            });
        }
    }
    p
}

/// A sign-up as far as who may see it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visibility {
    pub body_id: i64,
    pub responsible_id: Option<i64>,
    pub secrecy: bool,
}

/// Who may open a sign-up: the body's registrar, reception secretaries and heads; under the
/// secrecy regime (PR-06) only its responsible worker (before routing, the reception
/// secretaries who register it), the body's heads and its security officer.
pub fn may_see(user: &StaffUser, v: Visibility) -> bool {
    if !user.active || user.body_id != Some(v.body_id) {
        return false;
    }
    if v.secrecy {
        return user.has_role(Role::SecurityOfficer)
            || user.has_role(Role::Head)
            || ((v.responsible_id.is_none() || v.responsible_id == Some(user.id))
                && user.has_role(Role::ReceptionSecretary));
    }
    [
        Role::Registrar,
        Role::ReceptionSecretary,
        Role::Head,
        Role::SecurityOfficer,
    ]
    .iter()
    .any(|r| user.has_role(*r))
}

/// PR-06, PR-10: a noted sign-up enters the distribution once the security officer has cleared
/// it, when it is under the secrecy regime.
pub fn ready_for_distribution(state: SignupState, secrecy: bool, cleared: bool) -> bool {
    state == SignupState::Noted && (!secrecy || cleared)
}

/// PR-13: whether a sign-up falls in the selective phone survey taking `percent` of those
/// eligible. The choice is fixed for a sign-up (a mix of its id), so the list is stable between
/// visits and not chosen by staff.
pub fn in_phone_sample(card_id: i64, percent: u8) -> bool {
    let mut z = (card_id as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z % 100) < u64::from(percent.min(100))
}

/// PR-13: who is surveyed by phone: applicants who got a consultation or declined the sign-up.
pub fn phone_survey_eligible(state: SignupState, outcome: Option<ReceptionOutcome>) -> bool {
    state == SignupState::Declined
        || (state == SignupState::Held && outcome == Some(ReceptionOutcome::Consultation))
}

/// One sign-up as the quarterly report counts it (PR-15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFacts {
    pub body: String,
    pub source: SignupSource,
    pub state: SignupState,
    pub outcome: Option<ReceptionOutcome>,
    /// Registered after the day it was taken (PR-08).
    pub registered_late: bool,
    /// Told the date and time after the 15th working day, or not yet told with the term past
    /// (PR-11).
    pub notice_late: bool,
    pub secrecy: bool,
    pub rating: Option<u8>,
    pub phone_surveyed: bool,
}

/// A line of the quarterly report: one body, or the total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportLine {
    pub body: String,
    pub signups: u32,
    /// By source, in [`SignupSource::ALL`] order.
    pub by_source: Vec<u32>,
    pub registered_late: u32,
    pub notice_late: u32,
    pub held: u32,
    pub consultations: u32,
    pub satisfied: u32,
    pub no_show: u32,
    pub refused: u32,
    pub declined: u32,
    pub waiting: u32,
    pub secrecy: u32,
    pub surveys: u32,
    /// Average satisfaction ×10 (one decimal without floats), when anyone answered.
    pub rating_x10: Option<u32>,
    pub phone_surveys: u32,
}

impl ReportLine {
    fn add(&mut self, f: &ReportFacts) {
        if self.by_source.is_empty() {
            self.by_source = vec![0; SignupSource::ALL.len()];
        }
        self.signups += 1;
        if let Some(i) = SignupSource::ALL.iter().position(|s| *s == f.source) {
            self.by_source[i] += 1;
        }
        self.registered_late += u32::from(f.registered_late);
        self.notice_late += u32::from(f.notice_late);
        self.secrecy += u32::from(f.secrecy);
        match f.state {
            SignupState::Held => {
                self.held += 1;
                match f.outcome {
                    Some(ReceptionOutcome::Consultation) => self.consultations += 1,
                    Some(ReceptionOutcome::Satisfied | ReceptionOutcome::PartiallySatisfied) => {
                        self.satisfied += 1
                    }
                    _ => {}
                }
            }
            SignupState::NoShow => self.no_show += 1,
            SignupState::Refused => self.refused += 1,
            SignupState::Declined => self.declined += 1,
            _ => self.waiting += 1,
        }
        self.phone_surveys += u32::from(f.phone_surveyed);
    }
}

/// PR-15: the quarterly report, per body (sorted by body) and in total, with average ratings.
pub fn quarterly_report(facts: &[ReportFacts]) -> (Vec<ReportLine>, ReportLine) {
    let mut lines: std::collections::BTreeMap<&str, (ReportLine, u32)> = Default::default();
    let mut total = (
        ReportLine {
            body: String::new(),
            ..Default::default()
        },
        0u32,
    );
    for f in facts {
        let e = lines.entry(f.body.as_str()).or_insert_with(|| {
            (
                ReportLine {
                    body: f.body.clone(),
                    ..Default::default()
                },
                0,
            )
        });
        for (line, sum) in [(&mut e.0, &mut e.1), (&mut total.0, &mut total.1)] {
            line.add(f);
            if let Some(r) = f.rating {
                line.surveys += 1;
                *sum += u32::from(r);
            }
        }
    }
    let finish = |(mut l, sum): (ReportLine, u32)| {
        if l.by_source.is_empty() {
            l.by_source = vec![0; SignupSource::ALL.len()];
        }
        l.rating_x10 = (l.surveys > 0).then(|| (sum * 10 + l.surveys / 2) / l.surveys);
        l
    };
    (lines.into_values().map(finish).collect(), finish(total))
}
