//! The Crossplane claim for each `database` (its kind comes from the platform's database class).
//!
//! One claim per `database` of the service, filed as `database-<name>.yaml`
//! in the service's namespace: the class's claim API and kind, the requested
//! storage, the class (`tier`) and its region, the class's Composition, and
//! the Secret Crossplane writes the connection details into
//! ([`pod::database_secret_name`]), which the pod reads.

use super::composition::composition_name;
use super::{Object, metadata, pod};
use crate::model;

pub(super) fn database_claims(service: &model::Service, platform: &model::Platform) -> Vec<Object> {
    service
        .databases
        .iter()
        .filter_map(|database| {
            // `resolve` reports a class the platform does not define.
            let class = platform.database_classes.get(&database.class)?;
            let claim = json!({
                "apiVersion": class.claim_api,
                "kind": class.claim_kind,
                "metadata": metadata(service, &database.name),
                "spec": {
                    "parameters": {
                        "storageGB": database.storage_gb,
                        "tier": class.name,
                        "region": class.region,
                    },
                    "compositionRef": { "name": composition_name(class) },
                    "writeConnectionSecretToRef": { "name": pod::database_secret_name(database) },
                },
            });
            Some(Object::named(format!("database-{}.yaml", database.name), claim))
        })
        .collect()
}
