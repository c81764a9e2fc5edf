//! `kind: ServiceMonitor` (Prometheus operator) for the metrics port and path.
//!
//! Placeholder: not generated yet.

use serde_json::Value;

use crate::model;

pub(super) fn service_monitor(_service: &model::Service, _platform: &model::Platform) -> Option<Value> {
    None
}
