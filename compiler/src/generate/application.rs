//! `kind: Application` (Argo CD): one per service and environment, syncing the rendered `deploy/<environment>/` folder.
//!
//! Written to `argocd/<environment>/<service>.yaml` at the repository root,
//! so one app-of-apps per environment can point at `argocd/<environment>/`.
//! Only when the platform sets `gitops`. The project is the environment's
//! `AppProject` (`app_project.rs`); sync is automated with pruning and
//! self-heal, namespaces are created on demand, and failed syncs retry with
//! exponential backoff.

use super::value::Value;

use super::{Manifest, folder_prefix, labels};
use crate::model;

/// The API server used when an environment names no cluster: the cluster
/// Argo CD runs in.
const IN_CLUSTER: &str = "https://kubernetes.default.svc";

pub(super) fn application(service: &model::Service, platform: &model::Platform) -> Option<Manifest> {
    let gitops = platform.gitops.as_ref()?;
    let mut labels = labels(service);
    // The image version changes with every release; the Application does not.
    if let Value::Object(map) = &mut labels {
        map.remove("app.kubernetes.io/version");
    }
    let application = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": application_name(&service.name, &service.environment),
            "namespace": gitops.namespace,
            "labels": move labels,
            // Deleting the Application deletes what it deployed.
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": service.environment,
            "source": {
                "repoURL": gitops.repo_url,
                "targetRevision": gitops.revision,
                "path": source_path(service),
            },
            "destination": {
                "server": cluster(platform, &service.environment),
                "namespace": service.namespace,
            },
            "syncPolicy": {
                "automated": { "prune": true, "selfHeal": true },
                "syncOptions": ["CreateNamespace=true", "ServerSideApply=true"],
                "retry": {
                    "limit": 5,
                    "backoff": { "duration": "5s", "factor": 2, "maxDuration": "3m" },
                },
            },
        },
    });
    Some(Manifest {
        path: format!("argocd/{}/{}.yaml", service.environment, service.name),
        source: service.spec_path.clone(),
        documents: vec![application],
    })
}

/// `<service>-<environment>`: Application names are unique per Argo CD
/// namespace, and every environment's Applications live in the same one.
pub(super) fn application_name(service: &str, environment: &str) -> String {
    format!("{service}-{environment}")
}

/// The API server an environment deploys to.
pub(super) fn cluster<'p>(platform: &'p model::Platform, environment: &str) -> &'p str {
    platform
        .environments
        .iter()
        .find(|candidate| candidate.name == environment)
        .map_or(IN_CLUSTER, |found| found.cluster.as_str())
}

/// The rendered folder the Application syncs, relative to the repository root.
fn source_path(service: &model::Service) -> String {
    format!("{}deploy/{}", folder_prefix(&service.folder), service.environment)
}
