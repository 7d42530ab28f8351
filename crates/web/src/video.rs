//! Video appeals from booths in State Corporation branches (VA-01 … VA-14): the operator's
//! journal and booth sessions, the booth (kiosk page, recording, receipt), the answer look-up by
//! secret code. The checks are the domain's (`otinish_domain::video`); this module sequences
//! them with the file store and the database.

use crate::context::Ctx;
use crate::extract::{CsrfForm, CsrfMultipart, Forged, Staff};
use crate::i18n::Tr;
use crate::pages::{page_error, render, Layout};
use crate::{App, AppState};
use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use otinish_domain::appeal::FieldProblem;
use otinish_domain::deadline::CaseFacts;
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{Applicant, Channel, NewCard, Role, StaffUser};
use otinish_domain::repo::{NewAppeal, NewVaEntry, NewVideoAppeal, PageRequest, VaEntry};
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

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// VA-01, VA-02: the branch operator of a branch offering the service (it has booths).
async fn operator_branch(app: &App, user: &StaffUser) -> Option<otinish_domain::model::Branch> {
    if !(user.active && user.has_role(Role::BranchOperator)) {
        return None;
    }
    let id = user.branch_id?;
    app.store
        .branches(PageRequest::new(Some(500), None))
        .await
        .ok()?
        .items
        .into_iter()
        .find(|b| b.id == id && b.booths > 0)
}

#[derive(Template)]
#[template(path = "va_journal.html")]
struct JournalPage {
    t: Tr,
    layout: Layout,
    branch: String,
    message: Option<String>,
    problems: Vec<String>,
    typed: EntryForm,
    /// The booth link of the session just opened.
    booth_link: Option<String>,
    q: String,
    /// (id, when, document, IIN, name, appeals)
    rows: Vec<(i64, String, String, String, String, String)>,
    pager: crate::pages::Pager,
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

#[derive(Debug, Deserialize, Default)]
pub struct JournalQuery {
    q: Option<String>,
    page: Option<String>,
    session: Option<String>,
}

const DOCUMENT_KINDS: &[&str] = &["id_card", "passport", "residence_permit", "stateless"];

fn local(app: &App, at: DateTime<Utc>) -> String {
    crate::cabinet::local(app, at)
}

async fn journal_page(
    app: &App,
    ctx: &Ctx,
    user: &StaffUser,
    q: JournalQuery,
    typed: EntryForm,
    problems: Vec<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let Some(branch) = operator_branch(app, user).await else {
        return page_error(ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let page_no = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, 10_000);
    let req = PageRequest::new(Some(50), Some((page_no - 1) * 50));
    let page = app
        .store
        .va_journal(Some(branch.id), q.q.as_deref(), req)
        .await
        .unwrap_or_else(|_| otinish_domain::repo::Page {
            items: vec![],
            total: 0,
            request: req,
        });
    let rows = page
        .items
        .iter()
        .map(|e: &VaEntry| {
            (
                e.id,
                local(app, e.created_at),
                format!(
                    "{} {}",
                    tr.get(&format!("va-doc-{}", e.document_kind.replace('_', "-"))),
                    e.document_number
                ),
                e.iin.clone(),
                e.full_name.clone(),
                e.cards
                    .iter()
                    .map(|c| format!("№ {c}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
        .collect();
    let query = q.q.clone().unwrap_or_default();
    let extra = if query.is_empty() {
        String::new()
    } else {
        format!("&q={}", crate::pages::query_escape(&query))
    };
    let page = JournalPage {
        t: tr,
        layout: Layout::new(app, ctx),
        branch: branch.name.get(tr.lang).to_owned(),
        message: q.session.as_ref().map(|_| tr.get("va-session-opened")),
        booth_link: q.session.map(|s| format!("/booth/{s}")),
        problems,
        typed,
        q: query,
        rows,
        pager: crate::pages::Pager::new(tr, page.total, req, "page", &extra),
    };
    (status, render(page)).into_response()
}

/// VA-02: the branch's journal "Registration of citizens who submitted a video appeal".
pub async fn journal(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<JournalQuery>,
) -> Response {
    journal_page(
        &app,
        &ctx,
        &user,
        q,
        EntryForm::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

impl App {
    /// VA-02: writes the journal entry for an identified applicant and opens a booth session;
    /// returns the session's token (shown once, as the booth's link).
    pub async fn open_booth_session(
        &self,
        user: &StaffUser,
        f: &EntryForm,
    ) -> Result<String, Vec<FieldProblem>> {
        let Some(branch) = operator_branch(self, user).await else {
            return Err(vec![FieldProblem {
                field: "branch",
                key: "error-forbidden",
            }]);
        };
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
            return Err(p);
        }
        let token = crate::context::random_token();
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
            .await
            .map_err(|_| {
                vec![FieldProblem {
                    field: "branch",
                    key: "error-internal",
                }]
            })?;
        Ok(token)
    }

    /// The journal entry of a live booth session.
    pub async fn booth_session(&self, token: &str) -> Option<VaEntry> {
        let e = self
            .store
            .va_entry_by_session(&sha256_hex(token.as_bytes()))
            .await
            .ok()?;
        (self.clock.now() < e.created_at + chrono::Duration::hours(SESSION_HOURS)).then_some(e)
    }
}

pub async fn add_entry(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<EntryForm>,
) -> Response {
    match app.open_booth_session(&user, &f).await {
        Ok(token) => Redirect::to(&format!("/staff/va?session={token}")).into_response(),
        Err(p) if p.iter().any(|x| x.key == "error-forbidden") => {
            page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden")
        }
        Err(p) => {
            let problems = p
                .iter()
                .map(|x| {
                    format!(
                        "{}: {}",
                        ctx.tr
                            .get(&format!("va-field-{}", x.field.replace('_', "-"))),
                        ctx.tr.get(x.key)
                    )
                })
                .collect();
            journal_page(
                &app,
                &ctx,
                &user,
                JournalQuery::default(),
                f,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// VA-02: the journal as CSV (UTF-8 with BOM, for spreadsheets), filtered as on the page.
pub async fn journal_csv(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<JournalQuery>,
) -> Response {
    let Some(branch) = operator_branch(&app, &user).await else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let mut out =
        String::from("\u{feff}id;date;document_kind;document_number;iin;full_name;appeals\r\n");
    let mut offset = 0;
    loop {
        let req = PageRequest::new(Some(500), Some(offset));
        let Ok(page) = app
            .store
            .va_journal(Some(branch.id), q.q.as_deref(), req)
            .await
        else {
            return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal");
        };
        for e in &page.items {
            let cell = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            out.push_str(&format!(
                "{};{};{};{};{};{};{}\r\n",
                e.id,
                local(&app, e.created_at),
                cell(&e.document_kind),
                cell(&e.document_number),
                cell(&e.iin),
                cell(&e.full_name),
                cell(
                    &e.cards
                        .iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            ));
        }
        offset += 500;
        if page.items.len() < 500 || i64::from(offset) >= page.total {
            break;
        }
    }
    tracing::info!(target: "access", staff = user.id, branch = branch.id, "video appeal journal exported");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"va-journal.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "booth.html")]
struct BoothPage {
    t: Tr,
    layout: Layout,
    token: String,
    /// (code, name)
    bodies: Vec<(String, String)>,
    /// (id, body code, label)
    officials: Vec<(i64, String, String)>,
    full_name: String,
}

/// The booth (kiosk page) of a live session: the form of VA-03/VA-06 and the recorder.
pub async fn booth(State(app): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> Response {
    let Some(entry) = app.booth_session(&token).await else {
        return page_error(&ctx, StatusCode::GONE, "va-session-expired");
    };
    let tr = ctx.tr;
    let bodies: Vec<_> = otinish_app::directory::open_bodies(app.store.as_ref())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|b| b.video_appeal_connected)
        .collect();
    let mut officials = Vec::new();
    for b in &bodies {
        for o in app.store.officials(b.id).await.unwrap_or_default() {
            officials.push((
                o.id,
                b.code.clone(),
                format!("{} — {}", o.full_name, o.position.get(tr.lang)),
            ));
        }
    }
    render(BoothPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        token,
        bodies: bodies
            .iter()
            .map(|b| (b.code.clone(), b.name.get(tr.lang).to_owned()))
            .collect(),
        officials,
        full_name: entry.full_name,
    })
}

#[derive(Debug, serde::Serialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

fn refuse(status: StatusCode, problems: Vec<Problem>) -> Response {
    (
        status,
        Json(serde_json::json!({ "ok": false, "errors": problems })),
    )
        .into_response()
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

/// VA-04, VA-05, VA-08: "Finish recording" sends the form and the recording. The server
/// reads the recording as the container it is (never the client's word), stores it, and
/// answers with the receipt: the moment of sending, the secret code, the estimated answer day
/// and the barcode. Nothing is stored when anything is refused.
pub async fn send(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    form: Result<CsrfMultipart, Forged>,
) -> Response {
    let tr = ctx.tr;
    let problem = |field: &str, message: String| Problem {
        field: field.to_owned(),
        message,
    };
    let Some(entry) = app.booth_session(&token).await else {
        return refuse(
            StatusCode::GONE,
            vec![problem("", tr.get("va-session-expired"))],
        );
    };
    let parts = match form {
        Ok(CsrfMultipart(Ok(parts))) => parts,
        Ok(CsrfMultipart(Err(_))) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                vec![problem("recording", tr.get("va-media-damaged"))],
            )
        }
        Err(Forged(_)) => {
            return refuse(
                StatusCode::FORBIDDEN,
                vec![problem("", tr.get("error-csrf"))],
            )
        }
    };
    let mut fields = serde_json::Map::new();
    let mut recording: Option<Vec<u8>> = None;
    for p in parts {
        if p.name == "recording" {
            if p.bytes.len() > MAX_RECORDING_BYTES {
                return refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    vec![problem("recording", tr.get("va-media-too-big"))],
                );
            }
            recording = Some(p.bytes.to_vec());
        } else if p.name != "csrf" {
            let text = p.text();
            fields.insert(p.name, serde_json::Value::String(text));
        }
    }
    let form: VideoForm =
        serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default();
    match app.file_video_appeal(&entry, &form, recording, tr).await {
        Ok(r) => Json(serde_json::json!({
            "ok": true,
            "number": r.card_id,
            "sent_at": local(&app, r.sent_at),
            "code": r.code.to_string(),
            "due": r.due.map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or_default(),
            "length": r.length,
            "barcode": otinish_domain::video::code128_svg(r.code.as_str(), 2, 70).unwrap_or_default(),
        }))
        .into_response(),
        Err(e) => refuse(e.kind.status(), e.problems),
    }
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

impl Refusal {
    fn status(self) -> StatusCode {
        match self {
            Refusal::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::Conflict => StatusCode::CONFLICT,
            Refusal::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
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

impl App {
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
                return refused(
                    Refusal::Internal,
                    vec![problem("", tr.get("error-internal"))],
                );
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

#[derive(Template)]
#[template(path = "va_answer.html")]
struct AnswerPage {
    t: Tr,
    layout: Layout,
    code: String,
    message: Option<String>,
    /// (label, value)
    facts: Vec<(String, String)>,
    answer: Option<String>,
}

/// The client's address: the connection's peer, or — when the peer is a trusted reverse proxy
/// — the nearest address in X-Forwarded-For that is not one of the trusted proxies (a client
/// cannot spoof it by sending the header itself). `local` when there is no connection, as in
/// in-process tests.
pub struct ClientIp(pub String);

/// The client behind `peer`, given the X-Forwarded-For header and the trusted proxies.
pub fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[std::net::IpAddr],
) -> String {
    let Some(peer) = peer else {
        return "local".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    forwarded_for
        .into_iter()
        .flat_map(|h| h.rsplit(','))
        .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
        .to_string()
}

impl axum::extract::FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientIp(client_address(
            peer,
            forwarded,
            &app.config.trusted_proxies,
        )))
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    code: String,
}

/// VA-13: the form for the receipt's secret code. The code travels only in the form's body,
/// never in a URL (where browser history, proxies and server logs would keep it).
pub async fn answer_form(State(app): State<AppState>, ctx: Ctx) -> Response {
    render(AnswerPage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
        code: String::new(),
        message: None,
        facts: vec![],
        answer: None,
    })
}

/// VA-13: the answer looked up by the receipt's secret code (typed or scanned), in the booth or
/// on the portal; failed attempts are limited per client.
pub async fn answer(
    State(app): State<AppState>,
    ctx: Ctx,
    ClientIp(client): ClientIp,
    CsrfForm(f): CsrfForm<AnswerForm>,
) -> Response {
    let tr = ctx.tr;
    let typed = f.code.clone();
    let page = |message: Option<String>, facts, answer, status: StatusCode| {
        (
            status,
            render(AnswerPage {
                t: tr,
                layout: Layout::new(&app, &ctx),
                code: typed.clone(),
                message,
                facts,
                answer,
            }),
        )
            .into_response()
    };
    if typed.trim().is_empty() {
        return page(None, vec![], None, StatusCode::OK);
    }
    let now = app.clock.now();
    let since = now - chrono::Duration::minutes(LOOKUP_WINDOW_MINUTES);
    let key = format!("va-lookup:{client}");
    if app.store.failed_attempts(&key, since).await.unwrap_or(0) >= LOOKUP_LIMIT {
        return page(
            Some(tr.with(
                "va-lookup-limited",
                &[("minutes", LOOKUP_WINDOW_MINUTES.to_string())],
            )),
            vec![],
            None,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let found = match SecretCode::parse(&typed) {
        Some(code) => app
            .store
            .video_appeal_by_code(&sha256_hex(code.as_str().as_bytes()))
            .await
            .ok(),
        None => None,
    };
    let Some(v) = found else {
        let _ = app.store.note_failed_attempt(&key, now).await;
        return page(
            Some(tr.get("va-lookup-not-found")),
            vec![],
            None,
            StatusCode::NOT_FOUND,
        );
    };
    let Ok(card) = app.store.card(v.card_id).await else {
        return page(
            Some(tr.get("error-internal")),
            vec![],
            None,
            StatusCode::INTERNAL_SERVER_ERROR,
        );
    };
    tracing::info!(target: "access", card = card.id, client, "video appeal looked up by code");
    let body = app
        .store
        .body(card.body_id)
        .await
        .map(|b| b.name.get(tr.lang).to_owned())
        .unwrap_or_default();
    let mut facts = vec![
        (tr.get("appeal-number"), card.id.to_string()),
        (tr.get("appeal-received"), local(&app, card.received_at)),
        (tr.get("appeal-body"), body),
        (
            tr.get("appeal-state"),
            crate::cabinet::state_text(tr, card.state),
        ),
    ];
    if let Some(n) = &card.reg_number {
        facts.push((tr.get("appeal-registered-as"), n.to_string()));
    }
    let answered = matches!(
        card.state,
        otinish_domain::model::CardState::Answered | otinish_domain::model::CardState::Archived
    );
    page(
        None,
        facts,
        answered.then(|| card.answer.clone().unwrap_or_default()),
        StatusCode::OK,
    )
}

/// The recording of a video appeal, for the staff who may open its card (VA-09).
pub async fn recording(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
) -> Response {
    let Ok(card) = app.store.card(id).await else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    if !crate::desk::may_see_card(&user, &card) {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    let Ok(v) = app.store.video_appeal(id).await else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    match app.files.get(&v.recording_key).await {
        Ok(bytes) => {
            if let Err(e) = app
                .log_access(
                    &user,
                    &card,
                    otinish_domain::model::AccessKind::RecordingPlayed,
                )
                .await
            {
                return crate::access::not_recorded(&ctx, &e);
            }
            (
                [
                    (header::CONTENT_TYPE, "video/webm"),
                    (header::CACHE_CONTROL, "private, no-store"),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "recording not read");
            page_error(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                "err-files-unreachable",
            )
        }
    }
}

#[derive(Template)]
#[template(path = "letter.html")]
struct LetterPage {
    t: Tr,
    layout: Layout,
    body: String,
    body_address: String,
    number: String,
    addressee: String,
    postal_address: String,
    subject: String,
    answer: String,
    decision: String,
    executor: String,
    verify_url: String,
    qr: String,
    /// The letter's own outgoing number and date, and who signed it.
    outgoing_line: String,
    reply_line: String,
    signatories: Vec<String>,
}

/// VA-13, EA-09: the signed answer as a printable letter to the applicant's postal address,
/// with the verification code of the signed original.
pub async fn letter(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
) -> Response {
    let tr = ctx.tr;
    let Ok(card) = app.store.card(id).await else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    if !crate::desk::may_see_card(&user, &card) {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    let docs = app.store.signed_documents(id).await.unwrap_or_default();
    let (Some(answer_doc), Ok(a)) = (
        docs.iter().find(|d| d.kind == "answer"),
        app.store.appeal(id).await,
    ) else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "va-no-letter");
    };
    let body = app.store.body(card.body_id).await.ok();
    let executor = match card.executor_id {
        Some(e) => app
            .store
            .staff(e)
            .await
            .map(|s| s.full_name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let verify_url = format!(
        "{}/verify/{}",
        app.settings.public_url.trim_end_matches('/'),
        answer_doc.code
    );
    if let Err(e) = app
        .log_access(
            &user,
            &card,
            otinish_domain::model::AccessKind::LetterPrinted,
        )
        .await
    {
        return crate::access::not_recorded(&ctx, &e);
    }
    let particulars = crate::cabinet::letter_particulars(&app, tr, &card, answer_doc).await;
    let received = crate::cabinet::local(&app, card.received_at)
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_owned();
    let numbered = |number: String, date: String| {
        tr.with(
            "letter-outgoing-value",
            &[("number", number), ("date", date)],
        )
    };
    let reg = card
        .reg_number
        .as_ref()
        .map(|n| n.to_string())
        .unwrap_or_default();
    render(LetterPage {
        outgoing_line: if particulars.out_number.is_empty() {
            particulars.out_date.clone()
        } else {
            format!(
                "{} {}",
                tr.get("letter-outgoing"),
                numbered(particulars.out_number, particulars.out_date)
            )
        },
        reply_line: format!("{} {}", tr.get("letter-in-reply"), numbered(reg, received)),
        signatories: particulars.signatories,
        t: tr,
        layout: Layout::new(&app, &ctx),
        body: body
            .as_ref()
            .map(|b| b.name.get(tr.lang).to_owned())
            .unwrap_or_default(),
        body_address: body
            .as_ref()
            .map(|b| b.contacts.address.get(tr.lang).to_owned())
            .unwrap_or_default(),
        number: card
            .reg_number
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_default(),
        addressee: a.applicant.display_name(),
        postal_address: a.postal_address.clone(),
        subject: card.summary.clone(),
        answer: card.answer.clone().unwrap_or_default(),
        decision: card
            .decision
            .as_deref()
            .map(|d| tr.get(&format!("decision-{}", d.replace('_', "-"))))
            .unwrap_or_default(),
        executor,
        qr: crate::cabinet::qr_svg(&verify_url),
        verify_url,
    })
}

#[cfg(test)]
mod client_tests {
    use super::client_address;
    use std::net::IpAddr;

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // No proxy configured: the peer, whatever the header says.
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), Some("1.2.3.4"), &[]),
            "10.0.0.1"
        );
        // A client sending the header itself is not believed.
        assert_eq!(
            client_address(Some(ip("203.0.113.9")), Some("1.2.3.4"), &proxies),
            "203.0.113.9"
        );
        // Through two proxies: the nearest address that is not a proxy; what the client
        // prepended is ignored.
        assert_eq!(
            client_address(
                Some(ip("10.0.0.1")),
                Some("6.6.6.6, 203.0.113.7, 10.0.0.2"),
                &proxies
            ),
            "203.0.113.7"
        );
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), None, &proxies),
            "10.0.0.1"
        );
        assert_eq!(client_address(None, Some("1.2.3.4"), &proxies), "local");
    }
}
