//! The escape hatches, applied after generation and before emission, so the
//! guarantees hold for the final output: `patch KIND "path" value` sets one
//! value in the service's emitted objects of that kind, and `manifests
//! "folder"` adds the folder's Kubernetes objects to each environment's tree.
//! A patch that targets nothing is an error at its span; so is a patched or
//! extra object that no longer validates against its kind's upstream schema.

use crate::generate::value::{Map, Value};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::generate::{Manifest, deploy_path};
use crate::model;
use crate::schema;

/// Applies the service's patches to its manifests for one environment and
/// appends its extra manifests.
pub fn apply(service: &model::Service, manifests: &mut Vec<Manifest>, diagnostics: &mut Diagnostics) {
    for patch in &service.patches {
        let mut matched = 0;
        for manifest in manifests.iter_mut() {
            for document in &mut manifest.documents {
                if document.get("kind").and_then(Value::as_str) != Some(patch.kind.as_str()) {
                    continue;
                }
                matched += 1;
                if let Err(reason) = set(document, &patch.path, Value::from_json(&patch.value)) {
                    diagnostics.push(
                        Diagnostic::error("patch::invalid-path", patch.span, format!("cannot patch `{}`: {reason}", patch.kind))
                            .primary_text("this patch")
                            .help("a path is keys and list indices joined by `.`, e.g. \"spec.template.spec.containers.0.image\""),
                    );
                    continue;
                }
                if let Some(problem) = schema::check(&document.to_json()) {
                    diagnostics.push(
                        Diagnostic::error(
                            "patch::breaks-schema",
                            patch.span,
                            format!("the patched `{}` is no longer valid: {problem}", patch.kind),
                        )
                        .primary_text("this patch")
                        .help("check the field's name and type in the Kubernetes API reference"),
                    );
                }
            }
        }
        if matched == 0 {
            let kinds: Vec<&str> = manifests
                .iter()
                .flat_map(|manifest| &manifest.documents)
                .filter_map(|document| document.get("kind")?.as_str())
                .collect();
            diagnostics.push(
                Diagnostic::error(
                    "patch::no-target",
                    patch.span,
                    format!("`{}` emits no `{}`", service.name, patch.kind),
                )
                .primary_text("targets nothing")
                .help_opt(crate::diagnostic::did_you_mean(&patch.kind, kinds.iter().copied()).or_else(
                    || {
                        let mut kinds = kinds.clone();
                        kinds.sort_unstable();
                        kinds.dedup();
                        Some(format!("it emits {}", kinds.join(", ")))
                    },
                )),
            );
        }
    }
    for extra in &service.manifests {
        let path = deploy_path(service, &extra.name);
        if manifests.iter().any(|manifest| manifest.path == path) {
            diagnostics.push(
                Diagnostic::error(
                    "patch::file-conflict",
                    extra.span,
                    format!("`{}` would replace a generated file", extra.name),
                )
                .primary_text("in this folder")
                .help("rename the file in the manifests folder"),
            );
            continue;
        }
        for document in &extra.documents {
            if let Some(problem) = schema::check(document) {
                diagnostics.push(
                    Diagnostic::error(
                        "patch::breaks-schema",
                        extra.span,
                        format!("`{}` is not a valid object: {problem}", extra.name),
                    )
                    .primary_text("in this folder")
                    .help("fix the file; it is checked against the kind's upstream schema"),
                );
            }
        }
        let mut documents: Vec<Value> = extra.documents.iter().map(Value::from_json).collect();
        for document in &mut documents {
            if document.get("metadata").and_then(|metadata| metadata.get("namespace")).is_none()
                && document.get("metadata").is_some()
            {
                // Namespaced objects land in the service's namespace unless they say otherwise.
                if schema::is_namespaced(document.get("kind").and_then(Value::as_str)) {
                    document["metadata"]["namespace"] = Value::from(service.namespace.clone());
                }
            }
        }
        manifests.push(Manifest { path, source: service.spec_path.clone(), documents });
    }
}

/// Sets `path` in `value` to `new`, creating missing objects; `null` removes the key.
fn set(value: &mut Value, path: &[String], new: Value) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else { return Err("the path is empty".to_owned()) };
    let mut current = value;
    for (depth, segment) in parents.iter().enumerate() {
        current = step(current, segment, &path[..=depth])?;
    }
    match current {
        Value::Object(map) => {
            if new.is_null() {
                map.remove(last);
            } else {
                map.insert(last.clone(), new);
            }
            Ok(())
        }
        Value::Array(items) => {
            let index: usize = last
                .parse()
                .map_err(|_| format!("`{}` is a list: index it with a number", path[..path.len() - 1].join(".")))?;
            let slot = items
                .get_mut(index)
                .ok_or_else(|| format!("`{}` has no item {index}", path[..path.len() - 1].join(".")))?;
            *slot = new;
            Ok(())
        }
        _ => Err(format!("`{}` is not an object or a list", path[..path.len() - 1].join("."))),
    }
}

fn step<'v>(current: &'v mut Value, segment: &str, so_far: &[String]) -> Result<&'v mut Value, String> {
    match current {
        Value::Object(map) => Ok(map.entry_or_insert_with(segment, || Value::Object(Map::new()))),
        Value::Array(items) => {
            let index: usize = segment
                .parse()
                .map_err(|_| format!("`{}` is a list: index it with a number", so_far[..so_far.len() - 1].join(".")))?;
            let length = items.len();
            items.get_mut(index).ok_or_else(|| {
                format!("`{}` has {length} items, not {}", so_far[..so_far.len() - 1].join("."), index + 1)
            })
        }
        _ => Err(format!("`{}` is not an object or a list", so_far[..so_far.len() - 1].join("."))),
    }
}

#[cfg(test)]
mod tests {
    use super::set;
    use crate::generate::value::Value;

    macro_rules! json {
        ($($value:tt)+) => {
            Value::from_json(&serde_json::json!($($value)+))
        };
    }

    fn path(text: &str) -> Vec<String> {
        text.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn sets_creates_indexes_and_removes() {
        let mut value = json!({ "spec": { "containers": [{ "name": "a" }] } });
        set(&mut value, &path("spec.template.priority"), json!("high")).unwrap();
        set(&mut value, &path("spec.containers.0.image"), json!("x:1")).unwrap();
        set(&mut value, &path("spec.containers.0.name"), json!(null)).unwrap();
        assert_eq!(
            value,
            json!({ "spec": { "containers": [{ "image": "x:1" }], "template": { "priority": "high" } } })
        );
        assert!(set(&mut value, &path("spec.containers.3.image"), json!("y")).is_err());
        assert!(set(&mut value, &path("spec.containers.first"), json!("y")).is_err());
        assert!(set(&mut value, &path("spec.template.priority.x"), json!("y")).is_err());
    }
}
