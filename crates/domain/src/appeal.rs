//! E-appeals via the portal (EA-01 … EA-16): the applicant's cards (EA-03, EA-04), their
//! checks, attachments, the personal storage limit (EA-15) and repeated appeals (VA-12).

use crate::ids::{Bin, Email, Iin, Phone};
use crate::lang::Lang;
use crate::model::{AppealKind, Applicant, Card, CardState};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Limits a deployment may change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealLimits {
    /// EA-03 item 9: the seed leaves the number blank; 4000 characters by default.
    pub content_max_chars: usize,
    /// EA-04 item 11: 255 characters.
    pub short_content_max_chars: usize,
    pub attachment_max_bytes: u64,
    pub attachments_max: usize,
    /// EA-15: each applicant's space for appeals and attachments.
    pub storage_quota_bytes: u64,
    /// New appeals one applicant may file in an hour (a stolen session or a script cannot
    /// flood a body's registry); 0 sets no limit.
    pub appeals_per_hour: u32,
}

impl Default for AppealLimits {
    fn default() -> Self {
        Self {
            content_max_chars: 4000,
            short_content_max_chars: 255,
            attachment_max_bytes: 10 * 1024 * 1024,
            attachments_max: 5,
            storage_quota_bytes: 50 * 1024 * 1024,
            appeals_per_hour: 30,
        }
    }
}

/// File types an attachment may have, by content sniffing (the name alone proves nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Docx,
    Txt,
}

impl FileKind {
    /// Recognises a file by its first bytes.
    pub fn sniff(bytes: &[u8], file_name: &str) -> Option<FileKind> {
        let lower = file_name.to_ascii_lowercase();
        if bytes.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
            Some(FileKind::Png)
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            Some(FileKind::Jpeg)
        } else if bytes.starts_with(b"PK\x03\x04") && lower.ends_with(".docx") {
            Some(FileKind::Docx)
        } else if lower.ends_with(".txt") && std::str::from_utf8(bytes).is_ok() {
            Some(FileKind::Txt)
        } else {
            None
        }
    }

    /// The extensions a file of this kind may carry.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Docx => &["docx"],
            FileKind::Txt => &["txt"],
        }
    }

    /// Whether `file_name`'s extension (if it has one) agrees with this kind: a PDF named
    /// `.hta` would open as something else once downloaded.
    pub fn agrees_with(self, file_name: &str) -> bool {
        match file_name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => self
                .extensions()
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext)),
            _ => true,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Txt => "text/plain; charset=utf-8",
        }
    }
}

/// A problem with one field: the field's name and a message key (translated by the web layer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: &'static str,
    pub key: &'static str,
}

fn problem(field: &'static str, key: &'static str) -> FieldProblem {
    FieldProblem { field, key }
}

/// What the verified signature says about the signer: the card's read-only fields (EA-03,
/// EA-04) come from here, never from the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerFacts {
    pub iin: Option<Iin>,
    pub bin: Option<Bin>,
    pub surname: String,
    pub name: String,
    pub patronymic: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
}

/// The card of an individual (EA-03) as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IndividualForm {
    #[serde(default)]
    pub patronymic: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub postal_address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub recipient: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub collective: bool,
}

/// The card of a legal entity (EA-04) as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LegalEntityForm {
    #[serde(default)]
    pub signer_surname: String,
    #[serde(default)]
    pub signer_name: String,
    #[serde(default)]
    pub org_name: String,
    #[serde(default)]
    pub outgoing_number: String,
    #[serde(default)]
    pub outgoing_date: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub postal_address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub recipient: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub short_content: String,
    #[serde(default)]
    pub collective: bool,
}

/// A checked appeal, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppealDraft {
    pub applicant: Applicant,
    pub kind: AppealKind,
    pub body_id: i64,
    pub content: String,
    pub outgoing_number: Option<String>,
    pub outgoing_date: Option<NaiveDate>,
    pub collective: bool,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn common(
    recipient: &str,
    kind: &str,
    postal_address: &str,
    email: &str,
    phone: &str,
    problems: &mut Vec<FieldProblem>,
) -> (
    Option<i64>,
    Option<AppealKind>,
    Option<Email>,
    Option<Phone>,
) {
    let body_id = recipient.trim().parse::<i64>().ok().filter(|id| *id > 0);
    if body_id.is_none() {
        problems.push(problem("recipient", "appeal-recipient-required"));
    }
    let kind = AppealKind::parse(kind.trim());
    if kind.is_none() {
        problems.push(problem("kind", "appeal-kind-required"));
    }
    if postal_address.trim().is_empty() {
        problems.push(problem("postal_address", "appeal-address-required"));
    } else if postal_address.chars().count() > 500 {
        problems.push(problem("postal_address", "appeal-address-too-long"));
    }
    let email = match opt(email) {
        Some(e) => match Email::parse(&e) {
            Ok(e) => Some(e),
            Err(err) => {
                problems.push(problem("email", err.key()));
                None
            }
        },
        None => None,
    };
    let phone = match opt(phone) {
        Some(p) => match Phone::parse(&p) {
            Ok(p) => Some(p),
            Err(err) => {
                problems.push(problem("phone", err.key()));
                None
            }
        },
        None => None,
    };
    (body_id, kind, email, phone)
}

/// EA-02, EA-03: checks an individual's card. The IIN, surname and name come from the
/// signature; everything typed is checked, and every problem is reported at once.
pub fn check_individual(
    form: &IndividualForm,
    signer: &SignerFacts,
    lang: Lang,
    limits: &AppealLimits,
) -> Result<AppealDraft, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let Some(iin) = signer.iin.clone() else {
        return Err(vec![problem("signature", "appeal-signer-without-iin")]);
    };
    let (body_id, kind, email, phone) = common(
        &form.recipient,
        &form.kind,
        &form.postal_address,
        &form.email,
        &form.phone,
        &mut problems,
    );
    let content = form.content.trim();
    if content.is_empty() {
        problems.push(problem("content", "appeal-content-required"));
    } else if content.chars().count() > limits.content_max_chars {
        problems.push(problem("content", "appeal-content-too-long"));
    }
    match (body_id, kind, problems.is_empty()) {
        (Some(body_id), Some(kind), true) => Ok(AppealDraft {
            applicant: Applicant::Individual {
                iin,
                surname: signer.surname.clone(),
                name: signer.name.clone(),
                patronymic: opt(&form.patronymic).or_else(|| signer.patronymic.clone()),
                email: email.or_else(|| signer.email.as_deref().and_then(|e| Email::parse(e).ok())),
                phone,
                address: form.postal_address.trim().to_owned(),
                lang,
            },
            kind,
            body_id,
            content: content.to_owned(),
            outgoing_number: None,
            outgoing_date: None,
            collective: form.collective,
        }),
        _ => Err(problems),
    }
}

/// EA-02, EA-04: checks a legal entity's card; the BIN comes from the signature, the short
/// content is at most 255 characters.
pub fn check_legal_entity(
    form: &LegalEntityForm,
    signer: &SignerFacts,
    lang: Lang,
    limits: &AppealLimits,
) -> Result<AppealDraft, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let Some(bin) = signer.bin.clone() else {
        return Err(vec![problem("signature", "appeal-signer-without-bin")]);
    };
    let (body_id, kind, email, phone) = common(
        &form.recipient,
        &form.kind,
        &form.postal_address,
        &form.email,
        &form.phone,
        &mut problems,
    );
    for (field, value) in [
        ("signer_surname", &form.signer_surname),
        ("signer_name", &form.signer_name),
        ("org_name", &form.org_name),
        ("outgoing_number", &form.outgoing_number),
    ] {
        if value.trim().is_empty() {
            problems.push(problem(field, "appeal-field-required"));
        } else if value.chars().count() > 255 {
            problems.push(problem(field, "appeal-field-too-long"));
        }
    }
    let date = NaiveDate::parse_from_str(form.outgoing_date.trim(), "%Y-%m-%d").ok();
    if date.is_none() {
        problems.push(problem("outgoing_date", "appeal-date-invalid"));
    }
    let short = form.short_content.trim();
    if short.is_empty() {
        problems.push(problem("short_content", "appeal-content-required"));
    } else if short.chars().count() > limits.short_content_max_chars {
        problems.push(problem("short_content", "appeal-content-too-long"));
    }
    match (body_id, kind, date, problems.is_empty()) {
        (Some(body_id), Some(kind), Some(date), true) => Ok(AppealDraft {
            applicant: Applicant::LegalEntity {
                bin,
                org_name: form.org_name.trim().to_owned(),
                signer_surname: form.signer_surname.trim().to_owned(),
                signer_name: form.signer_name.trim().to_owned(),
                email: email.or_else(|| signer.email.as_deref().and_then(|e| Email::parse(e).ok())),
                phone,
                address: form.postal_address.trim().to_owned(),
                lang,
            },
            kind,
            body_id,
            content: short.to_owned(),
            outgoing_number: Some(form.outgoing_number.trim().to_owned()),
            outgoing_date: Some(date),
            collective: form.collective,
        }),
        _ => Err(problems),
    }
}

/// An attachment as uploaded.
#[derive(Debug, Clone)]
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// Characters that change how text around them is shown without being seen themselves: the
/// bidirectional overrides, embeddings and isolates, marks and invisible joiners. In a file
/// name they make `inv\u{202E}fdp.hta` look like `invath.pdf`.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{FEFF}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}')
}

/// The name an uploaded file is kept under: the last part of what the browser sent (some
/// send a whole path), without control characters, bidirectional overrides and other invisible
/// formatting, or leading dots, at most 200 characters; `file` when nothing is left. It never
/// names a folder.
pub fn clean_file_name(sent: &str) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .collect::<String>()
        .trim_start_matches(['.', ' '])
        .trim_end()
        .chars()
        .take(200)
        .collect();
    if name.is_empty() {
        "file".into()
    } else {
        name
    }
}

/// Checks attachments: count, size, type by content, and the applicant's space (EA-15).
pub fn check_uploads(
    uploads: &[Upload<'_>],
    used_bytes: u64,
    content_bytes: u64,
    limits: &AppealLimits,
) -> Result<Vec<FileKind>, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    if uploads.len() > limits.attachments_max {
        problems.push(problem("file", "appeal-too-many-files"));
    }
    let mut kinds = Vec::new();
    let mut total = content_bytes;
    for u in uploads {
        total += u.bytes.len() as u64;
        if u.bytes.len() as u64 > limits.attachment_max_bytes {
            problems.push(problem("file", "appeal-file-too-large"));
        } else if u.bytes.is_empty() {
            problems.push(problem("file", "appeal-file-empty"));
        } else {
            let name = clean_file_name(u.file_name);
            match FileKind::sniff(u.bytes, &name) {
                Some(k) if k.agrees_with(&name) => kinds.push(k),
                Some(_) => problems.push(problem("file", "appeal-file-extension")),
                None => problems.push(problem("file", "appeal-file-type")),
            }
        }
    }
    if used_bytes + total > limits.storage_quota_bytes {
        problems.push(problem("file", "appeal-storage-full"));
    }
    if problems.is_empty() {
        Ok(kinds)
    } else {
        Err(problems)
    }
}

/// Whether an applicant who filed `filed_in_last_hour` new appeals within the past hour may
/// file another.
pub fn rate_allows_submission(filed_in_last_hour: u64, limits: &AppealLimits) -> bool {
    limits.appeals_per_hour == 0 || filed_in_last_hour < u64::from(limits.appeals_per_hour)
}

/// Why an appeal was not admitted where it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdmissionRefusal {
    /// The applicant filed as many appeals in the window as one may.
    TooMany,
    /// EA-15: the applicant's space would overflow.
    StorageFull,
}

/// The limits a new appeal is admitted under. They are checked inside the transaction that
/// stores it, on counts taken there, so that concurrent submissions of one applicant cannot
/// pass them together (the store counts; this decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    /// Appeals filed from this moment on count against `appeals_per_hour` (an hour ago).
    pub since: DateTime<Utc>,
    /// 0 sets no limit.
    pub appeals_per_hour: u32,
    /// EA-15: the applicant's space.
    pub storage_quota_bytes: u64,
}

impl Admission {
    pub fn new(limits: &AppealLimits, now: DateTime<Utc>) -> Self {
        Self {
            since: now - chrono::Duration::hours(1),
            appeals_per_hour: limits.appeals_per_hour,
            storage_quota_bytes: limits.storage_quota_bytes,
        }
    }

    /// Whether an applicant who filed `recent` appeals since [`Self::since`] and holds
    /// `stored` bytes may add an appeal of `incoming` bytes (its text and files).
    pub fn admits(&self, recent: u64, stored: u64, incoming: u64) -> Result<(), AdmissionRefusal> {
        if self.appeals_per_hour != 0 && recent >= u64::from(self.appeals_per_hour) {
            return Err(AdmissionRefusal::TooMany);
        }
        if stored.saturating_add(incoming) > self.storage_quota_bytes {
            return Err(AdmissionRefusal::StorageFull);
        }
        Ok(())
    }
}

/// EA-15: a new submission is blocked while the applicant's space is full.
pub fn storage_allows_submission(used_bytes: u64, limits: &AppealLimits) -> bool {
    used_bytes < limits.storage_quota_bytes
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepeatError {
    #[error("an appeal cannot be attached to itself")]
    Itself,
    #[error("the main appeal is in another body")]
    OtherBody,
    #[error("the main appeal is itself attached to another one")]
    MainIsAttached,
    #[error("the main appeal must have been received first")]
    MainIsLater,
    #[error("the appeal is closed and cannot be attached")]
    Closed,
}

/// VA-12: checks that `repeated` may be attached to `main`: same body, `main` received first
/// and not itself attached, `repeated` still open. The term then runs from the main appeal,
/// and every applicant is told the result.
pub fn check_attach(main: &Card, repeated: &Card) -> Result<(), RepeatError> {
    if main.id == repeated.id {
        return Err(RepeatError::Itself);
    }
    if main.body_id != repeated.body_id {
        return Err(RepeatError::OtherBody);
    }
    if main.main_card_id.is_some() || main.state == CardState::Attached {
        return Err(RepeatError::MainIsAttached);
    }
    if main.received_at > repeated.received_at {
        return Err(RepeatError::MainIsLater);
    }
    if repeated.state.is_closed() {
        return Err(RepeatError::Closed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_counts_the_window_and_the_space() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 2, 10, 0, 0).unwrap();
        let limits = AppealLimits {
            appeals_per_hour: 30,
            storage_quota_bytes: 1000,
            ..AppealLimits::default()
        };
        let a = Admission::new(&limits, now);
        assert_eq!(a.since, now - chrono::Duration::hours(1));
        assert_eq!(a.admits(29, 0, 10), Ok(()));
        assert_eq!(a.admits(30, 0, 10), Err(AdmissionRefusal::TooMany));
        assert_eq!(a.admits(0, 990, 10), Ok(()), "exactly full is allowed");
        assert_eq!(a.admits(0, 990, 11), Err(AdmissionRefusal::StorageFull));
        let unlimited = Admission {
            appeals_per_hour: 0,
            ..a
        };
        assert_eq!(unlimited.admits(10_000, 0, 1), Ok(()));
    }

    #[test]
    fn appeals_per_hour_limit() {
        let mut limits = AppealLimits::default();
        assert!(rate_allows_submission(29, &limits));
        assert!(!rate_allows_submission(30, &limits));
        limits.appeals_per_hour = 0;
        assert!(rate_allows_submission(1_000_000, &limits));
    }

    #[test]
    fn uploaded_file_names_never_name_a_folder() {
        assert_eq!(clean_file_name("../../etc/passwd.pdf"), "passwd.pdf");
        assert_eq!(clean_file_name("C:\\Users\\Асель\\скан.pdf"), "скан.pdf");
        assert_eq!(clean_file_name("..\u{0}.hidden.pdf "), "hidden.pdf");
        assert_eq!(clean_file_name("dir/"), "file");
        // Bidirectional overrides and invisible marks are gone: what is kept is what is seen.
        assert_eq!(clean_file_name("inv\u{202E}fdp.hta"), "invfdp.hta");
        assert_eq!(clean_file_name("a\u{200B}\u{2066}b.pdf\u{2069}"), "ab.pdf");
        assert!(FileKind::Pdf.agrees_with("скан.PDF") && FileKind::Pdf.agrees_with("scan"));
        assert!(!FileKind::Pdf.agrees_with("invfdp.hta"));
        assert!(FileKind::Jpeg.agrees_with("photo.jpg") && FileKind::Jpeg.agrees_with("p.jpeg"));
        assert_eq!(clean_file_name(&"я".repeat(300)).chars().count(), 200);
    }

    fn individual() -> SignerFacts {
        SignerFacts {
            iin: Iin::parse("791028302728").ok(),
            bin: None,
            surname: "АХМЕТОВ".into(),
            name: "БАУЫРЖАН".into(),
            patronymic: Some("СЕРІКҰЛЫ".into()),
            organization: None,
            email: Some("b@example.kz".into()),
        }
    }

    fn legal() -> SignerFacts {
        SignerFacts {
            bin: Bin::parse("940140000385").ok(),
            organization: Some("ТОО «Ромашка»".into()),
            ..individual()
        }
    }

    fn legal_form(short: &str) -> LegalEntityForm {
        LegalEntityForm {
            signer_surname: "Жанболатова".into(),
            signer_name: "Әйгерім".into(),
            org_name: "ТОО «Ромашка»".into(),
            outgoing_number: "12/345".into(),
            outgoing_date: "2026-11-20".into(),
            postal_address: "Астана, Мангилик Ел 8".into(),
            recipient: "3".into(),
            kind: "request".into(),
            short_content: short.into(),
            ..LegalEntityForm::default()
        }
    }

    /// EA-03: identity comes from the signature; address, recipient and content are required;
    /// content over the limit is refused with the seed's message key.
    #[test]
    fn ea_03_individual_card() {
        let limits = AppealLimits::default();
        let form = IndividualForm {
            postal_address: "с. Коктал, ул. Абая 1".into(),
            recipient: "2".into(),
            kind: "statement".into(),
            content: "Прошу отремонтировать дорогу".into(),
            ..IndividualForm::default()
        };
        let draft = check_individual(&form, &individual(), Lang::Kk, &limits)
            .unwrap_or_else(|e| panic!("{e:?}"));
        match &draft.applicant {
            Applicant::Individual {
                iin,
                surname,
                patronymic,
                email,
                ..
            } => {
                assert_eq!(iin.as_str(), "791028302728");
                assert_eq!(surname, "АХМЕТОВ");
                assert_eq!(patronymic.as_deref(), Some("СЕРІКҰЛЫ"));
                assert_eq!(
                    email.as_ref().map(|e| e.as_str()),
                    Some("b@example.kz"),
                    "prefilled from the account"
                );
            }
            other => panic!("{other:?}"),
        }
        let empty = check_individual(&IndividualForm::default(), &individual(), Lang::Ru, &limits)
            .unwrap_err();
        let fields: Vec<_> = empty.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["recipient", "kind", "postal_address", "content"]);
        let long = IndividualForm {
            content: "я".repeat(4001),
            ..form.clone()
        };
        assert_eq!(
            check_individual(&long, &individual(), Lang::Ru, &limits).unwrap_err(),
            vec![problem("content", "appeal-content-too-long")]
        );
        let ok = IndividualForm {
            content: "я".repeat(4000),
            ..form.clone()
        };
        assert!(check_individual(&ok, &individual(), Lang::Ru, &limits).is_ok());
        let bad = IndividualForm {
            email: "nope".into(),
            phone: "123".into(),
            ..form
        };
        let fields: Vec<_> = check_individual(&bad, &individual(), Lang::Ru, &limits)
            .unwrap_err()
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["email", "phone"]);
        assert_eq!(
            check_individual(
                &IndividualForm::default(),
                &SignerFacts {
                    iin: None,
                    ..individual()
                },
                Lang::Ru,
                &limits
            )
            .unwrap_err()[0]
                .key,
            "appeal-signer-without-iin"
        );
    }

    /// EA-04: a legal entity's short content is at most 255 characters; 256 is refused.
    #[test]
    fn ea_04_legal_entity_short_content_255() {
        let limits = AppealLimits::default();
        assert!(
            check_legal_entity(&legal_form(&"ж".repeat(255)), &legal(), Lang::Ru, &limits).is_ok()
        );
        assert_eq!(
            check_legal_entity(&legal_form(&"ж".repeat(256)), &legal(), Lang::Ru, &limits)
                .unwrap_err(),
            vec![problem("short_content", "appeal-content-too-long")]
        );
        let no_bin =
            check_legal_entity(&legal_form("x"), &individual(), Lang::Ru, &limits).unwrap_err();
        assert_eq!(no_bin[0].key, "appeal-signer-without-bin");
        let bad_date = LegalEntityForm {
            outgoing_date: "20.11.2026".into(),
            ..legal_form("x")
        };
        assert_eq!(
            check_legal_entity(&bad_date, &legal(), Lang::Ru, &limits).unwrap_err()[0].field,
            "outgoing_date"
        );
    }

    /// EA-15: attachments are checked by content, size and count; a full space blocks.
    #[test]
    fn ea_15_uploads_and_storage_limit() {
        let limits = AppealLimits {
            storage_quota_bytes: 1000,
            attachment_max_bytes: 600,
            ..AppealLimits::default()
        };
        let pdf = b"%PDF-1.4 hello".to_vec();
        let ok = [Upload {
            file_name: "a.pdf",
            bytes: &pdf,
        }];
        assert_eq!(check_uploads(&ok, 0, 10, &limits), Ok(vec![FileKind::Pdf]));
        let exe = [Upload {
            file_name: "a.pdf",
            bytes: b"MZ\x90\x00",
        }];
        assert_eq!(
            check_uploads(&exe, 0, 10, &limits).unwrap_err()[0].key,
            "appeal-file-type"
        );
        let big = vec![b'x'; 700];
        let large = [Upload {
            file_name: "a.txt",
            bytes: &big,
        }];
        assert_eq!(
            check_uploads(&large, 0, 10, &limits).unwrap_err()[0].key,
            "appeal-file-too-large"
        );
        assert_eq!(
            check_uploads(&ok, 990, 10, &limits).unwrap_err()[0].key,
            "appeal-storage-full"
        );
        assert!(storage_allows_submission(999, &limits));
        assert!(!storage_allows_submission(1000, &limits));
    }

    fn card(id: i64, body_id: i64, day: u32, state: CardState) -> Card {
        Card {
            id,
            body_id,
            channel: crate::model::Channel::Portal,
            kind: AppealKind::Complaint,
            state,
            applicant_id: Some(id),
            addressee: None,
            summary: String::new(),
            received_at: chrono::DateTime::from_timestamp(
                1_780_000_000 + i64::from(day) * 86_400,
                0,
            )
            .unwrap_or_default(),
            registered_at: None,
            reg_number: None,
            executor_id: None,
            rulebook_id: "APPC-2021".into(),
            main_card_id: None,
            redirected_to_body_id: None,
            decision: None,
            answer: None,
            archived_at: None,
            collective: false,
        }
    }

    /// VA-12: a later appeal on the same question joins the first one in the same body.
    #[test]
    fn va_12_repeated_appeal_joins_the_first() {
        let main = card(1, 7, 1, CardState::InExecution);
        let later = card(2, 7, 5, CardState::Registered);
        assert_eq!(check_attach(&main, &later), Ok(()));
        assert_eq!(check_attach(&later, &main), Err(RepeatError::MainIsLater));
        assert_eq!(check_attach(&main, &main), Err(RepeatError::Itself));
        assert_eq!(
            check_attach(&main, &card(3, 8, 5, CardState::Registered)),
            Err(RepeatError::OtherBody)
        );
        assert_eq!(
            check_attach(&main, &card(4, 7, 5, CardState::Answered)),
            Err(RepeatError::Closed)
        );
        let attached = Card {
            main_card_id: Some(9),
            ..main.clone()
        };
        assert_eq!(
            check_attach(&attached, &later),
            Err(RepeatError::MainIsAttached)
        );
        assert_eq!(
            CardState::Registered.apply(crate::model::CardAction::AttachToMain),
            Ok(CardState::Attached)
        );
    }
}
