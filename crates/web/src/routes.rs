//! Every route of the portal and the API, each method with who may call it. The router is
//! built from this table, so a route cannot exist without its rule; the authorisation matrix
//! test (`authorisation_matrix_covers_every_route` in tests/web.rs) calls every route as
//! every kind of user and checks each answer against the rule. Staff rules are enforced by a
//! guard in front of each route; the handlers still check the body and the case (a registrar
//! of another body is refused a card): the rule says who may come in at all.

use crate::context::Ctx;
use crate::{
    access, admin_announce, admin_branches, admin_calendar, admin_handover, admin_import,
    admin_jobs, admin_mail, admin_notices, admin_pages, admin_trust, api, api_admin, api_appeals,
    auth, cabinet, desk, metrics, mgov, pages, post_letters, pr_pages, reception_pages, reports,
    sessions_pages, video, vks, AppState,
};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put, MethodRouter};
use axum::Router;
use otinish_domain::model::Role;
use std::sync::Arc;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: public pages, static files, health checks, the open API.
    Public,
    /// Signing in and out: open to all, acting on the caller's own session.
    Session,
    /// A signed-in applicant, on their own appeals and receptions only.
    Applicant,
    /// Any signed-in staff member.
    AnyStaff,
    /// Staff with one of these roles.
    Staff(&'static [Role]),
    /// The holder of a secret: a booth session or survey link in the path, or a bearer token
    /// (the applicant API, the E-appeals import). No portal session grants it.
    Secret,
}

/// One method of one route and its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub path: &'static str,
    pub method: &'static str,
    pub access: Access,
}

/// Who opens a card: its body's registrars and heads and its executor (the handler checks
/// which card; the reception secretary also opens the card of a reception by videoconference,
/// which is reached from the reception).
const CARD: &[Role] = &[Role::Registrar, Role::Head, Role::Executor];
const CARD_VIEW: &[Role] = &[
    Role::Registrar,
    Role::Head,
    Role::Executor,
    Role::ReceptionSecretary,
];
const REGISTRY: &[Role] = &[Role::Registrar, Role::Head];
const WORK_LISTS: &[Role] = &[Role::Registrar, Role::Head, Role::Executor];
const VKS_SCHEDULES: &[Role] = &[Role::ReceptionSecretary, Role::Head, Role::Operator];
const VKS_DRAFT: &[Role] = &[Role::ReceptionSecretary, Role::Head];
const VKS_DESK: &[Role] = &[
    Role::ReceptionSecretary,
    Role::Head,
    Role::Operator,
    Role::BranchOperator,
];
const RECEPTION: &[Role] = &[
    Role::ReceptionSecretary,
    Role::Head,
    Role::Registrar,
    Role::Executor,
    Role::Operator,
    Role::BranchOperator,
];
const BRANCH: &[Role] = &[Role::BranchOperator];
/// The body's personal-reception desk.
const PR_BODY: &[Role] = &[
    Role::Registrar,
    Role::ReceptionSecretary,
    Role::Head,
    Role::SecurityOfficer,
];
/// The desk's list, where the staff asked for materials (executors) find their tasks too.
const PR_DESK: &[Role] = &[
    Role::Registrar,
    Role::ReceptionSecretary,
    Role::Head,
    Role::SecurityOfficer,
    Role::Executor,
];
const PR_TAKE: &[Role] = &[
    Role::CallCenterOperator,
    Role::Registrar,
    Role::ReceptionSecretary,
];
const PR_SECRETARY: &[Role] = &[Role::ReceptionSecretary];
const PR_SCHEDULES: &[Role] = &[Role::GovernmentOffice, Role::ReceptionSecretary, Role::Head];
/// Drafting a schedule: the government office's for the centers, a secretary's for the body.
const PR_DRAFT: &[Role] = &[Role::GovernmentOffice, Role::ReceptionSecretary];
const PR_REPORT: &[Role] = &[
    Role::GovernmentOffice,
    Role::Head,
    Role::Registrar,
    Role::ReceptionSecretary,
];
const REPORTS: &[Role] = &[Role::Registrar, Role::Head, Role::GovernmentOffice];
const SECURITY: &[Role] = &[Role::SecurityOfficer];
const ADMIN: &[Role] = &[Role::Admin];

/// Each method of a route with its rule.
type MethodRules = Arc<[(&'static str, Access)]>;

/// The routes and the rules they are built with.
pub struct Table {
    routes: Vec<(&'static str, MethodRouter<AppState>, MethodRules)>,
    pub rules: Vec<Rule>,
}

impl Table {
    fn add(
        mut self,
        path: &'static str,
        rules: &[(&'static str, Access)],
        route: MethodRouter<AppState>,
    ) -> Self {
        self.rules
            .extend(rules.iter().map(|&(method, access)| Rule {
                path,
                method,
                access,
            }));
        self.routes.push((path, route, rules.into()));
        self
    }

    /// The router: each route behind a guard that enforces its staff rules before its handler
    /// runs, so a caller without the role never reaches a handler's own checks (which still
    /// decide the body and the case).
    pub fn router(self, app: AppState) -> Router<AppState> {
        self.routes
            .into_iter()
            .fold(Router::new(), |router, (path, route, rules)| {
                let rules = Guard {
                    app: app.clone(),
                    rules,
                };
                router.route(
                    path,
                    route.route_layer(axum::middleware::from_fn_with_state(rules, guard)),
                )
            })
    }
}

/// The rules of one route, with the application to resolve the caller.
#[derive(Clone)]
struct Guard {
    app: AppState,
    rules: MethodRules,
}

/// Staff routes: a caller who is not signed in as staff goes to the sign-in page; one
/// without a role the rule names is refused (403), in their language. Other rules are the
/// handlers' own (applicant sessions, secrets, public pages).
async fn guard(State(g): State<Guard>, req: Request, next: Next) -> Response {
    let roles = match g.rules.iter().find(|(m, _)| *m == req.method().as_str()) {
        Some((_, Access::AnyStaff)) => None,
        Some((_, Access::Staff(roles))) => Some(*roles),
        _ => return next.run(req).await,
    };
    let (mut parts, body) = req.into_parts();
    // The context is kept with the request: the handler and its extractors see this one.
    let Ok(ctx) = Ctx::from_request_parts(&mut parts, &g.app).await;
    let api = crate::context::is_staff_api(parts.uri.path());
    let Some(user) = &ctx.user else {
        return crate::extract::not_signed_in(&ctx, api);
    };
    if roles.is_some_and(|roles| !roles.iter().any(|r| user.has_role(*r))) {
        if api {
            return crate::error::ApiError::forbidden(ctx.tr).into_response();
        }
        return pages::page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    next.run(Request::from_parts(parts, body)).await
}

/// The rules of every route a deployment serves.
pub fn rules() -> Vec<Rule> {
    table(false).rules
}

/// Every route with its rules; `bench` adds the benchmarks' echo endpoint.
pub fn table(bench: bool) -> Table {
    use Access::*;
    const UPLOAD: usize = 64 * 1024 * 1024;
    let t = Table {
        routes: Vec::new(),
        rules: Vec::new(),
    }
    // Public pages and files.
    .add("/", &[("GET", Public)], get(pages::home))
    .add("/bodies", &[("GET", Public)], get(pages::bodies))
    .add("/calendar", &[("GET", Public)], get(pages::calendar))
    .add("/statistics", &[("GET", Public)], get(reports::statistics))
    .add(
        "/bodies/{code}/schedule",
        &[("GET", Public)],
        get(vks::public_schedule),
    )
    .add(
        "/vks/timetable",
        &[("GET", Public)],
        get(reception_pages::public_timetable),
    )
    .add(
        "/answer",
        &[("GET", Public), ("POST", Session)],
        get(video::answer_form).post(video::answer),
    )
    .add(
        "/reception-centers",
        &[("GET", Public)],
        get(pr_pages::public),
    )
    .add(
        "/reception-centers/{id}/poster",
        &[("GET", Public)],
        get(pr_pages::poster),
    )
    .add("/verify", &[("GET", Public)], get(cabinet::verify_form))
    .add(
        "/verify/{code}",
        &[("GET", Public)],
        get(cabinet::verify_page),
    )
    .add(
        "/static/style.css",
        &[("GET", Public)],
        get(pages::stylesheet),
    )
    .add(
        "/static/ncalayer.js",
        &[("GET", Public)],
        get(pages::ncalayer_js),
    )
    .add("/static/booth.js", &[("GET", Public)], get(pages::booth_js))
    .add("/static/pr.js", &[("GET", Public)], get(pages::pr_js))
    .add("/static/menu.js", &[("GET", Public)], get(pages::menu_js))
    .add(
        "/static/booking.js",
        &[("GET", Public)],
        get(pages::booking_js),
    )
    .add("/healthz", &[("GET", Public)], get(api::healthz))
    .add("/readyz", &[("GET", Public)], get(api::readyz))
    .add("/metrics", &[("GET", Public)], get(metrics::render))
    .add(
        "/api/v1/openapi.json",
        &[("GET", Public)],
        get(api::openapi),
    )
    .add("/api/v1/bodies", &[("GET", Public)], get(api::bodies))
    .add("/api/v1/branches", &[("GET", Public)], get(api::branches))
    .add(
        "/api/v1/calendar/due",
        &[("GET", Public)],
        get(api::calendar_due),
    )
    // Signing in and out.
    .add(
        "/staff/login",
        &[("GET", Session), ("POST", Session)],
        get(auth::login_form).post(auth::login),
    )
    .add(
        "/staff/login/key",
        &[("POST", Session)],
        post(auth::login_key),
    )
    .add("/staff/logout", &[("POST", Session)], post(auth::logout))
    .add(
        "/signin",
        &[("GET", Session), ("POST", Session)],
        get(cabinet::signin_form).post(cabinet::signin),
    )
    .add(
        "/signin/demo",
        &[("POST", Session)],
        post(cabinet::signin_demo),
    )
    .add("/signout", &[("POST", Session)], post(cabinet::signout))
    // The staff's JSON API: sign-in by key, then the administration console's actions, by
    // bearer token only.
    .add(
        "/api/v1/staff/challenge",
        &[("POST", Session)],
        post(api_admin::challenge),
    )
    .add(
        "/api/v1/staff/signin",
        &[("POST", Session)],
        post(api_admin::signin),
    )
    .add(
        "/api/v1/staff/signout",
        &[("POST", AnyStaff)],
        post(api_admin::signout),
    )
    .add(
        "/api/v1/admin/bodies",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(api_admin::bodies).post(api_admin::create_body),
    )
    .add(
        "/api/v1/admin/bodies/{code}",
        &[("PUT", Staff(ADMIN))],
        put(api_admin::edit_body),
    )
    .add(
        "/api/v1/admin/bodies/{code}/close",
        &[("POST", Staff(ADMIN))],
        post(api_admin::close_body),
    )
    .add(
        "/api/v1/admin/bodies/{code}/reopen",
        &[("POST", Staff(ADMIN))],
        post(api_admin::reopen_body),
    )
    .add(
        "/api/v1/admin/staff",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(api_admin::staff).post(api_admin::add_staff),
    )
    .add(
        "/api/v1/admin/staff/{id}",
        &[("PUT", Staff(ADMIN))],
        put(api_admin::edit_staff),
    )
    .add(
        "/api/v1/admin/staff/{id}/deactivate",
        &[("POST", Staff(ADMIN))],
        post(api_admin::deactivate),
    )
    .add(
        "/api/v1/admin/staff/{id}/activate",
        &[("POST", Staff(ADMIN))],
        post(api_admin::activate),
    )
    .add(
        "/api/v1/admin/import/{kind}",
        &[("POST", Staff(ADMIN))],
        post(api_admin::import).layer(DefaultBodyLimit::max(otinish_app::import::MAX_BYTES)),
    )
    .add(
        "/api/v1/admin/branches",
        &[("GET", Staff(ADMIN))],
        get(api_admin::branch_list),
    )
    .add(
        "/api/v1/admin/branches/{code}/close",
        &[("POST", Staff(ADMIN))],
        post(api_admin::close_branch),
    )
    .add(
        "/api/v1/admin/branches/{code}/reopen",
        &[("POST", Staff(ADMIN))],
        post(api_admin::reopen_branch),
    )
    .add(
        "/api/v1/admin/calendar/preview",
        &[("POST", Staff(ADMIN))],
        post(api_admin::calendar_preview),
    )
    .add(
        "/api/v1/admin/calendar/apply",
        &[("POST", Staff(ADMIN))],
        post(api_admin::calendar_apply),
    )
    .add(
        "/api/v1/admin/announcements",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(api_admin::announcements).post(api_admin::announce),
    )
    .add(
        "/api/v1/admin/announcements/{id}/withdraw",
        &[("POST", Staff(ADMIN))],
        post(api_admin::withdraw_announcement),
    )
    .add(
        "/api/v1/admin/trust",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(api_admin::trust)
            .post(api_admin::trust_add)
            .layer(DefaultBodyLimit::max(otinish_app::trust::MAX_FILE_BYTES)),
    )
    .add(
        "/api/v1/admin/editions",
        &[("GET", Staff(ADMIN))],
        get(api_admin::editions),
    )
    .add(
        "/api/v1/admin/editions/{id}/confirm",
        &[("POST", Staff(ADMIN))],
        post(api_admin::confirm_edition),
    )
    .add(
        "/api/v1/admin/trust/{fingerprint}/withdraw",
        &[("POST", Staff(ADMIN))],
        post(api_admin::trust_withdraw),
    )
    .add(
        "/api/v1/admin/trust/{fingerprint}/restore",
        &[("POST", Staff(ADMIN))],
        post(api_admin::trust_restore),
    )
    .add(
        "/api/v1/admin/notices/dead",
        &[("GET", Staff(ADMIN))],
        get(api_admin::dead_notices),
    )
    .add(
        "/api/v1/admin/notices/{id}/retry",
        &[("POST", Staff(ADMIN))],
        post(api_admin::retry_notice),
    )
    .add(
        "/api/v1/admin/notices/{id}/dismiss",
        &[("POST", Staff(ADMIN))],
        post(api_admin::dismiss_notice),
    )
    .add(
        "/api/v1/admin/jobs",
        &[("GET", Staff(ADMIN))],
        get(api_admin::jobs),
    )
    .add(
        "/api/v1/admin/jobs/{id}/retry",
        &[("POST", Staff(ADMIN))],
        post(api_admin::retry_job),
    )
    .add(
        "/api/v1/admin/jobs/{id}/dismiss",
        &[("POST", Staff(ADMIN))],
        post(api_admin::dismiss_job),
    )
    .add(
        "/api/v1/auth/challenge",
        &[("POST", Session)],
        post(api_appeals::challenge),
    )
    .add(
        "/api/v1/auth/signin",
        &[("POST", Session)],
        post(api_appeals::signin),
    )
    // Signing with eGov mobile by QR: the page starts and polls; the phone reads the link and
    // its documents and sends the signature back (each step holds a secret token).
    .add("/sign/mobile", &[("POST", Session)], post(mgov::start))
    .add("/sign/mobile/{id}", &[("GET", Secret)], get(mgov::status))
    .add("/mgov/{id}", &[("GET", Secret)], get(mgov::link))
    .add(
        "/mgov/{id}/documents",
        &[("GET", Secret), ("PUT", Secret)],
        get(mgov::documents).put(mgov::signed),
    )
    // The applicant's cabinet.
    .add("/cabinet", &[("GET", Applicant)], get(cabinet::cabinet))
    .add(
        "/cabinet/appeals/new",
        &[("GET", Applicant)],
        get(cabinet::appeal_form),
    )
    .add(
        "/cabinet/appeals",
        &[("POST", Applicant)],
        post(cabinet::submit).layer(DefaultBodyLimit::max(UPLOAD)),
    )
    .add(
        "/cabinet/appeals/{id}",
        &[("GET", Applicant)],
        get(cabinet::appeal_page),
    )
    .add(
        "/cabinet/appeals/{id}/hearings/{hearing}",
        &[("POST", Applicant)],
        post(cabinet::hearing_answer),
    )
    .add(
        "/cabinet/appeals/{id}/delete",
        &[("POST", Applicant)],
        post(cabinet::delete),
    )
    .add(
        "/cabinet/appeals/{id}/documents/{file}",
        &[("GET", Applicant)],
        get(cabinet::document_download),
    )
    .add(
        "/cabinet/appeals/{id}/files/{file_id}",
        &[("GET", Applicant)],
        get(cabinet::file_download),
    )
    .add(
        "/cabinet/receptions",
        &[("GET", Applicant), ("POST", Applicant)],
        get(vks::my_receptions).post(vks::book),
    )
    .add(
        "/cabinet/personal-reception",
        &[("GET", Applicant), ("POST", Applicant)],
        get(pr_pages::portal_form).post(pr_pages::portal_submit),
    )
    .add(
        "/cabinet/receptions/new",
        &[("GET", Applicant)],
        get(vks::booking_form),
    )
    // Holders of a secret.
    .add("/booth/{token}", &[("GET", Secret)], get(video::booth))
    .add(
        "/booth/{token}/appeals",
        &[("POST", Secret)],
        post(video::send).layer(DefaultBodyLimit::max(UPLOAD)),
    )
    .add(
        "/survey/{token}",
        &[("GET", Secret), ("POST", Secret)],
        get(pr_pages::survey_form).post(pr_pages::survey),
    )
    .add(
        "/api/v1/pr/signups",
        &[("POST", Secret)],
        post(pr_pages::import),
    )
    .add(
        "/api/v1/appeals",
        &[("GET", Secret), ("POST", Secret)],
        get(api_appeals::list)
            .post(api_appeals::submit)
            .layer(DefaultBodyLimit::max(crate::MAX_BODY)),
    )
    .add(
        "/api/v1/appeals/{id}",
        &[("GET", Secret)],
        get(api_appeals::get_one),
    )
    // Staff: cards and work lists.
    .add("/staff", &[("GET", AnyStaff)], get(desk::staff_home))
    .add(
        "/staff/sessions",
        &[("GET", AnyStaff), ("POST", AnyStaff)],
        get(sessions_pages::mine).post(sessions_pages::end_mine),
    )
    .add(
        "/staff/inbox",
        &[("GET", Staff(REGISTRY))],
        get(desk::inbox),
    )
    .add(
        "/staff/my",
        &[("GET", Staff(&[Role::Executor]))],
        get(desk::my_cards),
    )
    .add("/staff/due", &[("GET", Staff(WORK_LISTS))], get(desk::due))
    .add(
        "/staff/to-sign",
        &[("GET", Staff(REGISTRY))],
        get(desk::to_sign),
    )
    .add(
        "/staff/search",
        &[("GET", Staff(WORK_LISTS))],
        get(desk::search),
    )
    .add(
        "/staff/cards/{id}",
        &[("GET", Staff(CARD_VIEW))],
        get(desk::card),
    )
    .add(
        "/staff/cards/{id}/files/{file_id}",
        &[("GET", Staff(CARD))],
        get(desk::card_file),
    )
    .add(
        "/staff/cards/{id}/recording",
        &[("GET", Staff(CARD))],
        get(video::recording),
    )
    .add(
        "/staff/cards/{id}/letter",
        &[("GET", Staff(CARD))],
        get(video::letter),
    )
    .add(
        "/staff/cards/{id}/{action}",
        &[("POST", Staff(CARD))],
        post(desk::action),
    )
    // Staff: reports and the record of access.
    .add(
        "/staff/reports/1-ol",
        &[("GET", Staff(REPORTS))],
        get(reports::one_ol),
    )
    .add(
        "/staff/dashboard",
        &[("GET", Staff(REPORTS))],
        get(reports::dashboard),
    )
    .add(
        "/staff/access-log",
        &[("GET", Staff(SECURITY))],
        get(access::log),
    )
    // Staff: the administration console (bodies and staff; the scope is the use case's).
    .add(
        "/staff/admin/bodies",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_pages::bodies).post(admin_pages::create_body),
    )
    .add(
        "/staff/admin/staff",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_pages::staff).post(admin_pages::add_staff),
    )
    .add(
        "/staff/admin/bodies/{code}",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_pages::body).post(admin_pages::edit_body),
    )
    .add(
        "/staff/admin/bodies/{code}/close",
        &[("POST", Staff(ADMIN))],
        post(admin_pages::close_body),
    )
    .add(
        "/staff/admin/bodies/{code}/reopen",
        &[("POST", Staff(ADMIN))],
        post(admin_pages::reopen_body),
    )
    .add(
        "/staff/admin/bodies/import",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_import::bodies_template)
            .post(admin_import::bodies)
            .layer(DefaultBodyLimit::max(
                otinish_app::import::MAX_BYTES * 2 + 64 * 1024,
            )),
    )
    .add(
        "/staff/admin/staff/import",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_import::staff_template)
            .post(admin_import::staff)
            .layer(DefaultBodyLimit::max(
                otinish_app::import::MAX_BYTES * 2 + 64 * 1024,
            )),
    )
    .add(
        "/staff/admin/announcements",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_announce::show).post(admin_announce::add),
    )
    .add(
        "/staff/admin/announcements/{id}/withdraw",
        &[("POST", Staff(ADMIN))],
        post(admin_announce::withdraw),
    )
    .add(
        "/staff/admin/branches",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_branches::list).post(admin_branches::create),
    )
    .add(
        "/staff/admin/branches/import",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_import::branches_template)
            .post(admin_import::branches)
            .layer(DefaultBodyLimit::max(
                otinish_app::import::MAX_BYTES * 2 + 64 * 1024,
            )),
    )
    .add(
        "/staff/admin/branches/{code}",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_branches::one).post(admin_branches::edit),
    )
    .add(
        "/staff/admin/branches/{code}/close",
        &[("POST", Staff(ADMIN))],
        post(admin_branches::close),
    )
    .add(
        "/staff/admin/branches/{code}/reopen",
        &[("POST", Staff(ADMIN))],
        post(admin_branches::reopen),
    )
    .add(
        "/staff/admin/mail",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_mail::show).post(admin_mail::test),
    )
    .add(
        "/staff/admin/sms",
        &[("POST", Staff(ADMIN))],
        post(admin_mail::sms_test),
    )
    .add(
        "/staff/admin/notices",
        &[("GET", Staff(ADMIN))],
        get(admin_notices::show),
    )
    .add(
        "/staff/admin/notices/{id}/retry",
        &[("POST", Staff(ADMIN))],
        post(admin_notices::retry),
    )
    .add(
        "/staff/admin/notices/{id}/dismiss",
        &[("POST", Staff(ADMIN))],
        post(admin_notices::dismiss),
    )
    .add(
        "/staff/admin/jobs",
        &[("GET", Staff(ADMIN))],
        get(admin_jobs::show),
    )
    .add(
        "/staff/admin/jobs/{id}/retry",
        &[("POST", Staff(ADMIN))],
        post(admin_jobs::retry),
    )
    .add(
        "/staff/admin/jobs/{id}/dismiss",
        &[("POST", Staff(ADMIN))],
        post(admin_jobs::dismiss),
    )
    .add(
        "/staff/admin/trust",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_trust::show)
            .post(admin_trust::add)
            .layer(DefaultBodyLimit::max(
                otinish_app::trust::MAX_FILE_BYTES + 64 * 1024,
            )),
    )
    .add(
        "/staff/admin/trust/{fingerprint}/withdraw",
        &[("POST", Staff(ADMIN))],
        post(admin_trust::withdraw),
    )
    .add(
        "/staff/admin/trust/{fingerprint}/restore",
        &[("POST", Staff(ADMIN))],
        post(admin_trust::restore),
    )
    .add(
        "/staff/post",
        &[("GET", Staff(REGISTRY))],
        get(post_letters::queue),
    )
    .add(
        "/staff/post/{id}",
        &[("GET", Staff(REGISTRY))],
        get(post_letters::letter),
    )
    .add(
        "/staff/post/{id}/sent",
        &[("POST", Staff(REGISTRY))],
        post(post_letters::mark_sent),
    )
    .add(
        "/staff/admin/calendar",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_calendar::show).post(admin_calendar::change),
    )
    .add(
        "/staff/admin/editions/{id}/confirm",
        &[("POST", Staff(ADMIN))],
        post(admin_calendar::confirm_edition),
    )
    .add(
        "/staff/admin/staff/{id}",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_pages::staff_member).post(admin_pages::edit_staff),
    )
    .add(
        "/staff/admin/staff/{id}/cards",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(admin_handover::show).post(admin_handover::reassign),
    )
    .add(
        "/staff/admin/staff/{id}/sessions",
        &[("GET", Staff(ADMIN)), ("POST", Staff(ADMIN))],
        get(sessions_pages::of_staff).post(sessions_pages::end_of_staff),
    )
    .add(
        "/staff/admin/staff/{id}/active",
        &[("POST", Staff(ADMIN))],
        post(admin_pages::set_active),
    )
    // Staff: receptions by videoconference.
    .add(
        "/staff/schedules",
        &[("GET", Staff(VKS_SCHEDULES)), ("POST", Staff(VKS_DRAFT))],
        get(vks::schedules).post(vks::start),
    )
    .add(
        "/staff/schedules/{id}",
        &[("GET", Staff(VKS_SCHEDULES))],
        get(vks::schedule),
    )
    .add(
        "/staff/schedules/{id}/slots",
        &[("POST", Staff(VKS_DRAFT))],
        post(vks::save),
    )
    .add(
        "/staff/schedules/{id}/step",
        &[("POST", Staff(VKS_SCHEDULES))],
        post(vks::step),
    )
    .add(
        "/staff/schedules/{id}/absence",
        &[("POST", Staff(VKS_DRAFT))],
        post(vks::absence),
    )
    .add(
        "/staff/receptions",
        &[("GET", Staff(VKS_DRAFT))],
        get(vks::reception_inbox),
    )
    .add(
        "/staff/receptions/{id}",
        &[("GET", Staff(RECEPTION))],
        get(reception_pages::reception),
    )
    .add(
        "/staff/receptions/{id}/{action}",
        &[("POST", Staff(RECEPTION))],
        post(reception_pages::action),
    )
    .add(
        "/staff/vks",
        &[("GET", Staff(VKS_DESK))],
        get(reception_pages::desk),
    )
    .add(
        "/staff/vks/timetables",
        &[("POST", Staff(VKS_DRAFT))],
        post(reception_pages::send_timetable),
    )
    .add(
        "/staff/vks/timetables/{id}/publish",
        &[("POST", Staff(&[Role::Operator]))],
        post(reception_pages::publish_timetable),
    )
    // Staff: video appeals from booths.
    .add(
        "/staff/va",
        &[("GET", Staff(BRANCH)), ("POST", Staff(BRANCH))],
        get(video::journal).post(video::add_entry),
    )
    .add(
        "/staff/va/journal.csv",
        &[("GET", Staff(BRANCH))],
        get(video::journal_csv),
    )
    // Staff: personal reception.
    .add("/staff/pr", &[("GET", Staff(PR_DESK))], get(pr_pages::list))
    .add(
        "/staff/pr/take",
        &[("GET", Staff(PR_TAKE)), ("POST", Staff(PR_TAKE))],
        get(pr_pages::take_form).post(pr_pages::take),
    )
    .add(
        "/staff/pr/distribute",
        &[("POST", Staff(PR_SECRETARY))],
        post(pr_pages::distribute),
    )
    .add(
        "/staff/pr/participants",
        &[("POST", Staff(PR_SECRETARY))],
        post(pr_pages::participant),
    )
    // Answered by the staff member the task was given to; anyone else is told there is none.
    .add(
        "/staff/pr/tasks/{id}",
        &[("POST", AnyStaff)],
        post(pr_pages::answer_task),
    )
    .add(
        "/staff/pr/report",
        &[("GET", Staff(PR_REPORT))],
        get(pr_pages::report),
    )
    .add(
        "/staff/pr/schedules",
        &[("GET", Staff(PR_SCHEDULES)), ("POST", Staff(PR_DRAFT))],
        get(pr_pages::schedules).post(pr_pages::new_schedule),
    )
    .add(
        "/staff/pr/schedules/{id}",
        &[("GET", Staff(PR_SCHEDULES))],
        get(pr_pages::schedule),
    )
    .add(
        "/staff/pr/schedules/{id}/{action}",
        &[("POST", Staff(PR_SCHEDULES))],
        post(pr_pages::schedule_step),
    )
    .add(
        "/staff/pr/{id}",
        &[("GET", Staff(PR_BODY))],
        get(pr_pages::signup),
    )
    .add(
        "/staff/pr/{id}/scan",
        &[("GET", Staff(PR_BODY))],
        get(pr_pages::scan),
    )
    .add(
        "/staff/pr/{id}/{action}",
        &[("POST", Staff(PR_BODY))],
        post(pr_pages::step),
    );
    if bench {
        t.add(
            "/api/v1/echo",
            &[("POST", Public)],
            post(|body: axum::body::Bytes| async move { body }),
        )
    } else {
        t
    }
}
