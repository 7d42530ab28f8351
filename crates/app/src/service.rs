//! The application service: the state every use case works with, and the part of it that is
//! replaced whole while the process runs (the trust store, the confirmed editions, the
//! announcements read last).

use chrono::{DateTime, Utc};
use otinish_domain::calendar::WorkingCalendar;
use otinish_domain::model::{AccessKind, Card, StaffUser};
use otinish_domain::repo::{Files, NewAccess, Store, StoreError};
use otinish_domain::rulebook::RulebookSet;
use std::sync::Arc;
use tokio::sync::RwLock;

/// What a deployment says of itself that use cases need (the HTTP settings stay in the web
/// crate).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Demo mode: a newcomer may sign with a demo key the server holds; staff sign with the
    /// server's key where they have none of their own.
    pub demo: bool,
    /// The address people reach the portal at (for QR codes and links in notices).
    pub public_url: String,
    /// The conference provider of VKS receptions.
    pub conference: crate::conference::Conference,
    /// Who runs the deployment, as the eGov mobile app shows it when asked to sign.
    pub operator: Operator,
}

/// The organisation that runs the deployment.
#[derive(Debug, Clone)]
pub struct Operator {
    pub name: otinish_domain::Names,
    /// Its BIN (empty when not set).
    pub bin: String,
}

impl Default for Operator {
    fn default() -> Self {
        Self {
            name: otinish_domain::Names::new("Otinish", "Otinish", "Otinish"),
            bin: String::new(),
        }
    }
}

/// The trust store in force and what it is built from: the national PKI's anchors and the
/// trust folder's (`base`, read at start) with the certificates the administrator trusted or
/// withdrew from the console (kept in the database). Replaced whole when those change — on
/// this node at once, on the others at their next reload — so a verification in flight keeps
/// the store it began with.
pub struct Trust {
    base: otinish_pki::TrustStore,
    current: std::sync::RwLock<Arc<otinish_pki::TrustStore>>,
}

impl Trust {
    pub fn new(base: otinish_pki::TrustStore) -> Self {
        Self {
            current: std::sync::RwLock::new(Arc::new(base.clone())),
            base,
        }
    }

    /// The store in force now.
    pub fn get(&self) -> Arc<otinish_pki::TrustStore> {
        self.current
            .read()
            .map(|c| Arc::clone(&c))
            .unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    /// The national PKI's anchors and the trust folder's, before the console's changes.
    pub fn base(&self) -> &otinish_pki::TrustStore {
        &self.base
    }

    /// Rebuilds the store in force from the base and the console's records.
    pub fn apply(&self, records: &[otinish_domain::repo::TrustAnchorRecord]) {
        let next = Arc::new(crate::trust::effective(&self.base, records));
        match self.current.write() {
            Ok(mut c) => *c = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }

    /// Adds a certificate to the base (tests and start-up only).
    pub fn add_certificate(&mut self, c: x509_cert::Certificate) {
        self.base.add_certificate(c);
        self.current = std::sync::RwLock::new(Arc::new(self.base.clone()));
    }
}

/// Signatures: what the deployment trusts, the server's own key, and (demo mode only) the
/// demo signers that sign on the server for a newcomer.
pub struct Pki {
    pub trust: Trust,
    pub server_key: otinish_pki::sign::SigningKey,
    pub demo_signers: Vec<DemoSigner>,
    /// Revocation of signers' certificates beyond the trust folder's lists (CRLs fetched from
    /// distribution points, OCSP).
    pub revocation: crate::revocation::Revocation,
    /// Demo mode only: where demo keys are kept and the trust folder their CA's root goes
    /// to, so a demo staff member's key can be issued when first needed.
    pub demo_keys: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

/// A demo applicant whose key the server holds (demo mode only).
pub struct DemoSigner {
    pub slug: String,
    /// IIN or BIN of the certificate: the applicant this key signs for.
    pub tax_id: String,
    pub label: String,
    pub key: otinish_pki::sign::SigningKey,
}

/// The application service: what every use case works with (the store, the files, signatures,
/// rulebooks and the calendar in force, the clock, the limits, the way out for notices). One
/// per process; the web crate's state holds it beside what only HTTP needs.
pub struct Service {
    pub store: Arc<dyn Store>,
    pub files: Arc<dyn Files>,
    pub pki: Pki,
    pub limits: otinish_domain::appeal::AppealLimits,
    pub rulebooks: RulebookSet,
    /// The editions marked "to be confirmed" that the administrator has confirmed (GEN-01);
    /// replaced whole at each reload, like the calendar.
    pub editions_confirmed: std::sync::RwLock<Arc<otinish_domain::rulebook::Confirmed>>,
    /// The calendar with the admin's edits applied; replaced when an admin edits a day.
    /// The calendar in force; replaced whole (never edited in place) so readers take a cheap
    /// `Arc` clone instead of copying its tables.
    pub calendar: RwLock<Arc<WorkingCalendar>>,
    pub clock: Arc<dyn crate::clock::Clock>,
    pub settings: Settings,
    pub started_at: DateTime<Utc>,
    /// EA-16: announcements, cached for a short while (the database is the source).
    pub announcements: RwLock<AnnouncementCache>,
    /// Email out (none: no SMTP server configured); the notice worker and the console's test
    /// message use it.
    pub mailer: Option<Arc<dyn crate::notify::Mailer>>,
    /// Where email goes out through, for the console: the server's address without its
    /// credentials, and the sender.
    pub mail_route: Option<(String, String)>,
    /// The SMS gateway text notices go out through, if one is configured.
    pub sms: Option<Arc<dyn crate::notify::SmsGateway>>,
    /// Its address as the console shows it (no credentials, no query).
    pub sms_route: Option<String>,
}

/// Announcements as last read, and when.
#[derive(Debug, Default)]
pub struct AnnouncementCache {
    pub fetched_at: Option<DateTime<Utc>>,
    pub items: Vec<otinish_domain::repo::Announcement>,
}

impl Service {
    /// Re-reads announcements when the cached copy is older than 30 seconds.
    pub async fn refresh_announcements(&self) {
        let now = self.clock.now();
        let stale = self
            .announcements
            .read()
            .await
            .fetched_at
            .is_none_or(|t| now - t > chrono::Duration::seconds(30) || now < t);
        if stale {
            match self
                .store
                .current_announcements(now, chrono::Duration::days(7))
                .await
            {
                Ok(items) => {
                    *self.announcements.write().await = AnnouncementCache {
                        fetched_at: Some(now),
                        items,
                    }
                }
                Err(e) => tracing::warn!(error = %e, "announcements not refreshed"),
            }
        }
    }

    /// Drops this process's copy of the announcements (one was just made or withdrawn here),
    /// so the next page reads them again.
    pub async fn forget_announcements(&self) {
        self.announcements.write().await.fetched_at = None;
    }

    /// The editions confirmed so far (a cheap `Arc` clone).
    pub fn confirmed_editions(&self) -> Arc<otinish_domain::rulebook::Confirmed> {
        match self.editions_confirmed.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads the editions the administrator has confirmed (at start, after a confirmation
    /// here, and every few minutes for confirmations made on other nodes).
    pub async fn reload_editions(&self) -> Result<usize, crate::Error> {
        let confirmed = crate::editions::confirmed(self.store.as_ref()).await?;
        let n = confirmed.len();
        match self.editions_confirmed.write() {
            Ok(mut c) => *c = Arc::new(confirmed),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(confirmed),
        }
        Ok(n)
    }

    /// Rebuilds the trust store in force from the certificates trusted or withdrawn from the
    /// console (at start, after a change here, and every few minutes for changes made on other
    /// nodes). Returns how many certificates it holds.
    pub async fn reload_trust(&self) -> Result<usize, otinish_domain::repo::StoreError> {
        let records = self.store.trust_anchors().await?;
        self.pki.trust.apply(&records);
        Ok(self.pki.trust.get().certificates().len())
    }
}

/// A moment in the deployment's time zone, as people write it.
pub fn local(app: &Service, at: chrono::DateTime<chrono::Utc>) -> String {
    match app.calendar.try_read() {
        Ok(c) => at
            .with_timezone(&c.zone().tz)
            .format("%d.%m.%Y %H:%M")
            .to_string(),
        Err(_) => at.format("%d.%m.%Y %H:%M UTC").to_string(),
    }
}

impl Service {
    /// Records that `user` is about to see the personal data of `card`. Callers show the data
    /// only when this succeeds.
    pub async fn log_access(
        &self,
        user: &StaffUser,
        card: &Card,
        kind: AccessKind,
    ) -> Result<(), StoreError> {
        self.store
            .record_access(&NewAccess {
                at: self.clock.now(),
                staff_id: user.id,
                body_id: card.body_id,
                card_id: card.id,
                kind,
            })
            .await
    }
}
