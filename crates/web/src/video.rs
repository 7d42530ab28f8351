//! Video appeals from booths in State Corporation branches (VA-01 … VA-14), the pages: the
//! operator's journal and booth sessions, the booth (kiosk page, recording, receipt), the answer
//! look-up by secret code, the recording and the printed answer for staff. The services are
//! app's `video` (re-exported here).

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
pub use otinish_app::video::*;
use otinish_domain::model::StaffUser;
use otinish_domain::repo::{PageRequest, VaEntry};
use otinish_domain::video::{SecretCode, VideoForm};
use serde::Deserialize;

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

#[derive(Debug, Deserialize, Default)]
pub struct JournalQuery {
    q: Option<String>,
    page: Option<String>,
    session: Option<String>,
}

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
    let branch = match operator_branch(app, user).await {
        Ok(b) => b,
        Err(e) => return crate::pages::error_page(ctx, e, "booth journal not shown"),
    };
    let page_no = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, 10_000);
    let req = PageRequest::new(Some(50), Some((page_no - 1) * 50));
    let page = match app
        .store
        .va_journal(Some(branch.id), q.q.as_deref(), req)
        .await
    {
        Ok(page) => page,
        Err(e) => return crate::pages::error_page(ctx, e.into(), "booth journal not read"),
    };
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

pub async fn add_entry(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<EntryForm>,
) -> Response {
    match app.open_booth_session(&user, &f).await {
        Ok(token) => Redirect::to(&format!("/staff/va?session={token}")).into_response(),
        Err(e) => match crate::pages::refused(&ctx, e, "va-field-", "booth session not opened") {
            crate::pages::Refused::Page(r) => r,
            crate::pages::Refused::Form(problems) => {
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
        },
    }
}

/// VA-02: the journal as CSV (UTF-8 with BOM, for spreadsheets), filtered as on the page.
pub async fn journal_csv(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<JournalQuery>,
) -> Response {
    let branch = match operator_branch(&app, &user).await {
        Ok(b) => b,
        Err(e) => return crate::pages::error_page(&ctx, e, "booth journal not exported"),
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
    let entry = match app.booth_session(&token).await {
        Ok(Some(entry)) => entry,
        Ok(None) => return page_error(&ctx, StatusCode::GONE, "va-session-expired"),
        Err(e) => return crate::pages::error_page(&ctx, e, "booth session not read"),
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

/// The status a refusal is answered with.
fn refusal_status(kind: Refusal) -> StatusCode {
    match kind {
        Refusal::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Refusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Refusal::Conflict => StatusCode::CONFLICT,
        Refusal::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn refuse(status: StatusCode, problems: Vec<Problem>) -> Response {
    (
        status,
        Json(serde_json::json!({ "ok": false, "errors": problems })),
    )
        .into_response()
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
    let entry = match app.booth_session(&token).await {
        Ok(Some(entry)) => entry,
        Ok(None) => {
            return refuse(
                StatusCode::GONE,
                vec![problem("", tr.get("va-session-expired"))],
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "booth session not read");
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                vec![problem("", tr.get("error-internal"))],
            );
        }
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
        Err(e) => refuse(refusal_status(e.kind), e.problems),
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
