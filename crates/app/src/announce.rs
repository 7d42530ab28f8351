//! EA-16: announcements of planned outages and other news, shown on every page in the
//! reader's language for their window. Made by the deployment's administrator (the console or
//! `otinish announce`), withdrawn early when needed; each journaled.

use crate::admin::problem;
use crate::Error;
use chrono::{DateTime, Utc};
use otinish_domain::appeal::FieldProblem;
use otinish_domain::journal::JournalDraft;
use otinish_domain::lang::Names;
use otinish_domain::model::{Role, StaffUser};
use otinish_domain::repo::{Announcement, Store};

/// How far ahead the list of announcements looks.
const AHEAD_DAYS: i64 = 3660;
/// The longest text of an announcement, in characters.
const TEXT_MAX: usize = 1000;

/// A new announcement: its window and its text (Kazakh and Russian required; English
/// defaults to the Russian).
#[derive(Debug, Clone)]
pub struct NewAnnouncement {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub kk: String,
    pub ru: String,
    pub en: String,
}

/// Announcements are the deployment's: its administrator (of no body) makes them.
pub fn announcer(user: &StaffUser) -> Result<String, Error> {
    if user.has_role(Role::Admin) && user.body_id.is_none() {
        Ok(format!("staff:{}", user.id))
    } else {
        Err(Error::Forbidden)
    }
}

fn check(a: &NewAnnouncement) -> Result<(DateTime<Utc>, DateTime<Utc>, Names), Error> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let mut text = |v: &str, field: &'static str, required: bool| {
        let v = v.trim();
        if required && v.is_empty() {
            p.push(problem(field, "appeal-field-required"));
        } else if v.chars().count() > TEXT_MAX {
            p.push(problem(field, "appeal-field-too-long"));
        }
        v.to_owned()
    };
    let kk = text(&a.kk, "kk", true);
    let ru = text(&a.ru, "ru", true);
    let en = text(&a.en, "en", false);
    if a.from.is_none() {
        p.push(problem("from", "announce-when-invalid"));
    }
    match (a.from, a.to) {
        (_, None) => p.push(problem("to", "announce-when-invalid")),
        (Some(f), Some(t)) if t <= f => p.push(problem("to", "announce-to-before-from")),
        _ => {}
    }
    match (p.is_empty(), a.from, a.to) {
        (true, Some(f), Some(t)) => {
            let en = if en.is_empty() { ru.clone() } else { en };
            Ok((f, t, Names::new(&kk, &ru, &en)))
        }
        _ => Err(Error::Invalid(p)),
    }
}

/// Adds an announcement; returns its id. `actor` names who made it in the journal.
pub async fn add(
    store: &dyn Store,
    actor: &str,
    a: &NewAnnouncement,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    let (from, to, text) = check(a)?;
    if to <= now {
        return Err(Error::Invalid(vec![problem("to", "announce-over")]));
    }
    Ok(store
        .add_announcement(
            from,
            to,
            &text,
            JournalDraft::new(now, actor, "", "announce"),
        )
        .await?)
}

/// The announcements shown now or later, soonest first.
pub async fn list(store: &dyn Store, now: DateTime<Utc>) -> Result<Vec<Announcement>, Error> {
    Ok(store
        .current_announcements(now, chrono::Duration::days(AHEAD_DAYS))
        .await?)
}

/// Withdraws an announcement now.
pub async fn withdraw(
    store: &dyn Store,
    actor: &str,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if store
        .end_announcement(
            id,
            now,
            JournalDraft::new(now, actor, "", "withdraw_announcement"),
        )
        .await?
    {
        Ok(())
    } else {
        Err(Error::NotFound(format!("announcement {id}")))
    }
}
