//! Every manifest of every built fixture validates against the upstream JSON
//! Schema of its kind (schemas/upstream/, strict: unknown fields are errors).
//! Documents are read back from the emitted bytes with an independent YAML
//! parser, so this also proves the YAML says what the generator meant.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::support::{BUILT_FIXTURES, load, repo_root};

/// The schema file for an `apiVersion` and `kind`, if we have one.
fn schema_path(api_version: &str, kind: &str) -> Option<PathBuf> {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = kind.to_lowercase();
    let name = if group.is_empty() {
        format!("{kind}-{version}.json")
    } else {
        format!("{kind}-{}-{version}.json", group.split('.').next().unwrap_or(group))
    };
    let path = repo_root().join("schemas/upstream/kubernetes/v1.32.0").join(name);
    path.is_file().then_some(path)
}

/// Parses one emitted file (one or more YAML documents) into JSON values.
pub(crate) fn documents(text: &str) -> Vec<Value> {
    text.split("\n---\n")
        .map(|document| serde_saphyr::from_str::<Value>(document).unwrap_or_else(|error| panic!("{error}\n{document}")))
        .collect()
}

#[test]
fn every_manifest_validates_against_its_upstream_schema() {
    let mut validators: BTreeMap<PathBuf, jsonschema::Validator> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    for name in BUILT_FIXTURES {
        let compilation = platc::compile(&load(name));
        assert!(!compilation.diagnostics.has_errors(), "fixtures/{name} has errors");
        for (path, text) in compilation.files.iter() {
            for document in documents(text) {
                let api_version = document["apiVersion"].as_str().unwrap_or_default().to_owned();
                let kind = document["kind"].as_str().unwrap_or_default().to_owned();
                let Some(schema_path) = schema_path(&api_version, &kind) else {
                    failures.push(format!("{name}/{path}: no schema for {api_version} {kind}"));
                    continue;
                };
                let validator = validators.entry(schema_path.clone()).or_insert_with(|| {
                    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
                    jsonschema::validator_for(&schema).unwrap()
                });
                for error in validator.iter_errors(&document) {
                    failures.push(format!("{name}/{path}: {} at {}", error, error.instance_path()));
                }
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
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(schema_path("apps/v1", "Deployment").expect("deployment schema")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let compilation = platc::compile(&load("minimal"));
    let text = compilation.files.get("deploy/production/deployment.yaml").expect("minimal has a deployment");
    let mut document = documents(text).remove(0);
    assert!(validator.is_valid(&document));
    document["spec"]["replicaz"] = Value::from(3);
    assert!(!validator.is_valid(&document));
    document["spec"].as_object_mut().unwrap().remove("replicaz");
    document["spec"]["revisionHistoryLimit"] = Value::from("five");
    assert!(!validator.is_valid(&document));
}
