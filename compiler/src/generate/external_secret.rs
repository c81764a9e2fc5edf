//! `kind: ExternalSecret` (External Secrets Operator): the service's `secret` entries from the platform's store.
//!
//! Placeholder: not generated yet.

use serde_json::Value;

use crate::model;

pub(super) fn external_secret(_service: &model::Service, _platform: &model::Platform) -> Option<Value> {
    None
}
