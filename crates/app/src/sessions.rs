//! Staff sessions: a staff member sees where they are signed in and ends any of those
//! sessions; an administrator does the same for the staff within their scope. Ending a
//! session is journaled with who ended it.

use crate::admin::scope;
use crate::Error;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{Role, StaffUser};
use otinish_domain::repo::{SessionRecord, Store};
use sha2::{Digest, Sha256};

/// Whether `user` may see and end the sessions of `target`: their own, or, for an
/// administrator, those of staff within their scope.
async fn may_manage(store: &dyn Store, user: &StaffUser, target: &StaffUser) -> Result<(), Error> {
    if user.id == target.id {
        return Ok(());
    }
    if !user.has_role(Role::Admin) {
        return Err(Error::Forbidden);
    }
    let scope = scope(store, user).await?;
    if scope.has_staff(target) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The staff member `staff_id` and their unexpired sessions, newest first.
pub async fn list(
    store: &dyn Store,
    user: &StaffUser,
    staff_id: i64,
    now: DateTime<Utc>,
) -> Result<(StaffUser, Vec<SessionRecord>), Error> {
    let target = store.staff(staff_id).await?;
    may_manage(store, user, &target).await?;
    let sessions = store.sessions_of(staff_id, now).await?;
    Ok((target, sessions))
}

/// Which sessions to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End<'a> {
    /// The session whose token has this hash.
    One(&'a str),
    /// Every session of the staff member.
    All,
}

/// Ends sessions of `staff_id`; returns how many ended (none when the session had already
/// ended or expired).
pub async fn end(
    store: &dyn Store,
    user: &StaffUser,
    staff_id: i64,
    which: End<'_>,
    now: DateTime<Utc>,
) -> Result<u64, Error> {
    let target = store.staff(staff_id).await?;
    may_manage(store, user, &target).await?;
    let (hash, action) = match which {
        End::One(h) => (Some(h), "end_session"),
        End::All => (None, "end_all_sessions"),
    };
    Ok(store
        .end_sessions(
            staff_id,
            hash,
            JournalDraft::new(now, format!("staff:{}", user.id), "", action),
        )
        .await?)
}

/// A random token, URL-safe (a session's, a sign-in challenge's).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut b);
    hex::encode(b)
}

/// What the database keeps of a token: its SHA-256, never the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password for storage (argon2id, random salt).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` is the one `hash` was made from (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

impl crate::Service {
    /// Staff sign-in by key: the CMS over a fresh challenge verifies (chain, revocation, time),
    /// the challenge is used once, the certificate's IIN is an active staff member's, and for
    /// a body's employee the certificate carries that body's BIN. The role comes from the
    /// product, not the certificate. Returns the staff member.
    pub async fn staff_sign_in(
        &self,
        challenge: &str,
        signature: &[u8],
    ) -> Result<otinish_domain::model::StaffUser, crate::eappeal::AppealError> {
        use crate::eappeal::AppealError;
        use otinish_domain::signature::{staff_sign_in_fits, StaffSignatureProblem};
        if challenge.is_empty() || signature.is_empty() {
            return Err(AppealError::BadChallenge);
        }
        let cms = otinish_pki::decode_signature(signature).map_err(AppealError::Signature)?;
        let v = self.signed_challenge(challenge, &cms).await?;
        if v.signers.len() != 1 {
            return Err(AppealError::StaffSignature(StaffSignatureProblem::NotAlone));
        }
        let cert_iin = v.signer.iin.as_ref().map(|i| i.as_str().to_owned());
        let user = match &cert_iin {
            Some(iin) => match self.store.staff_by_iin(iin).await {
                Ok(u) if u.active => u,
                Ok(_) | Err(otinish_domain::repo::StoreError::NotFound(_)) => {
                    return Err(AppealError::StaffSignature(StaffSignatureProblem::NotStaff))
                }
                Err(e) => return Err(e.into()),
            },
            None => return Err(AppealError::StaffSignature(StaffSignatureProblem::NotStaff)),
        };
        let body_bin = match user.body_id {
            Some(b) => Some(self.store.body(b).await?.bin.map(|b| b.as_str().to_owned())),
            None => None,
        };
        staff_sign_in_fits(
            user.iin.as_deref(),
            body_bin.as_ref().map(|b| b.as_deref()),
            cert_iin.as_deref(),
            v.signer.bin.as_ref().map(|b| b.as_str()),
        )
        .map_err(AppealError::StaffSignature)?;
        tracing::info!(staff = user.id, "signed in by key");
        Ok(user)
    }

    /// Demo mode: the demo staff member `login` signs a fresh challenge with their demo key on
    /// the server, and signs in as [`Self::staff_sign_in`] does.
    pub async fn demo_staff_sign_in(
        &self,
        login: &str,
    ) -> Result<otinish_domain::model::StaffUser, crate::eappeal::AppealError> {
        use crate::eappeal::AppealError;
        let user = match self.store.staff_credentials(login).await {
            Ok((u, _)) => u,
            Err(otinish_domain::repo::StoreError::NotFound(_)) => {
                return Err(AppealError::StaffSignature(
                    otinish_domain::signature::StaffSignatureProblem::NotStaff,
                ))
            }
            Err(e) => return Err(e.into()),
        };
        let body = match user.body_id {
            Some(b) => Some(self.store.body(b).await?),
            None => None,
        };
        let key = self.demo_person_key(&user, body.as_ref())?;
        let challenge = self.sign_in_challenge().await?;
        let cms = key
            .sign_cms(challenge.as_bytes(), true, self.clock.now())
            .map_err(|e| AppealError::Internal(e.to_string()))?;
        self.staff_sign_in(&challenge, &cms).await
    }
}
