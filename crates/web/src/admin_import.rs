//! Importing bodies and staff from CSV: upload a file, see the preview (what would be
//! created, or every problem with its line), then confirm. The plan and the all-or-nothing
//! apply are the application layer's (`otinish_app::import`); the confirmation carries the
//! file's text back, and it is planned again before anything is written.

use crate::admin_pages::fail;
use crate::context::Ctx;
use crate::extract::{CsrfMultipart, Part, Staff};
use crate::i18n::Tr;
use crate::pages::{page_error, render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use otinish_app::import::{self, LineProblem, Plan};
use otinish_app::Error;
use otinish_domain::model::StaffUser;

/// What the two kinds of import differ in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bodies,
    Staff,
    Branches,
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Bodies => "/staff/admin/bodies",
            Kind::Staff => "/staff/admin/staff",
            Kind::Branches => "/staff/admin/branches",
        }
    }

    fn key(self, what: &str) -> String {
        let k = match self {
            Kind::Bodies => "bodies",
            Kind::Staff => "staff",
            Kind::Branches => "branches",
        };
        format!("admin-import-{what}-{k}")
    }
}

/// The upload or the confirmation, as sent.
#[derive(Default)]
struct Upload {
    bytes: Vec<u8>,
    apply: bool,
}

fn read_upload(parts: Vec<Part>) -> Upload {
    let mut u = Upload::default();
    for p in parts {
        match p.name.as_str() {
            // The file chosen, or the text the preview carried back.
            "file" | "csv" if !p.bytes.is_empty() => u.bytes = p.bytes.to_vec(),
            "apply" => u.apply = true,
            _ => {}
        }
    }
    u
}

/// A preview row: its line and up to four cells.
type Row = (usize, [String; 4]);

#[derive(Template)]
#[template(path = "admin_import.html")]
struct PreviewPage {
    t: Tr,
    layout: Layout,
    title: String,
    back: &'static str,
    action: String,
    /// The column titles of `rows`.
    columns: [String; 4],
    rows: Vec<Row>,
    /// (line, column, problem)
    problems: Vec<(usize, String, String)>,
    summary: String,
    apply_label: String,
    /// The file's text, carried to the confirmation.
    csv: String,
}

/// The column a problem is in, as the file's header names it in the reader's language.
fn column_label(tr: Tr, field: &str) -> String {
    import::column_title(field, tr.lang)
        .map(str::to_owned)
        .unwrap_or_else(|| tr.get("admin-f-file"))
}

fn problems(tr: Tr, p: &[LineProblem]) -> Vec<(usize, String, String)> {
    p.iter()
        .map(|p| (p.line, column_label(tr, p.field), tr.get(p.key)))
        .collect()
}

/// The preview of `plan`: its rows, or its problems.
fn preview<T>(
    app: &crate::App,
    ctx: &Ctx,
    kind: Kind,
    plan: Plan<T>,
    bytes: &[u8],
    columns: [&str; 4],
    row: impl Fn(&T) -> Row,
) -> Response {
    let tr = ctx.tr;
    let count = [("count", plan.rows.len().to_string())];
    let summary = if plan.problems.is_empty() {
        tr.with(&kind.key("ready"), &count)
    } else {
        tr.with(
            "admin-import-problems",
            &[("count", plan.problems.len().to_string())],
        )
    };
    let status = if plan.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = PreviewPage {
        t: tr,
        layout: Layout::new(app, ctx),
        title: tr.get(&kind.key("title")),
        back: kind.path(),
        action: format!("{}/import", kind.path()),
        columns: columns.map(|c| tr.get(c)),
        rows: plan.rows.iter().map(row).collect(),
        problems: problems(tr, &plan.problems),
        summary,
        apply_label: tr.with(&kind.key("apply"), &count),
        csv: if plan.problems.is_empty() {
            String::from_utf8_lossy(bytes).into_owned()
        } else {
            String::new()
        },
    };
    (status, render(page)).into_response()
}

async fn show_plan(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    kind: Kind,
    bytes: &[u8],
) -> Response {
    let store = app.store.as_ref();
    let tr = ctx.tr;
    match kind {
        Kind::Bodies => match import::plan_bodies(store, user, bytes).await {
            Ok(plan) => preview(
                app,
                ctx,
                kind,
                plan,
                bytes,
                [
                    "admin-col-code",
                    "admin-f-name",
                    "admin-f-bin",
                    "admin-f-parent",
                ],
                |p| {
                    (
                        p.line,
                        [
                            p.body.code.clone(),
                            p.body.name.get(tr.lang).to_owned(),
                            p.bin
                                .as_ref()
                                .map(|b| b.as_str().to_owned())
                                .unwrap_or_default(),
                            p.parent_name
                                .as_ref()
                                .map(|n| n.get(tr.lang).to_owned())
                                .unwrap_or_default(),
                        ],
                    )
                },
            ),
            Err(e) => fail(ctx, e),
        },
        Kind::Branches => match import::plan_branches(store, user, bytes).await {
            Ok(plan) => preview(
                app,
                ctx,
                kind,
                plan,
                bytes,
                [
                    "admin-col-code",
                    "branch-f-name",
                    "branch-f-region",
                    "branch-f-booths",
                ],
                |p| {
                    (
                        p.line,
                        [
                            p.branch.code.clone(),
                            p.branch.name.get(tr.lang).to_owned(),
                            p.branch.region.get(tr.lang).to_owned(),
                            p.branch.booths.to_string(),
                        ],
                    )
                },
            ),
            Err(e) => fail(ctx, e),
        },
        Kind::Staff => match import::plan_staff(store, user, bytes).await {
            Ok(plan) => preview(
                app,
                ctx,
                kind,
                plan,
                bytes,
                [
                    "admin-f-full-name",
                    "admin-f-iin",
                    "admin-f-login",
                    "admin-f-roles",
                ],
                |p| {
                    (
                        p.line,
                        [
                            p.staff.full_name.clone(),
                            p.iin.as_str().to_owned(),
                            p.staff.login.clone(),
                            p.staff
                                .roles
                                .iter()
                                .map(|r| r.title(tr.lang))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ],
                    )
                },
            ),
            Err(e) => fail(ctx, e),
        },
    }
}

async fn upload(
    app: AppState,
    ctx: Ctx,
    user: &StaffUser,
    kind: Kind,
    form: Result<Vec<Part>, String>,
) -> Response {
    let Ok(parts) = form else {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "admin-import-unreadable");
    };
    let up = read_upload(parts);
    if !up.apply {
        return show_plan(&app, &ctx, user, kind, &up.bytes).await;
    }
    let store = app.store.as_ref();
    let now = app.clock.now();
    let done = match kind {
        Kind::Bodies => import::import_bodies(store, user, &up.bytes, now).await,
        Kind::Staff => import::import_staff(store, user, &up.bytes, now).await,
        Kind::Branches => import::import_branches(store, user, &up.bytes, now).await,
    };
    match done {
        Ok(n) => {
            tracing::info!(imported = n, staff = user.id, "import applied");
            Redirect::to(&format!("{}?imported={n}", kind.path())).into_response()
        }
        // The file or the database changed since the preview: show the preview again.
        Err(Error::Refused { .. }) => show_plan(&app, &ctx, user, kind, &up.bytes).await,
        Err(e) => fail(&ctx, e),
    }
}

pub async fn bodies(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfMultipart(form): CsrfMultipart,
) -> Response {
    upload(app, ctx, &user, Kind::Bodies, form).await
}

pub async fn staff(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfMultipart(form): CsrfMultipart,
) -> Response {
    upload(app, ctx, &user, Kind::Staff, form).await
}

pub async fn branches(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfMultipart(form): CsrfMultipart,
) -> Response {
    upload(app, ctx, &user, Kind::Branches, form).await
}

pub async fn branches_template(ctx: Ctx) -> Response {
    let tr = ctx.tr;
    let yes = tr.get("admin-yes");
    template(
        "branches.csv",
        import::template(
            import::BRANCH_COLUMNS,
            tr.lang,
            &[
                "AST-1",
                "Астана қ. ХҚКО №1",
                "ЦОН №1 г. Астаны",
                "PSC No. 1, Astana",
                "Астана",
                "Астана",
                "Астана, Тұран даңғ., 1",
                "Астана, пр. Туран, 1",
                &yes,
                "2",
                "1414",
            ],
        ),
    )
}

/// A template to fill in, in the reader's language: the header line and one example line.
fn template(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn bodies_template(ctx: Ctx) -> Response {
    let tr = ctx.tr;
    let yes = tr.get("admin-yes");
    let no = tr.get("admin-no");
    template(
        "bodies.csv",
        import::template(
            import::BODY_COLUMNS,
            tr.lang,
            &[
                "000740001307",
                "Мысал министрлігі",
                "Министерство примера",
                "Ministry of Example",
                "",
                "education;health",
                "",
                &yes,
                &no,
                "+7 7172 000000",
                "kense@example.gov.kz",
                "Астана, Мәңгілік Ел, 8",
                "Астана, Мангилик Ел, 8",
            ],
        ),
    )
}

pub async fn staff_template(ctx: Ctx) -> Response {
    use otinish_domain::model::Role;
    let lang = ctx.tr.lang;
    let roles = [Role::Registrar, Role::Executor]
        .map(|r| r.title(lang))
        .join(";");
    let position = match lang {
        otinish_domain::lang::Lang::Kk => "бас маман",
        otinish_domain::lang::Lang::Ru => "главный специалист",
        otinish_domain::lang::Lang::En => "chief specialist",
    };
    let kazakh = match lang {
        otinish_domain::lang::Lang::Kk => "қазақша",
        otinish_domain::lang::Lang::Ru => "казахский",
        otinish_domain::lang::Lang::En => "Kazakh",
    };
    template(
        "staff.csv",
        import::template(
            import::STAFF_COLUMNS,
            lang,
            &[
                "870412300129",
                "Ахметов Ерлан Серикович",
                position,
                "000740001307",
                "",
                &roles,
                "",
                "e.akhmetov@example.gov.kz",
                kazakh,
            ],
        ),
    )
}
