//! Administration of bodies and staff. The deployment's administrator (an administrator of
//! no body) manages everything; a body's administrator manages that body and the bodies below
//! it, and only their staff. Every change is journaled with the administrator as its actor.

use crate::Error;
use chrono::{DateTime, Utc};
use otinish_domain::appeal::FieldProblem;
use otinish_domain::ids::{Bin, Email, Iin};
use otinish_domain::journal::JournalDraft;
use otinish_domain::lang::{Lang, Names};
use otinish_domain::model::{Body, Branch, Card, CardState, Contacts, NewBody, Role, StaffUser};
use otinish_domain::repo::{NewStaff, Store, StoreError};

/// What an administrator may manage.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The deployment's administrator: every body, and staff of no body.
    pub everything: bool,
    /// The bodies they manage, by code.
    pub bodies: Vec<Body>,
}

impl Scope {
    pub fn has_body(&self, id: i64) -> bool {
        self.bodies.iter().any(|b| b.id == id)
    }

    pub fn body_by_code(&self, code: &str) -> Option<&Body> {
        self.bodies.iter().find(|b| b.code == code)
    }

    /// Whether the staff member is the administrator's to manage: of a body in scope, or of
    /// no body for the deployment's administrator.
    pub fn has_staff(&self, s: &StaffUser) -> bool {
        match s.body_id {
            Some(b) => self.has_body(b),
            None => self.everything,
        }
    }
}

/// Every body, page by page.
pub(crate) async fn all_bodies(store: &dyn Store) -> Result<Vec<Body>, Error> {
    crate::every_page(|p| store.bodies(p)).await
}

/// The administrator's scope; forbidden for anyone else.
pub async fn scope(store: &dyn Store, user: &StaffUser) -> Result<Scope, Error> {
    if !user.has_role(Role::Admin) {
        return Err(Error::Forbidden);
    }
    Ok(scope_in(user, all_bodies(store).await?))
}

/// The scope of an administrator among `bodies` (every body of the deployment).
pub(crate) fn scope_in(user: &StaffUser, bodies: Vec<Body>) -> Scope {
    let Some(root) = user.body_id else {
        return Scope {
            everything: true,
            bodies,
        };
    };
    // The body and every body below it, however deep.
    let mut mine = vec![root];
    let mut i = 0;
    while i < mine.len() {
        let parent = mine[i];
        mine.extend(
            bodies
                .iter()
                .filter(|b| b.parent_id == Some(parent) && !mine.contains(&b.id))
                .map(|b| b.id)
                .collect::<Vec<_>>(),
        );
        i += 1;
    }
    Scope {
        everything: false,
        bodies: bodies
            .into_iter()
            .filter(|b| mine.contains(&b.id))
            .collect(),
    }
}

/// The fields of a new body, as typed.
#[derive(Debug, Clone, Default)]
pub struct BodyForm {
    pub code: String,
    pub name_kk: String,
    pub name_ru: String,
    pub name_en: String,
    pub bin: String,
    /// The parent body's code; empty for a top-level body.
    pub parent: String,
    /// Competence topics, separated by commas.
    pub competence: String,
    pub vks: bool,
    pub video: bool,
    pub phone: String,
    pub email: String,
    pub address_kk: String,
    pub address_ru: String,
}

pub(crate) fn problem(field: &'static str, key: &'static str) -> FieldProblem {
    FieldProblem { field, key }
}

fn required(v: &str, field: &'static str, max: usize, p: &mut Vec<FieldProblem>) -> String {
    let v = v.trim();
    if v.is_empty() {
        p.push(problem(field, "appeal-field-required"));
    } else if v.chars().count() > max {
        p.push(problem(field, "appeal-field-too-long"));
    }
    v.to_owned()
}

fn optional(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A body's fields checked: the body to store with its BIN, or every problem at once.
/// `parent_known(code)` says whether a parent code may be used (one the administrator
/// manages, or, in an import, a body of the same file).
pub(crate) fn check_body(
    f: &BodyForm,
    scope: &Scope,
    parent_known: impl Fn(&str) -> bool,
) -> Result<(NewBody, Option<Bin>), Vec<FieldProblem>> {
    let mut p = Vec::new();
    let code = f.code.trim().to_uppercase();
    if code.is_empty() {
        p.push(problem("code", "appeal-field-required"));
    } else if code.len() > 16
        || !code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
    {
        p.push(problem("code", "admin-code-invalid"));
    }
    let kk = required(&f.name_kk, "name_kk", 300, &mut p);
    let ru = required(&f.name_ru, "name_ru", 300, &mut p);
    let en = optional(&f.name_en).unwrap_or_else(|| ru.clone());
    let bin = match optional(&f.bin) {
        None => None,
        Some(v) => match Bin::parse(&v) {
            Ok(b) => Some(b),
            Err(_) => {
                p.push(problem("bin", "setup-bin-invalid"));
                None
            }
        },
    };
    let parent = optional(&f.parent).map(|c| c.to_uppercase());
    match &parent {
        None if !scope.everything => p.push(problem("parent", "admin-parent-required")),
        Some(c) if scope.body_by_code(c).is_some_and(|b| !b.is_open()) => {
            p.push(problem("parent", "admin-parent-closed"))
        }
        Some(c) if !parent_known(c) => p.push(problem("parent", "admin-parent-unknown")),
        _ => {}
    }
    let competence: Vec<String> = f
        .competence
        .split([',', ';'])
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    if competence
        .iter()
        .any(|c| !c.chars().all(|ch| ch.is_alphanumeric() || ch == '_'))
    {
        p.push(problem("competence", "admin-competence-invalid"));
    }
    let email = optional(&f.email);
    if email.as_deref().is_some_and(|e| Email::parse(e).is_err()) {
        p.push(problem("email", "setup-email-invalid"));
    }
    if !p.is_empty() {
        return Err(p);
    }
    let address_ru = f.address_ru.trim().to_owned();
    let new = NewBody {
        code,
        name: Names::new(&kk, &ru, &en),
        parent_code: parent,
        competence,
        vks_connected: f.vks,
        video_appeal_connected: f.video,
        contacts: Contacts {
            phone: optional(&f.phone),
            email,
            address: Names::new(f.address_kk.trim(), &address_ru, &address_ru),
            website: None,
        },
        time_zone: "Asia/Almaty".into(),
    };
    Ok((new, bin))
}

/// Creates a body (with its BIN) under a parent the administrator manages; a body's
/// administrator cannot create a top-level body.
pub async fn create_body(
    store: &dyn Store,
    user: &StaffUser,
    f: &BodyForm,
    now: DateTime<Utc>,
) -> Result<Body, Error> {
    let scope = scope(store, user).await?;
    let (new, bin) =
        check_body(f, &scope, |c| scope.body_by_code(c).is_some()).map_err(Error::Invalid)?;
    store
        .add_body(
            &new,
            bin.as_ref(),
            JournalDraft::new(now, format!("staff:{}", user.id), "", "create_body"),
        )
        .await
        .map_err(|e| match e {
            // The code or the BIN is another body's.
            StoreError::Conflict(m) if m.contains("bin") => {
                Error::Invalid(vec![problem("bin", "admin-bin-taken")])
            }
            StoreError::Conflict(_) => Error::Invalid(vec![problem("code", "admin-code-taken")]),
            other => other.into(),
        })
}

/// The fields of a new staff member, as typed.
#[derive(Debug, Clone, Default)]
pub struct StaffForm {
    pub iin: String,
    pub full_name: String,
    /// Their position in the body (optional).
    pub position: String,
    /// Defaults to the IIN.
    pub login: String,
    pub email: String,
    /// The body's code; empty for staff of no body (deployment administrator only).
    pub body: String,
    /// A branch operator's branch, by code.
    pub branch: String,
    pub roles: Vec<String>,
    pub lang: String,
}

/// A staff member's fields checked: the member to store with their IIN, or every problem at
/// once. `body_of(code)` gives the id of a body the administrator manages.
pub(crate) fn check_staff(
    f: &StaffForm,
    scope: &Scope,
    body_of: impl Fn(&str) -> Option<i64>,
    branches: &[Branch],
) -> Result<(NewStaff, Iin), Vec<FieldProblem>> {
    let iin = Iin::parse(f.iin.trim());
    match (iin, staff_fields(f, scope, body_of, branches)) {
        (Ok(iin), Ok(s)) => Ok((s, iin)),
        (iin, rest) => {
            let mut p = Vec::new();
            if iin.is_err() {
                p.push(problem("iin", "setup-iin-invalid"));
            }
            p.extend(rest.err().unwrap_or_default());
            Err(p)
        }
    }
}

/// A staff member's fields but their IIN, checked; `branches`, every branch (a branch
/// operator's is one of them, given by the deployment's administrator).
fn staff_fields(
    f: &StaffForm,
    scope: &Scope,
    body_of: impl Fn(&str) -> Option<i64>,
    branches: &[Branch],
) -> Result<NewStaff, Vec<FieldProblem>> {
    let mut p = Vec::new();
    let full_name = required(&f.full_name, "full_name", 300, &mut p);
    let position = f.position.trim().to_owned();
    if position.chars().count() > 300 {
        p.push(problem("position", "appeal-field-too-long"));
    }
    let login = optional(&f.login)
        .unwrap_or_else(|| f.iin.trim().to_owned())
        .to_lowercase();
    if login.len() > 64
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
    {
        p.push(problem("login", "setup-login-invalid"));
    }
    let email = optional(&f.email);
    if email.as_deref().is_some_and(|e| Email::parse(e).is_err()) {
        p.push(problem("email", "setup-email-invalid"));
    }
    let body = match optional(&f.body) {
        None if scope.everything => None,
        None => {
            p.push(problem("body", "admin-body-required"));
            None
        }
        Some(code)
            if scope
                .body_by_code(&code.to_uppercase())
                .is_some_and(|b| !b.is_open()) =>
        {
            p.push(problem("body", "admin-body-closed"));
            None
        }
        Some(code) => match body_of(&code.to_uppercase()) {
            Some(id) => Some(id),
            None => {
                p.push(problem("body", "admin-parent-unknown"));
                None
            }
        },
    };
    let branch = match optional(&f.branch) {
        None => None,
        Some(code) => match branches.iter().find(|b| b.code == code.to_uppercase()) {
            Some(b) if !b.is_open() => {
                p.push(problem("branch", "admin-branch-closed"));
                None
            }
            Some(b) => Some(b.id),
            None => {
                p.push(problem("branch", "admin-branch-unknown"));
                None
            }
        },
    };
    let roles: Vec<Role> = f.roles.iter().filter_map(|r| Role::parse(r)).collect();
    if roles.is_empty() || roles.len() != f.roles.len() {
        p.push(problem("roles", "admin-roles-required"));
    } else if optional(&f.body).is_none() && body.is_none() && roles.iter().any(|r| r.needs_body())
    {
        // A registrar, executor, head, secretary or security officer works in one body.
        p.push(problem("body", "admin-role-needs-body"));
    } else if roles.iter().any(|r| r.needs_branch())
        && (!scope.everything || optional(&f.branch).is_none())
    {
        // A branch operator works in a branch, which serves every body: the deployment's
        // administrator gives it.
        p.push(problem("branch", "admin-role-needs-branch"));
    }
    let lang = Lang::parse(f.lang.trim()).unwrap_or(Lang::Ru);
    if !p.is_empty() {
        return Err(p);
    }
    Ok(NewStaff {
        login,
        full_name,
        position,
        email,
        body_id: body,
        branch_id: branch.filter(|_| roles.iter().any(|r| r.needs_branch())),
        roles,
        password_hash: String::new(),
        lang,
    })
}

/// Adds a staff member by IIN (their key signs them in) to a body the administrator
/// manages, with the roles given; the role comes from here, never from the certificate.
pub async fn add_staff(
    store: &dyn Store,
    user: &StaffUser,
    f: &StaffForm,
    now: DateTime<Utc>,
) -> Result<StaffUser, Error> {
    let scope = scope(store, user).await?;
    let branches = crate::branches::all(store).await?;
    let (new, iin) = check_staff(
        f,
        &scope,
        |code| scope.body_by_code(code).map(|b| b.id),
        &branches,
    )
    .map_err(Error::Invalid)?;
    store
        .add_staff(
            &new,
            &iin,
            JournalDraft::new(now, format!("staff:{}", user.id), "", "create_staff"),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) if m.contains("iin") => {
                Error::Invalid(vec![problem("iin", "admin-iin-taken")])
            }
            StoreError::Conflict(_) => Error::Invalid(vec![problem("login", "admin-login-taken")]),
            other => other.into(),
        })
}

/// The staff of an administrator's `scope` (of their bodies; the deployment's administrator
/// also sees staff of no body), whose name, login or IIN contains `q`, sorted by name.
pub async fn staff_list(
    store: &dyn Store,
    scope: &Scope,
    q: &str,
) -> Result<Vec<StaffUser>, Error> {
    let q = q.trim().to_lowercase();
    let mut out: Vec<StaffUser> = crate::every_page(|p| store.staff_list(p))
        .await?
        .into_iter()
        .filter(|s| {
            scope.has_staff(s)
                && (q.is_empty()
                    || s.full_name.to_lowercase().contains(&q)
                    || s.login.contains(&q)
                    || s.iin.as_deref().is_some_and(|i| i.contains(&q)))
        })
        .collect();
    out.sort_by(|a, b| a.full_name.cmp(&b.full_name));
    Ok(out)
}

/// Deactivates a staff member (their sessions end at once, their key no longer signs them in)
/// or reactivates them. Within the administrator's scope; never themselves. Returns the staff
/// member as they are now.
pub async fn set_active(
    store: &dyn Store,
    user: &StaffUser,
    staff_id: i64,
    active: bool,
    now: DateTime<Utc>,
) -> Result<StaffUser, Error> {
    let scope = scope(store, user).await?;
    let target = store.staff(staff_id).await?;
    if !scope.has_staff(&target) {
        return Err(Error::Forbidden);
    }
    if target.id == user.id {
        return Err(Error::Refused {
            key: "admin-not-yourself",
            detail: "an administrator cannot deactivate themselves".into(),
        });
    }
    store
        .set_staff_active(
            staff_id,
            active,
            JournalDraft::new(
                now,
                format!("staff:{}", user.id),
                "",
                if active {
                    "activate_staff"
                } else {
                    "deactivate_staff"
                },
            ),
        )
        .await?;
    Ok(store.staff(staff_id).await?)
}

/// The open cards a staff member holds as executor, and the executors of their body who can
/// take them over (active, not them), with how many open cards each holds already.
#[derive(Debug, Clone)]
pub struct Handover {
    pub staff: StaffUser,
    pub cards: Vec<Card>,
    pub executors: Vec<(StaffUser, i64)>,
}

fn open_states() -> Vec<CardState> {
    CardState::ALL
        .iter()
        .copied()
        .filter(|s| !s.is_closed())
        .collect()
}

/// What a staff member within the administrator's scope holds, for handing it over (when they
/// leave, are deactivated or are away).
pub async fn handover(
    store: &dyn Store,
    user: &StaffUser,
    staff_id: i64,
) -> Result<Handover, Error> {
    let scope = scope(store, user).await?;
    let staff = store.staff(staff_id).await?;
    if !scope.has_staff(&staff) {
        return Err(Error::Forbidden);
    }
    let states = open_states();
    let cards = crate::every_page(|p| store.cards_of_executor(staff_id, &states, p)).await?;
    let executors = match staff.body_id {
        Some(b) => store
            .executor_loads(b)
            .await?
            .into_iter()
            .filter(|(e, _)| e.id != staff_id && e.active && e.has_role(Role::Executor))
            .collect(),
        None => Vec::new(),
    };
    Ok(Handover {
        staff,
        cards,
        executors,
    })
}

/// Hands every open card of `from` over to the executor `to` of the same body, in one
/// transaction, each card journaled. Returns how many moved.
pub async fn reassign(
    store: &dyn Store,
    user: &StaffUser,
    from: i64,
    to: i64,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let h = handover(store, user, from).await?;
    if !h.executors.iter().any(|(e, _)| e.id == to) {
        return Err(Error::Invalid(vec![problem(
            "executor",
            "admin-executor-invalid",
        )]));
    }
    let ids: Vec<i64> = h.cards.iter().map(|c| c.id).collect();
    let moved = store
        .reassign_cards(
            from,
            to,
            &ids,
            &open_states(),
            JournalDraft::new(now, format!("staff:{}", user.id), "", "reassign_executor")
                .details(format!("{{\"from\":{from},\"to\":{to}}}")),
        )
        .await?;
    Ok(moved.len())
}

/// A body's fields as they stand, for its edit form.
pub fn form_of(b: &Body, all: &[Body]) -> BodyForm {
    BodyForm {
        code: b.code.clone(),
        name_kk: b.name.kk.clone(),
        name_ru: b.name.ru.clone(),
        name_en: b.name.en.clone(),
        bin: b.bin.clone().unwrap_or_default(),
        parent: b
            .parent_id
            .and_then(|p| all.iter().find(|x| x.id == p))
            .map(|p| p.code.clone())
            .unwrap_or_default(),
        competence: b.competence.join(", "),
        vks: b.vks_connected,
        video: b.video_appeal_connected,
        phone: b.contacts.phone.clone().unwrap_or_default(),
        email: b.contacts.email.clone().unwrap_or_default(),
        address_kk: b.contacts.address.kk.clone(),
        address_ru: b.contacts.address.ru.clone(),
    }
}

/// A body as its edit form shows it: its fields, the parents it may be given (bodies the
/// administrator manages other than itself and those below it; for a body administrator's own
/// body, only the parent it has), and whether it may have none.
#[derive(Debug, Clone)]
pub struct BodyEdit {
    pub body: Body,
    pub form: BodyForm,
    pub parents: Vec<Body>,
    pub may_top: bool,
    /// The administrator's own body: it stays where it is in the tree.
    pub own: bool,
}

/// The body with code `code`, ready to edit (forbidden outside the administrator's scope).
pub async fn body_edit(store: &dyn Store, user: &StaffUser, code: &str) -> Result<BodyEdit, Error> {
    if !user.has_role(Role::Admin) {
        return Err(Error::Forbidden);
    }
    let all = all_bodies(store).await?;
    let scope = scope_in(user, all.clone());
    let Some(body) = all.iter().find(|b| b.code == code).cloned() else {
        return Err(Error::NotFound(format!("body {code}")));
    };
    if !scope.has_body(body.id) {
        return Err(Error::Forbidden);
    }
    let form = form_of(&body, &all);
    let own_root = !scope.everything && user.body_id == Some(body.id);
    let (parents, may_top) = if own_root {
        let parent = all
            .iter()
            .filter(|b| Some(b.id) == body.parent_id)
            .cloned()
            .collect();
        (parent, body.parent_id.is_none())
    } else {
        // The body and every body below it: none of them can become its parent.
        let mut below = vec![body.id];
        let mut i = 0;
        while i < below.len() {
            let parent = below[i];
            below.extend(
                all.iter()
                    .filter(|b| b.parent_id == Some(parent))
                    .map(|b| b.id),
            );
            i += 1;
        }
        let parents = scope
            .bodies
            .iter()
            .filter(|b| !below.contains(&b.id) && (b.is_open() || Some(b.id) == body.parent_id))
            .cloned()
            .collect();
        (parents, scope.everything)
    };
    Ok(BodyEdit {
        body,
        form,
        parents,
        may_top,
        own: own_root,
    })
}

/// Changes a body the administrator manages. Its code stays (registration numbers carry it);
/// its parent must be one [`body_edit`] offers; a body's administrator cannot move their own
/// body elsewhere in the tree.
pub async fn edit_body(
    store: &dyn Store,
    user: &StaffUser,
    code: &str,
    f: &BodyForm,
    now: DateTime<Utc>,
) -> Result<Body, Error> {
    let e = body_edit(store, user, code).await?;
    let mut form = f.clone();
    form.code = e.body.code.clone();
    let check_scope = Scope {
        everything: e.may_top,
        bodies: e.parents.clone(),
    };
    let (new, bin) = check_body(&form, &check_scope, |c| {
        e.parents.iter().any(|b| b.code == c)
    })
    .map_err(|p| {
        Error::Invalid(
            p.into_iter()
                .map(|p| match p.key {
                    "admin-parent-unknown" | "admin-parent-required" if e.own => {
                        problem("parent", "admin-parent-own-body")
                    }
                    _ => p,
                })
                .collect(),
        )
    })?;
    store
        .update_body(
            e.body.id,
            &new,
            bin.as_ref(),
            JournalDraft::new(now, format!("staff:{}", user.id), "", "edit_body"),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => Error::Invalid(vec![problem("bin", "admin-bin-taken")]),
            other => other.into(),
        })
}

/// A staff member as their edit form shows them: their fields, and the bodies they may be
/// moved to (those the administrator manages).
#[derive(Debug, Clone)]
pub struct StaffEdit {
    pub staff: StaffUser,
    pub form: StaffForm,
    pub bodies: Vec<Body>,
    pub may_no_body: bool,
    /// Every branch (a branch operator's is one of them).
    pub branches: Vec<Branch>,
}

/// The staff member `staff_id`, ready to edit (forbidden outside the administrator's scope).
pub async fn staff_edit(
    store: &dyn Store,
    user: &StaffUser,
    staff_id: i64,
) -> Result<StaffEdit, Error> {
    let scope = scope(store, user).await?;
    let staff = store.staff(staff_id).await?;
    if !scope.has_staff(&staff) {
        return Err(Error::Forbidden);
    }
    let branches = crate::branches::all(store).await?;
    let form = StaffForm {
        branch: staff
            .branch_id
            .and_then(|b| branches.iter().find(|x| x.id == b))
            .map(|b| b.code.clone())
            .unwrap_or_default(),
        iin: staff.iin.clone().unwrap_or_default(),
        full_name: staff.full_name.clone(),
        position: staff.position.clone(),
        login: staff.login.clone(),
        email: staff.email.clone().unwrap_or_default(),
        body: staff
            .body_id
            .and_then(|b| scope.bodies.iter().find(|x| x.id == b))
            .map(|b| b.code.clone())
            .unwrap_or_default(),
        roles: staff.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        lang: staff.lang.code().to_owned(),
    };
    Ok(StaffEdit {
        staff,
        form,
        may_no_body: scope.everything,
        bodies: scope.bodies,
        branches,
    })
}

/// Changes a staff member within the administrator's scope: name, position, email, body (one
/// they manage), roles, language. The IIN and login stay. An administrator cannot take the
/// administrator's role from themselves (no one would be left to give it back).
pub async fn edit_staff(
    store: &dyn Store,
    user: &StaffUser,
    staff_id: i64,
    f: &StaffForm,
    now: DateTime<Utc>,
) -> Result<StaffUser, Error> {
    let e = staff_edit(store, user, staff_id).await?;
    let scope = Scope {
        everything: e.may_no_body,
        bodies: e.bodies.clone(),
    };
    // The IIN and login are not edited here.
    let form = StaffForm {
        iin: e.form.iin.clone(),
        login: e.form.login.clone(),
        ..f.clone()
    };
    let new = staff_fields(
        &form,
        &scope,
        |code| scope.body_by_code(code).map(|b| b.id),
        &e.branches,
    )
    .map_err(Error::Invalid)?;
    if staff_id == user.id && !new.roles.contains(&Role::Admin) {
        return Err(Error::Invalid(vec![problem(
            "roles",
            "admin-keep-own-admin",
        )]));
    }
    Ok(store
        .update_staff(
            staff_id,
            &new,
            JournalDraft::new(now, format!("staff:{}", user.id), "", "edit_staff"),
        )
        .await?)
}

/// What stands in the way of closing a body: its open cards and the bodies below it that
/// still work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Closing {
    pub open_cards: i64,
    pub open_children: Vec<Body>,
}

impl Closing {
    pub fn is_clear(&self) -> bool {
        self.open_cards == 0 && self.open_children.is_empty()
    }
}

/// What closing the body with `code` would meet (forbidden outside the administrator's scope;
/// a body's administrator cannot close their own body).
pub async fn closing(
    store: &dyn Store,
    user: &StaffUser,
    code: &str,
) -> Result<(Body, Closing), Error> {
    let e = body_edit(store, user, code).await?;
    if e.own {
        return Err(Error::Refused {
            key: "admin-close-own-body",
            detail: "an administrator cannot close their own body".into(),
        });
    }
    let open_cards = store
        .inbox(
            e.body.id,
            &open_states(),
            otinish_domain::repo::PageRequest::new(Some(1), None),
        )
        .await?
        .total;
    let open_children = all_bodies(store)
        .await?
        .into_iter()
        .filter(|b| b.parent_id == Some(e.body.id) && b.is_open())
        .collect();
    Ok((
        e.body,
        Closing {
            open_cards,
            open_children,
        },
    ))
}

/// Closes a body within the administrator's scope: it leaves every list of recipients and
/// takes no new appeal; its staff are deactivated and signed out; its cards, journal and
/// reports stay. Refused while it holds open cards (redirect or finish them first) or has
/// bodies below it that work (close or move them first).
pub async fn close_body(
    store: &dyn Store,
    user: &StaffUser,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Body, Error> {
    let (body, c) = closing(store, user, code).await?;
    if !body.is_open() {
        return Err(Error::Refused {
            key: "admin-already-closed",
            detail: format!("body {code} is closed already"),
        });
    }
    if c.open_cards > 0 {
        return Err(Error::Refused {
            key: "admin-close-open-cards",
            detail: format!("body {code} holds {} open cards", c.open_cards),
        });
    }
    if !c.open_children.is_empty() {
        return Err(Error::Refused {
            key: "admin-close-open-children",
            detail: format!("{} bodies below {code} still work", c.open_children.len()),
        });
    }
    store
        .set_body_closed(
            body.id,
            Some(now),
            JournalDraft::new(now, format!("staff:{}", user.id), "", "close_body"),
        )
        .await?;
    Ok(store.body(body.id).await?)
}

/// Opens a closed body again (its staff stay deactivated until an administrator reactivates
/// them). A body below a closed one cannot open before its parent.
pub async fn reopen_body(
    store: &dyn Store,
    user: &StaffUser,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Body, Error> {
    let e = body_edit(store, user, code).await?;
    if e.body.is_open() {
        return Err(Error::Refused {
            key: "admin-already-open",
            detail: format!("body {code} works already"),
        });
    }
    if let Some(parent) = e.body.parent_id {
        if !store.body(parent).await?.is_open() {
            return Err(Error::Refused {
                key: "admin-reopen-parent-closed",
                detail: format!("the body above {code} is closed"),
            });
        }
    }
    store
        .set_body_closed(
            e.body.id,
            None,
            JournalDraft::new(now, format!("staff:{}", user.id), "", "reopen_body"),
        )
        .await?;
    Ok(store.body(e.body.id).await?)
}
