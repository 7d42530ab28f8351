//! The deployment's trust: the roots and intermediates signatures are checked against (NCA's
//! built in, the trust folder's, and those added from this page), with their validity and
//! fingerprints, the revocation settings, and the revocation lists fetched for every node with
//! their freshness — a stale list is shown as a warning. The deployment's administrator adds a
//! certificate authority's certificate (uploaded file), withdraws one (it then vouches for no
//! signature), or trusts a withdrawn one again; this node takes the change at once, the others
//! at their next reload (five minutes).

use crate::admin_pages::fail;
use crate::context::Ctx;
use crate::extract::{CsrfForm, CsrfMultipart, Staff, TokenOnly};
use crate::i18n::Tr;
use crate::pages::{page_error, render, Layout};
use crate::revocation::{Mode, OnUnreachable};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use otinish_app::trust::{self, Validity};
use otinish_app::Error;
use otinish_domain::model::StaffUser;
use serde::Deserialize;

/// (kind, subject, serial, valid from, valid to, state, fingerprint grouped, is valid,
/// source, fingerprint)
type CertRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    bool,
    String,
    String,
);
/// (address, issued, next update, fetched, is stale)
type CrlRow = (String, String, String, String, bool);
/// (subject, fingerprint grouped, withdrawn on, fingerprint)
type WithdrawnRow = (String, String, String, String);

#[derive(Template)]
#[template(path = "admin_trust.html")]
struct TrustPage {
    t: Tr,
    layout: Layout,
    message: Option<String>,
    problems: Vec<String>,
    certificates: Vec<CertRow>,
    withdrawn: Vec<WithdrawnRow>,
    crls: Vec<CrlRow>,
    stale_warning: Option<String>,
    /// When a revocation list was last fetched successfully, if ever.
    last_refresh: Option<String>,
    mode: String,
    on_unreachable: String,
    file_hint: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct TrustQuery {
    #[serde(default)]
    added: Option<usize>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    restored: Option<String>,
}

/// A SHA-256 fingerprint in groups of four, as people compare them.
fn grouped(hex: &str) -> String {
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).to_uppercase())
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<TrustQuery>,
) -> Response {
    let tr = ctx.tr;
    let message = if let Some(n) = q.added {
        Some(tr.with("trust-added", &[("count", n.to_string())]))
    } else if q.withdrawn.is_some() {
        Some(tr.get("trust-withdrawn-done"))
    } else if q.restored.is_some() {
        Some(tr.get("trust-restored"))
    } else {
        None
    };
    page(&app, &ctx, &user, message, vec![], StatusCode::OK).await
}

async fn page(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    message: Option<String>,
    problems: Vec<String>,
    status: StatusCode,
) -> Response {
    if let Err(e) = trust::viewer(user) {
        return fail(ctx, e);
    }
    let tr = ctx.tr;
    let now = app.clock.now();
    let records = match app.store.trust_anchors().await {
        Ok(r) => r,
        Err(e) => return fail(ctx, e.into()),
    };
    // What another node changed meanwhile is shown (and in force here) at once.
    app.pki.trust.apply(&records);
    let certificates = app
        .pki
        .trust
        .get()
        .certificates()
        .into_iter()
        .map(|(c, fp, root)| {
            let v = trust::validity(c.not_before, c.not_after, now);
            let source = match records
                .iter()
                .find(|r| r.fingerprint == fp && r.der.is_some())
            {
                Some(r) => tr.with(
                    "trust-source-console",
                    &[("date", crate::cabinet::local(app, r.changed_at))],
                ),
                None => tr.get("trust-source-base"),
            };
            (
                tr.get(if root {
                    "trust-root"
                } else {
                    "trust-intermediate"
                }),
                c.subject,
                c.serial,
                crate::cabinet::local(app, c.not_before),
                crate::cabinet::local(app, c.not_after),
                tr.get(match v {
                    Validity::NotYet => "trust-not-yet",
                    Validity::Valid => "trust-valid",
                    Validity::Expired => "trust-expired",
                }),
                grouped(&fp),
                v == Validity::Valid,
                source,
                fp,
            )
        })
        .collect();
    let withdrawn = records
        .iter()
        .filter(|r| !r.trusted)
        .map(|r| {
            (
                r.subject.clone(),
                grouped(&r.fingerprint),
                crate::cabinet::local(app, r.changed_at),
                r.fingerprint.clone(),
            )
        })
        .collect();
    let lists = match app.store.crls().await {
        Ok(l) => l,
        Err(e) => return fail(ctx, e.into()),
    };
    let crls: Vec<CrlRow> = lists
        .iter()
        .map(|l| {
            (
                l.url.clone(),
                crate::cabinet::local(app, l.this_update),
                l.next_update
                    .map(|n| crate::cabinet::local(app, n))
                    .unwrap_or_else(|| tr.get("trust-none")),
                crate::cabinet::local(app, l.fetched_at),
                trust::stale(l.next_update, now),
            )
        })
        .collect();
    let policy = app.pki.revocation.policy;
    let page = TrustPage {
        t: tr,
        layout: Layout::new(app, ctx),
        message,
        problems,
        stale_warning: match crls.iter().filter(|c| c.4).count() {
            0 => None,
            n => Some(tr.with("trust-stale-warning", &[("count", n.to_string())])),
        },
        last_refresh: lists
            .iter()
            .map(|l| l.fetched_at)
            .max()
            .map(|t| crate::cabinet::local(app, t)),
        certificates,
        withdrawn,
        crls,
        mode: tr.get(match policy.mode {
            Mode::Crl => "trust-mode-crl",
            Mode::Ocsp => "trust-mode-ocsp",
            Mode::Both => "trust-mode-both",
            Mode::None => "trust-mode-none",
        }),
        on_unreachable: tr.get(match policy.on_unreachable {
            OnUnreachable::Refuse => "trust-unreachable-refuse",
            OnUnreachable::AcceptMarked => "trust-unreachable-accept",
        }),
        file_hint: tr.with(
            "trust-file-hint",
            &[("kb", (trust::MAX_FILE_BYTES / 1024).to_string())],
        ),
    };
    (status, render(page)).into_response()
}

/// The page again with the reason a change was refused, or the error page.
async fn refused(app: &crate::App, ctx: &Ctx, user: &StaffUser, e: Error) -> Response {
    let tr = ctx.tr;
    match e {
        Error::Invalid(p) => {
            let problems = p.iter().map(|p| tr.get(p.key)).collect();
            page(
                app,
                ctx,
                user,
                None,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Error::Refused { key, .. } => {
            page(
                app,
                ctx,
                user,
                None,
                vec![tr.get(key)],
                StatusCode::CONFLICT,
            )
            .await
        }
        other => fail(ctx, other),
    }
}

/// Trusts the certificates of an uploaded file (multipart: `csrf`, `file`).
pub async fn add(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfMultipart(form): CsrfMultipart,
) -> Response {
    let Ok(parts) = form else {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "admin-import-unreadable");
    };
    let bytes = parts
        .into_iter()
        .find(|p| p.name == "file")
        .map(|p| p.bytes.to_vec())
        .unwrap_or_default();
    match trust::add(app.store.as_ref(), &user, &bytes, app.clock.now()).await {
        Ok(added) => {
            for c in &added {
                tracing::info!(staff = user.id, subject = %c.link.subject, fingerprint = %c.fingerprint, "certificate trusted");
            }
            if let Err(e) = app.reload_trust().await {
                tracing::warn!(error = %e, "trust store not rebuilt");
            }
            Redirect::to(&format!("/staff/admin/trust?added={}", added.len())).into_response()
        }
        Err(e) => refused(&app, &ctx, &user, e).await,
    }
}

/// Withdraws a certificate in force: it vouches for no signature from now on.
pub async fn withdraw(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(fingerprint): Path<String>,
    CsrfForm(_): CsrfForm<TokenOnly>,
) -> Response {
    let current = app.pki.trust.get();
    match trust::withdraw(
        app.store.as_ref(),
        &user,
        &current,
        &fingerprint,
        app.clock.now(),
    )
    .await
    {
        Ok(()) => {
            tracing::info!(staff = user.id, %fingerprint, "certificate withdrawn");
            if let Err(e) = app.reload_trust().await {
                tracing::warn!(error = %e, "trust store not rebuilt");
            }
            Redirect::to("/staff/admin/trust?withdrawn=1").into_response()
        }
        Err(e) => refused(&app, &ctx, &user, e).await,
    }
}

/// Trusts a withdrawn certificate again.
pub async fn restore(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(fingerprint): Path<String>,
    CsrfForm(_): CsrfForm<TokenOnly>,
) -> Response {
    match trust::restore(app.store.as_ref(), &user, &fingerprint, app.clock.now()).await {
        Ok(()) => {
            tracing::info!(staff = user.id, %fingerprint, "certificate trusted again");
            if let Err(e) = app.reload_trust().await {
                tracing::warn!(error = %e, "trust store not rebuilt");
            }
            Redirect::to("/staff/admin/trust?restored=1").into_response()
        }
        Err(e) => refused(&app, &ctx, &user, e).await,
    }
}
