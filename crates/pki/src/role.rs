//! What a certificate lets its holder do, from NCA RK's extended key usage (shared/DOMAIN.md):
//! an individual (1.2.398.3.3.4.1.1), a legal entity's employee (1.2.398.3.3.4.1.2) with the
//! employee's role (first head …2.1, right to sign …2.2, financial documents …2.3, human
//! resources …2.4, employee …2.5), and whether the key only authenticates (TLS client
//! authentication without non-repudiation: it may sign in, not sign a document).

use crate::trust::extension;
use const_oid::ObjectIdentifier as Oid;
use der::Decode;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage};
use x509_cert::Certificate;

const EKU: Oid = Oid::new_unwrap("2.5.29.37");
const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
const CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
const TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
#[allow(dead_code)] // OCSP responses (next step)
const OCSP_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.9");
const INDIVIDUAL: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.1");
const LEGAL_ENTITY: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2");
const FIRST_HEAD: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.1");
const RIGHT_TO_SIGN: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.2");
const FINANCIAL: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.3");
const HUMAN_RESOURCES: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.4");
const EMPLOYEE: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.5");

/// Who the certificate's subject is, by NCA's extended key usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    /// 1.2.398.3.3.4.1.1.
    Individual,
    /// 1.2.398.3.3.4.1.2: an employee (or information system) of a legal entity.
    LegalEntity,
    /// No NCA role in the certificate (another PKI, a server's key).
    Unstated,
}

/// A legal entity employee's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmployeeRole {
    FirstHead,
    RightToSign,
    FinancialDocuments,
    HumanResources,
    Employee,
}

impl EmployeeRole {
    /// A stable key for translations.
    pub fn code(self) -> &'static str {
        match self {
            EmployeeRole::FirstHead => "first_head",
            EmployeeRole::RightToSign => "right_to_sign",
            EmployeeRole::FinancialDocuments => "financial_documents",
            EmployeeRole::HumanResources => "human_resources",
            EmployeeRole::Employee => "employee",
        }
    }

    fn english(self) -> &'static str {
        match self {
            EmployeeRole::FirstHead => "first head",
            EmployeeRole::RightToSign => "right to sign",
            EmployeeRole::FinancialDocuments => "signs financial documents",
            EmployeeRole::HumanResources => "human resources",
            EmployeeRole::Employee => "employee",
        }
    }
}

/// What the certificate says its holder may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRole {
    pub kind: SubjectKind,
    pub roles: Vec<EmployeeRole>,
    /// The key only authenticates (client authentication, no non-repudiation).
    pub authentication_only: bool,
}

/// The extended key usage of a certificate (empty when it has none).
pub(crate) fn extended_key_usage(c: &Certificate) -> Vec<Oid> {
    extension(c, EKU)
        .and_then(|v| ExtendedKeyUsage::from_der(v).ok())
        .map(|e| e.0)
        .unwrap_or_default()
}

/// Whether the certificate may sign timestamps (RFC 3161 §2.3).
pub(crate) fn may_stamp_time(c: &Certificate) -> bool {
    extended_key_usage(c).contains(&TIME_STAMPING)
}

/// Whether the certificate may sign OCSP responses for its issuer (RFC 6960 §4.2.2.2).
#[allow(dead_code)]
pub(crate) fn may_sign_ocsp(c: &Certificate) -> bool {
    extended_key_usage(c).contains(&OCSP_SIGNING)
}

impl CertificateRole {
    pub fn of(c: &Certificate) -> Self {
        let eku = extended_key_usage(c);
        let kind = if eku.contains(&LEGAL_ENTITY) {
            SubjectKind::LegalEntity
        } else if eku.contains(&INDIVIDUAL) {
            SubjectKind::Individual
        } else {
            SubjectKind::Unstated
        };
        let roles = [
            (FIRST_HEAD, EmployeeRole::FirstHead),
            (RIGHT_TO_SIGN, EmployeeRole::RightToSign),
            (FINANCIAL, EmployeeRole::FinancialDocuments),
            (HUMAN_RESOURCES, EmployeeRole::HumanResources),
            (EMPLOYEE, EmployeeRole::Employee),
        ]
        .into_iter()
        .filter(|(o, _)| eku.contains(o))
        .map(|(_, r)| r)
        .collect();
        let non_repudiation = extension(c, KEY_USAGE)
            .and_then(|v| KeyUsage::from_der(v).ok())
            .is_some_and(|ku| ku.non_repudiation());
        Self {
            kind,
            roles,
            authentication_only: eku.contains(&CLIENT_AUTH) && !non_repudiation,
        }
    }

    /// Whether the holder may sign a document for the legal entity named in the
    /// certificate: its first head or someone with the right to sign. A certificate that
    /// states no NCA role (another PKI) is not judged here.
    pub fn may_sign_for_organisation(&self) -> bool {
        match self.kind {
            SubjectKind::LegalEntity => self
                .roles
                .iter()
                .any(|r| matches!(r, EmployeeRole::FirstHead | EmployeeRole::RightToSign)),
            SubjectKind::Individual | SubjectKind::Unstated => true,
        }
    }

    /// In words, for `otinish verify` and the logs.
    pub fn describe(&self) -> String {
        let mut s = match self.kind {
            SubjectKind::Individual => "individual".to_owned(),
            SubjectKind::LegalEntity => {
                let roles: Vec<&str> = self.roles.iter().map(|r| r.english()).collect();
                if roles.is_empty() {
                    "legal entity employee (no role stated)".to_owned()
                } else {
                    format!("legal entity employee: {}", roles.join(", "))
                }
            }
            SubjectKind::Unstated => "no NCA role stated".to_owned(),
        };
        if self.authentication_only {
            s.push_str("; authentication only (may sign in, not sign documents)");
        }
        s
    }
}
