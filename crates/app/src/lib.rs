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
pub mod csv;
pub mod error;
pub mod import;
pub mod notices;
pub mod sessions;
pub mod setup;
pub mod trust;

pub use error::Error;
