//! What a person chooses from: the bodies an appeal may be addressed to and the branches where
//! a VKS reception or a booth may be booked. Closed bodies and branches are never offered and
//! take nothing new; every page of the store is read, so a deployment with more bodies than
//! one page still offers them all.

use crate::Error;
use otinish_domain::model::{Body, Branch};
use otinish_domain::repo::Store;

/// Every body that works, by name.
pub async fn open_bodies(store: &dyn Store) -> Result<Vec<Body>, Error> {
    crate::every_page(|p| store.open_bodies(p)).await
}

/// Every branch that works, by region and name.
pub async fn open_branches(store: &dyn Store) -> Result<Vec<Branch>, Error> {
    crate::every_page(|p| store.open_branches(p)).await
}

/// The body `id` if it takes appeals: refused (`err-body-closed`) when it has closed, not
/// found when there is none.
pub async fn recipient(store: &dyn Store, id: i64) -> Result<Body, Error> {
    let body = store.body(id).await?;
    if body.is_open() {
        Ok(body)
    } else {
        Err(closed_body(&body))
    }
}

/// The refusal for an appeal, booking or sign-up addressed to a closed body.
pub fn closed_body(body: &Body) -> Error {
    Error::Refused {
        key: "err-body-closed",
        detail: format!("body {} has closed", body.code),
    }
}
