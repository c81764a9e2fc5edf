//! Generate: [`model::Service`] → [`Manifest`]s, one module per emitted kind,
//! named after it (`kind: PodDisruptionBudget` is `pod_disruption_budget.rs`).
//!
//! Invariants: generation is total (everything that could fail was checked
//! by `resolve`); it reads only the model, never KDL or YAML; key order in
//! each object is the order written here, which is the order emitted.

mod config_map;
mod cron_job;
mod deployment;
mod horizontal_pod_autoscaler;
mod pod;
mod pod_disruption_budget;
mod service;
mod service_account;

use serde_json::{Map, Value, json};

use crate::model::{self, Kind, Replicas};

/// One generated file: a Kubernetes object (or another YAML document) and
/// where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// Repository-relative output path.
    pub path: String,
    /// Repository-relative path of the spec it was generated from.
    pub source: String,
    pub value: Value,
}

/// Everything one service emits in one environment.
pub fn manifests(service: &model::Service) -> Vec<Manifest> {
    let mut objects = Vec::new();
    match service.kind {
        Kind::Cron => objects.push(cron_job::cron_job(service)),
        Kind::Web | Kind::Worker => objects.push(deployment::deployment(service)),
    }
    if service.kind != Kind::Cron && service.ports.iter().any(|port| port.expose) {
        objects.push(service::service(service));
    }
    if service.service_account.create {
        objects.push(service_account::service_account(service));
    }
    if let (Kind::Web | Kind::Worker, Replicas::Autoscaled { .. }) = (service.kind, service.replicas) {
        objects.push(horizontal_pod_autoscaler::horizontal_pod_autoscaler(service));
    }
    if service.kind != Kind::Cron
        && service.replicas.min() > 1
        && let Some(budget) = &service.pdb
    {
        objects.push(pod_disruption_budget::pod_disruption_budget(service, budget));
    }
    if !service.config_files.is_empty() {
        objects.push(config_map::config_map(service));
    }
    objects
        .into_iter()
        .map(|value| {
            let kind = value.get("kind").and_then(Value::as_str).unwrap_or("object");
            Manifest {
                path: deploy_path(service, &format!("{}.yaml", kebab_case(kind))),
                source: service.spec_path.clone(),
                value,
            }
        })
        .collect()
}

/// `<service folder>/deploy/<environment>/<file>`.
pub fn deploy_path(service: &model::Service, file: &str) -> String {
    let mut path = String::new();
    if !service.folder.is_empty() {
        path.push_str(&service.folder);
        path.push('/');
    }
    path.push_str("deploy/");
    path.push_str(&service.environment);
    path.push('/');
    path.push_str(file);
    path
}

/// `PodDisruptionBudget` → `pod-disruption-budget`.
fn kebab_case(kind: &str) -> String {
    let mut out = String::new();
    for (index, character) in kind.chars().enumerate() {
        if character.is_ascii_uppercase() {
            if index > 0 {
                out.push('-');
            }
            out.push(character.to_ascii_lowercase());
        } else {
            out.push(character);
        }
    }
    out
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
    labels.insert("app.kubernetes.io/name".into(), json!(service.name));
    labels.insert("app.kubernetes.io/instance".into(), json!(service.name));
    if let Some(version) = image_version(&service.image) {
        labels.insert("app.kubernetes.io/version".into(), json!(version));
    }
    labels.insert("app.kubernetes.io/component".into(), json!(service.kind.as_str()));
    if let Some(system) = &service.system {
        labels.insert("app.kubernetes.io/part-of".into(), json!(system));
    }
    labels.insert("app.kubernetes.io/managed-by".into(), json!("platc"));
    labels.insert("platc.dev/tier".into(), json!(service.tier));
    labels.insert("platc.dev/environment".into(), json!(service.environment));
    if let Some(owner) = &service.owner {
        labels.insert("platc.dev/owner".into(), json!(owner));
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
