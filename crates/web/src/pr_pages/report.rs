//! The quarterly personal-reception report (PR-15) and the "E-appeals" import.

use super::*;

// ---------------------------------------------------------------- quarterly report

#[derive(Template)]
#[template(path = "pr_report.html")]
struct ReportPage {
    t: Tr,
    layout: Layout,
    year: i32,
    quarter: u32,
    sources: Vec<String>,
    /// Each line with the body's name in the reader's language (the CSV keeps the code).
    lines: Vec<(String, otinish_domain::personal::ReportLine)>,
    total: otinish_domain::personal::ReportLine,
}

#[derive(Debug, Deserialize, Default)]
pub struct ReportQuery {
    year: Option<i32>,
    quarter: Option<u32>,
    format: Option<String>,
}

fn rating(l: &otinish_domain::personal::ReportLine) -> String {
    l.rating_x10
        .map(|r| format!("{}.{}", r / 10, r % 10))
        .unwrap_or_else(|| "—".into())
}

/// PR-15: the quarterly report to the government office (HTML, or CSV with `format=csv`).
pub async fn report(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<ReportQuery>,
) -> Response {
    let cal = app.calendar.read().await.clone();
    let today = cal.zone().local_date(app.clock.now());
    let year = q.year.unwrap_or(today.year());
    let quarter = q.quarter.unwrap_or((today.month() - 1) / 3 + 1);
    let (lines, total) = match app.pr_report(&user, year, quarter).await {
        Ok(r) => r,
        Err(e) => return fail(&app, &ctx, e, "report"),
    };
    let tr = ctx.tr;
    let sources: Vec<String> = SignupSource::ALL
        .iter()
        .map(|s| source_text(tr, *s))
        .collect();
    if q.format.as_deref() == Some("csv") {
        let mut out = String::from("body,signups");
        for s in SignupSource::ALL {
            out.push_str(&format!(",{}", s.as_str()));
        }
        out.push_str(",registered_late,notice_late,held,consultations,satisfied,no_show,refused,declined,waiting,secrecy,surveys,rating,phone_surveys\n");
        for l in lines.iter().chain(std::iter::once(&total)) {
            let name = if l.body.is_empty() {
                "TOTAL"
            } else {
                l.body.as_str()
            };
            out.push_str(&format!("{name},{}", l.signups));
            for n in &l.by_source {
                out.push_str(&format!(",{n}"));
            }
            out.push_str(&format!(
                ",{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                l.registered_late,
                l.notice_late,
                l.held,
                l.consultations,
                l.satisfied,
                l.no_show,
                l.refused,
                l.declined,
                l.waiting,
                l.secrecy,
                l.surveys,
                rating(l),
                l.phone_surveys
            ));
        }
        return (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"pr-{year}-q{quarter}.csv\""),
                ),
            ],
            out,
        )
            .into_response();
    }
    let names: std::collections::HashMap<String, String> = app
        .store
        .bodies(PageRequest::new(Some(500), None))
        .await
        .map(|p| p.items)
        .unwrap_or_default()
        .into_iter()
        .map(|b| {
            (
                b.code.clone(),
                format!("{} — {}", b.code, b.name.get(tr.lang)),
            )
        })
        .collect();
    let lines = lines
        .into_iter()
        .map(|l| {
            (
                names
                    .get(&l.body)
                    .cloned()
                    .unwrap_or_else(|| l.body.clone()),
                l,
            )
        })
        .collect();
    let page = ReportPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        year,
        quarter,
        sources,
        lines,
        total,
    };
    render(page).into_response()
}

// ---------------------------------------------------------------- "E-appeals" import

/// One sign-up of the "E-appeals" system (JSON, or a CSV row with these column names).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ImportItem {
    #[serde(default)]
    pub external_id: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub iin: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub citizenship: String,
    #[serde(default)]
    pub question: String,
    #[serde(default)]
    pub lang: String,
}

fn parse_csv(text: &str) -> Result<Vec<ImportItem>, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = split_csv(lines.next().ok_or("empty")?);
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        let cells = split_csv(line);
        if cells.len() != header.len() {
            return Err(format!(
                "line {}: {} cells, the header has {}",
                n + 2,
                cells.len(),
                header.len()
            ));
        }
        let mut it = ImportItem::default();
        for (h, v) in header.iter().zip(cells) {
            match h.as_str() {
                "external_id" => it.external_id = v,
                "body" => it.body = v,
                "full_name" => it.full_name = v,
                "iin" => it.iin = v,
                "phone" => it.phone = v,
                "email" => it.email = v,
                "citizenship" => it.citizenship = v,
                "question" => it.question = v,
                "lang" => it.lang = v,
                other => return Err(format!("unknown column `{other}`")),
            }
        }
        out.push(it);
    }
    Ok(out)
}

/// One CSV line (RFC 4180 quoting; no line breaks inside cells).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// PR-02: the "E-appeals" intake. `Authorization: Bearer <token>`; a JSON array of
/// [`ImportItem`] or CSV (`text/csv`) with the same column names. Idempotent on `external_id`.
/// Answers one result per item, in order.
pub async fn import(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let expected = app.config.e_appeals_token.as_deref().unwrap_or_default();
    if expected.is_empty() || !crate::context::same_token(expected, token) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"error": "unauthorized", "message": "a valid E-appeals token is required"})),
        )
            .into_response();
    }
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    let Ok(text) = std::str::from_utf8(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid", "message": "the body is not UTF-8"})),
        )
            .into_response();
    };
    let items = if csv {
        parse_csv(text)
    } else {
        serde_json::from_str::<Vec<ImportItem>>(text).map_err(|e| e.to_string())
    };
    let items = match items {
        Ok(i) if i.len() <= 1000 => i,
        Ok(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(serde_json::json!({"error": "too_many", "message": "at most 1000 sign-ups per request"})),
            )
                .into_response()
        }
        Err(m) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({"error": "invalid", "message": m})),
            )
                .into_response()
        }
    };
    let tr = Tr::new(Lang::En);
    let mut results = Vec::new();
    for it in items {
        if it.external_id.trim().is_empty() || it.external_id.len() > 100 {
            results.push(
                serde_json::json!({"external_id": it.external_id, "status": "refused",
                "problems": [{"field": "external_id", "message": tr.get("pr-field-required")}]}),
            );
            continue;
        }
        let lang = Lang::parse(&it.lang).unwrap_or(Lang::Ru);
        let form = SignupForm {
            full_name: it.full_name.clone(),
            iin: it.iin.clone(),
            phone: it.phone.clone(),
            email: it.email.clone(),
            citizenship: if it.citizenship.is_empty() {
                "kz".into()
            } else {
                it.citizenship.clone()
            },
            question: it.question.clone(),
            confirmed: false,
            has_scan: false,
        };
        let r = app
            .pr_take(
                None,
                SignupSource::EAppeals,
                &it.body,
                &form,
                lang,
                Some(it.external_id.trim().to_owned()),
                None,
                None,
            )
            .await;
        results.push(match r {
            Ok(t) => serde_json::json!({"external_id": it.external_id, "status": if t.new {"accepted"} else {"known"},
                "card_id": t.card_id, "accepted_at": t.accepted_at.format("%Y-%m-%dT%H:%M").to_string(), "queued": t.queued}),
            Err(PrError::Invalid(p)) => serde_json::json!({"external_id": it.external_id, "status": "refused",
                "problems": p.iter().map(|p| serde_json::json!({"field": p.field, "message": tr.get(p.key)})).collect::<Vec<_>>()}),
            Err(e) => {
                tracing::error!(error = ?e, "E-appeals import item failed");
                serde_json::json!({"external_id": it.external_id, "status": "error", "message": e.text(tr)})
            }
        });
    }
    Json(serde_json::json!({"results": results})).into_response()
}

/// Whether a sign-up is visible to `user` (used by the card page's links).
pub fn visible(user: &StaffUser, s: &Signup) -> bool {
    may_see(user, visibility(s))
}

// ---------------------------------------------------------------- the applicant's own sign-up

#[derive(Template)]
#[template(path = "pr_portal.html")]
struct PortalPage {
    t: Tr,
    layout: Layout,
    iin: String,
    full_name: String,
    /// (code, name) of the bodies.
    bodies: Vec<(String, String)>,
    /// What was typed: body, phone, email, citizenship, question.
    typed: (String, String, String, String, String),
    message: Option<String>,
    is_error: bool,
    demo: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct PortalQuery {
    done: Option<i64>,
}

async fn portal_page(
    app: &App,
    ctx: &Ctx,
    me: &crate::cabinet::ApplicantCtx,
    typed: (String, String, String, String, String),
    message: Option<(String, bool)>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let bodies = otinish_app::directory::open_bodies(app.store.as_ref())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|b| (b.code.clone(), b.name.get(tr.lang).to_owned()))
        .collect();
    let page = PortalPage {
        t: tr,
        layout: Layout::new(app, ctx),
        iin: me.applicant.tax_id().to_owned(),
        full_name: me.applicant.display_name(),
        bodies,
        typed,
        is_error: message.as_ref().is_some_and(|(_, e)| *e),
        message: message.map(|(m, _)| m),
        demo: app.settings.demo,
    };
    (status, render(page)).into_response()
}

/// PR-02 on the portal: the applicant's sign-up form, signed with their own key.
pub async fn portal_form(
    State(app): State<AppState>,
    ctx: Ctx,
    me: crate::cabinet::ApplicantCtx,
    Query(q): Query<PortalQuery>,
) -> Response {
    // Just signed up: said with the sign-up's own facts, and only to its applicant.
    let mut message = None;
    if let Some(id) = q.done {
        if let Ok(s) = app.store.pr_signup(id).await {
            if s.card.applicant_id == Some(me.id) {
                message = Some((
                    ctx.tr.with(
                        "pr-portal-done",
                        &[
                            ("number", id.to_string()),
                            ("at", local(&app, s.card.received_at)),
                        ],
                    ),
                    false,
                ));
            }
        }
    }
    let email = match &me.applicant {
        otinish_domain::model::Applicant::Individual { email, .. } => {
            email.as_ref().map(|e| e.to_string()).unwrap_or_default()
        }
        _ => String::new(),
    };
    let typed = (
        String::new(),
        String::new(),
        email,
        "kz".into(),
        String::new(),
    );
    portal_page(&app, &ctx, &me, typed, message, StatusCode::OK).await
}

/// Takes the signed sign-up (or, in demo mode, signs it with the applicant's demo key).
pub async fn portal_submit(
    State(app): State<AppState>,
    ctx: Ctx,
    me: crate::cabinet::ApplicantCtx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let tr = ctx.tr;
    let typed = (
        get("body"),
        get("phone"),
        get("email"),
        get("citizenship"),
        get("question"),
    );
    let signature: Vec<u8> = if get("demo_sign") == "1" {
        use crate::cabinet::DemoSignature;
        let form: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .filter(|(k, _)| !["csrf", "demo_sign", "signature"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let doc = serde_json::json!({"otinish": "pr-signup/1", "form": form}).to_string();
        match crate::cabinet::demo_signature(&app, &me.applicant, doc.as_bytes()) {
            DemoSignature::Signed(s) => s,
            DemoSignature::NotDemo => {
                return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden")
            }
            DemoSignature::NoKey => {
                let m = Some((tr.get("appeal-unsigned"), true));
                return portal_page(&app, &ctx, &me, typed, m, StatusCode::UNPROCESSABLE_ENTITY)
                    .await;
            }
            DemoSignature::Failed => {
                return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
        }
    } else if get("signature").trim().is_empty() {
        let m = Some((tr.get("appeal-unsigned"), true));
        return portal_page(&app, &ctx, &me, typed, m, StatusCode::UNPROCESSABLE_ENTITY).await;
    } else {
        get("signature").into_bytes()
    };
    match app.pr_sign_up(me.id, &signature, tr.lang).await {
        Ok(t) => {
            Redirect::to(&format!("/cabinet/personal-reception?done={}", t.card_id)).into_response()
        }
        Err(PrError::Store(e)) => {
            tracing::error!(error = %e, "portal sign-up failed");
            page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(PrError::Forbidden) => page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden"),
        Err(e) => {
            let m = Some((e.text(tr), true));
            portal_page(&app, &ctx, &me, typed, m, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
