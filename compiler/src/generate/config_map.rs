//! `kind: ConfigMap` holding the service's `config-file`s.

use super::value::{Map, Value};

use super::metadata;
use crate::model;

pub(super) fn config_map(service: &model::Service) -> Value {
    let mut data = Map::new();
    for file in &service.config_files {
        data.insert(config_key(&file.mount), json!(file.content));
    }
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(service, &config_map_name(service)),
        "data": move data,
    })
}

pub(super) fn config_map_name(service: &model::Service) -> String {
    format!("{}-config", service.name)
}

/// The `ConfigMap` key of a file mounted at `mount`: `/etc/app/config.yaml` →
/// `etc-app-config.yaml`.
pub(super) fn config_key(mount: &str) -> String {
    mount
        .trim_start_matches('/')
        .chars()
        .map(
            |character| {
                if character.is_ascii_alphanumeric() || matches!(character, '.' | '_' | '-') { character } else { '-' }
            },
        )
        .collect()
}

/// A stable digest of the config files' content, so that pods roll when it changes.
pub(super) fn config_checksum(service: &model::Service) -> String {
    // FNV-1a, 64 bits: stable across platforms and releases, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &service.config_files {
        for byte in file.mount.bytes().chain([0]).chain(file.content.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}
