//! The core model: bodies, officials, branches, staff, applicants and the
//! registration-control card (GEN-05) with its state machine.

use crate::ids::{Bin, Email, Iin, Phone};
use crate::lang::{Lang, Names};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

string_enum!(
    /// How an appeal reached the body (GEN-05 "channel").
    Channel {
        Portal = "portal",
        Vks = "vks",
        PersonalReception = "personal_reception",
        VideoAppeal = "video_appeal",
        Paper = "paper",
        Oral = "oral",
        CallCenter = "call_center",
    }
);

string_enum!(
    /// EA-01: kinds of appeal.
    AppealKind {
        Proposal = "proposal",
        Statement = "statement",
        Complaint = "complaint",
        Request = "request",
        Response = "response",
    }
);

string_enum!(
    /// Staff roles (DESIGN.md "Who uses it"). Applicants are not staff and sign in by signature.
    Role {
        BranchOperator = "branch_operator",
        Registrar = "registrar",
        ReceptionSecretary = "reception_secretary",
        Executor = "executor",
        Head = "head",
        Operator = "operator",
        GovernmentOffice = "government_office",
        /// PR-02, PR-14: takes sign-ups for personal reception by phone, for every body.
        CallCenterOperator = "call_center_operator",
        /// PR-06, VC-20: clears secrecy-regime cases and reviews access to personal data.
        SecurityOfficer = "security_officer",
        Admin = "admin",
    }
);

impl Role {
    pub fn title(self, lang: Lang) -> &'static str {
        let t: (&str, &str, &str) = match self {
            Role::BranchOperator => ("ХҚКО қызметкері", "Сотрудник ЦОН", "Branch operator"),
            Role::Registrar => ("Тіркеуші (ҚҚБ)", "Регистратор (канцелярия)", "Registrar"),
            Role::ReceptionSecretary => (
                "Қабылдау хатшысы",
                "Секретарь приёма",
                "Reception secretary",
            ),
            Role::Executor => ("Орындаушы", "Исполнитель", "Executor"),
            Role::Head => (
                "Басшы / орынбасар",
                "Руководитель / заместитель",
                "Head / deputy",
            ),
            Role::Operator => (
                "Уәкілетті орган",
                "Уполномоченный орган",
                "Operator / authorized body",
            ),
            Role::GovernmentOffice => (
                "Үкімет аппараты",
                "Аппарат Правительства",
                "Government office",
            ),
            Role::CallCenterOperator => (
                "Байланыс орталығының операторы",
                "Оператор call-центра",
                "Call-center operator",
            ),
            Role::SecurityOfficer => (
                "Қауіпсіздік қызметкері",
                "Сотрудник по режиму секретности",
                "Security officer",
            ),
            Role::Admin => ("Әкімші", "Администратор", "Administrator"),
        };
        match lang {
            Lang::Kk => t.0,
            Lang::Ru => t.1,
            Lang::En => t.2,
        }
    }

    /// Whether the role works inside one state body (and so must be bound to one).
    pub fn needs_body(self) -> bool {
        matches!(
            self,
            Role::Registrar
                | Role::ReceptionSecretary
                | Role::Executor
                | Role::Head
                | Role::SecurityOfficer
        )
    }

    pub fn needs_branch(self) -> bool {
        matches!(self, Role::BranchOperator)
    }
}

/// Contacts of a body or branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Contacts {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Names,
    pub website: Option<String>,
}

/// A state body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    pub id: i64,
    /// Short code, unique, used in registration numbers (e.g. `MJ`).
    pub code: String,
    pub name: Names,
    pub parent_id: Option<i64>,
    /// Competence topics (free keys such as `housing`, `pensions`).
    pub competence: Vec<String>,
    pub vks_connected: bool,
    pub video_appeal_connected: bool,
    pub contacts: Contacts,
    pub time_zone: String,
    /// The body's BIN: what its employees' certificates carry (EA-09).
    pub bin: Option<String>,
    /// When the body closed: it takes no new appeal and is no one's recipient any more.
    pub closed_at: Option<DateTime<Utc>>,
}

impl Body {
    /// Whether the body works: appeals may be addressed to it.
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// A new body before it has an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBody {
    pub code: String,
    pub name: Names,
    pub parent_code: Option<String>,
    pub competence: Vec<String>,
    pub vks_connected: bool,
    pub video_appeal_connected: bool,
    pub contacts: Contacts,
    pub time_zone: String,
}

impl NewBody {
    /// Checks the fields a person types; returns every problem at once (field, key).
    pub fn validate(&self) -> Result<(), Vec<(&'static str, &'static str)>> {
        let mut errs = Vec::new();
        let code_ok = !self.code.is_empty()
            && self.code.len() <= 16
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !code_ok {
            errs.push(("code", "body-code-invalid"));
        }
        if self.name.ru.trim().is_empty() || self.name.kk.trim().is_empty() {
            errs.push(("name", "body-name-required-kk-ru"));
        }
        if let Some(e) = &self.contacts.email {
            if Email::parse(e).is_err() {
                errs.push(("email", "id-bad-email"));
            }
        }
        if let Some(p) = &self.contacts.phone {
            if Phone::parse(p).is_err() {
                errs.push(("phone", "id-bad-phone"));
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }
}

string_enum!(
    /// An official's place in the body's leadership.
    OfficialRank {
        FirstHead = "first_head",
        Deputy = "deputy",
    }
);

/// A head or deputy head of a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Official {
    pub id: i64,
    pub body_id: i64,
    pub full_name: String,
    pub position: Names,
    pub rank: OfficialRank,
    /// Order among deputies (1 = first deputy), 0 for the first head.
    pub seniority: i32,
    pub absences: Vec<Absence>,
}

/// A period an official is away (leave, business trip, illness), both days inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: String,
}

impl Official {
    pub fn is_absent_on(&self, day: NaiveDate) -> bool {
        self.absences.iter().any(|a| a.from <= day && day <= a.to)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceptionError {
    #[error("the body has no first head on record")]
    NoFirstHead,
    #[error("the first head is absent and no deputy is available on {0}")]
    NobodyAvailable(NaiveDate),
}

/// VC-01: the reception is conducted by the first head; by a deputy only when the first head
/// is absent — the most senior deputy who is present that day.
pub fn presiding_official(
    officials: &[Official],
    day: NaiveDate,
) -> Result<&Official, ReceptionError> {
    let head = officials
        .iter()
        .find(|o| o.rank == OfficialRank::FirstHead)
        .ok_or(ReceptionError::NoFirstHead)?;
    if !head.is_absent_on(day) {
        return Ok(head);
    }
    officials
        .iter()
        .filter(|o| o.rank == OfficialRank::Deputy && !o.is_absent_on(day))
        .min_by_key(|o| o.seniority)
        .ok_or(ReceptionError::NobodyAvailable(day))
}

/// A State Corporation ("Government for Citizens") branch — a public service center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    pub id: i64,
    pub code: String,
    pub name: Names,
    pub region: Names,
    pub address: Names,
    /// Has VKS equipment for receptions by videoconference.
    pub vks_equipment: bool,
    /// Number of video-appeal booths.
    pub booths: i32,
    pub phone: Option<String>,
    /// When the branch closed: no booking, booth or operator works there any more.
    pub closed_at: Option<DateTime<Utc>>,
}

impl Branch {
    /// Whether the branch works.
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// A member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffUser {
    pub id: i64,
    pub login: String,
    pub full_name: String,
    /// Their position in the body, as shown to staff (may be empty).
    pub position: String,
    pub email: Option<String>,
    pub body_id: Option<i64>,
    pub branch_id: Option<i64>,
    pub roles: Vec<Role>,
    pub active: bool,
    pub lang: Lang,
    /// The IIN their own signing certificate must carry (EA-09); none: they cannot sign yet.
    pub iin: Option<String>,
}

impl StaffUser {
    pub fn has_role(&self, r: Role) -> bool {
        self.active && self.roles.contains(&r)
    }
}

/// An applicant: an individual (by IIN) or a legal entity (by BIN).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Applicant {
    Individual {
        iin: Iin,
        surname: String,
        name: String,
        patronymic: Option<String>,
        email: Option<Email>,
        phone: Option<Phone>,
        address: String,
        lang: Lang,
    },
    LegalEntity {
        bin: Bin,
        org_name: String,
        signer_surname: String,
        signer_name: String,
        email: Option<Email>,
        phone: Option<Phone>,
        address: String,
        lang: Lang,
    },
}

impl Applicant {
    /// IIN or BIN: the key an applicant is found by.
    pub fn tax_id(&self) -> &str {
        match self {
            Applicant::Individual { iin, .. } => iin.as_str(),
            Applicant::LegalEntity { bin, .. } => bin.as_str(),
        }
    }

    pub fn display_name(&self) -> String {
        match self {
            Applicant::Individual {
                surname,
                name,
                patronymic,
                ..
            } => match patronymic {
                Some(p) if !p.is_empty() => format!("{surname} {name} {p}"),
                _ => format!("{surname} {name}"),
            },
            Applicant::LegalEntity { org_name, .. } => org_name.clone(),
        }
    }

    pub fn lang(&self) -> Lang {
        match self {
            Applicant::Individual { lang, .. } | Applicant::LegalEntity { lang, .. } => *lang,
        }
    }
}

string_enum!(
    /// Where a registration-control card is in its life.
    CardState {
        Received = "received",
        Refused = "refused",
        Registered = "registered",
        InExecution = "in_execution",
        Redirected = "redirected",
        Attached = "attached",
        Decided = "decided",
        Answered = "answered",
        Archived = "archived",
        ClosedOutOfScope = "closed_out_of_scope",
    }
);

string_enum!(
    /// Something that moves a card from one state to another.
    CardAction {
        Register = "register",
        Refuse = "refuse",
        SendForExecution = "send_for_execution",
        Redirect = "redirect",
        AttachToMain = "attach_to_main",
        Decide = "decide",
        Answer = "answer",
        Archive = "archive",
        CloseOutOfScope = "close_out_of_scope",
    }
);

string_enum!(
    /// The procedures an appeal may belong to instead of the appeals rules (000 §2): an appeal
    /// governed by one of them is closed with that ground, and the applicant is told which.
    OutOfScopeGround {
        AdministrativeOffence = "administrative_offence",
        CriminalProcedure = "criminal_procedure",
        CivilProcedure = "civil_procedure",
    }
);

string_enum!(
    /// VC-20: what a staff member did with an applicant's personal data.
    AccessKind {
        CardOpened = "card_opened",
        FileDownloaded = "file_downloaded",
        RecordingPlayed = "recording_played",
        LetterPrinted = "letter_printed",
        SignupOpened = "signup_opened",
        ReceptionOpened = "reception_opened",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a card in state `{from}` cannot be moved by `{action}`")]
pub struct TransitionError {
    pub from: CardState,
    pub action: CardAction,
}

impl CardState {
    /// The state machine of a registration-control card. One place decides what may follow
    /// what; the store only executes a transition the domain allowed.
    pub fn apply(self, action: CardAction) -> Result<CardState, TransitionError> {
        use CardAction as A;
        use CardState as S;
        let to = match (self, action) {
            (S::Received, A::Register) => S::Registered,
            (S::Received, A::Refuse) => S::Refused,
            (S::Registered, A::SendForExecution) => S::InExecution,
            (S::Registered | S::InExecution, A::Redirect) => S::Redirected,
            (S::Registered | S::InExecution, A::AttachToMain) => S::Attached,
            (S::Registered | S::InExecution, A::CloseOutOfScope) => S::ClosedOutOfScope,
            (S::InExecution, A::Decide) => S::Decided,
            (S::Decided, A::Answer) => S::Answered,
            (
                S::Answered | S::Redirected | S::Attached | S::ClosedOutOfScope | S::Refused,
                A::Archive,
            ) => S::Archived,
            (from, action) => return Err(TransitionError { from, action }),
        };
        Ok(to)
    }

    /// A closed case: its deadlines never move again (a calendar change leaves it alone).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            CardState::Refused
                | CardState::Redirected
                | CardState::Attached
                | CardState::Answered
                | CardState::Archived
                | CardState::ClosedOutOfScope
        )
    }
}

/// A registration number: per body, per year, gap-free (GEN-05).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegNumber {
    pub body_code: String,
    pub year: i32,
    pub seq: i64,
}

impl fmt::Display for RegNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:06}", self.body_code, self.year, self.seq)
    }
}

/// The registration-control card (GEN-05): one per appeal, whatever its channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub id: i64,
    pub body_id: i64,
    pub channel: Channel,
    pub kind: AppealKind,
    pub state: CardState,
    pub applicant_id: Option<i64>,
    pub addressee: Option<String>,
    pub summary: String,
    pub received_at: DateTime<Utc>,
    pub registered_at: Option<DateTime<Utc>>,
    pub reg_number: Option<RegNumber>,
    pub executor_id: Option<i64>,
    pub rulebook_id: String,
    pub main_card_id: Option<i64>,
    pub redirected_to_body_id: Option<i64>,
    pub decision: Option<String>,
    pub answer: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub collective: bool,
}

impl Card {
    /// The number people know the case by: its registration number, or the number it was
    /// received under until it is registered.
    pub fn reference(&self) -> String {
        self.reg_number
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_else(|| self.id.to_string())
    }
}

/// A card as it arrives, before the store gives it an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCard {
    pub body_id: i64,
    pub channel: Channel,
    pub kind: AppealKind,
    pub applicant_id: Option<i64>,
    pub addressee: Option<String>,
    pub summary: String,
    pub received_at: DateTime<Utc>,
    pub rulebook_id: String,
    pub collective: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn official(id: i64, rank: OfficialRank, seniority: i32, absences: Vec<Absence>) -> Official {
        Official {
            id,
            body_id: 1,
            full_name: format!("Official {id}"),
            position: Names::default(),
            rank,
            seniority,
            absences,
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    /// VC-01: the first head presides; a deputy only in the first head's absence, the most
    /// senior present deputy first.
    #[test]
    fn vc_01_first_head_presides_deputy_only_in_absence() {
        let leave = Absence {
            from: d(2026, 4, 1),
            to: d(2026, 4, 10),
            reason: "annual leave".into(),
        };
        let trip = Absence {
            from: d(2026, 4, 6),
            to: d(2026, 4, 7),
            reason: "business trip".into(),
        };
        let officials = vec![
            official(3, OfficialRank::Deputy, 2, vec![]),
            official(1, OfficialRank::FirstHead, 0, vec![leave]),
            official(2, OfficialRank::Deputy, 1, vec![trip]),
        ];
        assert_eq!(
            presiding_official(&officials, d(2026, 3, 31)).map(|o| o.id),
            Ok(1)
        );
        assert_eq!(
            presiding_official(&officials, d(2026, 4, 2)).map(|o| o.id),
            Ok(2)
        );
        assert_eq!(
            presiding_official(&officials, d(2026, 4, 6)).map(|o| o.id),
            Ok(3)
        );
        assert_eq!(
            presiding_official(&officials, d(2026, 4, 11)).map(|o| o.id),
            Ok(1)
        );
        assert_eq!(
            presiding_official(&officials[..2], d(2026, 4, 1)).map(|o| o.id),
            Ok(3),
            "the remaining deputy steps in"
        );
        assert_eq!(
            presiding_official(&officials[1..2], d(2026, 4, 1)).map(|o| o.id),
            Err(ReceptionError::NobodyAvailable(d(2026, 4, 1)))
        );
        assert_eq!(
            presiding_official(&officials[2..], d(2026, 4, 1)).map(|o| o.id),
            Err(ReceptionError::NoFirstHead)
        );
    }

    /// GEN-05: the card's state machine allows the paths of the rules and nothing else.
    #[test]
    fn gen_05_card_state_machine() {
        use CardAction as A;
        use CardState as S;
        let path = [
            A::Register,
            A::SendForExecution,
            A::Decide,
            A::Answer,
            A::Archive,
        ];
        let mut s = S::Received;
        for a in path {
            s = s.apply(a).unwrap_or(S::Received);
        }
        assert_eq!(s, S::Archived);
        assert!(S::Received.apply(A::Answer).is_err());
        assert!(S::Archived.apply(A::Register).is_err());
        assert_eq!(S::Registered.apply(A::Redirect), Ok(S::Redirected));
        assert!(S::Redirected.is_closed());
        assert!(!S::InExecution.is_closed());
        for st in S::ALL {
            assert_eq!(CardState::parse(st.as_str()), Some(*st));
        }
    }

    #[test]
    fn reg_number_format() {
        let n = RegNumber {
            body_code: "MJ".into(),
            year: 2026,
            seq: 42,
        };
        assert_eq!(n.to_string(), "MJ-2026-000042");
    }
}
