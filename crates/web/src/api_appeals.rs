//! The applicant's JSON API: sign in by signing a challenge, file signed appeals (idempotent),
//! follow them. Authenticated by a bearer token (never by cookie, so no CSRF exposure).

use crate::cabinet::error_text;
use crate::context::{token_hash, Ctx};
use crate::eappeal::AppealError;
use crate::error::{ApiError, ErrorBody, ErrorEnvelope, FieldError};
use crate::AppState;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use otinish_domain::repo::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The applicant behind a bearer token.
pub struct ApiApplicant {
    pub id: i64,
}

impl FromRequestParts<AppState> for ApiApplicant {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let unauthorized = || {
            ApiError {
                status: StatusCode::UNAUTHORIZED,
                body: ErrorBody {
                    code: "unauthorized".into(),
                    message: "sign in first: POST /api/v1/auth/challenge, then /api/v1/auth/signin"
                        .into(),
                    fields: vec![],
                },
            }
            .into_response()
        };
        let Some(token) = token else {
            return Err(unauthorized());
        };
        // An unknown or expired token is the caller's to fix; a database that does not
        // answer is not (it is never turned into a 401).
        let id = match app
            .store
            .applicant_session(&token_hash(token), app.clock.now())
            .await
        {
            Ok(id) => id,
            Err(otinish_domain::repo::StoreError::NotFound(_)) => return Err(unauthorized()),
            Err(e) => {
                let tr = crate::i18n::Tr::new(otinish_domain::Lang::default());
                return Err(ApiError::from_store(tr, e).into_response());
            }
        };
        Ok(Self { id })
    }
}

fn appeal_error(ctx: &Ctx, e: AppealError) -> ApiError {
    let tr = ctx.tr;
    match e {
        AppealError::Invalid(problems) => {
            ApiError::invalid(tr, problems.iter().map(|p| (p.field, p.key)).collect())
        }
        AppealError::Store(s) => ApiError::from_store(tr, s),
        AppealError::Internal(m) => {
            tracing::error!(error = %m, "api");
            ApiError::from_store(tr, otinish_domain::repo::StoreError::Backend(m))
        }
        AppealError::TooMany(_) => ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: ErrorBody {
                code: "too_many_appeals".into(),
                message: error_text(tr, &e),
                fields: vec![],
            },
        },
        AppealError::FilesUnavailable(_) => ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            body: ErrorBody {
                code: "files_unavailable".into(),
                message: error_text(tr, &e),
                fields: vec![],
            },
        },
        AppealError::Forbidden => ApiError {
            status: StatusCode::FORBIDDEN,
            body: ErrorBody {
                code: "forbidden".into(),
                message: error_text(tr, &AppealError::Forbidden),
                fields: vec![],
            },
        },
        other => {
            let code = match &other {
                AppealError::Signature(v) => format!("signature_{}", v.code()),
                AppealError::NotYourSignature => "not_your_signature".into(),
                AppealError::NotAnAppeal => "not_an_appeal".into(),
                AppealError::FilesMismatch => "files_mismatch".into(),
                AppealError::UnknownBody => "unknown_body".into(),
                AppealError::BodyClosed => "body_closed".into(),
                AppealError::BadChallenge => "bad_challenge".into(),
                _ => "not_allowed".into(),
            };
            ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                body: ErrorBody {
                    message: error_text(tr, &other),
                    fields: vec![FieldError {
                        field: "signature".into(),
                        message: error_text(tr, &other),
                    }],
                    code,
                },
            }
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Challenge {
    /// Sign these exact bytes (UTF-8) as CMS, attached, with your signing key.
    challenge: String,
}

/// A one-time challenge to sign for signing in.
#[utoipa::path(post, path = "/api/v1/auth/challenge", responses((status = 200, body = Challenge)))]
pub async fn challenge(State(app): State<AppState>, ctx: Ctx) -> Result<Json<Challenge>, ApiError> {
    let challenge = app
        .sign_in_challenge()
        .await
        .map_err(|e| appeal_error(&ctx, e))?;
    Ok(Json(Challenge { challenge }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignIn {
    challenge: String,
    /// The CMS signature of the challenge, base64 (as NCALayer returns it).
    signature: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    /// Send as `Authorization: Bearer <token>`; valid for 8 hours.
    token: String,
    applicant_id: i64,
}

/// Signs in by a signed challenge (EA-02: the applicant's identity comes from the certificate).
#[utoipa::path(post, path = "/api/v1/auth/signin", request_body = SignIn,
    responses((status = 200, body = Session), (status = 400, body = ErrorEnvelope, description = "the body is not JSON"),
        (status = 415, body = ErrorEnvelope, description = "the body is not sent as application/json"),
        (status = 422, body = ErrorEnvelope)))]
pub async fn signin(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::error::ApiJson(b): crate::error::ApiJson<SignIn>,
) -> Result<Json<Session>, ApiError> {
    let (applicant_id, token) = app
        .sign_in(&b.challenge, b.signature.as_bytes(), ctx.tr.lang)
        .await
        .map_err(|e| appeal_error(&ctx, e))?;
    Ok(Json(Session {
        token,
        applicant_id,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewFile {
    name: String,
    /// The file's bytes, base64.
    content_base64: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAppealBody {
    /// CMS signature (base64 or PEM) of the appeal document: JSON `{"otinish":"appeal/1",
    /// "applicant_type":"individual"|"legal_entity","form":{…},"files":[{"name","sha256","size"}]}`,
    /// attached.
    signature: String,
    #[serde(default)]
    files: Vec<NewFile>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineDto {
    key: String,
    rule: String,
    rulebook: String,
    due_on: String,
    due_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeDto {
    kind: String,
    channel: String,
    status: String,
    subject: String,
    created_at: String,
    delivered_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppealDto {
    id: i64,
    /// False when this was a retry of an earlier submission with the same Idempotency-Key, or
    /// the same signed content sent again.
    created: bool,
    /// True when the same signed content had been sent before under another Idempotency-Key:
    /// this is the first appeal, and no second one was filed.
    sent_before: bool,
    state: String,
    body_id: i64,
    kind: String,
    received_at: String,
    registration_number: Option<String>,
    receipt_code: Option<String>,
    answer_code: Option<String>,
    deadlines: Vec<DeadlineDto>,
    notices: Vec<NoticeDto>,
}

async fn appeal_dto(
    app: &crate::App,
    id: i64,
    created: bool,
) -> Result<AppealDto, otinish_domain::repo::StoreError> {
    let card = app.store.card(id).await?;
    let docs = app.store.signed_documents(id).await?;
    Ok(AppealDto {
        id,
        created,
        sent_before: false,
        state: card.state.to_string(),
        body_id: card.body_id,
        kind: card.kind.to_string(),
        received_at: card.received_at.to_rfc3339(),
        registration_number: card.reg_number.map(|n| n.to_string()),
        receipt_code: docs
            .iter()
            .find(|d| d.kind == "receipt")
            .map(|d| d.code.clone()),
        answer_code: docs
            .iter()
            .find(|d| d.kind == "answer")
            .map(|d| d.code.clone()),
        deadlines: app
            .store
            .deadlines(id)
            .await?
            .into_iter()
            .map(|d| DeadlineDto {
                key: d.key,
                rule: d.rule,
                rulebook: d.rulebook,
                due_on: d.due_on.to_string(),
                due_at: d.due_at.to_rfc3339(),
            })
            .collect(),
        notices: app
            .store
            .notices_of_card(id)
            .await?
            .into_iter()
            .map(|n| NoticeDto {
                kind: n.kind.to_string(),
                channel: n.channel.to_string(),
                status: n.status.to_string(),
                subject: n.subject,
                created_at: n.created_at.to_rfc3339(),
                delivered_at: n.delivered_at.map(|d| d.to_rfc3339()),
            })
            .collect(),
    })
}

/// The `Idempotency-Key` header of a new appeal.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKey {
    /// Unique per appeal and sent again on every retry of it: 1 to 200 visible ASCII
    /// characters (letters, digits and punctuation; no spaces), a UUID for instance.
    #[serde(rename = "Idempotency-Key")]
    #[param(min_length = 1, max_length = 200, pattern = r"^[!-~]{1,200}$")]
    #[allow(dead_code)] // read from the headers by hand, to answer in the envelope
    key: String,
}

/// What an `Idempotency-Key` may be: 1 to 200 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    let key = headers.get("idempotency-key")?.to_str().ok()?.trim();
    (!key.is_empty() && key.len() <= 200 && key.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| key.to_owned())
}

/// Files a signed appeal (EA-02 … EA-08). `Idempotency-Key` is required: a retry with the same
/// key returns the first appeal (200) instead of creating a second one (201). The body may be
/// at most 96 MB (files in base64 count a third more than their size).
#[utoipa::path(post, path = "/api/v1/appeals", request_body = NewAppealBody,
    params(IdempotencyKey),
    responses((status = 201, body = AppealDto), (status = 200, body = AppealDto), (status = 400, body = ErrorEnvelope, description = "the body is not JSON"),
        (status = 401, body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope, description = "the body is over 96 MB"),
        (status = 415, body = ErrorEnvelope, description = "the body is not sent as application/json"),
        (status = 422, body = ErrorEnvelope),
        (status = 429, body = ErrorEnvelope, description = "the applicant filed as many appeals in the past hour as one may"),
        (status = 503, body = ErrorEnvelope, description = "the attached files cannot be stored now")),
    security(("bearer" = [])))]
pub async fn submit(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApiApplicant,
    headers: HeaderMap,
    crate::error::ApiJson(b): crate::error::ApiJson<NewAppealBody>,
) -> Result<Response, ApiError> {
    use base64::Engine;
    let key = idempotency_key(&headers).ok_or_else(|| {
        ApiError::invalid(ctx.tr, vec![("Idempotency-Key", "api-idempotency-key")])
    })?;
    let mut files = Vec::with_capacity(b.files.len());
    for f in b.files {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(f.content_base64.as_bytes())
            .map_err(|_| ApiError::invalid(ctx.tr, vec![("files", "appeal-file-type")]))?;
        files.push((f.name, bytes));
    }
    let (id, filing) = app
        .submit_appeal(me.id, b.signature.as_bytes(), files, &key)
        .await
        .map_err(|e| appeal_error(&ctx, e))?;
    let created = filing.created();
    let mut dto = appeal_dto(&app, id, created)
        .await
        .map_err(|e| ApiError::from_store(ctx.tr, e))?;
    dto.sent_before = filing == crate::eappeal::Filing::Replay;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(dto)).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppealList {
    items: Vec<AppealDto>,
    total: i64,
}

/// My appeals, newest first (at most 50).
#[utoipa::path(get, path = "/api/v1/appeals", responses((status = 200, body = AppealList), (status = 401, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApiApplicant,
) -> Result<Json<AppealList>, ApiError> {
    let page = app
        .store
        .appeals_of_applicant(me.id, PageRequest::new(Some(50), None))
        .await
        .map_err(|e| ApiError::from_store(ctx.tr, e))?;
    let mut items = Vec::with_capacity(page.items.len());
    for c in &page.items {
        items.push(
            appeal_dto(&app, c.id, false)
                .await
                .map_err(|e| ApiError::from_store(ctx.tr, e))?,
        );
    }
    Ok(Json(AppealList {
        items,
        total: page.total,
    }))
}

/// One of my appeals, with its deadlines and every notice.
#[utoipa::path(get, path = "/api/v1/appeals/{id}", params(("id" = i64, Path, description = "the appeal's number")),
    responses((status = 200, body = AppealDto), (status = 400, description = "the number is not a number"), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)), security(("bearer" = [])))]
pub async fn get_one(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApiApplicant,
    Path(id): Path<i64>,
) -> Result<Json<AppealDto>, ApiError> {
    match app.store.appeal(id).await {
        Ok(a) if a.applicant_id == me.id && !a.hidden_by_applicant => Ok(Json(
            appeal_dto(&app, id, false)
                .await
                .map_err(|e| ApiError::from_store(ctx.tr, e))?,
        )),
        _ => Err(ApiError::not_found(ctx.tr)),
    }
}
