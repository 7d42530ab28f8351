//! VC-20: every access of staff to an applicant's personal data is recorded before the data is
//! shown, and each body's security officer reviews the record: who, when, which card, what.
//! The record holds ids only; names, IINs and appeal texts never enter it.

use crate::context::Ctx;
use crate::extract::Staff;
use crate::i18n::Tr;
use crate::pages::page_number;
use crate::pages::{page_error, render, Layout, Pager};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use otinish_domain::model::Role;
use otinish_domain::repo::{AccessFilter, PageRequest, StoreError};
use serde::Deserialize;

/// The page shown instead of personal data when the access could not be recorded.
pub fn not_recorded(ctx: &Ctx, e: &StoreError) -> Response {
    tracing::error!(error = %e, "an access to personal data could not be recorded");
    page_error(ctx, StatusCode::SERVICE_UNAVAILABLE, "error-internal")
}

#[derive(Debug, Deserialize, Default)]
pub struct LogQuery {
    staff: Option<String>,
    card: Option<String>,
    page: Option<String>,
}

struct Row {
    when: String,
    staff: String,
    card_id: i64,
    kind: String,
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct LogPage {
    t: Tr,
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
    staff: String,
    card: String,
    message: Option<String>,
}

/// Parses an optional id filter: empty is none; anything else must be a positive number.
fn id_filter(v: Option<&str>) -> Result<Option<i64>, ()> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse::<i64>().ok().filter(|n| *n > 0).map(Some).ok_or(()),
    }
}

/// VC-20: the body's record of accesses to personal data, newest first, for its security
/// officer; filtered by staff member or card.
pub async fn log(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<LogQuery>,
) -> Response {
    let Some(body_id) = user
        .body_id
        .filter(|_| user.active && user.has_role(Role::SecurityOfficer))
    else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let tr = ctx.tr;
    let (staff, card) = (id_filter(q.staff.as_deref()), id_filter(q.card.as_deref()));
    let (filter, message, status) = match (staff, card) {
        (Ok(staff_id), Ok(card_id)) => (AccessFilter { staff_id, card_id }, None, StatusCode::OK),
        _ => (
            AccessFilter::default(),
            Some(tr.get("access-filter-invalid")),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let Some(page_no) = page_number(q.page.as_deref()) else {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "error-bad-request");
    };
    let req = PageRequest::new(Some(50), Some((page_no - 1) * 50));
    let page = match app.store.access_log(body_id, &filter, req).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "access log");
            return page_error(&ctx, StatusCode::SERVICE_UNAVAILABLE, "error-internal");
        }
    };
    let zone = app.calendar.read().await.zone().tz;
    let rows = page
        .items
        .iter()
        .map(|e| Row {
            when: e
                .at
                .with_timezone(&zone)
                .format("%d.%m.%Y %H:%M:%S")
                .to_string(),
            staff: format!("{} (#{})", e.staff_name, e.staff_id),
            card_id: e.card_id,
            kind: tr.get(&format!(
                "access-kind-{}",
                e.kind.as_str().replace('_', "-")
            )),
        })
        .collect();
    let keep = |name: &str, v: Option<i64>| v.map(|v| format!("&{name}={v}")).unwrap_or_default();
    let other = format!(
        "{}{}",
        keep("staff", filter.staff_id),
        keep("card", filter.card_id)
    );
    let mut response = render(LogPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        rows,
        pager: Pager::new(tr, page.total, req, "page", &other),
        staff: filter.staff_id.map(|v| v.to_string()).unwrap_or_default(),
        card: filter.card_id.map(|v| v.to_string()).unwrap_or_default(),
        message,
    });
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_filters_accept_empty_or_positive_numbers_only() {
        assert_eq!(id_filter(None), Ok(None));
        assert_eq!(id_filter(Some("  ")), Ok(None));
        assert_eq!(id_filter(Some(" 17 ")), Ok(Some(17)));
        assert_eq!(id_filter(Some("0")), Err(()));
        assert_eq!(id_filter(Some("1 OR 1=1")), Err(()));
    }
}
