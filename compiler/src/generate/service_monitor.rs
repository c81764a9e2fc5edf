//! `kind: ServiceMonitor` (Prometheus operator) for the metrics port and path.
//!
//! One per service with `metrics`, except cron jobs (they have no Service and
//! live shorter than a scrape interval). It selects the service's `Service`
//! by its selector labels, in the service's own namespace (the operator's
//! default when `namespaceSelector` is absent), and carries the platform's
//! `monitoring.labels` so that a kube-prometheus-stack Prometheus, whose
//! `serviceMonitorSelector` matches e.g. `release: kube-prometheus-stack`,
//! picks it up.
//!
//! The endpoint names the metrics port: `port` (the Service port's name) when
//! the Service carries it, which it does for a port declared by number in
//! `metrics` or left exposed; `targetPort` (the container port's name) when
//! the port is declared `expose=false`: Prometheus's endpoints discovery also
//! yields the container ports of the Service's pods that no Service port
//! names, so the scrape still works without publishing the port. A service
//! whose Service would carry no port at all has no Service to select, and
//! gets no `ServiceMonitor`.

use super::value::{Map, Value};

use super::{labels, selector_labels};
use crate::model::{self, Kind};

/// How often Prometheus scrapes, the kube-prometheus-stack default.
const INTERVAL: &str = "30s";

pub(super) fn service_monitor(service: &model::Service, platform: &model::Platform) -> Option<Value> {
    let metrics = service.metrics.as_ref()?;
    if service.kind == Kind::Cron || !service.ports.iter().any(|port| port.expose) {
        return None;
    }
    let published = service.ports.iter().any(|port| port.name == metrics.port && port.expose);
    let mut endpoint = Map::new();
    endpoint.insert(if published { "port" } else { "targetPort" }.to_owned(), json!(metrics.port));
    endpoint.insert("path".to_owned(), json!(metrics.path));
    endpoint.insert("interval".to_owned(), json!(INTERVAL));
    let mut metadata_labels = labels(service);
    for (key, value) in &platform.monitoring.labels {
        metadata_labels[key] = json!(value);
    }
    Some(json!({
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {
            "name": service.name,
            "namespace": service.namespace,
            "labels": move metadata_labels,
        },
        "spec": {
            "selector": { "matchLabels": selector_labels(service) },
            "endpoints": [endpoint],
        },
    }))
}
