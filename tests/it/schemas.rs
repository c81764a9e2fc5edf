//! Every document of every built fixture validates against the upstream JSON
//! Schema of its kind (schemas/upstream/, strict: unknown fields are errors).
//! Documents are read back from the emitted bytes with an independent YAML
//! parser, so this also proves the YAML says what the generator meant.
//!
//! Lookup: Kubernetes core kinds by `<kind>-<group>-<version>.json`; custom
//! resources by `crds/<group>/<kind>_<version>.json`, whose schemas leave the
//! top level and `metadata` open, so the top-level keys are pinned here and
//! `metadata` is checked against the strict `ObjectMeta` schema; Backstage
//! entities by kind, in a registry of all Backstage schemas; GitHub workflows
//! by path. Crossplane claims have no upstream schema: theirs is derived from
//! the `CompositeResourceDefinition` the same fixture generates (see
//! [`claim_schema`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{built_fixtures, load, repo_root};

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
pub(crate) struct Schemas {
    validators: BTreeMap<SchemaKind, jsonschema::Validator>,
    object_meta: Option<jsonschema::Validator>,
    /// The claims the current fixture's `CompositeResourceDefinitions` offer,
    /// by `apiVersion` and `kind`.
    claims: BTreeMap<(String, String), jsonschema::Validator>,
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
    pub(crate) fn check(&mut self, path: &str, document: &Value) -> Vec<String> {
        let claim_key = (
            document["apiVersion"].as_str().unwrap_or_default().to_owned(),
            document["kind"].as_str().unwrap_or_default().to_owned(),
        );
        if let Some(validator) = self.claims.get(&claim_key) {
            let mut problems: Vec<String> = validator
                .iter_errors(document)
                .map(|error| format!("{path}: {error} at `{}`", error.instance_path()))
                .collect();
            problems.extend(self.check_metadata(path, document));
            return problems;
        }
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
            problems.extend(self.check_metadata(path, document));
        }
        problems
    }

    /// `metadata` against the strict `ObjectMeta` schema.
    fn check_metadata(&mut self, path: &str, document: &Value) -> Vec<String> {
        let meta = self.object_meta.get_or_insert_with(|| {
            jsonschema::validator_for(&read_json(&upstream().join("kubernetes/v1.32.0/objectmeta-meta-v1.json")))
                .expect("the ObjectMeta schema compiles")
        });
        meta.iter_errors(&document["metadata"])
            .map(|error| format!("{path}: metadata: {error} at `{}`", error.instance_path()))
            .collect()
    }

    /// Replaces the known claims with those of one fixture's
    /// `CompositeResourceDefinition`s (claims are defined per repository).
    pub(crate) fn define_claims<'a>(&mut self, documents: impl IntoIterator<Item = &'a Value>) {
        self.claims.clear();
        for definition in documents {
            if definition["apiVersion"] != "apiextensions.crossplane.io/v1"
                || definition["kind"] != "CompositeResourceDefinition"
            {
                continue;
            }
            let spec = &definition["spec"];
            let (Some(group), Some(kind)) = (spec["group"].as_str(), spec["claimNames"]["kind"].as_str()) else {
                continue;
            };
            for version in spec["versions"].as_array().into_iter().flatten() {
                let name = version["name"].as_str().unwrap_or_default();
                let api_version = format!("{group}/{name}");
                let schema = claim_schema(&api_version, kind, &version["schema"]["openAPIV3Schema"]);
                let validator = jsonschema::validator_for(&schema).unwrap_or_else(|error| panic!("{kind}: {error}"));
                self.claims.insert((api_version, kind.to_owned()), validator);
            }
        }
    }
}

/// The spec fields Crossplane adds to every claim's schema (crossplane
/// `internal/xcrd/schemas.go`, `CompositeResourceClaimSpecProps`).
fn claim_spec_props() -> Value {
    let name_ref = serde_json::json!({
        "type": "object",
        "required": ["name"],
        "properties": { "name": { "type": "string" } },
    });
    let string_map = serde_json::json!({ "type": "object", "additionalProperties": { "type": "string" } });
    serde_json::json!({
        "compositionRef": name_ref,
        "compositionSelector": {
            "type": "object",
            "required": ["matchLabels"],
            "properties": { "matchLabels": string_map },
        },
        "compositionRevisionRef": name_ref,
        "compositionUpdatePolicy": { "type": "string", "enum": ["Automatic", "Manual"] },
        "compositeDeletePolicy": { "type": "string", "enum": ["Background", "Foreground"] },
        "resourceRef": {
            "type": "object",
            "required": ["apiVersion", "kind", "name"],
            "properties": {
                "apiVersion": { "type": "string" },
                "kind": { "type": "string" },
                "name": { "type": "string" },
            },
        },
        "publishConnectionDetailsTo": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": { "type": "string" },
                "configRef": { "type": "object", "properties": { "name": { "type": "string" } } },
                "metadata": {
                    "type": "object",
                    "properties": {
                        "labels": string_map,
                        "annotations": string_map,
                        "type": { "type": "string" },
                    },
                },
            },
        },
        "writeConnectionSecretToRef": name_ref,
    })
}

/// A claim's JSON Schema, derived as Crossplane derives the claim's CRD from
/// a definition's version schema: the definition's `spec` plus the fields
/// Crossplane adds, strict (no unknown fields wherever properties are
/// listed, as openapi2jsonschema makes CRD schemas), with `apiVersion` and
/// `kind` pinned and no top-level fields but `metadata` and `spec`.
fn claim_schema(api_version: &str, kind: &str, definition: &Value) -> Value {
    let mut spec = definition["properties"]["spec"].clone();
    if !spec.is_object() {
        spec = serde_json::json!({ "type": "object" });
    }
    if !spec["properties"].is_object() {
        spec["properties"] = serde_json::json!({});
    }
    for (name, property) in claim_spec_props().as_object().into_iter().flatten() {
        spec["properties"][name] = property.clone();
    }
    let mut schema = serde_json::json!({
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": { "const": api_version },
            "kind": { "const": kind },
            "metadata": { "type": "object" },
            "spec": spec,
        },
    });
    strict(&mut schema);
    schema
}

/// `additionalProperties: false` on every object schema that lists
/// properties and says nothing about others.
fn strict(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else { return };
    if map.contains_key("properties") && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".to_owned(), Value::Bool(false));
    }
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "properties" => value.as_object_mut().into_iter().flat_map(|map| map.values_mut()).for_each(strict),
            "items" | "additionalProperties" => strict(value),
            "allOf" | "anyOf" | "oneOf" => value.as_array_mut().into_iter().flatten().for_each(strict),
            _ => {}
        }
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
    for name in &built_fixtures() {
        let compilation = platc::compile(&load(name));
        assert!(!compilation.diagnostics.has_errors(), "fixtures/{name} has errors");
        let files: Vec<(String, Vec<Value>)> =
            compilation.files.iter().map(|(path, text)| (path.to_owned(), documents(text))).collect();
        schemas.define_claims(files.iter().flat_map(|(_, documents)| documents));
        for (path, documents) in &files {
            for document in documents {
                failures.extend(schemas.check(&format!("{name}/{path}"), document));
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

#[test]
fn claims_validate_against_the_schema_their_definition_derives() {
    type Breaking = (&'static str, fn(&mut Value));
    let mut schemas = Schemas::default();
    let compilation = platc::compile(&load("payment-service"));
    let all: Vec<Value> = compilation.files.iter().flat_map(|(_, text)| documents(text)).collect();
    let claim = all.iter().find(|document| document["kind"] == "PostgreSQLInstance").expect("a database claim").clone();
    assert!(!schemas.check("claim.yaml", &claim).is_empty(), "a claim without its definition has no schema");
    schemas.define_claims(&all);
    assert_eq!(schemas.check("claim.yaml", &claim), Vec::<String>::new());

    // Fields Crossplane adds to every claim are known.
    let mut injected = claim.clone();
    injected["spec"]["compositeDeletePolicy"] = Value::from("Foreground");
    injected["spec"]["compositionUpdatePolicy"] = Value::from("Manual");
    assert_eq!(schemas.check("claim.yaml", &injected), Vec::<String>::new());

    let broken: [Breaking; 9] = [
        ("unknown parameter", |claim| claim["spec"]["parameters"]["size"] = Value::from(1)),
        ("storage as text", |claim| claim["spec"]["parameters"]["storageGB"] = Value::from("20")),
        ("unknown tier", |claim| claim["spec"]["parameters"]["tier"] = Value::from("gold")),
        ("missing region", |claim| {
            claim["spec"]["parameters"].as_object_mut().unwrap().remove("region");
        }),
        ("unknown spec field", |claim| claim["spec"]["storage"] = Value::from(20)),
        ("a secret namespace (claims name only the secret)", |claim| {
            claim["spec"]["writeConnectionSecretToRef"]["namespace"] = Value::from("x");
        }),
        ("unknown policy", |claim| claim["spec"]["compositeDeletePolicy"] = Value::from("Later")),
        ("unknown top-level field", |claim| claim["status"] = serde_json::json!({})),
        ("misspelt metadata", |claim| claim["metadata"]["nmae"] = Value::from("x")),
    ];
    for (what, breaking) in broken {
        let mut document = claim.clone();
        breaking(&mut document);
        assert!(!schemas.check("claim.yaml", &document).is_empty(), "{what} passed");
    }
    let mut other_version = claim.clone();
    other_version["apiVersion"] = Value::from("database.platform.io/v9");
    assert!(!schemas.check("claim.yaml", &other_version).is_empty(), "a version the definition lacks passed");
}
