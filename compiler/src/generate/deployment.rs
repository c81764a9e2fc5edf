//! `kind: Deployment` for `web` and `worker` services, and the canary
//! Deployment beside it when the service runs a canary image.

use super::value::{Map, Value};

use super::pod::{self, Role};
use super::{int_or_percent, metadata};
use crate::model::{self, Replicas};

pub(super) fn deployment(service: &model::Service, platform: &model::Platform) -> Value {
    let mut spec = Map::new();
    // An autoscaled Deployment carries no replica count: it would fight the
    // HorizontalPodAutoscaler on every sync.
    if let Replicas::Fixed(count) = service.replicas {
        spec.insert("replicas".to_owned(), json!(count));
    }
    spec.insert("revisionHistoryLimit".to_owned(), json!(5));
    spec.insert("selector".to_owned(), json!({ "matchLabels": pod::workload_selector(service, Role::Stable) }));
    spec.insert(
        "strategy".to_owned(),
        json!({
            "type": "RollingUpdate",
            "rollingUpdate": {
                "maxSurge": int_or_percent(&service.strategy.max_surge),
                "maxUnavailable": int_or_percent(&service.strategy.max_unavailable),
            },
        }),
    );
    spec.insert("template".to_owned(), pod::template(service, platform, Role::Stable));
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": described(service, &service.name),
        "spec": move spec,
    })
}

/// One canary pod with the canary image, when the service has one.
pub(super) fn canary_deployment(service: &model::Service, platform: &model::Platform) -> Option<Value> {
    service.canary.as_ref()?.image.as_ref()?;
    Some(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": described(service, &format!("{}-canary", service.name)),
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 5,
            "selector": { "matchLabels": pod::workload_selector(service, Role::Canary) },
            "template": pod::template(service, platform, Role::Canary),
        },
    }))
}

/// `metadata` with the service's description as an annotation.
pub(super) fn described(service: &model::Service, name: &str) -> Value {
    let mut metadata = metadata(service, name);
    if let Some(description) = &service.description {
        metadata["annotations"] = json!({ "platc.dev/description": description });
    }
    metadata
}
