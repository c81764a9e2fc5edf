//! platc's integration tests: one binary, one module per concern.

mod cli;
mod determinism;
mod fixtures;
mod schemas;
mod support;
