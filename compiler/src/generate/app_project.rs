//! `kind: AppProject` (Argo CD): one project per environment, limiting where its Applications deploy.
//!
//! Written to `argocd/projects/<environment>.yaml`, only when the platform
//! sets `gitops`. The project allows exactly what the environment's
//! Applications sync and nothing more: the gitops repository as the only
//! source; the namespaces the services' objects land in, on the
//! environment's cluster; the namespaced kinds those objects are (so a
//! hand-edited manifest of another kind is refused, and objects of kinds
//! platc never emits, such as the Secrets operators create, are not reported
//! as orphans); and, cluster-wide, only the services' own Namespaces by
//! name, which `CreateNamespace=true` creates.

use std::collections::BTreeSet;

use super::value::Value;

use super::application::cluster;
use super::{Manifest, Placement, Synced};
use crate::model;

/// Cluster-scoped Kubernetes kinds, by group: a document of one of these in
/// a service's `manifests` folder is allowed by name in
/// `clusterResourceWhitelist`; every other kind is taken as namespaced.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("gateway.networking.k8s.io", "GatewayClass"),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "VolumeAttachment"),
];

/// One project per environment. `services` holds every service in every
/// environment.
pub(super) fn app_projects(
    platform: &model::Platform,
    services: &[model::Service],
    synced: &[Synced],
) -> Vec<Manifest> {
    let Some(gitops) = &platform.gitops else { return Vec::new() };
    platform
        .environments
        .iter()
        .map(|environment| {
            let scope = Scope::of(
                services.iter().filter(|service| service.environment == environment.name),
                synced.iter().filter(|object| object.environment == environment.name),
            );
            let server = cluster(platform, &environment.name);
            let project = json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "AppProject",
                "metadata": {
                    "name": environment.name,
                    "namespace": gitops.namespace,
                    "labels": {
                        "app.kubernetes.io/managed-by": "platc",
                        "platc.dev/environment": environment.name,
                    },
                    // Kept until no Application refers to the project.
                    "finalizers": ["resources-finalizer.argocd.argoproj.io"],
                },
                "spec": {
                    "description": format!("Services rendered by platc for {}", environment.name),
                    "sourceRepos": [gitops.repo_url],
                    "destinations": scope.destinations.iter()
                        .map(|namespace| json!({ "server": server, "namespace": namespace }))
                        .collect::<Vec<_>>(),
                    "clusterResourceWhitelist": scope.cluster.iter()
                        .map(|(group, kind, name)| json!({ "group": group, "kind": kind, "name": name }))
                        .collect::<Vec<_>>(),
                    "namespaceResourceWhitelist": scope.namespaced.iter()
                        .map(|(group, kind)| json!({ "group": group, "kind": kind }))
                        .collect::<Vec<_>>(),
                    "orphanedResources": { "warn": true },
                },
            });
            Manifest {
                path: format!("argocd/projects/{}.yaml", environment.name),
                source: String::new(),
                documents: vec![project],
            }
        })
        .collect()
}

/// What one environment's Applications sync.
/// What one environment's project allows, borrowed from the services and
/// their objects (thousands of them: nothing is copied to collect them).
#[derive(Debug, Default, PartialEq, Eq)]
struct Scope<'s> {
    destinations: BTreeSet<&'s str>,
    cluster: BTreeSet<(&'s str, &'s str, Option<&'s str>)>,
    namespaced: BTreeSet<(&'s str, &'s str)>,
}

impl<'s> Scope<'s> {
    fn of(services: impl Iterator<Item = &'s model::Service>, synced: impl Iterator<Item = &'s Synced>) -> Scope<'s> {
        let mut scope = Scope::default();
        for service in services {
            scope.destinations.insert(&service.namespace);
            scope.cluster.insert(("", "Namespace", Some(&service.namespace)));
        }
        for object in synced {
            scope.add(object);
        }
        scope
    }

    fn add(&mut self, object: &'s Synced) {
        match &object.placement {
            Placement::Cluster(name) => {
                self.cluster.insert((&object.group, &object.kind, name.as_deref()));
            }
            Placement::Namespace(namespace) => {
                self.namespaced.insert((&object.group, &object.kind));
                self.destinations.insert(namespace);
            }
        }
    }
}

pub(super) fn synced(document: &Value, environment: &str, namespace: &str) -> Option<Synced> {
    let api_version = document.get("apiVersion").and_then(Value::as_str)?;
    let kind = document.get("kind").and_then(Value::as_str)?;
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    let metadata = document.get("metadata");
    let field = |name: &str| metadata.and_then(|metadata| metadata.get(name)).and_then(Value::as_str);
    let placement = if CLUSTER_SCOPED.contains(&(group, kind)) {
        Placement::Cluster(field("name").map(str::to_owned))
    } else {
        Placement::Namespace(field("namespace").unwrap_or(namespace).to_owned())
    };
    Some(Synced { environment: environment.to_owned(), group: group.to_owned(), kind: kind.to_owned(), placement })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_sorted_by_scope() {
        let objects: Vec<Synced> = [
            json!({ "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "a" } }),
            json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "namespace": "monitoring" } }),
            json!({ "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": { "name": "high" } }),
        ]
        .iter()
        .map(|document| synced(document, "staging", "shop").expect("apiVersion and kind"))
        .collect();
        let mut scope = Scope::default();
        for object in &objects {
            scope.add(object);
        }
        assert_eq!(synced(&json!({ "kind": "Broken" }), "staging", "shop"), None);
        assert_eq!(scope.destinations, BTreeSet::from(["monitoring", "shop"]));
        assert_eq!(scope.namespaced, BTreeSet::from([("", "ConfigMap"), ("apps", "Deployment")]));
        assert_eq!(scope.cluster, BTreeSet::from([("scheduling.k8s.io", "PriorityClass", Some("high"))]));
    }
}
