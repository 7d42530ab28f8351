//! The console's registers through the API: bodies, staff, the CSV imports and branches.

use super::{app_err, caller, ApiResult};
use crate::context::Ctx;
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
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
) -> Result<(StatusCode, Json<AdminBodyDto>), ApiError> {
    let user = caller(&ctx)?;
    let body = admin::create_body(app.store.as_ref(), &user, &b.form(), app.clock.now())
        .await
        .map_err(app_err(&ctx))?;
    Ok((StatusCode::CREATED, Json(one_body(&app, &body).await)))
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

/// A staff member as the API gives them, with their body's and branch's codes from `bodies`
/// and `branches`.
fn staff_dto_in(s: &StaffUser, bodies: &[Body], branches: &[Branch]) -> StaffDto {
    StaffDto {
        id: s.id,
        login: s.login.clone(),
        full_name: s.full_name.clone(),
        position: s.position.clone(),
        iin: s.iin.clone(),
        email: s.email.clone(),
        body: s
            .body_id
            .and_then(|id| bodies.iter().find(|b| b.id == id))
            .map(|b| b.code.clone()),
        branch: s
            .branch_id
            .and_then(|id| branches.iter().find(|b| b.id == id))
            .map(|b| b.code.clone()),
        roles: s.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        active: s.active,
        lang: s.lang.code().to_owned(),
    }
}

pub(super) async fn staff_dto(app: &crate::App, s: &StaffUser) -> StaffDto {
    let body = match s.body_id {
        Some(b) => app.store.body(b).await.ok(),
        None => None,
    };
    let branches = match s.branch_id {
        Some(_) => branches::all(app.store.as_ref()).await.unwrap_or_default(),
        None => Vec::new(),
    };
    staff_dto_in(s, body.as_slice(), &branches)
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
    Ok(Json(StaffList {
        items: list
            .iter()
            .map(|s| staff_dto_in(s, &scope.bodies, &all_branches))
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
) -> Result<(StatusCode, Json<StaffDto>), ApiError> {
    let user = caller(&ctx)?;
    let s = admin::add_staff(app.store.as_ref(), &user, &b.form(), app.clock.now())
        .await
        .map_err(app_err(&ctx))?;
    Ok((StatusCode::CREATED, Json(staff_dto(&app, &s).await)))
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
