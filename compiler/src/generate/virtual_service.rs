//! `kind: VirtualService` (Istio): canary routes, stable route, retries and timeout.
//!
//! Emitted when the platform's mesh is Istio, for a service whose Service
//! publishes a port (not a cron job). Its `hosts` are the service's name
//! (requests inside the mesh) and, with `expose gateway`, the exposed hosts,
//! bound to the platform's ingress gateway and to `mesh` (so the sidecars
//! keep applying it).
//!
//! HTTP routes, first match wins:
//! 1. with a canary image, requests carrying the canary header set to
//!    `"true"` go to the `canary` subset;
//! 2. the rest go to the `stable` subset, or, with a canary image and a
//!    canary `weight`, are split between `stable` and `canary` by weight.
//!    (A weighted split before an unconditional stable route would leave the
//!    stable route unreachable, which Istio's analyzer flags, so the split
//!    takes its place.)
//!
//! Every route carries the service's `retries` and `timeout`. A service
//! that publishes only TCP ports gets the same stable-or-split route as a
//! `tcp` route instead (no header, retries nor timeout there); one that
//! publishes only UDP ports gets no `VirtualService` (Istio does not route
//! UDP). Subsets are defined by the `DestinationRule` of the same name.

use super::value::{Map, Value};

use super::metadata;
use crate::model::{self, Expose, Kind, Mesh, Protocol};

pub(super) fn virtual_service(service: &model::Service, platform: &model::Platform) -> Option<Value> {
    if platform.mesh != Mesh::Istio || service.kind == Kind::Cron {
        return None;
    }
    let published: Vec<&model::Port> = service.ports.iter().filter(|port| port.expose).collect();
    let http = published.iter().any(|port| is_http(port.protocol));
    let tcp = published.iter().any(|port| port.protocol == Protocol::Tcp);
    if !http && !tcp {
        return None;
    }
    let mut hosts = vec![service.name.clone()];
    for expose in &service.expose {
        if let Expose::Gateway { hosts: exposed } = expose {
            for host in exposed {
                if !hosts.contains(host) {
                    hosts.push(host.clone());
                }
            }
        }
    }
    let mut spec = Map::new();
    spec.insert("hosts".to_owned(), json!(hosts));
    if service.expose.iter().any(|expose| matches!(expose, Expose::Gateway { .. })) {
        spec.insert("gateways".to_owned(), json!([platform.ingress_gateway.gateway, "mesh"]));
    }
    let canary = service.canary.as_ref().filter(|canary| canary.image.is_some());
    if http {
        let mut routes = Vec::new();
        if let Some(canary) = canary {
            let mut route = Map::new();
            route.insert("match".to_owned(), json!([{ "headers": { canary.header.as_str(): { "exact": "true" } } }]));
            route.insert("route".to_owned(), json!([destination(service, "canary", 100)]));
            routes.push(with_policy(route, &service.traffic));
        }
        let mut route = Map::new();
        route.insert("route".to_owned(), json!(default_destinations(service, canary)));
        routes.push(with_policy(route, &service.traffic));
        spec.insert("http".to_owned(), json!(routes));
    }
    if tcp && !http {
        spec.insert("tcp".to_owned(), json!([{ "route": default_destinations(service, canary) }]));
    }
    Some(json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": metadata(service, &service.name),
        "spec": spec,
    }))
}

/// HTTP, HTTP/2 and gRPC: what Istio's `http` routes apply to.
pub(super) fn is_http(protocol: Protocol) -> bool {
    matches!(protocol, Protocol::Http | Protocol::Http2 | Protocol::Grpc)
}

/// Seconds as an Istio duration: `10` → `"10s"`.
pub(super) fn seconds(seconds: u32) -> String {
    format!("{seconds}s")
}

/// The catch-all route: the stable subset, or the canary's weighted split.
fn default_destinations(service: &model::Service, canary: Option<&model::Canary>) -> Vec<Value> {
    match canary.map(|canary| canary.weight.min(100)) {
        Some(100) => vec![destination(service, "canary", 100)],
        Some(weight) if weight > 0 => {
            vec![destination(service, "stable", 100 - weight), destination(service, "canary", weight)]
        }
        _ => vec![destination(service, "stable", 100)],
    }
}

fn destination(service: &model::Service, subset: &str, weight: u32) -> Value {
    json!({ "destination": { "host": service.name, "subset": subset }, "weight": weight })
}

/// Adds the service's retries and timeout to an HTTP route.
fn with_policy(mut route: Map, traffic: &model::Traffic) -> Value {
    if let Some(retries) = &traffic.retries {
        let mut value = Map::new();
        value.insert("attempts".to_owned(), json!(retries.attempts));
        if retries.per_try_timeout_seconds > 0 {
            value.insert("perTryTimeout".to_owned(), json!(seconds(retries.per_try_timeout_seconds)));
        }
        if !retries.on.is_empty() {
            value.insert("retryOn".to_owned(), json!(retries.on));
        }
        route.insert("retries".to_owned(), Value::Object(value));
    }
    if let Some(timeout) = traffic.timeout_seconds.filter(|timeout| *timeout > 0) {
        route.insert("timeout".to_owned(), json!(seconds(timeout)));
    }
    Value::Object(route)
}

#[cfg(test)]
mod tests {
    use crate::generate::value::Value;

    use super::virtual_service;
    use crate::model::{self, Mesh};

    fn routes(spec: &str, mesh: Mesh) -> Option<Value> {
        let compilation = crate::compile(&crate::Workspace::from_files([("platc.kdl", spec)]));
        assert!(!compilation.diagnostics.has_errors(), "{:?}", compilation.diagnostics);
        let platform = model::Platform { mesh, ..model::Platform::default() };
        virtual_service(&compilation.services[0], &platform).map(|value| value["spec"].clone())
    }

    fn subsets(route: &Value) -> Vec<(String, u64)> {
        route["route"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|destination| {
                let subset = destination["destination"]["subset"].as_str().unwrap_or_default().to_owned();
                (subset, destination["weight"].as_u64().unwrap_or_default())
            })
            .collect()
    }

    #[test]
    fn a_canary_gets_its_header_route_then_a_weighted_split_replaces_the_stable_route() {
        let spec = routes(
            r#"service shop { image "shop:1.0.0"; port 8080; canary header="x-canary" weight=10 tag="1.1.0" }"#,
            Mesh::Istio,
        )
        .expect("a VirtualService");
        let http = spec["http"].as_array().expect("http routes");
        assert_eq!(http.len(), 2);
        assert_eq!(http[0]["match"], json!([{ "headers": { "x-canary": { "exact": "true" } } }]));
        assert_eq!(subsets(&http[0]), [("canary".to_owned(), 100)]);
        assert_eq!(subsets(&http[1]), [("stable".to_owned(), 90), ("canary".to_owned(), 10)]);
        assert_eq!(http[1]["timeout"], "10s");
        assert_eq!(http[1]["retries"]["perTryTimeout"], "2s");
    }

    #[test]
    fn without_a_canary_image_everything_goes_to_stable() {
        let spec =
            routes(r#"service shop { image "shop:1.0.0"; port 8080; canary weight=50 }"#, Mesh::Istio).expect("routes");
        let http = spec["http"].as_array().expect("http routes");
        assert_eq!(http.len(), 1);
        assert_eq!(subsets(&http[0]), [("stable".to_owned(), 100)]);
        assert!(spec.get("gateways").is_none());
    }

    #[test]
    fn exposed_hosts_bind_the_ingress_gateway_and_the_mesh() {
        let spec = routes(
            r#"service shop { image "shop:1.0.0"; port 8080; expose gateway hosts="shop.example.com" }"#,
            Mesh::Istio,
        )
        .expect("routes");
        assert_eq!(spec["hosts"], json!(["shop", "shop.example.com"]));
        assert_eq!(spec["gateways"], json!(["istio-system/ingressgateway", "mesh"]));
    }

    #[test]
    fn tcp_only_services_get_a_tcp_route_and_other_meshes_none() {
        let spec = r#"service cache { image "redis:7.4.1"; port 6379 name=redis protocol=tcp }"#;
        let tcp = routes(spec, Mesh::Istio).expect("routes");
        assert!(tcp.get("http").is_none());
        assert_eq!(subsets(&tcp["tcp"][0]), [("stable".to_owned(), 100)]);
        assert!(routes(spec, Mesh::Linkerd).is_none());
        assert!(routes(spec, Mesh::None).is_none());
    }
}
