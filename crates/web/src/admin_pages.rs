//! The administration console's pages: bodies and staff. The use cases (and who may do what)
//! are the application layer's (`otinish_app::admin`); these pages read the form, show the
//! lists and put a refused form back with its reasons and what was typed.

use crate::context::Ctx;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{page_error, render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use otinish_app::admin::{self, BodyForm, StaffForm};
use otinish_app::Error;
use otinish_domain::model::{Role, StaffUser};
use serde::Deserialize;

/// Rows per page of the administration lists.
const PAGE: usize = 50;

/// `s` as a query value: unreserved characters kept, every other byte percent-encoded.
fn query_value(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A list's page: its rows, and the links to the pages before and after (query kept).
struct Paged<T> {
    rows: Vec<T>,
    caption: String,
    prev: Option<String>,
    next: Option<String>,
}

fn paged<T>(tr: Tr, path: &str, q: &str, page: usize, all: Vec<T>) -> Paged<T> {
    let total = all.len();
    let pages = total.div_ceil(PAGE).max(1);
    let page = page.clamp(1, pages);
    let href = |p: usize| format!("{path}?q={}&page={p}", query_value(q));
    Paged {
        caption: tr.with("admin-count", &[("total", total.to_string())]),
        prev: (page > 1).then(|| href(page - 1)),
        next: (page < pages).then(|| href(page + 1)),
        rows: all.into_iter().skip((page - 1) * PAGE).take(PAGE).collect(),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<String>,
    /// The body or staff member just created (its id), for the confirmation.
    #[serde(default)]
    created: Option<String>,
    /// The staff member just deactivated or reactivated (their id).
    #[serde(default)]
    changed: Option<String>,
    /// How many lines an import just created.
    #[serde(default)]
    imported: Option<String>,
}

impl ListQuery {
    /// The confirmation of an import of `key` (with the count).
    fn imported(&self, tr: Tr, key: &str) -> Option<String> {
        let n: usize = self.imported.as_deref()?.parse().ok()?;
        Some(tr.with(key, &[("count", n.to_string())]))
    }
}

impl ListQuery {
    fn page(&self) -> usize {
        self.page
            .as_deref()
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
    }
}

use crate::pages::Refused;

fn refusal(ctx: &Ctx, e: Error) -> Refused {
    crate::pages::refused(ctx, e, "admin-f-", "administration failed")
}

/// A list page that cannot be shown: the error page for `e`.
pub(crate) fn fail(ctx: &Ctx, e: Error) -> Response {
    match refusal(ctx, e) {
        Refused::Page(r) => r,
        Refused::Form(_) => page_error(ctx, StatusCode::BAD_REQUEST, "error-not-found"),
    }
}

/// An import file's columns in the reader's language: (title, required).
fn columns(cols: &[otinish_app::import::Column], tr: Tr) -> Vec<(&'static str, bool)> {
    cols.iter()
        .map(|c| (c.title(tr.lang), c.required))
        .collect()
}

// ---- Bodies ----

#[derive(Debug, Deserialize, Default)]
pub struct BodyIn {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_kk: String,
    #[serde(default)]
    name_ru: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    bin: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    competence: String,
    #[serde(default)]
    vks: Option<String>,
    #[serde(default)]
    video: Option<String>,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    address_kk: String,
    #[serde(default)]
    address_ru: String,
}

impl BodyIn {
    fn form(&self) -> BodyForm {
        BodyForm {
            code: self.code.clone(),
            name_kk: self.name_kk.clone(),
            name_ru: self.name_ru.clone(),
            name_en: self.name_en.clone(),
            bin: self.bin.clone(),
            parent: self.parent.clone(),
            competence: self.competence.clone(),
            vks: self.vks.is_some(),
            video: self.video.is_some(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            address_kk: self.address_kk.clone(),
            address_ru: self.address_ru.clone(),
        }
    }
}

/// A body as the console lists it: (code, name, BIN, parent's name, VKS, video, closed on).
type BodyRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

#[derive(Template)]
#[template(path = "admin_bodies.html")]
struct BodiesPage {
    t: Tr,
    layout: Layout,
    q: String,
    message: Option<String>,
    list: Paged<BodyRow>,
    /// Parents to choose from: (code, name).
    parents: Vec<(String, String)>,
    /// A top-level body may be created (the deployment's administrator).
    may_top: bool,
    problems: Vec<String>,
    typed: BodyIn,
    /// The import file's columns in the reader's language: (title, required).
    import_columns: Vec<(&'static str, bool)>,
    import_roles: Vec<&'static str>,
}

#[allow(clippy::too_many_arguments)]
async fn bodies_page(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    q: &ListQuery,
    typed: BodyIn,
    problems: Vec<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let scope = match admin::scope(app.store.as_ref(), user).await {
        Ok(s) => s,
        Err(e) => return fail(ctx, e),
    };
    let name_of = |id: Option<i64>| {
        id.and_then(|id| scope.bodies.iter().find(|b| b.id == id))
            .map(|b| b.name.get(tr.lang).to_owned())
            .unwrap_or_default()
    };
    let zone = *app.calendar.read().await.zone();
    let needle = q.q.trim().to_lowercase();
    let mut rows: Vec<_> = scope
        .bodies
        .iter()
        .filter(|b| {
            needle.is_empty()
                || b.code.to_lowercase().contains(&needle)
                || [&b.name.kk, &b.name.ru, &b.name.en]
                    .iter()
                    .any(|n| n.to_lowercase().contains(&needle))
                || b.bin.as_deref().is_some_and(|x| x.contains(&needle))
        })
        .map(|b| {
            let yes_no = |v: bool| tr.get(if v { "admin-yes" } else { "admin-no" });
            (
                b.code.clone(),
                b.name.get(tr.lang).to_owned(),
                b.bin.clone().unwrap_or_default(),
                name_of(b.parent_id),
                yes_no(b.vks_connected),
                yes_no(b.video_appeal_connected),
                b.closed_at.map(|t| {
                    tr.with(
                        "admin-closed-on",
                        &[("date", zone.local_date(t).format("%d.%m.%Y").to_string())],
                    )
                }),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let message = q
        .created
        .as_deref()
        .and_then(|c| c.parse::<i64>().ok())
        .and_then(|id| scope.bodies.iter().find(|b| b.id == id))
        .map(|b| {
            tr.with(
                "admin-body-created",
                &[("name", b.name.get(tr.lang).to_owned())],
            )
        })
        .or_else(|| q.imported(tr, "admin-bodies-imported"));
    let mut parents: Vec<_> = scope
        .bodies
        .iter()
        .filter(|b| b.is_open())
        .map(|b| (b.code.clone(), b.name.get(tr.lang).to_owned()))
        .collect();
    parents.sort();
    let page = BodiesPage {
        t: tr,
        layout: Layout::new(app, ctx),
        q: q.q.clone(),
        message,
        list: paged(tr, "/staff/admin/bodies", &q.q, q.page(), rows),
        parents,
        may_top: scope.everything,
        problems,
        typed,
        import_columns: columns(otinish_app::import::BODY_COLUMNS, tr),
        import_roles: vec![],
    };
    (status, render(page)).into_response()
}

pub async fn bodies(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<ListQuery>,
) -> Response {
    bodies_page(
        &app,
        &ctx,
        &user,
        &q,
        BodyIn::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

pub async fn create_body(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<BodyIn>,
) -> Response {
    match admin::create_body(app.store.as_ref(), &user, &f.form(), app.clock.now()).await {
        Ok(b) => {
            tracing::info!(body = b.id, staff = user.id, "body created");
            Redirect::to(&format!("/staff/admin/bodies?created={}", b.id)).into_response()
        }
        Err(e) => match refusal(&ctx, e) {
            Refused::Form(problems) => {
                bodies_page(
                    &app,
                    &ctx,
                    &user,
                    &ListQuery::default(),
                    f,
                    problems,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Refused::Page(r) => r,
        },
    }
}

/// A body's fields as the form shows them.
fn body_in(f: &BodyForm) -> BodyIn {
    let on = |v: bool| v.then(|| "on".to_owned());
    BodyIn {
        code: f.code.clone(),
        name_kk: f.name_kk.clone(),
        name_ru: f.name_ru.clone(),
        name_en: f.name_en.clone(),
        bin: f.bin.clone(),
        parent: f.parent.clone(),
        competence: f.competence.clone(),
        vks: on(f.vks),
        video: on(f.video),
        phone: f.phone.clone(),
        email: f.email.clone(),
        address_kk: f.address_kk.clone(),
        address_ru: f.address_ru.clone(),
    }
}

#[derive(Template)]
#[template(path = "admin_body_edit.html")]
struct BodyEditPage {
    t: Tr,
    layout: Layout,
    title: String,
    message: Option<String>,
    code: String,
    parents: Vec<(String, String)>,
    may_top: bool,
    problems: Vec<String>,
    typed: BodyIn,
    /// When the body closed (in the reader's words), or `None` while it works.
    closed_on: Option<String>,
    /// What stands in the way of closing it (for a body that works), in words.
    blockers: Vec<String>,
    /// Whether the administrator may close or reopen it (not their own body).
    may_close: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    closed: Option<String>,
    #[serde(default)]
    reopened: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn body_edit_page(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    code: &str,
    typed: Option<BodyIn>,
    problems: Vec<String>,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let e = match admin::body_edit(app.store.as_ref(), user, code).await {
        Ok(e) => e,
        Err(e) => return fail(ctx, e),
    };
    let mut parents: Vec<_> = e
        .parents
        .iter()
        .map(|b| (b.code.clone(), b.name.get(tr.lang).to_owned()))
        .collect();
    parents.sort();
    let mut blockers = Vec::new();
    if e.body.is_open() && !e.own {
        match admin::closing(app.store.as_ref(), user, code).await {
            Ok((_, c)) => {
                if c.open_cards > 0 {
                    blockers.push(tr.with(
                        "admin-close-blocked-cards",
                        &[("count", c.open_cards.to_string())],
                    ));
                }
                if !c.open_children.is_empty() {
                    let names: Vec<&str> = c
                        .open_children
                        .iter()
                        .map(|b| b.name.get(tr.lang))
                        .collect();
                    blockers.push(tr.with(
                        "admin-close-blocked-children",
                        &[("names", names.join("; "))],
                    ));
                }
            }
            Err(e) => return fail(ctx, e),
        }
    }
    let zone = *app.calendar.read().await.zone();
    let page = BodyEditPage {
        closed_on: e.body.closed_at.map(|t| {
            tr.with(
                "admin-closed-on",
                &[("date", zone.local_date(t).format("%d.%m.%Y").to_string())],
            )
        }),
        blockers,
        may_close: !e.own,
        t: tr,
        layout: Layout::new(app, ctx),
        title: tr.with(
            "admin-edit-body",
            &[("name", e.body.name.get(tr.lang).to_owned())],
        ),
        message,
        code: e.body.code.clone(),
        parents,
        may_top: e.may_top,
        problems,
        typed: typed.unwrap_or_else(|| body_in(&e.form)),
    };
    (status, render(page)).into_response()
}

pub async fn body(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    axum::extract::Path(code): axum::extract::Path<String>,
    Query(q): Query<SavedQuery>,
) -> Response {
    let message = if q.closed.is_some() {
        Some(ctx.tr.get("admin-body-closed-done"))
    } else if q.reopened.is_some() {
        Some(ctx.tr.get("admin-body-reopened"))
    } else {
        q.saved.map(|_| ctx.tr.get("admin-body-saved"))
    };
    body_edit_page(
        &app,
        &ctx,
        &user,
        &code,
        None,
        vec![],
        message,
        StatusCode::OK,
    )
    .await
}

/// The confirmation a closing or reopening form sends, with its CSRF token.
#[derive(Debug, Deserialize, Default)]
pub struct ConfirmIn {
    /// The box "I understand" (closing only).
    #[serde(default)]
    confirm: Option<String>,
}

impl ConfirmIn {
    /// Whether the box "I understand" was ticked.
    pub fn confirmed(&self) -> bool {
        self.confirm.is_some()
    }
}

/// Closes the body (POST from its page): refused with the reason on the same page.
pub async fn close_body(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    axum::extract::Path(code): axum::extract::Path<String>,
    CsrfForm(f): CsrfForm<ConfirmIn>,
) -> Response {
    body_open_or_close(&app, &ctx, &user, &code, f, true).await
}

/// Opens a closed body again (POST from its page).
pub async fn reopen_body(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    axum::extract::Path(code): axum::extract::Path<String>,
    CsrfForm(f): CsrfForm<ConfirmIn>,
) -> Response {
    body_open_or_close(&app, &ctx, &user, &code, f, false).await
}

async fn body_open_or_close(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    code: &str,
    f: ConfirmIn,
    close: bool,
) -> Response {
    let done = if !close {
        admin::reopen_body(app.store.as_ref(), user, code, app.clock.now()).await
    } else if !f.confirmed() {
        Err(Error::Refused {
            key: "admin-close-confirm-required",
            detail: "closing was not confirmed".into(),
        })
    } else {
        admin::close_body(app.store.as_ref(), user, code, app.clock.now()).await
    };
    match done {
        Ok(b) => {
            tracing::info!(
                body = b.id,
                staff = user.id,
                close,
                "body closed or reopened"
            );
            let what = if close { "closed" } else { "reopened" };
            Redirect::to(&format!("/staff/admin/bodies/{}?{what}=1", b.code)).into_response()
        }
        Err(e) => match refusal(ctx, e) {
            Refused::Form(problems) => {
                body_edit_page(
                    app,
                    ctx,
                    user,
                    code,
                    None,
                    problems,
                    None,
                    StatusCode::CONFLICT,
                )
                .await
            }
            Refused::Page(r) => r,
        },
    }
}

pub async fn edit_body(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    axum::extract::Path(code): axum::extract::Path<String>,
    CsrfForm(f): CsrfForm<BodyIn>,
) -> Response {
    match admin::edit_body(app.store.as_ref(), &user, &code, &f.form(), app.clock.now()).await {
        Ok(b) => {
            tracing::info!(body = b.id, staff = user.id, "body edited");
            Redirect::to(&format!("/staff/admin/bodies/{}?saved=1", b.code)).into_response()
        }
        Err(e) => match refusal(&ctx, e) {
            Refused::Form(problems) => {
                body_edit_page(
                    &app,
                    &ctx,
                    &user,
                    &code,
                    Some(f),
                    problems,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Refused::Page(r) => r,
        },
    }
}

// ---- Staff ----

#[derive(Debug, Deserialize, Default)]
pub struct StaffIn {
    #[serde(default)]
    iin: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    branch: String,
    #[serde(default)]
    lang: String,
    /// Ticked roles: `role_<key>` = on (a form cannot repeat a key for serde's maps).
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

impl StaffIn {
    fn roles(&self) -> Vec<String> {
        let mut r: Vec<String> = self
            .rest
            .keys()
            .filter_map(|k| k.strip_prefix("role_"))
            .map(str::to_owned)
            .collect();
        r.sort();
        r
    }

    fn has_role(&self, r: &str) -> bool {
        self.rest.contains_key(&format!("role_{r}"))
    }

    fn form(&self) -> StaffForm {
        StaffForm {
            iin: self.iin.clone(),
            full_name: self.full_name.clone(),
            position: self.position.clone(),
            login: self.login.clone(),
            email: self.email.clone(),
            body: self.body.clone(),
            branch: self.branch.clone(),
            roles: self.roles(),
            lang: self.lang.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_staff.html")]
struct StaffPage {
    t: Tr,
    layout: Layout,
    q: String,
    message: Option<String>,
    /// (id, full name, IIN, body, roles, active, is active)
    list: Paged<(i64, String, String, String, String, String, bool)>,
    /// The signed-in administrator (not deactivated by themselves).
    me: i64,
    bodies: Vec<(String, String)>,
    may_no_body: bool,
    /// Branches to choose from (the deployment's administrator): (code, name).
    branches: Vec<(String, String)>,
    /// (key, title, ticked)
    roles: Vec<(&'static str, &'static str, bool)>,
    problems: Vec<String>,
    typed: StaffIn,
    /// The import file's columns in the reader's language: (title, required).
    import_columns: Vec<(&'static str, bool)>,
    /// The roles a staff list may give, by title.
    import_roles: Vec<&'static str>,
}

async fn staff_page(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    q: &ListQuery,
    typed: StaffIn,
    problems: Vec<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let store = app.store.as_ref();
    let scope = match admin::scope(store, user).await {
        Ok(s) => s,
        Err(e) => return fail(ctx, e),
    };
    let staff = match admin::staff_list(store, &scope, &q.q).await {
        Ok(s) => s,
        Err(e) => return fail(ctx, e),
    };
    let branches = if scope.everything {
        match otinish_app::branches::all(store).await {
            Ok(b) => branch_options(&b, tr),
            Err(e) => return fail(ctx, e),
        }
    } else {
        Vec::new()
    };
    let body_name = |id: Option<i64>| {
        id.and_then(|id| scope.bodies.iter().find(|b| b.id == id))
            .map(|b| b.name.get(tr.lang).to_owned())
            .unwrap_or_default()
    };
    let find = |v: &Option<String>| {
        v.as_deref()
            .and_then(|c| c.parse::<i64>().ok())
            .and_then(|id| staff.iter().find(|s| s.id == id))
    };
    let message = find(&q.created)
        .map(|s| {
            tr.with(
                "admin-staff-added",
                &[
                    ("name", s.full_name.clone()),
                    ("iin", s.iin.clone().unwrap_or_default()),
                ],
            )
        })
        .or_else(|| {
            find(&q.changed).map(|s| {
                let key = if s.active {
                    "admin-staff-activated"
                } else {
                    "admin-staff-deactivated"
                };
                tr.with(key, &[("name", s.full_name.clone())])
            })
        })
        .or_else(|| q.imported(tr, "admin-staff-imported"));
    let rows = staff
        .iter()
        .map(|s| {
            (
                s.id,
                s.full_name.clone(),
                s.iin.clone().unwrap_or_default(),
                body_name(s.body_id),
                s.roles
                    .iter()
                    .map(|r| r.title(tr.lang))
                    .collect::<Vec<_>>()
                    .join(", "),
                tr.get(if s.active { "admin-yes" } else { "admin-no" }),
                s.active,
            )
        })
        .collect();
    let mut bodies: Vec<_> = scope
        .bodies
        .iter()
        .filter(|b| b.is_open())
        .map(|b| (b.code.clone(), b.name.get(tr.lang).to_owned()))
        .collect();
    bodies.sort();
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str(), r.title(tr.lang), typed.has_role(r.as_str())))
        .collect();
    let page = StaffPage {
        t: tr,
        layout: Layout::new(app, ctx),
        q: q.q.clone(),
        message,
        list: paged(tr, "/staff/admin/staff", &q.q, q.page(), rows),
        bodies,
        may_no_body: scope.everything,
        branches,
        me: user.id,
        roles,
        problems,
        typed,
        import_columns: columns(otinish_app::import::STAFF_COLUMNS, tr),
        import_roles: Role::ALL.iter().map(|r| r.title(tr.lang)).collect(),
    };
    (status, render(page)).into_response()
}

pub async fn staff(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<ListQuery>,
) -> Response {
    staff_page(
        &app,
        &ctx,
        &user,
        &q,
        StaffIn::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

pub async fn add_staff(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<StaffIn>,
) -> Response {
    match admin::add_staff(app.store.as_ref(), &user, &f.form(), app.clock.now()).await {
        Ok(s) => {
            tracing::info!(added = s.id, staff = user.id, "staff member added");
            Redirect::to(&format!("/staff/admin/staff?created={}", s.id)).into_response()
        }
        Err(e) => match refusal(&ctx, e) {
            Refused::Form(problems) => {
                staff_page(
                    &app,
                    &ctx,
                    &user,
                    &ListQuery::default(),
                    f,
                    problems,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Refused::Page(r) => r,
        },
    }
}

#[derive(Template)]
#[template(path = "admin_staff_edit.html")]
struct StaffEditPage {
    t: Tr,
    layout: Layout,
    title: String,
    message: Option<String>,
    id: i64,
    iin: String,
    active: String,
    bodies: Vec<(String, String)>,
    may_no_body: bool,
    branches: Vec<(String, String)>,
    /// (key, title, ticked)
    roles: Vec<(&'static str, &'static str, bool)>,
    problems: Vec<String>,
    typed: StaffIn,
}

/// Branches as a form offers them: (code, name).
/// The branches a staff member may be given: those that work.
fn branch_options(b: &[otinish_domain::model::Branch], tr: Tr) -> Vec<(String, String)> {
    b.iter()
        .filter(|b| b.is_open())
        .map(|b| (b.code.clone(), b.name.get(tr.lang).to_owned()))
        .collect()
}

/// A staff member's fields as the form shows them.
fn staff_in(f: &StaffForm) -> StaffIn {
    StaffIn {
        iin: f.iin.clone(),
        full_name: f.full_name.clone(),
        position: f.position.clone(),
        login: f.login.clone(),
        email: f.email.clone(),
        body: f.body.clone(),
        branch: f.branch.clone(),
        lang: f.lang.clone(),
        rest: f
            .roles
            .iter()
            .map(|r| (format!("role_{r}"), "on".to_owned()))
            .collect(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn staff_edit_page(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    id: i64,
    typed: Option<StaffIn>,
    problems: Vec<String>,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let e = match admin::staff_edit(app.store.as_ref(), user, id).await {
        Ok(e) => e,
        Err(e) => return fail(ctx, e),
    };
    let typed = typed.unwrap_or_else(|| staff_in(&e.form));
    let mut bodies: Vec<_> = e
        .bodies
        .iter()
        .filter(|b| b.is_open())
        .map(|b| (b.code.clone(), b.name.get(tr.lang).to_owned()))
        .collect();
    bodies.sort();
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str(), r.title(tr.lang), typed.has_role(r.as_str())))
        .collect();
    let page = StaffEditPage {
        t: tr,
        layout: Layout::new(app, ctx),
        title: tr.with("admin-edit-staff", &[("name", e.staff.full_name.clone())]),
        message,
        id,
        iin: e.staff.iin.clone().unwrap_or_default(),
        active: tr.get(if e.staff.active {
            "admin-yes"
        } else {
            "admin-no"
        }),
        bodies,
        may_no_body: e.may_no_body,
        branches: if e.may_no_body {
            branch_options(&e.branches, tr)
        } else {
            Vec::new()
        },
        roles,
        problems,
        typed,
    };
    (status, render(page)).into_response()
}

pub async fn staff_member(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Response {
    let message = q.saved.map(|_| ctx.tr.get("admin-staff-saved"));
    staff_edit_page(&app, &ctx, &user, id, None, vec![], message, StatusCode::OK).await
}

pub async fn edit_staff(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    axum::extract::Path(id): axum::extract::Path<i64>,
    CsrfForm(f): CsrfForm<StaffIn>,
) -> Response {
    match admin::edit_staff(app.store.as_ref(), &user, id, &f.form(), app.clock.now()).await {
        Ok(s) => {
            tracing::info!(edited = s.id, staff = user.id, "staff member edited");
            Redirect::to(&format!("/staff/admin/staff/{id}?saved=1")).into_response()
        }
        Err(e) => match refusal(&ctx, e) {
            Refused::Form(problems) => {
                staff_edit_page(
                    &app,
                    &ctx,
                    &user,
                    id,
                    Some(f),
                    problems,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Refused::Page(r) => r,
        },
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ActiveIn {
    /// `1` reactivates, anything else deactivates.
    #[serde(default)]
    active: String,
}

/// Deactivates (their sessions end at once) or reactivates a staff member.
pub async fn set_active(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    axum::extract::Path(id): axum::extract::Path<i64>,
    CsrfForm(f): CsrfForm<ActiveIn>,
) -> Response {
    let active = f.active == "1";
    match admin::set_active(app.store.as_ref(), &user, id, active, app.clock.now()).await {
        Ok(s) => {
            tracing::info!(
                target = s.id,
                active,
                staff = user.id,
                "staff activity changed"
            );
            // Deactivated while holding open cards: those are handed over next.
            let holds = !active
                && admin::handover(app.store.as_ref(), &user, s.id)
                    .await
                    .is_ok_and(|h| !h.cards.is_empty());
            if holds {
                Redirect::to(&format!("/staff/admin/staff/{}/cards?deactivated=1", s.id))
                    .into_response()
            } else {
                Redirect::to(&format!("/staff/admin/staff?changed={}", s.id)).into_response()
            }
        }
        Err(Error::Refused { key, .. }) => {
            staff_page(
                &app,
                &ctx,
                &user,
                &ListQuery::default(),
                StaffIn::default(),
                vec![ctx.tr.get(key)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&ctx, e),
    }
}
