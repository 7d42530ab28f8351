//! Video appeals from booths in State Corporation branches (VA-01 … VA-14), the services: the
//! operator's journal entry that opens a booth session (VA-02), and the appeal recorded in it
//! (VA-04 … VA-08: the form checked, the recording read as the container it is, stored, the
//! card written with its terms, the secret code). The checks are the domain's
//! (`otinish_domain::video`); the pages are the web crate's `video` module.

use crate::i18n::Tr;
use crate::{Error, Service};
use chrono::{DateTime, Utc};
use otinish_domain::appeal::FieldProblem;
use otinish_domain::deadline::CaseFacts;
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{Applicant, Channel, NewCard, Role, StaffUser};
use otinish_domain::repo::{
    NewAppeal, NewVaEntry, NewVideoAppeal, PageRequest, StoreError, VaEntry,
};
use otinish_domain::video::{
    check_video_form, inspect_recording, MediaError, SecretCode, VideoForm,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// How long a booth session opened by the operator stays usable.
pub const SESSION_HOURS: i64 = 2;
/// VA-13: failed look-ups allowed per client in [`LOOKUP_WINDOW_MINUTES`].
pub const LOOKUP_LIMIT: i64 = 10;
pub const LOOKUP_WINDOW_MINUTES: i64 = 15;
/// The largest recording accepted (3 minutes of a browser's recording are well under it).
pub const MAX_RECORDING_BYTES: usize = 60 * 1024 * 1024;

pub fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// VA-01, VA-02: the branch of a branch operator, when it offers the service (it has booths);
/// anyone else is refused. A database that does not answer is unavailable, never "forbidden".
pub async fn operator_branch(
    app: &Service,
    user: &StaffUser,
) -> Result<otinish_domain::model::Branch, Error> {
    let Some(id) = user
        .branch_id
        .filter(|_| user.active && user.has_role(Role::BranchOperator))
    else {
        return Err(Error::Forbidden);
    };
    app.store
        .branches(PageRequest::new(Some(500), None))
        .await?
        .items
        .into_iter()
        .find(|b| b.id == id && b.booths > 0)
        .ok_or(Error::Forbidden)
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct EntryForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub document_kind: String,
    #[serde(default)]
    pub document_number: String,
    #[serde(default)]
    pub iin: String,
    #[serde(default)]
    pub full_name: String,
}

pub const DOCUMENT_KINDS: &[&str] = &["id_card", "passport", "residence_permit", "stateless"];

impl Service {
    /// VA-02: writes the journal entry for an identified applicant and opens a booth session;
    /// returns the session's token (shown once, as the booth's link).
    pub async fn open_booth_session(
        &self,
        user: &StaffUser,
        f: &EntryForm,
    ) -> Result<String, Error> {
        let branch = operator_branch(self, user).await?;
        let mut p = Vec::new();
        if !DOCUMENT_KINDS.contains(&f.document_kind.as_str()) {
            p.push(FieldProblem {
                field: "document_kind",
                key: "appeal-field-required",
            });
        }
        let number = f.document_number.trim();
        if number.is_empty() || number.chars().count() > 30 {
            p.push(FieldProblem {
                field: "document_number",
                key: "appeal-field-required",
            });
        }
        if otinish_domain::ids::Iin::parse(f.iin.trim()).is_err() {
            p.push(FieldProblem {
                field: "iin",
                key: "va-iin-invalid",
            });
        }
        let name = f.full_name.trim();
        if name.is_empty() || name.chars().count() > 300 {
            p.push(FieldProblem {
                field: "full_name",
                key: "appeal-field-required",
            });
        }
        if !p.is_empty() {
            return Err(Error::Invalid(p));
        }
        let token = crate::sessions::random_token();
        let now = self.clock.now();
        self.store
            .add_va_entry(
                &NewVaEntry {
                    branch_id: branch.id,
                    staff_id: user.id,
                    document_kind: f.document_kind.clone(),
                    document_number: number.to_owned(),
                    iin: f.iin.trim().to_owned(),
                    full_name: name.to_uppercase(),
                    created_at: now,
                    session_hash: sha256_hex(token.as_bytes()),
                },
                JournalDraft::new(now, format!("staff:{}", user.id), "", "va_identified"),
            )
            .await?;
        Ok(token)
    }

    /// The journal entry of a live booth session (none for an unknown or ended one).
    pub async fn booth_session(&self, token: &str) -> Result<Option<VaEntry>, Error> {
        let e = match self
            .store
            .va_entry_by_session(&sha256_hex(token.as_bytes()))
            .await
        {
            Ok(e) => e,
            Err(StoreError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok((self.clock.now() < e.created_at + chrono::Duration::hours(SESSION_HOURS)).then_some(e))
    }
}

#[derive(Debug, serde::Serialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

/// Why a booth's recording was not taken, and what to tell the applicant (field, message).
#[derive(Debug)]
pub struct VideoRefused {
    pub kind: Refusal,
    pub problems: Vec<Problem>,
}

/// The kind of refusal, which the page maps to a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The form or the recording is not acceptable; the messages say why.
    Invalid,
    /// The service or the file store is not available now.
    Unavailable,
    /// The same recording was sent before.
    Conflict,
    Internal,
}

fn refused<T>(kind: Refusal, problems: Vec<Problem>) -> Result<T, VideoRefused> {
    Err(VideoRefused { kind, problems })
}

/// A video appeal taken: what the booth's receipt shows.
#[derive(Debug)]
pub struct VideoReceipt {
    pub card_id: i64,
    pub sent_at: DateTime<Utc>,
    /// VA-08: the secret code, shown once.
    pub code: SecretCode,
    pub due: Option<chrono::NaiveDate>,
    /// The recording's length, `m:ss`.
    pub length: String,
}

impl Service {
    /// VA-04 … VA-08: files the appeal recorded in a booth session — the form checked, the
    /// recording read as the container it is (never the client's word) and stored, the card
    /// written with its terms — and returns the receipt. Nothing is stored when anything is
    /// refused.
    pub async fn file_video_appeal(
        &self,
        entry: &VaEntry,
        form: &VideoForm,
        recording: Option<Vec<u8>>,
        tr: Tr,
    ) -> Result<VideoReceipt, VideoRefused> {
        let problem = |field: &str, message: String| Problem {
            field: field.to_owned(),
            message,
        };
        let mut problems: Vec<Problem> = Vec::new();
        let req = match check_video_form(form) {
            Ok(r) => Some(r),
            Err(p) => {
                problems.extend(p.iter().map(|x| problem(x.field, tr.get(x.key))));
                None
            }
        };
        let body = match &req {
            Some(r) => match self.store.body_by_code(&r.body_code).await {
                Ok(b) if b.video_appeal_connected && b.is_open() => Some(b),
                _ => {
                    problems.push(problem("body", tr.get("va-body-not-connected")));
                    None
                }
            },
            None => None,
        };
        if let (Some(r), Some(b)) = (&req, &body) {
            if let Some(o) = r.official_id {
                let ok = self
                    .store
                    .officials(b.id)
                    .await
                    .map(|os| os.iter().any(|x| x.id == o))
                    .unwrap_or(false);
                if !ok {
                    problems.push(problem("official", tr.get("va-official-unknown")));
                }
            }
        }
        let inspected = match recording.as_deref() {
            None | Some([]) => {
                problems.push(problem("recording", tr.get("va-media-missing")));
                None
            }
            Some(bytes) => match inspect_recording(bytes) {
                Ok(r) => Some(r),
                Err(e) => {
                    problems.push(problem("recording", media_text(tr, &e)));
                    None
                }
            },
        };
        let (Some(req), Some(body), Some(rec), Some(bytes), true) =
            (req, body, inspected, recording, problems.is_empty())
        else {
            return refused(Refusal::Invalid, problems);
        };
        let Ok(iin) = otinish_domain::ids::Iin::parse(&entry.iin) else {
            return refused(
                Refusal::Invalid,
                vec![problem("", tr.get("va-iin-invalid"))],
            );
        };
        let now = self.clock.now();
        let cal = self.calendar.read().await.clone();
        let today = cal.zone().local_date(now);
        let Ok(gov) = self.rulebooks.governing(Channel::VideoAppeal, today) else {
            return refused(
                Refusal::Unavailable,
                vec![problem("", tr.get("va-service-closed"))],
            );
        };
        let confirmed = self.confirmed_editions();
        if !self
            .rulebooks
            .channel_open(Channel::VideoAppeal, today, &confirmed)
        {
            // GEN-01: an edition still to be confirmed reopens no channel.
            let key = if gov.awaiting_confirmation(&confirmed).is_empty() {
                "va-service-closed"
            } else {
                "va-service-unconfirmed"
            };
            return refused(Refusal::Unavailable, vec![problem("", tr.get(key))]);
        }
        let facts = CaseFacts {
            channel: Channel::VideoAppeal,
            kind: req.kind,
            received_at: now,
            registered_at: None,
            events: vec![],
        };
        let Ok(deadlines) = self.stored_deadlines(&facts, &cal) else {
            return refused(
                Refusal::Internal,
                vec![problem("", tr.get("error-internal"))],
            );
        };
        let due = deadlines
            .iter()
            .filter(|d| d.key == "answer")
            .map(|d| d.due_on)
            .max();
        // The recording is stored first; the appeal refers to it. If the appeal cannot be written
        // the file stays unreferenced (content-addressed, harmless) and the applicant is told.
        let stored = match self.files.put(&bytes).await {
            Ok(stored) => stored,
            Err(e) => {
                tracing::error!(error = %e, "recording not stored");
                return refused(
                    Refusal::Unavailable,
                    vec![problem("", tr.get("err-recording-unavailable"))],
                );
            }
        };
        let mut digits = [0u8; 12];
        for d in &mut digits {
            *d = rand::random::<u8>() % 10;
        }
        let code = SecretCode::from_digits(digits);
        let minutes = rec.duration_ms / 60_000;
        let seconds = (rec.duration_ms / 1000) % 60;
        let content = tr.with(
            "va-content",
            &[("length", format!("{minutes}:{seconds:02}"))],
        );
        let details = serde_json::json!({
            "org_name": req.org_name,
            "official": req.official_id,
            "complaint": (req.kind == otinish_domain::model::AppealKind::Complaint).then(|| serde_json::json!({
                "subject": form.complaint_subject.trim(),
                "officials": form.complaint_officials.trim(),
                "motives": form.complaint_motives.trim(),
                "demands": form.complaint_demands.trim(),
            })),
            "codec": rec.video_codec,
        });
        let applicant = Applicant::Individual {
            iin,
            surname: req.surname.to_uppercase(),
            name: req.name.to_uppercase(),
            patronymic: req.patronymic.as_ref().map(|p| p.to_uppercase()),
            email: Some(req.email.clone()),
            phone: None,
            address: req.postal_address.clone(),
            lang: tr.lang,
        };
        let summary = match &req.org_name {
            Some(o) => format!("{o}: {content}"),
            None => content.clone(),
        };
        let video = NewVideoAppeal {
            journal_id: entry.id,
            branch_id: entry.branch_id,
            recording_key: stored.key,
            recording_sha256: stored.sha256.clone(),
            recording_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            duration_ms: i64::try_from(rec.duration_ms).unwrap_or(i64::MAX),
            code_hash: sha256_hex(code.as_str().as_bytes()),
            details: details.to_string(),
            appeal: NewAppeal {
                card: NewCard {
                    body_id: body.id,
                    channel: Channel::VideoAppeal,
                    kind: req.kind,
                    applicant_id: None,
                    addressee: req.official_id.map(|o| o.to_string()),
                    summary: summary.chars().take(200).collect(),
                    received_at: now,
                    rulebook_id: gov.primary_id().to_owned(),
                    collective: false,
                },
                applicant,
                content: summary,
                outgoing_number: None,
                outgoing_date: None,
                postal_address: req.postal_address.clone(),
                email: Some(req.email.to_string()),
                phone: None,
                lang: tr.lang,
                signed_document: details.to_string(),
                signature: vec![],
                signer_serial: String::new(),
                signed_at: None,
                signature_check: None,
                idempotency_key: format!("va:{}", stored.sha256),
                signed_digest: None,
                size_bytes: 0,
                attachments: vec![],
                deadlines,
                admission: None,
            },
        };
        let (card_id, fresh) = match self
            .store
            .submit_video_appeal(
                &video,
                JournalDraft::new(now, format!("booth:{}", entry.id), "", "va_received").details(
                    serde_json::json!({ "duration_ms": rec.duration_ms, "sha256": stored.sha256 })
                        .to_string(),
                ),
            )
            .await
        {
            Ok(x) => x,
            Err(e) => {
                tracing::error!(error = %e, "video appeal not stored");
                // The database not answering is "try again", not a fault of ours or theirs.
                let kind = match e {
                    StoreError::Unavailable | StoreError::Backend(_) => Refusal::Unavailable,
                    _ => Refusal::Internal,
                };
                return refused(kind, vec![problem("", tr.get("error-internal"))]);
            }
        };
        if !fresh {
            // The same recording again (a repeated press, a retried upload): its receipt with the
            // code was given the first time; a new code would not work.
            return refused(
                Refusal::Conflict,
                vec![problem(
                    "recording",
                    tr.with("va-already-sent", &[("number", card_id.to_string())]),
                )],
            );
        }
        Ok(VideoReceipt {
            card_id,
            sent_at: now,
            code,
            due,
            length: format!("{minutes}:{seconds:02}"),
        })
    }
}

fn media_text(tr: Tr, e: &MediaError) -> String {
    match e {
        MediaError::NotVideo => tr.get("va-media-not-video"),
        MediaError::Damaged => tr.get("va-media-damaged"),
        MediaError::NoVideo => tr.get("va-media-no-video"),
        MediaError::TooLong { seconds } => {
            tr.with("va-media-too-long", &[("seconds", seconds.to_string())])
        }
        MediaError::ForgedDuration { .. } => tr.get("va-media-forged"),
    }
}
