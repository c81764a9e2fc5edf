//! `kind: Composition` (Crossplane): how each database class is implemented, in `mode: Pipeline` with function-patch-and-transform.
//!
//! One Composition per class some service uses (see
//! [`composite_resource_definition`](super::composite_resource_definition)),
//! named `<engine>-<class>`; claims name it in `compositionRef`. Its one
//! pipeline step composes the class's managed resource (the `provider` of
//! the class: an RDS `Instance` of the Upbound AWS provider in the stdlib):
//! engine, version, instance class and region from the class; encrypted,
//! private, protected from deletion, with a generated master password; the
//! claim's storage and region patched in. The composite resource's
//! connection details (username, password, endpoint, port) come from the
//! managed resource's connection secret, and Crossplane copies them into the
//! claim's Secret in the service's namespace.

use super::value::Value;

use super::Manifest;
use super::composite_resource_definition::{CONNECTION_KEYS, Definition, definitions};
use crate::model;

/// Where composite resources and managed resources write their connection
/// Secrets (Crossplane's own namespace); claims get a copy in theirs.
const CONNECTION_NAMESPACE: &str = "crossplane-system";

/// The master user of every instance; applications read it from the
/// connection Secret.
const MASTER_USERNAME: &str = "dbadmin";

/// The Composition that implements a class.
pub(super) fn composition_name(class: &model::DatabaseClass) -> String {
    format!("{}-{}", class.engine, class.name)
}

pub(super) fn compositions(platform: &model::Platform, services: &[model::Service]) -> Vec<Manifest> {
    let mut files = Vec::new();
    for definition in &definitions(platform, services) {
        for class in &definition.classes {
            files.push(Manifest {
                path: format!("platform/crossplane/compositions/{}.yaml", composition_name(class)),
                source: String::new(),
                documents: vec![composition(definition, class)],
            });
        }
    }
    files
}

fn composition(definition: &Definition<'_>, class: &model::DatabaseClass) -> Value {
    json!({
        "apiVersion": "apiextensions.crossplane.io/v1",
        "kind": "Composition",
        "metadata": {
            "name": composition_name(class),
            "labels": {
                "app.kubernetes.io/managed-by": "platc",
                "platc.dev/database-class": class.name,
            },
        },
        "spec": {
            "compositeTypeRef": { "apiVersion": definition.composite_api(), "kind": definition.composite_kind() },
            "writeConnectionSecretsToNamespace": CONNECTION_NAMESPACE,
            "mode": "Pipeline",
            "pipeline": [{
                "step": "patch-and-transform",
                "functionRef": { "name": "function-patch-and-transform" },
                "input": {
                    "apiVersion": "pt.fn.crossplane.io/v1beta1",
                    "kind": "Resources",
                    "resources": [managed_resource(class)],
                },
            }],
        },
    })
}

/// The class's managed resource, with its patches and connection details.
fn managed_resource(class: &model::DatabaseClass) -> Value {
    let connection_details: Vec<Value> = CONNECTION_KEYS
        .iter()
        .map(|key| {
            // The provider's `endpoint` is `host:port`; `address` is the host.
            let from = if *key == "endpoint" { "address" } else { key };
            json!({ "name": key, "type": "FromConnectionSecretKey", "fromConnectionSecretKey": from })
        })
        .collect();
    json!({
        "name": "database",
        "base": {
            "apiVersion": class.provider_api,
            "kind": class.provider_kind,
            "spec": {
                "forProvider": {
                    "region": class.region,
                    "instanceClass": class.instance_class,
                    "engine": class.engine,
                    "engineVersion": class.engine_version,
                    "username": MASTER_USERNAME,
                    "autoGeneratePassword": true,
                    "passwordSecretRef": { "namespace": CONNECTION_NAMESPACE, "key": "password" },
                    "multiAz": false,
                    "storageEncrypted": true,
                    "deletionProtection": true,
                    "publiclyAccessible": false,
                    "skipFinalSnapshot": false,
                },
                "writeConnectionSecretToRef": { "namespace": CONNECTION_NAMESPACE },
            },
        },
        "patches": [
            from_composite("spec.parameters.storageGB", "spec.forProvider.allocatedStorage"),
            from_composite("spec.parameters.region", "spec.forProvider.region"),
            formatted("metadata.uid", "spec.writeConnectionSecretToRef.name", "%s-database"),
            formatted("metadata.uid", "spec.forProvider.passwordSecretRef.name", "%s-master-password"),
            formatted("metadata.name", "spec.forProvider.finalSnapshotIdentifier", "%s-final"),
        ],
        "connectionDetails": move connection_details,
    })
}

fn from_composite(from: &str, to: &str) -> Value {
    json!({ "type": "FromCompositeFieldPath", "fromFieldPath": from, "toFieldPath": to })
}

/// A patch from the composite resource through a `fmt` string transform.
fn formatted(from: &str, to: &str, format: &str) -> Value {
    let mut patch = from_composite(from, to);
    patch["transforms"] = json!([{ "type": "string", "string": { "type": "Format", "fmt": format } }]);
    patch
}
