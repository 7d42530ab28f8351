//! The applicant's side of video receptions: booking a published slot with a signed
//! request (VC-02, VC-03), and the receptions they booked.

use super::*;
use crate::cabinet::ApplicantCtx;

struct Field {
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
#[template(path = "reception_new.html")]
struct BookingPage {
    t: Tr,
    layout: Layout,
    /// VKS-connected bodies to choose from (code, name), when none is chosen yet.
    bodies: Vec<(String, String)>,
    body_code: String,
    body_name: String,
    readonly: Vec<(String, String)>,
    fields: Vec<Field>,
    no_slots: bool,
    demo: bool,
    error: Option<String>,
}

#[derive(Debug, serde::Deserialize, Default)]
pub struct BookingQuery {
    body: Option<String>,
}

/// The fields of the VC-03 form that are typed (IIN and name come from the signature).
/// In the order of VC-03's appendix, after the chosen time; the language goes before the
/// question.
const FORM_FIELDS: [(&str, &str, &str, bool, usize); 8] = [
    ("slot", "vks-form-slot", "select", true, 0),
    ("address", "vks-form-address", "text", true, 500),
    ("email", "vks-form-email", "email", true, 255),
    ("phones", "vks-form-phones", "text", true, 255),
    ("branch", "vks-form-branch", "select", true, 0),
    ("workplace", "vks-form-workplace", "text", true, 255),
    ("position", "vks-form-position", "text", true, 255),
    (
        "question",
        "vks-form-question",
        "textarea",
        true,
        otinish_domain::vks::QUESTION_MAX_CHARS,
    ),
];

#[allow(clippy::too_many_arguments)]
async fn booking_page(
    app: &App,
    ctx: &Ctx,
    me: &ApplicantCtx,
    body_code: Option<&str>,
    typed: &[(String, String)],
    problems: &[otinish_domain::appeal::FieldProblem],
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let all = otinish_app::directory::open_bodies(app.store.as_ref())
        .await
        .unwrap_or_default();
    let vks_bodies: Vec<(String, String)> = all
        .iter()
        .filter(|b| b.vks_connected)
        .map(|b| (b.code.clone(), b.name.get(tr.lang).to_owned()))
        .collect();
    let chosen = body_code.and_then(|c| all.iter().find(|b| b.code == c && b.vks_connected));
    let demo = app.settings.demo;
    let Some(body) = chosen else {
        let mut r = render(BookingPage {
            t: tr,
            layout: Layout::new(app, ctx),
            bodies: vks_bodies,
            body_code: String::new(),
            body_name: String::new(),
            readonly: vec![],
            fields: vec![],
            no_slots: false,
            demo,
            error,
        });
        *r.status_mut() = if body_code.is_some() {
            StatusCode::NOT_FOUND
        } else {
            status
        };
        return r;
    };
    let officials = app.store.officials(body.id).await.unwrap_or_default();
    let slots: Vec<(String, String)> = app
        .open_slots(body.id)
        .await
        .unwrap_or_default()
        .iter()
        .map(|x| {
            let who = officials
                .iter()
                .find(|o| o.id == x.official_id)
                .map(|o| o.full_name.clone())
                .unwrap_or_default();
            (
                x.id.to_string(),
                format!("{} — {who}", x.starts.format("%d.%m.%Y %H:%M")),
            )
        })
        .collect();
    let branches: Vec<(String, String)> = otinish_app::directory::open_branches(app.store.as_ref())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|b| b.vks_equipment)
        .map(|b| {
            (
                b.id.to_string(),
                format!("{} — {}", b.name.get(tr.lang), b.address.get(tr.lang)),
            )
        })
        .collect();
    let value = |name: &str| {
        typed
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut fields: Vec<Field> = FORM_FIELDS
        .iter()
        .map(|(name, label, kind, required, max)| Field {
            name,
            label: tr.get(label),
            kind,
            required: *required,
            max: *max,
            value: value(name),
            options: match *name {
                "slot" => slots.clone(),
                "branch" => branches.clone(),
                _ => vec![],
            },
            error: problems
                .iter()
                .find(|p| p.field == *name)
                .map(|p| tr.get(p.key)),
        })
        .collect();
    if let Some(f) = fields.iter_mut().find(|f| f.name == "email") {
        if f.value.is_empty() {
            f.value = match &me.applicant {
                otinish_domain::model::Applicant::Individual { email, .. }
                | otinish_domain::model::Applicant::LegalEntity { email, .. } => {
                    email.as_ref().map(|e| e.to_string()).unwrap_or_default()
                }
            };
        }
    }
    let lang_value = {
        let v = value("lang");
        if v.is_empty() {
            tr.lang.code().to_owned()
        } else {
            v
        }
    };
    let question = fields.len() - 1;
    fields.insert(
        question,
        Field {
            name: "lang",
            label: tr.get("vks-form-lang"),
            kind: "select",
            required: false,
            max: 0,
            value: lang_value,
            options: vec![
                ("kk".into(), "Қазақ тілі".into()),
                ("ru".into(), "Русский язык".into()),
            ],
            error: None,
        },
    );
    let readonly = vec![
        (tr.get("appeal-iin"), me.applicant.tax_id().to_owned()),
        (tr.get("vks-form-name"), me.applicant.display_name()),
    ];
    let mut r = render(BookingPage {
        t: tr,
        layout: Layout::new(app, ctx),
        bodies: vec![],
        body_code: body.code.clone(),
        body_name: body.name.get(tr.lang).to_owned(),
        readonly,
        no_slots: slots.is_empty(),
        fields,
        demo,
        error,
    });
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

/// VC-02: the bodies connected to VKS, then the chosen body's free times and the VC-03 form.
pub async fn booking_form(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
    Query(q): Query<BookingQuery>,
) -> Response {
    booking_page(
        &app,
        &ctx,
        &me,
        q.body.as_deref(),
        &[],
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

/// Takes the signed request (or, in demo mode, signs it with the applicant's demo key).
pub async fn book(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
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
    let body_code = get("body");
    let signature: Vec<u8> = if get("demo_sign") == "1" {
        use crate::cabinet::DemoSignature;
        let form: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .filter(|(k, _)| !["csrf", "demo_sign", "signature", "body"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let doc = request_document(&form);
        match crate::cabinet::demo_signature(&app, &me.applicant, doc.as_bytes()) {
            DemoSignature::Signed(s) => s,
            DemoSignature::NotDemo => {
                return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden")
            }
            DemoSignature::NoKey => {
                return booking_page(
                    &app,
                    &ctx,
                    &me,
                    Some(&body_code),
                    &fields,
                    &[],
                    Some(tr.get("appeal-unsigned")),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            DemoSignature::Failed => {
                return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
        }
    } else if get("signature").trim().is_empty() {
        return booking_page(
            &app,
            &ctx,
            &me,
            Some(&body_code),
            &fields,
            &[],
            Some(tr.get("appeal-unsigned")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    } else {
        get("signature").into_bytes()
    };
    match app.book_reception(me.id, &signature).await {
        Ok(card_id) => {
            Redirect::to(&format!("/cabinet/receptions?booked={card_id}")).into_response()
        }
        Err(VksError::Invalid(problems)) => {
            booking_page(
                &app,
                &ctx,
                &me,
                Some(&body_code),
                &fields,
                &problems,
                Some(tr.get("vks-request-invalid")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ VksError::Store(_)) => {
            tracing::error!(error = ?e, "booking failed");
            page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(e) => {
            let status = if matches!(e, VksError::SlotTaken) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            booking_page(
                &app,
                &ctx,
                &me,
                Some(&body_code),
                &fields,
                &[],
                Some(tr.get(e.message_key())),
                status,
            )
            .await
        }
    }
}

struct BookingRow {
    card_id: i64,
    /// The registration number, or that there is none yet.
    number: String,
    when: String,
    body: String,
    branch: String,
    state: String,
    just_booked: bool,
}

#[derive(Template)]
#[template(path = "receptions.html")]
struct ReceptionsPage {
    t: Tr,
    layout: Layout,
    rows: Vec<BookingRow>,
}

#[derive(Debug, serde::Deserialize, Default)]
pub struct ReceptionsQuery {
    booked: Option<i64>,
}

/// The applicant's booked receptions.
pub async fn my_receptions(
    State(app): State<AppState>,
    ctx: Ctx,
    me: ApplicantCtx,
    Query(q): Query<ReceptionsQuery>,
) -> Response {
    let tr = ctx.tr;
    let bookings = app
        .store
        .bookings_of_applicant(me.id)
        .await
        .unwrap_or_default();
    let branches = app
        .store
        .branches(otinish_domain::repo::PageRequest::new(Some(500), None))
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let mut rows = Vec::new();
    for b in bookings {
        let body = app
            .store
            .body(b.card.body_id)
            .await
            .map(|x| x.name.get(tr.lang).to_owned())
            .unwrap_or_default();
        let branch = branches.iter().find(|x| x.id == b.branch_id);
        let branch_name = branch
            .map(|x| x.name.get(tr.lang).to_owned())
            .unwrap_or_default();
        let args = vec![
            ("date", b.slot.starts.format("%d.%m.%Y").to_string()),
            ("time", b.slot.starts.format("%H:%M").to_string()),
            ("branch", branch_name.clone()),
            (
                "address",
                branch
                    .map(|x| x.address.get(tr.lang).to_owned())
                    .unwrap_or_default(),
            ),
        ];
        use otinish_domain::reception::ReceptionState as R;
        // The reception as it stands, in a sentence: what happens next and what to bring.
        let state = match b.state {
            R::Requested => tr.with("vks-my-requested", &args),
            R::Appointed => tr.with("vks-my-appointed", &args),
            other => tr.get(&format!(
                "vks-reception-{}",
                other.as_str().replace('_', "-")
            )),
        };
        rows.push(BookingRow {
            card_id: b.card.id,
            number: b
                .card
                .reg_number
                .as_ref()
                .map(|n| n.to_string())
                .unwrap_or_else(|| tr.get("list-not-registered")),
            when: b.slot.starts.format("%d.%m.%Y %H:%M").to_string(),
            body,
            branch: branch_name,
            state,
            just_booked: q.booked == Some(b.card.id),
        });
    }
    render(ReceptionsPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        rows,
    })
}
