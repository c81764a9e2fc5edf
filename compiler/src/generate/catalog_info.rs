//! `catalog-info.yaml` (Backstage): the service's Component with its API and Resource entities, and the platform's Groups, Systems and Location.
//!
//! Each service gets `<folder>/catalog-info.yaml` beside its spec: its
//! `Component`, an `API` per `provides-api` and a `Resource` per `database`.
//! The catalog describes the service as it runs in production (the
//! environment named `production`, else the last in promotion order).
//!
//! The platform gets `platform/backstage/`: `groups.yaml` (a `Group` per
//! declared team), `systems.yaml` (a `System` per declared system) and
//! `location.yaml`, a `Location` listing those and every service's
//! `catalog-info.yaml`, so Backstage needs one registered URL for the whole
//! repository however many services it grows. The Location is written when
//! it gathers more than one file: a repository with one service and no teams
//! or systems registers that service's `catalog-info.yaml` directly, and
//! stays free of a `platform/` folder it has no other use for.
//!
//! Entity names are service, API, database, team and system names, which
//! `resolve` has already checked as DNS labels (valid Backstage names);
//! tags are normalised to Backstage's tag syntax here.

use std::collections::BTreeSet;

use super::value::{Map, Value};

use super::application::application_name;
use super::{Manifest, folder_prefix};
use crate::model::{self, Protocol};

const API_VERSION: &str = "backstage.io/v1alpha1";

/// The owner written when neither the service nor its system names one:
/// Backstage requires an owner, and a visible placeholder is easier to find
/// and fix than a guess.
const UNOWNED: &str = "unowned";

/// Where the platform's entities go.
const PLATFORM_FOLDER: &str = "platform/backstage";

pub(super) fn catalog_info(environments: &[model::Service], platform: &model::Platform) -> Option<Manifest> {
    let service = production(environments)?;
    let owner = owner(service, platform);
    let mut documents = vec![component(service, platform, &owner)];
    documents.extend(service.provides_apis.iter().map(|api| api_entity(service, api, &owner)));
    documents.extend(service.databases.iter().map(|database| resource(service, database, &owner)));
    Some(Manifest { path: catalog_path(service), source: service.spec_path.clone(), documents })
}

pub(super) fn platform_entities(platform: &model::Platform, services: &[model::Service]) -> Vec<Manifest> {
    let mut files = Vec::new();
    if !platform.teams.is_empty() {
        let groups = platform.teams.iter().map(|(name, team)| group(name, team)).collect();
        files.push(Manifest {
            path: format!("{PLATFORM_FOLDER}/groups.yaml"),
            source: String::new(),
            documents: groups,
        });
    }
    if !platform.systems.is_empty() {
        let systems = platform.systems.iter().map(|(name, system)| system_entity(name, system)).collect();
        files.push(Manifest {
            path: format!("{PLATFORM_FOLDER}/systems.yaml"),
            source: String::new(),
            documents: systems,
        });
    }
    // Every service once (`services` holds each in every environment), by path.
    let catalogs: BTreeSet<String> = services.iter().map(catalog_path).collect();
    let mut targets: Vec<String> = files.iter().map(|file| format!("./{}", file_name(&file.path))).collect();
    targets.extend(catalogs.iter().map(|path| format!("../../{path}")));
    // One file is registered as it is; a Location earns its place by
    // gathering several (a zero-config single service gets none).
    if targets.len() < 2 {
        return files;
    }
    let (name, description) = match &platform.github_repository {
        Some(repository) => (
            entity_name(repository).unwrap_or_else(|| "platc".to_owned()),
            format!("The catalog entities platc generates for {repository}"),
        ),
        None => ("platc".to_owned(), "The catalog entities platc generates".to_owned()),
    };
    let location = json!({
        "apiVersion": API_VERSION,
        "kind": "Location",
        "metadata": { "name": name, "description": description },
        "spec": { "targets": targets },
    });
    files.push(Manifest {
        path: format!("{PLATFORM_FOLDER}/location.yaml"),
        source: String::new(),
        documents: vec![location],
    });
    files
}

/// The service as the catalog describes it.
fn production(environments: &[model::Service]) -> Option<&model::Service> {
    environments.iter().find(|service| service.environment == "production").or_else(|| environments.last())
}

/// `<folder>/catalog-info.yaml`.
fn catalog_path(service: &model::Service) -> String {
    format!("{}catalog-info.yaml", folder_prefix(&service.folder))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The service's owner, else its system's.
fn declared_owner<'a>(service: &'a model::Service, platform: &'a model::Platform) -> Option<&'a str> {
    service.owner.as_deref().or_else(|| {
        let system = platform.systems.get(service.system.as_deref()?)?;
        system.owner.as_deref()
    })
}

fn owner(service: &model::Service, platform: &model::Platform) -> String {
    declared_owner(service, platform).unwrap_or(UNOWNED).to_owned()
}

fn component(service: &model::Service, platform: &model::Platform, owner: &str) -> Value {
    let mut annotations = Map::new();
    let mut annotate = |key: &str, value: String| {
        annotations.insert(key.to_owned(), Value::from(value));
    };
    if let Some(repository) = &platform.github_repository {
        annotate("github.com/project-slug", repository.clone());
    }
    // The Kubernetes plugin finds the service's objects by the label
    // selector, over the labels every object already carries.
    annotate("backstage.io/kubernetes-id", service.name.clone());
    annotate("backstage.io/kubernetes-namespace", service.namespace.clone());
    annotate("backstage.io/kubernetes-label-selector", format!("app.kubernetes.io/name={}", service.name));
    if platform.gitops.is_some() {
        annotate("argocd/app-name", application_name(&service.name, &service.environment));
    }
    if let Some(grafana) =
        platform.grafana.as_ref().filter(|_| super::grafana_dashboard::has_dashboard(service, platform))
    {
        annotate("grafana/dashboard-url", super::grafana_dashboard::dashboard_url(service, grafana));
    }
    annotate("backstage.io/techdocs-ref", "dir:.".to_owned());
    for (key, template) in &platform.catalog_annotations {
        let owner = declared_owner(service, platform);
        if let Some(value) = fill(template, &service.name, service.system.as_deref(), owner) {
            annotate(key, value);
        }
    }

    let mut depends_on: Vec<String> =
        service.depends_on.iter().map(|dependency| format!("component:{}", dependency.service)).collect();
    depends_on.extend(service.databases.iter().map(|database| format!("resource:{}", database.name)));
    json!({
        "apiVersion": API_VERSION,
        "kind": "Component",
        "metadata": {
            "name": service.name,
            "description": service.description,
            "annotations": move annotations,
            "tags": tags(service),
        },
        "spec": {
            "type": service.catalog.get("type").map_or("service", String::as_str),
            "lifecycle": lifecycle(service),
            "owner": owner,
            "system": service.system,
            "subcomponentOf": service.catalog.get("subcomponent-of"),
            "dependsOn": non_empty(depends_on),
            "providesApis": non_empty(service.provides_apis.clone()),
            "consumesApis": non_empty(service.consumes_apis.clone()),
        },
    })
}

fn lifecycle(service: &model::Service) -> &str {
    service.catalog.get("lifecycle").map_or("production", String::as_str)
}

/// `None` for an empty list, which the emitter leaves out.
fn non_empty(items: Vec<String>) -> Option<Vec<String>> {
    (!items.is_empty()).then_some(items)
}

/// A `catalog-annotations` template with `{service}`, `{system}` and
/// `{owner}` filled in; `None` when it names a value the service lacks.
/// Other braces are kept as written.
fn fill(template: &str, service: &str, system: Option<&str>, owner: Option<&str>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.push_str(&rest[..open]);
        let placeholder = &rest[open + 1..open + close];
        match placeholder {
            "service" => out.push_str(service),
            "system" => out.push_str(system?),
            "owner" => out.push_str(owner?),
            _ => out.push_str(&rest[open..=open + close]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The namespace when it names a domain (the article's `payments`: neither
/// the service's own namespace nor its system's), the tier, the language and
/// the kind.
fn tags(service: &model::Service) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let domain = service.namespace != service.name && service.system.as_deref() != Some(service.namespace.as_str());
    let candidates = [
        domain.then_some(service.namespace.as_str()),
        Some(service.tier.as_str()),
        service.language.as_deref(),
        Some(service.kind.as_str()),
    ];
    for tag in candidates.into_iter().flatten().filter_map(tag) {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags
}

/// A Backstage tag: `[a-z0-9:+#]` runs joined by single `-`, at most 63
/// characters. Other characters become `-`; `None` when nothing is left.
fn tag(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let mut out = String::new();
    for character in lower.chars() {
        if character.is_ascii_lowercase() || character.is_ascii_digit() || ":+#".contains(character) {
            out.push(character);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.truncate(63);
    let out = out.trim_end_matches('-');
    (!out.is_empty()).then(|| out.to_owned())
}

/// A Backstage entity name: `[a-zA-Z0-9]` runs joined by one of `-_.`, at
/// most 63 characters. Other characters become `-`; `None` when nothing is left.
fn entity_name(text: &str) -> Option<String> {
    let mut out = String::new();
    for character in text.chars() {
        if character.is_ascii_alphanumeric() {
            out.push(character);
        } else if !out.is_empty() && !out.ends_with(['-', '_', '.']) {
            out.push(if "-_.".contains(character) { character } else { '-' });
        }
    }
    out.truncate(63);
    let out = out.trim_end_matches(['-', '_', '.']);
    (!out.is_empty()).then(|| out.to_owned())
}

/// An API the service provides. Backstage requires a definition; the service
/// publishes none, so this is a minimal valid document of the API's type
/// (type `grpc` when the service serves gRPC, else `openapi`) that says so, and
/// renders as an API without operations rather than as an error.
fn api_entity(service: &model::Service, api: &str, owner: &str) -> Value {
    let grpc = service.ports.iter().any(|port| port.expose && port.protocol == Protocol::Grpc);
    let note = format!("Placeholder written by platc: {} publishes no definition of {api}.", service.name);
    let (kind, definition) = if grpc {
        ("grpc", format!("// {note}\nsyntax = \"proto3\";\n"))
    } else {
        (
            "openapi",
            format!(
                "openapi: 3.0.3\ninfo:\n  title: {api}\n  version: unversioned\n  description: \"{note}\"\npaths: {{}}\n"
            ),
        )
    };
    json!({
        "apiVersion": API_VERSION,
        "kind": "API",
        "metadata": {
            "name": api,
            "description": format!("Provided by {}", service.name),
        },
        "spec": {
            "type": kind,
            "lifecycle": lifecycle(service),
            "owner": owner,
            "system": service.system,
            "definition": move definition,
        },
    })
}

/// A database the service claims.
fn resource(service: &model::Service, database: &model::Database, owner: &str) -> Value {
    json!({
        "apiVersion": API_VERSION,
        "kind": "Resource",
        "metadata": {
            "name": database.name,
            "description": format!(
                "{} database of {} ({} GB, class {})",
                database.engine, service.name, database.storage_gb, database.class
            ),
            "tags": tag(&database.engine).map(|engine| vec![engine]),
        },
        "spec": {
            "type": "database",
            "owner": owner,
            "system": service.system,
        },
    })
}

fn group(name: &str, team: &model::Team) -> Value {
    json!({
        "apiVersion": API_VERSION,
        "kind": "Group",
        "metadata": { "name": name, "description": team.description },
        "spec": {
            "type": "team",
            "profile": team.email.as_ref().map(|email| json!({ "email": email })),
            "children": [],
        },
    })
}

fn system_entity(name: &str, system: &model::System) -> Value {
    json!({
        "apiVersion": API_VERSION,
        "kind": "System",
        "metadata": { "name": name, "description": system.description },
        "spec": { "owner": system.owner.as_deref().unwrap_or(UNOWNED) },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_backstage_syntax() {
        assert_eq!(tag("Go").as_deref(), Some("go"));
        assert_eq!(tag("C++").as_deref(), Some("c++"));
        assert_eq!(tag("C#").as_deref(), Some("c#"));
        assert_eq!(tag("Type Script!").as_deref(), Some("type-script"));
        assert_eq!(tag("--node--js--").as_deref(), Some("node-js"));
        assert_eq!(tag("!!!"), None);
        assert_eq!(tag(&"a".repeat(70)).map(|tag| tag.len()), Some(63));
    }

    #[test]
    fn annotation_templates_are_filled_in() {
        let fill = |template| fill(template, "pay", Some("checkout"), None);
        assert_eq!(fill("{service}").as_deref(), Some("pay"));
        assert_eq!(fill("{system}/{service}").as_deref(), Some("checkout/pay"));
        assert_eq!(fill("team-{owner}"), None);
        assert_eq!(fill("{other} {service").as_deref(), Some("{other} {service"));
        assert_eq!(fill("plain").as_deref(), Some("plain"));
    }

    #[test]
    fn entity_names_follow_backstage_syntax() {
        assert_eq!(entity_name("acme/platform").as_deref(), Some("acme-platform"));
        assert_eq!(entity_name("my_org/.github").as_deref(), Some("my_org-github"));
        assert_eq!(entity_name("--").as_deref(), None);
        assert_eq!(entity_name(&format!("{}-b", "a".repeat(62))).as_deref(), Some("a".repeat(62).as_str()));
    }
}
