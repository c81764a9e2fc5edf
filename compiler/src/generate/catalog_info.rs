//! `catalog-info.yaml` (Backstage): the service's Component with its API and Resource entities, and the platform's Groups, Systems and Location.
//!
//! Placeholder: not generated yet.

use super::Manifest;
use crate::model;

pub(super) fn catalog_info(_environments: &[model::Service], _platform: &model::Platform) -> Option<Manifest> {
    None
}

pub(super) fn platform_entities(_platform: &model::Platform, _services: &[model::Service]) -> Vec<Manifest> {
    Vec::new()
}
