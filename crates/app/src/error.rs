//! The one error of the application layer. The web crate maps it once for pages and once for
//! the JSON API; the command line prints it.

use otinish_domain::appeal::FieldProblem;
use otinish_domain::repo::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not acceptable: each field with the message key of its problem.
    #[error("invalid input: {}", fields(.0))]
    Invalid(Vec<FieldProblem>),
    /// The user's role or body does not allow it.
    #[error("not allowed for this user")]
    Forbidden,
    #[error("not found: {0}")]
    NotFound(String),
    /// The record changed meanwhile, or exists already.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Refused for a reason the person can act on: a message key, and the reason in words
    /// for logs and the command line.
    #[error("{detail}")]
    Refused { key: &'static str, detail: String },
    /// The database (or another dependency) is not available now; never a 4xx.
    #[error("unavailable: {0}")]
    Unavailable(#[source] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

fn fields(p: &[FieldProblem]) -> String {
    p.iter()
        .map(|p| format!("{} ({})", p.field, p.key))
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Error::NotFound(what),
            StoreError::Conflict(what) | StoreError::Stale(what) => Error::Conflict(what),
            StoreError::NotAdmitted(r) => Error::Refused {
                key: match r {
                    otinish_domain::appeal::AdmissionRefusal::TooMany => "err-too-many-appeals-now",
                    otinish_domain::appeal::AdmissionRefusal::StorageFull => "appeal-storage-full",
                },
                detail: format!("not admitted: {r:?}"),
            },
            other @ (StoreError::Unavailable | StoreError::Backend(_)) => Error::Unavailable(other),
        }
    }
}
