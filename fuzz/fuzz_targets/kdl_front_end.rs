//! Any UTF-8 text as a `platc.kdl`: parse, decode, render; and whatever the
//! hand-written fast path accepts, it reads as the `kdl` crate does.
#![no_main]

mod front_end;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        assert_ne!(platc::syntax::kdl_fast_path_agrees(text), Some(false), "the fast path and the crate disagree");
    }
    front_end::run("platc.kdl", data);
});
