//! Appeals of the portal: their records and files, the arrival written with them, the
//! signature checks behind them (trust anchors, revocation lists, eGov mobile signing), hearings
//! (GEN-09), the documents the server signs, and the repositories that keep them.

use super::*;

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
    /// EA-11, VA-10: the card this appeal is redirected from, moved in the same transaction.
    pub redirected_from: Option<RedirectedFrom>,
    /// The notices to the applicant, given the card's id and, once registered, its number.
    pub notices: &'a (dyn for<'r> Fn(i64, Option<&'r RegNumber>) -> Vec<NewNotice> + Sync),
}

/// The card a redirected appeal leaves (EA-11): its move (the domain allowed it), the notices
/// and the journal entry of the move, and for a video appeal the entry of its recording's
/// transfer to the new card (VA-10).
pub struct RedirectedFrom {
    pub card_id: i64,
    pub from: CardState,
    pub to: CardState,
    pub update: CardUpdate,
    pub notices: Vec<NewNotice>,
    pub journal: JournalDraft,
    pub video: Option<JournalDraft>,
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
