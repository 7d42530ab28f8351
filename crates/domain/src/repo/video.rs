//! Video appeals from booths (VA): the branch journal, the recordings and their repository.

use super::*;

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
    /// Counts a failed attempt under `key`, which names what failed and for whom: a code
    /// look-up from an address (VA-13, `va-lookup:10.0.0.7`), a staff sign-in of a login from
    /// an address (`signin:login|10.0.0.7`), any sign-in from an address (`signin:10.0.0.7`).
    /// Shared by every node through the database.
    async fn note_failed_attempt(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Failed attempts under `key` since `since`.
    async fn failed_attempts(&self, key: &str, since: DateTime<Utc>) -> StoreResult<i64>;
}
