//! Every document of every built fixture validates against the upstream JSON
//! Schema of its kind (schemas/upstream/, strict: unknown fields are errors).
//! Documents are read back from the emitted bytes with an independent YAML
//! parser, so this also proves the YAML says what the generator meant.
//!
//! Lookup: Kubernetes core kinds by `<kind>-<group>-<version>.json`; custom
//! resources by `crds/<group>/<kind>_<version>.json`, whose schemas leave the
//! top level and `metadata` open, so the top-level keys are pinned here and
//! `metadata` is checked against the strict ObjectMeta schema; Backstage
//! entities by kind, in a registry of all Backstage schemas; GitHub workflows
//! by path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{BUILT_FIXTURES, load, repo_root};

fn upstream() -> PathBuf {
    repo_root().join("schemas/upstream")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display())))
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Which schema checks a document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SchemaKind {
    Kubernetes(PathBuf),
    CustomResource(PathBuf),
    Backstage(String),
    Workflow,
}

fn schema_kind(path: &str, document: &Value) -> Option<SchemaKind> {
    if path.starts_with(".github/workflows/") || path.contains("/.github/workflows/") {
        return Some(SchemaKind::Workflow);
    }
    let api_version = document["apiVersion"].as_str()?;
    let kind = document["kind"].as_str()?;
    if api_version.starts_with("backstage.io/") {
        let version = api_version.split_once('/')?.1;
        return Some(SchemaKind::Backstage(format!("{kind}.{version}.schema.json")));
    }
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let lower = kind.to_lowercase();
    let core_name = if group.is_empty() {
        format!("{lower}-{version}.json")
    } else {
        format!("{lower}-{}-{version}.json", group.split('.').next().unwrap_or(group))
    };
    let core = upstream().join("kubernetes/v1.32.0").join(core_name);
    if group.is_empty() || !group.contains('.') || group.ends_with(".k8s.io") && core.is_file() {
        return core.is_file().then_some(SchemaKind::Kubernetes(core));
    }
    let custom = upstream().join("crds").join(group).join(format!("{lower}_{version}.json"));
    custom.is_file().then_some(SchemaKind::CustomResource(custom))
}

/// Compiled validators, one per schema.
#[derive(Default)]
struct Schemas {
    validators: BTreeMap<SchemaKind, jsonschema::Validator>,
    object_meta: Option<jsonschema::Validator>,
}

impl Schemas {
    fn validator(&mut self, kind: &SchemaKind) -> &jsonschema::Validator {
        self.validators.entry(kind.clone()).or_insert_with(|| match kind {
            SchemaKind::Kubernetes(path) | SchemaKind::CustomResource(path) => {
                jsonschema::validator_for(&read_json(path)).unwrap()
            }
            SchemaKind::Workflow => {
                jsonschema::validator_for(&read_json(&upstream().join("github/github-workflow.json"))).unwrap()
            }
            SchemaKind::Backstage(file) => {
                let base = "https://backstage.io/schemas/";
                let mut resources = Vec::new();
                for entry in std::fs::read_dir(upstream().join("backstage")).unwrap() {
                    let path = entry.unwrap().path();
                    if path.extension().is_some_and(|extension| extension == "json") {
                        let schema = read_json(&path);
                        let id = schema["$id"].as_str().unwrap().to_owned();
                        resources.push((format!("{base}{id}"), jsonschema::Resource::from_contents(schema)));
                    }
                }
                let registry = jsonschema::Registry::new().extend(resources).unwrap().prepare().unwrap();
                let schema = read_json(&upstream().join("backstage").join(file));
                jsonschema::options().with_base_uri(base).with_registry(&registry).build(&schema).unwrap()
            }
        })
    }

    /// Every problem with one document, as text.
    fn check(&mut self, path: &str, document: &Value) -> Vec<String> {
        let Some(kind) = schema_kind(path, document) else {
            return vec![format!(
                "{path}: no schema for {} {}",
                document["apiVersion"].as_str().unwrap_or("?"),
                document["kind"].as_str().unwrap_or("?")
            )];
        };
        let mut problems: Vec<String> = self
            .validator(&kind)
            .iter_errors(document)
            .map(|error| format!("{path}: {error} at `{}`", error.instance_path()))
            .collect();
        if let SchemaKind::CustomResource(schema_path) = &kind {
            let schema = read_json(schema_path);
            let known =
                schema["properties"].as_object().map(|map| map.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
            for key in document.as_object().map(|map| map.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
                if !["apiVersion", "kind", "metadata"].contains(&key.as_str()) && !known.contains(&key) {
                    problems.push(format!("{path}: unknown top-level field `{key}`"));
                }
            }
            let meta = self.object_meta.get_or_insert_with(|| {
                jsonschema::validator_for(&read_json(&upstream().join("kubernetes/v1.32.0/objectmeta-meta-v1.json")))
                    .unwrap()
            });
            problems.extend(
                meta.iter_errors(&document["metadata"])
                    .map(|error| format!("{path}: metadata: {error} at `{}`", error.instance_path())),
            );
        }
        problems
    }
}

/// Parses one emitted file (one or more YAML documents) into JSON values.
pub(crate) fn documents(text: &str) -> Vec<Value> {
    text.split("\n---\n")
        .map(|document| serde_saphyr::from_str::<Value>(document).unwrap_or_else(|error| panic!("{error}\n{document}")))
        .collect()
}

#[test]
fn every_document_validates_against_its_upstream_schema() {
    let mut schemas = Schemas::default();
    let mut failures = Vec::new();
    let mut checked = 0;
    for name in BUILT_FIXTURES {
        let compilation = platc::compile(&load(name));
        assert!(!compilation.diagnostics.has_errors(), "fixtures/{name} has errors");
        for (path, text) in compilation.files.iter() {
            for document in documents(text) {
                failures.extend(schemas.check(&format!("{name}/{path}"), &document));
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} documents checked");
    assert!(failures.is_empty(), "schema violations:\n{}", failures.join("\n"));
}

#[test]
fn schema_validation_catches_a_broken_manifest() {
    // The check above must be able to fail: an unknown field and a wrong type.
    let mut schemas = Schemas::default();
    let compilation = platc::compile(&load("minimal"));
    let text = compilation.files.get("deploy/production/deployment.yaml").expect("minimal has a deployment");
    let mut document = documents(text).remove(0);
    assert!(schemas.check("deployment.yaml", &document).is_empty());
    document["spec"]["replicaz"] = Value::from(3);
    assert!(!schemas.check("deployment.yaml", &document).is_empty());
    document["spec"].as_object_mut().unwrap().remove("replicaz");
    document["spec"]["revisionHistoryLimit"] = Value::from("five");
    assert!(!schemas.check("deployment.yaml", &document).is_empty());

    let custom = serde_json::json!({
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": { "name": "api", "namespace": "api" },
        "spec": { "selector": {}, "endpoints": [{ "port": "http" }] },
    });
    assert_eq!(schemas.check("sm.yaml", &custom), Vec::<String>::new());
    let mut extra_top = custom.clone();
    extra_top["extra"] = Value::from(1);
    assert!(!schemas.check("sm.yaml", &extra_top).is_empty());
    let mut bad_meta = custom.clone();
    bad_meta["metadata"]["nmae"] = Value::from("x");
    assert!(!schemas.check("sm.yaml", &bad_meta).is_empty());

    let component = serde_json::json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": { "name": "api" },
        "spec": { "type": "service", "lifecycle": "production", "owner": "team-a" },
    });
    assert_eq!(schemas.check("catalog-info.yaml", &component), Vec::<String>::new());
    let mut no_owner = component.clone();
    no_owner["spec"].as_object_mut().unwrap().remove("owner");
    assert!(!schemas.check("catalog-info.yaml", &no_owner).is_empty());

    let workflow = serde_json::json!({ "on": "push", "jobs": { "a": { "runs-on": "ubuntu-latest", "steps": [{ "run": "true" }] } } });
    assert_eq!(schemas.check(".github/workflows/ci.yaml", &workflow), Vec::<String>::new());
    assert!(!schemas.check(".github/workflows/ci.yaml", &serde_json::json!({ "on": "push" })).is_empty());
}
