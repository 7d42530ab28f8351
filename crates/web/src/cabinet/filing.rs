//! Filing an appeal from the cabinet (EA-02 … EA-05): the form, what it checks, and the
//! signed submission with its files.

use super::*;

pub struct FormField {
    name: &'static str,
    label: String,
    kind: &'static str,
    required: bool,
    max: usize,
    value: String,
    options: Vec<(String, String)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "appeal_new.html")]
struct AppealFormPage {
    t: Tr,
    layout: Layout,
    applicant_type: &'static str,
    idempotency_key: String,
    readonly: Vec<(String, String)>,
    fields: Vec<FormField>,
    file_error: Option<String>,
    error: Option<String>,
    demo: bool,
}

async fn form_page(
    app: &App,
    ctx: &Ctx,
    me: &ApplicantCtx,
    values: &serde_json::Map<String, serde_json::Value>,
    problems: &[FieldProblem],
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let bodies = otinish_app::directory::open_bodies(app.store.as_ref())
        .await
        .unwrap_or_default();
    let body_options: Vec<(String, String)> = bodies
        .iter()
        .map(|b| (b.id.to_string(), b.name.get(tr.lang).to_owned()))
        .collect();
    let kind_options: Vec<(String, String)> = AppealKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str().to_owned(),
                tr.get(&format!("kind-{}", k.as_str())),
            )
        })
        .collect();
    let value = |name: &str| -> String {
        match values.get(name) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Bool(b)) => b.to_string(),
            _ => String::new(),
        }
    };
    let err = |name: &str| {
        problems
            .iter()
            .find(|p| p.field == name)
            .map(|p| tr.get(p.key))
    };
    let field =
        |name: &'static str, label: &str, kind: &'static str, required: bool, default: String| {
            FormField {
                name,
                label: tr.get(label),
                kind,
                required,
                max: 0,
                value: if values.contains_key(name) {
                    value(name)
                } else {
                    default
                },
                options: vec![],
                error: err(name),
            }
        };
    let (applicant_type, readonly, mut fields) = match &me.applicant {
        Applicant::Individual {
            iin,
            surname,
            name,
            patronymic,
            email,
            phone,
            address,
            ..
        } => (
            "individual",
            vec![
                (tr.get("appeal-iin"), iin.to_string()),
                (tr.get("appeal-surname"), surname.clone()),
                (tr.get("appeal-name"), name.clone()),
            ],
            vec![
                field(
                    "patronymic",
                    "appeal-patronymic",
                    "text",
                    false,
                    patronymic.clone().unwrap_or_default(),
                ),
                field(
                    "email",
                    "appeal-email",
                    "email",
                    false,
                    email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
                ),
                field(
                    "postal_address",
                    "appeal-address",
                    "text",
                    true,
                    address.clone(),
                ),
                field(
                    "phone",
                    "appeal-phone",
                    "tel",
                    false,
                    phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                ),
                field("recipient", "appeal-body", "select", true, String::new()),
                field("kind", "appeal-kind", "select", true, String::new()),
                field("content", "appeal-content", "textarea", true, String::new()),
                field(
                    "collective",
                    "appeal-collective",
                    "checkbox",
                    false,
                    String::new(),
                ),
            ],
        ),
        Applicant::LegalEntity {
            bin,
            org_name,
            signer_surname,
            signer_name,
            email,
            phone,
            address,
            ..
        } => (
            "legal_entity",
            vec![(tr.get("appeal-bin"), bin.to_string())],
            vec![
                field(
                    "signer_surname",
                    "appeal-signer-surname",
                    "text",
                    true,
                    signer_surname.clone(),
                ),
                field(
                    "signer_name",
                    "appeal-signer-name",
                    "text",
                    true,
                    signer_name.clone(),
                ),
                field(
                    "org_name",
                    "appeal-org-name",
                    "text",
                    true,
                    org_name.clone(),
                ),
                field(
                    "outgoing_number",
                    "appeal-outgoing-number",
                    "text",
                    true,
                    String::new(),
                ),
                field(
                    "outgoing_date",
                    "appeal-outgoing-date",
                    "date",
                    true,
                    app.calendar
                        .read()
                        .await
                        .zone()
                        .local_date(app.clock.now())
                        .to_string(),
                ),
                field(
                    "email",
                    "appeal-email",
                    "email",
                    false,
                    email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
                ),
                field(
                    "postal_address",
                    "appeal-address",
                    "text",
                    true,
                    address.clone(),
                ),
                field(
                    "phone",
                    "appeal-phone",
                    "tel",
                    false,
                    phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                ),
                field("recipient", "appeal-body", "select", true, String::new()),
                field("kind", "appeal-kind", "select", true, String::new()),
                field(
                    "short_content",
                    "appeal-short-content",
                    "textarea",
                    true,
                    String::new(),
                ),
                field(
                    "collective",
                    "appeal-collective",
                    "checkbox",
                    false,
                    String::new(),
                ),
            ],
        ),
    };
    for f in &mut fields {
        match f.name {
            "recipient" => f.options = body_options.clone(),
            "kind" => f.options = kind_options.clone(),
            "content" => f.max = app.limits.content_max_chars,
            "short_content" => f.max = app.limits.short_content_max_chars,
            _ => {}
        }
    }
    // Problems with no field of their own (e.g. the signature) go to the top of the form.
    let shown: Vec<&str> = fields.iter().map(|f| f.name).chain(["file"]).collect();
    let orphans: Vec<String> = problems
        .iter()
        .filter(|p| !shown.contains(&p.field))
        .map(|p| tr.get(p.key))
        .collect();
    let error = match (error, orphans.is_empty()) {
        (Some(e), true) => Some(e),
        (Some(e), false) => Some(format!("{e} {}", orphans.join(" "))),
        (None, false) => Some(orphans.join(" ")),
        (None, true) => None,
    };
    let page = AppealFormPage {
        t: tr,
        layout: Layout::new(app, ctx),
        applicant_type,
        idempotency_key: crate::context::random_token(),
        readonly,
        fields,
        file_error: err("file"),
        error,
        demo: app.settings.demo,
    };
    (status, render(page)).into_response()
}

pub async fn appeal_form(State(app): State<AppState>, ctx: Ctx, me: ApplicantCtx) -> Response {
    form_page(
        &app,
        &ctx,
        &me,
        &serde_json::Map::new(),
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

/// What a submission carries.
#[derive(Default)]
struct Submission {
    signature: String,
    idempotency_key: String,
    demo_sign: bool,
    fields: serde_json::Map<String, serde_json::Value>,
    files: Vec<(String, Vec<u8>)>,
}

fn read_submission(parts: Vec<Part>) -> Submission {
    let mut s = Submission::default();
    for p in parts {
        if p.name == "file" {
            let file_name = p.file_name.unwrap_or_default();
            if !file_name.is_empty() || !p.bytes.is_empty() {
                s.files.push((file_name, p.bytes.to_vec()));
            }
            continue;
        }
        let text = p.text();
        match p.name.as_str() {
            "signature" => s.signature = text,
            "idempotency_key" => s.idempotency_key = text,
            "demo_sign" => s.demo_sign = text == "1",
            "collective" => {
                s.fields
                    .insert(p.name, serde_json::Value::Bool(text == "true"));
            }
            "csrf" => {}
            _ => {
                s.fields.insert(p.name, serde_json::Value::String(text));
            }
        }
    }
    s
}

/// EA-02: an appeal is sent only signed — by NCALayer on the applicant's machine, or in demo
/// mode by the demo key of the signed-in demo applicant.
pub async fn submit(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
    CsrfMultipart(form): CsrfMultipart,
) -> Response {
    let sub = match form {
        Ok(parts) => read_submission(parts),
        Err(e) => {
            tracing::info!(error = %e, "unreadable submission");
            return form_page(
                &app,
                &ctx,
                &me,
                &serde_json::Map::new(),
                &[],
                Some(ctx.tr.get("appeal-file-too-large")),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    if !storage_allows_submission(
        u64::try_from(app.store.applicant_storage_used(me.id).await.unwrap_or(0)).unwrap_or(0),
        &app.limits,
    ) {
        return form_page(
            &app,
            &ctx,
            &me,
            &sub.fields,
            &[],
            Some(ctx.tr.get("cabinet-storage-full")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let signature: Vec<u8> = if sub.demo_sign {
        let doc =
            otinish_app::Service::appeal_document(&me.applicant, sub.fields.clone(), &sub.files);
        match demo_signature(&app, &me.applicant, doc.as_bytes()) {
            DemoSignature::Signed(s) => s,
            DemoSignature::NotDemo => {
                return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden")
            }
            DemoSignature::NoKey => {
                return form_page(
                    &app,
                    &ctx,
                    &me,
                    &sub.fields,
                    &[],
                    Some(ctx.tr.get("appeal-unsigned")),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            DemoSignature::Failed => {
                return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
        }
    } else if sub.signature.trim().is_empty() {
        return form_page(
            &app,
            &ctx,
            &me,
            &sub.fields,
            &[],
            Some(ctx.tr.get("appeal-unsigned")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    } else {
        sub.signature.into_bytes()
    };
    let key = if sub.idempotency_key.trim().is_empty() {
        crate::context::random_token()
    } else {
        sub.idempotency_key.clone()
    };
    match app.submit_appeal(me.id, &signature, sub.files, &key).await {
        Ok((id, crate::eappeal::Filing::Replay)) => {
            Redirect::to(&format!("/cabinet/appeals/{id}?sent_before=1")).into_response()
        }
        Ok((id, _)) => Redirect::to(&format!("/cabinet/appeals/{id}?filed=1")).into_response(),
        Err(AppealError::Invalid(problems)) => {
            form_page(
                &app,
                &ctx,
                &me,
                &sub.fields,
                &problems,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ (AppealError::Store(_) | AppealError::Internal(_))) => {
            tracing::error!(error = %e, "submission failed");
            page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(e) => {
            let msg = error_text(ctx.tr, &e);
            let status = match e {
                AppealError::FilesUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                AppealError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            form_page(&app, &ctx, &me, &sub.fields, &[], Some(msg), status).await
        }
    }
}
