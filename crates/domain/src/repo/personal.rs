//! Personal reception (PR): schedules, sign-ups, material requests, participants and surveys,
//! and the repository that keeps them.

use super::*;

/// PR-01, PR-04: a reception schedule for a month: the government office's schedule of
/// citizen reception centers (`owner_body_id` `None`, approved by the Head of the Government
/// Office, PR-03) or a body's public reception office's own (approved by its head).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrSchedule {
    pub id: i64,
    pub owner_body_id: Option<i64>,
    /// The month's first day.
    pub month: NaiveDate,
    /// `draft`, `approved` or `published`.
    pub state: String,
    pub drafted_by: i64,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A row of the PR-04 form: body, official, position, date and time, location, contacts; and
/// how many applicants the reception takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrSlot {
    pub body_id: i64,
    pub official_id: Option<i64>,
    pub official_name: String,
    pub position: String,
    pub first_head: bool,
    /// Local wall-clock start.
    pub starts: NaiveDateTime,
    pub minutes: i32,
    pub location: String,
    pub phone: String,
    pub email: String,
    pub capacity: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrSlot {
    pub id: i64,
    pub schedule_id: i64,
    pub slot: NewPrSlot,
    /// Sign-ups given this place and not withdrawn.
    pub taken: i64,
}

/// A sign-up before it is stored, with its card (state received) and first deadlines.
#[derive(Debug, Clone)]
pub struct NewSignup {
    pub card: NewCard,
    pub source: SignupSource,
    /// The "E-appeals" system's id (the import is idempotent on it).
    pub external_id: Option<String>,
    pub full_name: String,
    pub iin: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub citizenship: Citizenship,
    pub question: String,
    pub arrived_at: DateTime<Utc>,
    /// PR-02: queued to the next opening when it came outside working hours.
    pub queued: bool,
    pub scan_key: Option<String>,
    /// The staff member who took it (paper, oral, call center).
    pub taken_by: Option<i64>,
    /// Portal sign-ups: the signed text and its CMS signature.
    pub signed_form: Option<String>,
    pub signature: Option<Vec<u8>>,
    pub deadlines: Vec<StoredDeadline>,
    pub notices: Vec<NewNotice>,
}

/// A stored sign-up with its card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signup {
    pub card: Card,
    pub source: SignupSource,
    pub external_id: Option<String>,
    pub full_name: String,
    pub iin: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub citizenship: Citizenship,
    pub question: String,
    pub arrived_at: DateTime<Utc>,
    pub queued: bool,
    pub scan_key: Option<String>,
    pub taken_by: Option<i64>,
    pub state: SignupState,
    pub responsible_id: Option<i64>,
    pub note: Option<String>,
    pub noted_at: Option<DateTime<Utc>>,
    pub note_due: Option<NaiveDate>,
    pub cleared_by: Option<i64>,
    pub cleared_at: Option<DateTime<Utc>>,
    pub slot_id: Option<i64>,
    pub notified_at: Option<DateTime<Utc>>,
    pub outcome: Option<ReceptionOutcome>,
    pub outcome_text: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub rating: Option<i32>,
    pub survey_comment: Option<String>,
    pub surveyed_at: Option<DateTime<Utc>>,
    pub phone_result: Option<String>,
    pub phone_at: Option<DateTime<Utc>>,
    /// The form the applicant signed, when they signed it themselves (the portal).
    pub signed_form: Option<String>,
}

impl Signup {
    pub fn secrecy(&self) -> bool {
        self.citizenship.secrecy()
    }
}

/// Fields of a sign-up to set (each `Some` is written, `None` left as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignupUpdate {
    pub state: Option<SignupState>,
    pub responsible_id: Option<i64>,
    pub note: Option<String>,
    pub noted_at: Option<DateTime<Utc>>,
    pub note_due: Option<NaiveDate>,
    pub cleared_by: Option<i64>,
    pub cleared_at: Option<DateTime<Utc>>,
    pub slot_id: Option<i64>,
    pub notified_at: Option<DateTime<Utc>>,
    pub outcome: Option<ReceptionOutcome>,
    pub outcome_text: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub survey_hash: Option<String>,
    pub rating: Option<i32>,
    pub survey_comment: Option<String>,
    pub surveyed_at: Option<DateTime<Utc>>,
    pub phone_result: Option<String>,
    pub phone_at: Option<DateTime<Utc>>,
}

/// Which sign-ups to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignupFilter {
    pub body_id: Option<i64>,
    pub states: Vec<SignupState>,
    pub responsible_id: Option<i64>,
    pub slot_id: Option<i64>,
    /// Taken (accepted) at or after / before these moments.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// PR-12: a request of reception staff for materials, binding on the body's unit it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMaterialTask {
    pub card_id: i64,
    pub unit: String,
    pub assignee_id: i64,
    pub text: String,
    pub due_on: NaiveDate,
    pub requested_by: i64,
    pub requested_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialTask {
    pub id: i64,
    pub task: NewMaterialTask,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// PR-07: someone who joins a reception day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewParticipant {
    pub body_id: i64,
    pub day: NaiveDate,
    pub kind: ParticipantKind,
    pub name: String,
    pub organisation: String,
    /// The sign-up whose question concerns a representative's body.
    pub card_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub id: i64,
    pub p: NewParticipant,
}

/// Personal reception (PR): schedules, sign-ups from every channel, material requests,
/// participants and surveys.
#[async_trait]
pub trait PersonalRepo: Send + Sync {
    /// Starts a month's schedule (draft). Conflict if the owner has one for that month.
    async fn pr_create_schedule(
        &self,
        owner_body_id: Option<i64>,
        month: NaiveDate,
        drafted_by: i64,
        journal: JournalDraft,
    ) -> StoreResult<i64>;
    async fn pr_schedule(&self, id: i64) -> StoreResult<PrSchedule>;
    /// Schedules of an owner (`None`: the government office's), newest month first.
    async fn pr_schedules(&self, owner_body_id: Option<i64>) -> StoreResult<Vec<PrSchedule>>;
    /// Published schedules whose month is between `from` and `to` (first days), any owner.
    async fn pr_published(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<PrSchedule>>;
    /// Adds a row to a draft schedule. Stale if it is no longer a draft.
    async fn pr_add_slot(
        &self,
        schedule_id: i64,
        slot: &NewPrSlot,
        journal: JournalDraft,
    ) -> StoreResult<i64>;
    /// Removes a row of a draft schedule.
    async fn pr_remove_slot(&self, slot_id: i64, journal: JournalDraft) -> StoreResult<()>;
    async fn pr_slots(&self, schedule_id: i64) -> StoreResult<Vec<PrSlot>>;
    async fn pr_slot(&self, id: i64) -> StoreResult<PrSlot>;
    /// Rows of published schedules for `body_id` starting at or after `from`, earliest first.
    async fn pr_open_slots(&self, body_id: i64, from: NaiveDateTime) -> StoreResult<Vec<PrSlot>>;
    /// Moves a schedule `from` → `to` (approve, publish). Stale if it is not in `from`.
    async fn pr_move_schedule(
        &self,
        id: i64,
        from: &str,
        to: &str,
        by: i64,
        at: DateTime<Utc>,
        journal: JournalDraft,
    ) -> StoreResult<()>;

    /// PR-02: stores a sign-up with its card, terms and notices in one transaction. Returns the
    /// card id and whether it is new (an import with a known external id is not stored again).
    async fn pr_submit(&self, s: &NewSignup, journal: JournalDraft) -> StoreResult<(i64, bool)>;
    async fn pr_signup(&self, card_id: i64) -> StoreResult<Signup>;
    /// Sign-ups by `f`, in queue order (taken first, first) or newest first.
    async fn pr_signups(
        &self,
        f: &SignupFilter,
        queue_order: bool,
        page: PageRequest,
    ) -> StoreResult<Page<Signup>>;
    /// PR-08: registers the sign-up's card (number, terms, notices) and sends it to the
    /// responsible worker, in one transaction.
    #[allow(clippy::too_many_arguments)]
    async fn pr_register(
        &self,
        card_id: i64,
        year: i32,
        registered_at: DateTime<Utc>,
        responsible_id: i64,
        deadlines: &[StoredDeadline],
        notices: &(dyn for<'r> Fn(&'r RegNumber) -> Vec<NewNotice> + Sync),
        journal: JournalDraft,
    ) -> StoreResult<RegNumber>;
    /// Changes a sign-up in state `from` (Stale otherwise), with its card's moves, notices and
    /// the journal entry, in one transaction.
    async fn pr_update(
        &self,
        card_id: i64,
        from: SignupState,
        update: &SignupUpdate,
        moves: &[CardMove],
        notices: &[NewNotice],
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// PR-10: gives each (sign-up, place) its place and the notice of date and time, all in
    /// one transaction; a place never takes more than its capacity (Conflict otherwise).
    async fn pr_distribute(
        &self,
        assignments: &[(i64, i64, Vec<NewNotice>)],
        at: DateTime<Utc>,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// PR-13: the sign-up whose survey link has this token hash.
    async fn pr_signup_by_survey(&self, survey_hash: &str) -> StoreResult<Signup>;

    async fn pr_add_task(&self, t: &NewMaterialTask, journal: JournalDraft) -> StoreResult<i64>;
    /// Tasks of a card, or assigned to a staff member (open ones first).
    async fn pr_tasks(
        &self,
        card_id: Option<i64>,
        assignee_id: Option<i64>,
    ) -> StoreResult<Vec<MaterialTask>>;
    async fn pr_answer_task(
        &self,
        id: i64,
        answer: &str,
        at: DateTime<Utc>,
        journal: JournalDraft,
    ) -> StoreResult<()>;

    async fn pr_add_participant(
        &self,
        p: &NewParticipant,
        journal: JournalDraft,
    ) -> StoreResult<i64>;
    async fn pr_participants(
        &self,
        body_id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Participant>>;
}
