//! `kind: DestinationRule` (Istio): subsets `stable`/`canary`, connection pool, outlier detection, mutual TLS.
//!
//! Emitted beside the `VirtualService` (same conditions), for the same host.
//! `trafficPolicy` holds the service's `connection-pool` (TCP connection
//! limit; HTTP/1 pending requests and requests per connection) and
//! `outlier-detection` (eject a pod after consecutive 5xx responses), and
//! `tls.mode: ISTIO_MUTUAL`, stating the mesh's mutual TLS rather than
//! leaving it to auto-mTLS: every pod of the service runs a sidecar, so
//! clients' sidecars can always originate Istio mutual TLS to it.
//!
//! Subsets select the pods' `version` label: `stable` always (the
//! `VirtualService`'s default route), `canary` when a canary image runs.

use super::value::{Map, Value};

use super::metadata;
use super::virtual_service::{is_http, seconds};
use crate::model::{self, Kind, Mesh, Protocol};

pub(super) fn destination_rule(service: &model::Service, platform: &model::Platform) -> Option<Value> {
    let routed =
        service.ports.iter().any(|port| port.expose && (is_http(port.protocol) || port.protocol == Protocol::Tcp));
    if platform.mesh != Mesh::Istio || service.kind == Kind::Cron || !routed {
        return None;
    }
    let traffic = &service.traffic;
    let mut policy = Map::new();
    let pool = traffic.connection_pool;
    let mut connection_pool = Map::new();
    if let Some(max) = pool.max_connections {
        connection_pool.insert("tcp".to_owned(), json!({ "maxConnections": max }));
    }
    let mut http = Map::new();
    if let Some(pending) = pool.max_pending_requests {
        http.insert("http1MaxPendingRequests".to_owned(), json!(pending));
    }
    if let Some(per_connection) = pool.max_requests_per_connection {
        http.insert("maxRequestsPerConnection".to_owned(), json!(per_connection));
    }
    if !http.is_empty() {
        connection_pool.insert("http".to_owned(), Value::Object(http));
    }
    if !connection_pool.is_empty() {
        policy.insert("connectionPool".to_owned(), Value::Object(connection_pool));
    }
    if let Some(outlier) = traffic.outlier_detection {
        let mut detection = Map::new();
        detection.insert("consecutive5xxErrors".to_owned(), json!(outlier.consecutive_5xx));
        if outlier.interval_seconds > 0 {
            detection.insert("interval".to_owned(), json!(seconds(outlier.interval_seconds)));
        }
        if outlier.base_ejection_seconds > 0 {
            detection.insert("baseEjectionTime".to_owned(), json!(seconds(outlier.base_ejection_seconds)));
        }
        policy.insert("outlierDetection".to_owned(), Value::Object(detection));
    }
    policy.insert("tls".to_owned(), json!({ "mode": "ISTIO_MUTUAL" }));
    let mut subsets = vec![json!({ "name": "stable", "labels": { "version": "stable" } })];
    if service.canary.as_ref().is_some_and(|canary| canary.image.is_some()) {
        subsets.push(json!({ "name": "canary", "labels": { "version": "canary" } }));
    }
    Some(json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": metadata(service, &service.name),
        "spec": {
            "host": service.name,
            "trafficPolicy": move policy,
            "subsets": move subsets,
        },
    }))
}
