//! Any UTF-8 text as a `platc.yaml`: parse, decode, render.
#![no_main]

mod front_end;

libfuzzer_sys::fuzz_target!(|data: &[u8]| front_end::run("platc.yaml", data));
