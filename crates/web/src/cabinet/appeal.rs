//! One appeal as its applicant sees it: the card, its terms in words (GEN-04), the signed
//! documents with their QR codes, and the receipt and letters as PDF.

use super::*;

pub struct DocView {
    /// An answer letter's outgoing number and date, and who signed it.
    letter: Vec<String>,
    kind: String,
    title: String,
    code: String,
    summary: String,
    qr: String,
}

#[derive(Template)]
#[template(path = "appeal.html")]
struct AppealPage {
    t: Tr,
    layout: Layout,
    id: i64,
    state: String,
    number: String,
    body: String,
    kind: String,
    received: String,
    content: String,
    files: Vec<(i64, String)>,
    deadlines: Vec<TermLine>,
    documents: Vec<DocView>,
    notices: Vec<NoticeRow>,
    /// A case closed without a signed answer (not accepted, left without consideration,
    /// outside the rules): the decision and what the applicant was told, shown up front.
    outcome: Option<(String, String)>,
    /// GEN-09: the hearings the body offered before an adverse decision.
    hearings: Vec<crate::hearing::HearingView>,
    /// Just filed: the confirmation comes first.
    filed: bool,
    /// When the answer is due, once the term is set.
    answer_due: Option<String>,
    /// The registration number in the heading, or that there is none yet.
    title: String,
    filed_body: String,
    message: Option<String>,
    is_error: bool,
    demo: bool,
}

/// GEN-04: one term of a case as people read it, in words: what it is, by when, how it is
/// counted and from what, the days it did not count and why, and where it stands (one rule
/// for every view, `otinish_domain::deadline::term_state`). No clause IDs or codes.
#[derive(Debug, Clone)]
pub struct TermLine {
    pub text: String,
    pub counted: String,
    pub skipped: Vec<String>,
    pub status: Option<String>,
    pub overdue: bool,
}

/// Which plural form a count takes in `lang` (`one`, `few` or `many`).
fn plural(lang: otinish_domain::Lang, n: u32) -> &'static str {
    match lang {
        otinish_domain::Lang::Ru => match (n % 10, n % 100) {
            (1, r) if r != 11 => "one",
            (2..=4, r) if !(12..=14).contains(&r) => "few",
            _ => "many",
        },
        otinish_domain::Lang::En if n == 1 => "one",
        _ => "many",
    }
}

pub fn deadline_lines(
    tr: Tr,
    deadlines: &[otinish_domain::repo::StoredDeadline],
    state: otinish_domain::model::CardState,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<TermLine> {
    use otinish_domain::deadline::{term_state, Explanation, TermState};
    let dmy = |d: chrono::NaiveDate| d.format("%d.%m.%Y").to_string();
    deadlines
        .iter()
        .map(|d| {
            let e = serde_json::from_str::<Explanation>(&d.explanation).ok();
            let what = e
                .as_ref()
                .map(|e| e.description.get(tr.lang).to_owned())
                .filter(|w| !w.is_empty())
                .unwrap_or_else(|| tr.get("term-unnamed"));
            let counted = e
                .as_ref()
                .map(|e| {
                    let unit = match e.unit {
                        otinish_domain::rulebook::Unit::WorkingDays => "working",
                        otinish_domain::rulebook::Unit::CalendarDays => "calendar",
                    };
                    let amount = tr.with(
                        &format!("term-{unit}-{}", plural(tr.lang, e.amount)),
                        &[("n", e.amount.to_string())],
                    );
                    let anchor = serde_json::to_value(e.anchor)
                        .ok()
                        .and_then(|v| v.as_str().map(|s| s.replace('_', "-")))
                        .unwrap_or_default();
                    let mut line = if e.amount == 0 {
                        tr.with("term-same-day", &[("date", dmy(e.anchor_day))])
                    } else {
                        tr.with(
                            &format!("term-from-{anchor}"),
                            &[("amount", amount), ("date", dmy(e.anchor_day))],
                        )
                    };
                    if let Some(x) = e.extended_until {
                        line.push_str("; ");
                        line.push_str(&tr.with("term-extended", &[("date", dmy(x))]));
                    }
                    if !e.unconfirmed_years.is_empty() {
                        let years = otinish_domain::calendar::year_list(&e.unconfirmed_years);
                        line.push_str(". ");
                        line.push_str(&tr.with("term-unconfirmed", &[("years", years)]));
                    }
                    line
                })
                .unwrap_or_default();
            let skipped = e
                .as_ref()
                .map(|e| {
                    e.skipped
                        .iter()
                        .map(|s| format!("{} — {}", dmy(s.date), s.reason.describe(tr.lang)))
                        .collect()
                })
                .unwrap_or_default();
            let st = term_state(d, state, now);
            TermLine {
                text: tr.with("term-line", &[("what", what), ("date", dmy(d.due_on))]),
                counted,
                skipped,
                status: match st {
                    TermState::Running | TermState::Closed => None,
                    TermState::Overdue => Some(tr.get("term-overdue")),
                    TermState::Paused => Some(tr.get("term-paused")),
                    TermState::StagePassed => Some(tr.get("term-stage-passed")),
                },
                overdue: st == TermState::Overdue,
            }
        })
        .collect()
}

/// A QR code as inline SVG.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(160, 160)
                .quiet_zone(true)
                .build();
            // Inline in HTML: drop the XML prolog.
            match svg.find("<svg") {
                Some(i) => svg[i..].to_owned(),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

pub(super) async fn owned_appeal(
    app: &App,
    me: &ApplicantCtx,
    id: i64,
) -> Option<otinish_domain::repo::AppealRecord> {
    app.store
        .appeal(id)
        .await
        .ok()
        .filter(|a| a.applicant_id == me.id && !a.hidden_by_applicant)
}

#[derive(Debug, Deserialize, Default)]
pub struct AppealQuery {
    done: Option<String>,
    /// Just filed: the page opens with the confirmation.
    filed: Option<String>,
    /// The same signed appeal was sent again: this is the first one.
    sent_before: Option<String>,
}

pub async fn appeal_page(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
    Path(id): Path<i64>,
    Query(q): Query<AppealQuery>,
) -> Response {
    let message = match (&q.sent_before, &q.done) {
        (Some(_), _) => Some((ctx.tr.get("appeal-sent-before"), false)),
        (None, Some(_)) => Some((ctx.tr.get("hearing-answer-sent"), false)),
        (None, None) => None,
    };
    let filed = q.filed.is_some() && q.sent_before.is_none();
    appeal_view_as(&app, &ctx, &me, id, message, StatusCode::OK, filed).await
}

pub(super) async fn appeal_view(
    app: &App,
    ctx: &Ctx,
    me: &ApplicantCtx,
    id: i64,
    message: Option<(String, bool)>,
    status: StatusCode,
) -> Response {
    appeal_view_as(app, ctx, me, id, message, status, false).await
}

/// The appeal as its author sees it; `filed` opens it with the confirmation of filing.
async fn appeal_view_as(
    app: &App,
    ctx: &Ctx,
    me: &ApplicantCtx,
    id: i64,
    message: Option<(String, bool)>,
    status: StatusCode,
    filed: bool,
) -> Response {
    let tr = ctx.tr;
    let Some(a) = owned_appeal(app, me, id).await else {
        return page_error(ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    let body = app
        .store
        .body(a.card.body_id)
        .await
        .map(|b| b.name.get(tr.lang).to_owned())
        .unwrap_or_default();
    let now = app.clock.now();
    let stored = app.store.deadlines(id).await.unwrap_or_default();
    let deadlines = deadline_lines(tr, &stored, a.card.state, now);
    // The day the answer is due, for the confirmation of filing.
    let answer_due = stored
        .iter()
        .find(|d| d.key == otinish_domain::deadline::ANSWER)
        .map(|d| {
            tr.with(
                "appeal-filed-due",
                &[("date", d.due_on.format("%d.%m.%Y").to_string())],
            )
        });
    let number = a
        .card
        .reg_number
        .as_ref()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let title = if number.is_empty() {
        tr.get("appeal-title-new")
    } else {
        tr.with("appeal-title", &[("number", number.clone())])
    };
    let base = format!("{}/verify/", app.settings.public_url.trim_end_matches('/'));
    let mut documents = Vec::new();
    for d in app.store.signed_documents(id).await.unwrap_or_default() {
        let letter = if d.kind == "answer" {
            let p = letter_particulars(app, tr, &a.card, &d).await;
            let mut lines = Vec::new();
            if !p.out_number.is_empty() {
                lines.push(format!(
                    "{} {}",
                    tr.get("letter-outgoing"),
                    tr.with(
                        "letter-outgoing-value",
                        &[("number", p.out_number), ("date", p.out_date)]
                    )
                ));
            }
            if !p.signatories.is_empty() {
                lines.push(format!(
                    "{}: {}",
                    tr.get("letter-signed-by"),
                    p.signatories.join("; ")
                ));
            }
            lines
        } else {
            Vec::new()
        };
        documents.push(DocView {
            letter,
            title: tr.get(if d.kind == "receipt" {
                "appeal-receipt"
            } else {
                "appeal-answer"
            }),
            summary: if d.kind == "answer" {
                a.card.answer.clone().unwrap_or_default()
            } else {
                local(app, d.created_at)
            },
            qr: qr_svg(&format!("{base}{}", d.code)),
            kind: d.kind,
            code: d.code,
        });
    }
    let outcome = match (a.card.state, a.card.decision.as_deref()) {
        (
            otinish_domain::model::CardState::ClosedOutOfScope
            | otinish_domain::model::CardState::Refused,
            Some(d),
        ) => Some((
            match d.strip_prefix("signature:") {
                // EA-12: not accepted because the signature's certificate failed.
                Some(code) => tr.get(&format!("sig-{}", code.replace('_', "-"))),
                None => tr.get(&format!("decision-{}", d.replace('_', "-"))),
            },
            a.card.answer.clone().unwrap_or_default(),
        )),
        _ => None,
    };
    let hearings = app.applicant_hearings(&a.card, tr).await;
    let page = AppealPage {
        t: tr,
        layout: Layout::new(app, ctx),
        id,
        outcome,
        hearings,
        filed,
        answer_due,
        title,
        filed_body: tr.with("appeal-filed-body", &[("body", body.clone())]),
        message: message.as_ref().map(|(m, _)| m.clone()),
        is_error: message.as_ref().is_some_and(|(_, e)| *e),
        demo: app.settings.demo,
        state: state_text(tr, a.card.state),
        number,
        body,
        kind: tr.get(&format!("kind-{}", a.card.kind.as_str())),
        received: local(app, a.card.received_at),
        content: a.content.clone(),
        files: app
            .store
            .attachments(id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|f| (f.id, f.file_name))
            .collect(),
        deadlines,
        documents,
        notices: app
            .store
            .notices_of_card(id)
            .await
            .unwrap_or_default()
            .iter()
            .map(|n| NoticeRow {
                subject: n.subject.clone(),
                body: n.body.clone(),
                when: local(app, n.created_at),
                channel: tr.get(&format!("channel-{}", n.channel)),
                // The transport's own error text is for the staff's log, not the applicant.
                status: tr.get(&format!("status-{}", n.status)),
            })
            .collect(),
    };
    (status, render(page)).into_response()
}

pub async fn document_download(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
    Path((id, file)): Path<(i64, String)>,
) -> Response {
    let Some(_) = owned_appeal(&app, &me, id).await else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    if let Some(kind) = file.strip_suffix(".pdf") {
        return document_pdf(&app, &ctx, &me, id, kind).await;
    }
    let kind = file.trim_end_matches(".p7s");
    let doc = app
        .store
        .signed_documents(id)
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|d| d.kind == kind);
    match doc {
        Some(d) => (
            [
                (CONTENT_TYPE, "application/pkcs7-signature".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"appeal-{id}-{kind}.p7s\""),
                ),
            ],
            d.signature,
        )
            .into_response(),
        None => page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
    }
}

/// The receipt or the answer as a PDF to keep or print: the same facts as the signed
/// document, with the address and code that verify it.
async fn document_pdf(app: &App, ctx: &Ctx, me: &ApplicantCtx, id: i64, kind: &str) -> Response {
    use crate::pdf::Block;
    let tr = ctx.tr;
    let (Some(a), Ok(docs)) = (
        owned_appeal(app, me, id).await,
        app.store.signed_documents(id).await,
    ) else {
        return page_error(ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    let Some(doc) = docs.into_iter().find(|d| d.kind == kind) else {
        return page_error(ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    let body = app.store.body(a.card.body_id).await.ok();
    let number = a.card.reg_number.as_ref().map(|n| n.to_string());
    let verify_url = format!(
        "{}/verify/{}",
        app.settings.public_url.trim_end_matches('/'),
        doc.code
    );
    let mut blocks = vec![
        Block::Note(
            body.as_ref()
                .map(|b| b.name.get(tr.lang).to_owned())
                .unwrap_or_default(),
        ),
        Block::Title(tr.get(if kind == "answer" {
            "pdf-answer-title"
        } else {
            "pdf-receipt-title"
        })),
        Block::Big(match &number {
            Some(n) => n.clone(),
            None => tr.get("appeal-title-new"),
        }),
        Block::Field(tr.get("pdf-applicant"), a.applicant.display_name()),
        Block::Field(
            tr.get("appeal-kind"),
            tr.get(&format!("kind-{}", a.card.kind.as_str())),
        ),
        Block::Field(tr.get("appeal-received"), local(app, a.card.received_at)),
    ];
    if kind == "answer" {
        let p = letter_particulars(app, tr, &a.card, &doc).await;
        if !p.out_number.is_empty() {
            blocks.push(Block::Field(
                tr.get("letter-outgoing"),
                tr.with(
                    "letter-outgoing-value",
                    &[("number", p.out_number), ("date", p.out_date)],
                ),
            ));
        } else {
            blocks.push(Block::Field(
                tr.get("pdf-answer-date"),
                local(app, doc.created_at),
            ));
        }
        if let Some(d) = a.card.decision.as_deref() {
            blocks.push(Block::Field(
                tr.get("staff-decision"),
                upper_first(&tr.get(&format!("decision-{}", d.replace('_', "-")))),
            ));
        }
        blocks.push(Block::Heading(tr.get("appeal-answer")));
        blocks.push(Block::Text(a.card.answer.clone().unwrap_or_default()));
        if !p.signatories.is_empty() {
            blocks.push(Block::Field(
                tr.get("letter-signed-by"),
                p.signatories.join("\n"),
            ));
        }
    } else {
        let due = app
            .store
            .deadlines(id)
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|d| d.key == otinish_domain::deadline::ANSWER);
        if let Some(d) = due {
            blocks.push(Block::Field(
                tr.get("pdf-due"),
                d.due_on.format("%d.%m.%Y").to_string(),
            ));
        }
        blocks.push(Block::Heading(tr.get("appeal-content")));
        let mut content: String = a.content.chars().take(1500).collect();
        if content.len() < a.content.len() {
            content.push('…');
        }
        blocks.push(Block::Text(content));
        let files = app.store.attachments(id).await.unwrap_or_default();
        if !files.is_empty() {
            blocks.push(Block::Field(
                tr.get("appeal-files"),
                files
                    .into_iter()
                    .map(|f| f.file_name)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ));
        }
    }
    blocks.push(Block::Heading(tr.get("appeal-verify-link")));
    blocks.push(Block::Qr(verify_url.clone()));
    blocks.push(Block::Text(tr.with(
        "pdf-verify",
        &[("url", verify_url), ("code", doc.code.clone())],
    )));
    let title = format!(
        "{} {}",
        tr.get(if kind == "answer" {
            "pdf-answer-title"
        } else {
            "pdf-receipt-title"
        }),
        number.clone().unwrap_or_default()
    );
    let document = crate::pdf::Document {
        title,
        lang: tr.lang.code(),
        blocks,
    };
    match crate::pdf::render(&document) {
        Ok(bytes) => (
            [
                (CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}-{kind}.pdf\"",
                        number.unwrap_or_else(|| format!("appeal-{id}"))
                    ),
                ),
                (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "pdf");
            page_error(ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
    }
}
