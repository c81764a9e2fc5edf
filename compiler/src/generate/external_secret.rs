//! `kind: ExternalSecret` (External Secrets Operator): the service's `secret` entries from the platform's store.
//!
//! One object per service and environment that has `secret` entries. The
//! operator reads each entry's `from` path and `key` property from the
//! platform's secret store and writes them, under the entry's name, into the
//! Secret the pod reads ([`pod::secret_name`]); the `ExternalSecret` owns that
//! Secret, so deleting one deletes the other.

use super::value::Value;

use super::metadata;
use super::pod;
use crate::model;

pub(super) fn external_secret(service: &model::Service, platform: &model::Platform) -> Option<Value> {
    if service.secrets.is_empty() {
        return None;
    }
    let name = pod::secret_name(service);
    let store = &platform.secret_store;
    let data: Vec<Value> = service
        .secrets
        .iter()
        .map(|secret| {
            json!({
                "secretKey": secret.name,
                "remoteRef": { "key": secret.from, "property": secret.key },
            })
        })
        .collect();
    Some(json!({
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": metadata(service, &name),
        "spec": {
            "refreshInterval": store.refresh,
            "secretStoreRef": { "name": store.name, "kind": store.kind },
            "target": { "name": name, "creationPolicy": "Owner" },
            "data": move data,
        },
    }))
}
