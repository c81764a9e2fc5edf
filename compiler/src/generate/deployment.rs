//! `kind: Deployment` for `web` and `worker` services.

use serde_json::{Map, Value, json};

use super::{int_or_percent, metadata, pod, selector_labels};
use crate::model::{self, Replicas};

pub(super) fn deployment(service: &model::Service) -> Value {
    let mut spec = Map::new();
    // An autoscaled Deployment carries no replica count: it would fight the
    // HorizontalPodAutoscaler on every sync.
    if let Replicas::Fixed(count) = service.replicas {
        spec.insert("replicas".to_owned(), json!(count));
    }
    spec.insert("revisionHistoryLimit".to_owned(), json!(5));
    spec.insert("selector".to_owned(), json!({ "matchLabels": selector_labels(service) }));
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
    spec.insert("template".to_owned(), pod::template(service));
    let mut metadata = metadata(service, &service.name);
    if let Some(description) = &service.description {
        metadata["annotations"] = json!({ "platc.dev/description": description });
    }
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": spec,
    })
}
