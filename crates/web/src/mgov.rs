//! Signing with eGov mobile by QR ("mgovSign"), for people without NCALayer: the page registers
//! what is to be signed and shows a QR code whose text is `mobileSign:<link>`; the eGov mobile
//! (or eGov Business) app reads the link — a description, the expiry, the organisation, and
//! where the documents are — fetches the documents with the bearer token it was given, signs
//! them with the person's key on the phone, and sends the signed CMS back with PUT; the page,
//! polling, takes the signature and submits its form, where the server checks it as any
//! other. Links expire after 180 seconds and take one signature. Any node serves any step:
//! the exchange lives in the database.

use crate::context::{random_token, token_hash, Ctx};
use crate::extract::{CsrfForm, FormRefused};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use otinish_domain::repo::{MobileSigning, StoreError};
use serde::{Deserialize, Serialize};

/// How long a QR link lasts.
pub const LIFETIME: chrono::Duration = chrono::Duration::seconds(180);
/// The largest document signed this way (what a page signs is small: a challenge, a card).
const MAX_DOCUMENT: usize = 256 * 1024;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

#[derive(Debug, Deserialize)]
pub struct StartForm {
    /// What is signed, base64.
    document: String,
    /// `signin`, `appeal`, `reception` or `answer`: says on the phone what is being signed.
    purpose: String,
}

#[derive(Debug, Serialize)]
struct Started {
    /// The page polls `/sign/mobile/<id>` with it.
    id: String,
    /// The QR code's text.
    qr: String,
    /// The QR code, as SVG markup made by the server.
    qr_svg: String,
    expires_in: i64,
}

fn problem(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// Signings one client address may start in a quarter of an hour (each is a row for 3 minutes
/// and an hour's grace): enough for a person trying again, not for filling the database.
const STARTS_PER_ADDRESS: i64 = 60;

/// `POST /sign/mobile`: registers a document to sign with eGov mobile (CSRF-checked; open to
/// anyone, since signing in is one of its uses; limited per client address).
pub async fn start(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::video::ClientIp(client): crate::video::ClientIp,
    form: Result<CsrfForm<StartForm>, FormRefused>,
) -> Response {
    let f = match form {
        Ok(CsrfForm(f)) => f,
        Err(FormRefused::Forged(_)) => {
            return problem(StatusCode::FORBIDDEN, &ctx.tr.get("error-csrf"))
        }
        Err(FormRefused::Unreadable(r)) => return r,
    };
    let now = app.clock.now();
    let key = format!("mgov:{client}");
    match app
        .store
        .failed_attempts(&key, now - chrono::Duration::minutes(15))
        .await
    {
        Ok(n) if n >= STARTS_PER_ADDRESS => {
            return problem(StatusCode::TOO_MANY_REQUESTS, &ctx.tr.get("mgov-too-many"))
        }
        Ok(_) => {}
        Err(e) => {
            tracing::error!(error = %e, "mobile signing limit");
            return problem(
                StatusCode::SERVICE_UNAVAILABLE,
                &ctx.tr.get("error-internal"),
            );
        }
    }
    if let Err(e) = app.store.note_failed_attempt(&key, now).await {
        tracing::error!(error = %e, "mobile signing limit");
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            &ctx.tr.get("error-internal"),
        );
    }
    let Ok(document) = b64().decode(f.document.trim()) else {
        return problem(StatusCode::BAD_REQUEST, "document: not base64");
    };
    if document.is_empty() || document.len() > MAX_DOCUMENT {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "document: empty or too large",
        );
    }
    let key = match f.purpose.as_str() {
        "signin" => "mgov-purpose-signin",
        "appeal" => "mgov-purpose-appeal",
        "reception" => "mgov-purpose-reception",
        "answer" => "mgov-purpose-answer",
        "hearing" => "mgov-purpose-hearing",
        _ => return problem(StatusCode::BAD_REQUEST, "purpose: unknown"),
    };
    let id = random_token();
    let auth = random_token();
    let m = MobileSigning {
        id_hash: token_hash(&id),
        auth_token: auth,
        link_read: false,
        description: ctx.tr.get(key),
        document,
        created_at: now,
        expires_at: now + LIFETIME,
        signature: None,
        signed_at: None,
    };
    if let Err(e) = app.store.create_mobile_signing(&m).await {
        tracing::error!(error = %e, "mobile signing not registered");
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            &ctx.tr.get("error-internal"),
        );
    }
    let qr = format!(
        "mobileSign:{}/mgov/{id}",
        app.settings.public_url.trim_end_matches('/')
    );
    Json(Started {
        qr_svg: crate::cabinet::qr_svg(&qr),
        qr,
        id,
        expires_in: LIFETIME.num_seconds(),
    })
    .into_response()
}

/// `GET /sign/mobile/{id}`: the page's poll — waiting, signed (with the signature), expired.
pub async fn status(State(app): State<AppState>, Path(id): Path<String>) -> Response {
    let now = app.clock.now();
    match app.store.mobile_signing(&token_hash(&id)).await {
        Ok(m) => match m.signature {
            Some(sig) => Json(serde_json::json!({
                "state": "signed",
                "signature": b64().encode(sig),
            }))
            .into_response(),
            None if m.expires_at <= now => {
                Json(serde_json::json!({ "state": "expired" })).into_response()
            }
            None => Json(serde_json::json!({
                "state": "waiting",
                "expires_in": (m.expires_at - now).num_seconds(),
            }))
            .into_response(),
        },
        Err(StoreError::NotFound(_)) => problem(StatusCode::NOT_FOUND, "unknown"),
        Err(e) => {
            tracing::error!(error = %e, "mobile signing status");
            problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
    }
}

/// The organisation that asks for the signature, as the app shows it.
#[derive(Debug, Serialize)]
struct Organisation {
    #[serde(rename = "nameRu")]
    name_ru: String,
    #[serde(rename = "nameKz")]
    name_kz: String,
    #[serde(rename = "nameEn")]
    name_en: String,
    bin: String,
}

/// `GET /mgov/{id}`: what the app reads from the QR link — what is signed, until when, for
/// whom, and where the documents are (with the token to fetch them).
pub async fn link(State(app): State<AppState>, Path(id): Path<String>) -> Response {
    let now = app.clock.now();
    let hash = token_hash(&id);
    let m = match app.store.mobile_signing(&hash).await {
        Ok(m) if m.expires_at > now && m.signature.is_none() => m,
        Ok(_) => return problem(StatusCode::GONE, "expired or already signed"),
        Err(StoreError::NotFound(_)) => return problem(StatusCode::NOT_FOUND, "unknown"),
        Err(e) => {
            tracing::error!(error = %e, "mobile signing link");
            return problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        }
    };
    // The bearer token is handed out once, to the first reader of the link.
    match app.store.read_mobile_link(&hash).await {
        Ok(true) => {}
        Ok(false) => return problem(StatusCode::GONE, "the link was already read"),
        Err(e) => {
            tracing::error!(error = %e, "mobile signing link");
            return problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        }
    }
    let auth = m.auth_token.clone();
    let expiry = m
        .expires_at
        .with_timezone(&app.calendar.read().await.zone().tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
    Json(serde_json::json!({
        "description": m.description,
        "expiry_date": expiry,
        "organisation": Organisation {
            name_ru: app.settings.operator.name.ru.clone(),
            name_kz: app.settings.operator.name.kk.clone(),
            name_en: app.settings.operator.name.en.clone(),
            bin: app.settings.operator.bin.clone(),
        },
        "document": {
            "uri": format!("{}/mgov/{id}/documents", app.settings.public_url.trim_end_matches('/')),
            "auth_type": "Token",
            "auth_token": auth,
        },
    }))
    .into_response()
}

/// The bearer token of a documents request, checked against the signing's.
fn authorised(headers: &HeaderMap, m: &MobileSigning) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| crate::context::same_token(t.trim(), &m.auth_token))
}

async fn current(app: &AppState, id: &str) -> Result<MobileSigning, Response> {
    match app.store.mobile_signing(&token_hash(id)).await {
        Ok(m) if m.expires_at > app.clock.now() => Ok(m),
        Ok(_) => Err(problem(StatusCode::GONE, "expired")),
        Err(StoreError::NotFound(_)) => Err(problem(StatusCode::NOT_FOUND, "unknown")),
        Err(e) => {
            tracing::error!(error = %e, "mobile signing documents");
            Err(problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable"))
        }
    }
}

/// `GET /mgov/{id}/documents`: the documents to sign (one), as a CMS with the data.
pub async fn documents(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let m = match current(&app, &id).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    if !authorised(&headers, &m) {
        return problem(StatusCode::UNAUTHORIZED, "token");
    }
    Json(serde_json::json!({
        "signMethod": "CMS_WITH_DATA",
        "version": 2,
        "documentsToSign": [{
            "id": 1,
            "nameRu": m.description,
            "nameKz": m.description,
            "nameEn": m.description,
            "meta": [],
            "document": { "file": { "mime": "", "data": b64().encode(&m.document) } },
        }],
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct SignedDocuments {
    #[serde(rename = "documentsToSign")]
    documents_to_sign: Vec<SignedDocument>,
}

#[derive(Debug, Deserialize)]
pub struct SignedDocument {
    document: SignedFileHolder,
}

#[derive(Debug, Deserialize)]
pub struct SignedFileHolder {
    file: SignedFile,
}

#[derive(Debug, Deserialize)]
pub struct SignedFile {
    data: String,
}

/// `PUT /mgov/{id}/documents`: the app sends the signed CMS back; taken once. Its check is the
/// form's, when the page submits it.
pub async fn signed(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let m = match current(&app, &id).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    if !authorised(&headers, &m) {
        return problem(StatusCode::UNAUTHORIZED, "token");
    }
    let Ok(body) = serde_json::from_slice::<SignedDocuments>(&body) else {
        return problem(StatusCode::BAD_REQUEST, "not the signed documents");
    };
    let Some(first) = body.documents_to_sign.first() else {
        return problem(StatusCode::BAD_REQUEST, "no signed document");
    };
    let Ok(cms) = b64().decode(first.document.file.data.trim()) else {
        return problem(StatusCode::BAD_REQUEST, "the signature is not base64");
    };
    if cms.len() > MAX_DOCUMENT * 2 + 64 * 1024 {
        return problem(StatusCode::PAYLOAD_TOO_LARGE, "too large");
    }
    match app
        .store
        .put_mobile_signature(&m.id_hash, &cms, app.clock.now())
        .await
    {
        Ok(true) => Json(serde_json::json!({})).into_response(),
        Ok(false) => problem(StatusCode::CONFLICT, "already signed or expired"),
        Err(e) => {
            tracing::error!(error = %e, "mobile signature not stored");
            problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
    }
}
