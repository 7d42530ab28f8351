//! What the deployment's administrator keeps, through the API: the working calendar,
//! announcements, the trust store and the notices given up for good.

use super::{app_err, caller, ApiResult};
use crate::context::Ctx;
use crate::error::{ApiError, ErrorEnvelope};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
#[utoipa::path(get, path = "/api/v1/admin/notices/dead", tag = "admin", params(crate::error::PageQuery),
    responses((status = 200, body = DeadNoticeList), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 400, description = "a parameter is not a number"), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn dead_notices(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<crate::error::PageQuery>,
) -> ApiResult<DeadNoticeList> {
    let user = caller(&ctx)?;
    let req = crate::error::page_of(&q, ctx.tr)?;
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

/// How many jobs of a kind are in a state.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobCountDto {
    /// `notice`.
    kind: String,
    /// `ready` (waiting), `running` (leased by a worker) or `dead` (given up).
    state: String,
    count: i64,
}

/// A job given up after its last try.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadJobDto {
    id: i64,
    kind: String,
    attempts: i64,
    max_attempts: i64,
    /// The last try's reason, any address in it masked.
    reason: Option<String>,
    /// The notice it delivers, for a notice job.
    notice_id: Option<i64>,
    created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobsDto {
    counts: Vec<JobCountDto>,
    dead: Vec<DeadJobDto>,
    /// How many dead jobs there are in all (the page holds `dead`).
    dead_total: i64,
}

/// Background jobs: counts by kind and state, and the dead ones, newest first.
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "admin", params(crate::error::PageQuery),
    responses((status = 200, body = JobsDto), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 400, description = "a parameter is not a number"), (status = 422, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn jobs(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<crate::error::PageQuery>,
) -> ApiResult<JobsDto> {
    let user = caller(&ctx)?;
    let req = crate::error::page_of(&q, ctx.tr)?;
    let store = app.store.as_ref();
    let counts = otinish_app::jobs::counts(store, &user)
        .await
        .map_err(app_err(&ctx))?;
    let page = otinish_app::jobs::dead(store, &user, req)
        .await
        .map_err(app_err(&ctx))?;
    Ok(Json(JobsDto {
        counts: counts
            .into_iter()
            .map(|c| JobCountDto {
                kind: c.kind.to_string(),
                state: c.state.to_string(),
                count: c.count,
            })
            .collect(),
        dead_total: page.total,
        dead: page
            .items
            .into_iter()
            .map(|d| DeadJobDto {
                id: d.job.id,
                kind: d.job.kind.to_string(),
                attempts: d.job.attempts,
                max_attempts: d.job.max_attempts,
                reason: d.reason,
                notice_id: d.notice,
                created_at: d.job.created_at.to_rfc3339(),
            })
            .collect(),
    }))
}

async fn job_step(app: &crate::App, ctx: &Ctx, id: i64, retry: bool) -> Response {
    let user = match caller(ctx) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let now = app.clock.now();
    let done = if retry {
        otinish_app::jobs::retry(app.store.as_ref(), &user, id, now).await
    } else {
        otinish_app::jobs::dismiss(app.store.as_ref(), &user, id, now).await
    };
    match done {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from_app(ctx.tr, e).into_response(),
    }
}

/// Runs a dead job again (from now, with its tries counted anew).
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/retry", tag = "admin",
    params(("id" = i64, Path, description = "the job's id")),
    responses((status = 204, description = "queued again"), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn retry_job(State(app): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    job_step(&app, &ctx, id, true).await
}

/// Dismisses a dead job: it leaves the list (a notice stays undelivered).
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/dismiss", tag = "admin",
    params(("id" = i64, Path, description = "the job's id")),
    responses((status = 204, description = "dismissed"), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn dismiss_job(State(app): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    job_step(&app, &ctx, id, false).await
}

/// One edition of the rules (GEN-01).
#[derive(Serialize, ToSchema)]
pub struct EditionDto {
    pub id: String,
    pub title: String,
    /// `YYYY-MM-DD`.
    pub effective_from: String,
    /// The date is reckoned from the publication (ten days after), not printed in the act.
    pub effective_from_approximate: bool,
    /// `YYYY-MM-DD`, the first day it is no longer in force.
    pub effective_to: Option<String>,
    /// `published` (needs no confirmation), `awaiting` (to be confirmed), `confirmed`.
    pub status: String,
    /// Why it must be confirmed, in the caller's language.
    pub reason: Option<String>,
    pub confirmed_at: Option<String>,
    pub confirmed_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EditionList {
    pub items: Vec<EditionDto>,
}

/// The editions of the rules the deployment knows, with what awaits confirmation.
#[utoipa::path(get, path = "/api/v1/admin/editions", tag = "admin",
    responses((status = 200, body = EditionList), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn editions(State(app): State<AppState>, ctx: Ctx) -> ApiResult<EditionList> {
    let user = caller(&ctx)?;
    otinish_app::calendar::editor(&user).map_err(app_err(&ctx))?;
    let confirmations = app
        .store
        .edition_confirmations()
        .await
        .map_err(|e| app_err(&ctx)(e.into()))?;
    let lang = ctx.tr.lang;
    let items = app
        .rulebooks
        .all()
        .iter()
        .map(|b| {
            let c = confirmations.iter().find(|c| c.edition == b.id);
            let status = match (&b.to_be_confirmed, c) {
                (None, _) => "published",
                (Some(_), Some(_)) => "confirmed",
                (Some(_), None) => "awaiting",
            };
            EditionDto {
                id: b.id.clone(),
                title: b.title.get(lang).to_owned(),
                effective_from: b.effective_from.to_string(),
                effective_from_approximate: b.effective_from_approximate,
                effective_to: b.effective_to.map(|d| d.to_string()),
                status: status.into(),
                reason: b.to_be_confirmed.as_ref().map(|r| r.get(lang).to_owned()),
                confirmed_at: c.map(|c| c.confirmed_at.to_rfc3339()),
                confirmed_by: c.map(|c| c.confirmed_by.clone()),
            }
        })
        .collect();
    Ok(Json(EditionList { items }))
}

/// Confirms an edition marked "to be confirmed" (GEN-01): it then governs as published and
/// may reopen a channel. 409 for a published text; confirming twice is no change.
#[utoipa::path(post, path = "/api/v1/admin/editions/{id}/confirm", tag = "admin",
    params(("id" = String, Path, description = "the edition's id, e.g. VC-2026")),
    responses((status = 204, description = "confirmed (or already)"), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn confirm_edition(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let user = match caller(&ctx) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    match otinish_app::editions::confirm(
        app.store.as_ref(),
        &app.rulebooks,
        &user,
        &id,
        app.clock.now(),
    )
    .await
    {
        Ok(_) => {
            if let Err(e) = app.reload_editions().await {
                tracing::warn!(error = %e, "confirmed editions not reloaded");
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => ApiError::from_app(ctx.tr, e).into_response(),
    }
}
