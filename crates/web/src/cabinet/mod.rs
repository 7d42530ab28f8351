//! The applicant's side: sign-in by electronic signature, the personal cabinet, the appeal
//! form (EA-03, EA-04), receipts and answers, and the public verification page.

mod filing;
pub use filing::*;
mod appeal;
use crate::context::{cookie, set_cookie, token_hash, Ctx};
use crate::eappeal::AppealError;
use crate::extract::{CsrfForm, CsrfMultipart, Part};
use crate::i18n::Tr;
use crate::pages::{page_error, render, Layout, Pager};
use crate::{App, AppState};
pub use appeal::*;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use otinish_domain::appeal::{storage_allows_submission, FieldProblem};
use otinish_domain::model::{AppealKind, Applicant, CardState};
use otinish_domain::repo::PageRequest;
use serde::Deserialize;

pub use crate::context::APPLICANT_COOKIE;

pub use crate::extract::ApplicantCtx;

pub use otinish_app::eappeal::error_text;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    t: Tr,
    layout: Layout,
    challenge: String,
    demo_signers: Vec<(String, String)>,
    error: Option<String>,
}

async fn signin_page(app: &App, ctx: &Ctx, error: Option<String>, status: StatusCode) -> Response {
    let challenge = match app.sign_in_challenge().await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot create a sign-in challenge");
            return page_error(ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal");
        }
    };
    let demo_signers = if app.settings.demo {
        app.pki
            .demo_signers
            .iter()
            .map(|s| {
                (
                    s.slug.clone(),
                    ctx.tr.with("signin-demo-as", &[("name", s.label.clone())]),
                )
            })
            .collect()
    } else {
        vec![]
    };
    let page = SignInPage {
        t: ctx.tr,
        layout: Layout::new(app, ctx),
        challenge,
        demo_signers,
        error,
    };
    (status, render(page)).into_response()
}

pub async fn signin_form(State(app): State<AppState>, ctx: Ctx) -> Response {
    signin_page(&app, &ctx, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    signature: String,
}

fn signed_in(app: &App, token: &str) -> Response {
    let mut resp = Redirect::to("/cabinet").into_response();
    set_cookie(
        &mut resp,
        APPLICANT_COOKIE,
        token,
        true,
        app.config.secure_cookies,
        8 * 3600,
    );
    // The session's own CSRF token, as for staff: one planted in the browser is worthless.
    set_cookie(
        &mut resp,
        crate::context::CSRF_COOKIE,
        &crate::context::session_csrf(token),
        true,
        app.config.secure_cookies,
        24 * 3600,
    );
    resp
}

pub async fn signin(
    State(app): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<SignInForm>,
) -> Response {
    match app
        .sign_in(&f.challenge, f.signature.as_bytes(), ctx.tr.lang)
        .await
    {
        Ok((_, token)) => signed_in(&app, &token),
        Err(e) => {
            let msg = ctx
                .tr
                .with("signin-failed", &[("reason", error_text(ctx.tr, &e))]);
            signin_page(&app, &ctx, Some(msg), StatusCode::UNAUTHORIZED).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DemoSignInForm {
    #[serde(default)]
    signer: String,
}

/// Demo mode only: the server signs the challenge with a demo key, then signs in as usual.
pub async fn signin_demo(
    State(app): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<DemoSignInForm>,
) -> Response {
    if !app.settings.demo {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    let Some(signer) = app.pki.demo_signers.iter().find(|s| s.slug == f.signer) else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    let result = async {
        let challenge = app.sign_in_challenge().await?;
        let cms = signer
            .key
            .sign_cms(challenge.as_bytes(), true, app.clock.now())
            .map_err(|e| AppealError::Internal(e.to_string()))?;
        app.sign_in(&challenge, &cms, ctx.tr.lang).await
    }
    .await;
    match result {
        Ok((_, token)) => signed_in(&app, &token),
        Err(e) => {
            let msg = ctx
                .tr
                .with("signin-failed", &[("reason", error_text(ctx.tr, &e))]);
            signin_page(&app, &ctx, Some(msg), StatusCode::UNAUTHORIZED).await
        }
    }
}

pub async fn signout(
    State(app): State<AppState>,
    parts: axum::http::HeaderMap,
    CsrfForm(_): CsrfForm<crate::extract::TokenOnly>,
) -> Response {
    if let Some(t) = cookie(&parts, APPLICANT_COOKIE) {
        let _ = app.store.delete_applicant_session(&token_hash(t)).await;
    }
    let mut resp = Redirect::to("/").into_response();
    set_cookie(
        &mut resp,
        APPLICANT_COOKIE,
        "",
        true,
        app.config.secure_cookies,
        0,
    );
    resp
}

struct AppealRow {
    id: i64,
    number: String,
    body: String,
    state: String,
    received: String,
    due: String,
    overdue: bool,
}

struct NoticeRow {
    subject: String,
    body: String,
    when: String,
    channel: String,
    status: String,
}

#[derive(Template)]
#[template(path = "cabinet.html")]
struct CabinetPage {
    t: Tr,
    layout: Layout,
    who: String,
    storage: String,
    storage_full: bool,
    appeals: Vec<AppealRow>,
    pager: Pager,
    notices: Vec<NoticeRow>,
}

/// A size in megabytes, with the unit and decimal comma of the reader's language.
fn mb(tr: Tr, bytes: i64) -> String {
    let n = format!("{:.1}", bytes as f64 / 1_048_576.0);
    let n = match tr.lang {
        otinish_domain::Lang::En => n,
        _ => n.replace('.', ","),
    };
    tr.with("size-mb", &[("n", n)])
}

pub fn state_text(tr: Tr, s: CardState) -> String {
    tr.get(&format!("state-{}", s.as_str().replace('_', "-")))
}

pub use otinish_app::service::local;

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    page: Option<String>,
}

pub async fn cabinet(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
    Query(q): Query<PageQuery>,
) -> Response {
    let tr = ctx.tr;
    let page_no = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, 10_000);
    let req = PageRequest::new(Some(20), Some((page_no - 1) * 20));
    let (appeals, notices, used) = match (
        app.store.appeals_of_applicant(me.id, req).await,
        app.store
            .notices_of_applicant(me.id, PageRequest::new(Some(30), None))
            .await,
        app.store.applicant_storage_used(me.id).await,
    ) {
        (Ok(a), Ok(n), Ok(u)) => (a, n, u),
        _ => return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
    };
    let now = app.clock.now();
    let mut rows = Vec::new();
    for c in &appeals.items {
        let body = app
            .store
            .body(c.body_id)
            .await
            .map(|b| b.name.get(tr.lang).to_owned())
            .unwrap_or_default();
        let ds = app.store.deadlines(c.id).await.unwrap_or_default();
        // One rule for every view: the case's current term, and whether it is overdue.
        let answer = otinish_domain::deadline::current_term(c.state, &ds);
        rows.push(AppealRow {
            id: c.id,
            number: c
                .reg_number
                .as_ref()
                .map(|n| n.to_string())
                .unwrap_or_default(),
            body,
            state: state_text(tr, c.state),
            received: local(&app, c.received_at),
            due: answer
                .map(|d| d.due_on.format("%d.%m.%Y").to_string())
                .unwrap_or_default(),
            overdue: otinish_domain::deadline::is_overdue(c.state, &ds, now),
        });
    }
    let page = CabinetPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        who: me.applicant.display_name(),
        storage: tr.with(
            "cabinet-storage",
            &[
                ("used", mb(tr, used)),
                (
                    "quota",
                    mb(
                        tr,
                        i64::try_from(app.limits.storage_quota_bytes).unwrap_or(i64::MAX),
                    ),
                ),
            ],
        ),
        storage_full: !storage_allows_submission(u64::try_from(used).unwrap_or(0), &app.limits),
        appeals: rows,
        pager: Pager::new(tr, appeals.total, req, "page", ""),
        notices: notices
            .items
            .iter()
            .filter(|n| n.channel == otinish_domain::notice::NoticeChannel::Cabinet)
            .map(|n| NoticeRow {
                subject: n.subject.clone(),
                body: n.body.clone(),
                when: local(&app, n.created_at),
                channel: tr.get(&format!("channel-{}", n.channel)),
                status: tr.get(&format!("status-{}", n.status)),
            })
            .collect(),
    };
    render(page)
}

/// What came of signing with the signed-in applicant's demo key.
pub enum DemoSignature {
    Signed(Vec<u8>),
    /// Not a demo deployment: the button does not exist here.
    NotDemo,
    /// This applicant has no demo key.
    NoKey,
    /// Signing failed (logged).
    Failed,
}

/// Signs `doc` with the applicant's demo key, as the "sign with the demo key" buttons of the
/// appeal, the VKS request and the personal-reception sign-up do (demo deployments only).
pub fn demo_signature(app: &App, applicant: &Applicant, doc: &[u8]) -> DemoSignature {
    if !app.settings.demo {
        return DemoSignature::NotDemo;
    }
    let Some(signer) = app
        .pki
        .demo_signers
        .iter()
        .find(|s| s.tax_id == applicant.tax_id())
    else {
        return DemoSignature::NoKey;
    };
    match signer.key.sign_cms(doc, true, app.clock.now()) {
        Ok(s) => DemoSignature::Signed(s),
        Err(e) => {
            tracing::error!(error = %e, "demo signing failed");
            DemoSignature::Failed
        }
    }
}

/// What an answer letter carries besides its text: its own outgoing number and date, and who
/// signed it, each with their position (EA-09).
pub struct LetterParticulars {
    pub out_number: String,
    pub out_date: String,
    pub signatories: Vec<String>,
}

pub async fn letter_particulars(
    app: &App,
    tr: Tr,
    card: &otinish_domain::model::Card,
    doc: &otinish_domain::repo::SignedDocument,
) -> LetterParticulars {
    let code = match &card.reg_number {
        Some(n) => n.body_code.clone(),
        None => app
            .store
            .body(card.body_id)
            .await
            .map(|b| b.code)
            .unwrap_or_default(),
    };
    let mut signatories = Vec::new();
    for (role, staff_id, _) in app
        .store
        .answer_signatures(card.id)
        .await
        .unwrap_or_default()
    {
        let position = otinish_domain::model::Role::parse(&role)
            .map(|r| r.title(tr.lang).to_owned())
            .unwrap_or_default();
        let name = app
            .store
            .staff(staff_id)
            .await
            .map(|s| s.full_name)
            .unwrap_or_default();
        signatories.push(format!("{position} — {name}"));
    }
    LetterParticulars {
        out_number: doc.outgoing.map(|o| o.display(&code)).unwrap_or_default(),
        out_date: match app.calendar.try_read() {
            Ok(c) => doc
                .created_at
                .with_timezone(&c.zone().tz)
                .format("%d.%m.%Y")
                .to_string(),
            Err(_) => doc.created_at.format("%d.%m.%Y").to_string(),
        },
        signatories,
    }
}

/// The text with its first letter capitalised (a value shown on its own, under a label).
fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub async fn file_download(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Response {
    let Some(_) = owned_appeal(&app, &me, id).await else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    serve_attachment(&app, &ctx, id, file_id).await
}

/// `Content-Disposition` for a download named `name` (RFC 6266): a plain ASCII `filename` for
/// old clients (other characters become `_`) and the real name, UTF-8 and percent-encoded, in
/// `filename*`. The name is cleaned again of control and bidirectional characters, so a name
/// stored before they were refused cannot disguise its extension either.
pub fn attachment_disposition(name: &str) -> String {
    let name = otinish_domain::appeal::clean_file_name(name);
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '(' | ')' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Sends an attachment's bytes, if it belongs to card `id`.
pub async fn serve_attachment(app: &App, ctx: &Ctx, id: i64, file_id: i64) -> Response {
    match app.store.attachment(file_id).await {
        Ok(f) if f.card_id == id => match app.files.get(&f.storage_key).await {
            Ok(bytes) => (
                [
                    (CONTENT_TYPE, f.mime.clone()),
                    (CONTENT_DISPOSITION, attachment_disposition(&f.file_name)),
                ],
                bytes,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "attachment bytes not read");
                page_error(
                    ctx,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "err-files-unreachable",
                )
            }
        },
        _ => page_error(ctx, StatusCode::NOT_FOUND, "error-not-found"),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct HearingAnswerForm {
    #[serde(default)]
    position: String,
    /// The applicant's CMS (base64) over the position document.
    #[serde(default)]
    signature: String,
    /// Demo mode: sign with the applicant's demo key.
    #[serde(default)]
    demo_sign: String,
}

/// GEN-09: the applicant states their position at a hearing, signed; any error is shown on
/// the appeal's page with what they typed kept out of the URL.
pub async fn hearing_answer(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
    Path((id, hearing)): Path<(i64, i64)>,
    CsrfForm(f): CsrfForm<HearingAnswerForm>,
) -> Response {
    if owned_appeal(&app, &me, id).await.is_none() {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    }
    let signature: Vec<u8> = if f.demo_sign == "1" {
        if !app.settings.demo {
            return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
        }
        let signer = app
            .pki
            .demo_signers
            .iter()
            .find(|s| s.tax_id == me.applicant.tax_id());
        let doc = otinish_app::Service::hearing_document(id, hearing, f.position.trim());
        match signer.map(|s| s.key.sign_cms(doc.as_bytes(), true, app.clock.now())) {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                tracing::error!(error = %e, "demo signing failed");
                return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal");
            }
            None => Vec::new(),
        }
    } else {
        f.signature.trim().as_bytes().to_vec()
    };
    let result = if signature.is_empty() {
        Err(AppealError::Invalid(vec![
            otinish_domain::appeal::FieldProblem {
                field: "signature",
                key: "hearing-answer-unsigned",
            },
        ]))
    } else {
        app.hearing_answer(me.id, id, hearing, &signature).await
    };
    match result {
        Ok(()) => {
            Redirect::to(&format!("/cabinet/appeals/{id}?done=1#hearing-{hearing}")).into_response()
        }
        Err(AppealError::Forbidden) => page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden"),
        Err(e @ (AppealError::Store(_) | AppealError::Internal(_))) => {
            tracing::error!(error = %e, appeal = id, "hearing answer failed");
            page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(e) => {
            let text = error_text(ctx.tr, &e);
            appeal_view(
                &app,
                &ctx,
                &me,
                id,
                Some((text, true)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct DeleteForm {
    /// The applicant confirmed, having read what removal does and does not do.
    #[serde(default)]
    confirm: String,
}

/// EA-15: the author removes an appeal from their space (the body's record stays), once they
/// have confirmed it; without the confirmation the page says what removal does and does not.
pub async fn delete(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<DeleteForm>,
) -> Response {
    if f.confirm != "1" {
        return appeal_view(
            &app,
            &ctx,
            &me,
            id,
            Some((ctx.tr.get("appeal-delete-explain"), true)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let j = otinish_domain::journal::JournalDraft::new(
        app.clock.now(),
        format!("applicant:{}", me.applicant.tax_id()),
        "",
        "hide_from_cabinet",
    );
    match app.store.hide_appeal(id, me.id, j).await {
        Ok(()) => Redirect::to("/cabinet").into_response(),
        Err(_) => page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
    }
}

pub struct VerifiedView {
    kind: String,
    code: String,
    body: String,
    received: String,
    registered: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    t: Tr,
    layout: Layout,
    found: Option<VerifiedView>,
    /// A code was looked up (a result or "not found" is shown), or the form is blank.
    looked: bool,
    code: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct VerifyQuery {
    code: Option<String>,
}

/// The form where anyone types the code printed on a receipt or an answer; a code opens the
/// same page as the document's QR code.
pub async fn verify_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<VerifyQuery>,
) -> Response {
    let code: String = q
        .code
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if !code.is_empty()
        && code.len() <= 64
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Redirect::to(&format!("/verify/{code}")).into_response();
    }
    let looked = !code.is_empty();
    (
        if looked {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        },
        render(VerifyPage {
            t: ctx.tr,
            layout: Layout::new(&app, &ctx),
            found: None,
            looked,
            code: code.chars().take(64).collect(),
        }),
    )
        .into_response()
}

/// The public page a receipt's QR code opens: authentic or not, registered when, by which
/// body — and nothing personal.
pub async fn verify_page(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Response {
    let tr = ctx.tr;
    let found = match app.store.signed_document_by_code(&code).await {
        Ok(d) => {
            let authentic =
                otinish_pki::verify(&d.signature, None, &app.pki.trust.get(), app.clock.now())
                    .map(|v| v.content == d.document.as_bytes())
                    .unwrap_or(false);
            match (authentic, app.store.card(d.card_id).await) {
                (true, Ok(card)) => Some(VerifiedView {
                    kind: tr.get(if d.kind == "receipt" {
                        "verify-kind-receipt"
                    } else {
                        "verify-kind-answer"
                    }),
                    code: d.code,
                    body: app
                        .store
                        .body(card.body_id)
                        .await
                        .map(|b| b.name.get(tr.lang).to_owned())
                        .unwrap_or_default(),
                    received: local(&app, card.received_at),
                    registered: match (&card.reg_number, card.registered_at) {
                        (Some(n), Some(at)) => format!("{n}, {}", local(&app, at)),
                        _ => "—".into(),
                    },
                }),
                _ => None,
            }
        }
        Err(_) => None,
    };
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    (
        status,
        render(VerifyPage {
            t: tr,
            layout: Layout::new(&app, &ctx),
            found,
            looked: true,
            code: code.chars().take(64).collect(),
        }),
    )
        .into_response()
}
