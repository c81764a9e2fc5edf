//! `kind: Job`: the `migrate` command, run by Argo CD before each sync (a `PreSync` hook).
//!
//! Placeholder: not generated yet.

use serde_json::Value;

use crate::model;

pub(super) fn migration_job(_service: &model::Service, _platform: &model::Platform) -> Option<Value> {
    None
}
