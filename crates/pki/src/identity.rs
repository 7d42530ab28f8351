//! The signer's identity from a Kazakhstan-style certificate subject (shared/DOMAIN.md):
//! `SERIALNUMBER=IIN…`, `OU=BIN…`, `SURNAME`, `GIVENNAME` (the patronymic), `CN` ("SURNAME
//! NAME"), `O`, `E`. The card's read-only fields (EA-03, EA-04) come from here.

use crate::VerifyError;
use const_oid::db::rfc4519;
use const_oid::ObjectIdentifier;
use otinish_domain::ids::{Bin, Iin};
use x509_cert::name::Name;
use x509_cert::Certificate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerIdentity {
    pub iin: Option<Iin>,
    pub bin: Option<Bin>,
    pub common_name: String,
    pub surname: Option<String>,
    /// The given name: the part of CN after the surname.
    pub name: Option<String>,
    /// GIVENNAME in NCA certificates holds the patronymic.
    pub patronymic: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
    pub serial: String,
    pub issuer: String,
}

/// `emailAddress` (PKCS #9), where NCA certificates keep `E`.
const EMAIL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

/// The text of the first attribute `id` in `name`, if any.
pub(crate) fn attribute(name: &Name, id: ObjectIdentifier) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == id)
        .and_then(|atv| {
            use der::{Tag, Tagged};
            match atv.value.tag() {
                Tag::Utf8String
                | Tag::PrintableString
                | Tag::Ia5String
                | Tag::TeletexString
                | Tag::VisibleString => std::str::from_utf8(atv.value.value())
                    .ok()
                    .map(str::to_owned),
                Tag::BmpString => {
                    let units: Vec<u16> = atv
                        .value
                        .value()
                        .chunks_exact(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]))
                        .collect();
                    String::from_utf16(&units).ok()
                }
                _ => None,
            }
        })
}

impl SignerIdentity {
    pub fn from_certificate(c: &Certificate) -> Result<Self, VerifyError> {
        let subject = &c.tbs_certificate.subject;
        let iin = match attribute(subject, rfc4519::SERIAL_NUMBER) {
            Some(s) => match s.strip_prefix("IIN") {
                Some(digits) => Some(
                    Iin::from_certificate(digits)
                        .map_err(|e| VerifyError::BadIdentity(format!("IIN {digits}: {e}")))?,
                ),
                None => None,
            },
            None => None,
        };
        let bin = match attribute(subject, rfc4519::OU) {
            Some(s) => match s.strip_prefix("BIN") {
                Some(digits) => Some(
                    Bin::from_certificate(digits)
                        .map_err(|e| VerifyError::BadIdentity(format!("BIN {digits}: {e}")))?,
                ),
                None => None,
            },
            None => None,
        };
        let common_name = attribute(subject, rfc4519::CN).unwrap_or_default();
        let surname = attribute(subject, rfc4519::SN);
        let name = match &surname {
            Some(sn) => common_name
                .strip_prefix(sn.as_str())
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty()),
            None => common_name
                .split_once(' ')
                .map(|(_, n)| n.trim().to_owned()),
        };
        Ok(Self {
            iin,
            bin,
            surname,
            name,
            patronymic: attribute(subject, rfc4519::GIVEN_NAME),
            organization: attribute(subject, rfc4519::O),
            email: attribute(subject, EMAIL),
            serial: hex::encode(c.tbs_certificate.serial_number.as_bytes()),
            issuer: crate::trust::display_name(&c.tbs_certificate.issuer),
            common_name,
        })
    }
}
