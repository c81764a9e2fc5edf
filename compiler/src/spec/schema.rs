//! The JSON Schema (draft 2020-12) of `platc.yaml`, generated from the field
//! table: each field's `doc` is its `description` and its [`Shape`] gives
//! the types. Committed as `schemas/platc.schema.json` (kept fresh by a test)
//! and printed by `platc schema`, so editors complete and check YAML specs.
//!
//! The schema follows the YAML rules of `syntax/mod.rs`: a field with
//! arguments may be `key: value` (its first argument) or a list of scalars
//! (its arguments); a field with keys is a mapping in which arguments are
//! written under their key; a repeated field may also be a list of mappings.
//! Child nodes are never scalars (a scalar would be a property).
//!
//! Built by hand with `serde_json` rather than derived with schemars: the spec
//! is not a set of serde structs but a table of fields over format-neutral
//! nodes, and several YAML spellings stand for one node.

use serde_json::{Map, Value, json};

use super::fields::{Child, Contexts, Field, Merge, SERVICE_FIELDS, Shape, Type};

/// Where the committed schema is published, for `$id` and the
/// `yaml-language-server` line that `platc new` writes.
pub fn url() -> String {
    let repository = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    let path = repository.strip_prefix("https://github.com/").unwrap_or(repository);
    format!("https://raw.githubusercontent.com/{path}/v{}/schemas/platc.schema.json", env!("CARGO_PKG_VERSION"))
}

/// The JSON Schema of a `platc.yaml` file.
pub fn json_schema() -> Value {
    let mut defs = Map::new();
    defs.insert("service".to_owned(), block(Contexts::SERVICE, "The service: its name and its fields.", true));
    defs.insert(
        "environment".to_owned(),
        block(Contexts::SERVICE_ENVIRONMENT, "Fields that apply in one environment only.", false),
    );
    // Fields a service spec can hold (not those only the platform sets).
    let in_spec = |field: &&Field| {
        field.contexts.contains(Contexts::SERVICE) || field.contexts.contains(Contexts::SERVICE_ENVIRONMENT)
    };
    for field in SERVICE_FIELDS.iter().filter(in_spec) {
        if field.merge == Merge::Keyed && field.shape.has_keys() {
            defs.insert(format!("{}.item", def_name(field)), mapping(&field.shape));
        }
        defs.insert(def_name(field), field_value(field));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url(),
        "title": "platc service spec (platc.yaml)",
        "description": "One service of a platc repository, in YAML. Generated from platc's field table: see `platc schema`.",
        "type": "object",
        "properties": { "service": { "$ref": "#/$defs/service" } },
        "required": ["service"],
        "additionalProperties": false,
        "$defs": defs,
    })
}

/// The schema as committed: pretty-printed, with a final newline.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}

fn def_name(field: &Field) -> String {
    format!("field.{}", field.name)
}

/// `service: {…}` or one `environment` item: a name and the fields allowed there.
fn block(context: Contexts, description: &str, environments: bool) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "name".to_owned(),
        with_description(type_schema(Type::Name), "The name: lowercase letters, digits and `-`."),
    );
    for field in SERVICE_FIELDS.iter().filter(|field| field.contexts.contains(context)) {
        properties.insert(field.name.to_owned(), json!({ "$ref": format!("#/$defs/{}", def_name(field)) }));
    }
    if environments {
        properties.insert(
            "environment".to_owned(),
            json!({
                "description": "Overrides for one environment (`name`), or a list of them.",
                "anyOf": [
                    { "$ref": "#/$defs/environment" },
                    { "type": "array", "items": { "$ref": "#/$defs/environment" } },
                ],
            }),
        );
    }
    json!({
        "description": description,
        "type": "object",
        "properties": properties,
        "required": ["name"],
        "additionalProperties": false,
    })
}

/// Every way a field can be written as the value of its key.
fn field_value(field: &Field) -> Value {
    let shape = &field.shape;
    let mut forms = Vec::new();
    if let Some(first) = scalar_type(shape) {
        forms.push(type_schema(first));
    }
    forms.extend(list_of_scalars(shape));
    if shape.has_keys() {
        if field.merge == Merge::Keyed {
            // One item's mapping, defined once beside the field.
            let item = json!({ "$ref": format!("#/$defs/{}.item", def_name(field)) });
            forms.push(json!({ "type": "array", "items": item.clone(), "minItems": 1 }));
            forms.push(item);
        } else {
            forms.push(mapping(shape));
        }
    }
    with_description(one_of_forms(forms), field.doc)
}

/// A child node's value: a list of its arguments or a mapping, never a scalar.
fn child_value(child: &Child) -> Value {
    let mut forms = Vec::new();
    forms.extend(list_of_scalars(child.shape));
    if child.shape.has_keys() {
        let mapping = mapping(child.shape);
        if child.repeated {
            forms.push(json!({ "type": "array", "items": mapping.clone(), "minItems": 1 }));
        }
        forms.push(mapping);
    }
    one_of_forms(forms)
}

fn one_of_forms(mut forms: Vec<Value>) -> Value {
    if forms.len() == 1 { forms.remove(0) } else { json!({ "anyOf": forms }) }
}

/// The type of `key: value`: the first argument, when nothing else must be written.
fn scalar_type(shape: &Shape) -> Option<Type> {
    if shape.has_required_keys() || shape.args.iter().skip(1).any(|entry| entry.required) {
        return None;
    }
    shape.args.first().map(|entry| entry.ty).or(shape.rest)
}

/// `key: [a, b]`: the arguments, when there can be more than one.
fn list_of_scalars(shape: &Shape) -> Option<Value> {
    if shape.has_required_keys() || (shape.args.len() < 2 && shape.rest.is_none()) {
        return None;
    }
    let mut list = Map::new();
    list.insert("type".to_owned(), json!("array"));
    if !shape.args.is_empty() {
        list.insert(
            "prefixItems".to_owned(),
            Value::Array(shape.args.iter().map(|entry| type_schema(entry.ty)).collect()),
        );
    }
    list.insert("items".to_owned(), shape.rest.map_or(Value::Bool(false), type_schema));
    let required = shape.args.iter().take_while(|entry| entry.required).count();
    if required > 0 {
        list.insert("minItems".to_owned(), json!(required));
    }
    Some(Value::Object(list))
}

/// `key: {…}`: named arguments, properties and children.
fn mapping(shape: &Shape) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for entry in shape.args.iter().chain(shape.props).filter(|entry| !entry.key.is_empty()) {
        properties.insert(entry.key.to_owned(), type_schema(entry.ty));
        if entry.required {
            required.push(entry.key);
        }
    }
    for child in shape.children {
        properties.insert(child.key.to_owned(), child_value(child));
        if child.required {
            required.push(child.key);
        }
    }
    let additional = match (shape.open, shape.open_children) {
        (None, None) => Value::Bool(false),
        (Some(ty), None) => type_schema(ty),
        (open, Some(children)) => {
            let child = Child { key: "", shape: children, repeated: false, required: false };
            let mut forms: Vec<Value> = open.map(type_schema).into_iter().collect();
            forms.push(child_value(&child));
            one_of_forms(forms)
        }
    };
    let mut object = Map::new();
    object.insert("type".to_owned(), json!("object"));
    object.insert("properties".to_owned(), Value::Object(properties));
    if !required.is_empty() {
        object.insert("required".to_owned(), json!(required));
    }
    object.insert("additionalProperties".to_owned(), additional);
    Value::Object(object)
}

const NAME_PATTERN: &str = "^[a-z]([-a-z0-9]*[a-z0-9])?$";
const PORT_NAME_PATTERN: &str = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

/// One value's schema, as `resolve/read.rs` reads it.
fn type_schema(ty: Type) -> Value {
    let duration = "^([0-9]+|([0-9]+[smh])+)$";
    match ty {
        Type::String => json!({ "type": "string" }),
        Type::Text => json!({ "type": ["string", "number", "boolean"] }),
        Type::Integer(min, max) => json!({ "type": "integer", "minimum": min, "maximum": max }),
        Type::Number => json!({ "type": "number" }),
        Type::Bool => json!({ "type": "boolean" }),
        Type::Name => json!({ "type": "string", "pattern": NAME_PATTERN, "maxLength": 63 }),
        Type::PortName => json!({ "type": "string", "pattern": PORT_NAME_PATTERN, "maxLength": 15 }),
        Type::Word(words) => json!({ "enum": words }),
        Type::Duration => json!({
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": duration },
            ],
        }),
        Type::Latency => json!({
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": "^([0-9]+|[0-9]+ms|([0-9]+[smh])+)$" },
            ],
        }),
        Type::Quantity => json!({
            "anyOf": [
                { "type": "number", "minimum": 0 },
                { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$" },
            ],
        }),
        Type::IntOrPercent => json!({
            "anyOf": [
                { "type": "integer", "minimum": 0, "maximum": 10_000 },
                { "type": "string", "pattern": "^([0-9]|[1-9][0-9]|100)%$" },
            ],
        }),
        Type::PortRef => json!({
            "anyOf": [
                { "type": "integer", "minimum": 1, "maximum": 65_535 },
                { "type": "string", "pattern": PORT_NAME_PATTERN, "maxLength": 15 },
            ],
        }),
        Type::Ratio => json!({
            "anyOf": [
                { "type": "number", "minimum": 1 },
                { "const": "none" },
                { "type": "null" },
            ],
        }),
        Type::HttpPath => json!({ "type": "string", "pattern": "^/\\S*$" }),
        Type::AbsolutePath => json!({ "type": "string", "pattern": "^/" }),
        Type::CommitSha => json!({ "type": "string", "pattern": "^[0-9a-f]{40}$" }),
        Type::Any => json!({ "type": ["string", "number", "boolean", "null"] }),
    }
}

fn with_description(mut schema: Value, description: &str) -> Value {
    if let Value::Object(map) = &mut schema {
        let mut described = Map::new();
        described.insert("description".to_owned(), json!(description));
        described.extend(std::mem::take(map));
        *map = described;
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_field_is_described_and_referenced() {
        let schema = json_schema();
        for field in SERVICE_FIELDS {
            let def = &schema["$defs"][def_name(field)];
            if !field.contexts.contains(Contexts::SERVICE) && !field.contexts.contains(Contexts::SERVICE_ENVIRONMENT) {
                assert!(def.is_null(), "{} is platform config", field.name);
                continue;
            }
            assert_eq!(def["description"], field.doc, "{}", field.name);
            if field.contexts.contains(Contexts::SERVICE) {
                assert!(schema["$defs"]["service"]["properties"][field.name].is_object(), "{}", field.name);
            }
            let per_environment = schema["$defs"]["environment"]["properties"][field.name].is_object();
            assert_eq!(per_environment, field.contexts.contains(Contexts::SERVICE_ENVIRONMENT), "{}", field.name);
        }
    }
}
