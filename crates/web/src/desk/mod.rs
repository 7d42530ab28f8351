//! The body's side: the registrar's inbox, the executor's cards, the registration-control card
//! with the actions each role may take on it. Every page checks the user's role and body;
//! opening a card with personal data is logged (VC-20).

mod card;
use crate::cabinet::{deadline_lines, error_text, local, serve_attachment, state_text};
use crate::context::Ctx;
use crate::eappeal::AppealError;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{page_error, page_number, render, Layout, Pager};
use crate::{App, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
pub use card::*;
use otinish_domain::model::{
    AccessKind, Applicant, Card, CardState, OutOfScopeGround, Role, StaffUser,
};
use otinish_domain::repo::{CardScope, PageRequest};
use otinish_domain::search::SearchQuery;
use serde::Deserialize;

struct CardRow {
    id: i64,
    number: String,
    kind: String,
    summary: String,
    state: String,
    received: String,
    executor: String,
    due: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    t: Tr,
    layout: Layout,
    title: String,
    /// On the search page: the query as typed.
    search: Option<String>,
    /// A note above the list (nothing found, or the query's problem on the search page).
    message: Option<String>,
    filters: Vec<(String, String, bool)>,
    show_table: bool,
    cards: Vec<CardRow>,
    pager: Pager,
    /// The inbox's narrowing and order.
    list: Option<ListForm>,
}

#[derive(Debug, Deserialize, Default)]
pub struct InboxQuery {
    state: Option<String>,
    page: Option<String>,
    kind: Option<String>,
    channel: Option<String>,
    executor: Option<String>,
    /// `overdue`, or `week` (the answer is due by the end of this week).
    due: Option<String>,
    sort: Option<String>,
}

/// The inbox's tabs by state.
const INBOX_STATES: [&str; 5] = [
    "received",
    "in_execution",
    "answered",
    "redirected",
    "archived",
];

impl InboxQuery {
    /// Whether every value is one the lists offer (or empty): anything else is refused with 400
    /// before the page is built, never carried into it.
    fn is_known(&self) -> bool {
        use otinish_domain::model::{AppealKind, Channel};
        use otinish_domain::repo::CardSort;
        let ok = |v: &Option<String>, known: &dyn Fn(&str) -> bool| {
            v.as_deref().is_none_or(|v| v.is_empty() || known(v))
        };
        let number = |v: &str| v.len() <= 12 && v.bytes().all(|b| b.is_ascii_digit());
        ok(&self.state, &|v| INBOX_STATES.contains(&v))
            && ok(&self.page, &number)
            && ok(&self.executor, &number)
            && ok(&self.kind, &|v| AppealKind::parse(v).is_some())
            && ok(&self.channel, &|v| Channel::parse(v).is_some())
            && ok(&self.due, &|v| v == "overdue" || v == "week")
            && ok(&self.sort, &|v| CardSort::parse(v).is_some())
    }
}

/// The inbox's narrowing and order as chosen, each choice a list of (value, label, chosen)
/// for its select; the first option of each allows all.
struct ListChoices {
    kinds: Vec<(String, String, bool)>,
    channels: Vec<(String, String, bool)>,
    executors: Vec<(String, String, bool)>,
    dues: Vec<(String, String, bool)>,
    sorts: Vec<(String, String, bool)>,
    /// The choices as query parameters, for the pager and the state tabs (values come from
    /// the closed lists above, never from the request as typed).
    query: String,
    /// Something narrows the list (an empty list then says nothing matches).
    narrowed: bool,
}

fn options<T: Copy + PartialEq>(
    all_label: String,
    items: impl IntoIterator<Item = (T, String, String)>,
    chosen: Option<T>,
) -> Vec<(String, String, bool)> {
    let mut out = vec![(String::new(), all_label, chosen.is_none())];
    for (v, key, label) in items {
        out.push((key, label, chosen == Some(v)));
    }
    out
}

/// VC-20: a card and its applicant's personal data are seen by those who handle the case: the
/// body's registrars and heads, the executor it is assigned to, and for a VKS request the
/// body's reception secretaries.
/// Whether `user` may open `card` (VC-20): for other modules' pages of a card.
pub fn may_see_card(user: &StaffUser, card: &Card) -> bool {
    may_see(user, card)
}

fn may_see(user: &StaffUser, card: &Card) -> bool {
    user.active
        && user.body_id == Some(card.body_id)
        && (user.has_role(Role::Registrar)
            || user.has_role(Role::Head)
            || card.executor_id == Some(user.id)
            || (user.has_role(Role::ReceptionSecretary)
                && card.channel == otinish_domain::model::Channel::Vks))
}

async fn rows(app: &App, tr: Tr, cards: &[Card]) -> Vec<CardRow> {
    let now = app.clock.now();
    let mut out = Vec::with_capacity(cards.len());
    let mut names = StaffNames::default();
    let ids: Vec<i64> = cards.iter().map(|c| c.id).collect();
    let all = app.store.deadline_dates(&ids).await.unwrap_or_default();
    for c in cards {
        let ds: Vec<otinish_domain::repo::StoredDeadline> = all
            .iter()
            .filter(|(id, _)| *id == c.id)
            .map(|(_, d)| d.clone())
            .collect();
        // One rule for every view: the case's current term, and whether it is overdue.
        let next = otinish_domain::deadline::current_term(c.state, &ds);
        let executor = match c.executor_id {
            Some(id) => names.of(app, id).await,
            None => String::new(),
        };
        out.push(CardRow {
            id: c.id,
            number: c
                .reg_number
                .as_ref()
                .map(|n| n.to_string())
                .unwrap_or_default(),
            kind: tr.get(&format!("kind-{}", c.kind.as_str())),
            summary: c.summary.chars().take(120).collect(),
            state: state_text(tr, c.state),
            received: local(app, c.received_at),
            executor,
            due: next
                .map(|d| d.due_on.format("%d.%m.%Y").to_string())
                .unwrap_or_default(),
            overdue: otinish_domain::deadline::is_overdue(c.state, &ds, now),
        });
    }
    out
}

/// The registrar's inbox ("Received", EA-06/EA-08) and the body's other queues.
pub async fn inbox(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<InboxQuery>,
) -> Response {
    let tr = ctx.tr;
    let Some(body_id) = user.body_id.filter(|_| {
        [Role::Registrar, Role::Head]
            .iter()
            .any(|r| user.has_role(*r))
    }) else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    if !q.is_known() {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "error-bad-request");
    }
    let filters: [(&str, &[CardState]); 5] = [
        ("received", &[CardState::Received, CardState::Registered]),
        (
            "in_execution",
            &[CardState::InExecution, CardState::Decided],
        ),
        ("answered", &[CardState::Answered]),
        (
            "redirected",
            &[
                CardState::Redirected,
                CardState::Attached,
                CardState::Refused,
                CardState::ClosedOutOfScope,
            ],
        ),
        ("archived", &[CardState::Archived]),
    ];
    let chosen = q.state.as_deref().unwrap_or("received");
    let states = filters
        .iter()
        .find(|(k, _)| *k == chosen)
        .map(|(_, s)| *s)
        .unwrap_or(filters[0].1);
    let chosen = filters
        .iter()
        .map(|(k, _)| *k)
        .find(|k| *k == chosen)
        .unwrap_or(filters[0].0);
    let Some(page_no) = page_number(q.page.as_deref()) else {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "error-bad-request");
    };
    let req = PageRequest::new(Some(50), Some((page_no - 1) * 50));
    let (filter, sort, choices) = list_choices(&app, tr, body_id, &q, None).await;
    let page = match app
        .store
        .card_list(body_id, states, &filter, sort, req)
        .await
    {
        Ok(p) => p,
        Err(_) => return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
    };
    let cards = rows(&app, tr, &page.items).await;
    let filters = filters
        .iter()
        .map(|(k, s)| {
            (
                format!("{k}{}", choices.query),
                s.iter()
                    .map(|s| state_text(tr, *s))
                    .collect::<Vec<_>>()
                    .join(" / "),
                *k == chosen,
            )
        })
        .collect();
    let message = page.items.is_empty().then(|| {
        tr.get(if choices.narrowed {
            "list-none-match"
        } else {
            "list-empty"
        })
    });
    let pager = Pager::new(
        tr,
        page.total,
        req,
        "page",
        &format!("&state={chosen}{}", choices.query),
    );
    render(InboxPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        title: tr.get("staff-inbox"),
        search: None,
        message,
        filters,
        show_table: !page.items.is_empty(),
        cards,
        pager,
        list: Some(ListForm {
            state: Some(chosen.to_owned()),
            choices,
        }),
    })
}

/// Reads a list's narrowing and order from the query; values not on the lists are ignored.
/// With `fixed_executor` the list is one executor's and offers no choice of executor.
async fn list_choices(
    app: &App,
    tr: Tr,
    body_id: i64,
    q: &InboxQuery,
    fixed_executor: Option<i64>,
) -> (
    otinish_domain::repo::CardFilter,
    otinish_domain::repo::CardSort,
    ListChoices,
) {
    use otinish_domain::model::{AppealKind, Channel};
    use otinish_domain::repo::{CardFilter, CardSort};
    let pick = |v: &Option<String>| v.as_deref().filter(|v| !v.is_empty()).map(str::to_owned);
    let kind = pick(&q.kind).and_then(|k| AppealKind::parse(&k));
    let channel = pick(&q.channel).and_then(|c| Channel::parse(&c));
    let staff = app
        .store
        .executor_loads(body_id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(s, _)| s)
        .collect::<Vec<_>>();
    let executor = pick(&q.executor)
        .and_then(|e| e.parse::<i64>().ok())
        .filter(|e| fixed_executor.is_none() && staff.iter().any(|s| s.id == *e));
    let due = pick(&q.due).filter(|d| d == "overdue" || d == "week");
    let sort = pick(&q.sort)
        .and_then(|s| CardSort::parse(&s))
        .unwrap_or_default();
    let answer_due_before = match due.as_deref() {
        Some(d) => {
            use chrono::Datelike;
            let cal = app.calendar.read().await;
            let zone = cal.zone();
            let today = zone.local_date(app.clock.now());
            let last = if d == "week" {
                today
                    + chrono::Duration::days(6 - i64::from(today.weekday().num_days_from_monday()))
            } else {
                today - chrono::Duration::days(1)
            };
            // Terms end at the last moment of their day.
            Some(zone.end_of_day(last) + chrono::Duration::microseconds(1))
        }
        None => None,
    };
    let filter = CardFilter {
        kind,
        channel,
        executor_id: executor,
        answer_due_before,
    };
    let mut query = String::new();
    for (k, v) in [
        ("kind", kind.map(|k| k.as_str().to_owned())),
        ("channel", channel.map(|c| c.as_str().to_owned())),
        ("executor", executor.map(|e| e.to_string())),
        ("due", due.clone()),
        (
            "sort",
            (sort != CardSort::Received).then(|| sort.as_str().to_owned()),
        ),
    ] {
        if let Some(v) = v {
            query.push_str(&format!("&{k}={v}"));
        }
    }
    let choices = ListChoices {
        kinds: options(
            tr.get("list-any-kind"),
            AppealKind::ALL.iter().map(|k| {
                (
                    *k,
                    k.as_str().to_owned(),
                    tr.get(&format!("kind-{}", k.as_str())),
                )
            }),
            kind,
        ),
        channels: options(
            tr.get("list-any-channel"),
            Channel::ALL.iter().map(|c| {
                (
                    *c,
                    c.as_str().to_owned(),
                    tr.get(&format!("channel-{}", c.as_str().replace('_', "-"))),
                )
            }),
            channel,
        ),
        executors: if fixed_executor.is_some() {
            Vec::new()
        } else {
            options(
                tr.get("list-any-executor"),
                staff
                    .iter()
                    .map(|s| (s.id, s.id.to_string(), s.full_name.clone())),
                executor,
            )
        },
        dues: options(
            tr.get("list-any-term"),
            ["overdue", "week"]
                .into_iter()
                .map(|d| (d, d.to_owned(), tr.get(&format!("list-due-{d}")))),
            due.as_deref(),
        ),
        sorts: CardSort::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str().to_owned(),
                    tr.get(&format!("list-sort-{}", k.as_str().replace('_', "-"))),
                    *k == sort,
                )
            })
            .collect(),
        query,
        narrowed: kind.is_some() || channel.is_some() || executor.is_some() || due.is_some(),
    };
    (filter, sort, choices)
}

/// A list's form that narrows and orders it, keeping the inbox's state tab chosen.
struct ListForm {
    state: Option<String>,
    choices: ListChoices,
}

/// The executor's own cards.
pub async fn my_cards(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<InboxQuery>,
) -> Response {
    let Some(body_id) = user.body_id.filter(|_| user.has_role(Role::Executor)) else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    if !q.is_known() {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "error-bad-request");
    }
    let tr = ctx.tr;
    let open: Vec<CardState> = CardState::ALL
        .iter()
        .copied()
        .filter(|s| !s.is_closed())
        .collect();
    let Some(page_no) = page_number(q.page.as_deref()) else {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "error-bad-request");
    };
    let req = PageRequest::new(Some(50), Some((page_no - 1) * 50));
    // The executor's own cards: the same narrowing and order, the executor fixed.
    let (mut filter, sort, choices) = list_choices(&app, tr, body_id, &q, Some(user.id)).await;
    filter.executor_id = Some(user.id);
    let page = match app
        .store
        .card_list(body_id, &open, &filter, sort, req)
        .await
    {
        Ok(p) => p,
        Err(_) => return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
    };
    let cards = rows(&app, tr, &page.items).await;
    let message = page.items.is_empty().then(|| {
        tr.get(if choices.narrowed {
            "list-none-match"
        } else {
            "list-empty"
        })
    });
    let pager = Pager::new(tr, page.total, req, "page", &choices.query);
    render(InboxPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        title: tr.get("staff-my-cards"),
        search: None,
        message,
        filters: vec![],
        show_table: !page.items.is_empty(),
        cards,
        pager,
        list: Some(ListForm {
            state: None,
            choices,
        }),
    })
}

/// Whose cards a staff member's work lists show: the body's for its registrars and heads, their
/// own for executors (VC-20: nobody else's personal data).
fn list_scope(user: &StaffUser) -> Option<CardScope> {
    let body_id = user.body_id.filter(|_| user.active)?;
    if user.has_role(Role::Registrar) || user.has_role(Role::Head) {
        Some(CardScope {
            body_id,
            executor_id: None,
        })
    } else if user.has_role(Role::Executor) {
        Some(CardScope {
            body_id,
            executor_id: Some(user.id),
        })
    } else {
        None
    }
}

/// One of the user's own counts on the staff home page: what, how many, where the list is,
/// and whether it calls for attention.
#[derive(Debug, Clone)]
pub struct MyCount {
    pub id: &'static str,
    pub label: String,
    pub n: i64,
    pub href: &'static str,
    pub alert: bool,
}

/// The staff member's own counts: new appeals, due today, overdue, to sign, their open
/// cards, VKS receptions this week — each only for a role that works with it.
pub async fn my_counts(app: &App, user: &StaffUser, tr: Tr) -> Vec<MyCount> {
    use otinish_domain::signature::Signatory;
    let mut out = Vec::new();
    let Some(body_id) = user.body_id.filter(|_| user.active) else {
        return out;
    };
    let cal = app.calendar.read().await.clone();
    let now = app.clock.now();
    let today = cal.zone().local_date(now);
    let one = PageRequest::new(Some(1), None);
    let registry = user.has_role(Role::Registrar) || user.has_role(Role::Head);
    let mut push = |id, key: &str, n: i64, href, alert| {
        out.push(MyCount {
            id,
            label: tr.get(key),
            n,
            href,
            alert,
        })
    };
    if registry {
        let n = app
            .store
            .inbox(body_id, &[CardState::Received, CardState::Registered], one)
            .await
            .map(|p| p.total)
            .unwrap_or_default();
        push("count-new", "home-new", n, "/staff/inbox", false);
    }
    if let Some(scope) = list_scope(user) {
        let start = cal.zone().end_of_day(today) - chrono::Duration::days(1)
            + chrono::Duration::microseconds(1);
        let end = cal.zone().end_of_day(today) + chrono::Duration::seconds(1);
        // Both counts from one reading of the open cards, as on the dashboard.
        let due = app
            .store
            .due_summary(scope, start, end, 1)
            .await
            .unwrap_or_default();
        let overdue = due.overdue;
        push(
            "count-due-today",
            "dash-due-today",
            due.due - overdue,
            "/staff/due",
            false,
        );
        push(
            "count-overdue",
            "dash-overdue",
            overdue,
            "/staff/due",
            overdue > 0,
        );
    }
    if user.has_role(Role::Executor) {
        let open: Vec<CardState> = CardState::ALL
            .iter()
            .copied()
            .filter(|s| !s.is_closed())
            .collect();
        let n = app
            .store
            .cards_of_executor(user.id, &open, one)
            .await
            .map(|p| p.total)
            .unwrap_or_default();
        push("count-mine", "home-mine", n, "/staff/my", false);
    }
    if registry {
        let who = if user.has_role(Role::Head) {
            Signatory::Head
        } else {
            Signatory::Registrar
        };
        let n = app
            .store
            .to_sign(body_id, who.as_str(), one)
            .await
            .map(|p| p.total)
            .unwrap_or_default();
        push("count-to-sign", "staff-to-sign", n, "/staff/to-sign", n > 0);
    }
    if user.has_role(Role::ReceptionSecretary) || user.has_role(Role::Head) {
        use chrono::Datelike;
        let monday =
            today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
        let from = monday.and_hms_opt(0, 0, 0).unwrap_or_default();
        let filter = otinish_domain::repo::ReceptionFilter {
            body_id: Some(body_id),
            branch_id: None,
            from,
            to: from + chrono::Duration::days(7),
            states: vec![],
        };
        let n = app
            .store
            .receptions(&filter)
            .await
            .map(|r| r.len() as i64)
            .unwrap_or_default();
        push(
            "count-receptions",
            "home-receptions-week",
            n,
            "/staff/receptions",
            false,
        );
    }
    out
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    page: Option<String>,
}

/// Answers due by the end of today, overdue first: the executor's own, or the whole body's for
/// its registrars and heads.
pub async fn due(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(scope) = list_scope(&user) else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let tr = ctx.tr;
    let (today, until) = {
        let cal = app.calendar.read().await;
        let zone = cal.zone();
        let today = zone.local_date(app.clock.now());
        // Terms end at the last second of their day.
        (today, zone.end_of_day(today) + chrono::Duration::seconds(1))
    };
    let Some(page_no) = page_number(q.page.as_deref()) else {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "error-bad-request");
    };
    let req = PageRequest::new(Some(50), Some((page_no - 1) * 50));
    let page = match app.store.due_cards(scope, until, req).await {
        Ok(p) => p,
        Err(_) => return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
    };
    let cards: Vec<Card> = page.items.into_iter().map(|(c, _)| c).collect();
    let message = cards.is_empty().then(|| tr.get("due-none"));
    render(InboxPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        title: tr.with(
            "due-title",
            &[("day", today.format("%d.%m.%Y").to_string())],
        ),
        search: None,
        message,
        filters: vec![],
        show_table: !cards.is_empty(),
        cards: rows(&app, tr, &cards).await,
        pager: Pager::new(tr, page.total, req, "page", ""),
        list: None,
    })
}

/// What the answer's signatures say, for the card and the signing queue: who signed (name,
/// role, when) and who still signs (EA-09).
async fn signing_status(app: &App, tr: Tr, names: &mut StaffNames, card_id: i64) -> String {
    use otinish_domain::signature::Signatory;
    let signed = app
        .store
        .answer_signatures(card_id)
        .await
        .unwrap_or_default();
    let mut parts = Vec::new();
    for (r, staff_id, at) in &signed {
        let role = Role::parse(r)
            .map(|r| r.title(tr.lang).to_owned())
            .unwrap_or_default();
        let who = names.of(app, *staff_id).await;
        parts.push(tr.with(
            "staff-signed-by",
            &[("who", who), ("role", role), ("when", local(app, *at))],
        ));
    }
    let keys: Vec<&str> = signed.iter().map(|(r, _, _)| r.as_str()).collect();
    let missing: Vec<String> = Signatory::missing_from(&keys)
        .into_iter()
        .map(|s| s.role().title(tr.lang).to_owned())
        .collect();
    let mut out = if parts.is_empty() {
        tr.get("staff-signed-none")
    } else {
        tr.with("staff-signed", &[("who", parts.join("; "))])
    };
    if !missing.is_empty() {
        out.push_str(". ");
        out.push_str(&tr.with("staff-signs-next", &[("who", missing.join(", "))]));
    }
    out
}

/// EA-09: the answers waiting for the user's own signature — the head's, or the registrar's —
/// oldest first, each saying who has signed and who signs after.
pub async fn to_sign(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<ListQuery>,
) -> Response {
    use otinish_domain::signature::Signatory;
    let signatory = if user.has_role(Role::Head) {
        Signatory::Head
    } else {
        Signatory::Registrar
    };
    let Some(body_id) = user.body_id.filter(|_| user.has_role(signatory.role())) else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let tr = ctx.tr;
    let Some(page_no) = page_number(q.page.as_deref()) else {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "error-bad-request");
    };
    let req = PageRequest::new(Some(50), Some((page_no - 1) * 50));
    let page = match app.store.to_sign(body_id, signatory.as_str(), req).await {
        Ok(p) => p,
        Err(_) => return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
    };
    let mut cards = rows(&app, tr, &page.items).await;
    let mut names = StaffNames::default();
    for row in &mut cards {
        row.state = signing_status(&app, tr, &mut names, row.id).await;
    }
    render(InboxPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        title: tr.get("staff-to-sign"),
        search: None,
        message: cards.is_empty().then(|| tr.get("staff-to-sign-none")),
        filters: vec![],
        show_table: !cards.is_empty(),
        cards,
        pager: Pager::new(tr, page.total, req, "page", ""),
        list: None,
    })
}

/// Full-text search over the summaries of the cards the user may see.
pub async fn search(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(scope) = list_scope(&user) else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let tr = ctx.tr;
    let typed = q.q.clone().unwrap_or_default();
    let page = |message: Option<String>, status: StatusCode, cards: Vec<CardRow>, pager| {
        let show_table = !cards.is_empty();
        let mut r = render(InboxPage {
            t: tr,
            layout: Layout::new(&app, &ctx),
            title: tr.get("staff-search"),
            search: Some(typed.clone()),
            message,
            filters: vec![],
            show_table,
            cards,
            pager,
            list: None,
        });
        if r.status() == StatusCode::OK {
            *r.status_mut() = status;
        }
        r
    };
    let empty_pager = || Pager::open_ended(tr, 1, false, "page", "");
    if typed.trim().is_empty() {
        return page(None, StatusCode::OK, vec![], empty_pager());
    }
    let query = match SearchQuery::parse(&typed) {
        Ok(query) => query,
        Err(e) => {
            return page(
                Some(tr.get(e.message_key())),
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![],
                empty_pager(),
            )
        }
    };
    let Some(page_no) = page_number(q.page.as_deref()) else {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "error-bad-request");
    };
    let req = PageRequest::new(Some(50), Some((page_no - 1) * 50));
    let (found, more) = match app.store.search_cards(scope, &query, req).await {
        Ok(r) => r,
        Err(_) => return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
    };
    if found.is_empty() {
        return page(
            Some(tr.get("search-none")),
            StatusCode::OK,
            vec![],
            empty_pager(),
        );
    }
    let other = format!("&q={}", crate::pages::query_escape(&typed));
    let pager = Pager::open_ended(tr, page_no, more, "page", &other);
    page(None, StatusCode::OK, rows(&app, tr, &found).await, pager)
}

/// A plain list of cards under `title` (used by other queues, such as the reception inbox).
pub(crate) async fn card_list_page(
    app: &App,
    ctx: &Ctx,
    title: String,
    cards: &[Card],
    total: i64,
    req: PageRequest,
) -> Response {
    let tr = ctx.tr;
    let message = cards.is_empty().then(|| tr.get("list-empty"));
    render(InboxPage {
        t: tr,
        layout: Layout::new(app, ctx),
        title,
        search: None,
        message,
        filters: vec![],
        show_table: !cards.is_empty(),
        cards: rows(app, tr, cards).await,
        pager: Pager::new(tr, total, req, "page", ""),
        list: None,
    })
}

/// EA-06: what the check of the applicant's signature established, in the reader's language:
/// the algorithm and the certificate's role, when it was signed (by whose clock), and how the
/// certificate was checked for revocation.
pub fn signature_facts(
    app: &App,
    tr: &Tr,
    c: &otinish_domain::signature::SignatureCheck,
    signed_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Vec<(String, String)> {
    use otinish_domain::signature::RevocationCheck as R;
    let roles: Vec<String> = c
        .roles
        .iter()
        .map(|r| tr.get(&format!("sigcheck-role-{}", r.replace('_', "-"))))
        .collect();
    // GOST's names in the reader's language; other algorithms keep their international names.
    let algorithm = match c.algorithm.as_str() {
        a if a.starts_with("GOST R 34.10-2015 512-bit") => tr.get("sigcheck-alg-gost-512-nca"),
        a if a.starts_with("GOST R 34.10-2012 512-bit") => tr.get("sigcheck-alg-gost-512"),
        a if a.starts_with("GOST R 34.10-2015 256-bit") => tr.get("sigcheck-alg-gost-256-nca"),
        a if a.starts_with("GOST R 34.10-2012 256-bit") => tr.get("sigcheck-alg-gost-256"),
        a => a.to_owned(),
    };
    let mut facts = vec![(
        tr.get("sigcheck-signature"),
        if roles.is_empty() {
            algorithm
        } else {
            format!("{algorithm}; {}", roles.join(", "))
        },
    )];
    match (&c.timestamp, signed_at) {
        (Some((at, authority)), _) => facts.push((
            tr.get("sigcheck-signed-at"),
            tr.with(
                "sigcheck-timestamp",
                &[
                    ("at", crate::cabinet::local(app, *at)),
                    ("authority", authority.clone()),
                ],
            ),
        )),
        (None, Some(at)) => facts.push((
            tr.get("sigcheck-signed-at"),
            tr.with(
                "sigcheck-own-clock",
                &[("at", crate::cabinet::local(app, at))],
            ),
        )),
        (None, None) => {}
    }
    let revocation = match &c.revocation {
        R::Crl {
            issuer,
            this_update,
        } => tr.with(
            c.revocation.key(),
            &[
                ("issuer", issuer.clone()),
                ("at", crate::cabinet::local(app, *this_update)),
            ],
        ),
        R::Ocsp {
            responder,
            produced_at,
        } => tr.with(
            c.revocation.key(),
            &[
                ("responder", responder.clone()),
                ("at", crate::cabinet::local(app, *produced_at)),
            ],
        ),
        R::Pending { since, .. } => tr.with(
            c.revocation.key(),
            &[("since", crate::cabinet::local(app, *since))],
        ),
        R::FoundRevoked {
            revoked_at,
            found_at,
        } => tr.with(
            c.revocation.key(),
            &[
                ("at", crate::cabinet::local(app, *revoked_at)),
                ("found", crate::cabinet::local(app, *found_at)),
            ],
        ),
        R::NotPublished | R::NotChecked => tr.get(c.revocation.key()),
    };
    facts.push((tr.get("sigcheck-revocation"), revocation));
    facts
}

/// Staff names by id, each read once per page.
#[derive(Default)]
struct StaffNames(std::collections::HashMap<i64, String>);

impl StaffNames {
    pub(super) async fn of(&mut self, app: &App, id: i64) -> String {
        if let Some(n) = self.0.get(&id) {
            return n.clone();
        }
        let n = app
            .store
            .staff(id)
            .await
            .map(|s| s.full_name)
            .unwrap_or_default();
        self.0.insert(id, n.clone());
        n
    }
}

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage {
    t: Tr,
    layout: Layout,
    full_name: String,
    roles: Vec<String>,
    body: String,
    /// The user's own counts, each a link to its list.
    counts: Vec<MyCount>,
}

pub async fn staff_home(State(app): State<AppState>, ctx: Ctx, Staff(user): Staff) -> Response {
    let body = match user.body_id {
        Some(id) => app
            .store
            .body(id)
            .await
            .map(|b| b.name.get(ctx.tr.lang).to_owned())
            .unwrap_or_default(),
        None => ctx.tr.get("staff-none"),
    };
    render(StaffPage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
        full_name: user.full_name.clone(),
        roles: user
            .roles
            .iter()
            .map(|r| r.title(ctx.tr.lang).to_owned())
            .collect(),
        body,
        counts: my_counts(&app, &user, ctx.tr).await,
    })
}
