//! Cross-resource consistency of every built fixture: the objects of one
//! environment folder must agree with each other, the way the cluster will
//! read them. Each check names the object and field that disagrees.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::schemas::documents;
use crate::support::{built_fixtures, load};

/// The documents of one fixture, by the folder of the file they are in.
fn folders(name: &str) -> BTreeMap<String, Vec<(String, Value)>> {
    let compilation = platc::compile(&load(name));
    assert!(!compilation.diagnostics.has_errors(), "fixtures/{name} has errors");
    let mut folders: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
    for (path, text) in compilation.files.iter() {
        let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder).to_owned();
        for document in documents(text) {
            folders.entry(folder.clone()).or_default().push((path.to_owned(), document));
        }
    }
    folders
}

fn kind(document: &Value) -> &str {
    document["kind"].as_str().unwrap_or_default()
}

fn name(document: &Value) -> &str {
    document["metadata"]["name"].as_str().unwrap_or_default()
}

fn string_map(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|map| map.iter().filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned()))).collect())
        .unwrap_or_default()
}

/// The pod template of a workload object.
fn pod_template(document: &Value) -> Option<&Value> {
    match kind(document) {
        "Deployment" | "Job" => Some(&document["spec"]["template"]),
        "CronJob" => Some(&document["spec"]["jobTemplate"]["spec"]["template"]),
        _ => None,
    }
}

fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(key, value)| labels.get(key) == Some(value))
}

#[test]
fn objects_in_each_environment_agree_with_each_other() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for fixture in &built_fixtures() {
        let (found, count) = problems(fixture, &folders(fixture));
        failures.extend(found);
        checked += count;
    }
    assert!(checked > 100, "only {checked} documents checked");
    assert!(failures.is_empty(), "inconsistent objects:\n{}", failures.join("\n"));
}

#[test]
fn the_checks_catch_broken_references() {
    let mut folders = folders("minimal");
    let production = folders.get_mut("deploy/production").expect("minimal renders production");
    for (_, document) in production.iter_mut() {
        match kind(document) {
            "Service" => document["spec"]["selector"]["app.kubernetes.io/name"] = Value::from("nobody"),
            "Deployment" => {
                document["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["port"] =
                    Value::from("admin");
            }
            _ => {}
        }
    }
    production.retain(|(_, document)| kind(document) != "ServiceAccount");
    let (found, _) = problems("minimal", &folders);
    let text = found.join("\n");
    assert!(text.contains("Service `hello` selects no pods"), "{text}");
    assert!(text.contains("livenessProbe uses port `admin`"), "{text}");
    assert!(text.contains("ServiceAccount `hello`, which is not generated here"), "{text}");
}

/// Every inconsistency in one fixture's folders, and how many documents were checked.
#[allow(clippy::too_many_lines)]
fn problems(fixture: &str, folders: &BTreeMap<String, Vec<(String, Value)>>) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    let mut checked = 0;
    {
        // Every service's pods, in every folder, by namespace, for peers.
        let mut pods_by_namespace: BTreeMap<String, Vec<BTreeMap<String, String>>> = BTreeMap::new();
        for documents in folders.values() {
            for (_, document) in documents {
                if let Some(template) = pod_template(document) {
                    let namespace = document["metadata"]["namespace"].as_str().unwrap_or_default().to_owned();
                    pods_by_namespace.entry(namespace).or_default().push(string_map(&template["metadata"]["labels"]));
                }
            }
        }
        for (folder, documents) in folders {
            let at = |path: &str, what: String| format!("{fixture}/{path}: {what}");
            let pods: Vec<(&Value, BTreeMap<String, String>)> = documents
                .iter()
                .filter_map(|(_, document)| {
                    pod_template(document).map(|template| (template, string_map(&template["metadata"]["labels"])))
                })
                .collect();
            let of_kind = |wanted: &str| -> Vec<&Value> {
                documents.iter().map(|(_, document)| document).filter(|document| kind(document) == wanted).collect()
            };
            let services = of_kind("Service");
            let service_port_names: BTreeSet<&str> = services
                .iter()
                .flat_map(|service| service["spec"]["ports"].as_array().into_iter().flatten())
                .filter_map(|port| port["name"].as_str())
                .collect();
            let produced_secrets: BTreeSet<String> = of_kind("ExternalSecret")
                .iter()
                .filter_map(|secret| secret["spec"]["target"]["name"].as_str().map(str::to_owned))
                .chain(documents.iter().filter_map(|(_, document)| {
                    document["spec"]["writeConnectionSecretToRef"]["name"].as_str().map(str::to_owned)
                }))
                .collect();
            let config_maps: BTreeSet<&str> = of_kind("ConfigMap").iter().map(|map| name(map)).collect();
            let accounts: BTreeSet<&str> = of_kind("ServiceAccount").iter().map(|account| name(account)).collect();
            let deployments: BTreeSet<&str> = of_kind("Deployment").iter().map(|deployment| name(deployment)).collect();

            for (path, document) in documents {
                checked += 1;
                match kind(document) {
                    "Service" => {
                        let selector = string_map(&document["spec"]["selector"]);
                        if !pods.iter().any(|(_, labels)| selects(&selector, labels)) {
                            failures.push(at(path, format!("Service `{}` selects no pods", name(document))));
                        }
                        for port in document["spec"]["ports"].as_array().into_iter().flatten() {
                            let target = port["targetPort"].as_str().unwrap_or_default();
                            let named = pods.iter().any(|(template, labels)| {
                                selects(&selector, labels)
                                    && template["spec"]["containers"].as_array().into_iter().flatten().any(
                                        |container| {
                                            container["ports"]
                                                .as_array()
                                                .into_iter()
                                                .flatten()
                                                .any(|p| p["name"] == target)
                                        },
                                    )
                            });
                            if !named {
                                failures.push(at(
                                    path,
                                    format!("Service port targets `{target}`, which no selected container declares"),
                                ));
                            }
                        }
                    }
                    "PodDisruptionBudget" => {
                        let selector = string_map(&document["spec"]["selector"]["matchLabels"]);
                        if !pods.iter().any(|(_, labels)| selects(&selector, labels)) {
                            failures.push(at(path, "PodDisruptionBudget selects no pods".to_owned()));
                        }
                    }
                    "HorizontalPodAutoscaler" => {
                        let target = document["spec"]["scaleTargetRef"]["name"].as_str().unwrap_or_default();
                        if !deployments.contains(target) {
                            failures.push(at(
                                path,
                                format!("HorizontalPodAutoscaler scales `{target}`, not a Deployment here"),
                            ));
                        }
                    }
                    "ServiceMonitor" => {
                        let selector = string_map(&document["spec"]["selector"]["matchLabels"]);
                        if !services
                            .iter()
                            .any(|service| selects(&selector, &string_map(&service["metadata"]["labels"])))
                        {
                            failures.push(at(path, "ServiceMonitor selects no Service".to_owned()));
                        }
                        for endpoint in document["spec"]["endpoints"].as_array().into_iter().flatten() {
                            if let Some(port) = endpoint["port"].as_str() {
                                if !service_port_names.contains(port) {
                                    failures.push(at(
                                        path,
                                        format!("ServiceMonitor scrapes port `{port}`, which no Service names"),
                                    ));
                                }
                            } else if let Some(port) = endpoint["targetPort"].as_str() {
                                // A pod port behind the Service, by container port name.
                                let declared = pods.iter().any(|(template, _)| {
                                    template["spec"]["containers"].as_array().into_iter().flatten().any(|container| {
                                        container["ports"].as_array().into_iter().flatten().any(|p| p["name"] == port)
                                    })
                                });
                                if !declared {
                                    failures.push(at(
                                        path,
                                        format!("ServiceMonitor scrapes pod port `{port}`, which no container names"),
                                    ));
                                }
                            } else {
                                failures.push(at(path, "ServiceMonitor endpoint names no port".to_owned()));
                            }
                        }
                    }
                    "DestinationRule" => {
                        for subset in document["spec"]["subsets"].as_array().into_iter().flatten() {
                            let labels = string_map(&subset["labels"]);
                            let subset_name = subset["name"].as_str().unwrap_or_default();
                            let used = of_kind("VirtualService")
                                .iter()
                                .any(|service| service.to_string().contains(&format!("\"subset\":\"{subset_name}\"")));
                            if used && !pods.iter().any(|(_, pod_labels)| selects(&labels, pod_labels)) {
                                failures.push(at(
                                    path,
                                    format!("DestinationRule subset `{subset_name}` is routed to but matches no pods"),
                                ));
                            }
                        }
                    }
                    "NetworkPolicy" => {
                        let rules = document["spec"]["ingress"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .flat_map(|rule| rule["from"].as_array().into_iter().flatten())
                            .chain(
                                document["spec"]["egress"]
                                    .as_array()
                                    .into_iter()
                                    .flatten()
                                    .flat_map(|rule| rule["to"].as_array().into_iter().flatten()),
                            );
                        for peer in rules {
                            let (Some(namespace), Some(pod_selector)) = (
                                peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"].as_str(),
                                peer.get("podSelector").map(|selector| string_map(&selector["matchLabels"])),
                            ) else {
                                continue;
                            };
                            if !pod_selector.contains_key("app.kubernetes.io/name") {
                                continue;
                            }
                            let exists = pods_by_namespace
                                .get(namespace)
                                .is_some_and(|pods| pods.iter().any(|labels| selects(&pod_selector, labels)));
                            if !exists {
                                failures.push(at(
                                    path,
                                    format!("NetworkPolicy peer {pod_selector:?} in `{namespace}` matches no pods"),
                                ));
                            }
                        }
                    }
                    "Application" => {
                        let source = document["spec"]["source"]["path"].as_str().unwrap_or_default();
                        let rendered = folders.get(source);
                        let namespace = document["spec"]["destination"]["namespace"].as_str().unwrap_or_default();
                        match rendered {
                            None => {
                                failures
                                    .push(at(path, format!("Application path `{source}` is not a rendered folder")));
                            }
                            Some(objects) => {
                                if !objects.iter().any(|(_, object)| object["metadata"]["namespace"] == namespace) {
                                    failures.push(at(
                                        path,
                                        format!(
                                            "Application deploys to `{namespace}`, but `{source}` holds nothing for it"
                                        ),
                                    ));
                                }
                            }
                        }
                    }
                    _ => {}
                }
                let Some(template) = pod_template(document) else { continue };
                let spec = &template["spec"];
                if let Some(account) = spec["serviceAccountName"].as_str()
                    && !accounts.contains(account)
                {
                    failures
                        .push(at(path, format!("pods run as ServiceAccount `{account}`, which is not generated here")));
                }
                for volume in spec["volumes"].as_array().into_iter().flatten() {
                    if let Some(map) = volume["configMap"]["name"].as_str()
                        && !config_maps.contains(map)
                    {
                        failures
                            .push(at(path, format!("volume mounts ConfigMap `{map}`, which is not generated here")));
                    }
                    if let Some(secret) = volume["secret"]["secretName"].as_str()
                        && !produced_secrets.contains(secret)
                    {
                        failures
                            .push(at(path, format!("volume mounts Secret `{secret}`, which nothing here produces")));
                    }
                }
                let containers = spec["containers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .chain(spec["initContainers"].as_array().into_iter().flatten());
                for container in containers {
                    let port_names: BTreeSet<&str> = container["ports"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|port| port["name"].as_str())
                        .collect();
                    for env in container["env"].as_array().into_iter().flatten() {
                        if let Some(secret) = env["valueFrom"]["secretKeyRef"]["name"].as_str()
                            && !produced_secrets.contains(secret)
                        {
                            failures.push(at(
                                path,
                                format!("env `{}` reads Secret `{secret}`, which nothing here produces", env["name"]),
                            ));
                        }
                    }
                    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                        let handler = &container[probe];
                        for port in [&handler["httpGet"]["port"], &handler["tcpSocket"]["port"]] {
                            if let Some(port) = port.as_str()
                                && !port_names.contains(port)
                            {
                                failures.push(at(
                                    path,
                                    format!("{probe} uses port `{port}`, which the container does not name"),
                                ));
                            }
                        }
                    }
                }
            }
            let _ = folder;
        }
    }
    (failures, checked)
}
