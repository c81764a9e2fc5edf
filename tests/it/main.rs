//! platc's integration tests: one binary, one module per concern.
//!
//! Tests may panic on anything unexpected and read and write temporary
//! folders and the repository's own files, so the library's lints against
//! `unwrap` and direct file access do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

mod cli;
mod consistency;
mod determinism;
mod diagnostics;
mod fixtures;
mod formats;
mod generated;
mod hostile;
mod inspect;
mod properties;
mod scaffold;
mod schemas;
mod set_image;
mod support;
