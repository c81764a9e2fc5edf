//! `kind: Composition` (Crossplane): how each database class is implemented, in `mode: Pipeline` with function-patch-and-transform.
//!
//! Placeholder: not generated yet.

use super::Manifest;
use crate::model;

pub(super) fn compositions(_platform: &model::Platform) -> Vec<Manifest> {
    Vec::new()
}
