//! IIN, BIN, email and phone as typed or read from a certificate.
#![no_main]
use libfuzzer_sys::fuzz_target;
use otinish_domain::ids::{Bin, Email, Iin, Phone};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(iin) = Iin::parse(&s) {
        // A valid IIN carries a real birth date and reads back the same.
        let _ = iin.birth_date();
        assert_eq!(Iin::parse(iin.as_str()).ok(), Some(iin.clone()));
    }
    if let Ok(bin) = Bin::parse(&s) {
        assert_eq!(Bin::parse(bin.as_str()).ok(), Some(bin.clone()));
    }
    let _ = Email::parse(&s);
    let _ = Phone::parse(&s);
});
