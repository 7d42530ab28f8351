//! Reports for staff: form 1-OL for the user's body and a year (EA-13), as a page and CSV.

use crate::context::Ctx;
use crate::i18n::Tr;
use crate::pages::{page_error, render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use otinish_domain::model::Role;
use otinish_domain::report::OneOl;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    t: Tr,
    layout: Layout,
    body: String,
    year: i32,
    sections: Vec<(String, Vec<(String, i64)>)>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ReportQuery {
    year: Option<String>,
    format: Option<String>,
}

/// The report's rows, labelled in the reader's language.
pub fn sections(tr: Tr, r: &OneOl) -> Vec<(String, Vec<(String, i64)>)> {
    let label = |prefix: &str, key: &str| tr.get(&format!("{prefix}-{}", key.replace('_', "-")));
    vec![
        (
            tr.get("report-totals"),
            vec![
                (tr.get("report-received"), r.received),
                (tr.get("report-redirected"), r.redirected),
                (tr.get("report-repeated"), r.repeated_attached),
                (tr.get("report-collective"), r.collective),
                (tr.get("report-refused"), r.refused_registration),
            ],
        ),
        (
            tr.get("report-by-kind"),
            r.by_kind
                .iter()
                .map(|(k, n)| (label("kind", k), *n))
                .collect(),
        ),
        (
            tr.get("report-by-channel"),
            r.by_channel
                .iter()
                .map(|(k, n)| (label("channel", k), *n))
                .collect(),
        ),
        (
            tr.get("report-by-decision"),
            r.by_decision
                .iter()
                .map(|(k, n)| (label("decision", k), *n))
                .collect(),
        ),
        (
            tr.get("report-terms"),
            vec![
                (tr.get("report-closed-in-term"), r.closed_in_term),
                (tr.get("report-closed-late"), r.closed_late),
                (tr.get("report-open-in-term"), r.open_in_term),
                (tr.get("report-open-overdue"), r.open_overdue),
            ],
        ),
    ]
}

/// EA-13: form 1-OL for the signed-in registrar's or head's body.
pub async fn one_ol(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReportQuery>,
) -> Response {
    let Some(user) = ctx.user.clone() else {
        return Redirect::to("/staff/login").into_response();
    };
    let Some(body_id) = user
        .body_id
        .filter(|_| user.has_role(Role::Registrar) || user.has_role(Role::Head))
    else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let cal = app.calendar.read().await.clone();
    let this_year = cal.zone().local_date(app.clock.now()).year();
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.parse::<i32>().ok())
        .filter(|y| (2011..=2100).contains(y))
        .unwrap_or(this_year);
    let start = |y: i32| {
        NaiveDate::from_ymd_opt(y, 1, 1).map(|d| {
            cal.zone().end_of_day(d) - chrono::Duration::days(1) + chrono::Duration::seconds(1)
        })
    };
    let (Some(from), Some(to)) = (start(year), start(year + 1)) else {
        return page_error(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "error-bad-date");
    };
    let groups = match app
        .store
        .report_groups(body_id, from, to, app.clock.now())
        .await
    {
        Ok(g) => g,
        Err(e) => {
            tracing::error!(error = %e, "1-OL");
            return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal");
        }
    };
    let report = OneOl::from_groups(&groups);
    let body = app
        .store
        .body(body_id)
        .await
        .map(|b| b.name.get(ctx.tr.lang).to_owned())
        .unwrap_or_default();
    let sections = sections(ctx.tr, &report);
    if q.format.as_deref() == Some("csv") {
        let mut csv = String::from("\u{feff}section;row;count\n");
        for (s, rows) in &sections {
            for (r, n) in rows {
                csv.push_str(&format!(
                    "\"{}\";\"{}\";{n}\n",
                    s.replace('"', "\"\""),
                    r.replace('"', "\"\"")
                ));
            }
        }
        return (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"1-ol-{year}.csv\""),
                ),
            ],
            csv,
        )
            .into_response();
    }
    render(ReportPage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
        body,
        year,
        sections,
    })
}
