//! Link: the checks and facts that need every service at once: unique names,
//! dependencies that exist, and each dependency's address.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::model::{self, Kind};
use crate::source::Span;

/// What other services need to know of one service in one environment.
#[derive(Debug, Clone)]
struct Target {
    namespace: String,
    /// The first port the Service publishes.
    service_port: Option<u16>,
    /// The container ports behind the Service's ports.
    ports: Vec<u16>,
    kind: Kind,
}

/// Fills in dependency addresses and reports names that do not resolve.
/// `names` holds each service's name and the span that declares it, in input order.
pub fn link(services: &mut [Vec<model::Service>], names: &[(String, Span)], diagnostics: &mut Diagnostics) {
    let mut first_declared: BTreeMap<&str, Span> = BTreeMap::new();
    for (name, span) in names {
        if let Some(first) = first_declared.get(name.as_str()) {
            diagnostics.push(
                Diagnostic::error("resolve::duplicate-service", *span, format!("service `{name}` is defined twice"))
                    .primary_text("second definition")
                    .label(*first, "first definition")
                    .help("service names are unique across the repository: rename one"),
            );
        } else {
            first_declared.insert(name, *span);
        }
    }
    // Environment → service → target: looked up by borrowed names.
    let mut targets: BTreeMap<String, BTreeMap<String, Target>> = BTreeMap::new();
    for service in services.iter().flatten() {
        let service_port = service.ports.iter().find(|port| port.expose).map(|port| port.service_port);
        let in_environment = match targets.get_mut(service.environment.as_str()) {
            Some(in_environment) => in_environment,
            None => targets.entry(service.environment.clone()).or_default(),
        };
        if in_environment.contains_key(service.name.as_str()) {
            continue;
        }
        in_environment.insert(
            service.name.clone(),
            Target {
                namespace: service.namespace.clone(),
                service_port,
                ports: service.ports.iter().filter(|port| port.expose).map(|port| port.number).collect(),
                kind: service.kind,
            },
        );
    }
    let known: Vec<&str> = first_declared.keys().copied().collect();
    for service in services.iter_mut().flatten() {
        let in_environment = targets.get(service.environment.as_str());
        let namespace = &service.namespace;
        for dependency in service.depends_on.iter_mut().filter(|dependency| !dependency.external) {
            let Some(target) = in_environment.and_then(|targets| targets.get(dependency.service.as_str())) else {
                if !first_declared.contains_key(dependency.service.as_str()) {
                    diagnostics.push(
                        Diagnostic::error(
                            "resolve::unknown-service",
                            dependency.span,
                            format!("no service is named `{}`", dependency.service),
                        )
                        .primary_text("unknown dependency")
                        .help(
                            did_you_mean(&dependency.service, known.iter().copied())
                                .unwrap_or_else(|| "`depends-on` names a service of this repository".to_owned()),
                        ),
                    );
                }
                continue;
            };
            dependency.namespace = Some(target.namespace.clone());
            dependency.ports.clone_from(&target.ports);
            let host = if target.namespace == *namespace {
                dependency.service.clone()
            } else {
                format!("{}.{}.svc.cluster.local", dependency.service, target.namespace)
            };
            match target.service_port {
                Some(port) if target.kind != Kind::Cron => dependency.address = Some(format!("{host}:{port}")),
                _ if dependency.env.is_some() => {
                    let (why, help) = if target.kind == Kind::Cron {
                        ("is a cron job", "a cron job serves no traffic: remove `env=`")
                    } else {
                        ("publishes no port", "remove `env=`, or give the dependency a `port`")
                    };
                    diagnostics.push(
                        Diagnostic::error(
                            "resolve::no-address",
                            dependency.span,
                            format!("`{}` {why}, so it has no address", dependency.service),
                        )
                        .primary_text("no address to pass in")
                        .help(help),
                    );
                }
                _ => {}
            }
        }
    }
    let mut dependents: BTreeMap<(String, String), Vec<model::Dependent>> = BTreeMap::new();
    for service in services.iter().flatten() {
        for dependency in &service.depends_on {
            dependents
                .entry((dependency.service.clone(), service.environment.clone()))
                .or_default()
                .push(model::Dependent { service: service.name.clone(), namespace: service.namespace.clone() });
        }
    }
    for service in services.iter_mut().flatten() {
        if let Some(list) = dependents.remove(&(service.name.clone(), service.environment.clone())) {
            service.dependents = list;
            service.dependents.sort_by(|left, right| left.service.cmp(&right.service));
        }
    }
    let provided: BTreeMap<&str, &str> = services
        .iter()
        .flatten()
        .flat_map(|service| service.provides_apis.iter().map(move |api| (api.as_str(), service.name.as_str())))
        .collect();
    let mut reported = std::collections::BTreeSet::new();
    for service in services.iter().flatten() {
        if !reported.insert(service.name.clone()) {
            continue;
        }
        let api_span = service.origin("consumes-api");
        for api in &service.consumes_apis {
            if !provided.contains_key(api.as_str()) {
                let Some(span) = api_span else { continue };
                let names: Vec<&str> = provided.keys().copied().collect();
                diagnostics.push(
                    Diagnostic::error("resolve::unknown-api", span, format!("no service provides the API `{api}`"))
                        .primary_text("consumed here")
                        .help(
                            did_you_mean(api, names.iter().copied()).unwrap_or_else(|| {
                                format!("declare `provides-api {api}` on the service that serves it")
                            }),
                        ),
                );
            }
        }
        if let Some(span) = first_declared.get(service.name.as_str()) {
            derived_names(service, *span, diagnostics);
        }
    }
}

/// Kubernetes names and label values are at most 63 characters; the names
/// platc derives from a service's name must fit too.
/// `span` declares the service's name.
fn derived_names(service: &model::Service, span: Span, diagnostics: &mut Diagnostics) {
    let mut derived = vec![format!("{}-secrets", service.name), format!("{}-config", service.name)];
    if service.canary.as_ref().is_some_and(|canary| canary.image.is_some()) {
        derived.push(format!("{}-canary", service.name));
    }
    if !service.migrate.is_empty() {
        derived.push(format!("{}-migrate", service.name));
    }
    derived.extend(service.databases.iter().map(|database| format!("{}-credentials", database.name)));
    if let Some(longest) = derived.iter().filter(|name| name.len() > 63).max_by_key(|name| name.len()) {
        let over = longest.len() - 63;
        diagnostics.push(
            Diagnostic::error(
                "resolve::name-too-long",
                span,
                format!("the derived name `{longest}` is longer than 63 characters"),
            )
            .primary_text("too long to derive names from")
            .help(format!("shorten this name by at least {over} characters")),
        );
    }
}
