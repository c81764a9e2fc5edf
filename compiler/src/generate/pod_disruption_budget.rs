//! `kind: PodDisruptionBudget` (policy/v1) for services with more than one replica.

use super::value::Value;

use super::{int_or_percent, metadata, selector_labels};
use crate::model::{self, Budget};

pub(super) fn pod_disruption_budget(service: &model::Service, budget: &Budget) -> Value {
    let (key, value) = match budget {
        Budget::MinAvailable(value) => ("minAvailable", int_or_percent(value)),
        Budget::MaxUnavailable(value) => ("maxUnavailable", int_or_percent(value)),
    };
    let mut spec = super::value::Map::new();
    spec.insert(key.to_owned(), value);
    spec.insert("selector".to_owned(), json!({ "matchLabels": selector_labels(service) }));
    // Pods that never became ready may always be evicted, so a broken rollout
    // cannot block node drains.
    spec.insert("unhealthyPodEvictionPolicy".to_owned(), json!("AlwaysAllow"));
    json!({
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(service, &service.name),
        "spec": move spec,
    })
}
