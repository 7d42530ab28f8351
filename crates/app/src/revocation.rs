//! Revocation of signers' certificates the way NCA RK publishes it: revocation lists (a full and
//! a delta list) fetched over HTTP from each certificate's distribution points, cached in the
//! database so that every node uses the same copy and refreshed before their next update; and
//! OCSP (RFC 6960) to the certificate's responder, asked with a nonce. A deployment chooses
//! `crl`, `ocsp`, `both` or `none`, and what happens when neither can be reached: refuse the
//! signature, or accept it with a mark on the card that a worker checks again.
//!
//! The list and answer formats and their checks are the PKI crate's (`otinish_pki::ocsp`,
//! `otinish_pki::crl_status`); this module fetches and decides.

use chrono::{DateTime, Utc};
use der::Decode;
use otinish_domain::repo::{CachedCrl, Store};
use otinish_domain::signature::RevocationCheck;
use otinish_pki::{SignerReport, VerifyError};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;
use x509_cert::crl::CertificateList;
use x509_cert::Certificate;

/// How revocation is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Crl,
    Ocsp,
    Both,
    None,
}

/// What happens when neither the list nor the responder can be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnUnreachable {
    Refuse,
    AcceptMarked,
}

/// The deployment's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub mode: Mode,
    pub on_unreachable: OnUnreachable,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            mode: Mode::Both,
            on_unreachable: OnUnreachable::Refuse,
        }
    }
}

/// How long one fetch (a list, an OCSP answer) may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest list accepted (NCA's full GOST list is a few megabytes).
const MAX_BODY: usize = 64 * 1024 * 1024;
/// Lists are fetched again this long before their next update.
const REFRESH_AHEAD: chrono::Duration = chrono::Duration::hours(1);

struct Entry {
    crl: CertificateList,
    next_update: Option<DateTime<Utc>>,
    fetched_at: DateTime<Utc>,
}

type HttpClient = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Full<hyper::body::Bytes>,
>;

/// The revocation service of one node.
pub struct Revocation {
    pub policy: Policy,
    store: Option<Arc<dyn Store>>,
    http: HttpClient,
    crls: RwLock<HashMap<String, Arc<Entry>>>,
    /// One fetch of a list at a time.
    fetching: tokio::sync::Mutex<()>,
}

/// Why the list or the responder gave no answer.
#[derive(Debug, Clone)]
struct Unreachable(String);

impl Revocation {
    /// The service; `store` keeps fetched lists for every node (none: memory only, as in
    /// `otinish verify`).
    pub fn new(policy: Policy, store: Option<Arc<dyn Store>>) -> Self {
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        Self {
            policy,
            store,
            http: hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector),
            crls: RwLock::new(HashMap::new()),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    async fn fetch(&self, url: &str, body: Option<Vec<u8>>) -> Result<Vec<u8>, Unreachable> {
        use http_body_util::BodyExt;
        let unreachable = |m: String| Unreachable(format!("{url}: {m}"));
        if !url.starts_with("http://") {
            return Err(unreachable(
                "only http:// addresses are fetched (lists and answers are signed)".into(),
            ));
        }
        let req = match &body {
            Some(b) => hyper::Request::post(url)
                .header("content-type", "application/ocsp-request")
                .body(http_body_util::Full::new(hyper::body::Bytes::from(
                    b.clone(),
                ))),
            None => {
                hyper::Request::get(url).body(http_body_util::Full::new(hyper::body::Bytes::new()))
            }
        }
        .map_err(|e| unreachable(e.to_string()))?;
        let work = async {
            let resp = self
                .http
                .request(req)
                .await
                .map_err(|e| unreachable(e.to_string()))?;
            if !resp.status().is_success() {
                return Err(unreachable(format!("HTTP {}", resp.status())));
            }
            let limited = http_body_util::Limited::new(resp.into_body(), MAX_BODY);
            limited
                .collect()
                .await
                .map(|b| b.to_bytes().to_vec())
                .map_err(|e| unreachable(e.to_string()))
        };
        tokio::time::timeout(FETCH_TIMEOUT, work)
            .await
            .map_err(|_| unreachable(format!("no answer within {} s", FETCH_TIMEOUT.as_secs())))?
    }

    /// Keeps a list fetched from `url` (in memory, and in the database for the other nodes).
    async fn keep(
        &self,
        url: &str,
        der: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<Arc<Entry>, Unreachable> {
        let crl = otinish_pki::trust_crl(&der)
            .map_err(|e| Unreachable(format!("{url}: not a CRL: {e}")))?;
        let to_utc = |t: &x509_cert::time::Time| {
            DateTime::from_timestamp(t.to_unix_duration().as_secs() as i64, 0).unwrap_or_default()
        };
        let entry = Arc::new(Entry {
            next_update: crl.tbs_cert_list.next_update.as_ref().map(to_utc),
            fetched_at: now,
            crl: crl.clone(),
        });
        if let Some(store) = &self.store {
            let row = CachedCrl {
                url: url.to_owned(),
                this_update: to_utc(&crl.tbs_cert_list.this_update),
                next_update: entry.next_update,
                fetched_at: now,
                der,
            };
            if let Err(e) = store.put_crl(&row).await {
                tracing::warn!(error = %e, url, "a fetched revocation list was not stored");
            }
        }
        self.crls
            .write()
            .await
            .insert(url.to_owned(), entry.clone());
        Ok(entry)
    }

    /// The list at `url`, fetched when absent or past its next update.
    async fn crl(&self, url: &str, now: DateTime<Utc>) -> Result<Arc<Entry>, Unreachable> {
        let fresh = |e: &Entry| e.next_update.is_none_or(|n| n > now);
        if let Some(e) = self.crls.read().await.get(url) {
            if fresh(e) {
                return Ok(e.clone());
            }
        }
        let _one = self.fetching.lock().await;
        if let Some(e) = self.crls.read().await.get(url) {
            if fresh(e) {
                return Ok(e.clone());
            }
        }
        let der = self.fetch(url, None).await?;
        self.keep(url, der, now).await
    }

    /// Loads the lists other nodes stored, and fetches again those near their next update.
    /// Run periodically by the server; returns how many were fetched.
    pub async fn refresh(&self, now: DateTime<Utc>) -> usize {
        if let Some(store) = &self.store {
            match store.crls().await {
                Ok(rows) => {
                    for row in rows {
                        let newer = self
                            .crls
                            .read()
                            .await
                            .get(&row.url)
                            .is_none_or(|e| e.fetched_at < row.fetched_at);
                        if newer {
                            if let Ok(crl) = otinish_pki::trust_crl(&row.der) {
                                self.crls.write().await.insert(
                                    row.url.clone(),
                                    Arc::new(Entry {
                                        crl,
                                        next_update: row.next_update,
                                        fetched_at: row.fetched_at,
                                    }),
                                );
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "revocation lists not read"),
            }
        }
        let due: Vec<String> = self
            .crls
            .read()
            .await
            .iter()
            .filter(|(_, e)| e.next_update.is_some_and(|n| n - REFRESH_AHEAD < now))
            .map(|(u, _)| u.clone())
            .collect();
        let mut fetched = 0;
        for url in due {
            match self.fetch(&url, None).await {
                Ok(der) => {
                    if self.keep(&url, der, now).await.is_ok() {
                        fetched += 1;
                    }
                }
                Err(Unreachable(m)) => tracing::warn!(reason = %m, "revocation list not refreshed"),
            }
        }
        fetched
    }

    /// The time of the last successful refresh of each list, for the administrator: (url,
    /// fetched at, next update).
    pub async fn lists(&self) -> Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)> {
        let mut v: Vec<_> = self
            .crls
            .read()
            .await
            .iter()
            .map(|(u, e)| (u.clone(), e.fetched_at, e.next_update))
            .collect();
        v.sort();
        v
    }

    /// By the lists of the certificate's distribution points (full and delta).
    async fn by_crl(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        now: DateTime<Utc>,
    ) -> Result<Option<RevocationCheck>, Result<VerifyError, Unreachable>> {
        let (full, delta) = otinish_pki::ocsp::crl_urls(cert);
        if full.is_empty() {
            return Ok(None);
        }
        let mut lists = Vec::new();
        let mut last = None;
        for url in &full {
            match self.crl(url, now).await {
                Ok(e) => {
                    lists.push(e);
                    break;
                }
                Err(u) => last = Some(u),
            }
        }
        if lists.is_empty() {
            return Err(Err(last.unwrap_or_else(|| Unreachable("no list".into()))));
        }
        for url in &delta {
            if let Ok(e) = self.crl(url, now).await {
                lists.push(e);
                break;
            }
        }
        match otinish_pki::crl_status(lists.iter().map(|e| &e.crl), cert, issuer, now) {
            Ok(Some(otinish_pki::Revocation::Crl {
                issuer,
                this_update,
                ..
            })) => Ok(Some(RevocationCheck::Crl {
                issuer,
                this_update,
            })),
            Ok(_) => Err(Err(Unreachable(
                "the fetched list is not signed by the certificate's issuer".into(),
            ))),
            Err(e) => Err(Ok(e)),
        }
    }

    /// By the certificate's OCSP responder.
    async fn by_ocsp(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        now: DateTime<Utc>,
    ) -> Result<Option<RevocationCheck>, Result<VerifyError, Unreachable>> {
        let urls = otinish_pki::ocsp::responder_urls(cert);
        let Some(url) = urls.first() else {
            return Ok(None);
        };
        let query = otinish_pki::ocsp::request(cert, issuer).map_err(Ok)?;
        let answer = self.fetch(url, Some(query.der)).await.map_err(Err)?;
        let a = otinish_pki::ocsp::check(
            &answer,
            &cert.tbs_certificate.serial_number,
            issuer,
            Some(&query.nonce),
            now,
        )
        .map_err(|e| Err(Unreachable(format!("{url}: {e}"))))?;
        let subject = cert.tbs_certificate.subject.to_string();
        match a.status {
            otinish_pki::ocsp::OcspStatus::Good => Ok(Some(RevocationCheck::Ocsp {
                responder: a.responder,
                produced_at: a.produced_at,
            })),
            otinish_pki::ocsp::OcspStatus::Revoked { at, .. } => Err(Ok(VerifyError::Revoked {
                subject: common_name(cert).unwrap_or(subject),
                revoked_at: at,
            })),
            otinish_pki::ocsp::OcspStatus::Unknown => Err(Ok(VerifyError::RevocationUnknown {
                subject: common_name(cert).unwrap_or(subject),
                reason: format!(
                    "the responder {} does not know the certificate",
                    a.responder
                ),
            })),
        }
    }

    /// Checks a verified signer per the policy: `Ok` with how it was checked (or that it waits
    /// for another check, when the deployment accepts unreachable sources), or the reason the
    /// signature is refused.
    pub async fn check(
        &self,
        signer: &SignerReport,
        now: DateTime<Utc>,
    ) -> Result<RevocationCheck, VerifyError> {
        let folder = signer.revocation.clone().map(|r| match r {
            otinish_pki::Revocation::Crl {
                issuer,
                this_update,
                ..
            } => RevocationCheck::Crl {
                issuer,
                this_update,
            },
            otinish_pki::Revocation::Ocsp {
                responder,
                produced_at,
            } => RevocationCheck::Ocsp {
                responder,
                produced_at,
            },
        });
        let (Ok(cert), Some(Ok(issuer))) = (
            Certificate::from_der(&signer.certificate),
            signer.issuer.as_deref().map(Certificate::from_der),
        ) else {
            return Ok(folder.unwrap_or(RevocationCheck::NotPublished));
        };
        let order: &[bool] = match self.policy.mode {
            Mode::None => return Ok(folder.unwrap_or(RevocationCheck::NotChecked)),
            Mode::Crl => &[false],
            Mode::Ocsp => &[true],
            Mode::Both => &[true, false],
        };
        let mut unreachable = Vec::new();
        for &ocsp in order {
            let r = if ocsp {
                self.by_ocsp(&cert, &issuer, now).await
            } else {
                self.by_crl(&cert, &issuer, now).await
            };
            match r {
                Ok(Some(c)) => return Ok(c),
                Ok(None) => {}
                Err(Ok(refused)) => return Err(refused),
                Err(Err(Unreachable(m))) => unreachable.push(m),
            }
        }
        if unreachable.is_empty() {
            return Ok(folder.unwrap_or(RevocationCheck::NotPublished));
        }
        if let Some(f) = folder {
            return Ok(f);
        }
        let reason = unreachable.join("; ");
        match self.policy.on_unreachable {
            OnUnreachable::Refuse => Err(VerifyError::RevocationUnknown {
                subject: signer.identity.common_name.clone(),
                reason,
            }),
            OnUnreachable::AcceptMarked => {
                tracing::warn!(%reason, "revocation not checked: accepted, to be checked again");
                Ok(RevocationCheck::Pending { reason, since: now })
            }
        }
    }
}

fn common_name(c: &Certificate) -> Option<String> {
    c.tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|r| r.0.iter())
        .find_map(|a| {
            (a.oid == const_oid::db::rfc4519::CN)
                .then(|| std::str::from_utf8(a.value.value()).ok().map(str::to_owned))
                .flatten()
        })
}
