//! Branches — public service centers and reception centers, where booths record video appeals,
//! VKS receptions are held and branch operators work. They serve every body, so the
//! deployment's administrator keeps them: adds one, edits it (its code stays), and gives
//! branch operators their branch. Each change is journaled.

use crate::admin::problem;
use crate::Error;
use chrono::{DateTime, Utc};
use otinish_domain::appeal::FieldProblem;
use otinish_domain::journal::JournalDraft;
use otinish_domain::lang::Names;
use otinish_domain::model::{Branch, Role, StaffUser};
use otinish_domain::repo::{NewBranch, Store, StoreError};

/// The fields of a branch, as typed.
#[derive(Debug, Clone, Default)]
pub struct BranchForm {
    pub code: String,
    pub name_kk: String,
    pub name_ru: String,
    pub name_en: String,
    pub region_kk: String,
    pub region_ru: String,
    pub address_kk: String,
    pub address_ru: String,
    pub vks: bool,
    pub booths: String,
    pub phone: String,
}

/// Branches are the deployment's: its administrator (of no body) keeps them.
pub fn keeper(user: &StaffUser) -> Result<String, Error> {
    if user.has_role(Role::Admin) && user.body_id.is_none() {
        Ok(format!("staff:{}", user.id))
    } else {
        Err(Error::Forbidden)
    }
}

/// Every branch, page by page, as listed (by region and name).
pub async fn all(store: &dyn Store) -> Result<Vec<Branch>, Error> {
    crate::every_page(|p| store.branches(p)).await
}

pub(crate) fn check(f: &BranchForm) -> Result<NewBranch, Error> {
    let mut p: Vec<FieldProblem> = Vec::new();
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
    let mut text = |v: &str, field: &'static str, required: bool| {
        let v = v.trim();
        if required && v.is_empty() {
            p.push(problem(field, "appeal-field-required"));
        } else if v.chars().count() > 300 {
            p.push(problem(field, "appeal-field-too-long"));
        }
        v.to_owned()
    };
    let name_kk = text(&f.name_kk, "name_kk", true);
    let name_ru = text(&f.name_ru, "name_ru", true);
    let name_en = text(&f.name_en, "name_en", false);
    let region_kk = text(&f.region_kk, "region_kk", true);
    let region_ru = text(&f.region_ru, "region_ru", true);
    let address_kk = text(&f.address_kk, "address_kk", true);
    let address_ru = text(&f.address_ru, "address_ru", true);
    let phone = text(&f.phone, "phone", false);
    let booths = match f.booths.trim() {
        "" => Some(0),
        v => v.parse::<i32>().ok().filter(|n| (0..=50).contains(n)),
    };
    if booths.is_none() {
        p.push(problem("booths", "branch-booths-invalid"));
    }
    if !p.is_empty() {
        return Err(Error::Invalid(p));
    }
    let en = |v: String, ru: &str| if v.is_empty() { ru.to_owned() } else { v };
    Ok(NewBranch {
        name: Names::new(&name_kk, &name_ru, &en(name_en, &name_ru)),
        region: Names::new(&region_kk, &region_ru, &region_ru),
        address: Names::new(&address_kk, &address_ru, &address_ru),
        vks_equipment: f.vks,
        booths: booths.unwrap_or(0),
        phone: Some(phone).filter(|p| !p.is_empty()),
        code,
    })
}

pub async fn create(
    store: &dyn Store,
    user: &StaffUser,
    f: &BranchForm,
    now: DateTime<Utc>,
) -> Result<Branch, Error> {
    let actor = keeper(user)?;
    let new = check(f)?;
    store
        .add_branch(&new, JournalDraft::new(now, actor, "", "create_branch"))
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => Error::Invalid(vec![problem("code", "branch-code-taken")]),
            other => other.into(),
        })
}

/// A branch's fields as they stand, for its edit form.
pub fn form_of(b: &Branch) -> BranchForm {
    BranchForm {
        code: b.code.clone(),
        name_kk: b.name.kk.clone(),
        name_ru: b.name.ru.clone(),
        name_en: b.name.en.clone(),
        region_kk: b.region.kk.clone(),
        region_ru: b.region.ru.clone(),
        address_kk: b.address.kk.clone(),
        address_ru: b.address.ru.clone(),
        vks: b.vks_equipment,
        booths: b.booths.to_string(),
        phone: b.phone.clone().unwrap_or_default(),
    }
}

/// The branch with `code` (for its administrator).
pub async fn by_code(store: &dyn Store, user: &StaffUser, code: &str) -> Result<Branch, Error> {
    keeper(user)?;
    all(store)
        .await?
        .into_iter()
        .find(|b| b.code == code)
        .ok_or_else(|| Error::NotFound(format!("branch {code}")))
}

/// Changes a branch; its code stays (staff and booths are bound to it).
pub async fn edit(
    store: &dyn Store,
    user: &StaffUser,
    code: &str,
    f: &BranchForm,
    now: DateTime<Utc>,
) -> Result<Branch, Error> {
    let actor = keeper(user)?;
    let branch = by_code(store, user, code).await?;
    let new = check(&BranchForm {
        code: branch.code.clone(),
        ..f.clone()
    })?;
    Ok(store
        .update_branch(
            branch.id,
            &new,
            JournalDraft::new(now, actor, "", "edit_branch"),
        )
        .await?)
}

/// Closes a branch: it leaves every list of VKS rooms and booths, takes no booking, and its
/// operators are deactivated and signed out. Refused while VKS receptions booked there are
/// still to happen (they must be moved or held first).
pub async fn close(
    store: &dyn Store,
    user: &StaffUser,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Branch, Error> {
    let actor = keeper(user)?;
    let branch = by_code(store, user, code).await?;
    if !branch.is_open() {
        return Err(Error::Refused {
            key: "admin-already-closed",
            detail: format!("branch {code} is closed already"),
        });
    }
    let live = store.live_bookings_at_branch(branch.id).await?;
    if live > 0 {
        return Err(Error::Refused {
            key: "branch-close-live-bookings",
            detail: format!("{live} VKS receptions are still to happen at branch {code}"),
        });
    }
    store
        .set_branch_closed(
            branch.id,
            Some(now),
            JournalDraft::new(now, actor, "", "close_branch"),
        )
        .await?;
    by_code(store, user, code).await
}

/// Opens a closed branch again (its operators stay deactivated until reactivated).
pub async fn reopen(
    store: &dyn Store,
    user: &StaffUser,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Branch, Error> {
    let actor = keeper(user)?;
    let branch = by_code(store, user, code).await?;
    if branch.is_open() {
        return Err(Error::Refused {
            key: "admin-already-open",
            detail: format!("branch {code} works already"),
        });
    }
    store
        .set_branch_closed(
            branch.id,
            None,
            JournalDraft::new(now, actor, "", "reopen_branch"),
        )
        .await?;
    by_code(store, user, code).await
}
