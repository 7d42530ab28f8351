//! Forms as they arrive: the signed appeal card (JSON) checked for an individual and a legal
//! entity, and the booth's form (URL-encoded) — every input is accepted or refused with
//! field problems, never a crash.
#![no_main]
use libfuzzer_sys::fuzz_target;
use otinish_domain::appeal::{
    check_individual, check_legal_entity, AppealLimits, IndividualForm, LegalEntityForm,
    SignerFacts,
};
use otinish_domain::ids::{Bin, Iin};
use otinish_domain::video::{check_video_form, VideoForm};
use otinish_domain::Lang;

fuzz_target!(|data: &[u8]| {
    let signer = SignerFacts {
        iin: Iin::parse("791028302728").ok(),
        bin: Bin::parse("040340004436").ok(),
        surname: "АХМЕТОВ".into(),
        name: "БАУЫРЖАН".into(),
        patronymic: None,
        organization: Some("ТОО Дала".into()),
        email: None,
    };
    let limits = AppealLimits::default();
    if let Ok(f) = serde_json::from_slice::<IndividualForm>(data) {
        let _ = check_individual(&f, &signer, Lang::Ru, &limits);
    }
    if let Ok(f) = serde_json::from_slice::<LegalEntityForm>(data) {
        let _ = check_legal_entity(&f, &signer, Lang::Kk, &limits);
    }
    if let Ok(f) = serde_urlencoded::from_bytes::<VideoForm>(data) {
        let _ = check_video_form(&f);
    }
    let _ = otinish_domain::appeal::clean_file_name(&String::from_utf8_lossy(data));
});
