//! Branches in the administration console: the list (searched), a new branch, and a branch's
//! edit form. The use case is `otinish_app::branches`.

use crate::admin_pages::fail;
use crate::context::Ctx;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use otinish_app::branches::{self, BranchForm};
use otinish_app::Error;
use otinish_domain::model::StaffUser;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
pub struct BranchIn {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_kk: String,
    #[serde(default)]
    name_ru: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    region_kk: String,
    #[serde(default)]
    region_ru: String,
    #[serde(default)]
    address_kk: String,
    #[serde(default)]
    address_ru: String,
    #[serde(default)]
    vks: Option<String>,
    #[serde(default)]
    booths: String,
    #[serde(default)]
    phone: String,
}

impl BranchIn {
    fn form(&self) -> BranchForm {
        BranchForm {
            code: self.code.clone(),
            name_kk: self.name_kk.clone(),
            name_ru: self.name_ru.clone(),
            name_en: self.name_en.clone(),
            region_kk: self.region_kk.clone(),
            region_ru: self.region_ru.clone(),
            address_kk: self.address_kk.clone(),
            address_ru: self.address_ru.clone(),
            vks: self.vks.is_some(),
            booths: self.booths.clone(),
            phone: self.phone.clone(),
        }
    }

    fn of(f: &BranchForm) -> Self {
        Self {
            code: f.code.clone(),
            name_kk: f.name_kk.clone(),
            name_ru: f.name_ru.clone(),
            name_en: f.name_en.clone(),
            region_kk: f.region_kk.clone(),
            region_ru: f.region_ru.clone(),
            address_kk: f.address_kk.clone(),
            address_ru: f.address_ru.clone(),
            vks: f.vks.then(|| "on".to_owned()),
            booths: f.booths.clone(),
            phone: f.phone.clone(),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct BranchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    saved: Option<String>,
    /// How many lines an import just created.
    #[serde(default)]
    imported: Option<String>,
    #[serde(default)]
    closed: Option<String>,
    #[serde(default)]
    reopened: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_branches.html")]
struct BranchesPage {
    t: Tr,
    layout: Layout,
    q: String,
    message: Option<String>,
    /// (code, name, region, VKS, booths, closed on)
    rows: Vec<(String, String, String, String, i32, Option<String>)>,
    /// The branch being edited has closed on this day.
    closed_on: Option<String>,
    problems: Vec<String>,
    typed: BranchIn,
    /// The form edits this branch (its code shown, not typed); none: a new branch.
    editing: Option<String>,
    /// The import file's columns in the reader's language: (title, required).
    import_columns: Vec<(&'static str, bool)>,
    import_roles: Vec<&'static str>,
}

fn problems(tr: Tr, e: Error) -> Result<Vec<String>, Error> {
    match e {
        Error::Invalid(p) => Ok(p
            .iter()
            .map(|p| {
                format!(
                    "{}: {}",
                    tr.get(&format!("branch-f-{}", p.field.replace('_', "-"))),
                    tr.get(p.key)
                )
            })
            .collect()),
        other => Err(other),
    }
}

#[allow(clippy::too_many_arguments)]
async fn page(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    q: &BranchQuery,
    typed: BranchIn,
    problems: Vec<String>,
    editing: Option<String>,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    if let Err(e) = branches::keeper(user) {
        return fail(ctx, e);
    }
    let tr = ctx.tr;
    let all = match branches::all(app.store.as_ref()).await {
        Ok(b) => b,
        Err(e) => return fail(ctx, e),
    };
    let zone = *app.calendar.read().await.zone();
    let day = |b: &otinish_domain::model::Branch| {
        b.closed_at.map(|t| {
            tr.with(
                "admin-closed-on",
                &[("date", zone.local_date(t).format("%d.%m.%Y").to_string())],
            )
        })
    };
    let closed_on = editing
        .as_deref()
        .and_then(|c| all.iter().find(|b| b.code == c))
        .and_then(day);
    let needle = q.q.trim().to_lowercase();
    let rows = all
        .iter()
        .filter(|b| {
            needle.is_empty()
                || b.code.to_lowercase().contains(&needle)
                || [&b.name.kk, &b.name.ru, &b.region.kk, &b.region.ru]
                    .iter()
                    .any(|n| n.to_lowercase().contains(&needle))
        })
        .map(|b| {
            (
                b.code.clone(),
                b.name.get(tr.lang).to_owned(),
                b.region.get(tr.lang).to_owned(),
                tr.get(if b.vks_equipment {
                    "admin-yes"
                } else {
                    "admin-no"
                }),
                b.booths,
                day(b),
            )
        })
        .collect();
    let view = BranchesPage {
        t: tr,
        layout: Layout::new(app, ctx),
        q: q.q.clone(),
        message,
        rows,
        closed_on,
        problems,
        typed,
        editing,
        import_columns: otinish_app::import::BRANCH_COLUMNS
            .iter()
            .map(|c| (c.title(tr.lang), c.required))
            .collect(),
        import_roles: vec![],
    };
    (status, render(view)).into_response()
}

pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<BranchQuery>,
) -> Response {
    let message = q
        .created
        .as_ref()
        .map(|c| ctx.tr.with("branch-created", &[("code", c.clone())]))
        .or_else(|| {
            let n: usize = q.imported.as_deref()?.parse().ok()?;
            Some(
                ctx.tr
                    .with("admin-branches-imported", &[("count", n.to_string())]),
            )
        });
    page(
        &app,
        &ctx,
        &user,
        &q,
        BranchIn::default(),
        vec![],
        None,
        message,
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<BranchIn>,
) -> Response {
    match branches::create(app.store.as_ref(), &user, &f.form(), app.clock.now()).await {
        Ok(b) => Redirect::to(&format!("/staff/admin/branches?created={}", b.code)).into_response(),
        Err(e) => match problems(ctx.tr, e) {
            Ok(p) => {
                page(
                    &app,
                    &ctx,
                    &user,
                    &BranchQuery::default(),
                    f,
                    p,
                    None,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(e) => fail(&ctx, e),
        },
    }
}

pub async fn one(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(code): Path<String>,
    Query(q): Query<BranchQuery>,
) -> Response {
    let b = match branches::by_code(app.store.as_ref(), &user, &code).await {
        Ok(b) => b,
        Err(e) => return fail(&ctx, e),
    };
    let message = if q.closed.is_some() {
        Some(ctx.tr.get("branch-closed-done"))
    } else if q.reopened.is_some() {
        Some(ctx.tr.get("branch-reopened"))
    } else {
        q.saved.map(|_| ctx.tr.get("admin-body-saved"))
    };
    page(
        &app,
        &ctx,
        &user,
        &BranchQuery::default(),
        BranchIn::of(&branches::form_of(&b)),
        vec![],
        Some(b.code),
        message,
        StatusCode::OK,
    )
    .await
}

pub async fn edit(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<BranchIn>,
) -> Response {
    match branches::edit(app.store.as_ref(), &user, &code, &f.form(), app.clock.now()).await {
        Ok(b) => Redirect::to(&format!("/staff/admin/branches/{}?saved=1", b.code)).into_response(),
        Err(e) => match problems(ctx.tr, e) {
            Ok(p) => {
                page(
                    &app,
                    &ctx,
                    &user,
                    &BranchQuery::default(),
                    f,
                    p,
                    Some(code),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(e) => fail(&ctx, e),
        },
    }
}

/// Closes the branch (POST from its page, with the box "I understand" ticked).
pub async fn close(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<crate::admin_pages::ConfirmIn>,
) -> Response {
    open_or_close(&app, &ctx, &user, &code, f, true).await
}

/// Opens a closed branch again.
pub async fn reopen(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<crate::admin_pages::ConfirmIn>,
) -> Response {
    open_or_close(&app, &ctx, &user, &code, f, false).await
}

async fn open_or_close(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    code: &str,
    f: crate::admin_pages::ConfirmIn,
    close: bool,
) -> Response {
    let now = app.clock.now();
    let done = if !close {
        branches::reopen(app.store.as_ref(), user, code, now).await
    } else if !f.confirmed() {
        Err(Error::Refused {
            key: "admin-close-confirm-required",
            detail: "closing was not confirmed".into(),
        })
    } else {
        branches::close(app.store.as_ref(), user, code, now).await
    };
    match done {
        Ok(b) => {
            let what = if close { "closed" } else { "reopened" };
            Redirect::to(&format!("/staff/admin/branches/{}?{what}=1", b.code)).into_response()
        }
        Err(Error::Refused { key, .. }) => {
            let b = match branches::by_code(app.store.as_ref(), user, code).await {
                Ok(b) => b,
                Err(e) => return fail(ctx, e),
            };
            page(
                app,
                ctx,
                user,
                &BranchQuery::default(),
                BranchIn::of(&branches::form_of(&b)),
                vec![ctx.tr.get(key)],
                Some(b.code),
                None,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => fail(ctx, e),
    }
}
