//! Rulebook editions marked "to be confirmed" in their data (GEN-01): the deployment's
//! administrator confirms each, once, and every node takes the confirmation at its next reload.
//! Until then the edition is shown as awaiting confirmation on every card it governs and opens
//! no channel the last confirmed edition of its family had closed.

use crate::Error;
use chrono::{DateTime, Utc};
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{Role, StaffUser};
use otinish_domain::repo::{EditionConfirmation, Store};
use otinish_domain::rulebook::{Confirmed, RulebookSet};

/// The editions confirmed so far, as the domain asks for them.
pub async fn confirmed(store: &dyn Store) -> Result<Confirmed, Error> {
    Ok(store
        .edition_confirmations()
        .await?
        .into_iter()
        .map(|c| c.edition)
        .collect())
}

/// Confirms `edition` as the deployment's administrator (of no body): it must be one the
/// deployment knows and one its data marks "to be confirmed". `Ok(false)` when it was
/// confirmed already.
pub async fn confirm(
    store: &dyn Store,
    books: &RulebookSet,
    user: &StaffUser,
    edition: &str,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    if !(user.has_role(Role::Admin) && user.body_id.is_none()) {
        return Err(Error::Forbidden);
    }
    let book = books
        .get(edition)
        .ok_or_else(|| Error::NotFound(format!("edition {edition}")))?;
    if book.to_be_confirmed.is_none() {
        return Err(Error::Refused {
            key: "edition-needs-no-confirmation",
            detail: format!("{edition} is a published text and needs no confirmation"),
        });
    }
    let journal = JournalDraft::new(now, format!("staff:{}", user.id), "", "edition_confirmed")
        .details(serde_json::json!({ "edition": edition }).to_string());
    Ok(store
        .confirm_edition(
            &EditionConfirmation {
                edition: edition.to_owned(),
                confirmed_at: now,
                confirmed_by: user.login.clone(),
            },
            journal,
        )
        .await?)
}
