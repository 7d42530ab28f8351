//! Uploaded recordings: the WebM/Matroska container is read for its tracks and its length;
//! any bytes are measured or refused, never a crash or a hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = otinish_domain::video::inspect_recording(data);
});
