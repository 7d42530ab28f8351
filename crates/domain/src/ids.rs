//! Validated identifiers: IIN, BIN, email, phone.
//!
//! Every type here has a `parse` constructor; the rest of the code never sees a raw string
//! where one of these is meant. Checksums follow `shared/DOMAIN.md` ("IIN and BIN").

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was rejected. The message key is stable and translated by the web layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must be exactly 12 digits")]
    NotTwelveDigits,
    #[error("check digit does not match")]
    BadCheckDigit,
    #[error("date of birth is not a real date")]
    BadBirthDate,
    #[error("century/sex digit must be 1–6")]
    BadCenturyDigit,
    #[error("type-of-entity digit must be 4, 5 or 6")]
    BadEntityDigit,
    #[error("not a valid email address")]
    BadEmail,
    #[error("not a valid phone number (use +7 and 10 digits)")]
    BadPhone,
}

impl IdError {
    /// Stable key for translations (`error-id-…` in the Fluent files).
    pub fn key(&self) -> &'static str {
        match self {
            IdError::NotTwelveDigits => "id-not-twelve-digits",
            IdError::BadCheckDigit => "id-bad-check-digit",
            IdError::BadBirthDate => "id-bad-birth-date",
            IdError::BadCenturyDigit => "id-bad-century-digit",
            IdError::BadEntityDigit => "id-bad-entity-digit",
            IdError::BadEmail => "id-bad-email",
            IdError::BadPhone => "id-bad-phone",
        }
    }
}

fn twelve_digits(s: &str) -> Result<[u8; 12], IdError> {
    let s = s.trim();
    let bytes = s.as_bytes();
    if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(IdError::NotTwelveDigits);
    }
    let mut d = [0u8; 12];
    for (i, b) in bytes.iter().enumerate() {
        d[i] = b - b'0';
    }
    Ok(d)
}

/// The check digit of the first 11 digits, or `None` when the number cannot have one.
fn check_digit(d: &[u8; 12]) -> Option<u8> {
    let first: u32 = (0..11)
        .map(|i| u32::from(d[i]) * (i as u32 + 1))
        .sum::<u32>()
        % 11;
    if first != 10 {
        return Some(first as u8);
    }
    const SECOND: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    let second: u32 = (0..11).map(|i| u32::from(d[i]) * SECOND[i]).sum::<u32>() % 11;
    if second == 10 {
        None
    } else {
        Some(second as u8)
    }
}

/// Individual identification number (ЖСН / ИИН).
///
/// A number typed by a person goes through [`Iin::parse`] (date of birth, century digit,
/// check digit). A number a trusted certification authority wrote into a certificate is taken
/// as it stands ([`Iin::from_certificate`]: twelve digits): the authority vouches for it, and
/// NCA RK's TEST PKI issues numbers such as 123456789011 that no checksum accepts. Stored
/// values are read back the same way (they were checked when written).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "StoredId", into = "String")]
pub struct Iin(String);

/// An identifier read back from storage: twelve digits, checked when first written.
#[derive(Deserialize)]
#[serde(transparent)]
struct StoredId(String);

impl TryFrom<StoredId> for Iin {
    type Error = IdError;
    fn try_from(s: StoredId) -> Result<Self, IdError> {
        Self::from_certificate(&s.0)
    }
}

impl TryFrom<StoredId> for Bin {
    type Error = IdError;
    fn try_from(s: StoredId) -> Result<Self, IdError> {
        Self::from_certificate(&s.0)
    }
}

impl Iin {
    /// The IIN of a certificate's subject (or of a stored record): twelve digits.
    pub fn from_certificate(s: &str) -> Result<Self, IdError> {
        twelve_digits(s)?;
        Ok(Self(s.trim().to_owned()))
    }

    pub fn parse(s: &str) -> Result<Self, IdError> {
        let d = twelve_digits(s)?;
        if !(1..=6).contains(&d[6]) {
            return Err(IdError::BadCenturyDigit);
        }
        if check_digit(&d) != Some(d[11]) {
            return Err(IdError::BadCheckDigit);
        }
        if Self::birth_date_of(&d).is_none() {
            return Err(IdError::BadBirthDate);
        }
        Ok(Self(s.trim().to_owned()))
    }

    fn birth_date_of(d: &[u8; 12]) -> Option<chrono::NaiveDate> {
        let century = match d[6] {
            1 | 2 => 1800,
            3 | 4 => 1900,
            _ => 2000,
        };
        let year = century + i32::from(d[0] * 10 + d[1]);
        let month = u32::from(d[2] * 10 + d[3]);
        let day = u32::from(d[4] * 10 + d[5]);
        chrono::NaiveDate::from_ymd_opt(year, month, day)
    }

    pub fn birth_date(&self) -> chrono::NaiveDate {
        // parse() guaranteed a valid date; fall back to the epoch only to stay panic-free.
        twelve_digits(&self.0)
            .ok()
            .and_then(|d| Self::birth_date_of(&d))
            .unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Business identification number (БСН / БИН); typed ones are parsed, a certificate's (and
/// a stored one) taken as twelve digits, as for [`Iin`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "StoredId", into = "String")]
pub struct Bin(String);

impl Bin {
    /// The BIN of a certificate's subject (or of a stored record): twelve digits.
    pub fn from_certificate(s: &str) -> Result<Self, IdError> {
        twelve_digits(s)?;
        Ok(Self(s.trim().to_owned()))
    }

    pub fn parse(s: &str) -> Result<Self, IdError> {
        let d = twelve_digits(s)?;
        if !(4..=6).contains(&d[4]) {
            return Err(IdError::BadEntityDigit);
        }
        if check_digit(&d) != Some(d[11]) {
            return Err(IdError::BadCheckDigit);
        }
        Ok(Self(s.trim().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, checked for shape only (delivery proves the rest).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let (local, domain) = s.split_once('@').ok_or(IdError::BadEmail)?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
            && !domain.contains('@');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::BadEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Kazakhstan phone number, normalised to `+7XXXXXXXXXX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let allowed = s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
        let national = match digits.len() {
            11 if digits.starts_with('7') || digits.starts_with('8') => &digits[1..],
            10 => &digits[..],
            _ => return Err(IdError::BadPhone),
        };
        if !allowed {
            return Err(IdError::BadPhone);
        }
        Ok(Self(format!("+7{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype_impls {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $t {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
    )*};
}
string_newtype_impls!(Iin, Bin, Email, Phone);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iin_examples_from_domain_notes() {
        assert!(Iin::parse("791028302728").is_ok(), "first-pass check digit");
        assert!(
            Iin::parse("061211600012").is_ok(),
            "second-pass check digit"
        );
        assert_eq!(
            Iin::parse("791028302728").map(|i| i.birth_date()),
            Ok(chrono::NaiveDate::from_ymd_opt(1979, 10, 28).unwrap_or_default())
        );
    }

    #[test]
    fn iin_rejections_are_specific() {
        assert_eq!(Iin::parse("79102830272"), Err(IdError::NotTwelveDigits));
        assert_eq!(Iin::parse("79102830272a"), Err(IdError::NotTwelveDigits));
        assert_eq!(Iin::parse("791028302729"), Err(IdError::BadCheckDigit));
        assert_eq!(Iin::parse("791028702728"), Err(IdError::BadCenturyDigit));
    }

    #[test]
    fn iin_with_impossible_birth_date_is_rejected() {
        // 991341 is not a date; find the check digit that makes the checksum pass.
        let base = "99134130001";
        let valid = (0..10).map(|c| format!("{base}{c}")).find(|s| {
            twelve_digits(s).ok().and_then(|d| check_digit(&d)) == Some(s.as_bytes()[11] - b'0')
        });
        if let Some(s) = valid {
            assert_eq!(Iin::parse(&s), Err(IdError::BadBirthDate));
        }
    }

    #[test]
    fn bin_example_and_rejections() {
        assert!(Bin::parse("940140000385").is_ok());
        assert_eq!(Bin::parse("940140000386"), Err(IdError::BadCheckDigit));
        assert_eq!(Bin::parse("940170000385"), Err(IdError::BadEntityDigit));
    }

    #[test]
    fn email_and_phone() {
        assert!(Email::parse("a.b@gov.kz").is_ok());
        for bad in ["", "a@", "@b.kz", "a b@c.kz", "a@b", "a@.b.kz", "a@b..kz"] {
            assert_eq!(Email::parse(bad), Err(IdError::BadEmail), "{bad}");
        }
        assert_eq!(
            Phone::parse("8 (701) 123-45-67").map(String::from),
            Ok("+77011234567".into())
        );
        assert_eq!(
            Phone::parse("+7 701 1234567").map(String::from),
            Ok("+77011234567".into())
        );
        assert_eq!(Phone::parse("12345"), Err(IdError::BadPhone));
        assert_eq!(Phone::parse("+7 701 123 45 6x"), Err(IdError::BadPhone));
    }
}
