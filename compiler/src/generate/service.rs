//! `kind: Service`: the ports marked `expose`, by name, to the pods.

use super::value::Value;

use super::{metadata, selector_labels};
use crate::model::{self, Expose};

pub(super) fn service(service: &model::Service) -> Value {
    let load_balancer = service.expose.iter().any(|expose| matches!(expose, Expose::LoadBalancer));
    let ports: Vec<Value> = service
        .ports
        .iter()
        .filter(|port| port.expose)
        .map(|port| {
            json!({
                "name": port.name,
                "port": port.service_port,
                "targetPort": port.name,
                "protocol": port.protocol.transport(),
                "appProtocol": port.protocol.as_str(),
            })
        })
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(service, &service.name),
        "spec": {
            "type": if load_balancer { "LoadBalancer" } else { "ClusterIP" },
            "selector": selector_labels(service),
            "ports": move ports,
        },
    })
}
