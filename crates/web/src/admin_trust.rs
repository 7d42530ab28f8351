//! The deployment's trust: the roots and intermediates signatures are checked against (NCA's
//! built in, and the trust folder's), with their validity and fingerprints, the revocation
//! settings, and the revocation lists fetched for every node with their freshness — a stale
//! list is shown as a warning. Read-only: anchors are installed with `otinish init
//! --trust-from` or into the trust folder, and read at start.

use crate::admin_pages::{fail, to_login};
use crate::context::Ctx;
use crate::i18n::Tr;
use crate::pages::{render, Layout};
use crate::revocation::{Mode, OnUnreachable};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use otinish_app::trust::{self, Validity};

/// (kind, subject, serial, valid from, valid to, state, fingerprint, is valid)
type CertRow = (String, String, String, String, String, String, String, bool);
/// (address, issued, next update, fetched, is stale)
type CrlRow = (String, String, String, String, bool);

#[derive(Template)]
#[template(path = "admin_trust.html")]
struct TrustPage {
    t: Tr,
    layout: Layout,
    certificates: Vec<CertRow>,
    crls: Vec<CrlRow>,
    stale_warning: Option<String>,
    mode: String,
    on_unreachable: String,
}

/// A SHA-256 fingerprint in groups of four, as people compare them.
fn grouped(hex: &str) -> String {
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).to_uppercase())
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn show(State(app): State<AppState>, ctx: Ctx) -> Response {
    let Some(user) = ctx.user.clone() else {
        return to_login();
    };
    if let Err(e) = trust::viewer(&user) {
        return fail(&ctx, e);
    }
    let tr = ctx.tr;
    let now = app.clock.now();
    let certificates = app
        .pki
        .trust
        .certificates()
        .into_iter()
        .map(|(c, fp, root)| {
            let v = trust::validity(c.not_before, c.not_after, now);
            (
                tr.get(if root {
                    "trust-root"
                } else {
                    "trust-intermediate"
                }),
                c.subject,
                c.serial,
                crate::cabinet::local(&app, c.not_before),
                crate::cabinet::local(&app, c.not_after),
                tr.get(match v {
                    Validity::NotYet => "trust-not-yet",
                    Validity::Valid => "trust-valid",
                    Validity::Expired => "trust-expired",
                }),
                grouped(&fp),
                v == Validity::Valid,
            )
        })
        .collect();
    let lists = match app.store.crls().await {
        Ok(l) => l,
        Err(e) => return fail(&ctx, e.into()),
    };
    let crls: Vec<CrlRow> = lists
        .iter()
        .map(|l| {
            (
                l.url.clone(),
                crate::cabinet::local(&app, l.this_update),
                l.next_update
                    .map(|n| crate::cabinet::local(&app, n))
                    .unwrap_or_else(|| tr.get("trust-none")),
                crate::cabinet::local(&app, l.fetched_at),
                trust::stale(l.next_update, now),
            )
        })
        .collect();
    let policy = app.pki.revocation.policy;
    let page = TrustPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        stale_warning: match crls.iter().filter(|c| c.4).count() {
            0 => None,
            n => Some(tr.with("trust-stale-warning", &[("count", n.to_string())])),
        },
        certificates,
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
    };
    (StatusCode::OK, render(page)).into_response()
}
