//! platc's integration tests: one binary, one module per concern.

mod cli;
mod consistency;
mod determinism;
mod diagnostics;
mod fixtures;
mod formats;
mod generated;
mod inspect;
mod schemas;
mod set_image;
mod support;
