//! `kind: NetworkPolicy`: default deny for the service's pods, then what it needs.
//!
//! Placeholder: not generated yet.

use serde_json::Value;

use crate::model;

pub(super) fn network_policy(_service: &model::Service, _platform: &model::Platform) -> Option<Value> {
    None
}
