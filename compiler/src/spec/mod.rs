//! Decode: [`Document`] → [`Service`] and [`Platform`], the structure of what
//! the user wrote: which fields, in which block, for which environment.
//!
//! This stage checks that every field name is known and allowed where it
//! stands; the values are read by `resolve`, after layers are merged, so that
//! a value's diagnostic points at the layer that decided it.
//!
//! Invariant: a property `key=value` is shorthand for a child node
//! `key value`; after this stage, fields are child nodes only.

pub mod fields;
pub mod schema;

use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::source::{FileId, Span};
use crate::syntax::{Document, Node, Scalar, Value};
use fields::{Contexts, Field};

/// A service spec as written (`platc.kdl` or `platc.yaml`).
#[derive(Debug, Clone)]
pub struct Service {
    pub file: FileId,
    pub name: String,
    pub name_span: Span,
    /// The fields of the service body.
    pub fields: Vec<Node>,
    /// `environment NAME { … }` overrides, in the order written.
    pub environments: Vec<EnvironmentBlock>,
}

/// Fields that apply in one environment only.
#[derive(Debug, Clone)]
pub struct EnvironmentBlock {
    pub name: String,
    pub name_span: Span,
    pub fields: Vec<Node>,
}

/// One platform config file: a stdlib file or `platform.kdl`.
#[derive(Debug, Clone, Default)]
pub struct Platform {
    /// Top-level settings (`registry`, `team`, `environments`, …).
    pub settings: Vec<Node>,
    /// `defaults { … }`: service fields every service starts from.
    pub defaults: Vec<Node>,
    pub tiers: Vec<Tier>,
    pub environments: Vec<PlatformEnvironment>,
}

#[derive(Debug, Clone)]
pub struct Tier {
    pub name: String,
    pub name_span: Span,
    pub fields: Vec<Node>,
    pub environments: Vec<EnvironmentBlock>,
}

#[derive(Debug, Clone)]
pub struct PlatformEnvironment {
    pub name: String,
    pub name_span: Span,
    /// The environment's own settings (`cluster`, …).
    pub settings: Vec<Node>,
    /// Service fields every service gets in this environment.
    pub fields: Vec<Node>,
}

/// Decodes a service spec file. `None` when it holds no usable service.
pub fn service(document: &Document, file: FileId, diagnostics: &mut Diagnostics) -> Option<Service> {
    let mut found: Option<Service> = None;
    for node in &document.nodes {
        if node.name != "service" {
            let help = did_you_mean(&node.name, ["service"])
                .unwrap_or_else(|| "a spec file holds one `service NAME { … }` node; move this inside it".to_owned());
            diagnostics.push(
                Diagnostic::error(
                    "spec::unknown-field",
                    node.name_span,
                    format!("unknown top-level node `{}`", node.name),
                )
                .primary_text("not `service`")
                .help(help),
            );
            continue;
        }
        if let Some(first) = &found {
            diagnostics.push(
                Diagnostic::error("spec::duplicate-service", node.name_span, "a spec file holds one service")
                    .primary_text("second service")
                    .label(first.name_span, "first service")
                    .help("give each service its own folder with its own spec file"),
            );
            continue;
        }
        let Some((name, name_span)) = block_name(node, "service", diagnostics) else { continue };
        let mut service = Service { file, name, name_span, fields: Vec::new(), environments: Vec::new() };
        for field in fields_of(node, 1, diagnostics) {
            if field.name == "environment" {
                if let Some(block) = environment_block(&field, Contexts::SERVICE_ENVIRONMENT, diagnostics) {
                    service.environments.push(block);
                }
            } else if check_field(&field, Contexts::SERVICE, fields::SERVICE_FIELDS, diagnostics) {
                service.fields.push(field);
            }
        }
        check_duplicates(&service.fields, diagnostics);
        found = Some(service);
    }
    if found.is_none() && !diagnostics.has_errors() {
        diagnostics.push(
            Diagnostic::error("spec::missing-field", Span::file_start(file), "no `service` in this spec file")
                .primary_text("expected a service here")
                .help("start with `service my-service { image \"ghcr.io/acme/my-service:1.0.0\" }`"),
        );
    }
    found
}

/// Decodes a platform config file (a stdlib file or `platform.kdl`).
pub fn platform(document: &Document, diagnostics: &mut Diagnostics) -> Platform {
    let mut platform = Platform::default();
    for node in &document.nodes {
        match node.name.as_str() {
            "defaults" => {
                for field in fields_of(node, 0, diagnostics) {
                    if check_field(&field, Contexts::LAYER, fields::SERVICE_FIELDS, diagnostics) {
                        platform.defaults.push(field);
                    }
                }
                check_duplicates(&platform.defaults, diagnostics);
            }
            "tier" => {
                let Some((name, name_span)) = block_name(node, "tier", diagnostics) else { continue };
                let mut tier = Tier { name, name_span, fields: Vec::new(), environments: Vec::new() };
                for field in fields_of(node, 1, diagnostics) {
                    if field.name == "environment" {
                        if let Some(block) = environment_block(&field, Contexts::LAYER, diagnostics) {
                            tier.environments.push(block);
                        }
                    } else if check_field(&field, Contexts::LAYER, fields::SERVICE_FIELDS, diagnostics) {
                        tier.fields.push(field);
                    }
                }
                check_duplicates(&tier.fields, diagnostics);
                platform.tiers.push(tier);
            }
            "environment" => {
                let Some((name, name_span)) = block_name(node, "environment", diagnostics) else { continue };
                let mut environment = PlatformEnvironment { name, name_span, settings: Vec::new(), fields: Vec::new() };
                for field in fields_of(node, 1, diagnostics) {
                    if fields::find(fields::ENVIRONMENT_FIELDS, &field.name).is_some() {
                        environment.settings.push(field);
                    } else if check_field_in(
                        &field,
                        Contexts::LAYER,
                        fields::SERVICE_FIELDS,
                        fields::ENVIRONMENT_FIELDS,
                        diagnostics,
                    ) {
                        environment.fields.push(field);
                    }
                }
                check_duplicates(&environment.fields, diagnostics);
                platform.environments.push(environment);
            }
            _ => {
                let mut extra = vec!["defaults", "tier", "environment"];
                extra.extend(fields::PLATFORM_FIELDS.iter().map(|field| field.name));
                if fields::find(fields::PLATFORM_FIELDS, &node.name).is_some() {
                    platform.settings.push(node.clone());
                } else {
                    diagnostics.push(unknown_field(node, "platform config", extra));
                }
            }
        }
    }
    platform
}

/// The name of a `keyword NAME { … }` block, from its first argument or `name`.
fn block_name(node: &Node, keyword: &str, diagnostics: &mut Diagnostics) -> Option<(String, Span)> {
    let value = node.args.first().or_else(|| node.props.iter().find(|prop| prop.key == "name").map(|prop| &prop.value));
    match value {
        Some(Value { scalar: Scalar::String(name), span }) if !name.is_empty() => Some((name.clone(), *span)),
        Some(value) => {
            diagnostics.push(
                Diagnostic::error(
                    "spec::invalid-value",
                    value.span,
                    format!("a {keyword} name must be a string, found {}", value.scalar.kind_name()),
                )
                .primary_text("expected a name")
                .help(format!("write `{keyword} my-name {{ … }}`")),
            );
            None
        }
        None => {
            diagnostics.push(
                Diagnostic::error("spec::missing-field", node.name_span, format!("this {keyword} has no name"))
                    .primary_text("name missing")
                    .help(format!("write `{keyword} my-name {{ … }}`")),
            );
            None
        }
    }
}

fn environment_block(node: &Node, contexts: Contexts, diagnostics: &mut Diagnostics) -> Option<EnvironmentBlock> {
    let (name, name_span) = block_name(node, "environment", diagnostics)?;
    let mut block = EnvironmentBlock { name, name_span, fields: Vec::new() };
    for field in fields_of(node, 1, diagnostics) {
        if field.name == "environment" {
            diagnostics.push(
                Diagnostic::error("spec::misplaced-field", field.name_span, "environments do not nest")
                    .primary_text("inside another environment")
                    .help("move this block up a level"),
            );
        } else if check_field(&field, contexts, fields::SERVICE_FIELDS, diagnostics) {
            block.fields.push(field);
        }
    }
    check_duplicates(&block.fields, diagnostics);
    Some(block)
}

/// A field that one value decides (merged by replacing) written twice in
/// one block: YAML refuses a duplicate key, and KDL would silently keep one.
fn check_duplicates(fields: &[Node], diagnostics: &mut Diagnostics) {
    let mut seen: std::collections::BTreeMap<&str, Span> = std::collections::BTreeMap::new();
    for field in fields {
        let replaced = fields::find(fields::SERVICE_FIELDS, &field.name)
            .is_some_and(|entry| entry.merge == fields::Merge::Replace);
        if !replaced {
            continue;
        }
        if let Some(&first) = seen.get(field.name.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "spec::duplicate-field",
                    field.name_span,
                    format!("`{}` is written twice", field.name),
                )
                .primary_text("written again here")
                .label(first, "first written here")
                .help("keep one of them: a block sets this field once"),
            );
        } else {
            seen.insert(&field.name, field.name_span);
        }
    }
}

/// The fields of a block: its children, and its properties as one-argument
/// children. `names` is how many leading arguments (or `name` properties) name
/// the block itself; more arguments are an error.
pub fn fields_of(node: &Node, names: usize, diagnostics: &mut Diagnostics) -> Vec<Node> {
    for extra in node.args.iter().skip(names) {
        diagnostics.push(
            Diagnostic::error(
                "spec::unexpected-argument",
                extra.span,
                format!("unexpected argument after `{}`", node.name),
            )
            .primary_text("not expected here")
            .help("write fields inside the braces, one per line"),
        );
    }
    let mut fields: Vec<Node> = node
        .props
        .iter()
        .filter(|prop| !(names > 0 && prop.key == "name" && node.args.is_empty()))
        .map(|prop| Node {
            name: prop.key.clone(),
            name_span: prop.key_span,
            span: prop.key_span.to(prop.value.span),
            args: vec![prop.value.clone()],
            props: Vec::new(),
            children: Vec::new(),
        })
        .collect();
    fields.extend(node.children.iter().cloned());
    fields
}

fn check_field(node: &Node, context: Contexts, table: &'static [Field], diagnostics: &mut Diagnostics) -> bool {
    check_field_in(node, context, table, &[], diagnostics)
}

fn check_field_in(
    node: &Node,
    context: Contexts,
    table: &'static [Field],
    also: &'static [Field],
    diagnostics: &mut Diagnostics,
) -> bool {
    match fields::find(table, &node.name) {
        Some(field) if field.contexts.contains(context) => true,
        Some(field) if context != Contexts::LAYER && !field.contexts.contains(Contexts::SERVICE) => {
            let help = if node.name == "policy" {
                "a service opts out of a rule with `waive RULE reason=\"…\"`; severities are set in platform.kdl"
            } else {
                "set it in platform.kdl: in `defaults`, a `tier` or an `environment`"
            };
            diagnostics.push(
                Diagnostic::error(
                    "spec::misplaced-field",
                    node.name_span,
                    format!("`{}` is platform config: a service cannot set it", node.name),
                )
                .primary_text("not allowed in a service")
                .help(help),
            );
            false
        }
        Some(_) => {
            let place = if context == Contexts::SERVICE_ENVIRONMENT {
                "cannot be set per environment"
            } else {
                "cannot be set by the platform: it belongs to each service"
            };
            diagnostics.push(
                Diagnostic::error("spec::misplaced-field", node.name_span, format!("`{}` {place}", node.name))
                    .primary_text("not allowed here")
                    .help(format!("move `{}` to the service body", node.name)),
            );
            false
        }
        None => {
            let mut names: Vec<&str> = table.iter().map(|field| field.name).collect();
            names.extend(also.iter().map(|field| field.name));
            if context == Contexts::SERVICE || context == Contexts::LAYER {
                names.push("environment");
            }
            diagnostics.push(unknown_field(node, "field", names));
            false
        }
    }
}

fn unknown_field<'a>(node: &Node, what: &str, candidates: impl IntoIterator<Item = &'a str>) -> Diagnostic {
    Diagnostic::error("spec::unknown-field", node.name_span, format!("unknown {what} `{}`", node.name))
        .primary_text("unknown")
        .help_opt(did_you_mean(&node.name, candidates))
}
