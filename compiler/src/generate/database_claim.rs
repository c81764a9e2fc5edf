//! The Crossplane claim for each `database` (its kind comes from the platform's database class).
//!
//! Placeholder: not generated yet.

use super::Object;
use crate::model;

pub(super) fn database_claims(_service: &model::Service, _platform: &model::Platform) -> Vec<Object> {
    Vec::new()
}
