//! Video receptions (VC): schedules, slots, bookings, the reception itself and its
//! messages, and the repository that keeps them.

use super::*;

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
