//! The application layer: use cases over the domain's rules and the store's traits, with no
//! HTTP. The web crate, the command line and the workers call these; none of them decides
//! what a use case decides.
//!
//! [`Service`] is the application service every use case is a method of (the web crate's state
//! holds it and reaches it through `Deref`). E-appeals ([`eappeal`]: filing, registration,
//! the staff's steps), the check of a decision against the hearing ([`hearing`]), form 1-OL
//! ([`reports`]), revocation, conference links and the texts of notices ([`i18n`]) are here;
//! VKS, video and personal reception still live in the web crate and move next. New use cases
//! start here, with the one error type of [`Error`].

pub mod admin;
pub mod announce;
pub mod branches;
pub mod calendar;
pub mod clock;
pub mod conference;
pub mod csv;
pub mod directory;
pub mod eappeal;
pub mod editions;
pub mod error;
pub mod hearing;
pub mod i18n;
pub mod import;
pub mod jobs;
pub mod notices;
pub mod notify;
pub mod pr;
pub mod reception;
pub mod reports;
pub mod revocation;
pub mod service;
pub mod sessions;
pub mod setup;
pub mod trust;
pub mod video;
pub mod vks;

pub use error::Error;
pub use service::{Service, Settings};

/// Every item of a paged store listing, read 500 at a time.
pub(crate) async fn every_page<T, F, Fut>(page: F) -> Result<Vec<T>, Error>
where
    F: Fn(otinish_domain::repo::PageRequest) -> Fut,
    Fut: std::future::Future<
        Output = Result<otinish_domain::repo::Page<T>, otinish_domain::repo::StoreError>,
    >,
{
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let p = page(otinish_domain::repo::PageRequest::new(
            Some(500),
            Some(offset),
        ))
        .await?;
        let n = p.items.len() as u32;
        out.extend(p.items);
        if n < 500 {
            return Ok(out);
        }
        offset += n;
    }
}
