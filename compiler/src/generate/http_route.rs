//! `kind: HTTPRoute` (Gateway API) with Linkerd's retry and timeout settings, when the mesh is Linkerd.
//!
//! Emitted when the platform's mesh is Linkerd, for a service whose Service
//! publishes an HTTP, HTTP/2 or gRPC port (not a cron job). It is a
//! "producer" route: its parents are the service's own `Service`, one
//! `parentRef` per such port (`group: ""`, the core group, as the Gateway
//! API spells it; Linkerd also accepts `core`), so every meshed client
//! applies it. Its one rule matches every request and names no backend,
//! which sends requests to the parent Service as Linkerd's own examples do.
//!
//! Linkerd reads retries and timeouts from annotations on the route (they
//! override those of the parent Service):
//! - `retry.linkerd.io/http`: the service's Istio-style `retries on`
//!   conditions in Linkerd's terms: `5xx` and `gateway-error` as they are,
//!   `retriable-4xx` as `409` (what Envoy means by it), bare status codes as
//!   they are; connection-level conditions (`connect-failure`, `reset`,
//!   `refused-stream`) have no counterpart, the proxy's load balancer
//!   handling failed connections itself;
//! - `retry.linkerd.io/limit` from `attempts`, `retry.linkerd.io/timeout`
//!   from `per-try-timeout`;
//! - `timeout.linkerd.io/request` from `timeout`, also written as the
//!   rule's standard `timeouts.request` (Linkerd reads both; the annotation
//!   wins).
//!
//! Canary routing: Linkerd routes to Services, not to label subsets, so
//! header and weight routing would need a second Service selecting only the
//! canary's pods (and the main one selecting only `version: stable`). Under
//! Linkerd platc routes no canary traffic by header or weight: the canary
//! Deployment's pod carries the service's selector labels, so the Service
//! sends it its share by pod count (a replica-ratio canary). With
//! `expose gateway`, the north-south route belongs to the platform's
//! ingress, which Linkerd does not provide; the `NetworkPolicy` admits the
//! gateway's namespace.

use super::value::{Map, Value};

use super::metadata;
use super::virtual_service::{is_http, seconds};
use crate::model::{self, Kind, Mesh};

pub(super) fn http_route(service: &model::Service, platform: &model::Platform) -> Option<Value> {
    if platform.mesh != Mesh::Linkerd || service.kind == Kind::Cron {
        return None;
    }
    let parents: Vec<Value> = service
        .ports
        .iter()
        .filter(|port| port.expose && is_http(port.protocol))
        .map(|port| json!({ "group": "", "kind": "Service", "name": service.name, "port": port.service_port }))
        .collect();
    if parents.is_empty() {
        return None;
    }
    let traffic = &service.traffic;
    let timeout = traffic.timeout_seconds.filter(|timeout| *timeout > 0).map(seconds);
    let mut annotations = Map::new();
    if let Some(retries) = &traffic.retries {
        let codes = linkerd_retry_codes(&retries.on);
        if !codes.is_empty() {
            annotations.insert("retry.linkerd.io/http".to_owned(), json!(codes.join(",")));
        }
        annotations.insert("retry.linkerd.io/limit".to_owned(), json!(retries.attempts.to_string()));
        if retries.per_try_timeout_seconds > 0 {
            annotations.insert("retry.linkerd.io/timeout".to_owned(), json!(seconds(retries.per_try_timeout_seconds)));
        }
    }
    if let Some(timeout) = &timeout {
        annotations.insert("timeout.linkerd.io/request".to_owned(), json!(timeout));
    }
    let mut metadata = metadata(service, &service.name);
    if !annotations.is_empty() {
        metadata["annotations"] = Value::Object(annotations);
    }
    let mut rule = Map::new();
    rule.insert("matches".to_owned(), json!([{ "path": { "type": "PathPrefix", "value": "/" } }]));
    if let Some(timeout) = &timeout {
        rule.insert("timeouts".to_owned(), json!({ "request": timeout }));
    }
    Some(json!({
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": move metadata,
        "spec": {
            "parentRefs": move parents,
            "rules": [rule],
        },
    }))
}

/// Istio `retryOn` conditions → the response codes of `retry.linkerd.io/http`.
fn linkerd_retry_codes(conditions: &str) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for condition in conditions.split(',').map(str::trim) {
        let code = match condition {
            "5xx" | "gateway-error" => condition,
            "retriable-4xx" => "409",
            _ if condition.len() == 3 && condition.bytes().all(|byte| byte.is_ascii_digit()) => condition,
            _ => continue,
        };
        if !codes.iter().any(|known| known == code) {
            codes.push(code.to_owned());
        }
    }
    codes
}

#[cfg(test)]
mod tests {
    use super::linkerd_retry_codes;

    #[test]
    fn istio_retry_conditions_become_linkerd_response_codes() {
        assert_eq!(linkerd_retry_codes("gateway-error,connect-failure,retriable-4xx"), ["gateway-error", "409"]);
        assert_eq!(linkerd_retry_codes("5xx, 503 ,reset,5xx"), ["5xx", "503"]);
        assert!(linkerd_retry_codes("connect-failure,refused-stream").is_empty());
    }
}
