//! The deployment's email and SMS, for its administrator: which server notices go out through
//! and from which sender, which SMS gateway text notices go to, and a test message to an
//! address or a phone number they give — sent at once, the server's or gateway's answer shown
//! (the notice worker would only retry and log it). Each test is journaled.

use crate::admin_pages::fail;
use crate::context::Ctx;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use otinish_app::notices;
use otinish_domain::ids::Email;
use otinish_domain::journal::JournalDraft;
use serde::Deserialize;

pub use otinish_app::notify::without_credentials;

#[derive(Debug, Deserialize, Default)]
pub struct TestIn {
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "admin_mail.html")]
struct MailPage {
    t: Tr,
    layout: Layout,
    /// (server, sender), when configured.
    route: Option<(String, String)>,
    message: Option<String>,
    problem: Option<String>,
    to: String,
    /// The SMS gateway, when configured.
    sms_route: Option<String>,
    sms_message: Option<String>,
    sms_problem: Option<String>,
    phone: String,
}

/// What the page says after a test: (message, problem, typed address), for email or SMS.
#[derive(Default)]
struct Outcome {
    message: Option<String>,
    problem: Option<String>,
    typed: String,
}

fn page(
    app: &crate::App,
    ctx: &Ctx,
    message: Option<String>,
    problem: Option<String>,
    to: String,
    status: StatusCode,
) -> Response {
    full_page(
        app,
        ctx,
        Outcome {
            message,
            problem,
            typed: to,
        },
        Outcome::default(),
        status,
    )
}

fn full_page(
    app: &crate::App,
    ctx: &Ctx,
    mail: Outcome,
    sms: Outcome,
    status: StatusCode,
) -> Response {
    let view = MailPage {
        t: ctx.tr,
        layout: Layout::new(app, ctx),
        route: app.mail_route.clone(),
        message: mail.message,
        problem: mail.problem,
        to: mail.typed,
        sms_route: app.sms_route.clone(),
        sms_message: sms.message,
        sms_problem: sms.problem,
        phone: sms.typed,
    };
    (status, render(view)).into_response()
}

pub async fn show(State(app): State<AppState>, ctx: Ctx, Staff(user): Staff) -> Response {
    if let Err(e) = notices::keeper(&user) {
        return fail(&ctx, e);
    }
    page(&app, &ctx, None, None, String::new(), StatusCode::OK)
}

pub async fn test(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<TestIn>,
) -> Response {
    let actor = match notices::keeper(&user) {
        Ok(a) => a,
        Err(e) => return fail(&ctx, e),
    };
    let tr = ctx.tr;
    let to = f.to.trim().to_owned();
    let refused = |key: &str, status| page(&app, &ctx, None, Some(tr.get(key)), to.clone(), status);
    if Email::parse(&to).is_err() {
        return refused("setup-email-invalid", StatusCode::UNPROCESSABLE_ENTITY);
    }
    let Some(mailer) = app.mailer.clone() else {
        return refused("mail-not-configured", StatusCode::CONFLICT);
    };
    let now = app.clock.now();
    let key = format!("mail-test-{}", now.timestamp_micros());
    let sent = mailer
        .send(
            &key,
            &to,
            &tr.get("mail-test-subject"),
            &tr.with(
                "mail-test-body",
                &[("when", crate::cabinet::local(&app, now))],
            ),
        )
        .await;
    let details = serde_json::json!({ "ok": sent.is_ok() }).to_string();
    if let Err(e) = app
        .store
        .append(JournalDraft::new(now, actor, "mail", "mail_test").details(details))
        .await
    {
        return fail(&ctx, e.into());
    }
    match sent {
        Ok(()) => page(
            &app,
            &ctx,
            Some(tr.with("mail-test-sent", &[("to", to.clone())])),
            None,
            String::new(),
            StatusCode::OK,
        ),
        Err(reason) => {
            tracing::warn!(error = %reason, "test message refused");
            page(
                &app,
                &ctx,
                None,
                Some(tr.with("mail-test-failed", &[("reason", reason)])),
                to.clone(),
                StatusCode::BAD_GATEWAY,
            )
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct SmsTestIn {
    #[serde(default)]
    phone: String,
}

/// Sends a test text message through the SMS gateway to the number given, and shows the
/// gateway's answer.
pub async fn sms_test(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<SmsTestIn>,
) -> Response {
    let actor = match notices::keeper(&user) {
        Ok(a) => a,
        Err(e) => return fail(&ctx, e),
    };
    let tr = ctx.tr;
    let typed = f.phone.trim().to_owned();
    let sms_page = |sms: Outcome, status| full_page(&app, &ctx, Outcome::default(), sms, status);
    let refused = |key: &str, status| {
        sms_page(
            Outcome {
                problem: Some(tr.get(key)),
                typed: typed.clone(),
                ..Outcome::default()
            },
            status,
        )
    };
    let Ok(phone) = otinish_domain::ids::Phone::parse(&typed) else {
        return refused("sms-phone-invalid", StatusCode::UNPROCESSABLE_ENTITY);
    };
    let Some(gateway) = app.sms.clone() else {
        return refused("sms-not-configured", StatusCode::CONFLICT);
    };
    let now = app.clock.now();
    let key = format!("sms-test-{}", now.timestamp_micros());
    let text = tr.with(
        "sms-test-text",
        &[("when", crate::cabinet::local(&app, now))],
    );
    let sent = gateway.send(&key, phone.as_str(), &text).await;
    let details = serde_json::json!({ "ok": sent.is_ok() }).to_string();
    if let Err(e) = app
        .store
        .append(JournalDraft::new(now, actor, "sms", "sms_test").details(details))
        .await
    {
        return fail(&ctx, e.into());
    }
    match sent {
        Ok(()) => sms_page(
            Outcome {
                message: Some(tr.with("sms-test-sent", &[("to", phone.as_str().to_owned())])),
                ..Outcome::default()
            },
            StatusCode::OK,
        ),
        Err(e) => {
            tracing::warn!(error = %e, "test text message refused");
            let reason = match e {
                crate::notify::SmsError::Answered { status, answer } => tr.with(
                    "sms-gateway-answered",
                    &[("status", status.to_string()), ("answer", answer)],
                ),
                crate::notify::SmsError::Unreachable(detail) => {
                    tr.with("sms-gateway-unreachable", &[("detail", detail)])
                }
            };
            sms_page(
                Outcome {
                    problem: Some(tr.with("sms-test-failed", &[("reason", reason)])),
                    typed: typed.clone(),
                    ..Outcome::default()
                },
                StatusCode::BAD_GATEWAY,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_shown() {
        assert_eq!(
            without_credentials("smtps://notices:s3cret@mail.gov.kz:465?tls=required"),
            "smtps://mail.gov.kz:465"
        );
        assert_eq!(without_credentials("smtp://relay:25"), "smtp://relay:25");
    }
}
