//! The JSON API under /api/v1, health endpoints, and the OpenAPI document generated from the
//! annotations below.

use crate::context::Ctx;
use crate::error::{page_of, PageQuery};
use crate::error::{ApiError, ErrorEnvelope};
use crate::pages::parse_due_input;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use otinish_domain::Lang;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Otinish API",
        description = "Appeals to state bodies: the public API, the applicant API, and the staff API (sign-in by key; the administration console)."
    ),
    paths(
        healthz,
        readyz,
        bodies,
        branches,
        calendar_due,
        crate::api_appeals::challenge,
        crate::api_appeals::signin,
        crate::api_appeals::submit,
        crate::api_appeals::list,
        crate::api_appeals::get_one,
        crate::api_admin::challenge,
        crate::api_admin::signin,
        crate::api_admin::signout,
        crate::api_admin::bodies,
        crate::api_admin::create_body,
        crate::api_admin::edit_body,
        crate::api_admin::close_body,
        crate::api_admin::reopen_body,
        crate::api_admin::staff,
        crate::api_admin::add_staff,
        crate::api_admin::edit_staff,
        crate::api_admin::deactivate,
        crate::api_admin::activate,
        crate::api_admin::import,
        crate::api_admin::branch_list,
        crate::api_admin::close_branch,
        crate::api_admin::reopen_branch,
        crate::api_admin::calendar_preview,
        crate::api_admin::calendar_apply,
        crate::api_admin::announcements,
        crate::api_admin::announce,
        crate::api_admin::withdraw_announcement,
        crate::api_admin::trust,
        crate::api_admin::trust_add,
        crate::api_admin::editions,
        crate::api_admin::confirm_edition,
        crate::api_admin::trust_withdraw,
        crate::api_admin::trust_restore,
        crate::api_admin::dead_notices,
        crate::api_admin::retry_notice,
        crate::api_admin::dismiss_notice,
        crate::api_admin::jobs,
        crate::api_admin::retry_job,
        crate::api_admin::dismiss_job
    ),
    components(schemas(BodyDto, BranchDto, BodyList, BranchList, DueDto, SkippedDto, ErrorEnvelope)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Declares the bearer token the applicant API uses.
pub struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers and can take a write.
#[utoipa::path(get, path = "/readyz", responses((status = 200, description = "ready"), (status = 503, description = "the database does not answer or cannot take a write")))]
pub async fn readyz(State(app): State<AppState>) -> Response {
    match app.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BodyDto {
    id: i64,
    code: String,
    name: String,
    parent_id: Option<i64>,
    competence: Vec<String>,
    vks_connected: bool,
    video_appeal_connected: bool,
    phone: Option<String>,
    email: Option<String>,
    address: String,
    time_zone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BodyList {
    items: Vec<BodyDto>,
    total: i64,
    limit: u32,
    offset: u32,
}

/// The language a request asks for (`kk`, `ru` or `en`, as documented), or the reader's; any
/// other value is refused, in the reader's language.
fn lang_of(q: &Option<String>, ctx: &Ctx) -> Result<Lang, ApiError> {
    match q.as_deref() {
        None => Ok(ctx.tr.lang),
        Some(code) => Lang::ALL
            .into_iter()
            .find(|l| l.code() == code)
            .ok_or_else(|| ApiError::invalid(ctx.tr, vec![("lang", "error-lang")])),
    }
}

/// The state bodies that take appeals (public); closed ones are not listed.
#[utoipa::path(get, path = "/api/v1/bodies", params(PageQuery), responses((status = 200, body = BodyList),
    (status = 400, description = "a parameter is not a number"), (status = 422, body = ErrorEnvelope)))]
pub async fn bodies(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Json<BodyList>, ApiError> {
    let lang = lang_of(&q.lang, &ctx)?;
    let req = page_of(&q, ctx.tr)?;
    let page = app
        .store
        .open_bodies(req)
        .await
        .map_err(|e| ApiError::from_store(ctx.tr, e))?;
    Ok(Json(BodyList {
        items: page
            .items
            .into_iter()
            .map(|b| BodyDto {
                id: b.id,
                name: b.name.get(lang).to_owned(),
                address: b.contacts.address.get(lang).to_owned(),
                code: b.code,
                parent_id: b.parent_id,
                competence: b.competence,
                vks_connected: b.vks_connected,
                video_appeal_connected: b.video_appeal_connected,
                phone: b.contacts.phone,
                email: b.contacts.email,
                time_zone: b.time_zone,
            })
            .collect(),
        total: page.total,
        limit: req.limit,
        offset: req.offset,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BranchDto {
    id: i64,
    code: String,
    name: String,
    region: String,
    address: String,
    vks_equipment: bool,
    booths: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BranchList {
    items: Vec<BranchDto>,
    total: i64,
    limit: u32,
    offset: u32,
}

/// The State Corporation branches (public service centers) that work; closed ones are not listed.
#[utoipa::path(get, path = "/api/v1/branches", params(PageQuery), responses((status = 200, body = BranchList),
    (status = 400, description = "a parameter is not a number"), (status = 422, body = ErrorEnvelope)))]
pub async fn branches(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Json<BranchList>, ApiError> {
    let lang = lang_of(&q.lang, &ctx)?;
    let req = page_of(&q, ctx.tr)?;
    let page = app
        .store
        .open_branches(req)
        .await
        .map_err(|e| ApiError::from_store(ctx.tr, e))?;
    Ok(Json(BranchList {
        items: page
            .items
            .into_iter()
            .map(|b| BranchDto {
                id: b.id,
                name: b.name.get(lang).to_owned(),
                region: b.region.get(lang).to_owned(),
                address: b.address.get(lang).to_owned(),
                code: b.code,
                vks_equipment: b.vks_equipment,
                booths: b.booths,
            })
            .collect(),
        total: page.total,
        limit: req.limit,
        offset: req.offset,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// The day of the event, YYYY-MM-DD.
    #[param(value_type = String, format = Date)]
    from: String,
    /// Term in working days, 1–400.
    #[param(value_type = u32, minimum = 1, maximum = 400)]
    working_days: String,
    /// The language of the reasons: kk, ru or en (otherwise the reader's).
    #[param(value_type = Option<String>, pattern = "^(kk|ru|en)$")]
    lang: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedDto {
    date: String,
    reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DueDto {
    from: String,
    working_days: u32,
    due: String,
    /// The last moment of the due day, UTC.
    due_at: String,
    time_zone: String,
    skipped: Vec<SkippedDto>,
    unconfirmed_years: Vec<i32>,
}

/// GEN-03: a term in working days from an event, with the days skipped and why.
#[utoipa::path(get, path = "/api/v1/calendar/due", params(DueQuery),
    responses((status = 200, body = DueDto), (status = 400, description = "a required parameter is missing"),
        (status = 422, body = ErrorEnvelope)))]
pub async fn calendar_due(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DueQuery>,
) -> Result<Json<DueDto>, ApiError> {
    let lang = lang_of(&q.lang, &ctx)?;
    let tr = crate::i18n::Tr::new(lang);
    let (from, n) =
        parse_due_input(&q.from, &q.working_days).map_err(|errs| ApiError::invalid(tr, errs))?;
    let cal = app.calendar.read().await;
    let span = cal
        .add_working_days(from, n)
        .map_err(|_| ApiError::invalid(tr, vec![("from", "error-bad-date")]))?;
    Ok(Json(DueDto {
        from: from.to_string(),
        working_days: n,
        due: span.due.to_string(),
        due_at: cal.zone().end_of_day(span.due).to_rfc3339(),
        time_zone: cal.zone().name().to_owned(),
        skipped: span
            .skipped
            .iter()
            .map(|s| SkippedDto {
                date: s.date.to_string(),
                reason: s.reason.describe(lang),
            })
            .collect(),
        unconfirmed_years: span.unconfirmed_years,
    }))
}
