//! HTML pages. Each handler reads the request, asks the store or the domain, and renders a
//! template; page errors are rendered as pages in the reader's language.

use crate::context::Ctx;
use crate::i18n::Tr;
use crate::{App, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use otinish_domain::repo::PageRequest;
use serde::Deserialize;

/// What the layout (header, banner, footer) needs on every page.
pub struct Layout {
    pub user: Option<String>,
    pub applicant: Option<String>,
    /// Links of the staff member's workplace, by role.
    pub staff_links: Vec<(&'static str, String)>,
    pub csrf: String,
    /// Demo mode: the note, and the logins with their roles.
    pub demo_banner: Option<(String, String)>,
    pub footer: String,
    pub path: String,
    /// EA-16: planned outages and other announcements, in the reader's language.
    pub announcements: Vec<String>,
    /// Where the pages reach NCALayer.
    pub ncalayer_url: String,
}

impl Layout {
    /// The current page in another language, keeping its query.
    pub fn lang_href(&self, code: &str) -> String {
        let (path, query) = self.path.split_once('?').unwrap_or((&self.path, ""));
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
            .collect();
        if kept.is_empty() {
            format!("{path}?lang={code}")
        } else {
            format!("{path}?{}&lang={code}", kept.join("&"))
        }
    }

    pub fn new(app: &App, ctx: &Ctx) -> Self {
        // The demo note: a short line, and the logins with their roles folded beneath it.
        let demo_banner = app.settings.demo.then(|| {
            let logins = app
                .config
                .demo_logins
                .iter()
                .map(|(login, roles)| {
                    let roles: Vec<&str> = roles.iter().map(|r| r.title(ctx.tr.lang)).collect();
                    format!("{login} ({})", roles.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; ");
            (
                ctx.tr.with(
                    "demo-banner",
                    &[("password", app.config.demo_password.clone())],
                ),
                logins,
            )
        });
        let now = app.clock.now();
        let zone = app
            .calendar
            .try_read()
            // The offset in force now, not the zone's database name (`Asia/Almaty`), which is
            // no word of Kazakh or Russian.
            .map(|c| c.zone().at(now).format("UTC%:z").to_string())
            .unwrap_or_default();
        let announcements = app
            .announcements
            .try_read()
            .map(|c| {
                c.items
                    .iter()
                    .filter(|a| a.ends_at > now)
                    .map(|a| a.text.get(ctx.tr.lang).to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let mut staff_links = Vec::new();
        if let Some(u) = &ctx.user {
            use otinish_domain::model::Role;
            if u.body_id.is_some() && [Role::Registrar, Role::Head].iter().any(|r| u.has_role(*r)) {
                staff_links.push(("/staff/inbox", ctx.tr.get("staff-inbox")));
                staff_links.push(("/staff/to-sign", ctx.tr.get("staff-to-sign")));
                staff_links.push(("/staff/post", ctx.tr.get("nav-post")));
            }
            if u.has_role(Role::Executor) {
                staff_links.push(("/staff/my", ctx.tr.get("staff-my-cards")));
            }
            if u.body_id.is_some()
                && [Role::Registrar, Role::Head, Role::Executor]
                    .iter()
                    .any(|r| u.has_role(*r))
            {
                staff_links.push(("/staff/due", ctx.tr.get("staff-due")));
                staff_links.push(("/staff/search", ctx.tr.get("staff-search")));
            }
            if u.has_role(Role::GovernmentOffice)
                || (u.body_id.is_some() && (u.has_role(Role::Registrar) || u.has_role(Role::Head)))
            {
                staff_links.push(("/staff/dashboard", ctx.tr.get("dash-title")));
                staff_links.push(("/staff/reports/1-ol", ctx.tr.get("staff-reports")));
            }
            if u.has_role(Role::Operator)
                || (u.body_id.is_some()
                    && (u.has_role(Role::ReceptionSecretary) || u.has_role(Role::Head)))
            {
                staff_links.push(("/staff/schedules", ctx.tr.get("vks-schedules")));
            }
            if u.body_id.is_some()
                && (u.has_role(Role::ReceptionSecretary) || u.has_role(Role::Head))
            {
                staff_links.push(("/staff/receptions", ctx.tr.get("vks-inbox")));
            }
            if u.has_role(Role::Operator)
                || u.has_role(Role::BranchOperator)
                || (u.body_id.is_some()
                    && (u.has_role(Role::ReceptionSecretary) || u.has_role(Role::Head)))
            {
                staff_links.push(("/staff/vks", ctx.tr.get("vks-desk")));
            }
            if u.branch_id.is_some() && u.has_role(Role::BranchOperator) {
                staff_links.push(("/staff/va", ctx.tr.get("va-journal")));
            }
            if u.has_role(Role::CallCenterOperator) {
                staff_links.push(("/staff/pr/take", ctx.tr.get("pr-take-title")));
            }
            if u.body_id.is_some()
                && [
                    Role::Registrar,
                    Role::ReceptionSecretary,
                    Role::Head,
                    Role::SecurityOfficer,
                    Role::Executor,
                ]
                .iter()
                .any(|r| u.has_role(*r))
            {
                staff_links.push(("/staff/pr", ctx.tr.get("pr-list-title")));
            }
            if u.body_id.is_some() && u.has_role(Role::SecurityOfficer) {
                staff_links.push(("/staff/access-log", ctx.tr.get("access-log-title")));
            }
            if u.has_role(Role::Admin) {
                staff_links.push(("/staff/admin/bodies", ctx.tr.get("admin-bodies")));
                staff_links.push(("/staff/admin/staff", ctx.tr.get("admin-staff")));
                if u.body_id.is_none() {
                    staff_links.push(("/staff/admin/branches", ctx.tr.get("branch-title")));
                    staff_links.push(("/staff/admin/calendar", ctx.tr.get("calendar-admin-title")));
                    staff_links.push(("/staff/admin/announcements", ctx.tr.get("announce-title")));
                    staff_links.push(("/staff/admin/trust", ctx.tr.get("trust-title")));
                    staff_links.push(("/staff/admin/notices", ctx.tr.get("notices-title")));
                    staff_links.push(("/staff/admin/jobs", ctx.tr.get("jobs-title")));
                    staff_links.push(("/staff/admin/mail", ctx.tr.get("mail-title")));
                }
            }
            if u.has_role(Role::GovernmentOffice) {
                staff_links.push(("/staff/pr/schedules", ctx.tr.get("pr-centers-schedule")));
                staff_links.push(("/staff/pr/report", ctx.tr.get("pr-report-title")));
            }
        }
        Self {
            ncalayer_url: app.config.ncalayer().to_owned(),
            announcements,
            applicant: ctx.applicant.clone(),
            staff_links,
            user: ctx.user.as_ref().map(|u| u.full_name.clone()),
            csrf: ctx.csrf.clone(),
            demo_banner,
            footer: ctx.tr.with("footer-text", &[("zone", zone)]),
            path: ctx.path.clone(),
        }
    }
}

pub fn render<T: Template>(t: T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    layout: Layout,
    message: String,
}

/// An error rendered as a page. The layout has no app here, so it is minimal.
pub fn page_error(ctx: &Ctx, status: StatusCode, key: &str) -> Response {
    page_error_message(ctx, status, ctx.tr.get(key))
}

/// How a page answers app's error — the one mapping of [`otinish_app::Error`] for pages: what
/// the person can put right is said on the same form (each field labelled by the key
/// `{field_prefix}{field}`), the rest is an error page. A database that does not answer is 503,
/// never the person's fault; `what` names the failure in the log.
pub enum Refused {
    Form(Vec<String>),
    Page(Response),
}

pub fn refused(ctx: &Ctx, e: otinish_app::Error, field_prefix: &str, what: &str) -> Refused {
    use otinish_app::Error;
    let label = |field: &str| {
        ctx.tr
            .get(&format!("{field_prefix}{}", field.replace('_', "-")))
    };
    match e {
        Error::Invalid(p) => Refused::Form(
            p.iter()
                .map(|p| format!("{}: {}", label(p.field), ctx.tr.get(p.key)))
                .collect(),
        ),
        Error::Forbidden => {
            Refused::Page(page_error(ctx, StatusCode::FORBIDDEN, "error-forbidden"))
        }
        Error::NotFound(_) => {
            Refused::Page(page_error(ctx, StatusCode::NOT_FOUND, "error-not-found"))
        }
        Error::Refused { key, .. } => Refused::Form(vec![ctx.tr.get(key)]),
        Error::Conflict(_) => Refused::Form(vec![ctx.tr.get("admin-changed-meanwhile")]),
        e => {
            tracing::error!(error = %e, "{what}");
            Refused::Page(page_error(
                ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                "error-internal",
            ))
        }
    }
}

/// A page that cannot be shown at all: the error page for app's error `e`.
pub fn error_page(ctx: &Ctx, e: otinish_app::Error, what: &str) -> Response {
    // No form to label the fields by: the problems alone.
    if let otinish_app::Error::Invalid(p) = &e {
        let text: Vec<String> = p.iter().map(|p| ctx.tr.get(p.key)).collect();
        return page_error_message(ctx, StatusCode::UNPROCESSABLE_ENTITY, text.join(" "));
    }
    match refused(ctx, e, "", what) {
        Refused::Page(r) => r,
        Refused::Form(problems) => {
            page_error_message(ctx, StatusCode::UNPROCESSABLE_ENTITY, problems.join(" "))
        }
    }
}

/// An error page with a specific message (already in the user's language).
pub fn page_error_message(ctx: &Ctx, status: StatusCode, message: String) -> Response {
    let page = ErrorPage {
        t: ctx.tr,
        layout: Layout {
            applicant: ctx.applicant.clone(),
            staff_links: vec![],
            user: ctx.user.as_ref().map(|u| u.full_name.clone()),
            csrf: ctx.csrf.clone(),
            demo_banner: None,
            footer: String::new(),
            path: ctx.path.clone(),
            announcements: vec![],
            ncalayer_url: crate::NCALAYER_URL.into(),
        },
        message,
    };
    (status, render(page)).into_response()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: Tr,
    layout: Layout,
}

pub async fn home(State(app): State<AppState>, ctx: Ctx) -> Response {
    render(HomePage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
    })
}

pub async fn not_found(State(app): State<AppState>, ctx: Ctx) -> Response {
    let _ = &app;
    page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found")
}

pub async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
        .into_response()
}

/// A script of the site, cached for an hour.
fn script(text: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        text,
    )
        .into_response()
}

pub async fn ncalayer_js() -> Response {
    script(include_str!("../static/ncalayer.js"))
}

pub async fn pr_js() -> Response {
    script(include_str!("../static/pr.js"))
}

pub async fn booth_js() -> Response {
    script(include_str!("../static/booth.js"))
}

/// The folding menu of narrow screens.
pub async fn booking_js() -> Response {
    script(include_str!("../static/booking.js"))
}

pub async fn menu_js() -> Response {
    script(include_str!("../static/menu.js"))
}

/// A pager: caption and previous/next links that keep the other list's position.
pub struct Pager {
    pub caption: String,
    /// The links, rendered by the `pager.html` template: every part of them escaped there,
    /// whatever the query it keeps carried (never HTML put together from request data).
    pub nav: String,
}

#[derive(Template)]
#[template(path = "pager.html")]
struct PagerNav {
    label: String,
    /// (href, label) of the previous and the next page.
    prev: Option<(String, String)>,
    next: Option<(String, String)>,
}

impl Pager {
    fn nav(tr: Tr, page: i64, has_next: bool, param: &str, other: &str) -> String {
        let link = |n: i64, key: &str| (format!("?{param}={n}{other}"), tr.get(key));
        PagerNav {
            label: tr.get("nav-pages"),
            prev: (page > 1).then(|| link(page - 1, "page-prev")),
            next: has_next.then(|| link(page + 1, "page-next")),
        }
        .render()
        .unwrap_or_default()
    }

    pub fn new(tr: Tr, total: i64, req: PageRequest, param: &str, other: &str) -> Self {
        let limit = i64::from(req.limit);
        let page = i64::from(req.offset) / limit + 1;
        let pages = ((total + limit - 1) / limit).max(1);
        let caption = if total > otinish_domain::repo::COUNT_CAP {
            // Lists stop counting at the cap (see `COUNT_CAP`).
            tr.with(
                "page-of-more",
                &[
                    ("page", page.to_string()),
                    ("total", otinish_domain::repo::COUNT_CAP.to_string()),
                ],
            )
        } else {
            tr.with(
                "page-of",
                &[
                    ("page", page.to_string()),
                    ("pages", pages.to_string()),
                    ("total", total.to_string()),
                ],
            )
        };
        Self {
            caption,
            nav: Self::nav(tr, page, page < pages, param, other),
        }
    }

    /// A list that is not counted (a search): page `page`, and whether another follows.
    pub fn open_ended(tr: Tr, page: u32, more: bool, param: &str, other: &str) -> Self {
        let caption = tr.with("page-n", &[("page", page.to_string())]);
        Self {
            caption,
            nav: Self::nav(tr, i64::from(page), more, param, other),
        }
    }
}

pub struct BodyRow {
    code: String,
    name: String,
    competence: String,
    vks: String,
    video: String,
    contacts: String,
}

pub struct BranchRow {
    name: String,
    region: String,
    address: String,
    vks: String,
    booths: i32,
}

#[derive(Template)]
#[template(path = "bodies.html")]
struct BodiesPage {
    t: Tr,
    layout: Layout,
    bodies: Vec<BodyRow>,
    branches: Vec<BranchRow>,
    bodies_pager: Pager,
    branches_pager: Pager,
}

/// Page numbers are read leniently: anything that is not a number means the first page.
#[derive(Debug, Deserialize, Default)]
pub struct BodiesQuery {
    page: Option<String>,
    branches_page: Option<String>,
}

const PAGE_SIZE: u32 = 25;

fn page_req(page: Option<u32>) -> PageRequest {
    let page = page.unwrap_or(1).clamp(1, 100_000);
    PageRequest::new(Some(PAGE_SIZE), Some((page - 1) * PAGE_SIZE))
}

pub async fn bodies(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<BodiesQuery>,
) -> Response {
    let num = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<u32>().ok());
    let (bodies_page, branches_page) = (num(&q.page), num(&q.branches_page));
    let tr = ctx.tr;
    let lang = tr.lang;
    let (breq, rreq) = (page_req(bodies_page), page_req(branches_page));
    let (bodies, branches) = match (
        app.store.open_bodies(breq).await,
        app.store.open_branches(rreq).await,
    ) {
        (Ok(b), Ok(r)) => (b, r),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "listing bodies");
            return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal");
        }
    };
    let bodies_pager = Pager::new(
        tr,
        bodies.total,
        breq,
        "page",
        &format!("&branches_page={}", branches_page.unwrap_or(1)),
    );
    let branches_pager = Pager::new(
        tr,
        branches.total,
        rreq,
        "branches_page",
        &format!("&page={}", bodies_page.unwrap_or(1)),
    );
    let page = BodiesPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        bodies: bodies
            .items
            .iter()
            .map(|b| BodyRow {
                code: b.code.clone(),
                name: b.name.get(lang).to_owned(),
                competence: b
                    .competence
                    .iter()
                    .map(|k| tr.topic(k))
                    .collect::<Vec<_>>()
                    .join(", "),
                vks: tr.yes_no(b.vks_connected),
                video: tr.yes_no(b.video_appeal_connected),
                contacts: [b.contacts.phone.clone(), b.contacts.email.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        branches: branches
            .items
            .iter()
            .map(|b| BranchRow {
                name: b.name.get(lang).to_owned(),
                region: b.region.get(lang).to_owned(),
                address: b.address.get(lang).to_owned(),
                vks: tr.yes_no(b.vks_equipment),
                booths: b.booths,
            })
            .collect(),
        bodies_pager,
        branches_pager,
    };
    render(page)
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    t: Tr,
    layout: Layout,
    from: String,
    days: String,
    from_error: Option<String>,
    days_error: Option<String>,
    due: Option<String>,
    skipped: Vec<String>,
    /// The years the term touches whose calendar is not confirmed (GEN-02), in words.
    unconfirmed: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct CalendarQuery {
    from: Option<String>,
    working_days: Option<String>,
}

/// Parses the calculator's inputs; each field's error names what is wrong.
pub fn parse_due_input(
    from: &str,
    days: &str,
) -> Result<(NaiveDate, u32), Vec<(&'static str, &'static str)>> {
    let d = NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d");
    let n = days
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=400).contains(n));
    match (d, n) {
        (Ok(d), Some(n)) => Ok((d, n)),
        (d, n) => {
            let mut errs = Vec::new();
            if d.is_err() {
                errs.push(("from", "error-bad-date"));
            }
            if n.is_none() {
                errs.push(("working_days", "error-bad-days"));
            }
            Err(errs)
        }
    }
}

pub async fn calendar(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CalendarQuery>,
) -> Response {
    let tr = ctx.tr;
    let mut page = CalendarPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        from: q.from.clone().unwrap_or_default(),
        days: q.working_days.clone().unwrap_or_else(|| "15".into()),
        from_error: None,
        days_error: None,
        due: None,
        skipped: vec![],
        unconfirmed: None,
    };
    let mut status = StatusCode::OK;
    if let Some(from) = &q.from {
        match parse_due_input(from, &page.days) {
            Ok((d, n)) => {
                let cal = app.calendar.read().await;
                match cal.add_working_days(d, n) {
                    Ok(span) => {
                        page.due = Some(tr.with(
                            "calendar-due",
                            &[
                                ("date", span.due.format("%d.%m.%Y").to_string()),
                                ("zone", cal.zone().name().to_owned()),
                            ],
                        ));
                        page.skipped = span.explain_skipped(tr.lang);
                        if !span.unconfirmed_years.is_empty() {
                            let years =
                                otinish_domain::calendar::year_list(&span.unconfirmed_years);
                            page.unconfirmed =
                                Some(tr.with("term-unconfirmed", &[("years", years)]));
                        }
                    }
                    Err(_) => page.from_error = Some(tr.get("error-bad-date")),
                }
            }
            Err(errs) => {
                status = StatusCode::UNPROCESSABLE_ENTITY;
                for (field, key) in errs {
                    match field {
                        "from" => page.from_error = Some(tr.get(key)),
                        _ => page.days_error = Some(tr.get(key)),
                    }
                }
            }
        }
    }
    (status, render(page)).into_response()
}

/// `s` percent-encoded for a URL's query (everything but unreserved characters).
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The page number a list's address asks for (1 when none); `None` for anything the pager
/// does not write, which the page refuses with 400.
pub fn page_number(p: Option<&str>) -> Option<u32> {
    match p.map(str::trim).filter(|p| !p.is_empty()) {
        None => Some(1),
        Some(p) => p.parse::<u32>().ok().map(|n| n.clamp(1, 10_000)),
    }
}

#[cfg(test)]
mod pager_tests {
    use super::*;

    /// Whatever the kept query carries, the pager's links escape it: no markup from a request
    /// ever reaches the page as markup.
    #[test]
    fn pager_links_escape_what_they_keep() {
        let tr = Tr::new(otinish_domain::Lang::Ru);
        let hostile = "&q=\"><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">";
        let p = Pager::new(
            tr,
            100,
            PageRequest::new(Some(10), Some(10)),
            "page",
            hostile,
        );
        assert!(!p.nav.contains("<meta"), "{}", p.nav);
        assert!(
            p.nav.contains("href=\"?page=1&#38;q=&#34;&#62;&#60;meta"),
            "{}",
            p.nav
        );
        assert!(p.nav.contains("rel=\"prev\"") && p.nav.contains("rel=\"next\""));
        let last = Pager::open_ended(tr, 1, false, "page", hostile);
        assert!(
            !last.nav.contains("<a"),
            "no link on a single page: {}",
            last.nav
        );
    }
}
