//! `kind: Application` (Argo CD): one per service and environment, syncing the rendered `deploy/<environment>/` folder.
//!
//! Placeholder: not generated yet.

use super::Manifest;
use crate::model;

pub(super) fn application(_service: &model::Service, _platform: &model::Platform) -> Option<Manifest> {
    None
}
