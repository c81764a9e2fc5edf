//! Generate: [`model::Service`] → [`Manifest`]s, one module per emitted kind,
//! named after it (`kind: PodDisruptionBudget` is `pod_disruption_budget.rs`),
//! or after the file it writes when it is not one Kubernetes object
//! (`catalog_info.rs`, `workflow.rs`, `grafana_dashboard.rs`).
//!
//! Three entry points, by what a file belongs to:
//! - [`manifests`]: one service in one environment → `<service>/deploy/<environment>/`;
//! - [`service_files`]: one service across environments → its catalog entry,
//!   its Argo CD Applications, its CI/CD workflows;
//! - [`platform_files`]: the platform → Crossplane definitions, Backstage
//!   groups and systems, Argo CD projects.
//!
//! Invariants: generation is total (everything that could fail was checked
//! by `resolve`); it reads only the model, never KDL or YAML; key order in
//! each object is the order written here, which is the order emitted.

#[macro_use]
pub mod value;

mod app_project;
mod application;
mod catalog_info;
mod composite_resource_definition;
mod composition;
mod config_map;
mod cron_job;
mod database_claim;
mod deployment;
mod destination_rule;
mod external_secret;
mod grafana_dashboard;
mod horizontal_pod_autoscaler;
mod http_route;
mod job;
mod network_policy;
mod pod;
mod pod_disruption_budget;
mod prometheus_rule;
mod service;
mod service_account;
mod service_monitor;
mod virtual_service;
mod workflow;

use self::value::{Map, Value};

use crate::model::{self, Kind, Replicas};

/// One generated file: a Kubernetes object (or another YAML document) and
/// where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// Repository-relative output path.
    pub path: String,
    /// Repository-relative path of the spec (or platform config) it was generated from.
    pub source: String,
    /// One or more YAML documents.
    pub documents: Vec<Value>,
}

/// An object for a service's `deploy/<environment>/` folder, and its file name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Object {
    pub(crate) file: String,
    pub(crate) value: Value,
}

impl Object {
    /// Filed under its kind: `kind: PodDisruptionBudget` → `pod-disruption-budget.yaml`.
    pub(crate) fn new(value: Value) -> Object {
        let kind = value.get("kind").and_then(Value::as_str).unwrap_or("object");
        Object { file: format!("{}.yaml", kebab_case(kind)), value }
    }

    /// Filed under a name of its own, for a kind emitted more than once.
    pub(crate) fn named(file: impl Into<String>, value: Value) -> Object {
        Object { file: file.into(), value }
    }
}

/// Everything one service emits in one environment, in file name order.
pub fn manifests(service: &model::Service, platform: &model::Platform) -> Vec<Manifest> {
    let mut objects = Vec::new();
    match service.kind {
        Kind::Cron => objects.push(Object::new(cron_job::cron_job(service, platform))),
        Kind::Web | Kind::Worker => {
            objects.push(Object::new(deployment::deployment(service, platform)));
            objects.extend(
                deployment::canary_deployment(service, platform)
                    .map(|value| Object::named("deployment-canary.yaml", value)),
            );
        }
    }
    if service.kind != Kind::Cron && service.ports.iter().any(|port| port.expose) {
        objects.push(Object::new(service::service(service)));
    }
    if service.service_account.create {
        objects.push(Object::new(service_account::service_account(service)));
    }
    if let (Kind::Web | Kind::Worker, Replicas::Autoscaled { .. }) = (service.kind, service.replicas) {
        objects.push(Object::new(horizontal_pod_autoscaler::horizontal_pod_autoscaler(service)));
    }
    if service.kind != Kind::Cron
        && service.replicas.min() > 1
        && let Some(budget) = &service.pdb
    {
        objects.push(Object::new(pod_disruption_budget::pod_disruption_budget(service, budget)));
    }
    if !service.config_files.is_empty() {
        objects.push(Object::new(config_map::config_map(service)));
    }
    objects.extend(service_monitor::service_monitor(service, platform).map(Object::new));
    objects.extend(network_policy::network_policy(service, platform).map(Object::new));
    objects.extend(virtual_service::virtual_service(service, platform).map(Object::new));
    objects.extend(destination_rule::destination_rule(service, platform).map(Object::new));
    objects.extend(http_route::http_route(service, platform).map(Object::new));
    objects.extend(external_secret::external_secret(service, platform).map(Object::new));
    objects.extend(database_claim::database_claims(service, platform));
    objects.extend(job::migration_job(service, platform).map(|value| Object::named("migration-job.yaml", value)));
    objects.extend(prometheus_rule::prometheus_rule(service, platform).map(Object::new));
    objects.extend(grafana_dashboard::grafana_dashboard(service, platform));
    for object in &mut objects {
        waive(&mut object.value, service, platform);
    }
    sync_waves(&mut objects, service, platform);
    let mut manifests: Vec<Manifest> = objects
        .into_iter()
        .map(|object| Manifest {
            path: deploy_path(service, &object.file),
            source: service.spec_path.clone(),
            documents: vec![object.value],
        })
        .collect();
    manifests.sort_by(|left, right| left.path.cmp(&right.path));
    manifests
}

/// The files of one service that span its environments: `environments`
/// holds the service resolved for each environment, in promotion order.
pub fn service_files(environments: &[model::Service], platform: &model::Platform) -> Vec<Manifest> {
    let Some(first) = environments.first() else { return Vec::new() };
    let mut files = Vec::new();
    files.extend(environments.iter().filter_map(|service| application::application(service, platform)));
    files.extend(catalog_info::catalog_info(environments, platform));
    files.extend(workflow::workflows(environments, platform));
    for file in &mut files {
        file.source.clone_from(&first.spec_path);
    }
    files
}

/// An object Argo CD will sync, reduced to what its environment's project
/// must allow: its group and kind, and where it lands.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Synced {
    pub environment: String,
    /// The API group (`""` for the core group).
    pub group: String,
    pub kind: String,
    pub placement: Placement,
}

/// Where a synced object lands.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Placement {
    /// A namespaced object, in this namespace (its own, else the service's).
    Namespace(String),
    /// A cluster-scoped object, by name.
    Cluster(Option<String>),
}

/// The objects of one service's `deploy/<environment>/` manifests (after the
/// escape hatches), for [`platform_files`]: each kind and place once.
pub fn synced(service: &model::Service, manifests: &[Manifest]) -> Vec<Synced> {
    let unique: std::collections::BTreeSet<Synced> = manifests
        .iter()
        .flat_map(|manifest| &manifest.documents)
        .filter_map(|document| app_project::synced(document, &service.environment, &service.namespace))
        .collect();
    unique.into_iter().collect()
}

/// The platform's own files. `services` holds every service in every
/// environment, in spec path order; `synced` every object they deploy.
pub fn platform_files(platform: &model::Platform, services: &[model::Service], synced: &[Synced]) -> Vec<Manifest> {
    let source = platform.source.clone().unwrap_or_else(|| "the platc standard library".to_owned());
    let mut files = Vec::new();
    files.extend(composite_resource_definition::composite_resource_definitions(platform, services));
    files.extend(composition::compositions(platform, services));
    files.extend(catalog_info::platform_entities(platform, services));
    files.extend(app_project::app_projects(platform, services, synced));
    for file in &mut files {
        file.source.clone_from(&source);
    }
    files
}

/// `<service folder>/deploy/<environment>/<file>`.
pub fn deploy_path(service: &model::Service, file: &str) -> String {
    format!("{}deploy/{}/{file}", folder_prefix(&service.folder), service.environment)
}

/// `folder/`, or nothing at the root.
pub(crate) fn folder_prefix(folder: &str) -> String {
    if folder.is_empty() { String::new() } else { format!("{folder}/") }
}

/// `PodDisruptionBudget` → `pod-disruption-budget`.
/// A run of capitals is one word: `HTTPRoute` → `http-route`.
fn kebab_case(kind: &str) -> String {
    let characters: Vec<char> = kind.chars().collect();
    let mut out = String::new();
    for (index, character) in characters.iter().enumerate() {
        if character.is_ascii_uppercase() && index > 0 {
            let previous = characters[index - 1];
            let next_is_lower = characters.get(index + 1).is_some_and(char::is_ascii_lowercase);
            if previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || previous.is_ascii_uppercase() && next_is_lower
            {
                out.push('-');
            }
        }
        out.push(character.to_ascii_lowercase());
    }
    out
}

/// With a migration Job, what its pod needs is applied first: Argo CD syncs
/// the `ServiceAccount`, `ConfigMap`s, `ExternalSecret` and database claims in wave
/// -2, the Job runs in wave -1, everything else follows in wave 0.
fn sync_waves(objects: &mut [Object], service: &model::Service, platform: &model::Platform) {
    if service.migrate.is_empty() {
        return;
    }
    let claim_kinds: Vec<&str> = platform.database_classes.values().map(|class| class.claim_kind.as_str()).collect();
    for object in objects {
        let kind = object.value.get("kind").and_then(Value::as_str).unwrap_or_default();
        if matches!(kind, "ServiceAccount" | "ConfigMap" | "ExternalSecret") || claim_kinds.contains(&kind) {
            let metadata = &mut object.value["metadata"];
            if metadata.get("annotations").is_none() {
                metadata["annotations"] = json!({});
            }
            metadata["annotations"]["argocd.argoproj.io/sync-wave"] = json!("-2");
        }
    }
}

/// Adds `checkov.io/skip<N>` annotations to a workload object (checkov reads
/// them from the object's metadata): the service's and platform's
/// `checkov-skip` waivers, and the rules a platform choice deliberately sets
/// aside, each with its reason.
fn waive(value: &mut Value, service: &model::Service, platform: &model::Platform) {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default();
    if !matches!(kind, "Deployment" | "CronJob" | "Job") {
        return;
    }
    let mut waivers = service.checkov_skips.clone();
    let mut implied = |check: &str, reason: &str| {
        if !waivers.iter().any(|waiver| waiver.check == check) {
            waivers.push(model::Waiver { check: check.to_owned(), reason: reason.to_owned() });
        }
    };
    if matches!(kind, "CronJob" | "Job") {
        let reason = "a job runs to completion: liveness and readiness do not apply";
        implied("CKV_K8S_8", reason);
        implied("CKV_K8S_9", reason);
    }
    if !platform.secret_store.as_files && (!service.secrets.is_empty() || !service.databases.is_empty()) {
        implied(
            "CKV_K8S_35",
            "the platform passes secrets as environment variables (its secret-store mounts them as env)",
        );
    }
    if waivers.is_empty() {
        return;
    }
    let metadata = &mut value["metadata"];
    if metadata.get("annotations").is_none() {
        metadata["annotations"] = json!({});
    }
    for (index, waiver) in waivers.iter().enumerate() {
        metadata["annotations"][format!("checkov.io/skip{}", index + 1)] =
            json!(format!("{}={}", waiver.check, waiver.reason));
    }
}

/// The labels that select the service's pods; never change once deployed.
fn selector_labels(service: &model::Service) -> Value {
    json!({
        "app.kubernetes.io/name": service.name,
        "app.kubernetes.io/instance": service.name,
    })
}

/// The recommended labels, on every object.
fn labels(service: &model::Service) -> Value {
    let mut labels = Map::new();
    labels.insert("app.kubernetes.io/name", json!(service.name));
    labels.insert("app.kubernetes.io/instance", json!(service.name));
    if let Some(version) = image_version(&service.image) {
        labels.insert("app.kubernetes.io/version", json!(version));
    }
    labels.insert("app.kubernetes.io/component", json!(service.kind.as_str()));
    if let Some(system) = &service.system {
        labels.insert("app.kubernetes.io/part-of", json!(system));
    }
    labels.insert("app.kubernetes.io/managed-by", json!("platc"));
    labels.insert("platc.dev/tier", json!(service.tier));
    labels.insert("platc.dev/environment", json!(service.environment));
    if let Some(owner) = &service.owner {
        labels.insert("platc.dev/owner", json!(owner));
    }
    for (key, value) in &service.labels {
        labels.insert(key.clone(), json!(value));
    }
    Value::Object(labels)
}

/// The image tag, if it is a valid label value.
fn image_version(image: &str) -> Option<&str> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last_slash = without_digest.rfind('/').map_or(0, |slash| slash + 1);
    let tag = without_digest[last_slash..].split_once(':').map(|(_, tag)| tag)?;
    (tag.len() <= 63 && tag.starts_with(|first: char| first.is_ascii_alphanumeric())).then_some(tag)
}

/// `metadata` with name, namespace and labels.
fn metadata(service: &model::Service, name: &str) -> Value {
    json!({
        "name": name,
        "namespace": service.namespace,
        "labels": labels(service),
    })
}

fn int_or_percent(value: &model::IntOrPercent) -> Value {
    match value {
        model::IntOrPercent::Int(number) => json!(number),
        model::IntOrPercent::Percent(text) => json!(text),
    }
}

#[cfg(test)]
mod tests {
    use super::kebab_case;

    #[test]
    fn kinds_become_file_names() {
        assert_eq!(kebab_case("PodDisruptionBudget"), "pod-disruption-budget");
        assert_eq!(kebab_case("HTTPRoute"), "http-route");
        assert_eq!(kebab_case("ConfigMap"), "config-map");
        assert_eq!(kebab_case("Job"), "job");
    }
}
