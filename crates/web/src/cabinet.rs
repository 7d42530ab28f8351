//! The applicant's side: sign-in by electronic signature, the personal cabinet, the appeal
//! form (EA-03, EA-04), receipts and answers, and the public verification page.

use crate::context::{cookie, set_cookie, token_hash, Ctx};
use crate::eappeal::AppealError;
use crate::extract::{CsrfForm, CsrfMultipart, Part};
use crate::i18n::Tr;
use crate::pages::{page_error, render, Layout, Pager};
use crate::{App, AppState};
use askama::Template;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use otinish_domain::appeal::{storage_allows_submission, FieldProblem};
use otinish_domain::model::{AppealKind, Applicant, CardState};
use otinish_domain::repo::{PageRequest, StoreError};
use serde::Deserialize;

pub const APPLICANT_COOKIE: &str = "otinish_applicant";

/// The signed-in applicant, or a redirect to the sign-in page.
pub struct ApplicantCtx {
    pub id: i64,
    pub applicant: Applicant,
}

impl FromRequestParts<AppState> for ApplicantCtx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // No session (or an ended one) is "sign in"; a database that did not answer is an
        // outage (503), never "sign in again".
        async fn outage(parts: &mut Parts, app: &AppState) -> Response {
            let Ok(ctx) = Ctx::from_request_parts(parts, app).await;
            page_error(&ctx, StatusCode::SERVICE_UNAVAILABLE, "error-internal")
        }
        let Some(token) = cookie(&parts.headers, APPLICANT_COOKIE).map(str::to_owned) else {
            return Err(Redirect::to("/signin").into_response());
        };
        let id = match app
            .store
            .applicant_session(&token_hash(&token), app.clock.now())
            .await
        {
            Ok(id) => id,
            Err(StoreError::NotFound(_)) => return Err(Redirect::to("/signin").into_response()),
            Err(e) => {
                tracing::error!(error = %e, "applicant session not looked up");
                return Err(outage(parts, app).await);
            }
        };
        match app.store.applicant(id).await {
            Ok(applicant) => Ok(Self { id, applicant }),
            Err(StoreError::NotFound(_)) => Err(Redirect::to("/signin").into_response()),
            Err(e) => {
                tracing::error!(error = %e, "applicant not read");
                Err(outage(parts, app).await)
            }
        }
    }
}

/// The reason for an error, in the reader's language.
pub fn error_text(tr: Tr, e: &AppealError) -> String {
    match e {
        AppealError::Signature(v) => tr.get(&format!("sig-{}", v.code().replace('_', "-"))),
        AppealError::NotYourSignature => tr.get("err-not-your-signature"),
        AppealError::NotAnAppeal => tr.get("err-not-an-appeal"),
        AppealError::FilesMismatch => tr.get("err-files-mismatch"),
        AppealError::UnknownBody => tr.get("err-unknown-body"),
        AppealError::BodyClosed => tr.get("err-body-closed"),
        AppealError::FilesUnavailable(_) => tr.get("err-files-unavailable"),
        AppealError::TooMany(n) => tr.with("err-too-many-appeals", &[("limit", n.to_string())]),
        AppealError::Forbidden => tr.get("err-forbidden"),
        AppealError::BadChallenge => tr.get("err-bad-challenge"),
        AppealError::Invalid(p) => p
            .iter()
            .map(|p| tr.get(p.key))
            .collect::<Vec<_>>()
            .join(" "),
        AppealError::NotAllowed(k) => tr.get(k),
        AppealError::StaffSignature(p) => tr.get(p.key()),
        AppealError::OwnKeyNeeded => tr.get("staff-sig-own-key"),
        AppealError::Hearing(h) => crate::hearing::hearing_error_text(tr, h),
        AppealError::Decision(d) => crate::hearing::decision_error_text(tr, d),
        AppealError::Store(_) | AppealError::Internal(_) => tr.get("error-internal"),
    }
}

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
    let demo_signers = if app.config.demo {
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
    if !app.config.demo {
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

/// A moment in the deployment's time zone, as people write it.
pub fn local(app: &App, at: chrono::DateTime<chrono::Utc>) -> String {
    match app.calendar.try_read() {
        Ok(c) => at
            .with_timezone(&c.zone().tz)
            .format("%d.%m.%Y %H:%M")
            .to_string(),
        Err(_) => at.format("%d.%m.%Y %H:%M UTC").to_string(),
    }
}

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

pub struct FormField {
    name: &'static str,
    label: String,
    kind: &'static str,
    required: bool,
    max: usize,
    value: String,
    options: Vec<(String, String)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "appeal_new.html")]
struct AppealFormPage {
    t: Tr,
    layout: Layout,
    applicant_type: &'static str,
    idempotency_key: String,
    readonly: Vec<(String, String)>,
    fields: Vec<FormField>,
    file_error: Option<String>,
    error: Option<String>,
    demo: bool,
}

async fn form_page(
    app: &App,
    ctx: &Ctx,
    me: &ApplicantCtx,
    values: &serde_json::Map<String, serde_json::Value>,
    problems: &[FieldProblem],
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let bodies = otinish_app::directory::open_bodies(app.store.as_ref())
        .await
        .unwrap_or_default();
    let body_options: Vec<(String, String)> = bodies
        .iter()
        .map(|b| (b.id.to_string(), b.name.get(tr.lang).to_owned()))
        .collect();
    let kind_options: Vec<(String, String)> = AppealKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str().to_owned(),
                tr.get(&format!("kind-{}", k.as_str())),
            )
        })
        .collect();
    let value = |name: &str| -> String {
        match values.get(name) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Bool(b)) => b.to_string(),
            _ => String::new(),
        }
    };
    let err = |name: &str| {
        problems
            .iter()
            .find(|p| p.field == name)
            .map(|p| tr.get(p.key))
    };
    let field =
        |name: &'static str, label: &str, kind: &'static str, required: bool, default: String| {
            FormField {
                name,
                label: tr.get(label),
                kind,
                required,
                max: 0,
                value: if values.contains_key(name) {
                    value(name)
                } else {
                    default
                },
                options: vec![],
                error: err(name),
            }
        };
    let (applicant_type, readonly, mut fields) = match &me.applicant {
        Applicant::Individual {
            iin,
            surname,
            name,
            patronymic,
            email,
            phone,
            address,
            ..
        } => (
            "individual",
            vec![
                (tr.get("appeal-iin"), iin.to_string()),
                (tr.get("appeal-surname"), surname.clone()),
                (tr.get("appeal-name"), name.clone()),
            ],
            vec![
                field(
                    "patronymic",
                    "appeal-patronymic",
                    "text",
                    false,
                    patronymic.clone().unwrap_or_default(),
                ),
                field(
                    "email",
                    "appeal-email",
                    "email",
                    false,
                    email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
                ),
                field(
                    "postal_address",
                    "appeal-address",
                    "text",
                    true,
                    address.clone(),
                ),
                field(
                    "phone",
                    "appeal-phone",
                    "tel",
                    false,
                    phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                ),
                field("recipient", "appeal-body", "select", true, String::new()),
                field("kind", "appeal-kind", "select", true, String::new()),
                field("content", "appeal-content", "textarea", true, String::new()),
                field(
                    "collective",
                    "appeal-collective",
                    "checkbox",
                    false,
                    String::new(),
                ),
            ],
        ),
        Applicant::LegalEntity {
            bin,
            org_name,
            signer_surname,
            signer_name,
            email,
            phone,
            address,
            ..
        } => (
            "legal_entity",
            vec![(tr.get("appeal-bin"), bin.to_string())],
            vec![
                field(
                    "signer_surname",
                    "appeal-signer-surname",
                    "text",
                    true,
                    signer_surname.clone(),
                ),
                field(
                    "signer_name",
                    "appeal-signer-name",
                    "text",
                    true,
                    signer_name.clone(),
                ),
                field(
                    "org_name",
                    "appeal-org-name",
                    "text",
                    true,
                    org_name.clone(),
                ),
                field(
                    "outgoing_number",
                    "appeal-outgoing-number",
                    "text",
                    true,
                    String::new(),
                ),
                field(
                    "outgoing_date",
                    "appeal-outgoing-date",
                    "date",
                    true,
                    app.calendar
                        .read()
                        .await
                        .zone()
                        .local_date(app.clock.now())
                        .to_string(),
                ),
                field(
                    "email",
                    "appeal-email",
                    "email",
                    false,
                    email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
                ),
                field(
                    "postal_address",
                    "appeal-address",
                    "text",
                    true,
                    address.clone(),
                ),
                field(
                    "phone",
                    "appeal-phone",
                    "tel",
                    false,
                    phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                ),
                field("recipient", "appeal-body", "select", true, String::new()),
                field("kind", "appeal-kind", "select", true, String::new()),
                field(
                    "short_content",
                    "appeal-short-content",
                    "textarea",
                    true,
                    String::new(),
                ),
                field(
                    "collective",
                    "appeal-collective",
                    "checkbox",
                    false,
                    String::new(),
                ),
            ],
        ),
    };
    for f in &mut fields {
        match f.name {
            "recipient" => f.options = body_options.clone(),
            "kind" => f.options = kind_options.clone(),
            "content" => f.max = app.limits.content_max_chars,
            "short_content" => f.max = app.limits.short_content_max_chars,
            _ => {}
        }
    }
    // Problems with no field of their own (e.g. the signature) go to the top of the form.
    let shown: Vec<&str> = fields.iter().map(|f| f.name).chain(["file"]).collect();
    let orphans: Vec<String> = problems
        .iter()
        .filter(|p| !shown.contains(&p.field))
        .map(|p| tr.get(p.key))
        .collect();
    let error = match (error, orphans.is_empty()) {
        (Some(e), true) => Some(e),
        (Some(e), false) => Some(format!("{e} {}", orphans.join(" "))),
        (None, false) => Some(orphans.join(" ")),
        (None, true) => None,
    };
    let page = AppealFormPage {
        t: tr,
        layout: Layout::new(app, ctx),
        applicant_type,
        idempotency_key: crate::context::random_token(),
        readonly,
        fields,
        file_error: err("file"),
        error,
        demo: app.config.demo,
    };
    (status, render(page)).into_response()
}

pub async fn appeal_form(State(app): State<AppState>, ctx: Ctx, me: ApplicantCtx) -> Response {
    form_page(
        &app,
        &ctx,
        &me,
        &serde_json::Map::new(),
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

/// What a submission carries.
#[derive(Default)]
struct Submission {
    signature: String,
    idempotency_key: String,
    demo_sign: bool,
    fields: serde_json::Map<String, serde_json::Value>,
    files: Vec<(String, Vec<u8>)>,
}

fn read_submission(parts: Vec<Part>) -> Submission {
    let mut s = Submission::default();
    for p in parts {
        if p.name == "file" {
            let file_name = p.file_name.unwrap_or_default();
            if !file_name.is_empty() || !p.bytes.is_empty() {
                s.files.push((file_name, p.bytes.to_vec()));
            }
            continue;
        }
        let text = p.text();
        match p.name.as_str() {
            "signature" => s.signature = text,
            "idempotency_key" => s.idempotency_key = text,
            "demo_sign" => s.demo_sign = text == "1",
            "collective" => {
                s.fields
                    .insert(p.name, serde_json::Value::Bool(text == "true"));
            }
            "csrf" => {}
            _ => {
                s.fields.insert(p.name, serde_json::Value::String(text));
            }
        }
    }
    s
}

/// EA-02: an appeal is sent only signed — by NCALayer on the applicant's machine, or in demo
/// mode by the demo key of the signed-in demo applicant.
pub async fn submit(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
    CsrfMultipart(form): CsrfMultipart,
) -> Response {
    let sub = match form {
        Ok(parts) => read_submission(parts),
        Err(e) => {
            tracing::info!(error = %e, "unreadable submission");
            return form_page(
                &app,
                &ctx,
                &me,
                &serde_json::Map::new(),
                &[],
                Some(ctx.tr.get("appeal-file-too-large")),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    if !storage_allows_submission(
        u64::try_from(app.store.applicant_storage_used(me.id).await.unwrap_or(0)).unwrap_or(0),
        &app.limits,
    ) {
        return form_page(
            &app,
            &ctx,
            &me,
            &sub.fields,
            &[],
            Some(ctx.tr.get("cabinet-storage-full")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let signature: Vec<u8> = if sub.demo_sign {
        let doc = App::appeal_document(&me.applicant, sub.fields.clone(), &sub.files);
        match demo_signature(&app, &me.applicant, doc.as_bytes()) {
            DemoSignature::Signed(s) => s,
            DemoSignature::NotDemo => {
                return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden")
            }
            DemoSignature::NoKey => {
                return form_page(
                    &app,
                    &ctx,
                    &me,
                    &sub.fields,
                    &[],
                    Some(ctx.tr.get("appeal-unsigned")),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            DemoSignature::Failed => {
                return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
        }
    } else if sub.signature.trim().is_empty() {
        return form_page(
            &app,
            &ctx,
            &me,
            &sub.fields,
            &[],
            Some(ctx.tr.get("appeal-unsigned")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    } else {
        sub.signature.into_bytes()
    };
    let key = if sub.idempotency_key.trim().is_empty() {
        crate::context::random_token()
    } else {
        sub.idempotency_key.clone()
    };
    match app.submit_appeal(me.id, &signature, sub.files, &key).await {
        Ok((id, crate::eappeal::Filing::Replay)) => {
            Redirect::to(&format!("/cabinet/appeals/{id}?sent_before=1")).into_response()
        }
        Ok((id, _)) => Redirect::to(&format!("/cabinet/appeals/{id}?filed=1")).into_response(),
        Err(AppealError::Invalid(problems)) => {
            form_page(
                &app,
                &ctx,
                &me,
                &sub.fields,
                &problems,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ (AppealError::Store(_) | AppealError::Internal(_))) => {
            tracing::error!(error = %e, "submission failed");
            page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(e) => {
            let msg = error_text(ctx.tr, &e);
            let status = match e {
                AppealError::FilesUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                AppealError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            form_page(&app, &ctx, &me, &sub.fields, &[], Some(msg), status).await
        }
    }
}

pub struct DocView {
    /// An answer letter's outgoing number and date, and who signed it.
    letter: Vec<String>,
    kind: String,
    title: String,
    code: String,
    summary: String,
    qr: String,
}

#[derive(Template)]
#[template(path = "appeal.html")]
struct AppealPage {
    t: Tr,
    layout: Layout,
    id: i64,
    state: String,
    number: String,
    body: String,
    kind: String,
    received: String,
    content: String,
    files: Vec<(i64, String)>,
    deadlines: Vec<TermLine>,
    documents: Vec<DocView>,
    notices: Vec<NoticeRow>,
    /// A case closed without a signed answer (not accepted, left without consideration,
    /// outside the rules): the decision and what the applicant was told, shown up front.
    outcome: Option<(String, String)>,
    /// GEN-09: the hearings the body offered before an adverse decision.
    hearings: Vec<crate::hearing::HearingView>,
    /// Just filed: the confirmation comes first.
    filed: bool,
    /// When the answer is due, once the term is set.
    answer_due: Option<String>,
    /// The registration number in the heading, or that there is none yet.
    title: String,
    filed_body: String,
    message: Option<String>,
    is_error: bool,
    demo: bool,
}

/// GEN-04: one term of a case as people read it, in words: what it is, by when, how it is
/// counted and from what, the days it did not count and why, and where it stands (one rule
/// for every view, `otinish_domain::deadline::term_state`). No clause IDs or codes.
#[derive(Debug, Clone)]
pub struct TermLine {
    pub text: String,
    pub counted: String,
    pub skipped: Vec<String>,
    pub status: Option<String>,
    pub overdue: bool,
}

/// Which plural form a count takes in `lang` (`one`, `few` or `many`).
fn plural(lang: otinish_domain::Lang, n: u32) -> &'static str {
    match lang {
        otinish_domain::Lang::Ru => match (n % 10, n % 100) {
            (1, r) if r != 11 => "one",
            (2..=4, r) if !(12..=14).contains(&r) => "few",
            _ => "many",
        },
        otinish_domain::Lang::En if n == 1 => "one",
        _ => "many",
    }
}

pub fn deadline_lines(
    tr: Tr,
    deadlines: &[otinish_domain::repo::StoredDeadline],
    state: otinish_domain::model::CardState,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<TermLine> {
    use otinish_domain::deadline::{term_state, Explanation, TermState};
    let dmy = |d: chrono::NaiveDate| d.format("%d.%m.%Y").to_string();
    deadlines
        .iter()
        .map(|d| {
            let e = serde_json::from_str::<Explanation>(&d.explanation).ok();
            let what = e
                .as_ref()
                .map(|e| e.description.get(tr.lang).to_owned())
                .filter(|w| !w.is_empty())
                .unwrap_or_else(|| tr.get("term-unnamed"));
            let counted = e
                .as_ref()
                .map(|e| {
                    let unit = match e.unit {
                        otinish_domain::rulebook::Unit::WorkingDays => "working",
                        otinish_domain::rulebook::Unit::CalendarDays => "calendar",
                    };
                    let amount = tr.with(
                        &format!("term-{unit}-{}", plural(tr.lang, e.amount)),
                        &[("n", e.amount.to_string())],
                    );
                    let anchor = serde_json::to_value(e.anchor)
                        .ok()
                        .and_then(|v| v.as_str().map(|s| s.replace('_', "-")))
                        .unwrap_or_default();
                    let mut line = if e.amount == 0 {
                        tr.with("term-same-day", &[("date", dmy(e.anchor_day))])
                    } else {
                        tr.with(
                            &format!("term-from-{anchor}"),
                            &[("amount", amount), ("date", dmy(e.anchor_day))],
                        )
                    };
                    if let Some(x) = e.extended_until {
                        line.push_str("; ");
                        line.push_str(&tr.with("term-extended", &[("date", dmy(x))]));
                    }
                    if !e.unconfirmed_years.is_empty() {
                        let years = otinish_domain::calendar::year_list(&e.unconfirmed_years);
                        line.push_str(". ");
                        line.push_str(&tr.with("term-unconfirmed", &[("years", years)]));
                    }
                    line
                })
                .unwrap_or_default();
            let skipped = e
                .as_ref()
                .map(|e| {
                    e.skipped
                        .iter()
                        .map(|s| format!("{} — {}", dmy(s.date), s.reason.describe(tr.lang)))
                        .collect()
                })
                .unwrap_or_default();
            let st = term_state(d, state, now);
            TermLine {
                text: tr.with("term-line", &[("what", what), ("date", dmy(d.due_on))]),
                counted,
                skipped,
                status: match st {
                    TermState::Running | TermState::Closed => None,
                    TermState::Overdue => Some(tr.get("term-overdue")),
                    TermState::Paused => Some(tr.get("term-paused")),
                    TermState::StagePassed => Some(tr.get("term-stage-passed")),
                },
                overdue: st == TermState::Overdue,
            }
        })
        .collect()
}

/// A QR code as inline SVG.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(160, 160)
                .quiet_zone(true)
                .build();
            // Inline in HTML: drop the XML prolog.
            match svg.find("<svg") {
                Some(i) => svg[i..].to_owned(),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

async fn owned_appeal(
    app: &App,
    me: &ApplicantCtx,
    id: i64,
) -> Option<otinish_domain::repo::AppealRecord> {
    app.store
        .appeal(id)
        .await
        .ok()
        .filter(|a| a.applicant_id == me.id && !a.hidden_by_applicant)
}

#[derive(Debug, Deserialize, Default)]
pub struct AppealQuery {
    done: Option<String>,
    /// Just filed: the page opens with the confirmation.
    filed: Option<String>,
    /// The same signed appeal was sent again: this is the first one.
    sent_before: Option<String>,
}

pub async fn appeal_page(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
    Path(id): Path<i64>,
    Query(q): Query<AppealQuery>,
) -> Response {
    let message = match (&q.sent_before, &q.done) {
        (Some(_), _) => Some((ctx.tr.get("appeal-sent-before"), false)),
        (None, Some(_)) => Some((ctx.tr.get("hearing-answer-sent"), false)),
        (None, None) => None,
    };
    let filed = q.filed.is_some() && q.sent_before.is_none();
    appeal_view_as(&app, &ctx, &me, id, message, StatusCode::OK, filed).await
}

async fn appeal_view(
    app: &App,
    ctx: &Ctx,
    me: &ApplicantCtx,
    id: i64,
    message: Option<(String, bool)>,
    status: StatusCode,
) -> Response {
    appeal_view_as(app, ctx, me, id, message, status, false).await
}

/// The appeal as its author sees it; `filed` opens it with the confirmation of filing.
async fn appeal_view_as(
    app: &App,
    ctx: &Ctx,
    me: &ApplicantCtx,
    id: i64,
    message: Option<(String, bool)>,
    status: StatusCode,
    filed: bool,
) -> Response {
    let tr = ctx.tr;
    let Some(a) = owned_appeal(app, me, id).await else {
        return page_error(ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    let body = app
        .store
        .body(a.card.body_id)
        .await
        .map(|b| b.name.get(tr.lang).to_owned())
        .unwrap_or_default();
    let now = app.clock.now();
    let stored = app.store.deadlines(id).await.unwrap_or_default();
    let deadlines = deadline_lines(tr, &stored, a.card.state, now);
    // The day the answer is due, for the confirmation of filing.
    let answer_due = stored
        .iter()
        .find(|d| d.key == otinish_domain::deadline::ANSWER)
        .map(|d| {
            tr.with(
                "appeal-filed-due",
                &[("date", d.due_on.format("%d.%m.%Y").to_string())],
            )
        });
    let number = a
        .card
        .reg_number
        .as_ref()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let title = if number.is_empty() {
        tr.get("appeal-title-new")
    } else {
        tr.with("appeal-title", &[("number", number.clone())])
    };
    let base = format!("{}/verify/", app.config.public_url.trim_end_matches('/'));
    let mut documents = Vec::new();
    for d in app.store.signed_documents(id).await.unwrap_or_default() {
        let letter = if d.kind == "answer" {
            let p = letter_particulars(app, tr, &a.card, &d).await;
            let mut lines = Vec::new();
            if !p.out_number.is_empty() {
                lines.push(format!(
                    "{} {}",
                    tr.get("letter-outgoing"),
                    tr.with(
                        "letter-outgoing-value",
                        &[("number", p.out_number), ("date", p.out_date)]
                    )
                ));
            }
            if !p.signatories.is_empty() {
                lines.push(format!(
                    "{}: {}",
                    tr.get("letter-signed-by"),
                    p.signatories.join("; ")
                ));
            }
            lines
        } else {
            Vec::new()
        };
        documents.push(DocView {
            letter,
            title: tr.get(if d.kind == "receipt" {
                "appeal-receipt"
            } else {
                "appeal-answer"
            }),
            summary: if d.kind == "answer" {
                a.card.answer.clone().unwrap_or_default()
            } else {
                local(app, d.created_at)
            },
            qr: qr_svg(&format!("{base}{}", d.code)),
            kind: d.kind,
            code: d.code,
        });
    }
    let outcome = match (a.card.state, a.card.decision.as_deref()) {
        (
            otinish_domain::model::CardState::ClosedOutOfScope
            | otinish_domain::model::CardState::Refused,
            Some(d),
        ) => Some((
            match d.strip_prefix("signature:") {
                // EA-12: not accepted because the signature's certificate failed.
                Some(code) => tr.get(&format!("sig-{}", code.replace('_', "-"))),
                None => tr.get(&format!("decision-{}", d.replace('_', "-"))),
            },
            a.card.answer.clone().unwrap_or_default(),
        )),
        _ => None,
    };
    let hearings = app.applicant_hearings(&a.card, tr).await;
    let page = AppealPage {
        t: tr,
        layout: Layout::new(app, ctx),
        id,
        outcome,
        hearings,
        filed,
        answer_due,
        title,
        filed_body: tr.with("appeal-filed-body", &[("body", body.clone())]),
        message: message.as_ref().map(|(m, _)| m.clone()),
        is_error: message.as_ref().is_some_and(|(_, e)| *e),
        demo: app.config.demo,
        state: state_text(tr, a.card.state),
        number,
        body,
        kind: tr.get(&format!("kind-{}", a.card.kind.as_str())),
        received: local(app, a.card.received_at),
        content: a.content.clone(),
        files: app
            .store
            .attachments(id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|f| (f.id, f.file_name))
            .collect(),
        deadlines,
        documents,
        notices: app
            .store
            .notices_of_card(id)
            .await
            .unwrap_or_default()
            .iter()
            .map(|n| NoticeRow {
                subject: n.subject.clone(),
                body: n.body.clone(),
                when: local(app, n.created_at),
                channel: tr.get(&format!("channel-{}", n.channel)),
                // The transport's own error text is for the staff's log, not the applicant.
                status: tr.get(&format!("status-{}", n.status)),
            })
            .collect(),
    };
    (status, render(page)).into_response()
}

pub async fn document_download(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
    Path((id, file)): Path<(i64, String)>,
) -> Response {
    let Some(_) = owned_appeal(&app, &me, id).await else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    if let Some(kind) = file.strip_suffix(".pdf") {
        return document_pdf(&app, &ctx, &me, id, kind).await;
    }
    let kind = file.trim_end_matches(".p7s");
    let doc = app
        .store
        .signed_documents(id)
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|d| d.kind == kind);
    match doc {
        Some(d) => (
            [
                (CONTENT_TYPE, "application/pkcs7-signature".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"appeal-{id}-{kind}.p7s\""),
                ),
            ],
            d.signature,
        )
            .into_response(),
        None => page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
    }
}

/// The receipt or the answer as a PDF to keep or print: the same facts as the signed
/// document, with the address and code that verify it.
async fn document_pdf(app: &App, ctx: &Ctx, me: &ApplicantCtx, id: i64, kind: &str) -> Response {
    use crate::pdf::Block;
    let tr = ctx.tr;
    let (Some(a), Ok(docs)) = (
        owned_appeal(app, me, id).await,
        app.store.signed_documents(id).await,
    ) else {
        return page_error(ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    let Some(doc) = docs.into_iter().find(|d| d.kind == kind) else {
        return page_error(ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    let body = app.store.body(a.card.body_id).await.ok();
    let number = a.card.reg_number.as_ref().map(|n| n.to_string());
    let verify_url = format!(
        "{}/verify/{}",
        app.config.public_url.trim_end_matches('/'),
        doc.code
    );
    let mut blocks = vec![
        Block::Note(
            body.as_ref()
                .map(|b| b.name.get(tr.lang).to_owned())
                .unwrap_or_default(),
        ),
        Block::Title(tr.get(if kind == "answer" {
            "pdf-answer-title"
        } else {
            "pdf-receipt-title"
        })),
        Block::Big(match &number {
            Some(n) => n.clone(),
            None => tr.get("appeal-title-new"),
        }),
        Block::Field(tr.get("pdf-applicant"), a.applicant.display_name()),
        Block::Field(
            tr.get("appeal-kind"),
            tr.get(&format!("kind-{}", a.card.kind.as_str())),
        ),
        Block::Field(tr.get("appeal-received"), local(app, a.card.received_at)),
    ];
    if kind == "answer" {
        let p = letter_particulars(app, tr, &a.card, &doc).await;
        if !p.out_number.is_empty() {
            blocks.push(Block::Field(
                tr.get("letter-outgoing"),
                tr.with(
                    "letter-outgoing-value",
                    &[("number", p.out_number), ("date", p.out_date)],
                ),
            ));
        } else {
            blocks.push(Block::Field(
                tr.get("pdf-answer-date"),
                local(app, doc.created_at),
            ));
        }
        if let Some(d) = a.card.decision.as_deref() {
            blocks.push(Block::Field(
                tr.get("staff-decision"),
                upper_first(&tr.get(&format!("decision-{}", d.replace('_', "-")))),
            ));
        }
        blocks.push(Block::Heading(tr.get("appeal-answer")));
        blocks.push(Block::Text(a.card.answer.clone().unwrap_or_default()));
        if !p.signatories.is_empty() {
            blocks.push(Block::Field(
                tr.get("letter-signed-by"),
                p.signatories.join("\n"),
            ));
        }
    } else {
        let due = app
            .store
            .deadlines(id)
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|d| d.key == otinish_domain::deadline::ANSWER);
        if let Some(d) = due {
            blocks.push(Block::Field(
                tr.get("pdf-due"),
                d.due_on.format("%d.%m.%Y").to_string(),
            ));
        }
        blocks.push(Block::Heading(tr.get("appeal-content")));
        let mut content: String = a.content.chars().take(1500).collect();
        if content.len() < a.content.len() {
            content.push('…');
        }
        blocks.push(Block::Text(content));
        let files = app.store.attachments(id).await.unwrap_or_default();
        if !files.is_empty() {
            blocks.push(Block::Field(
                tr.get("appeal-files"),
                files
                    .into_iter()
                    .map(|f| f.file_name)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ));
        }
    }
    blocks.push(Block::Heading(tr.get("appeal-verify-link")));
    blocks.push(Block::Qr(verify_url.clone()));
    blocks.push(Block::Text(tr.with(
        "pdf-verify",
        &[("url", verify_url), ("code", doc.code.clone())],
    )));
    let title = format!(
        "{} {}",
        tr.get(if kind == "answer" {
            "pdf-answer-title"
        } else {
            "pdf-receipt-title"
        }),
        number.clone().unwrap_or_default()
    );
    let document = crate::pdf::Document {
        title,
        lang: tr.lang.code(),
        blocks,
    };
    match crate::pdf::render(&document) {
        Ok(bytes) => (
            [
                (CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}-{kind}.pdf\"",
                        number.unwrap_or_else(|| format!("appeal-{id}"))
                    ),
                ),
                (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "pdf");
            page_error(ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
    }
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
    if !app.config.demo {
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
        if !app.config.demo {
            return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
        }
        let signer = app
            .pki
            .demo_signers
            .iter()
            .find(|s| s.tax_id == me.applicant.tax_id());
        let doc = App::hearing_document(id, hearing, f.position.trim());
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
