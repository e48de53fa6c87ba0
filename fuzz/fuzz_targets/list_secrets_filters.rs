#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| strongroom_api::fuzz::list_secrets_filters(data));
