#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| strongroom_auth::fuzz::sigv4(data));
