//! `kind: CompositeResourceDefinition` (Crossplane): the claim kind of each database class.
//!
//! Placeholder: not generated yet.

use super::Manifest;
use crate::model;

pub(super) fn composite_resource_definitions(_platform: &model::Platform) -> Vec<Manifest> {
    Vec::new()
}
