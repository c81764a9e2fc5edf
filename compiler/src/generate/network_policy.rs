//! `kind: NetworkPolicy`: default deny for the service's pods, then what it needs.
//!
//! Every service gets one (workers and cron jobs too). It selects the pods by
//! the service's selector labels, so the canary's pods share it; the
//! migration Job's pod (`<service>-migrate`) is not selected. With both
//! policy types listed, anything not admitted below is denied:
//!
//! Ingress (none for a cron job, which serves nothing), on the ports the
//! service's `Service` publishes (their container ports):
//! - from each dependent (a service that `depends-on` this one), by its
//!   `app.kubernetes.io/name` in its namespace;
//! - from the ingress gateway's namespace, with `expose gateway`;
//! - from anywhere, with `expose load-balancer` (the load balancer forwards
//!   client addresses, which no selector can name);
//! - from the monitoring namespace on the metrics port, and on the mesh
//!   proxy's own metrics port (Istio's Envoy `15090`, scraped by the
//!   `envoy-stats` `PodMonitor`; Linkerd's proxy admin port `4191`).
//!
//! Kubelet probes need no rule: traffic from the pod's own node is always
//! admitted. Under Istio they are rewritten to the sidecar's `15020`, still
//! from the node.
//!
//! Egress:
//! - DNS in `kube-system`, UDP and TCP 53;
//! - the mesh control plane, or every pod would start with a proxy that
//!   cannot get its certificate and configuration: Istio's istiod in
//!   `istio-system` on `15012` (xDS and certificate signing over mTLS; the
//!   other istiod ports are for the API server's webhooks and for
//!   debugging, not for proxies); Linkerd's control plane in `linkerd` on
//!   `8080` (identity), `8086` (destination) and `8090` (policy). These are
//!   the meshes' default install namespaces;
//! - each dependency of this repository, its pods in its namespace, on the
//!   ports its Service publishes (TCP); dependencies marked `external` are
//!   not addressed (their place is unknown) and need `network-policy
//!   egress=open` or a policy of the platform's own;
//! - its databases, which live outside the cluster (managed through
//!   Crossplane), on the engine's port (5432 for `postgres`, 3306 for
//!   `mysql`) at any address;
//! - everywhere, only when the platform writes `network-policy egress=open`.
//!
//! Meshes: Istio's sidecars connect to the destination pod's own port
//! (traffic is redirected inside the pod, after the policy has seen it), so
//! the rules above are all a sidecar needs besides istiod; no rule between
//! sidecars of one namespace is needed. Linkerd's proxies, since its
//! `transport-header` outbound mode became the default, carry meshed
//! traffic to the destination proxy's inbound port `4143` instead of the
//! original port, so under Linkerd `4143` joins every rule between meshed
//! pods: ingress from dependents and the gateway, egress to dependencies.

use std::collections::BTreeSet;

use super::value::Value;

use super::metadata;
use crate::model::{self, Expose, Kind, Mesh};

/// Linkerd's inbound proxy port, which meshed clients connect to.
const LINKERD_INBOUND: u16 = 4143;

#[expect(
    clippy::unnecessary_wraps,
    reason = "every optional object's generator has this shape; `mod.rs` files it with `map`"
)]
pub(super) fn network_policy(service: &model::Service, platform: &model::Platform) -> Option<Value> {
    Some(json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(service, &service.name),
        "spec": {
            // Every pod of the service: stable, canary and the migration Job's.
            "podSelector": { "matchLabels": { "app.kubernetes.io/instance": service.name } },
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress(service, platform),
            "egress": egress(service, platform),
        },
    }))
}

fn ingress(service: &model::Service, platform: &model::Platform) -> Vec<Value> {
    if service.kind == Kind::Cron {
        return Vec::new();
    }
    let mut rules = Vec::new();
    let mut served: Vec<Value> = service
        .ports
        .iter()
        .filter(|port| port.expose)
        .map(|port| port_rule(port.protocol.transport(), port.number))
        .collect();
    if !served.is_empty() {
        if platform.mesh == Mesh::Linkerd {
            served.push(tcp(LINKERD_INBOUND));
        }
        let dependents: BTreeSet<(&str, &str)> = service
            .dependents
            .iter()
            .map(|dependent| (dependent.namespace.as_str(), dependent.service.as_str()))
            .collect();
        if !dependents.is_empty() {
            let peers: Vec<Value> = dependents.iter().map(|(namespace, name)| pods(namespace, name)).collect();
            rules.push(json!({ "from": peers, "ports": served }));
        }
        if service.expose.iter().any(|expose| matches!(expose, Expose::Gateway { .. })) {
            rules.push(json!({ "from": [namespace(&platform.ingress_gateway.namespace)], "ports": served }));
        }
        if service.expose.iter().any(|expose| matches!(expose, Expose::LoadBalancer)) {
            rules.push(json!({ "ports": served }));
        }
    }
    let mut scraped = Vec::new();
    if let Some(metrics) = &service.metrics
        && let Some(port) = service.ports.iter().find(|port| port.name == metrics.port)
    {
        scraped.push(port_rule(port.protocol.transport(), port.number));
    }
    match platform.mesh {
        Mesh::Istio => scraped.push(tcp(15090)),
        Mesh::Linkerd => scraped.push(tcp(4191)),
        Mesh::None => {}
    }
    if !scraped.is_empty() {
        rules.push(json!({ "from": [namespace(&platform.monitoring.namespace)], "ports": scraped }));
    }
    rules
}

fn egress(service: &model::Service, platform: &model::Platform) -> Vec<Value> {
    let mut rules = vec![json!({
        "to": [namespace("kube-system")],
        "ports": [port_rule("UDP", 53), port_rule("TCP", 53)],
    })];
    match platform.mesh {
        Mesh::Istio => rules.push(json!({ "to": [namespace("istio-system")], "ports": [tcp(15012)] })),
        Mesh::Linkerd => {
            rules.push(json!({ "to": [namespace("linkerd")], "ports": [tcp(8080), tcp(8086), tcp(8090)] }));
        }
        Mesh::None => {}
    }
    let mut seen = BTreeSet::new();
    for dependency in service.depends_on.iter().filter(|dependency| !dependency.external) {
        let Some(target_namespace) = &dependency.namespace else { continue };
        if dependency.ports.is_empty() || !seen.insert((target_namespace, &dependency.service)) {
            continue;
        }
        let mut ports: Vec<Value> = dependency.ports.iter().map(|port| tcp(*port)).collect();
        if platform.mesh == Mesh::Linkerd {
            ports.push(tcp(LINKERD_INBOUND));
        }
        rules.push(json!({ "to": [pods(target_namespace, &dependency.service)], "ports": ports }));
    }
    let database_ports: BTreeSet<u16> =
        service.databases.iter().filter_map(|database| database_port(&database.engine)).collect();
    if !database_ports.is_empty() {
        rules.push(json!({ "ports": database_ports.iter().map(|port| tcp(*port)).collect::<Vec<_>>() }));
    }
    if !platform.strict_egress {
        rules.push(json!({}));
    }
    rules
}

/// The port a database engine listens on.
fn database_port(engine: &str) -> Option<u16> {
    match engine {
        "postgres" => Some(5432),
        "mysql" => Some(3306),
        _ => None,
    }
}

/// Every pod of a namespace.
fn namespace(name: &str) -> Value {
    json!({ "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": name } } })
}

/// A service's pods in its namespace.
fn pods(namespace: &str, service: &str) -> Value {
    json!({
        "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": namespace } },
        "podSelector": { "matchLabels": { "app.kubernetes.io/name": service } },
    })
}

fn tcp(port: u16) -> Value {
    port_rule("TCP", port)
}

fn port_rule(protocol: &str, port: u16) -> Value {
    json!({ "protocol": protocol, "port": port })
}

#[cfg(test)]
mod tests {
    use crate::generate::value::Value;

    use super::network_policy;
    use crate::model::{self, Mesh};

    /// The policies of every service, by name, for a platform with `mesh` and `strict_egress`.
    fn policies(files: &[(&str, &str)], mesh: Mesh, strict_egress: bool) -> Vec<(String, Value)> {
        let compilation = crate::compile(&crate::Workspace::from_files(files.iter().copied()));
        assert!(!compilation.diagnostics.has_errors(), "{:?}", compilation.diagnostics);
        let platform = model::Platform { mesh, strict_egress, ..model::Platform::default() };
        compilation
            .services
            .iter()
            .filter(|service| service.environment == "production")
            .filter_map(|service| Some((service.name.clone(), network_policy(service, &platform)?["spec"].clone())))
            .collect()
    }

    fn ports(rule: &Value) -> Vec<u64> {
        rule["ports"].as_array().into_iter().flatten().filter_map(|port| port["port"].as_u64()).collect()
    }

    const FILES: &[(&str, &str)] = &[
        ("api/platc.kdl", r#"service api { image "api:1.0.0"; port 8080; metrics port=9090; database main }"#),
        ("web/platc.kdl", r#"service web { image "web:1.0.0"; port 3000; depends-on api }"#),
        (
            "report/platc.kdl",
            r#"service report { kind cron; image "report:1.0.0"; schedule "0 3 * * *"; depends-on api }"#,
        ),
    ];

    #[test]
    fn dependents_monitoring_dns_and_databases_are_admitted_under_istio() {
        let policies = policies(FILES, Mesh::Istio, true);
        let (_, api) = policies.iter().find(|(name, _)| name == "api").expect("api's policy");
        assert_eq!(api["policyTypes"], json!(["Ingress", "Egress"]));
        let ingress = api["ingress"].as_array().expect("ingress");
        let from: Vec<&Value> = ingress[0]["from"].as_array().expect("peers").iter().collect();
        assert_eq!(from.len(), 2, "report and web");
        assert_eq!(from[0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"], "report");
        assert_eq!(from[0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"], "report");
        assert_eq!(ports(&ingress[0]), [8080, 9090]);
        assert_eq!(ports(&ingress[1]), [9090, 15090], "metrics and Envoy's stats from monitoring");
        let egress = api["egress"].as_array().expect("egress");
        assert_eq!(ports(&egress[0]), [53, 53]);
        assert_eq!(ports(&egress[1]), [15012], "istiod");
        assert_eq!(egress[2], json!({ "ports": [{ "protocol": "TCP", "port": 5432 }] }));
        assert_eq!(egress.len(), 3, "strict egress: nothing else");
    }

    #[test]
    fn cron_jobs_admit_nothing_and_reach_their_dependencies() {
        let policies = policies(FILES, Mesh::None, true);
        let (_, report) = policies.iter().find(|(name, _)| name == "report").expect("report's policy");
        assert_eq!(report["ingress"], json!([]));
        let egress = report["egress"].as_array().expect("egress");
        assert_eq!(egress.len(), 2, "DNS and api");
        assert_eq!(egress[1]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"], "api");
        assert_eq!(ports(&egress[1]), [8080, 9090]);
    }

    #[test]
    fn linkerd_adds_its_proxy_port_and_control_plane_and_open_egress_allows_everything() {
        let policies = policies(FILES, Mesh::Linkerd, false);
        let (_, web) = policies.iter().find(|(name, _)| name == "web").expect("web's policy");
        let egress = web["egress"].as_array().expect("egress");
        assert_eq!(ports(&egress[1]), [8080, 8086, 8090], "the Linkerd control plane");
        assert_eq!(ports(&egress[2]), [8080, 9090, 4143], "api through its proxy");
        assert_eq!(egress.last(), Some(&json!({})));
        let (_, api) = policies.iter().find(|(name, _)| name == "api").expect("api's policy");
        assert_eq!(ports(&api["ingress"][0]), [8080, 9090, 4143]);
    }
}
