//! `kind: HTTPRoute` (Gateway API) with Linkerd's retry and timeout settings, when the mesh is Linkerd.
//!
//! Placeholder: not generated yet.

use serde_json::Value;

use crate::model;

pub(super) fn http_route(_service: &model::Service, _platform: &model::Platform) -> Option<Value> {
    None
}
