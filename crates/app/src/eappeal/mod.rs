//! E-appeals end to end (EA-01 … EA-16): applicant sign-in by signature, submission,
//! receipts, automatic registration, the staff's actions, and the notices each one sends.
//! Decisions are the domain's (`appeal`, `model`, `deadline`); this module carries them out.

mod actions;
use crate::i18n::Tr;
use crate::Service;
use otinish_domain::appeal::{
    check_individual, check_legal_entity, check_uploads, FieldProblem, IndividualForm,
    LegalEntityForm, SignerFacts, Upload,
};
use otinish_domain::deadline::{case_deadlines, CaseFacts};
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{
    Applicant, Card, CardAction, CardState, Channel, NewCard, OutOfScopeGround, RegNumber, Role,
    StaffUser,
};
use otinish_domain::notice::{NewNotice, NoticeChannel, NoticeKind};
use otinish_domain::repo::{
    AppealRecord, Arrival, ArrivalOutcome, CardUpdate, NewAppeal, NewAttachment, NewSignedDocument,
    RedirectedFrom, StoreError, StoredDeadline,
};
use otinish_domain::signature::{RevocationCheck, SignatureCheck};
use otinish_domain::Lang;
use otinish_pki::{SignerIdentity, VerifyError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How a submission of a signed appeal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    /// A new appeal was stored.
    New,
    /// A retry under the same idempotency key: the appeal it first stored.
    Retry,
    /// The same signed content sent again under another key: the first appeal, not a second.
    Replay,
}

impl Filing {
    pub fn created(self) -> bool {
        self == Filing::New
    }
}

/// Whom an appeal's notices go to: the applicant in the cabinet, and by email or post.
pub struct NoticeTo<'a> {
    pub applicant_id: i64,
    pub email: Option<&'a str>,
    pub postal: &'a str,
    pub lang: Lang,
}

impl<'a> NoticeTo<'a> {
    pub fn of(a: &'a AppealRecord) -> Self {
        NoticeTo {
            applicant_id: a.applicant_id,
            email: a.email.as_deref(),
            postal: &a.postal_address,
            lang: a.applicant.lang(),
        }
    }
}

/// Why an action was refused. Each variant tells the person what to do.
#[derive(Debug, thiserror::Error)]
pub enum AppealError {
    #[error("signature: {0}")]
    Signature(VerifyError),
    #[error("the signature belongs to someone else than the signed-in applicant")]
    NotYourSignature,
    #[error("the signed document is not an appeal card")]
    NotAnAppeal,
    #[error("invalid fields")]
    Invalid(Vec<FieldProblem>),
    #[error("the attached files differ from the files listed in the signed card")]
    FilesMismatch,
    #[error("the recipient body does not exist")]
    UnknownBody,
    /// The recipient body has closed: it takes no new appeal.
    #[error("the recipient body has closed")]
    BodyClosed,
    /// The applicant filed as many appeals in the past hour as one may (the limit is given).
    #[error("too many appeals in an hour (at most {0})")]
    TooMany(u32),
    /// The file store (object storage) did not take the attached files: nothing was stored.
    #[error("the file store is unavailable: {0}")]
    FilesUnavailable(String),
    #[error("this action is not allowed for your role or body")]
    Forbidden,
    /// The step is not possible now; the message key says why.
    #[error("not allowed now: {0}")]
    NotAllowed(&'static str),
    #[error("the sign-in challenge is unknown, used or expired; reload the page")]
    BadChallenge,
    /// A staff member's signature does not fit them, their body or their role (EA-09).
    #[error("staff signature: {0:?}")]
    StaffSignature(otinish_domain::signature::StaffSignatureProblem),
    /// Outside demo mode a staff member signs with their own key.
    #[error("sign with your own key (NCALayer or eGov mobile)")]
    OwnKeyNeeded,
    /// GEN-09: a step of the hearing does not apply.
    #[error("hearing: {0}")]
    Hearing(otinish_domain::hearing::HearingError),
    /// GEN-09, VC-09: the rules in force do not let the decision be taken (yet).
    #[error("decision: {0}")]
    Decision(otinish_domain::hearing::DecisionError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal: {0}")]
    Internal(String),
}

/// The tax number a signature speaks for: the organisation's BIN for a legal entity's key,
/// else the person's IIN.
pub fn signer_tax_id(v: &otinish_pki::Verified) -> Option<String> {
    v.signer
        .bin
        .as_ref()
        .map(|b| b.to_string())
        .or_else(|| v.signer.iin.as_ref().map(|i| i.to_string()))
}

/// What an applicant signs: the card's fields and the digests of the attached files.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedAppeal {
    /// Format marker: `appeal/1`.
    pub otinish: String,
    /// `individual` or `legal_entity`.
    pub applicant_type: String,
    pub form: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub files: Vec<SignedFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedFile {
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

pub fn signer_facts(id: &SignerIdentity) -> SignerFacts {
    SignerFacts {
        iin: id.iin.clone(),
        bin: id.bin.clone(),
        surname: id.surname.clone().unwrap_or_else(|| id.common_name.clone()),
        name: id.name.clone().unwrap_or_default(),
        patronymic: id.patronymic.clone(),
        organization: id.organization.clone(),
        email: id.email.clone(),
    }
}

/// The applicant record a signature identifies (kept up to date at each sign-in).
fn applicant_from_signer(
    id: &SignerIdentity,
    lang: Lang,
    previous: Option<&Applicant>,
) -> Option<Applicant> {
    let address = match previous {
        Some(Applicant::Individual { address, .. } | Applicant::LegalEntity { address, .. }) => {
            address.clone()
        }
        None => String::new(),
    };
    let email = id
        .email
        .as_deref()
        .and_then(|e| otinish_domain::ids::Email::parse(e).ok());
    match (&id.bin, &id.iin) {
        (Some(bin), _) => Some(Applicant::LegalEntity {
            bin: bin.clone(),
            org_name: id.organization.clone().unwrap_or_default(),
            signer_surname: id.surname.clone().unwrap_or_default(),
            signer_name: id.name.clone().unwrap_or_default(),
            email,
            phone: None,
            address,
            lang,
        }),
        (None, Some(iin)) => Some(Applicant::Individual {
            iin: iin.clone(),
            surname: id.surname.clone().unwrap_or_default(),
            name: id.name.clone().unwrap_or_default(),
            patronymic: id.patronymic.clone(),
            email,
            phone: None,
            address,
            lang,
        }),
        (None, None) => None,
    }
}

impl Service {
    /// GEN-04: the case's deadlines as the rules in force on its day of receipt set them, on
    /// calendar `cal`, ready to store.
    pub fn stored_deadlines(
        &self,
        facts: &CaseFacts,
        cal: &otinish_domain::calendar::WorkingCalendar,
    ) -> Result<Vec<StoredDeadline>, AppealError> {
        let today = cal.zone().local_date(self.clock.now());
        Ok(case_deadlines(facts, &self.rulebooks, cal, today)
            .map_err(|e| AppealError::Internal(e.to_string()))?
            .iter()
            .map(StoredDeadline::from)
            .collect())
    }

    /// EA-06: the whole check of a person's signature — the PKI's (the signature, the path to
    /// a trusted root, validity, key usage, the certificate's role, the timestamp), then every
    /// signer's revocation as the deployment checks it. Returns what it established.
    pub async fn check_signature(
        &self,
        signature: &[u8],
        content: Option<&[u8]>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(otinish_pki::Verified, SignatureCheck), VerifyError> {
        let v = otinish_pki::verify(signature, content, &self.pki.trust.get(), now)?;
        let mut first = None;
        for s in &v.signers {
            let r = self.pki.revocation.check(s, now).await?;
            first.get_or_insert(r);
        }
        let check = signature_check(&v, first.unwrap_or(RevocationCheck::NotPublished));
        Ok((v, check))
    }

    /// A one-time challenge for signing in.
    pub async fn sign_in_challenge(&self) -> Result<String, AppealError> {
        let nonce = format!("otinish-sign-in:{}", crate::sessions::random_token());
        self.store.create_nonce(&nonce, self.clock.now()).await?;
        Ok(nonce)
    }

    /// The signature over a sign-in challenge, verified, and the challenge used up (fresh and
    /// once only): who signed it. For applicants and staff alike.
    pub async fn signed_challenge(
        &self,
        challenge: &str,
        signature: &[u8],
    ) -> Result<otinish_pki::Verified, AppealError> {
        let now = self.clock.now();
        let (v, _) = self
            .check_signature(signature, Some(challenge.as_bytes()), now)
            .await
            .map_err(AppealError::Signature)?;
        self.store
            .use_nonce(challenge, now - chrono::Duration::minutes(10))
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) | StoreError::Conflict(_) | StoreError::Stale(_) => {
                    AppealError::BadChallenge
                }
                other => AppealError::Store(other),
            })?;
        Ok(v)
    }

    /// Signs in the holder of the key that signed `challenge`: verifies the CMS, checks the
    /// challenge is fresh and unused, and opens a session. Returns the session token.
    pub async fn sign_in(
        &self,
        challenge: &str,
        signature: &[u8],
        lang: Lang,
    ) -> Result<(i64, String), AppealError> {
        let now = self.clock.now();
        let v = self.signed_challenge(challenge, signature).await?;
        let tax_id = signer_tax_id(&v);
        let previous = match &tax_id {
            Some(t) => self.store.applicant_by_tax_id(t).await.ok(),
            None => None,
        };
        let applicant = applicant_from_signer(&v.signer, lang, previous.as_ref().map(|(_, a)| a))
            .ok_or(AppealError::Signature(VerifyError::BadIdentity(
            "no IIN in the certificate".into(),
        )))?;
        let id = self.store.upsert_applicant(&applicant).await?;
        let token = crate::sessions::random_token();
        self.store
            .create_applicant_session(
                &crate::sessions::token_hash(&token),
                id,
                now,
                now + chrono::Duration::hours(8),
            )
            .await?;
        tracing::info!(applicant = id, "applicant signed in");
        Ok((id, token))
    }

    /// The canonical document an applicant signs for a card and its files.
    pub fn appeal_document(
        applicant: &Applicant,
        form: serde_json::Map<String, serde_json::Value>,
        files: &[(String, Vec<u8>)],
    ) -> String {
        let doc = SignedAppeal {
            otinish: "appeal/1".into(),
            applicant_type: match applicant {
                Applicant::Individual { .. } => "individual".into(),
                Applicant::LegalEntity { .. } => "legal_entity".into(),
            },
            form,
            files: files
                .iter()
                .map(|(name, bytes)| SignedFile {
                    name: name.clone(),
                    sha256: hex::encode(Sha256::digest(bytes)),
                    size: bytes.len() as u64,
                })
                .collect(),
        };
        serde_json::to_string(&doc).unwrap_or_default()
    }

    /// EA-02 … EA-08: takes a signed appeal from the signed-in applicant. The signature is
    /// verified on arrival (EA-06); the card fields come from what was signed, the identity
    /// from the certificate (EA-03, EA-04). The appeal is stored with its files and deadlines
    /// (EA-14), the signed delivery receipt is issued (EA-07.1) and the appeal is registered
    /// automatically with a number and an executor (EA-08, EA-07.3). A retry with the same
    /// idempotency key returns the first appeal, and so does the same signed content sent again
    /// under another key (a replay).
    pub async fn submit_appeal(
        &self,
        applicant_id: i64,
        signature: &[u8],
        files: Vec<(String, Vec<u8>)>,
        idempotency_key: &str,
    ) -> Result<(i64, Filing), AppealError> {
        let now = self.clock.now();
        let applicant = self.store.applicant(applicant_id).await?;
        // One applicant's pace: a retry of an appeal already stored is not a new one.
        let hour_ago = now - chrono::Duration::hours(1);
        let (recent, retry) = self
            .store
            .appeals_filed_since(applicant_id, hour_ago, idempotency_key)
            .await?;
        let over_the_limit = !retry
            && !otinish_domain::appeal::rate_allows_submission(
                u64::try_from(recent).unwrap_or(0),
                &self.limits,
            );
        // EA-06: the signature is checked on arrival. A sound signature whose certificate fails
        // (expired, revoked, untrusted…) is received and refused with the reason (EA-07.2,
        // EA-12); anything else is not an appeal at all and is turned away (EA-02).
        let (v, check, refusal) = match self.check_signature(signature, None, now).await {
            Ok((v, check)) => (v, Some(check), None),
            Err(e) if e.is_certificate_problem() => {
                match otinish_pki::verify_ignoring_trust(signature, None) {
                    Ok(v) => (v, None, Some(e)),
                    Err(_) => return Err(AppealError::Signature(e)),
                }
            }
            Err(e) => return Err(AppealError::Signature(e)),
        };
        // An appeal needs a signing key; a legal entity's needs its first head or someone with
        // the right to sign (said why otherwise). Signing in needs neither.
        v.require_document_signer()
            .map_err(AppealError::Signature)?;
        let signer_tax = signer_tax_id(&v);
        if signer_tax.as_deref() != Some(applicant.tax_id()) {
            return Err(AppealError::NotYourSignature);
        }
        let doc: SignedAppeal =
            serde_json::from_slice(&v.content).map_err(|_| AppealError::NotAnAppeal)?;
        if doc.otinish != "appeal/1" {
            return Err(AppealError::NotAnAppeal);
        }
        let signed_digest = hex::encode(Sha256::digest(&v.content));
        if over_the_limit {
            // An appeal sent before is answered as such whatever the pace; a new one waits.
            return match self
                .store
                .appeal_with_signed_digest(applicant_id, &signed_digest)
                .await?
            {
                Some(first) => Ok((first, Filing::Replay)),
                None => Err(AppealError::TooMany(self.limits.appeals_per_hour)),
            };
        }
        // The files must be exactly those listed in the signed card.
        let mut listed = doc.files.clone();
        let mut given: Vec<SignedFile> = files
            .iter()
            .map(|(n, b)| SignedFile {
                name: n.clone(),
                sha256: hex::encode(Sha256::digest(b)),
                size: b.len() as u64,
            })
            .collect();
        listed.sort_by(|a, b| a.sha256.cmp(&b.sha256));
        given.sort_by(|a, b| a.sha256.cmp(&b.sha256));
        if listed != given {
            return Err(AppealError::FilesMismatch);
        }
        let facts = signer_facts(&v.signer);
        let lang = applicant.lang();
        let form = serde_json::Value::Object(doc.form.clone());
        let draft = match doc.applicant_type.as_str() {
            "individual" => {
                let f: IndividualForm =
                    serde_json::from_value(form).map_err(|_| AppealError::NotAnAppeal)?;
                check_individual(&f, &facts, lang, &self.limits)
            }
            "legal_entity" => {
                let f: LegalEntityForm =
                    serde_json::from_value(form).map_err(|_| AppealError::NotAnAppeal)?;
                check_legal_entity(&f, &facts, lang, &self.limits)
            }
            _ => return Err(AppealError::NotAnAppeal),
        }
        .map_err(AppealError::Invalid)?;
        let used = self.store.applicant_storage_used(applicant_id).await?;
        let uploads: Vec<Upload<'_>> = files
            .iter()
            .map(|(n, b)| Upload {
                file_name: n,
                bytes: b,
            })
            .collect();
        let kinds = check_uploads(
            &uploads,
            u64::try_from(used).unwrap_or(0),
            v.content.len() as u64,
            &self.limits,
        )
        .map_err(AppealError::Invalid)?;
        let body = recipient(self.store.as_ref(), draft.body_id).await?;

        let cal = self.calendar.read().await.clone();
        let received_on = cal.zone().local_date(now);
        let gov = self
            .rulebooks
            .governing(Channel::Portal, received_on)
            .map_err(|e| AppealError::Internal(e.to_string()))?;
        // Registered on arrival unless refused: the terms run from registration then.
        let facts = CaseFacts {
            channel: Channel::Portal,
            kind: draft.kind,
            received_at: now,
            registered_at: refusal.is_none().then_some(now),
            events: vec![],
        };
        let deadlines = self.stored_deadlines(&facts, &cal)?;
        let mut attachments = Vec::new();
        for ((name, bytes), kind) in files.iter().zip(kinds) {
            let stored = self.files.put(bytes).await.map_err(|e| {
                tracing::error!(error = %e, "attachments not stored");
                AppealError::FilesUnavailable(e.to_string())
            })?;
            attachments.push(NewAttachment {
                file_name: otinish_domain::appeal::clean_file_name(name),
                mime: kind.mime().into(),
                size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                sha256: stored.sha256,
                storage_key: stored.key,
            });
        }
        let (email, phone) = match &draft.applicant {
            Applicant::Individual { email, phone, .. }
            | Applicant::LegalEntity { email, phone, .. } => (
                email.as_ref().map(|e| e.to_string()),
                phone.as_ref().map(|p| p.to_string()),
            ),
        };
        let summary: String = draft.content.chars().take(200).collect();
        let new = NewAppeal {
            card: NewCard {
                body_id: body.id,
                channel: Channel::Portal,
                kind: draft.kind,
                applicant_id: Some(applicant_id),
                addressee: None,
                summary,
                received_at: now,
                rulebook_id: gov.primary_id().to_owned(),
                collective: draft.collective,
            },
            applicant: draft.applicant.clone(),
            content: draft.content.clone(),
            outgoing_number: draft.outgoing_number.clone(),
            outgoing_date: draft.outgoing_date,
            postal_address: match &draft.applicant {
                Applicant::Individual { address, .. } | Applicant::LegalEntity { address, .. } => {
                    address.clone()
                }
            },
            email,
            phone,
            lang,
            signed_document: String::from_utf8_lossy(&v.content).into_owned(),
            signature: otinish_pki::decode_signature(signature).map_err(AppealError::Signature)?,
            signer_serial: v.signer.serial.clone(),
            signed_at: v.signing_time,
            signature_check: check,
            idempotency_key: idempotency_key.to_owned(),
            signed_digest: Some(signed_digest),
            size_bytes: i64::try_from(v.content.len()).unwrap_or(i64::MAX),
            attachments,
            deadlines,
            // The hourly pace and EA-15's space, checked again where the appeal is stored so
            // that concurrent submissions cannot pass them together.
            admission: Some(otinish_domain::appeal::Admission::new(&self.limits, now)),
        };
        let actor = format!("applicant:{}", applicant.tax_id());
        // Everything the arrival writes is decided and signed here, and stored with the appeal
        // in one transaction (EA-07, EA-08): the receipt, registration or refusal, notices.
        let to = NoticeTo {
            applicant_id,
            email: new.email.as_deref(),
            postal: &new.postal_address,
            lang: draft.applicant.lang(),
        };
        let (receipt, code) = self.sign_receipt(&new, &body, now)?;
        let outcome = match &refusal {
            None => {
                let executor = self.least_loaded_executor(body.id).await?;
                (
                    ArrivalOutcome::Register {
                        year: chrono::Datelike::year(&cal.zone().local_date(now)),
                        body_code: body.code.clone(),
                        executor_id: executor.as_ref().map(|e| e.id),
                        journal: JournalDraft::new(now, "system", "", "register"),
                    },
                    executor.map(|e| e.full_name).unwrap_or_default(),
                )
            }
            Some(reason) => (
                ArrivalOutcome::Refuse {
                    to: CardState::Received
                        .apply(CardAction::Refuse)
                        .map_err(|_| AppealError::NotAllowed("err-step-not-allowed"))?,
                    decision: format!("signature:{}", reason.code()),
                    journal: JournalDraft::new(now, "system", "", "refuse_registration").details(
                        serde_json::json!({ "reason": reason.code(), "detail": reason.to_string() })
                            .to_string(),
                    ),
                },
                String::new(),
            ),
        };
        let (outcome, executor_name) = outcome;
        let body_name = body.name.get(lang).to_owned();
        let refusal_text = refusal
            .as_ref()
            .map(|r| Tr::new(to.lang).get(&format!("sig-{}", r.code().replace('_', "-"))));
        let notices = |card_id: i64, number: Option<&RegNumber>| {
            let mut out = Self::notices_to(
                &to,
                card_id,
                NoticeKind::Receipt,
                &[
                    ("appeal", card_id.to_string()),
                    ("body", body_name.clone()),
                    ("code", code.clone()),
                ],
            );
            match (number, &refusal_text) {
                (Some(n), _) => {
                    out.extend(Self::registered_notices(&to, card_id, n, &executor_name))
                }
                (None, Some(reason)) => out.extend(Self::notices_to(
                    &to,
                    card_id,
                    NoticeKind::Refused,
                    &[("appeal", card_id.to_string()), ("reason", reason.clone())],
                )),
                (None, None) => {}
            }
            out
        };
        let arrival = Arrival {
            receipt: Some((
                receipt,
                JournalDraft::new(now, "system", "", "receipt_issued"),
            )),
            outcome,
            redirected_from: None,
            notices: &notices,
        };
        let (card_id, created) = self
            .store
            .file_appeal(
                &new,
                JournalDraft::new(now, &actor, "", "receive").details("{\"channel\":\"portal\"}"),
                &arrival,
            )
            .await
            .map_err(|e| match e {
                StoreError::NotAdmitted(otinish_domain::appeal::AdmissionRefusal::TooMany) => {
                    AppealError::TooMany(self.limits.appeals_per_hour)
                }
                StoreError::NotAdmitted(otinish_domain::appeal::AdmissionRefusal::StorageFull) => {
                    AppealError::Invalid(vec![FieldProblem {
                        field: "file",
                        key: "appeal-storage-full",
                    }])
                }
                other => other.into(),
            })?;
        if created {
            return Ok((card_id, Filing::New));
        }
        // Filed before, whole: under this key (a retry), or under another (a replay).
        if self.store.appeal(card_id).await?.idempotency_key != idempotency_key {
            tracing::info!(
                card = card_id,
                "a signed appeal sent again: the first one answered"
            );
            return Ok((card_id, Filing::Replay));
        }
        Ok((card_id, Filing::Retry))
    }

    /// EA-08: the body's active executor with the fewest open cards (the lowest id among
    /// equals), if it has any.
    pub async fn least_loaded_executor(
        &self,
        body_id: i64,
    ) -> Result<Option<StaffUser>, AppealError> {
        let loads = self.store.executor_loads(body_id).await?;
        Ok(loads
            .into_iter()
            .filter(|(u, _)| u.has_role(Role::Executor))
            .min_by_key(|(u, n)| (*n, u.id))
            .map(|(u, _)| u))
    }

    /// Signatures accepted while their revocation could not be checked (the deployment's
    /// choice): each is checked again; the result — not revoked, or revoked and since when —
    /// replaces the mark on the card (journaled) for the staff to see. Those still unreachable
    /// keep their mark. Returns how many were settled.
    pub async fn recheck_pending_signatures(&self) -> Result<usize, AppealError> {
        let now = self.clock.now();
        let mut settled = 0;
        for p in self.store.pending_signature_checks(50).await? {
            let received_at = self.store.card(p.card_id).await?.received_at;
            // The path as it was when the appeal arrived.
            let Ok(v) = otinish_pki::verify(&p.signature, None, &self.pki.trust.get(), received_at)
            else {
                continue;
            };
            let mut result = None;
            for s in &v.signers {
                match self.pki.revocation.check(s, now).await {
                    Ok(RevocationCheck::Pending { .. }) => {
                        result = None;
                        break;
                    }
                    Ok(r) => {
                        result.get_or_insert(r);
                    }
                    Err(VerifyError::Revoked { revoked_at, .. }) => {
                        result = Some(RevocationCheck::FoundRevoked {
                            revoked_at,
                            found_at: now,
                        });
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(card = p.card_id, error = %e, "signature re-check");
                        result = None;
                        break;
                    }
                }
            }
            let Some(r) = result else { continue };
            let mut check = p.check.clone();
            check.revocation = r;
            self.store
                .set_signature_check(
                    p.card_id,
                    &check,
                    JournalDraft::new(
                        now,
                        "system",
                        format!("card:{}", p.card_id),
                        "revocation_rechecked",
                    )
                    .details(serde_json::to_string(&check.revocation).unwrap_or_default()),
                )
                .await?;
            settled += 1;
        }
        Ok(settled)
    }

    /// The notices of `kind` about `card_id` to the applicant of appeal `a`: in the cabinet,
    /// and by email or, with no email, by post (GEN-07).
    pub fn notices_for(
        &self,
        a: &AppealRecord,
        card_id: i64,
        kind: NoticeKind,
        args: &[(&str, String)],
    ) -> Vec<NewNotice> {
        Self::notices_to(&NoticeTo::of(a), card_id, kind, args)
    }

    /// EA-07.3: the notices that `card_id` is registered under `number`, with its executor.
    pub fn registered_notices(
        to: &NoticeTo<'_>,
        card_id: i64,
        number: &RegNumber,
        executor_name: &str,
    ) -> Vec<NewNotice> {
        Self::notices_to(
            to,
            card_id,
            NoticeKind::Registered,
            &[
                ("appeal", card_id.to_string()),
                ("number", number.to_string()),
                ("executor", executor_name.to_owned()),
            ],
        )
    }

    /// The notices of `kind` about `card_id` to `to`, as [`notices_for`](Self::notices_for).
    pub fn notices_to(
        to: &NoticeTo<'_>,
        card_id: i64,
        kind: NoticeKind,
        args: &[(&str, String)],
    ) -> Vec<NewNotice> {
        let applicant_id = to.applicant_id;
        let email = to.email;
        let postal = Some(to.postal);
        let lang = to.lang;
        let tr = Tr::new(lang);
        let subject = tr.with(
            &format!("notice-{}-subject", kind.as_str().replace('_', "-")),
            args,
        );
        let body = tr.with(
            &format!("notice-{}-body", kind.as_str().replace('_', "-")),
            args,
        );
        let mut out = vec![NewNotice {
            card_id,
            applicant_id,
            kind,
            channel: NoticeChannel::Cabinet,
            address: None,
            lang,
            subject: subject.clone(),
            body: body.clone(),
        }];
        // GEN-07: by email where the applicant gave one; otherwise by post to the postal
        // address they gave — a printable letter in the registrar's "to post" queue.
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        let postal = postal.map(str::trim).filter(|p| !p.is_empty());
        let by = match (email, postal) {
            (Some(e), _) => Some((NoticeChannel::Email, e)),
            (None, Some(p)) => Some((NoticeChannel::Post, p)),
            (None, None) => None,
        };
        if let Some((channel, address)) = by {
            out.push(NewNotice {
                card_id,
                applicant_id,
                kind,
                channel,
                address: Some(address.to_owned()),
                lang,
                subject,
                body,
            });
        }
        out
    }

    /// EA-07.1: the delivery receipt of an appeal about to be stored, an electronic document
    /// signed by the server's key with a public verification code (returned beside it). It
    /// names the appeal by what was signed, the signature, the applicant, the body and the
    /// moment of receipt; the card's number is on the card the code leads to.
    fn sign_receipt(
        &self,
        a: &NewAppeal,
        body: &otinish_domain::model::Body,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(NewSignedDocument, String), AppealError> {
        let code = verification_code();
        let receipt = serde_json::json!({
            "otinish": "receipt/2",
            "received_at": a.card.received_at.to_rfc3339(),
            "body": body.code,
            "body_name": body.name.ru,
            "applicant": a.applicant.tax_id(),
            "document_sha256": hex::encode(Sha256::digest(a.signed_document.as_bytes())),
            "signature_sha256": hex::encode(Sha256::digest(&a.signature)),
            "verification_code": code,
        })
        .to_string();
        let signature = self
            .pki
            .server_key
            .sign_cms(receipt.as_bytes(), true, now)
            .map_err(|e| AppealError::Internal(e.to_string()))?;
        Ok((
            NewSignedDocument {
                card_id: 0,
                kind: "receipt".into(),
                code: code.clone(),
                document: receipt,
                signature,
                at: now,
                outgoing: None,
            },
            code,
        ))
    }

    /// EA-08: registration happens automatically where the signature check passed on arrival:
    /// the next number of the body, the least-loaded executor, and the registration notice
    /// (EA-07.3) with both.
    pub async fn register_automatically(
        &self,
        card_id: i64,
    ) -> Result<Option<RegNumber>, AppealError> {
        let card = self.store.card(card_id).await?;
        if card.state != CardState::Received {
            return Ok(card.reg_number);
        }
        let a = self.store.appeal(card_id).await?;
        self.register_received(&a).await.map(Some)
    }

    /// Registers an appeal whose card was in state Received when `a` was read; the store
    /// refuses if it has moved since.
    pub async fn register_received(&self, a: &AppealRecord) -> Result<RegNumber, AppealError> {
        let card = &a.card;
        let card_id = card.id;
        let to = card
            .state
            .apply(CardAction::Register)
            .map_err(|_| AppealError::NotAllowed("err-step-not-allowed"))?;
        let now = self.clock.now();
        let executor = self.least_loaded_executor(card.body_id).await?;
        let cal = self.calendar.read().await.clone();
        let facts = CaseFacts {
            channel: card.channel,
            kind: card.kind,
            received_at: card.received_at,
            registered_at: Some(now),
            events: vec![],
        };
        let deadlines = self.stored_deadlines(&facts, &cal)?;
        let year = chrono::Datelike::year(&cal.zone().local_date(now));
        let executor_name = executor
            .as_ref()
            .map(|e| e.full_name.clone())
            .unwrap_or_default();
        let applicant = NoticeTo::of(a);
        let make = |n: &RegNumber| Self::registered_notices(&applicant, card_id, n, &executor_name);
        let number = self
            .store
            .register_card(
                card_id,
                card.state,
                year,
                now,
                executor.as_ref().map(|e| e.id),
                &deadlines,
                &make,
                JournalDraft::new(now, "system", "", "register")
                    .states(Some(card.state.as_str()), Some(to.as_str())),
            )
            .await?;
        Ok(number)
    }
}

/// A public verification code: 20 characters from an alphabet without look-alikes.
fn verification_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// What the PKI's check and the revocation check established, as kept with the appeal.
pub fn signature_check(v: &otinish_pki::Verified, revocation: RevocationCheck) -> SignatureCheck {
    use otinish_pki::SubjectKind;
    let mut roles: Vec<String> = match v.role.kind {
        SubjectKind::Individual => vec!["individual".into()],
        SubjectKind::LegalEntity => vec!["legal_entity".into()],
        SubjectKind::Unstated => vec![],
    };
    roles.extend(v.role.roles.iter().map(|r| r.code().to_owned()));
    if v.role.authentication_only {
        roles.push("authentication_only".into());
    }
    SignatureCheck {
        algorithm: v.signature_algorithm.to_owned(),
        roles,
        timestamp: v.timestamp.as_ref().map(|t| (t.time, t.authority.clone())),
        revocation,
    }
}

/// The body an appeal is addressed (or redirected) to, if it takes appeals: unknown and
/// closed bodies are the person's error; a database that does not answer is not.
pub async fn recipient(
    store: &dyn otinish_domain::repo::Store,
    body_id: i64,
) -> Result<otinish_domain::model::Body, AppealError> {
    match crate::directory::recipient(store, body_id).await {
        Ok(b) => Ok(b),
        Err(crate::Error::NotFound(_)) => Err(AppealError::UnknownBody),
        Err(crate::Error::Refused { .. }) => Err(AppealError::BodyClosed),
        Err(crate::Error::Unavailable(e)) => Err(AppealError::Store(e)),
        Err(e) => Err(AppealError::Internal(e.to_string())),
    }
}

/// The reason for an error, in the reader's language.
pub fn error_text(tr: Tr, e: &AppealError) -> String {
    match e {
        AppealError::Signature(v) => tr.get(&format!("sig-{}", v.code().replace('_', "-"))),
        AppealError::NotYourSignature => tr.get("err-not-your-signature"),
        AppealError::NotAnAppeal => tr.get("err-not-an-appeal"),
        AppealError::FilesMismatch => tr.get("err-files-mismatch"),
        AppealError::UnknownBody => tr.get("err-unknown-body"),
        AppealError::BodyClosed => tr.get("err-body-closed"),
        AppealError::FilesUnavailable(_) => tr.get("err-files-unavailable"),
        AppealError::TooMany(n) => tr.with("err-too-many-appeals", &[("limit", n.to_string())]),
        AppealError::Forbidden => tr.get("err-forbidden"),
        AppealError::BadChallenge => tr.get("err-bad-challenge"),
        AppealError::Invalid(p) => p
            .iter()
            .map(|p| tr.get(p.key))
            .collect::<Vec<_>>()
            .join(" "),
        AppealError::NotAllowed(k) => tr.get(k),
        AppealError::StaffSignature(p) => tr.get(p.key()),
        AppealError::OwnKeyNeeded => tr.get("staff-sig-own-key"),
        AppealError::Hearing(h) => crate::hearing::hearing_error_text(tr, h),
        AppealError::Decision(d) => crate::hearing::decision_error_text(tr, d),
        AppealError::Store(_) | AppealError::Internal(_) => tr.get("error-internal"),
    }
}
