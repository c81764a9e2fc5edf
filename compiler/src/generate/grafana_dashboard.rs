//! The service's Grafana dashboard: a `ConfigMap` with the dashboard JSON, labelled for Grafana's sidecar.
//!
//! Placeholder: not generated yet.

use super::Object;
use crate::model;

pub(super) fn grafana_dashboard(_service: &model::Service, _platform: &model::Platform) -> Option<Object> {
    None
}
