//! Personal-reception schedules (PR-01, PR-03 … PR-05): the offices' lists, one schedule
//! with its rows and steps, the public page, the poster and the survey (PR-13).

use super::*;

// ---------------------------------------------------------------- schedules

#[derive(Template)]
#[template(path = "pr_schedules.html")]
struct SchedulesPage {
    t: Tr,
    layout: Layout,
    centers: bool,
    /// (id, month, state, rows)
    schedules: Vec<(i64, String, String, usize)>,
    next_month: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct SchedulesQuery {
    centers: Option<String>,
}

fn schedule_state(tr: Tr, s: &str) -> String {
    tr.get(&format!("pr-schedule-{s}"))
}

/// PR-01, PR-03: the government office's schedules of centers, or the body's office's.
pub async fn schedules(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<SchedulesQuery>,
) -> Response {
    let centers =
        user.has_role(Role::GovernmentOffice) || q.centers.is_some() && user.body_id.is_none();
    let owner = if centers { None } else { user.body_id };
    let allowed = centers && user.has_role(Role::GovernmentOffice)
        || owner
            .is_some_and(|_| user.has_role(Role::ReceptionSecretary) || user.has_role(Role::Head));
    if !allowed {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    let tr = ctx.tr;
    let list = app.store.pr_schedules(owner).await.unwrap_or_default();
    let mut rows = Vec::new();
    for s in list {
        let n = app.store.pr_slots(s.id).await.map(|v| v.len()).unwrap_or(0);
        rows.push((
            s.id,
            s.month.format("%m.%Y").to_string(),
            schedule_state(tr, &s.state),
            n,
        ));
    }
    let cal = app.calendar.read().await.clone();
    let today = cal.zone().local_date(app.clock.now());
    let next = today
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(today);
    let page = SchedulesPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        centers,
        schedules: rows,
        next_month: next.format("%Y-%m").to_string(),
    };
    render(page).into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct NewScheduleForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    centers: String,
}

pub async fn new_schedule(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<NewScheduleForm>,
) -> Response {
    match app.pr_new_schedule(&user, f.centers == "1", &f.month).await {
        Ok(id) => Redirect::to(&format!("/staff/pr/schedules/{id}")).into_response(),
        Err(e) => fail(&app, &ctx, e, "schedule"),
    }
}

/// (id, body, official, position, when, minutes, location, phone, email, capacity, taken)
type ScheduleRow = (
    i64,
    String,
    String,
    String,
    String,
    i32,
    String,
    String,
    String,
    i32,
    i64,
);

#[derive(Template)]
#[template(path = "pr_schedule.html")]
struct SchedulePage {
    t: Tr,
    layout: Layout,
    id: i64,
    title: String,
    state: String,
    message: Option<String>,
    rows: Vec<ScheduleRow>,
    editable: bool,
    can_approve: bool,
    can_publish: bool,
    /// (id, "body — name, position")
    officials: Vec<(i64, String)>,
    month: String,
    gaps: Vec<(String, String)>,
    centers: bool,
}

/// Every body (for names and codes on the schedule pages).
async fn all_bodies(app: &App) -> Vec<otinish_domain::model::Body> {
    app.store
        .bodies(PageRequest::new(Some(500), None))
        .await
        .map(|p| p.items)
        .unwrap_or_default()
}

/// The officials of the bodies that `slots` belong to, for their positions in each language.
async fn officials_of(app: &App, slots: &[PrSlot]) -> Vec<otinish_domain::model::Official> {
    let mut bodies: Vec<i64> = slots.iter().map(|s| s.slot.body_id).collect();
    bodies.sort_unstable();
    bodies.dedup();
    let mut out = Vec::new();
    for b in bodies {
        out.extend(app.store.officials(b).await.unwrap_or_default());
    }
    out
}

/// The rows of a schedule in `tr`'s language: the body's name and the official's position in
/// that language where the official is known (the row keeps the Russian as typed).
fn schedule_rows(
    bodies: &[otinish_domain::model::Body],
    officials: &[otinish_domain::model::Official],
    tr: Tr,
    slots: &[PrSlot],
) -> Vec<ScheduleRow> {
    slots
        .iter()
        .map(|s| {
            let body = bodies
                .iter()
                .find(|b| b.id == s.slot.body_id)
                .map(|b| b.name.get(tr.lang).to_owned())
                .unwrap_or_default();
            (
                s.id,
                body,
                s.slot.official_name.clone(),
                officials
                    .iter()
                    .find(|o| Some(o.id) == s.slot.official_id)
                    .map(|o| o.position.get(tr.lang).to_owned())
                    .filter(|p| !p.is_empty())
                    .unwrap_or_else(|| s.slot.position.clone()),
                place_when(&s.slot),
                s.slot.minutes,
                s.slot.location.clone(),
                s.slot.phone.clone(),
                s.slot.email.clone(),
                s.slot.capacity,
                s.taken,
            )
        })
        .collect()
}

pub async fn schedule(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let tr = ctx.tr;
    let Ok(sched) = app.store.pr_schedule(id).await else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    let gov = user.has_role(Role::GovernmentOffice);
    let own = sched.owner_body_id.is_some() && user.body_id == sched.owner_body_id;
    let allowed = match sched.owner_body_id {
        None => gov,
        Some(_) => own && (user.has_role(Role::ReceptionSecretary) || user.has_role(Role::Head)),
    };
    if !allowed {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    let slots = app.store.pr_slots(id).await.unwrap_or_default();
    let bodies = all_bodies(&app).await;
    let officials = officials_of(&app, &slots).await;
    let rows = schedule_rows(&bodies, &officials, tr, &slots);
    let mut officials = Vec::new();
    for b in bodies
        .iter()
        .filter(|b| sched.owner_body_id.is_none_or(|o| o == b.id))
    {
        for o in app.store.officials(b.id).await.unwrap_or_default() {
            officials.push((
                o.id,
                format!("{} — {}, {}", b.code, o.full_name, o.position.get(tr.lang)),
            ));
        }
    }
    let centers = sched.owner_body_id.is_none();
    let gaps = if centers {
        app.pr_gaps(&sched, tr.lang).await
    } else {
        vec![]
    };
    let editable = sched.state == "draft"
        && match sched.owner_body_id {
            None => gov,
            Some(_) => own && user.has_role(Role::ReceptionSecretary),
        };
    let page = SchedulePage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        id,
        title: if centers {
            tr.get("pr-centers-schedule")
        } else {
            tr.get("pr-office-schedule")
        },
        state: schedule_state(tr, &sched.state),
        message: q.done.map(|_| tr.get("staff-done")),
        rows,
        editable,
        can_approve: sched.state == "draft"
            && match sched.owner_body_id {
                None => gov,
                Some(_) => own && user.has_role(Role::Head),
            },
        can_publish: sched.state == "approved"
            && match sched.owner_body_id {
                None => gov,
                Some(_) => own && user.has_role(Role::ReceptionSecretary),
            },
        officials,
        month: sched.month.format("%m.%Y").to_string(),
        gaps,
        centers,
    };
    render(page).into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct RowForm {
    #[serde(default)]
    official: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    row: String,
}

/// Adds or removes a row, approves or publishes a schedule.
pub async fn schedule_step(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path((id, action)): Path<(i64, String)>,
    CsrfForm(f): CsrfForm<RowForm>,
) -> Response {
    let result = match action.as_str() {
        "rows" => {
            app.pr_add_row(
                &user,
                id,
                &f.official,
                &f.starts,
                &f.minutes,
                &f.location,
                &f.phone,
                &f.email,
                &f.capacity,
            )
            .await
        }
        "remove" => match f.row.trim().parse() {
            Ok(row) => app.pr_remove_row(&user, id, row).await,
            Err(_) => Err(PrError::NotFound),
        },
        "approve" | "publish" => app.pr_schedule_step(&user, id, &action).await,
        _ => return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/staff/pr/schedules/{id}?done=1")).into_response(),
        Err(e) => fail(&app, &ctx, e, "schedule"),
    }
}

// ---------------------------------------------------------------- public pages

/// (id, month, owner)
type PublishedRef = (i64, String, String);

#[derive(Template)]
#[template(path = "pr_public.html")]
struct PublicPage {
    t: Tr,
    layout: Layout,
    /// Each published schedule with its rows in Kazakh and in Russian (PR-05).
    schedules: Vec<(PublishedRef, Vec<ScheduleRow>, Vec<ScheduleRow>)>,
}

async fn published_rows(app: &App) -> Vec<(PublishedRef, Vec<ScheduleRow>, Vec<ScheduleRow>)> {
    let cal = app.calendar.read().await.clone();
    let today = cal.zone().local_date(app.clock.now());
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let last = first
        .checked_add_months(chrono::Months::new(2))
        .unwrap_or(first);
    let bodies = all_bodies(app).await;
    let mut out = Vec::new();
    for s in app
        .store
        .pr_published(first, last)
        .await
        .unwrap_or_default()
    {
        let slots = app.store.pr_slots(s.id).await.unwrap_or_default();
        let owner = match s.owner_body_id {
            None => String::new(),
            Some(b) => bodies
                .iter()
                .find(|x| x.id == b)
                .map(|x| x.code.clone())
                .unwrap_or_default(),
        };
        let officials = officials_of(app, &slots).await;
        let kk = schedule_rows(&bodies, &officials, Tr::new(Lang::Kk), &slots);
        let ru = schedule_rows(&bodies, &officials, Tr::new(Lang::Ru), &slots);
        out.push(((s.id, s.month.format("%m.%Y").to_string(), owner), kk, ru));
    }
    out
}

/// PR-05: the published schedules, in Kazakh and in Russian, for anyone.
pub async fn public(State(app): State<AppState>, ctx: Ctx) -> Response {
    let page = PublicPage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
        schedules: published_rows(&app).await,
    };
    render(page).into_response()
}

#[derive(Template)]
#[template(path = "pr_poster.html")]
struct PosterPage {
    kk: Tr,
    ru: Tr,
    month: String,
    rows_kk: Vec<ScheduleRow>,
    rows_ru: Vec<ScheduleRow>,
}

/// PR-05: the printable poster for the premises (A4 landscape, Kazakh then Russian).
pub async fn poster(State(app): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let Ok(s) = app.store.pr_schedule(id).await else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    if s.state != "published" {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    }
    let slots = app.store.pr_slots(id).await.unwrap_or_default();
    let bodies = all_bodies(&app).await;
    let officials = officials_of(&app, &slots).await;
    let page = PosterPage {
        kk: Tr::new(Lang::Kk),
        ru: Tr::new(Lang::Ru),
        month: s.month.format("%m.%Y").to_string(),
        rows_kk: schedule_rows(&bodies, &officials, Tr::new(Lang::Kk), &slots),
        rows_ru: schedule_rows(&bodies, &officials, Tr::new(Lang::Ru), &slots),
    };
    render(page).into_response()
}

#[derive(Template)]
#[template(path = "pr_survey.html")]
struct SurveyPage {
    t: Tr,
    layout: Layout,
    token: String,
    message: Option<String>,
    is_error: bool,
    done: bool,
}

pub async fn survey_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    let known = app
        .store
        .pr_signup_by_survey(&hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            token.as_bytes(),
        )))
        .await;
    let Ok(s) = known else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    let done = s.surveyed_at.is_some();
    let page = SurveyPage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
        token,
        message: done.then(|| ctx.tr.get("pr-survey-answered")),
        is_error: false,
        done,
    };
    render(page).into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct SurveyForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

/// PR-13: the applicant answers the survey (portal or the SMS link).
pub async fn survey(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    CsrfForm(f): CsrfForm<SurveyForm>,
) -> Response {
    let (status, message, is_error, done) = match app.pr_survey(&token, &f.rating, &f.comment).await
    {
        Ok(()) => (StatusCode::OK, ctx.tr.get("pr-survey-thanks"), false, true),
        Err(PrError::NotFound) => {
            return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found")
        }
        Err(PrError::Store(_)) => {
            return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            e.text(ctx.tr),
            true,
            false,
        ),
    };
    let page = SurveyPage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
        token,
        message: Some(message),
        is_error,
        done,
    };
    (status, render(page)).into_response()
}
