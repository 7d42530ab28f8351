//! Repository traits: what the domain needs stored, defined here and implemented by the store
//! crate once per backend (SQLite, PostgreSQL). Methods that change a card's state take the
//! transition the domain decided and the journal entry describing it, and the store writes
//! both in one transaction: a change exists only if its journal entry does (GEN-06).

use crate::calendar::DayEdit;
use crate::deadline::{Deadline, TermEvent};
use crate::job::{Job, JobCount, NewJob};
use crate::journal::{JournalDraft, JournalEntry};
use crate::lang::{Lang, Names};
use crate::model::{
    Absence, AccessKind, AppealKind, Applicant, Body, Branch, Card, CardState, Channel, NewBody,
    NewCard, Official, OfficialRank, RegNumber, Role, StaffUser,
};
use crate::notice::{NewNotice, Notice};
use crate::personal::{Citizenship, ParticipantKind, ReceptionOutcome, SignupSource, SignupState};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

mod vks;
pub use vks::*;
mod video;
pub use video::*;
mod personal;
pub use personal::*;
mod appeal;
pub use appeal::*;

/// Why a store call failed. `Backend` carries the cause for the log; it is never shown.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("already exists: {0}")]
    Conflict(String),
    /// The card was not in the state the transition expected (someone else moved it).
    #[error("the record changed meanwhile: {0}")]
    Stale(String),
    /// A new appeal over the limits it was to be admitted under, counted in the storing
    /// transaction: nothing was written.
    #[error("the appeal is not admitted: {0:?}")]
    NotAdmitted(crate::appeal::AdmissionRefusal),
    #[error("the database is busy; try again")]
    Unavailable,
    #[error("storage failure: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A page of a list: `limit` items after the first `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub offset: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: 50,
            offset: 0,
        }
    }
}

impl PageRequest {
    /// Limits are clamped to 1..=500 so no request can ask for the whole table.
    pub fn new(limit: Option<u32>, offset: Option<u32>) -> Self {
        Self {
            limit: limit.unwrap_or(50).clamp(1, 500),
            offset: offset.unwrap_or(0),
        }
    }
}

/// Lists of cards count their matches only up to this many: a total of `COUNT_CAP + 1` means
/// "more than `COUNT_CAP`". Counting further would read every matching card on each page view.
pub const COUNT_CAP: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub request: PageRequest,
}

/// A new official before it has an id.
#[derive(Debug, Clone)]
pub struct NewOfficial {
    pub body_id: i64,
    pub full_name: String,
    pub position: Names,
    pub rank: OfficialRank,
    pub seniority: i32,
}

#[derive(Debug, Clone)]
pub struct NewBranch {
    pub code: String,
    pub name: Names,
    pub region: Names,
    pub address: Names,
    pub vks_equipment: bool,
    pub booths: i32,
    pub phone: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewStaff {
    pub login: String,
    pub full_name: String,
    /// Their position in the body ("head of the records office"), as shown to staff.
    pub position: String,
    pub email: Option<String>,
    pub body_id: Option<i64>,
    pub branch_id: Option<i64>,
    pub roles: Vec<Role>,
    /// An argon2 PHC string; the store never sees a password.
    pub password_hash: String,
    pub lang: Lang,
}

/// A signed-in staff session as stored (the token itself is kept only as a hash).
#[derive(Debug, Clone, Default)]
pub struct SessionRecord {
    pub token_hash: String,
    pub staff_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The client's address when the session was opened.
    pub client_ip: String,
    /// The browser's User-Agent when the session was opened (at most 300 characters).
    pub user_agent: String,
}

#[async_trait]
pub trait BodyRepo: Send + Sync {
    async fn create_body(&self, b: &NewBody, journal: JournalDraft) -> StoreResult<Body>;
    /// A new body with its BIN, in one transaction (journaled); a conflict when its code or
    /// BIN is another body's, not found when its parent is unknown.
    async fn add_body(
        &self,
        b: &NewBody,
        bin: Option<&crate::ids::Bin>,
        journal: JournalDraft,
    ) -> StoreResult<Body>;
    /// New bodies with their BINs, parents before children, each with its journal entry, in
    /// one transaction: all of them or none (a conflict when a code or BIN is taken).
    async fn import_bodies(
        &self,
        items: &[(NewBody, Option<crate::ids::Bin>, JournalDraft)],
    ) -> StoreResult<()>;
    async fn body(&self, id: i64) -> StoreResult<Body>;
    async fn body_by_code(&self, code: &str) -> StoreResult<Body>;
    /// Every body, closed ones included (reports, the console, names of old cards).
    async fn bodies(&self, page: PageRequest) -> StoreResult<Page<Body>>;
    /// The bodies that work: what a person chooses a recipient from.
    async fn open_bodies(&self, page: PageRequest) -> StoreResult<Page<Body>>;
    /// Closes a body at `at` (its staff are deactivated and signed out in the same
    /// transaction) or, with `None`, opens it again (its staff stay as they are); journaled.
    /// Not found when the body is unknown; stale when it already is as asked.
    async fn set_body_closed(
        &self,
        body_id: i64,
        at: Option<DateTime<Utc>>,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// Replaces what an administrator edits of a body — names, parent (by code), competence,
    /// connections, contacts — and its BIN, journaled; its code stays. A conflict when another
    /// body has the BIN, not found when the body or the parent is unknown.
    async fn update_body(
        &self,
        body_id: i64,
        b: &NewBody,
        bin: Option<&crate::ids::Bin>,
        journal: JournalDraft,
    ) -> StoreResult<Body>;
    /// Registers (or clears) a body's BIN (journaled); a conflict when another body has it.
    async fn set_body_bin(
        &self,
        body_id: i64,
        bin: Option<&crate::ids::Bin>,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    async fn add_official(&self, o: &NewOfficial) -> StoreResult<Official>;
    async fn officials(&self, body_id: i64) -> StoreResult<Vec<Official>>;
    async fn add_absence(
        &self,
        official_id: i64,
        a: &Absence,
        journal: JournalDraft,
    ) -> StoreResult<()>;
}

#[async_trait]
pub trait BranchRepo: Send + Sync {
    async fn create_branch(&self, b: &NewBranch) -> StoreResult<Branch>;
    /// A new branch, journaled; a conflict when its code is another branch's.
    async fn add_branch(&self, b: &NewBranch, journal: JournalDraft) -> StoreResult<Branch>;
    /// New branches, each with its journal entry, in one transaction: all or none.
    async fn import_branches(&self, items: &[(NewBranch, JournalDraft)]) -> StoreResult<()>;
    /// Replaces a branch's names, region, address, equipment, booths and phone (its code
    /// stays), journaled.
    async fn update_branch(
        &self,
        id: i64,
        b: &NewBranch,
        journal: JournalDraft,
    ) -> StoreResult<Branch>;
    /// Every branch, closed ones included.
    async fn branches(&self, page: PageRequest) -> StoreResult<Page<Branch>>;
    /// The branches that work: what a person chooses a VKS room or a booth from.
    async fn open_branches(&self, page: PageRequest) -> StoreResult<Page<Branch>>;
    /// Closes a branch at `at` (its operators are deactivated and signed out in the same
    /// transaction) or, with `None`, opens it again; journaled. Not found when the branch is
    /// unknown; stale when it already is as asked.
    async fn set_branch_closed(
        &self,
        branch_id: i64,
        at: Option<DateTime<Utc>>,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// How many VKS receptions booked at the branch are still to happen (requested,
    /// appointed or checked in).
    async fn live_bookings_at_branch(&self, branch_id: i64) -> StoreResult<i64>;
}

#[async_trait]
pub trait StaffRepo: Send + Sync {
    async fn create_staff(&self, s: &NewStaff, journal: JournalDraft) -> StoreResult<StaffUser>;
    /// A new staff member with the IIN their key carries, in one transaction (journaled); a
    /// conflict when the login or the IIN is taken.
    async fn add_staff(
        &self,
        s: &NewStaff,
        iin: &crate::ids::Iin,
        journal: JournalDraft,
    ) -> StoreResult<StaffUser>;
    /// New staff members with their IINs, each with its journal entry, in one transaction:
    /// all of them or none (a conflict when a login or IIN is taken).
    async fn import_staff(
        &self,
        items: &[(NewStaff, crate::ids::Iin, JournalDraft)],
    ) -> StoreResult<()>;
    async fn staff(&self, id: i64) -> StoreResult<StaffUser>;
    /// The user and their password hash, for sign-in.
    async fn staff_credentials(&self, login: &str) -> StoreResult<(StaffUser, String)>;
    async fn staff_list(&self, page: PageRequest) -> StoreResult<Page<StaffUser>>;
    /// Changes what an administrator edits of a staff member — full name, position, email,
    /// body, branch, roles, language (`s`'s login and password are not touched) — journaled.
    async fn update_staff(
        &self,
        staff_id: i64,
        s: &NewStaff,
        journal: JournalDraft,
    ) -> StoreResult<StaffUser>;
    /// Deactivates (every session of theirs ends in the same transaction) or reactivates a
    /// staff member, journaled.
    async fn set_staff_active(
        &self,
        staff_id: i64,
        active: bool,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// The staff member whose registered IIN this is (sign-in by key).
    async fn staff_by_iin(&self, iin: &str) -> StoreResult<StaffUser>;
    /// Registers (or clears) the IIN a staff member's signing certificate must carry
    /// (journaled). A conflict when another staff member has it.
    async fn set_staff_iin(
        &self,
        staff_id: i64,
        iin: Option<&crate::ids::Iin>,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    async fn create_session(&self, s: &SessionRecord) -> StoreResult<()>;
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<SessionRecord>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Signs a staff member out everywhere: every session of theirs ends. Returns how many.
    async fn delete_sessions_of(&self, staff_id: i64) -> StoreResult<u64>;
    /// The unexpired sessions of a staff member, newest first.
    async fn sessions_of(
        &self,
        staff_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<SessionRecord>>;
    /// Ends one session of a staff member (by its token's hash) or, with `None`, every one
    /// of theirs, journaled in the same transaction. Returns how many ended.
    async fn end_sessions(
        &self,
        staff_id: i64,
        token_hash: Option<&str>,
        journal: JournalDraft,
    ) -> StoreResult<u64>;
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

#[async_trait]
pub trait ApplicantRepo: Send + Sync {
    /// Creates or updates the applicant with this IIN/BIN; returns its id.
    async fn upsert_applicant(&self, a: &Applicant) -> StoreResult<i64>;
    async fn applicant(&self, id: i64) -> StoreResult<Applicant>;
}

/// A card with its current deadlines.
#[derive(Debug, Clone)]
pub struct OpenCase {
    pub card: Card,
    pub events: Vec<TermEvent>,
    pub deadlines: Vec<StoredDeadline>,
}

/// A deadline as kept with the card (GEN-04).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDeadline {
    pub key: String,
    pub rule: String,
    pub rulebook: String,
    pub due_at: DateTime<Utc>,
    pub due_on: chrono::NaiveDate,
    pub paused: bool,
    /// The explanation as JSON, for display without recomputing.
    pub explanation: String,
}

impl From<&Deadline> for StoredDeadline {
    fn from(d: &Deadline) -> Self {
        Self {
            key: d.key.clone(),
            rule: d.rule.clone(),
            rulebook: d.rulebook.clone(),
            due_at: d.due_at,
            due_on: d.due_on,
            paused: d.paused,
            explanation: serde_json::to_string(&d.explanation).unwrap_or_else(|_| "{}".into()),
        }
    }
}

#[async_trait]
pub trait CardRepo: Send + Sync {
    /// Stores a received card with its first deadlines; journaled.
    async fn create_card(
        &self,
        c: &NewCard,
        deadlines: &[StoredDeadline],
        journal: JournalDraft,
    ) -> StoreResult<Card>;
    async fn card(&self, id: i64) -> StoreResult<Card>;
    async fn cards_of_body(&self, body_id: i64, page: PageRequest) -> StoreResult<Page<Card>>;
    /// Registers a card in state `from`: takes the next number of its body for `year`
    /// (gap-free, unique under concurrency), sets the registration moment, writes the new
    /// deadlines and the journal entry, all in one transaction.
    #[allow(clippy::too_many_arguments)]
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
    ) -> StoreResult<RegNumber>;
    /// Moves a card from `from` to `to` (a transition the domain allowed), applies `update`,
    /// and writes the notices and the journal entry, all in one transaction.
    async fn transition_card(
        &self,
        card_id: i64,
        from: CardState,
        to: CardState,
        update: &CardUpdate,
        notices: &[NewNotice],
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// Cards of a body in any of `states`, newest first.
    async fn inbox(
        &self,
        body_id: i64,
        states: &[CardState],
        page: PageRequest,
    ) -> StoreResult<Page<Card>>;
    /// Cards of a body in any of `states` that pass `filter`, in the order `sort`.
    async fn card_list(
        &self,
        body_id: i64,
        states: &[CardState],
        filter: &CardFilter,
        sort: CardSort,
        page: PageRequest,
    ) -> StoreResult<Page<Card>>;
    /// EA-09: a body's decided cards whose answer `signatory` (`head`, `registrar`) has not
    /// signed yet, oldest first (the signing queue).
    async fn to_sign(
        &self,
        body_id: i64,
        signatory: &str,
        page: PageRequest,
    ) -> StoreResult<Page<Card>>;
    /// Cards of a body that came by `channel`, in any of `states`, newest first (VC-04: the
    /// reception secretary's inbox of VKS requests).
    async fn channel_inbox(
        &self,
        body_id: i64,
        channel: Channel,
        states: &[CardState],
        page: PageRequest,
    ) -> StoreResult<Page<Card>>;
    /// Cards an executor holds in any of `states`, newest first.
    async fn cards_of_executor(
        &self,
        staff_id: i64,
        states: &[CardState],
        page: PageRequest,
    ) -> StoreResult<Page<Card>>;
    /// The body's active staff and how many open cards each holds.
    async fn executor_loads(&self, body_id: i64) -> StoreResult<Vec<(StaffUser, i64)>>;
    /// Gives executor `from`'s cards among `card_ids` that are still in one of `states` to
    /// executor `to`, each with its journal entry (its subject the card), in one transaction.
    /// Returns the cards moved; one that changed hands or closed meanwhile stays as it is.
    async fn reassign_cards(
        &self,
        from: i64,
        to: i64,
        card_ids: &[i64],
        states: &[CardState],
        journal: JournalDraft,
    ) -> StoreResult<Vec<i64>>;
    /// EA-13: cards of the bodies received in `[from, to)`, counted per body by kind, channel,
    /// applicant type, state, decision, collectiveness, attachment, the body forwarded to and
    /// whether the answer term was kept (judged at `now` for open cards). Reads the
    /// (body, received) index range of each body, not the whole table.
    async fn report_groups(
        &self,
        body_ids: &[i64],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<crate::report::ReportGroup>>;
    /// Cards of the bodies received in each interval `[bounds[i], bounds[i + 1])`.
    async fn received_counts(
        &self,
        body_ids: &[i64],
        bounds: &[DateTime<Utc>],
    ) -> StoreResult<Vec<i64>>;
    /// How many of the bodies' cards were closed with an answer in `[from, to)`, and the
    /// middle of their hours from receipt to closing, in order: the middle one of an odd
    /// number, the middle two of an even one — what [`crate::report::median`] needs, without
    /// reading every card's hours out of the database.
    async fn answer_hours_middle(
        &self,
        body_ids: &[i64],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<(i64, Vec<i64>)>;
    /// PR-13: how many survey answers about the bodies' receptions in `[from, to)` gave each
    /// rating from 1 to 5.
    async fn survey_ratings(
        &self,
        body_ids: &[i64],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<[i64; 5]>;
    /// Records a pause, resumption or extension and the recomputed deadlines; journaled.
    async fn add_term_event(
        &self,
        card_id: i64,
        event: &TermEvent,
        deadlines: &[StoredDeadline],
        journal: JournalDraft,
    ) -> StoreResult<()>;
    async fn deadlines(&self, card_id: i64) -> StoreResult<Vec<StoredDeadline>>;
    /// The deadlines of several cards at once (a list's page), each with its card id; the
    /// explanations are left empty.
    async fn deadline_dates(&self, card_ids: &[i64]) -> StoreResult<Vec<(i64, StoredDeadline)>>;
    /// Open cases (not closed) with their events and deadlines, in id order after `after_id`.
    async fn open_cases(&self, after_id: i64, limit: u32) -> StoreResult<Vec<OpenCase>>;
    /// Replaces a card's deadlines after a recomputation; journaled.
    async fn replace_deadlines(
        &self,
        card_id: i64,
        deadlines: &[StoredDeadline],
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// Open cards in `scope` whose answer term (not paused) ends before `until`, the soonest
    /// first, each with that moment: an executor's "due today" list when `until` is the end of
    /// the day (overdue cards come first).
    async fn due_cards(
        &self,
        scope: CardScope,
        until: DateTime<Utc>,
        page: PageRequest,
    ) -> StoreResult<Page<(Card, DateTime<Utc>)>>;
    /// The dashboard's view of [`CardRepo::due_cards`] in one reading: how many open cards in
    /// `scope` are overdue (term before `overdue_before`), how many are due before
    /// `due_before` (overdue included), and the first `limit` overdue ones, soonest first.
    async fn due_summary(
        &self,
        scope: CardScope,
        overdue_before: DateTime<Utc>,
        due_before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<DueSummary>;
    /// Cards in `scope` whose summary matches every term of `query` (as a word prefix), newest
    /// first. Returns the page and whether more follow (matches are not counted: a common word
    /// may match a large share of the cards).
    async fn search_cards(
        &self,
        scope: CardScope,
        query: &crate::search::SearchQuery,
        page: PageRequest,
    ) -> StoreResult<(Vec<Card>, bool)>;
    /// Loads cards kept elsewhere (a previous system's archive, or generated demo data) in one
    /// transaction: registered cards take the next numbers of their body and year in the order
    /// given, gap-free after those already given. One journal entry records the batch.
    /// Returns the ids given, in order.
    async fn import_cards(
        &self,
        cards: &[ImportCard],
        journal: JournalDraft,
    ) -> StoreResult<Vec<i64>>;
}

/// What a staff list narrows to, beyond its states; each field left empty allows all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardFilter {
    pub kind: Option<AppealKind>,
    pub channel: Option<Channel>,
    pub executor_id: Option<i64>,
    /// Only cards whose answer term ([`crate::deadline::ANSWER`]) runs out before this moment
    /// and is not suspended: overdue when it is now, due by then otherwise.
    pub answer_due_before: Option<DateTime<Utc>>,
}

impl CardFilter {
    pub fn is_empty(&self) -> bool {
        *self == CardFilter::default()
    }
}

/// The order of a staff list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CardSort {
    /// Newest received first.
    #[default]
    Received,
    /// Oldest received first.
    ReceivedOldest,
    /// Soonest answer term first; cards without one last.
    Term,
    /// By state in the order of the case's life, newest first within each.
    State,
    /// By executor's name; unassigned cards last.
    Executor,
}

impl CardSort {
    pub const ALL: [CardSort; 5] = [
        CardSort::Received,
        CardSort::ReceivedOldest,
        CardSort::Term,
        CardSort::State,
        CardSort::Executor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CardSort::Received => "received",
            CardSort::ReceivedOldest => "received_oldest",
            CardSort::Term => "term",
            CardSort::State => "state",
            CardSort::Executor => "executor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whose cards a list shows: a body's, or one executor's within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardScope {
    pub body_id: i64,
    pub executor_id: Option<i64>,
}

/// A card as it stands elsewhere, to be loaded by [`CardRepo::import_cards`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportCard {
    pub body_id: i64,
    pub channel: Channel,
    pub kind: AppealKind,
    pub state: CardState,
    pub applicant_id: Option<i64>,
    pub summary: String,
    pub received_at: DateTime<Utc>,
    /// When registered; the number is given by the store in the year of this moment's
    /// `reg_year`.
    pub registered_at: Option<DateTime<Utc>>,
    pub reg_year: Option<i32>,
    pub executor_id: Option<i64>,
    pub rulebook_id: String,
    pub decision: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub collective: bool,
    pub deadlines: Vec<StoredDeadline>,
}

/// Fields a transition may set on a card (others stay as they are).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardUpdate {
    pub executor_id: Option<i64>,
    pub decision: Option<String>,
    pub answer: Option<String>,
    pub redirected_to_body_id: Option<i64>,
    pub main_card_id: Option<i64>,
    pub archived_at: Option<DateTime<Utc>>,
}

/// Background jobs (see [`crate::job`]). Jobs are enqueued inside the transaction of the change
/// that causes them (notices enqueue their delivery); [`JobRepo::enqueue_job`] is for work
/// caused by nothing stored.
#[async_trait]
pub trait JobRepo: Send + Sync {
    async fn enqueue_job(&self, job: &NewJob, now: DateTime<Utc>) -> StoreResult<i64>;
    /// Leases up to `limit` jobs of `kinds` to `worker` until `lease_until`: those ready and
    /// due at `now`, and those whose lease ended before `now` (their worker died). Each claim
    /// counts a try. On PostgreSQL concurrent claimers skip each other's rows; SQLite has one
    /// writer.
    async fn claim_jobs(
        &self,
        kinds: &[crate::job::JobKind],
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Job>>;
    /// The job is done: it is deleted. `Ok(false)` when `worker` no longer holds its lease
    /// (it ended and another worker claimed the job).
    async fn job_done(&self, id: i64, worker: &str) -> StoreResult<bool>;
    /// The try failed: the job is ready again at `retry_at`, or dead when that is `None`.
    /// `Ok(false)` when `worker` no longer holds its lease.
    async fn job_failed(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool>;
    /// Gives leased jobs back untried (the worker is stopping): due at once for any worker,
    /// their try not counted. Returns how many were given back.
    async fn release_jobs(&self, ids: &[i64], worker: &str) -> StoreResult<u64>;
    /// How many jobs of each kind are in each state (done jobs are gone).
    async fn job_counts(&self) -> StoreResult<Vec<JobCount>>;
    /// Dead jobs not dismissed, newest first.
    async fn dead_jobs(&self, page: PageRequest) -> StoreResult<Page<Job>>;
    async fn job(&self, id: i64) -> StoreResult<Job>;
    /// Sends a dead job again from `now` with its tries counted afresh (a notice's delivery
    /// shows as pending again), journaled. `Ok(false)` when it is not dead or was dismissed.
    async fn retry_job(
        &self,
        id: i64,
        now: DateTime<Utc>,
        journal: JournalDraft,
    ) -> StoreResult<bool>;
    /// Dismisses a dead job from the administrator's list (a notice stays undelivered),
    /// journaled. `Ok(false)` when it is not dead or was dismissed already.
    async fn dismiss_job(
        &self,
        id: i64,
        now: DateTime<Utc>,
        journal: JournalDraft,
    ) -> StoreResult<bool>;
}

/// What [`CardRepo::due_summary`] gives.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DueSummary {
    pub overdue: i64,
    pub due: i64,
    /// The first overdue cards, each with its term.
    pub first_overdue: Vec<(Card, DateTime<Utc>)>,
}

/// The figures kept as cards move (the public statistics and the dashboard): counts per body,
/// local year of receipt and every property of [`crate::report::ReportGroup`], and per body
/// and local month of receipt, updated by the database in the transaction that moves a card,
/// so reading a year costs the same with a thousand cards or a million.
#[async_trait]
pub trait TallyRepo: Send + Sync {
    /// Gives the deployment's time zone as its offsets (from each moment, seconds east of UTC,
    /// in order): months are local. When they differ from those stored, the tally is counted
    /// afresh from the cards, in one transaction; returns whether it was.
    async fn sync_tally_zone(&self, offsets: &[(DateTime<Utc>, i32)]) -> StoreResult<bool>;
    /// What [`CardRepo::report_groups`] gives for the cards received in the local `year`,
    /// read from the tally, with the properties `cut` merges over merged.
    async fn tally_groups(
        &self,
        body_ids: &[i64],
        year: i32,
        now: DateTime<Utc>,
        cut: crate::report::TallyCut,
    ) -> StoreResult<Vec<crate::report::ReportGroup>>;
    /// Cards of the bodies received in each local month of `[from, to)`, in order.
    async fn tally_months(
        &self,
        body_ids: &[i64],
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(NaiveDate, i64)>>;
}

#[async_trait]
pub trait NoticeRepo: Send + Sync {
    /// Notices still in the applicant's space, newest first.
    async fn notices_of_applicant(
        &self,
        applicant_id: i64,
        page: PageRequest,
    ) -> StoreResult<Page<Notice>>;
    async fn notices_of_card(&self, card_id: i64) -> StoreResult<Vec<Notice>>;
    async fn notice_delivered(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()>;
    /// Notices given up for good and not dismissed, newest first.
    async fn dead_notices(&self, page: PageRequest) -> StoreResult<Page<Notice>>;
    /// Sends a dead notice again from now (its tries counted afresh), journaled; `Ok(false)`
    /// when it is not dead (any more) or was dismissed.
    async fn retry_notice(
        &self,
        id: i64,
        now: DateTime<Utc>,
        journal: JournalDraft,
    ) -> StoreResult<bool>;
    /// Dismisses a dead notice from the list (it stays undelivered), journaled; `Ok(false)`
    /// when it is not dead or was dismissed already.
    async fn dismiss_notice(
        &self,
        id: i64,
        now: DateTime<Utc>,
        journal: JournalDraft,
    ) -> StoreResult<bool>;
    /// GEN-07: letters waiting to be posted for the cards of `body_id`, oldest first.
    async fn letters_to_post(&self, body_id: i64, page: PageRequest) -> StoreResult<Page<Notice>>;
    async fn notice(&self, id: i64) -> StoreResult<Notice>;
    /// GEN-07: the registrar has printed and posted a letter: it is delivered, journaled on
    /// its card. `Ok(false)` when it is not a letter waiting to be posted.
    async fn mark_posted(
        &self,
        id: i64,
        at: DateTime<Utc>,
        journal: JournalDraft,
    ) -> StoreResult<bool>;
    /// Records a failed try; `retry_at` is `None` when the notice is given up (dead).
    async fn notice_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;
}

#[async_trait]
pub trait ApplicantAuthRepo: Send + Sync {
    async fn create_nonce(&self, nonce: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Marks a nonce used; `NotFound` if unknown, used, or issued before `not_before`.
    async fn use_nonce(&self, nonce: &str, not_before: DateTime<Utc>) -> StoreResult<()>;
    async fn create_applicant_session(
        &self,
        token_hash: &str,
        applicant_id: i64,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The applicant of a live session.
    async fn applicant_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<i64>;
    async fn delete_applicant_session(&self, token_hash: &str) -> StoreResult<()>;
    async fn applicant_by_tax_id(&self, tax_id: &str) -> StoreResult<(i64, Applicant)>;
}

/// EA-16: an announcement (e.g. a planned outage) shown on the portal in its window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub text: Names,
}

/// VC-20: one access to an applicant's personal data, before it is stored. It names the staff
/// member and the card, never the applicant, their IIN or the appeal's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccess {
    pub at: DateTime<Utc>,
    pub staff_id: i64,
    /// The body whose case it is: its security officer reviews the entry.
    pub body_id: i64,
    pub card_id: i64,
    pub kind: AccessKind,
}

/// A stored access, with the staff member's name for the review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub staff_id: i64,
    pub staff_name: String,
    pub card_id: i64,
    pub kind: AccessKind,
}

/// Which accesses of a body a review lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessFilter {
    pub staff_id: Option<i64>,
    pub card_id: Option<i64>,
}

/// VC-20: the log of accesses to personal data, reviewed by each body's security officer.
#[async_trait]
pub trait AccessRepo: Send + Sync {
    async fn record_access(&self, a: &NewAccess) -> StoreResult<()>;
    /// A body's accesses, newest first.
    async fn access_log(
        &self,
        body_id: i64,
        filter: &AccessFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AccessEntry>>;
}

/// The deployment itself: who runs it (as eGov mobile shows when asked to sign), and whether
/// the database holds the demo data set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub name: Names,
    /// The operator's BIN, when given.
    pub bin: Option<String>,
    pub demo: bool,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait DeploymentRepo: Send + Sync {
    /// The deployment, once set up (by `otinish init` or by the demo loader).
    async fn deployment(&self) -> StoreResult<Option<Deployment>>;
    /// Sets a deployment up on an empty database: its record and its first administrator
    /// (with their IIN, for signing in by key), in one transaction, journaled. A conflict when
    /// it is set up already or holds bodies or staff.
    async fn init_deployment(
        &self,
        deployment: &Deployment,
        admin: &NewStaff,
        admin_iin: &crate::ids::Iin,
        journal: JournalDraft,
    ) -> StoreResult<StaffUser>;
    /// Marks the database as the demo's (the demo loader); nothing when a record exists.
    async fn mark_demo(&self, deployment: &Deployment, journal: JournalDraft) -> StoreResult<()>;
}

#[async_trait]
pub trait AnnouncementRepo: Send + Sync {
    async fn add_announcement(
        &self,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        text: &Names,
        journal: JournalDraft,
    ) -> StoreResult<i64>;
    /// Ends an announcement at `at` (withdrawn, or over sooner than planned), journaled;
    /// `Ok(false)` when it had ended already or does not exist.
    async fn end_announcement(
        &self,
        id: i64,
        at: DateTime<Utc>,
        journal: JournalDraft,
    ) -> StoreResult<bool>;
    /// Announcements whose window contains `now` or starts within `ahead`.
    async fn current_announcements(
        &self,
        now: DateTime<Utc>,
        ahead: chrono::Duration,
    ) -> StoreResult<Vec<Announcement>>;
}

#[async_trait]
pub trait CalendarRepo: Send + Sync {
    /// The admin's edits of a jurisdiction's calendar.
    async fn calendar_edits(&self, jurisdiction: &str) -> StoreResult<Vec<DayEdit>>;
    /// Adds or replaces the edit of one day; journaled.
    async fn put_calendar_edit(
        &self,
        jurisdiction: &str,
        e: &DayEdit,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// Removes the edit of one day (the shipped calendar holds for it again); journaled.
    /// `Ok(false)` when the day had no edit.
    async fn remove_calendar_edit(
        &self,
        jurisdiction: &str,
        date: chrono::NaiveDate,
        journal: JournalDraft,
    ) -> StoreResult<bool>;
    /// The rulebook editions the administrator has confirmed (GEN-01), oldest first.
    async fn edition_confirmations(&self) -> StoreResult<Vec<EditionConfirmation>>;
    /// Records that an edition is confirmed; journaled in the same transaction. `Ok(false)`
    /// when it was confirmed already (the first confirmation stands).
    async fn confirm_edition(
        &self,
        c: &EditionConfirmation,
        journal: JournalDraft,
    ) -> StoreResult<bool>;
}

/// An administrator's confirmation of a rulebook edition marked "to be confirmed".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditionConfirmation {
    pub edition: String,
    pub confirmed_at: DateTime<Utc>,
    /// Who confirmed it (the staff member's login).
    pub confirmed_by: String,
}

#[async_trait]
pub trait JournalRepo: Send + Sync {
    /// Appends an entry on its own (for changes that are not a card transition).
    async fn append(&self, d: JournalDraft) -> StoreResult<JournalEntry>;
    /// Entries with `seq > after`, in order, at most `limit`.
    async fn journal_after(&self, after: i64, limit: u32) -> StoreResult<Vec<JournalEntry>>;
    async fn journal_for(&self, subject: &str) -> StoreResult<Vec<JournalEntry>>;
    /// The sequence number and hash of the last entry, as the chain head records them.
    async fn journal_head(&self) -> StoreResult<(i64, String)>;
}

/// Everything the application needs from storage, in one object.
#[async_trait]
pub trait Store:
    VksRepo
    + PersonalRepo
    + VideoRepo
    + BodyRepo
    + BranchRepo
    + StaffRepo
    + ApplicantRepo
    + CardRepo
    + CalendarRepo
    + JournalRepo
    + AppealRepo
    + RevocationRepo
    + MobileSigningRepo
    + HearingRepo
    + NoticeRepo
    + JobRepo
    + TallyRepo
    + ApplicantAuthRepo
    + AnnouncementRepo
    + DeploymentRepo
    + AccessRepo
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Write transactions this handle has committed since it was opened (for the metrics, and
    /// for the tests that prove a use case is one transaction).
    fn commits(&self) -> u64;
    /// Why the store no longer takes writes, once making a commit durable has failed (a failed
    /// fsync): the process must stop and be restarted. `None` while all is well.
    fn failed(&self) -> Option<String> {
        None
    }
    /// Proves the database answers and can take a write: a write transaction begins and is
    /// rolled back (for /readyz).
    async fn ping(&self) -> StoreResult<()>;
}

/// A file kept under its SHA-256: its key in the file store and its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub key: String,
    pub sha256: String,
}

/// Why the file store did not keep or give back a file (its own words, for the log).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FilesError(pub String);

/// Attachment and recording bytes addressed by their SHA-256, written durably before the row
/// that names them is committed (the store crate's file store: a local folder or object
/// storage).
#[async_trait]
pub trait Files: Send + Sync {
    /// Keeps `bytes` (idempotent: the same bytes have the same key).
    async fn put(&self, bytes: &[u8]) -> Result<StoredFile, FilesError>;
    /// The bytes under `key`.
    async fn get(&self, key: &str) -> Result<Vec<u8>, FilesError>;
}
