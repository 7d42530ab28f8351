//! Notices given up for good (every try failed): the deployment's administrator sees them —
//! which kind, by which channel, to which domain, why — and sends one again (after fixing the
//! mail server, say) or dismisses it. Each action is journaled. The addressee's full address
//! and the text stay with those who handle the case.

use crate::Error;
use chrono::{DateTime, Utc};
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{Role, StaffUser};
use otinish_domain::notice::Notice;
use otinish_domain::repo::{Page, PageRequest, Store};

/// Notices are the deployment's: its administrator (of no body) looks after them.
pub fn keeper(user: &StaffUser) -> Result<String, Error> {
    if user.has_role(Role::Admin) && user.body_id.is_none() {
        Ok(format!("staff:{}", user.id))
    } else {
        Err(Error::Forbidden)
    }
}

/// An address with the person's part hidden: `a***@example.kz`, `***45` for a phone.
pub fn masked(address: &str) -> String {
    match address.split_once('@') {
        Some((user, domain)) => {
            format!("{}***@{domain}", user.chars().next().unwrap_or('*'))
        }
        None => {
            let digits: Vec<char> = address.chars().filter(|c| c.is_ascii_digit()).collect();
            let tail: String = digits[digits.len().saturating_sub(2)..].iter().collect();
            format!("***{tail}")
        }
    }
}

/// A failure's reason with the address hidden in it (mail servers repeat it).
pub fn masked_reason(reason: &str, address: Option<&str>) -> String {
    match address.filter(|a| !a.is_empty()) {
        Some(a) => reason.replace(a, &masked(a)),
        None => reason.to_owned(),
    }
}

pub async fn dead(
    store: &dyn Store,
    user: &StaffUser,
    page: PageRequest,
) -> Result<Page<Notice>, Error> {
    keeper(user)?;
    Ok(store.dead_notices(page).await?)
}

pub async fn retry(
    store: &dyn Store,
    user: &StaffUser,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let actor = keeper(user)?;
    if store
        .retry_notice(id, now, JournalDraft::new(now, actor, "", "retry_notice"))
        .await?
    {
        Ok(())
    } else {
        Err(Error::NotFound(format!("dead notice {id}")))
    }
}

pub async fn dismiss(
    store: &dyn Store,
    user: &StaffUser,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let actor = keeper(user)?;
    if store
        .dismiss_notice(id, now, JournalDraft::new(now, actor, "", "dismiss_notice"))
        .await?
    {
        Ok(())
    } else {
        Err(Error::NotFound(format!("dead notice {id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_everywhere_they_appear() {
        assert_eq!(masked("aigerim@example.kz"), "a***@example.kz");
        assert_eq!(masked("+7 701 123 45 67"), "***67");
        assert_eq!(
            masked_reason(
                "550 <aigerim@example.kz>: no such user",
                Some("aigerim@example.kz")
            ),
            "550 <a***@example.kz>: no such user"
        );
        assert_eq!(masked_reason("timeout", None), "timeout");
    }
}
