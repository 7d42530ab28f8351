//! GEN-07: notices the rules send by post — to an applicant who gave a postal address and no
//! email — wait as printable letters in the registrar's "to post" queue: the registrar prints
//! each (in the applicant's language; the opening is recorded, VC-20), posts it and marks it
//! sent, which delivers it and journals it on the card.

use crate::context::Ctx;
use crate::extract::{CsrfForm, Staff, TokenOnly};
use crate::i18n::Tr;
use crate::pages::{page_error, render, Layout, Pager};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{AccessKind, Role, StaffUser};
use otinish_domain::notice::{Notice, NoticeChannel, NoticeStatus};
use otinish_domain::repo::{PageRequest, StoreError};
use serde::Deserialize;

const PER_PAGE: u32 = 50;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    page: Option<String>,
    done: Option<String>,
}

struct Row {
    id: i64,
    card_id: i64,
    subject: String,
    lang: String,
    created: String,
}

#[derive(Template)]
#[template(path = "post_queue.html")]
struct QueuePage {
    t: Tr,
    layout: Layout,
    message: Option<String>,
    rows: Vec<Row>,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "post_letter.html")]
struct LetterPage {
    t: Tr,
    layout: Layout,
    id: i64,
    /// The letter's own words, in the applicant's language.
    l: Tr,
    sender: String,
    sender_address: String,
    addressee: String,
    postal_address: String,
    date: String,
    reference: String,
    subject: String,
    body: String,
    posted: bool,
}

/// The registrar or head of a body works its queue.
fn clerk(user: &StaffUser) -> Option<i64> {
    (user.has_role(Role::Registrar) || user.has_role(Role::Head))
        .then_some(user.body_id)
        .flatten()
}

fn failed(ctx: &Ctx, e: &StoreError) -> Response {
    match e {
        StoreError::NotFound(_) => page_error(ctx, StatusCode::NOT_FOUND, "error-not-found"),
        StoreError::Unavailable | StoreError::Backend(_) => {
            page_error(ctx, StatusCode::SERVICE_UNAVAILABLE, "error-internal")
        }
        _ => {
            tracing::error!(error = %e, "letters to post");
            page_error(ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
    }
}

pub async fn queue(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(body_id) = clerk(&user) else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let tr = ctx.tr;
    let page_no = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, 10_000);
    let req = PageRequest::new(Some(PER_PAGE), Some((page_no - 1) * PER_PAGE));
    let page = match app.store.letters_to_post(body_id, req).await {
        Ok(p) => p,
        Err(e) => return failed(&ctx, &e),
    };
    let rows = page
        .items
        .iter()
        .map(|n| Row {
            id: n.id,
            card_id: n.card_id,
            subject: n.subject.clone(),
            lang: tr.get(&format!("post-lang-{}", n.lang.code())),
            created: crate::cabinet::local(&app, n.created_at),
        })
        .collect();
    let message = q.done.as_ref().map(|_| tr.get("post-marked-sent"));
    render(QueuePage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        message,
        rows,
        pager: Pager::new(tr, page.total, req, "page", ""),
    })
}

/// The notice `id` if it is a letter (the callers check its card's body).
async fn letter_of(app: &crate::App, id: i64) -> Result<Notice, StoreError> {
    let n = app.store.notice(id).await?;
    if n.channel != NoticeChannel::Post {
        return Err(StoreError::NotFound(format!("letter {id}")));
    }
    Ok(n)
}

pub async fn letter(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
) -> Response {
    let Some(body_id) = clerk(&user) else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let n = match letter_of(&app, id).await {
        Ok(n) => n,
        Err(e) => return failed(&ctx, &e),
    };
    let card = match app.store.card(n.card_id).await {
        Ok(c) => c,
        Err(e) => return failed(&ctx, &e),
    };
    if card.body_id != body_id {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    let a = match app.store.appeal(card.id).await {
        Ok(a) => a,
        Err(e) => return failed(&ctx, &e),
    };
    // VC-20: the addressee's name and address are personal data: recorded before shown.
    if let Err(e) = app
        .log_access(&user, &card, AccessKind::LetterPrinted)
        .await
    {
        return crate::access::not_recorded(&ctx, &e);
    }
    let l = Tr::new(n.lang);
    let body = app.store.body(card.body_id).await.ok();
    let date = crate::cabinet::local(&app, n.created_at)
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_owned();
    render(LetterPage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
        id,
        sender: body
            .as_ref()
            .map(|b| b.name.get(n.lang).to_owned())
            .unwrap_or_default(),
        sender_address: body
            .as_ref()
            .map(|b| b.contacts.address.get(n.lang).to_owned())
            .unwrap_or_default(),
        addressee: a.applicant.display_name(),
        postal_address: n
            .address
            .clone()
            .unwrap_or_else(|| a.postal_address.clone()),
        date,
        reference: card.reference(),
        subject: n.subject.clone(),
        body: n.body.clone(),
        posted: n.status == NoticeStatus::Delivered,
        l,
    })
}

/// The letter is printed and posted: delivered, journaled on its card.
pub async fn mark_sent(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<TokenOnly>,
) -> Response {
    let Some(body_id) = clerk(&user) else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let n = match letter_of(&app, id).await {
        Ok(n) => n,
        Err(e) => return failed(&ctx, &e),
    };
    match app.store.card(n.card_id).await {
        Ok(c) if c.body_id == body_id => {}
        Ok(_) => return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden"),
        Err(e) => return failed(&ctx, &e),
    }
    let now = app.clock.now();
    let journal = JournalDraft::new(now, format!("staff:{}", user.id), "", "letter_posted")
        .details(serde_json::json!({ "notice": id, "kind": n.kind.as_str() }).to_string());
    match app.store.mark_posted(id, now, journal).await {
        Ok(true) => Redirect::to("/staff/post?done=1").into_response(),
        Ok(false) => page_error(&ctx, StatusCode::CONFLICT, "post-already-sent"),
        Err(e) => failed(&ctx, &e),
    }
}
