//! `kind: DestinationRule` (Istio): subsets `stable`/`canary`, connection pool, outlier detection, mutual TLS.
//!
//! Placeholder: not generated yet.

use serde_json::Value;

use crate::model;

pub(super) fn destination_rule(_service: &model::Service, _platform: &model::Platform) -> Option<Value> {
    None
}
