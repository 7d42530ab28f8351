//! Repository traits: what the domain needs stored, defined here and implemented by the store
//! crate once per backend (SQLite, PostgreSQL). Methods that change a card's state take the
//! transition the domain decided and the journal entry describing it, and the store writes
//! both in one transaction: a change exists only if its journal entry does (GEN-06).

use crate::calendar::DayEdit;
use crate::deadline::{Deadline, TermEvent};
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
    /// Hours from receipt to closing of the bodies' cards closed with an answer in
    /// `[from, to)` (received at most a year and a half before `from`).
    async fn answer_hours(
        &self,
        body_ids: &[i64],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>>;
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

/// A file attached to an appeal; its bytes are in the file store under `storage_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub card_id: i64,
    pub file_name: String,
    pub mime: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
}

/// An attachment before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub file_name: String,
    pub mime: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
}

/// A portal appeal as submitted: its card, the applicant, what was signed and the signature.
#[derive(Debug, Clone)]
pub struct NewAppeal {
    pub card: NewCard,
    pub applicant: Applicant,
    pub content: String,
    pub outgoing_number: Option<String>,
    pub outgoing_date: Option<chrono::NaiveDate>,
    pub postal_address: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lang: Lang,
    pub signed_document: String,
    pub signature: Vec<u8>,
    pub signer_serial: String,
    pub signed_at: Option<DateTime<Utc>>,
    /// What the signature's check established (none for channels without one).
    pub signature_check: Option<crate::signature::SignatureCheck>,
    pub idempotency_key: String,
    /// SHA-256 (hex) of what the applicant signed, unique per applicant: the same signed appeal
    /// sent again, under any idempotency key, is the first appeal and not a second one. None
    /// where the applicant signed nothing of their own (a booth's recording, a redirect's copy
    /// of an appeal already stored).
    pub signed_digest: Option<String>,
    pub size_bytes: i64,
    pub attachments: Vec<NewAttachment>,
    pub deadlines: Vec<StoredDeadline>,
    /// The limits it is admitted under, checked in the transaction that stores it (none: the
    /// channel has no such limits, or the caller checked them).
    pub admission: Option<crate::appeal::Admission>,
}

/// What an appeal's arrival writes with it, in the transaction that stores it (EA-07, EA-08):
/// the delivery receipt, the outcome — registered with a number and an executor, or refused —
/// their notices and journal entries. Everything is decided and signed before the transaction;
/// the store only writes it, so the appeal is filed whole or not at all.
pub struct Arrival<'a> {
    /// EA-07.1: the delivery receipt, signed before the transaction (its `card_id` is not
    /// read: the card's id is known only once stored), and its journal entry.
    pub receipt: Option<(NewSignedDocument, JournalDraft)>,
    pub outcome: ArrivalOutcome,
    /// The notices to the applicant, given the card's id and, once registered, its number.
    pub notices: &'a (dyn for<'r> Fn(i64, Option<&'r RegNumber>) -> Vec<NewNotice> + Sync),
}

/// How an arriving appeal's card is stored.
pub enum ArrivalOutcome {
    /// EA-08: registered on arrival with the body's next number of `year`; the card's
    /// deadlines are then the ones from registration.
    Register {
        year: i32,
        /// The body's code, for the number (`MJ-2026-000012`).
        body_code: String,
        executor_id: Option<i64>,
        journal: JournalDraft,
    },
    /// EA-07.2: registration refused, with the decision recorded on the card.
    Refuse {
        /// The state refusal leads to, as the card's state machine gives it.
        to: CardState,
        decision: String,
        journal: JournalDraft,
    },
}

/// A stored portal appeal.
#[derive(Debug, Clone)]
pub struct AppealRecord {
    pub card: Card,
    pub applicant_id: i64,
    pub applicant: Applicant,
    pub content: String,
    pub outgoing_number: Option<String>,
    pub outgoing_date: Option<chrono::NaiveDate>,
    pub postal_address: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lang: Lang,
    pub signed_document: String,
    pub signature: Vec<u8>,
    pub signer_serial: String,
    pub signed_at: Option<DateTime<Utc>>,
    pub size_bytes: i64,
    pub hidden_by_applicant: bool,
    pub signature_check: Option<crate::signature::SignatureCheck>,
    /// The key it was first sent under (a replay under another key is told apart by it).
    pub idempotency_key: String,
}

/// A certificate the administrator trusted or withdrew from the console (shared by every
/// node): `der` is the certificate when it was added here; `trusted` false withdraws it,
/// wherever it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchorRecord {
    /// SHA-256 of the certificate's DER, lowercase hex.
    pub fingerprint: String,
    pub der: Option<Vec<u8>>,
    pub subject: String,
    pub trusted: bool,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
}

/// A revocation list fetched from a distribution point, kept for every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedCrl {
    pub url: String,
    pub der: Vec<u8>,
    pub this_update: DateTime<Utc>,
    pub next_update: Option<DateTime<Utc>>,
    pub fetched_at: DateTime<Utc>,
}

/// An appeal whose signature's revocation is still to be checked.
#[derive(Debug, Clone)]
pub struct PendingSignatureCheck {
    pub card_id: i64,
    pub signature: Vec<u8>,
    pub check: crate::signature::SignatureCheck,
}

/// Revocation lists shared by every node, and signatures whose revocation check waits.
#[async_trait]
pub trait RevocationRepo: Send + Sync {
    /// Stores (or replaces) the list fetched from `url`.
    async fn put_crl(&self, crl: &CachedCrl) -> StoreResult<()>;
    /// Every stored list.
    async fn crls(&self) -> StoreResult<Vec<CachedCrl>>;
    /// Every certificate trusted or withdrawn from the console.
    async fn trust_anchors(&self) -> StoreResult<Vec<TrustAnchorRecord>>;
    /// Records that a certificate is trusted (with its DER, when added) or withdrawn,
    /// replacing what was recorded of it before; journaled in the same transaction. A
    /// withdrawal keeps the DER recorded earlier, so it can be trusted again.
    async fn set_trust_anchor(
        &self,
        r: &TrustAnchorRecord,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// Up to `limit` appeals whose revocation check is pending, oldest first.
    async fn pending_signature_checks(&self, limit: i64)
        -> StoreResult<Vec<PendingSignatureCheck>>;
    /// Records a new check of an appeal's signature (journaled).
    async fn set_signature_check(
        &self,
        card_id: i64,
        check: &crate::signature::SignatureCheck,
        journal: JournalDraft,
    ) -> StoreResult<()>;
}

/// A signing by eGov mobile (QR) in progress: what the phone is to sign, and its signature once
/// sent back. The link's token is kept as a hash; the phone's bearer token is handed out once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MobileSigning {
    pub id_hash: String,
    pub auth_token: String,
    pub link_read: bool,
    pub description: String,
    pub document: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub signature: Option<Vec<u8>>,
    pub signed_at: Option<DateTime<Utc>>,
}

/// Signings by eGov mobile, shared by every node.
#[async_trait]
pub trait MobileSigningRepo: Send + Sync {
    async fn create_mobile_signing(&self, m: &MobileSigning) -> StoreResult<()>;
    async fn mobile_signing(&self, id_hash: &str) -> StoreResult<MobileSigning>;
    /// Marks the link read; `Ok(true)` for the first reader only.
    async fn read_mobile_link(&self, id_hash: &str) -> StoreResult<bool>;
    /// Stores the phone's signature once, while the signing has not expired; `Ok(false)` when
    /// it had expired or was already signed.
    async fn put_mobile_signature(
        &self,
        id_hash: &str,
        signature: &[u8],
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn delete_expired_mobile_signings(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

/// GEN-09: a hearing as it is written when the applicant is notified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHearing {
    pub card_id: i64,
    /// The intended decision the applicant is told of.
    pub intended: String,
    pub notified_at: DateTime<Utc>,
    /// The local day of the notice.
    pub notified_on: chrono::NaiveDate,
    /// The last day for the applicant's position.
    pub respond_by: chrono::NaiveDate,
    /// Who sent the notice (`staff:<id>`).
    pub notified_by: String,
}

/// GEN-09: what was recorded at a hearing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HearingPosition {
    pub kind: crate::hearing::PositionKind,
    /// The position in the applicant's words (none for "no position given").
    pub text: Option<String>,
    /// Who recorded it: `staff:<id>` (taken down by staff) or `applicant:<id>` (the cabinet).
    pub by: String,
    /// The applicant's CMS over the position, when stated in the cabinet.
    pub signature: Option<Vec<u8>>,
    pub at: DateTime<Utc>,
}

/// GEN-09: a hearing of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HearingRecord {
    pub id: i64,
    pub notice: NewHearing,
    pub position: Option<HearingPosition>,
}

impl HearingRecord {
    /// The hearing as the decision check needs it.
    pub fn hearing(&self) -> crate::hearing::Hearing {
        crate::hearing::Hearing {
            intended: self.notice.intended.clone(),
            notified_on: self.notice.notified_on,
            respond_by: self.notice.respond_by,
            position: self.position.as_ref().map(|p| p.kind),
        }
    }
}

/// GEN-09: hearings before adverse decisions, on every channel.
#[async_trait]
pub trait HearingRepo: Send + Sync {
    /// The hearings of a card, oldest first.
    async fn hearings(&self, card_id: i64) -> StoreResult<Vec<HearingRecord>>;
    /// Writes the notice of a hearing with the notices to the applicant; `Conflict` when the
    /// card already has a hearing of that intended decision.
    async fn notify_hearing(
        &self,
        h: &NewHearing,
        notices: &[crate::notice::NewNotice],
        journal: JournalDraft,
    ) -> StoreResult<i64>;
    /// Records the position (or its absence) once; `Stale` when one is recorded already.
    async fn record_hearing_position(
        &self,
        hearing_id: i64,
        p: &HearingPosition,
        journal: JournalDraft,
    ) -> StoreResult<()>;
}

/// A document the server signed, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSignedDocument {
    pub card_id: i64,
    /// `receipt` or `answer`.
    pub kind: String,
    pub code: String,
    pub document: String,
    pub signature: Vec<u8>,
    pub at: DateTime<Utc>,
    /// An outgoing letter (the answer): the body whose register of outgoing documents gives
    /// it the next number, and the register's year.
    pub outgoing: Option<(i64, i32)>,
}

/// A document the server signed: a delivery receipt or an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDocument {
    pub id: i64,
    pub card_id: i64,
    pub kind: String,
    /// The public verification code (in the QR code).
    pub code: String,
    pub document: String,
    pub signature: Vec<u8>,
    pub created_at: DateTime<Utc>,
    /// Its outgoing number, if it went out as a letter: the register's year and number.
    pub outgoing: Option<OutgoingNumber>,
}

/// The number of an outgoing letter in its body's register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutgoingNumber {
    pub year: i32,
    pub seq: i64,
}

impl OutgoingNumber {
    /// As written on the letter, with the body's code: `MJ-2026/00012`, distinct from the
    /// appeal's registration number (`MJ-2026-000012`).
    pub fn display(&self, body_code: &str) -> String {
        format!("{body_code}-{}/{:05}", self.year, self.seq)
    }
}

#[async_trait]
pub trait AppealRepo: Send + Sync {
    /// Stores a submitted appeal with its card, attachments and deadlines in one transaction.
    /// Returns the card id and `true`; if this applicant already submitted with the same
    /// idempotency key, returns that card's id and `false` and stores nothing.
    async fn submit_appeal(&self, a: &NewAppeal, journal: JournalDraft)
        -> StoreResult<(i64, bool)>;
    /// Files an appeal whole: what [`submit_appeal`](Self::submit_appeal) stores, and its
    /// `arrival` (receipt, registration or refusal, notices, journal), in one transaction.
    /// Returns `(card id, false)` and writes nothing if the appeal is already there (the same
    /// idempotency key, or the same signed content): that one was filed whole already.
    async fn file_appeal(
        &self,
        a: &NewAppeal,
        journal: JournalDraft,
        arrival: &Arrival<'_>,
    ) -> StoreResult<(i64, bool)>;
    /// Stores several appeals in one transaction (one durable commit for all): the same rows
    /// as [`submit_appeal`](Self::submit_appeal) each, with the same idempotency rule.
    async fn submit_appeals(
        &self,
        items: &[(NewAppeal, JournalDraft)],
    ) -> StoreResult<Vec<(i64, bool)>>;
    async fn appeal(&self, card_id: i64) -> StoreResult<AppealRecord>;
    /// The applicant's appeals that are still in their space, newest first.
    async fn appeals_of_applicant(
        &self,
        applicant_id: i64,
        page: PageRequest,
    ) -> StoreResult<Page<Card>>;
    /// EA-15: bytes the applicant's appeals and attachments take in their space.
    async fn applicant_storage_used(&self, applicant_id: i64) -> StoreResult<i64>;
    /// The appeal of the applicant whose signed content has the digest `signed_digest` (see
    /// [`NewAppeal::signed_digest`]), if any.
    async fn appeal_with_signed_digest(
        &self,
        applicant_id: i64,
        signed_digest: &str,
    ) -> StoreResult<Option<i64>>;
    /// The applicant's appeals received since `since`, other than the one with
    /// `idempotency_key`, and whether that one is among them (a retry of it is no new appeal).
    async fn appeals_filed_since(
        &self,
        applicant_id: i64,
        since: DateTime<Utc>,
        idempotency_key: &str,
    ) -> StoreResult<(i64, bool)>;
    /// EA-15: removes an appeal, its attachments and notices from the applicant's space.
    async fn hide_appeal(
        &self,
        card_id: i64,
        applicant_id: i64,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    async fn attachments(&self, card_id: i64) -> StoreResult<Vec<Attachment>>;
    async fn attachment(&self, id: i64) -> StoreResult<Attachment>;
    /// Adds a signed document (receipt or answer) and its notices; journaled.
    async fn add_signed_document(
        &self,
        doc: &NewSignedDocument,
        notices: &[NewNotice],
        journal: JournalDraft,
    ) -> StoreResult<SignedDocument>;
    async fn signed_documents(&self, card_id: i64) -> StoreResult<Vec<SignedDocument>>;
    async fn signed_document_by_code(&self, code: &str) -> StoreResult<SignedDocument>;
    /// EA-09: records a signature on the answer by `role` (`head` or `registrar`); journaled.
    /// Records a signatory's signature of the answer: `signature` is their own CMS over the
    /// answer document (none where the answer is still signed by the server).
    async fn add_answer_signature(
        &self,
        card_id: i64,
        role: &str,
        staff_id: i64,
        at: DateTime<Utc>,
        signature: Option<&[u8]>,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// The signatories' own CMS signatures of the answer, by role.
    async fn answer_signature_documents(&self, card_id: i64)
        -> StoreResult<Vec<(String, Vec<u8>)>>;
    /// The answer document as it is signed: the one stored, or `document` with `code` stored
    /// now if there was none (whoever asks first fixes it). Returns (document, code).
    async fn answer_draft(
        &self,
        card_id: i64,
        document: &str,
        code: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<(String, String)>;
    async fn answer_signatures(
        &self,
        card_id: i64,
    ) -> StoreResult<Vec<(String, i64, DateTime<Utc>)>>;
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
    /// Claims up to `limit` notices due for delivery (not the cabinet's, nor letters, which the
    /// registrar posts), leasing them until
    /// `lease_until` so no other worker takes them meanwhile.
    async fn claim_notices(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Notice>>;
    async fn notice_delivered(&self, id: i64, at: DateTime<Utc>) -> StoreResult<()>;
    /// Gives claimed notices back before their lease ends (the worker is stopping): they are
    /// due again at once, for any worker. Only notices still being sent are touched; returns
    /// how many were given back.
    async fn release_notices(&self, ids: &[i64]) -> StoreResult<u64>;
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

/// A reception schedule as stored (VC-05, VC-06).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub id: i64,
    pub body_id: i64,
    pub quarter: crate::vks::Quarter,
    pub state: crate::vks::ScheduleState,
    pub drafted_by: Option<i64>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub agreed_by: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    /// VC-06: the day the approved schedule was due at the authorized body.
    pub due_on: Option<chrono::NaiveDate>,
}

/// A stored reception slot and whether a live booking holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub id: i64,
    pub schedule_id: i64,
    pub official_id: i64,
    pub starts: chrono::NaiveDateTime,
    pub minutes: u32,
    pub vks: bool,
    pub booked: bool,
}

/// What a schedule step records (the state it moves to is the domain's decision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleStep {
    pub by: i64,
    pub at: DateTime<Utc>,
}

/// A booking of a slot by an applicant (VC-02): the request is stored as an appeal (the
/// signed form, the applicant, the terms) with its registration-control card (VC-07).
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub slot_id: i64,
    pub branch_id: i64,
    /// The signed request form (VC-03) as JSON.
    pub form: String,
    pub appeal: NewAppeal,
}

/// A booking with its slot, card and where the reception stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: i64,
    pub card: Card,
    pub slot: Slot,
    pub branch_id: i64,
    pub applicant_id: i64,
    pub state: crate::reception::ReceptionState,
    /// The signed request form (VC-03) as JSON.
    pub form: String,
    pub decided_at: Option<DateTime<Utc>>,
    /// The conference room's name at the provider.
    pub room: Option<String>,
    /// VC-15: the operator's equipment check.
    pub equipment_checked_at: Option<DateTime<Utc>>,
    pub equipment_ok: Option<bool>,
    pub equipment_note: Option<String>,
    /// VC-16: the check-in at the branch (local time) and the identity document shown.
    pub arrived_at: Option<chrono::NaiveDateTime>,
    pub id_document: Option<String>,
    /// VC-17, VC-18: the record of the reception as JSON.
    pub record: Option<String>,
}

/// What a step of a reception writes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceptionUpdate {
    /// Moves the booking to another slot (VC-14); the database refuses a booked one.
    pub slot_id: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub room: Option<String>,
    pub equipment_checked_at: Option<DateTime<Utc>>,
    pub equipment_ok: Option<bool>,
    pub equipment_note: Option<String>,
    pub arrived_at: Option<chrono::NaiveDateTime>,
    pub id_document: Option<String>,
    pub record: Option<String>,
}

/// A card transition made together with a reception step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardMove {
    pub from: CardState,
    pub to: CardState,
    pub update: CardUpdate,
}

/// A message to the operator (`branch_id` None) or to a branch (VC-11, VC-12, VC-14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVksMessage {
    pub branch_id: Option<i64>,
    pub kind: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VksMessage {
    pub id: i64,
    pub branch_id: Option<i64>,
    pub booking_id: Option<i64>,
    pub kind: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// A month's timetable as sent to the operator and the State Corporation (VC-12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTimetable {
    pub body_id: i64,
    /// The month's first day.
    pub month: chrono::NaiveDate,
    pub due_on: Option<chrono::NaiveDate>,
    pub sent_at: DateTime<Utc>,
    pub sent_by: i64,
    /// VC-13: by when the operator publishes it.
    pub publish_due_on: Option<chrono::NaiveDate>,
    /// The receptions of the month as JSON (what was sent, kept as sent).
    pub entries: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timetable {
    pub id: i64,
    pub body_id: i64,
    pub month: chrono::NaiveDate,
    pub due_on: Option<chrono::NaiveDate>,
    pub sent_at: DateTime<Utc>,
    pub sent_by: i64,
    pub publish_due_on: Option<chrono::NaiveDate>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<i64>,
    pub entries: String,
}

/// Which receptions to list: in a local time range, of a body or a branch, in some states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceptionFilter {
    pub body_id: Option<i64>,
    pub branch_id: Option<i64>,
    pub from: chrono::NaiveDateTime,
    pub to: chrono::NaiveDateTime,
    pub states: Vec<crate::reception::ReceptionState>,
}

/// Most receptions one list returns.
pub const RECEPTIONS_MAX: i64 = 500;

/// Reception by videoconference: schedules, slots, bookings.
#[async_trait]
pub trait VksRepo: Send + Sync {
    /// Starts a body's schedule for a quarter in draft; `Conflict` if it exists. Journaled.
    async fn create_schedule(
        &self,
        body_id: i64,
        quarter: crate::vks::Quarter,
        drafted_by: i64,
        due_on: Option<chrono::NaiveDate>,
        journal: JournalDraft,
    ) -> StoreResult<Schedule>;
    async fn schedule(&self, id: i64) -> StoreResult<Schedule>;
    /// A body's schedules, newest quarter first.
    async fn schedules_of_body(&self, body_id: i64) -> StoreResult<Vec<Schedule>>;
    /// Every body's schedules in `state` (the authorized body's queue), oldest quarter first.
    async fn schedules_in_state(
        &self,
        state: crate::vks::ScheduleState,
    ) -> StoreResult<Vec<Schedule>>;
    /// Replaces the slots of a schedule that is still `expect`ed to be in draft (`Stale`
    /// otherwise). Journaled.
    async fn replace_slots(
        &self,
        schedule_id: i64,
        expect: crate::vks::ScheduleState,
        slots: &[crate::vks::SlotDraft],
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// The slots of a schedule, in time order, each with whether it is booked.
    async fn slots(&self, schedule_id: i64) -> StoreResult<Vec<Slot>>;
    async fn slot(&self, id: i64) -> StoreResult<Slot>;
    /// Moves a schedule from `from` to `to` (a step the domain allowed), recording who and
    /// when for the step; `Stale` if it was no longer in `from`. Journaled.
    async fn move_schedule(
        &self,
        schedule_id: i64,
        from: crate::vks::ScheduleState,
        to: crate::vks::ScheduleState,
        step: &ScheduleStep,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// Books a slot: stores the request's appeal and card (state Received) with its deadlines
    /// and the booking, in one transaction. `Conflict` when a live booking holds the slot
    /// already, decided by the database, so that simultaneous bookings through several nodes
    /// give one. The same request again (same idempotency key) returns the first card.
    async fn book_slot(&self, b: &NewBooking, journal: JournalDraft) -> StoreResult<i64>;
    /// An applicant's bookings, the latest first.
    async fn bookings_of_applicant(&self, applicant_id: i64) -> StoreResult<Vec<Booking>>;
    /// The booking behind a card, if the card is a VKS request.
    async fn booking_of_card(&self, card_id: i64) -> StoreResult<Booking>;
    async fn booking(&self, id: i64) -> StoreResult<Booking>;
    /// A step of a reception the domain allowed: from `from` (else `Stale`) to `to`, writing
    /// `update`, moving the card when asked, and writing the notices and messages, in one
    /// transaction. A refused reception frees its slot. Journaled.
    #[allow(clippy::too_many_arguments)]
    async fn update_reception(
        &self,
        id: i64,
        from: crate::reception::ReceptionState,
        to: crate::reception::ReceptionState,
        update: &ReceptionUpdate,
        card: Option<&CardMove>,
        notices: &[NewNotice],
        messages: &[NewVksMessage],
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// Receptions matching `f`, by start time, at most [`RECEPTIONS_MAX`].
    async fn receptions(&self, f: &ReceptionFilter) -> StoreResult<Vec<Booking>>;
    /// Records a sent timetable (one per body and month, `Conflict` otherwise) and its
    /// messages. Journaled.
    async fn send_timetable(
        &self,
        t: &NewTimetable,
        messages: &[NewVksMessage],
        journal: JournalDraft,
    ) -> StoreResult<i64>;
    async fn timetable(&self, id: i64) -> StoreResult<Timetable>;
    /// Timetables of a body (or of every body), the latest month first, at most 200.
    async fn timetables(&self, body_id: Option<i64>) -> StoreResult<Vec<Timetable>>;
    /// Publishes a sent timetable; `Stale` if it was published already. Journaled.
    async fn publish_timetable(
        &self,
        id: i64,
        by: i64,
        at: DateTime<Utc>,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// The messages to the operator (`None`) or to a branch, the latest first, at most 200.
    async fn vks_messages(&self, branch_id: Option<i64>) -> StoreResult<Vec<VksMessage>>;
}

/// VA-02: an entry of the branch's journal as written by the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVaEntry {
    pub branch_id: i64,
    pub staff_id: i64,
    pub document_kind: String,
    pub document_number: String,
    pub iin: String,
    pub full_name: String,
    pub created_at: DateTime<Utc>,
    /// SHA-256 (hex) of the booth session's token.
    pub session_hash: String,
}

/// An entry of the journal with the appeals its booth session led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaEntry {
    pub id: i64,
    pub branch_id: i64,
    pub staff_id: i64,
    pub document_kind: String,
    pub document_number: String,
    pub iin: String,
    pub full_name: String,
    pub created_at: DateTime<Utc>,
    pub cards: Vec<i64>,
}

/// A video appeal as sent from the booth (VA-08): the appeal with its card and terms, and the
/// recording already stored under `recording_key`.
#[derive(Debug, Clone)]
pub struct NewVideoAppeal {
    pub journal_id: i64,
    pub branch_id: i64,
    pub recording_key: String,
    pub recording_sha256: String,
    pub recording_bytes: i64,
    pub duration_ms: i64,
    /// SHA-256 (hex) of the secret code.
    pub code_hash: String,
    /// The booth form's other fields (organisation, official, complaint) as JSON.
    pub details: String,
    pub appeal: NewAppeal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoAppeal {
    pub card_id: i64,
    pub journal_id: i64,
    pub branch_id: i64,
    pub recording_key: String,
    pub recording_sha256: String,
    pub recording_bytes: i64,
    pub duration_ms: i64,
    pub details: String,
}

/// Video appeals (VA): the branch journal, the appeals and their look-up by secret code.
#[async_trait]
pub trait VideoRepo: Send + Sync {
    /// VA-02: writes a journal entry (opening a booth session). Journaled.
    async fn add_va_entry(&self, e: &NewVaEntry, journal: JournalDraft) -> StoreResult<i64>;
    async fn va_entry(&self, id: i64) -> StoreResult<VaEntry>;
    /// The entry whose booth session has this token hash.
    async fn va_entry_by_session(&self, session_hash: &str) -> StoreResult<VaEntry>;
    /// A branch's journal (or every branch's), newest first, filtered by a text found in the
    /// name, the IIN or the document number.
    async fn va_journal(
        &self,
        branch_id: Option<i64>,
        query: Option<&str>,
        page: PageRequest,
    ) -> StoreResult<Page<VaEntry>>;
    /// VA-08: stores the appeal, its card (Received) and terms and the video appeal, in one
    /// transaction. Returns the card's id and whether it is new (the same recording sent again
    /// by the same applicant is the first appeal, and keeps its first code).
    async fn submit_video_appeal(
        &self,
        v: &NewVideoAppeal,
        journal: JournalDraft,
    ) -> StoreResult<(i64, bool)>;
    async fn video_appeal(&self, card_id: i64) -> StoreResult<VideoAppeal>;
    async fn video_appeal_by_code(&self, code_hash: &str) -> StoreResult<VideoAppeal>;
    /// EA-11, VA-10: a video appeal redirected to the competent body goes with its new card —
    /// its recording, its branch and the applicant's secret code — so the applicant follows it
    /// and is answered the same way. Journaled on the new card.
    async fn transfer_video_appeal(
        &self,
        from_card_id: i64,
        to_card_id: i64,
        journal: JournalDraft,
    ) -> StoreResult<()>;
    /// Counts a failed attempt under `key`, which names what failed and for whom: a code
    /// look-up from an address (VA-13, `va-lookup:10.0.0.7`), a staff sign-in of a login from
    /// an address (`signin:login|10.0.0.7`), any sign-in from an address (`signin:10.0.0.7`).
    /// Shared by every node through the database.
    async fn note_failed_attempt(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Failed attempts under `key` since `since`.
    async fn failed_attempts(&self, key: &str, since: DateTime<Utc>) -> StoreResult<i64>;
}

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
