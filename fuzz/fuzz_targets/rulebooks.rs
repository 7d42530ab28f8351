//! Rulebook and calendar files a deployment loads: any text parses and is checked, or is
//! refused with the reason.
#![no_main]
use libfuzzer_sys::fuzz_target;
use otinish_domain::calendar::WorkingCalendar;
use otinish_domain::rulebook::RulebookSet;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(cal) = WorkingCalendar::from_toml(&text) {
        if let Some(day) = chrono::NaiveDate::from_ymd_opt(2026, 3, 19) {
            let _ = cal.add_working_days(day, 10);
        }
    }
    let _ = RulebookSet::from_toml_files([("fuzz.toml", text.as_ref())]);
});
