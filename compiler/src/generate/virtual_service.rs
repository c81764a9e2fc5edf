//! `kind: VirtualService` (Istio): canary routes, stable route, retries and timeout.
//!
//! Placeholder: not generated yet.

use serde_json::Value;

use crate::model;

pub(super) fn virtual_service(_service: &model::Service, _platform: &model::Platform) -> Option<Value> {
    None
}
