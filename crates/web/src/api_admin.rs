//! The staff's JSON API: sign in by a signed challenge (as on the sign-in page), then the
//! administration console's actions over the same use cases as its pages — bodies, staff,
//! branches and the CSV imports — each checked against the caller's role and scope by the
//! application layer and journaled there. Authenticated by a bearer token only (never by the
//! session cookie, so a page of another site cannot act with it and no CSRF token is needed).

use crate::context::{token_hash, Ctx};
use crate::error::{ApiError, ErrorEnvelope};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use otinish_app::admin::{self, BodyForm, StaffForm};
use otinish_app::{branches, import};
use otinish_domain::model::{Body, Branch, StaffUser};
use otinish_domain::repo::SessionRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The signed-in staff member (the route's guard has let only staff through).
fn caller(ctx: &Ctx) -> Result<StaffUser, ApiError> {
    ctx.user
        .clone()
        .ok_or_else(|| ApiError::unauthorized(ctx.tr))
}

fn app_err(ctx: &Ctx) -> impl Fn(otinish_app::Error) -> ApiError + '_ {
    move |e| ApiError::from_app(ctx.tr, e)
}

// ---- Sign-in ----

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffChallenge {
    /// Sign these exact bytes (UTF-8) as CMS, attached, with the staff member's own key.
    challenge: String,
}

/// A one-time challenge for a staff member's key.
#[utoipa::path(post, path = "/api/v1/staff/challenge", tag = "staff",
    responses((status = 200, body = StaffChallenge)))]
pub async fn challenge(State(app): State<AppState>, ctx: Ctx) -> ApiResult<StaffChallenge> {
    let challenge = app.sign_in_challenge().await.map_err(|e| {
        tracing::error!(error = %e, "challenge");
        ApiError::from_app(ctx.tr, otinish_app::Error::Internal(e.to_string()))
    })?;
    Ok(Json(StaffChallenge { challenge }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffSignIn {
    challenge: String,
    /// The CMS signature of the challenge, base64 or PEM (as NCALayer returns it).
    signature: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffSession {
    /// Send as `Authorization: Bearer <token>` to `/api/v1/admin/…`.
    token: String,
    staff: StaffDto,
    expires_at: String,
}

/// Signs a staff member in by their key: the certificate's IIN must be an active staff
/// member's, and for a body's employee the certificate carries the body's BIN.
#[utoipa::path(post, path = "/api/v1/staff/signin", tag = "staff", request_body = StaffSignIn,
    responses((status = 200, body = StaffSession), (status = 401, body = ErrorEnvelope, description = "the signature does not sign this staff member in"),
        (status = 400, body = ErrorEnvelope, description = "the body is not JSON"),
        (status = 415, body = ErrorEnvelope, description = "the body is not sent as application/json"),
        (status = 422, body = ErrorEnvelope, description = "the body is not of this shape"),
        (status = 429, body = ErrorEnvelope, description = "too many failed sign-ins from this address")))]
pub async fn signin(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::video::ClientIp(client): crate::video::ClientIp,
    headers: axum::http::HeaderMap,
    crate::error::ApiJson(b): crate::error::ApiJson<StaffSignIn>,
) -> Response {
    if crate::auth::throttled(&app, &ctx, &client, "")
        .await
        .is_some()
    {
        return crate::error::ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: crate::error::ErrorBody {
                code: "too_many_sign_ins".into(),
                message: ctx.tr.with(
                    "login-throttled",
                    &[("minutes", crate::auth::SIGNIN_WINDOW_MINUTES.to_string())],
                ),
                fields: vec![],
            },
        }
        .into_response();
    }
    let user = match app
        .staff_sign_in(b.challenge.trim(), b.signature.trim().as_bytes())
        .await
    {
        Ok(u) => u,
        Err(e) => {
            tracing::info!(error = %e, "staff API sign-in refused");
            crate::auth::note_failure(&app, &client, "").await;
            return crate::error::ApiError {
                status: StatusCode::UNAUTHORIZED,
                body: crate::error::ErrorBody {
                    code: "sign_in_refused".into(),
                    message: crate::cabinet::error_text(ctx.tr, &e),
                    fields: vec![],
                },
            }
            .into_response();
        }
    };
    let now = app.clock.now();
    let token = crate::context::random_token();
    let expires_at = now + chrono::Duration::hours(crate::auth::SESSION_HOURS);
    let rec = SessionRecord {
        token_hash: token_hash(&token),
        staff_id: user.id,
        csrf_token: crate::context::random_token(),
        created_at: now,
        expires_at,
        client_ip: client,
        user_agent: headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("API client")
            .chars()
            .take(300)
            .collect(),
    };
    if let Err(e) = app.store.create_session(&rec).await {
        return ApiError::from_store(ctx.tr, e).into_response();
    }
    tracing::info!(staff = user.id, "signed in to the API");
    let staff = staff_dto(&app, &user).await;
    Json(StaffSession {
        token,
        staff,
        expires_at: expires_at.to_rfc3339(),
    })
    .into_response()
}

/// Ends the session of the bearer token.
#[utoipa::path(post, path = "/api/v1/staff/signout", tag = "staff",
    responses((status = 204, description = "signed out"), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn signout(State(app): State<AppState>, ctx: Ctx) -> Response {
    if let Some(token) = &ctx.session_token {
        if let Err(e) = app.store.delete_session(&token_hash(token)).await {
            return ApiError::from_store(ctx.tr, e).into_response();
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

// ---- Bodies ----

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminBodyDto {
    code: String,
    bin: Option<String>,
    name_kk: String,
    name_ru: String,
    name_en: String,
    /// The parent body's code.
    parent: Option<String>,
    competence: Vec<String>,
    vks: bool,
    video: bool,
    phone: Option<String>,
    email: Option<String>,
    address_kk: String,
    address_ru: String,
    /// When the body closed (RFC 3339); absent while it works.
    closed_at: Option<String>,
}

fn body_dto(b: &Body, all: &[Body]) -> AdminBodyDto {
    AdminBodyDto {
        code: b.code.clone(),
        bin: b.bin.clone(),
        name_kk: b.name.kk.clone(),
        name_ru: b.name.ru.clone(),
        name_en: b.name.en.clone(),
        parent: b
            .parent_id
            .and_then(|p| all.iter().find(|x| x.id == p))
            .map(|p| p.code.clone()),
        competence: b.competence.clone(),
        vks: b.vks_connected,
        video: b.video_appeal_connected,
        phone: b.contacts.phone.clone(),
        email: b.contacts.email.clone(),
        address_kk: b.contacts.address.kk.clone(),
        address_ru: b.contacts.address.ru.clone(),
        closed_at: b.closed_at.map(|t| t.to_rfc3339()),
    }
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct BodyInput {
    /// Letters, digits and hyphens (taken as given on creation; a body's code never changes).
    code: String,
    name_kk: String,
    name_ru: String,
    name_en: String,
    /// 12 digits with a valid check digit.
    bin: String,
    /// The parent body's code; empty for a top-level body (the deployment's administrator).
    parent: String,
    competence: Vec<String>,
    vks: bool,
    video: bool,
    phone: String,
    email: String,
    address_kk: String,
    address_ru: String,
}

impl BodyInput {
    fn form(&self) -> BodyForm {
        BodyForm {
            code: self.code.clone(),
            name_kk: self.name_kk.clone(),
            name_ru: self.name_ru.clone(),
            name_en: self.name_en.clone(),
            bin: self.bin.clone(),
            parent: self.parent.clone(),
            competence: self.competence.join(","),
            vks: self.vks,
            video: self.video,
            phone: self.phone.clone(),
            email: self.email.clone(),
            address_kk: self.address_kk.clone(),
            address_ru: self.address_ru.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminBodyList {
    items: Vec<AdminBodyDto>,
}

/// The bodies the caller administers (a body's administrator: that body and those below it),
/// closed ones included.
#[utoipa::path(get, path = "/api/v1/admin/bodies", tag = "admin",
    responses((status = 200, body = AdminBodyList), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn bodies(State(app): State<AppState>, ctx: Ctx) -> ApiResult<AdminBodyList> {
    let user = caller(&ctx)?;
    let scope = admin::scope(app.store.as_ref(), &user)
        .await
        .map_err(app_err(&ctx))?;
    Ok(Json(AdminBodyList {
        items: scope
            .bodies
            .iter()
            .map(|b| body_dto(b, &scope.bodies))
            .collect(),
    }))
}

async fn one_body(app: &crate::App, b: &Body) -> AdminBodyDto {
    let parent = match b.parent_id {
        Some(p) => app.store.body(p).await.ok(),
        None => None,
    };
    body_dto(b, parent.as_slice())
}

/// Creates a body under one the caller administers.
#[utoipa::path(post, path = "/api/v1/admin/bodies", tag = "admin", request_body = BodyInput,
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 400, body = ErrorEnvelope, description = "the body is not JSON"), (status = 415, body = ErrorEnvelope, description = "the body is not sent as application/json"), (status = 201, body = AdminBodyDto), (status = 422, body = ErrorEnvelope, description = "each field's problem"),
        (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn create_body(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::error::ApiJson(b): crate::error::ApiJson<BodyInput>,
) -> Response {
    let user = match caller(&ctx) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    match admin::create_body(app.store.as_ref(), &user, &b.form(), app.clock.now()).await {
        Ok(body) => (StatusCode::CREATED, Json(one_body(&app, &body).await)).into_response(),
        Err(e) => ApiError::from_app(ctx.tr, e).into_response(),
    }
}

/// Changes a body the caller administers (its code stays).
#[utoipa::path(put, path = "/api/v1/admin/bodies/{code}", tag = "admin", request_body = BodyInput,
    params(("code" = String, Path, description = "the body's code")),
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 400, body = ErrorEnvelope, description = "the body is not JSON"), (status = 415, body = ErrorEnvelope, description = "the body is not sent as application/json"), (status = 200, body = AdminBodyDto), (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn edit_body(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    crate::error::ApiJson(b): crate::error::ApiJson<BodyInput>,
) -> ApiResult<AdminBodyDto> {
    let user = caller(&ctx)?;
    let body = admin::edit_body(app.store.as_ref(), &user, &code, &b.form(), app.clock.now())
        .await
        .map_err(app_err(&ctx))?;
    Ok(Json(one_body(&app, &body).await))
}

/// Closes a body: it leaves every list of recipients and takes no new appeal; its staff are
/// signed out. Refused (409) while it holds open cards or has bodies below it that work.
#[utoipa::path(post, path = "/api/v1/admin/bodies/{code}/close", tag = "admin",
    params(("code" = String, Path, description = "the body's code")),
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 200, body = AdminBodyDto), (status = 409, body = ErrorEnvelope, description = "the reason it cannot close now"),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn close_body(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> ApiResult<AdminBodyDto> {
    let user = caller(&ctx)?;
    let body = admin::close_body(app.store.as_ref(), &user, &code, app.clock.now())
        .await
        .map_err(app_err(&ctx))?;
    Ok(Json(one_body(&app, &body).await))
}

/// Opens a closed body again.
#[utoipa::path(post, path = "/api/v1/admin/bodies/{code}/reopen", tag = "admin",
    params(("code" = String, Path, description = "the body's code")),
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 200, body = AdminBodyDto), (status = 409, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn reopen_body(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> ApiResult<AdminBodyDto> {
    let user = caller(&ctx)?;
    let body = admin::reopen_body(app.store.as_ref(), &user, &code, app.clock.now())
        .await
        .map_err(app_err(&ctx))?;
    Ok(Json(one_body(&app, &body).await))
}

// ---- Staff ----

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffDto {
    id: i64,
    login: String,
    full_name: String,
    position: String,
    iin: Option<String>,
    email: Option<String>,
    /// The body's code.
    body: Option<String>,
    /// A branch operator's branch, by code.
    branch: Option<String>,
    roles: Vec<String>,
    active: bool,
    lang: String,
}

async fn staff_dto(app: &crate::App, s: &StaffUser) -> StaffDto {
    let body = match s.body_id {
        Some(b) => app.store.body(b).await.ok().map(|b| b.code),
        None => None,
    };
    let branch = match s.branch_id {
        Some(id) => branches::all(app.store.as_ref())
            .await
            .ok()
            .and_then(|all| all.into_iter().find(|b| b.id == id))
            .map(|b| b.code),
        None => None,
    };
    StaffDto {
        id: s.id,
        login: s.login.clone(),
        full_name: s.full_name.clone(),
        position: s.position.clone(),
        iin: s.iin.clone(),
        email: s.email.clone(),
        body,
        branch,
        roles: s.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        active: s.active,
        lang: s.lang.code().to_owned(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct StaffQuery {
    /// Part of a name, login or IIN.
    #[serde(default)]
    q: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffList {
    items: Vec<StaffDto>,
}

/// The staff the caller administers, by name; `q` narrows them.
#[utoipa::path(get, path = "/api/v1/admin/staff", tag = "admin", params(StaffQuery),
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 200, body = StaffList), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn staff(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<StaffQuery>,
) -> ApiResult<StaffList> {
    let user = caller(&ctx)?;
    let scope = admin::scope(app.store.as_ref(), &user)
        .await
        .map_err(app_err(&ctx))?;
    let list = admin::staff_list(app.store.as_ref(), &scope, &q.q)
        .await
        .map_err(app_err(&ctx))?;
    let all_branches = branches::all(app.store.as_ref())
        .await
        .map_err(app_err(&ctx))?;
    let code_of = |id: Option<i64>, bodies: &[Body]| {
        id.and_then(|id| bodies.iter().find(|b| b.id == id))
            .map(|b| b.code.clone())
    };
    let branch_of = |id: Option<i64>, all: &[Branch]| {
        id.and_then(|id| all.iter().find(|b| b.id == id))
            .map(|b| b.code.clone())
    };
    Ok(Json(StaffList {
        items: list
            .iter()
            .map(|s| StaffDto {
                id: s.id,
                login: s.login.clone(),
                full_name: s.full_name.clone(),
                position: s.position.clone(),
                iin: s.iin.clone(),
                email: s.email.clone(),
                body: code_of(s.body_id, &scope.bodies),
                branch: branch_of(s.branch_id, &all_branches),
                roles: s.roles.iter().map(|r| r.as_str().to_owned()).collect(),
                active: s.active,
                lang: s.lang.code().to_owned(),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct StaffInput {
    /// The IIN their key carries (on creation; it stays).
    iin: String,
    full_name: String,
    position: String,
    /// Defaults to the IIN (on creation; it stays).
    login: String,
    email: String,
    /// The body's code; empty for staff of no body (the deployment's administrator only).
    body: String,
    /// A branch operator's branch, by code.
    branch: String,
    /// Role keys: registrar, executor, head, reception_secretary, admin, …
    roles: Vec<String>,
    /// kk, ru or en.
    lang: String,
}

impl StaffInput {
    fn form(&self) -> StaffForm {
        StaffForm {
            iin: self.iin.clone(),
            full_name: self.full_name.clone(),
            position: self.position.clone(),
            login: self.login.clone(),
            email: self.email.clone(),
            body: self.body.clone(),
            branch: self.branch.clone(),
            roles: self.roles.clone(),
            lang: self.lang.clone(),
        }
    }
}

/// Adds a staff member by IIN, with their roles, to a body the caller administers.
#[utoipa::path(post, path = "/api/v1/admin/staff", tag = "admin", request_body = StaffInput,
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 400, body = ErrorEnvelope, description = "the body is not JSON"), (status = 415, body = ErrorEnvelope, description = "the body is not sent as application/json"), (status = 201, body = StaffDto), (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn add_staff(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::error::ApiJson(b): crate::error::ApiJson<StaffInput>,
) -> Response {
    let user = match caller(&ctx) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    match admin::add_staff(app.store.as_ref(), &user, &b.form(), app.clock.now()).await {
        Ok(s) => (StatusCode::CREATED, Json(staff_dto(&app, &s).await)).into_response(),
        Err(e) => ApiError::from_app(ctx.tr, e).into_response(),
    }
}

/// Changes a staff member's name, position, email, body, branch, roles and language.
#[utoipa::path(put, path = "/api/v1/admin/staff/{id}", tag = "admin", request_body = StaffInput,
    params(("id" = i64, Path, description = "the staff member's id")),
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 400, body = ErrorEnvelope, description = "the body is not JSON"), (status = 415, body = ErrorEnvelope, description = "the body is not sent as application/json"), (status = 200, body = StaffDto), (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn edit_staff(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    crate::error::ApiJson(b): crate::error::ApiJson<StaffInput>,
) -> ApiResult<StaffDto> {
    let user = caller(&ctx)?;
    let s = admin::edit_staff(app.store.as_ref(), &user, id, &b.form(), app.clock.now())
        .await
        .map_err(app_err(&ctx))?;
    Ok(Json(staff_dto(&app, &s).await))
}

async fn set_active(app: &crate::App, ctx: &Ctx, id: i64, active: bool) -> ApiResult<StaffDto> {
    let user = caller(ctx)?;
    let s = admin::set_active(app.store.as_ref(), &user, id, active, app.clock.now())
        .await
        .map_err(app_err(ctx))?;
    Ok(Json(staff_dto(app, &s).await))
}

/// Deactivates a staff member: their sessions end at once and their key no longer signs them
/// in. Their open cards stay theirs until handed over (the console's handover page).
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/deactivate", tag = "admin",
    params(("id" = i64, Path, description = "the staff member's id")),
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 200, body = StaffDto), (status = 409, body = ErrorEnvelope, description = "not yourself"),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn deactivate(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> ApiResult<StaffDto> {
    set_active(&app, &ctx, id, false).await
}

/// Reactivates a staff member.
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/activate", tag = "admin",
    params(("id" = i64, Path, description = "the staff member's id")),
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 200, body = StaffDto), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn activate(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> ApiResult<StaffDto> {
    set_active(&app, &ctx, id, true).await
}

// ---- Imports ----

#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// `true` writes the file (all lines or none); otherwise the file is only checked.
    #[serde(default)]
    apply: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineProblemDto {
    line: usize,
    /// The column's key (`bin`, `parent_bin`, `iin`, …) or `file`.
    column: String,
    message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// Lines that would be (or were) written.
    rows: usize,
    /// Whether they were written.
    applied: bool,
    /// Every problem, by line; any problem means nothing is written.
    problems: Vec<LineProblemDto>,
}

/// Imports a CSV file (`;` or `,`, UTF-8, headers in Kazakh, Russian or English: the console's
/// template) of bodies, staff or branches: checked and reported line by line, and with
/// `apply=true` written whole or not at all (422 with the problems when any line is wrong).
#[utoipa::path(post, path = "/api/v1/admin/import/{kind}", tag = "admin",
    params(("kind" = String, Path, description = "bodies, staff or branches"), ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 200, body = ImportResult), (status = 422, body = ImportResult, description = "problems; nothing written"),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope, description = "no such kind"),
        (status = 413, body = ErrorEnvelope, description = "the file is larger than 4 MB")),
    security(("bearer" = [])))]
pub async fn import(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(kind): Path<String>,
    Query(q): Query<ImportQuery>,
    bytes: Bytes,
) -> Response {
    let user = match caller(&ctx) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let store = app.store.as_ref();
    let planned = match kind.as_str() {
        "bodies" => import::plan_bodies(store, &user, &bytes)
            .await
            .map(|p| (p.rows.len(), p.problems)),
        "staff" => import::plan_staff(store, &user, &bytes)
            .await
            .map(|p| (p.rows.len(), p.problems)),
        "branches" => import::plan_branches(store, &user, &bytes)
            .await
            .map(|p| (p.rows.len(), p.problems)),
        _ => return ApiError::not_found(ctx.tr).into_response(),
    };
    let (rows, problems) = match planned {
        Ok(p) => p,
        Err(e) => return ApiError::from_app(ctx.tr, e).into_response(),
    };
    let result = |applied, problems: &[import::LineProblem]| ImportResult {
        rows,
        applied,
        problems: problems
            .iter()
            .map(|p| LineProblemDto {
                line: p.line,
                column: p.field.to_owned(),
                message: ctx.tr.get(p.key),
            })
            .collect(),
    };
    if !problems.is_empty() {
        let status = if q.apply {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        return (status, Json(result(false, &problems))).into_response();
    }
    if !q.apply {
        return Json(result(false, &[])).into_response();
    }
    let now = app.clock.now();
    let done = match kind.as_str() {
        "bodies" => import::import_bodies(store, &user, &bytes, now).await,
        "staff" => import::import_staff(store, &user, &bytes, now).await,
        _ => import::import_branches(store, &user, &bytes, now).await,
    };
    match done {
        Ok(n) => {
            tracing::info!(
                imported = n,
                staff = user.id,
                kind,
                "imported through the API"
            );
            Json(ImportResult {
                rows: n,
                applied: true,
                problems: vec![],
            })
            .into_response()
        }
        Err(e) => ApiError::from_app(ctx.tr, e).into_response(),
    }
}

// ---- Branches ----

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminBranchDto {
    code: String,
    name_kk: String,
    name_ru: String,
    region_ru: String,
    vks_equipment: bool,
    booths: i32,
    closed_at: Option<String>,
}

fn branch_dto(b: &Branch) -> AdminBranchDto {
    AdminBranchDto {
        code: b.code.clone(),
        name_kk: b.name.kk.clone(),
        name_ru: b.name.ru.clone(),
        region_ru: b.region.ru.clone(),
        vks_equipment: b.vks_equipment,
        booths: b.booths,
        closed_at: b.closed_at.map(|t| t.to_rfc3339()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminBranchList {
    items: Vec<AdminBranchDto>,
}

/// Every branch, closed ones included (the deployment's administrator).
#[utoipa::path(get, path = "/api/v1/admin/branches", tag = "admin",
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 200, body = AdminBranchList), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn branch_list(State(app): State<AppState>, ctx: Ctx) -> ApiResult<AdminBranchList> {
    let user = caller(&ctx)?;
    branches::keeper(&user).map_err(app_err(&ctx))?;
    let all = branches::all(app.store.as_ref())
        .await
        .map_err(app_err(&ctx))?;
    Ok(Json(AdminBranchList {
        items: all.iter().map(branch_dto).collect(),
    }))
}

/// Closes a branch (refused, 409, while VKS receptions are still to happen there).
#[utoipa::path(post, path = "/api/v1/admin/branches/{code}/close", tag = "admin",
    params(("code" = String, Path, description = "the branch's code")),
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 200, body = AdminBranchDto), (status = 409, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn close_branch(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> ApiResult<AdminBranchDto> {
    let user = caller(&ctx)?;
    let b = branches::close(app.store.as_ref(), &user, &code, app.clock.now())
        .await
        .map_err(app_err(&ctx))?;
    Ok(Json(branch_dto(&b)))
}

/// Opens a closed branch again.
#[utoipa::path(post, path = "/api/v1/admin/branches/{code}/reopen", tag = "admin",
    params(("code" = String, Path, description = "the branch's code")),
    responses((status = 401, body = ErrorEnvelope, description = "no staff bearer token"), (status = 200, body = AdminBranchDto), (status = 409, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn reopen_branch(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> ApiResult<AdminBranchDto> {
    let user = caller(&ctx)?;
    let b = branches::reopen(app.store.as_ref(), &user, &code, app.clock.now())
        .await
        .map_err(app_err(&ctx))?;
    Ok(Json(branch_dto(&b)))
}

// ---- Calendar ----

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct DayChangeInput {
    /// YYYY-MM-DD.
    date: String,
    /// `off` (a day off), `working` (a working day) or `shipped` (remove the day's edit).
    kind: String,
    /// The decree that makes the change (number and date); required unless `shipped`.
    reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TermMoveDto {
    card_id: i64,
    number: String,
    term: String,
    old_due: String,
    new_due: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarReport {
    /// The open cases whose terms were looked at.
    open_cases_checked: u64,
    /// The cases whose terms move (or moved).
    cases_changed: u64,
    deadlines_changed: u64,
    /// The terms that would move (a preview; up to 200).
    moves: Vec<TermMoveDto>,
    applied: bool,
}

/// GEN-02: what a change of one day would do to the open cards' terms, changing nothing.
#[utoipa::path(post, path = "/api/v1/admin/calendar/preview", tag = "admin", request_body = DayChangeInput,
    responses((status = 200, body = CalendarReport), (status = 401, body = ErrorEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn calendar_preview(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::error::ApiJson(b): crate::error::ApiJson<DayChangeInput>,
) -> ApiResult<CalendarReport> {
    let user = caller(&ctx)?;
    otinish_app::calendar::editor(&user).map_err(app_err(&ctx))?;
    let change =
        otinish_app::calendar::day_change(&b.date, &b.kind, &b.reason).map_err(app_err(&ctx))?;
    let base = app.calendar.read().await.clone();
    let (moves, report) = otinish_app::calendar::preview(
        app.store.as_ref(),
        &app.rulebooks,
        &base,
        &change,
        app.clock.now(),
        200,
    )
    .await
    .map_err(app_err(&ctx))?;
    Ok(Json(CalendarReport {
        open_cases_checked: report.open_cases_checked,
        cases_changed: report.cases_changed,
        deadlines_changed: report.deadlines_changed,
        moves: moves
            .iter()
            .map(|m| TermMoveDto {
                card_id: m.card_id,
                number: m.number.clone(),
                term: m.what.get(ctx.tr.lang).to_owned(),
                old_due: m.old_due.to_string(),
                new_due: m.new_due.to_string(),
            })
            .collect(),
        applied: false,
    }))
}

/// GEN-02, GEN-04: applies a change of one day: the edit is stored and every open card whose
/// terms move gets them recomputed, each journaled.
#[utoipa::path(post, path = "/api/v1/admin/calendar/apply", tag = "admin", request_body = DayChangeInput,
    responses((status = 200, body = CalendarReport), (status = 401, body = ErrorEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope, description = "no edit of that day to remove")),
    security(("bearer" = [])))]
pub async fn calendar_apply(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::error::ApiJson(b): crate::error::ApiJson<DayChangeInput>,
) -> ApiResult<CalendarReport> {
    let user = caller(&ctx)?;
    let actor = otinish_app::calendar::editor(&user).map_err(app_err(&ctx))?;
    let change =
        otinish_app::calendar::day_change(&b.date, &b.kind, &b.reason).map_err(app_err(&ctx))?;
    let base = app.calendar.read().await.clone();
    let report = app
        .change_calendar_day(&base, &change, &actor)
        .await
        .map_err(app_err(&ctx))?;
    Ok(Json(CalendarReport {
        open_cases_checked: report.open_cases_checked,
        cases_changed: report.cases_changed,
        deadlines_changed: report.deadlines_changed,
        moves: vec![],
        applied: true,
    }))
}

// ---- Announcements ----

#[derive(Debug, Serialize, ToSchema)]
pub struct AnnouncementDto {
    id: i64,
    starts_at: String,
    ends_at: String,
    kk: String,
    ru: String,
    en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnnouncementList {
    items: Vec<AnnouncementDto>,
}

/// EA-16: the announcements now and to come.
#[utoipa::path(get, path = "/api/v1/admin/announcements", tag = "admin",
    responses((status = 200, body = AnnouncementList), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn announcements(State(app): State<AppState>, ctx: Ctx) -> ApiResult<AnnouncementList> {
    let user = caller(&ctx)?;
    otinish_app::announce::announcer(&user).map_err(app_err(&ctx))?;
    let list = otinish_app::announce::list(app.store.as_ref(), app.clock.now())
        .await
        .map_err(app_err(&ctx))?;
    Ok(Json(AnnouncementList {
        items: list
            .into_iter()
            .map(|a| AnnouncementDto {
                id: a.id,
                starts_at: a.starts_at.to_rfc3339(),
                ends_at: a.ends_at.to_rfc3339(),
                kk: a.text.kk,
                ru: a.text.ru,
                en: a.text.en,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct AnnouncementInput {
    /// RFC 3339; now when absent.
    starts_at: Option<String>,
    /// RFC 3339; required.
    ends_at: Option<String>,
    kk: String,
    ru: String,
    /// Defaults to the Russian.
    en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// EA-16: announces an outage or other news for a window.
#[utoipa::path(post, path = "/api/v1/admin/announcements", tag = "admin", request_body = AnnouncementInput,
    responses((status = 201, body = Created), (status = 401, body = ErrorEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn announce(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::error::ApiJson(b): crate::error::ApiJson<AnnouncementInput>,
) -> Response {
    let done = async {
        let user = caller(&ctx)?;
        let actor = otinish_app::announce::announcer(&user).map_err(app_err(&ctx))?;
        let moment = |v: &Option<String>, field: &'static str| -> Result<_, ApiError> {
            match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => chrono::DateTime::parse_from_rfc3339(v)
                    .map(|t| Some(t.with_timezone(&chrono::Utc)))
                    .map_err(|_| ApiError::invalid(ctx.tr, vec![(field, "announce-when-invalid")])),
            }
        };
        let new = otinish_app::announce::NewAnnouncement {
            from: moment(&b.starts_at, "starts_at")?.or(Some(app.clock.now())),
            to: moment(&b.ends_at, "ends_at")?,
            kk: b.kk.clone(),
            ru: b.ru.clone(),
            en: b.en.clone(),
        };
        let id = otinish_app::announce::add(app.store.as_ref(), &actor, &new, app.clock.now())
            .await
            .map_err(|e| match e {
                // The fields as this API names them.
                otinish_app::Error::Invalid(p) => otinish_app::Error::Invalid(
                    p.into_iter()
                        .map(|mut p| {
                            p.field = match p.field {
                                "from" => "starts_at",
                                "to" => "ends_at",
                                f => f,
                            };
                            p
                        })
                        .collect(),
                ),
                other => other,
            })
            .map_err(app_err(&ctx))?;
        app.forget_announcements().await;
        Ok::<_, ApiError>(id)
    }
    .await;
    match done {
        Ok(id) => (StatusCode::CREATED, Json(Created { id })).into_response(),
        Err(e) => e.into_response(),
    }
}

/// EA-16: withdraws an announcement now.
#[utoipa::path(post, path = "/api/v1/admin/announcements/{id}/withdraw", tag = "admin",
    params(("id" = i64, Path, description = "the announcement's id")),
    responses((status = 204, description = "withdrawn"), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn withdraw_announcement(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Response {
    let done = async {
        let user = caller(&ctx)?;
        let actor = otinish_app::announce::announcer(&user).map_err(app_err(&ctx))?;
        otinish_app::announce::withdraw(app.store.as_ref(), &actor, id, app.clock.now())
            .await
            .map_err(app_err(&ctx))?;
        app.forget_announcements().await;
        Ok::<_, ApiError>(())
    }
    .await;
    match done {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

// ---- Trust ----

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateDto {
    subject: String,
    serial: String,
    root: bool,
    not_before: String,
    not_after: String,
    /// SHA-256 of the DER, lowercase hex.
    fingerprint: String,
    /// Added from the console (not built in nor from the trust folder).
    added_here: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CrlDto {
    url: String,
    this_update: String,
    next_update: Option<String>,
    fetched_at: String,
    stale: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrustDto {
    /// The certificates in force.
    certificates: Vec<CertificateDto>,
    /// Fingerprints withdrawn from the console.
    withdrawn: Vec<String>,
    crls: Vec<CrlDto>,
}

/// The trust store in force, the certificates withdrawn, and the revocation lists fetched.
#[utoipa::path(get, path = "/api/v1/admin/trust", tag = "admin",
    responses((status = 200, body = TrustDto), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn trust(State(app): State<AppState>, ctx: Ctx) -> ApiResult<TrustDto> {
    let user = caller(&ctx)?;
    otinish_app::trust::viewer(&user).map_err(app_err(&ctx))?;
    let records = app
        .store
        .trust_anchors()
        .await
        .map_err(|e| ApiError::from_store(ctx.tr, e))?;
    app.pki.trust.apply(&records);
    let now = app.clock.now();
    let crls = app
        .store
        .crls()
        .await
        .map_err(|e| ApiError::from_store(ctx.tr, e))?;
    Ok(Json(TrustDto {
        certificates: app
            .pki
            .trust
            .get()
            .certificates()
            .into_iter()
            .map(|(c, fp, root)| CertificateDto {
                added_here: records
                    .iter()
                    .any(|r| r.fingerprint == fp && r.der.is_some()),
                subject: c.subject,
                serial: c.serial,
                root,
                not_before: c.not_before.to_rfc3339(),
                not_after: c.not_after.to_rfc3339(),
                fingerprint: fp,
            })
            .collect(),
        withdrawn: records
            .iter()
            .filter(|r| !r.trusted)
            .map(|r| r.fingerprint.clone())
            .collect(),
        crls: crls
            .iter()
            .map(|l| CrlDto {
                url: l.url.clone(),
                this_update: l.this_update.to_rfc3339(),
                next_update: l.next_update.map(|t| t.to_rfc3339()),
                fetched_at: l.fetched_at.to_rfc3339(),
                stale: otinish_app::trust::stale(l.next_update, now),
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrustedList {
    /// The fingerprints of the certificates trusted.
    fingerprints: Vec<String>,
}

/// Trusts the certificates of a file (PEM or DER, sent as the body): each must be a
/// certificate authority's, a root's self-signature verified, none expired.
#[utoipa::path(post, path = "/api/v1/admin/trust", tag = "admin",
    request_body(content = String, content_type = "application/octet-stream"),
    responses((status = 201, body = TrustedList), (status = 401, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope, description = "larger than a certificate file may be")),
    security(("bearer" = [])))]
pub async fn trust_add(State(app): State<AppState>, ctx: Ctx, bytes: Bytes) -> Response {
    let user = match caller(&ctx) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    match otinish_app::trust::add(app.store.as_ref(), &user, &bytes, app.clock.now()).await {
        Ok(added) => {
            if let Err(e) = app.reload_trust().await {
                tracing::warn!(error = %e, "trust store not rebuilt");
            }
            (
                StatusCode::CREATED,
                Json(TrustedList {
                    fingerprints: added.into_iter().map(|c| c.fingerprint).collect(),
                }),
            )
                .into_response()
        }
        Err(e) => ApiError::from_app(ctx.tr, e).into_response(),
    }
}

/// Withdraws a certificate in force (the last root cannot be: 409).
#[utoipa::path(post, path = "/api/v1/admin/trust/{fingerprint}/withdraw", tag = "admin",
    params(("fingerprint" = String, Path, description = "SHA-256, lowercase hex")),
    responses((status = 204, description = "withdrawn"), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn trust_withdraw(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(fingerprint): Path<String>,
) -> Response {
    let user = match caller(&ctx) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let current = app.pki.trust.get();
    match otinish_app::trust::withdraw(
        app.store.as_ref(),
        &user,
        &current,
        &fingerprint,
        app.clock.now(),
    )
    .await
    {
        Ok(()) => {
            if let Err(e) = app.reload_trust().await {
                tracing::warn!(error = %e, "trust store not rebuilt");
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => ApiError::from_app(ctx.tr, e).into_response(),
    }
}

/// Trusts a withdrawn certificate again.
#[utoipa::path(post, path = "/api/v1/admin/trust/{fingerprint}/restore", tag = "admin",
    params(("fingerprint" = String, Path, description = "SHA-256, lowercase hex")),
    responses((status = 204, description = "trusted again"), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn trust_restore(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(fingerprint): Path<String>,
) -> Response {
    let user = match caller(&ctx) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    match otinish_app::trust::restore(app.store.as_ref(), &user, &fingerprint, app.clock.now())
        .await
    {
        Ok(()) => {
            if let Err(e) = app.reload_trust().await {
                tracing::warn!(error = %e, "trust store not rebuilt");
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => ApiError::from_app(ctx.tr, e).into_response(),
    }
}

// ---- Notices given up for good ----

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadNoticeDto {
    id: i64,
    card_id: i64,
    channel: String,
    /// The address with the person's part hidden.
    address: Option<String>,
    subject: String,
    attempts: i64,
    /// The last reason, the address in it hidden too.
    reason: Option<String>,
    created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadNoticeList {
    items: Vec<DeadNoticeDto>,
    total: i64,
}

/// GEN-07: the notices given up for good, newest first (addresses masked).
#[utoipa::path(get, path = "/api/v1/admin/notices/dead", tag = "admin", params(crate::api::PageQuery),
    responses((status = 200, body = DeadNoticeList), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 400, description = "a parameter is not a number"), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn dead_notices(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<crate::api::PageQuery>,
) -> ApiResult<DeadNoticeList> {
    let user = caller(&ctx)?;
    let req = crate::api::page_of(&q, ctx.tr)?;
    let page = otinish_app::notices::dead(app.store.as_ref(), &user, req)
        .await
        .map_err(app_err(&ctx))?;
    Ok(Json(DeadNoticeList {
        total: page.total,
        items: page
            .items
            .into_iter()
            .map(|n| DeadNoticeDto {
                id: n.id,
                card_id: n.card_id,
                channel: n.channel.to_string(),
                reason: n
                    .last_error
                    .as_deref()
                    .map(|r| otinish_app::notices::masked_reason(r, n.address.as_deref())),
                address: n.address.as_deref().map(otinish_app::notices::masked),
                subject: n.subject,
                attempts: n.attempts,
                created_at: n.created_at.to_rfc3339(),
            })
            .collect(),
    }))
}

async fn notice_step(app: &crate::App, ctx: &Ctx, id: i64, retry: bool) -> Response {
    let user = match caller(ctx) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let now = app.clock.now();
    let done = if retry {
        otinish_app::notices::retry(app.store.as_ref(), &user, id, now).await
    } else {
        otinish_app::notices::dismiss(app.store.as_ref(), &user, id, now).await
    };
    match done {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from_app(ctx.tr, e).into_response(),
    }
}

/// Sends a notice given up for good again (from now, with its attempts counted anew).
#[utoipa::path(post, path = "/api/v1/admin/notices/{id}/retry", tag = "admin",
    params(("id" = i64, Path, description = "the notice's id")),
    responses((status = 204, description = "queued again"), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn retry_notice(State(app): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    notice_step(&app, &ctx, id, true).await
}

/// Dismisses a notice given up for good: it leaves the list, undelivered.
#[utoipa::path(post, path = "/api/v1/admin/notices/{id}/dismiss", tag = "admin",
    params(("id" = i64, Path, description = "the notice's id")),
    responses((status = 204, description = "dismissed"), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn dismiss_notice(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Response {
    notice_step(&app, &ctx, id, false).await
}
