//! GitHub Actions workflows: `ci`, `deploy-staging`, `deploy-prod`.
//!
//! Placeholder: not generated yet.

use super::Manifest;
use crate::model;

pub(super) fn workflows(_environments: &[model::Service], _platform: &model::Platform) -> Vec<Manifest> {
    Vec::new()
}
