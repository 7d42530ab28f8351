//! Reports for staff and the public (EA-13, GEN-04, PR-13): form 1-OL per body and rolled up
//! the hierarchy (page, XLSX, CSV, JSON; the same builder serves `otinish report 1-ol`), the
//! dashboard of heads and controllers, and the open statistics page. Every figure comes from
//! `otinish_domain::report`; this module reads the store, formats and authorises.

use crate::context::Ctx;
use crate::i18n::Tr;
use crate::pages::{page_error, page_error_message, render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use otinish_domain::lang::Lang;
use otinish_domain::model::{Body, Role, StaffUser};
use otinish_domain::repo::{CardScope, Store, StoreError};
use otinish_domain::report::{self, BodyNode, OneOl, TallyCut};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use otinish_app::reports::{
    all_bodies, build_one_ol, day_start, one_ol_csv, one_ol_json, one_ol_xlsx, period_text,
    row_label, section_key, OlColumn, OlReport, ReportError,
};

// ---------------------------------------------------------------- the 1-OL page

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    t: Tr,
    layout: Layout,
    body: String,
    bodies: Vec<(String, String)>,
    from: String,
    to: String,
    rollup: bool,
    query: String,
    period: String,
    /// Column headings: the bodies, then the total.
    heads: Vec<String>,
    /// (section heading if it starts here, label, a value per column).
    rows: Vec<(Option<String>, String, Vec<i64>)>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ReportQuery {
    body: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// The older form of the period: a whole year.
    year: Option<String>,
    rollup: Option<String>,
    format: Option<String>,
}

/// The bodies whose reports the user may read: a registrar's or head's own body and those
/// below it; every body for the government office.
fn readable(user: &StaffUser, bodies: &[Body]) -> Vec<i64> {
    if user.active && user.has_role(Role::GovernmentOffice) {
        return bodies.iter().map(|b| b.id).collect();
    }
    match user.body_id {
        Some(own)
            if user.active && (user.has_role(Role::Registrar) || user.has_role(Role::Head)) =>
        {
            let nodes: Vec<BodyNode> = bodies
                .iter()
                .map(|b| BodyNode {
                    id: b.id,
                    parent: b.parent_id,
                })
                .collect();
            report::subtree(&nodes, own).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

/// Every body, the place among them of the body a report or dashboard is asked for (by code,
/// or the signed-in user's own), and the ids of the bodies the user may read. Otherwise the
/// page to answer with: the sign-in page, a 403 or 404, or an error.
#[allow(clippy::result_large_err)]
async fn report_scope(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    asked: Option<&str>,
) -> Result<(Vec<Body>, usize, Vec<i64>), Response> {
    let bodies = all_bodies(app.store.as_ref())
        .await
        .map_err(|e| internal(ctx, &e))?;
    let allowed = readable(user, &bodies);
    if allowed.is_empty() {
        return Err(page_error(ctx, StatusCode::FORBIDDEN, "error-forbidden"));
    }
    let chosen = match asked.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => bodies
            .iter()
            .position(|b| b.code.eq_ignore_ascii_case(code)),
        None => {
            let own = user
                .body_id
                .filter(|b| allowed.contains(b))
                .unwrap_or(allowed[0]);
            bodies.iter().position(|b| b.id == own)
        }
    };
    let Some(chosen) = chosen else {
        return Err(page_error(ctx, StatusCode::NOT_FOUND, "error-not-found"));
    };
    if !allowed.contains(&bodies[chosen].id) {
        return Err(page_error(ctx, StatusCode::FORBIDDEN, "error-forbidden"));
    }
    Ok((bodies, chosen, allowed))
}

fn parse_day(s: Option<&str>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
}

/// EA-13: form 1-OL as a page, XLSX, CSV or JSON.
pub async fn one_ol(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::extract::Staff(user): crate::extract::Staff,
    Query(q): Query<ReportQuery>,
) -> Response {
    let (bodies, at, allowed) = match report_scope(&app, &ctx, &user, q.body.as_deref()).await {
        Ok(scope) => scope,
        Err(page) => return page,
    };
    let chosen = &bodies[at];
    let cal = app.calendar.read().await.clone();
    let today = cal.zone().local_date(app.clock.now());
    let year = q.year.as_deref().and_then(|y| y.trim().parse::<i32>().ok());
    let (from, to) = match (year, q.from.as_deref(), q.to.as_deref()) {
        (Some(y), None, None) => match (
            NaiveDate::from_ymd_opt(y, 1, 1),
            NaiveDate::from_ymd_opt(y, 12, 31),
        ) {
            (Some(a), Some(b)) => (a, b),
            _ => return page_error(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "error-bad-date"),
        },
        (_, f, t) => {
            let from = match f.filter(|s| !s.is_empty()) {
                None => NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
                Some(s) => match parse_day(Some(s)) {
                    Some(d) => d,
                    None => {
                        return page_error(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "error-bad-date")
                    }
                },
            };
            let to = match t.filter(|s| !s.is_empty()) {
                None => today,
                Some(s) => match parse_day(Some(s)) {
                    Some(d) => d,
                    None => {
                        return page_error(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "error-bad-date")
                    }
                },
            };
            (from, to)
        }
    };
    let rollup = q.rollup.as_deref().is_some_and(|r| r == "1" || r == "on");
    if !offered(q.format.as_deref(), &["csv", "json", "xlsx"])
        || !offered(q.rollup.as_deref(), &["1", "on"])
    {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "error-bad-request");
    }
    let r = match build_one_ol(
        app.store.as_ref(),
        &cal,
        &chosen.code,
        rollup,
        from,
        to,
        app.clock.now(),
    )
    .await
    {
        Ok(r) => r,
        Err(ReportError::BadPeriod) => {
            return page_error_message(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                ctx.tr.get("report-bad-period"),
            )
        }
        Err(ReportError::UnknownBody(_)) => {
            return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found")
        }
        Err(ReportError::Store(e)) => return internal(&ctx, &e),
    };
    let file = format!("1-ol-{}-{}-{}", chosen.code, from, to);
    match q.format.as_deref() {
        Some("csv") => {
            return download(
                "text/csv; charset=utf-8",
                &format!("{file}.csv"),
                one_ol_csv(&r).into_bytes(),
            )
        }
        Some("json") => {
            return download("application/json", &format!("{file}.json"), one_ol_json(&r))
        }
        Some("xlsx") => {
            return match one_ol_xlsx(&r) {
                Ok(bytes) => download(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &format!("{file}.xlsx"),
                    bytes,
                ),
                Err(e) => {
                    tracing::error!(error = %e, "1-OL xlsx");
                    page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
                }
            }
        }
        _ => {}
    }
    let tr = ctx.tr;
    let columns: Vec<Vec<(String, i64)>> = r.columns.iter().map(|c| c.figures.rows()).collect();
    let mut last = "";
    let rows = r
        .total
        .rows()
        .into_iter()
        .enumerate()
        .map(|(i, (key, total))| {
            let sec = section_key(&key);
            let heading = (sec != last).then(|| tr.get(sec));
            last = sec;
            let mut values: Vec<i64> = if r.columns.len() > 1 {
                columns
                    .iter()
                    .map(|c| c.get(i).map_or(0, |x| x.1))
                    .collect()
            } else {
                Vec::new()
            };
            values.push(total);
            (heading, row_label(tr, &key), values)
        })
        .collect();
    let mut heads: Vec<String> = if r.columns.len() > 1 {
        r.columns.iter().map(|c| c.code.clone()).collect()
    } else {
        Vec::new()
    };
    heads.push(tr.get("report-total"));
    let query = format!(
        "body={}&from={from}&to={to}{}",
        chosen.code,
        if rollup { "&rollup=1" } else { "" }
    );
    render(ReportPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        body: chosen.code.clone(),
        bodies: bodies
            .iter()
            .filter(|b| allowed.contains(&b.id))
            .map(|b| {
                (
                    b.code.clone(),
                    format!("{} — {}", b.code, b.name.get(tr.lang)),
                )
            })
            .collect(),
        from: from.to_string(),
        to: to.to_string(),
        rollup,
        query,
        period: period_text(&r),
        heads,
        rows,
    })
}

fn download(mime: &str, name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, mime.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn internal(ctx: &Ctx, e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "report");
    page_error(ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
}

// ---------------------------------------------------------------- charts

/// A bar chart as SVG, drawn on the server: readable without JavaScript and printable. Labels
/// are escaped; `values` and `labels` pair up.
pub fn bar_chart(title: &str, labels: &[String], values: &[Option<i64>]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let (w, h, left, bottom, top) = (640.0_f64, 240.0_f64, 40.0_f64, 48.0_f64, 28.0_f64);
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let n = values.len().max(1) as f64;
    let slot = (w - left - 8.0) / n;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{t}\" class=\"chart\">\
         <title>{t}</title><text x=\"{left}\" y=\"16\" class=\"chart-title\">{t}</text>\
         <line x1=\"{left}\" y1=\"{y0}\" x2=\"{w}\" y2=\"{y0}\" stroke=\"#6b7785\"/>\
         <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" class=\"chart-axis\">{m}</text>",
        t = esc(title),
        y0 = h - bottom,
        lx = left - 4.0,
        ty = top + 4.0,
        m = max as i64,
    );
    for (i, (label, v)) in labels.iter().zip(values).enumerate() {
        let x = left + slot * i as f64 + slot * 0.15;
        let bw = slot * 0.7;
        let cx = x + bw / 2.0;
        match v {
            Some(v) => {
                let bh = (h - bottom - top) * (*v as f64) / max;
                let y = h - bottom - bh;
                svg.push_str(&format!(
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\" fill=\"#005a8c\"><title>{l}: {v}</title></rect>\
                     <text x=\"{cx:.1}\" y=\"{vy:.1}\" text-anchor=\"middle\" class=\"chart-value\">{v}</text>",
                    l = esc(label),
                    vy = y - 3.0,
                ));
            }
            None => svg.push_str(&format!(
                "<text x=\"{cx:.1}\" y=\"{vy:.1}\" text-anchor=\"middle\" class=\"chart-value\">&lt;{s}</text>",
                vy = h - bottom - 3.0,
                s = report::SMALL_COUNT,
            )),
        }
        svg.push_str(&format!(
            "<text x=\"{cx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" class=\"chart-label\">{l}</text>",
            ly = h - bottom + 16.0,
            l = esc(label),
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The first days of the `n` months ending with the month of `today`, and the day after.
fn month_bounds(today: NaiveDate, n: u32) -> Vec<NaiveDate> {
    let this = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    (0..=n)
        .filter_map(|i| {
            if i < n {
                this.checked_sub_months(Months::new(n - 1 - i))
            } else {
                this.checked_add_months(Months::new(1))
            }
        })
        .collect()
}

// ---------------------------------------------------------------- dashboard

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: Tr,
    layout: Layout,
    body: String,
    bodies: Vec<(String, String)>,
    due_today: i64,
    overdue: i64,
    /// Overdue cards: (id, registration number or —, due date).
    overdue_cards: Vec<(i64, String, String)>,
    loads: Vec<(String, i64)>,
    load_chart: String,
    median: String,
    answered_note: String,
    trend_chart: String,
    ratings: Vec<(u8, i64)>,
    rating_avg: String,
    rating_chart: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct DashboardQuery {
    body: Option<String>,
}

/// GEN-04, EA-13, PR-13: the dashboard of heads and controllers: today's due and overdue
/// cards, each executor's load, the median time to answer, the year's trend and the
/// satisfaction survey.
pub async fn dashboard(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::extract::Staff(user): crate::extract::Staff,
    Query(q): Query<DashboardQuery>,
) -> Response {
    let (bodies, at, allowed) = match report_scope(&app, &ctx, &user, q.body.as_deref()).await {
        Ok(scope) => scope,
        Err(page) => return page,
    };
    let chosen = &bodies[at];
    match dashboard_page(&app, &ctx, chosen, &bodies, &allowed).await {
        Ok(page) => render(page),
        Err(e) => internal(&ctx, &e),
    }
}

async fn dashboard_page(
    app: &AppState,
    ctx: &Ctx,
    chosen: &Body,
    bodies: &[Body],
    allowed: &[i64],
) -> Result<DashboardPage, StoreError> {
    let tr = ctx.tr;
    let cal = app.calendar.read().await.clone();
    let now = app.clock.now();
    let today = cal.zone().local_date(now);
    let start_today = day_start(&cal, today);
    // Terms end at the last second of their day: due today is before the next day begins.
    let end_today = cal.zone().end_of_day(today) + chrono::Duration::seconds(1);
    let scope = CardScope {
        body_id: chosen.id,
        executor_id: None,
    };
    let due = app
        .store
        .due_summary(scope, start_today, end_today, 10)
        .await?;
    let overdue_cards = due
        .first_overdue
        .iter()
        .map(|(c, due)| {
            (
                c.id,
                c.reg_number
                    .as_ref()
                    .map_or_else(|| "—".to_owned(), |n| n.to_string()),
                cal.zone().local_date(*due).format("%d.%m.%Y").to_string(),
            )
        })
        .collect();
    let loads: Vec<(String, i64)> = app
        .store
        .executor_loads(chosen.id)
        .await?
        .into_iter()
        .filter(|(u, _)| u.has_role(Role::Executor))
        .map(|(u, n)| (u.full_name, n))
        .collect();
    let load_chart = bar_chart(
        &tr.get("dash-load"),
        &loads.iter().map(|l| l.0.clone()).collect::<Vec<_>>(),
        &loads.iter().map(|l| Some(l.1)).collect::<Vec<_>>(),
    );
    let ids = [chosen.id];
    let (answered_90, hours) = app
        .store
        .answer_hours_middle(&ids, now - chrono::Duration::days(90), now)
        .await?;
    let median = match report::median(hours) {
        Some(h) => tr.with(
            "dash-median-value",
            &[
                ("days", (h / 24).to_string()),
                ("hours", (h % 24).to_string()),
            ],
        ),
        None => "—".to_owned(),
    };
    let months = month_bounds(today, 12);
    let counts: Vec<i64> = app
        .store
        .tally_months(
            &ids,
            *months.first().unwrap_or(&today),
            *months.last().unwrap_or(&today),
        )
        .await?
        .into_iter()
        .map(|m| m.1)
        .collect();
    let trend_chart = bar_chart(
        &tr.get("dash-trend"),
        &months[..months.len() - 1]
            .iter()
            .map(|d| d.format("%m.%y").to_string())
            .collect::<Vec<_>>(),
        &counts.iter().map(|n| Some(*n)).collect::<Vec<_>>(),
    );
    let year_ago = today.checked_sub_months(Months::new(12)).unwrap_or(today);
    let r = app
        .store
        .survey_ratings(&ids, day_start(&cal, year_ago), now)
        .await?;
    let answers: i64 = r.iter().sum();
    let rating_avg = if answers == 0 {
        "—".to_owned()
    } else {
        let sum: i64 = r.iter().enumerate().map(|(i, n)| (i as i64 + 1) * n).sum();
        format!("{:.1}", sum as f64 / answers as f64)
    };
    let ratings: Vec<(u8, i64)> = (1..=5u8)
        .rev()
        .map(|k| (k, r[usize::from(k - 1)]))
        .collect();
    let rating_chart = bar_chart(
        &tr.get("dash-satisfaction"),
        &ratings
            .iter()
            .map(|(k, _)| k.to_string())
            .collect::<Vec<_>>(),
        &ratings.iter().map(|(_, n)| Some(*n)).collect::<Vec<_>>(),
    );
    Ok(DashboardPage {
        t: tr,
        layout: Layout::new(app, ctx),
        body: chosen.code.clone(),
        bodies: bodies
            .iter()
            .filter(|b| allowed.contains(&b.id))
            .map(|b| {
                (
                    b.code.clone(),
                    format!("{} — {}", b.code, b.name.get(tr.lang)),
                )
            })
            .collect(),
        due_today: due.due - due.overdue,
        overdue: due.overdue,
        overdue_cards,
        loads,
        load_chart,
        median,
        answered_note: tr.with("dash-answered-90", &[("n", answered_90.to_string())]),
        trend_chart,
        ratings,
        rating_avg,
        rating_chart,
    })
}

// ---------------------------------------------------------------- open statistics

/// One body's published figures for a year; a withheld count is `null` (module doc).
#[derive(Debug, Clone, Serialize)]
pub struct OpenLine {
    pub code: String,
    pub name: String,
    pub received: Option<i64>,
    pub answered_in_term: Option<i64>,
    pub answered_late: Option<i64>,
    pub in_progress: Option<i64>,
    pub redirected: Option<i64>,
}

impl OpenLine {
    /// The published counts in the order of the page's columns.
    pub fn cells(&self) -> Vec<Option<i64>> {
        vec![
            self.received,
            self.answered_in_term,
            self.answered_late,
            self.in_progress,
            self.redirected,
        ]
    }
}

/// The open statistics of a year: per body, and the country's totals by kind and channel.
#[derive(Debug, Clone, Serialize)]
pub struct OpenStats {
    pub year: i32,
    /// Counts from 1 to this minus one are withheld.
    pub small_count: i64,
    pub bodies: Vec<OpenLine>,
    pub by_kind: Vec<(String, Option<i64>)>,
    pub by_channel: Vec<(String, Option<i64>)>,
    pub by_month: Vec<(String, Option<i64>)>,
}

/// Builds the open statistics of `year` with small counts withheld.
pub async fn open_stats(
    store: &dyn Store,
    year: i32,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<OpenStats, ReportError> {
    let bodies = all_bodies(store).await?;
    let (Some(from), Some(end)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year + 1, 1, 1),
    ) else {
        return Err(ReportError::BadPeriod);
    };
    let ids: Vec<i64> = bodies.iter().map(|b| b.id).collect();
    // Read from the tally the database keeps as cards move: the same cost for a thousand
    // cards or a million, on a page anyone may ask for. Two small cuts (each body's outcomes;
    // the kinds and channels of all), not every combination of the two.
    let groups = store
        .tally_groups(&ids, year, now, TallyCut::Outcomes)
        .await?;
    let all: BTreeSet<i64> = ids.iter().copied().collect();
    let total = OneOl::from_groups(
        &store
            .tally_groups(&ids, year, now, TallyCut::Origins)
            .await?,
        &all,
    );
    // Each body's line from its own groups: the cost grows with the groups, not with the
    // bodies times the groups.
    let mut per_body: std::collections::HashMap<i64, Vec<report::ReportGroup>> =
        std::collections::HashMap::new();
    for g in &groups {
        per_body.entry(g.body_id).or_default().push(g.clone());
    }
    let mut lines = Vec::new();
    for b in &bodies {
        let Some(own) = per_body.get(&b.id) else {
            continue;
        };
        let f = OneOl::from_groups(own, &BTreeSet::from([b.id]));
        if f.received == 0 {
            continue;
        }
        let redirected = f.by_resolution.get("redirected").copied().unwrap_or(0);
        let in_progress = f.by_resolution.get("in_progress").copied().unwrap_or(0);
        let raw = [f.closed_in_term, f.closed_late, in_progress, redirected];
        let parts = report::suppress(&raw);
        lines.push(OpenLine {
            code: b.code.clone(),
            name: b.name.get(lang).to_owned(),
            received: report::suppress(&[f.received])[0],
            answered_in_term: parts[0],
            answered_late: parts[1],
            in_progress: parts[2],
            redirected: parts[3],
        });
    }
    let tr = Tr::new(lang);
    let pair = |keys: Vec<(String, i64)>| {
        let values: Vec<i64> = keys.iter().map(|k| k.1).collect();
        keys.into_iter()
            .zip(report::suppress(&values))
            .map(|((k, _), v)| (row_label(tr, &k), v))
            .collect::<Vec<_>>()
    };
    let rows = total.rows();
    let by_kind = pair(
        rows.iter()
            .filter(|r| r.0.starts_with("kind."))
            .cloned()
            .collect(),
    );
    let by_channel = pair(
        rows.iter()
            .filter(|r| r.0.starts_with("channel."))
            .cloned()
            .collect(),
    );
    let (months, counts): (Vec<NaiveDate>, Vec<i64>) = store
        .tally_months(&ids, from, end)
        .await?
        .into_iter()
        .unzip();
    let by_month = months
        .iter()
        .zip(report::suppress(&counts))
        .map(|(m, v)| (m.format("%m.%Y").to_string(), v))
        .collect();
    Ok(OpenStats {
        year,
        small_count: report::SMALL_COUNT,
        bodies: lines,
        by_kind,
        by_channel,
        by_month,
    })
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    t: Tr,
    layout: Layout,
    year: i32,
    stats: OpenStats,
    suppressed_note: String,
    month_chart: String,
    channel_chart: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct StatisticsQuery {
    year: Option<String>,
    format: Option<String>,
}

/// The public statistics page, anyone may read it: counts per body, kind, channel and month,
/// charts, and the same figures as CSV and JSON. Small counts are withheld.
pub async fn statistics(
    State(app): State<AppState>,
    ctx: Ctx,
    Query(q): Query<StatisticsQuery>,
) -> Response {
    if !offered(q.format.as_deref(), &["csv", "json"]) {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "error-bad-request");
    }
    let cal = app.calendar.read().await.clone();
    let this_year = cal.zone().local_date(app.clock.now()).year();
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => this_year,
        Some(y) => match y
            .parse::<i32>()
            .ok()
            .filter(|y| (2011..=this_year).contains(y))
        {
            Some(y) => y,
            None => {
                return page_error_message(
                    &ctx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ctx.tr
                        .with("stats-bad-year", &[("last", this_year.to_string())]),
                )
            }
        },
    };
    let stats = match open_stats(app.store.as_ref(), year, ctx.tr.lang, app.clock.now()).await {
        Ok(s) => s,
        Err(e) => return internal(&ctx, &e),
    };
    let cell = |v: Option<i64>| v.map_or_else(String::new, |n| n.to_string());
    match q.format.as_deref() {
        Some("json") => {
            return download(
                "application/json",
                &format!("otinish-statistics-{year}.json"),
                serde_json::to_vec_pretty(&stats).unwrap_or_default(),
            )
        }
        Some("csv") => {
            let mut out = String::from("\u{feff}body,name,received,answered_in_term,answered_late,in_progress,redirected\n");
            for l in &stats.bodies {
                out.push_str(&format!(
                    "{},\"{}\",{},{},{},{},{}\n",
                    l.code,
                    l.name.replace('"', "\"\""),
                    cell(l.received),
                    cell(l.answered_in_term),
                    cell(l.answered_late),
                    cell(l.in_progress),
                    cell(l.redirected)
                ));
            }
            return download(
                "text/csv; charset=utf-8",
                &format!("otinish-statistics-{year}.csv"),
                out.into_bytes(),
            );
        }
        _ => {}
    }
    let month_chart = bar_chart(
        &ctx.tr.get("stats-by-month"),
        &stats
            .by_month
            .iter()
            .map(|m| m.0[..2].to_owned())
            .collect::<Vec<_>>(),
        &stats.by_month.iter().map(|m| m.1).collect::<Vec<_>>(),
    );
    let channel_chart = bar_chart(
        &ctx.tr.get("report-by-channel"),
        &stats
            .by_channel
            .iter()
            .map(|m| m.0.clone())
            .collect::<Vec<_>>(),
        &stats.by_channel.iter().map(|m| m.1).collect::<Vec<_>>(),
    );
    render(StatisticsPage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
        year,
        suppressed_note: ctx.tr.with(
            "stats-suppressed",
            &[("n", report::SMALL_COUNT.to_string())],
        ),
        stats,
        month_chart,
        channel_chart,
    })
}

/// Whether a query value is absent, empty, or one of `known` (what the page's links and forms
/// send); anything else is refused with 400 before the page is built.
fn offered(v: Option<&str>, known: &[&str]) -> bool {
    v.is_none_or(|v| v.is_empty() || known.contains(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_chart_escapes_labels_and_marks_withheld_counts() {
        let svg = bar_chart("<b>", &["a&b".into(), "c".into()], &[Some(10), None]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("&lt;b&gt;") && svg.contains("a&amp;b"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("&lt;5"));
    }

    #[test]
    fn twelve_months_end_with_this_one() {
        let m = month_bounds(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(), 12);
        assert_eq!(m.len(), 13);
        assert_eq!(m[0], NaiveDate::from_ymd_opt(2025, 12, 1).unwrap());
        assert_eq!(m[11], NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        assert_eq!(m[12], NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
    }
}
