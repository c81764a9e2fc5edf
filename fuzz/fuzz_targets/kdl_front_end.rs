//! Any UTF-8 text as a `platc.kdl`: parse, decode, render.
#![no_main]

mod front_end;

libfuzzer_sys::fuzz_target!(|data: &[u8]| front_end::run("platc.kdl", data));
