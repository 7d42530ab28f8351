//! The application layer: use cases over the domain's rules and the store's traits, with no
//! HTTP. The web crate, the command line and the workers call these; none of them decides
//! what a use case decides.
//!
//! The e-appeal, VKS, video and personal-reception use cases still live in the web crate's
//! `App`; new use cases start here, with the one error type of [`Error`].

pub mod admin;
pub mod announce;
pub mod branches;
pub mod calendar;
pub mod clock;
pub mod csv;
pub mod directory;
pub mod editions;
pub mod error;
pub mod import;
pub mod jobs;
pub mod notices;
pub mod notify;
pub mod sessions;
pub mod setup;
pub mod trust;

pub use error::Error;

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
