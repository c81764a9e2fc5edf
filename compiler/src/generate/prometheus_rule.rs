//! `kind: PrometheusRule`: the service's SLO burn-rate alerts.
//!
//! Placeholder: not generated yet.

use serde_json::Value;

use crate::model;

pub(super) fn prometheus_rule(_service: &model::Service, _platform: &model::Platform) -> Option<Value> {
    None
}
