#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| strongroom_api::fuzz::kms(data));
