//! `kind: HorizontalPodAutoscaler` (autoscaling/v2) for autoscaled services.

use super::value::Value;

use super::metadata;
use crate::model::{self, Replicas};

pub(super) fn horizontal_pod_autoscaler(service: &model::Service) -> Value {
    let (min, max) = match service.replicas {
        Replicas::Autoscaled { min, max } => (min, max),
        Replicas::Fixed(count) => (count, count),
    };
    let targets = [("cpu", service.autoscaling.cpu_percent), ("memory", service.autoscaling.memory_percent)];
    let metrics: Vec<Value> = targets
        .into_iter()
        .filter_map(|(name, percent)| {
            percent.map(|percent| {
                json!({
                    "type": "Resource",
                    "resource": {
                        "name": name,
                        "target": { "type": "Utilization", "averageUtilization": percent },
                    },
                })
            })
        })
        .collect();
    json!({
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(service, &service.name),
        "spec": {
            "scaleTargetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": service.name },
            "minReplicas": min,
            "maxReplicas": max,
            "metrics": move metrics,
        },
    })
}
