//! `kind: AppProject` (Argo CD): one project per environment, limiting where its Applications deploy.
//!
//! Placeholder: not generated yet.

use super::Manifest;
use crate::model;

pub(super) fn app_projects(_platform: &model::Platform) -> Vec<Manifest> {
    Vec::new()
}
