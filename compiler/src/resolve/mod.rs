//! Resolve: stdlib ← platform ← tier ← service ← environment, then typed
//! values. The result is one [`model::Service`] per service and environment.
//!
//! Layers merge as nodes (see `spec::fields::Merge`), before any value is read,
//! so each value keeps the span of the layer that decided it: a diagnostic
//! about a tier's value points into `platform.kdl` or the stdlib, and
//! `origins` answers "why 3 replicas?".
//!
//! Invariant: the stdlib is ordinary platform config; nothing here knows
//! which layer came from it.

mod decode;
pub(crate) mod image;
mod link;
mod platform;
mod quantity;
mod read;

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean, list_and};
use crate::model;
use crate::source::Span;
use crate::spec::{self, fields};
use crate::syntax::{Node, Scalar};
pub use link::link;
use read::{Reader, arg};

/// The platform config, merged across its files, ready to layer services on.
#[derive(Debug, Clone, Default)]
pub struct Platform {
    pub model: model::Platform,
    default_tier: Option<(String, Span)>,
    defaults: Vec<Node>,
    environments: BTreeMap<String, EnvironmentLayers>,
    tiers: BTreeMap<String, TierLayers>,
    /// Per tier and environment, the platform's layers merged (defaults,
    /// environment, tier, tier in environment): what every service of the
    /// tier starts from, merged once rather than once per service.
    bases: BTreeMap<(String, String), Vec<Node>>,
}

#[derive(Debug, Clone, Default)]
struct EnvironmentLayers {
    fields: Vec<Node>,
    settings: Vec<Node>,
}

#[derive(Debug, Clone, Default)]
struct TierLayers {
    fields: Vec<Node>,
    environments: BTreeMap<String, (Span, Vec<Node>)>,
}

impl Platform {
    /// The names of the tiers, sorted.
    pub fn tier_names(&self) -> impl Iterator<Item = &str> {
        self.tiers.keys().map(String::as_str)
    }
}

/// Access to the repository's other files, for `config-file` and `manifests`.
pub trait Files: Sync {
    /// A file's text, by repository-relative path.
    fn read(&self, path: &str) -> Option<String>;
    /// The files directly inside a folder, by repository-relative path, sorted.
    fn list(&self, folder: &str) -> Vec<String>;
}

/// Merges platform config files, in order (stdlib first, `platform.kdl` last).
pub fn platform(files: &[spec::Platform], diagnostics: &mut Diagnostics) -> Platform {
    let mut platform = Platform::default();
    let mut settings: Vec<Node> = Vec::new();
    for file in files {
        merge_into(&mut settings, &file.settings, fields::PLATFORM_FIELDS);
        merge_into(&mut platform.defaults, &file.defaults, fields::SERVICE_FIELDS);
        for environment in &file.environments {
            let layers = platform.environments.entry(environment.name.clone()).or_default();
            merge_into(&mut layers.fields, &environment.fields, fields::SERVICE_FIELDS);
            merge_into(&mut layers.settings, &environment.settings, fields::ENVIRONMENT_FIELDS);
        }
        for tier in &file.tiers {
            let layers = platform.tiers.entry(tier.name.clone()).or_default();
            merge_into(&mut layers.fields, &tier.fields, fields::SERVICE_FIELDS);
            for block in &tier.environments {
                let (span, fields) =
                    layers.environments.entry(block.name.clone()).or_insert((block.name_span, Vec::new()));
                *span = block.name_span;
                merge_into(fields, &block.fields, fields::SERVICE_FIELDS);
            }
        }
    }

    let mut reader = Reader { diagnostics };
    platform::settings(&settings, &mut platform.model, &mut reader);
    if let Some(node) = settings.iter().rev().find(|node| node.name == "default-tier") {
        reader.expect_entries(node, 1, &[]);
        if let Some(value) = node.args.first() {
            platform.default_tier = reader.string(value, "`default-tier`").map(|name| (name, value.span));
        }
    }
    let Some(environments) = settings.iter().rev().find(|node| node.name == "environments") else {
        return platform;
    };
    reader.expect_entries(environments, usize::MAX, &[]);
    for value in &environments.args {
        let Some(name) = reader.dns_label(value, "environment name") else { continue };
        if let Some(layers) = platform.environments.get(&name) {
            let setting = |name: &str| {
                layers.settings.iter().rev().find(|node| node.name == name).and_then(|node| node.args.first())
            };
            let cluster = setting("cluster")
                .and_then(|value| reader.string(value, "`cluster`"))
                .unwrap_or_else(|| "https://kubernetes.default.svc".to_owned());
            let auto_promote = setting("promotion")
                .and_then(|value| reader.choice(value, "promotion", &[("auto", true), ("manual", false)]))
                .unwrap_or(false);
            platform.model.environments.push(model::Environment { name, cluster, auto_promote });
        } else {
            let defined: Vec<&str> = platform.environments.keys().map(String::as_str).collect();
            reader.report(unknown_environment(value.span, &name, &defined, &defined));
        }
    }
    if let Some((name, span)) = &platform.default_tier
        && !platform.tiers.contains_key(name)
    {
        reader.report(unknown_tier(*span, name, &platform));
    }
    for (tier_name, tier) in &platform.tiers {
        for (environment, (span, _)) in &tier.environments {
            // A block for a defined environment that this platform does not
            // render (the stdlib's `staging` when a platform has only
            // `production`) is simply unused.
            if !platform.environments.contains_key(environment) {
                let defined: Vec<&str> = platform.environments.keys().map(String::as_str).collect();
                let active: Vec<&str> = platform.model.environments.iter().map(|known| known.name.as_str()).collect();
                let mut diagnostic = unknown_environment(*span, environment, &defined, &active);
                diagnostic.message = format!("tier `{tier_name}` configures unknown environment `{environment}`");
                reader.report(diagnostic);
            }
        }
    }
    for (tier_name, tier) in &platform.tiers {
        for environment in &platform.model.environments {
            let base = base_layers(&platform, tier, &environment.name);
            platform.bases.insert((tier_name.clone(), environment.name.clone()), base);
        }
    }
    decode::check_layer(&platform.defaults, &mut reader);
    for layers in platform.environments.values() {
        decode::check_layer(&layers.fields, &mut reader);
    }
    for tier in platform.tiers.values() {
        decode::check_layer(&tier.fields, &mut reader);
        for (_, fields) in tier.environments.values() {
            decode::check_layer(fields, &mut reader);
        }
    }
    platform
}

/// Resolves a service for every environment of the platform.
pub fn service(
    platform: &Platform,
    service: &spec::Service,
    spec_path: &str,
    files: &dyn Files,
    diagnostics: &mut Diagnostics,
) -> Vec<model::Service> {
    let mut reader = Reader { diagnostics };
    let folder = spec_path.rsplit_once('/').map_or("", |(folder, _)| folder);

    let tier_node = service.fields.iter().rev().find(|node| node.name == "tier");
    let tier_name = match tier_node {
        Some(node) => {
            reader.expect_entries(node, 1, &[]);
            node.args.first().and_then(|value| reader.string(value, "`tier`").map(|name| (name, value.span)))
        }
        None => platform.default_tier.clone(),
    };
    let tier = if let Some((name, span)) = &tier_name {
        if let Some(tier) = platform.tiers.get(name) {
            Some(tier)
        } else {
            reader.report(unknown_tier(*span, name, platform));
            None
        }
    } else {
        reader.missing(service.name_span, format!("`{}` has no tier", service.name), "add `tier standard`");
        None
    };

    for block in &service.environments {
        if !platform.model.environments.iter().any(|environment| environment.name == block.name) {
            let defined: Vec<&str> = platform.environments.keys().map(String::as_str).collect();
            let active: Vec<&str> = platform.model.environments.iter().map(|known| known.name.as_str()).collect();
            reader.report(unknown_environment(block.name_span, &block.name, &defined, &active));
            decode::check_layer(&block.fields, &mut reader);
        }
    }
    decode::check_layer(&service.fields, &mut reader);
    if let Err(reason) = read::check_dns_label(&service.name) {
        reader.report(
            Diagnostic::error(
                "spec::invalid-name",
                service.name_span,
                format!("invalid service name `{}`: {reason}", service.name),
            )
            .primary_text("not a valid name")
            .help("service names are DNS labels: lowercase letters, digits and `-`, starting with a letter"),
        );
        return Vec::new();
    }
    let (Some(tier), Some((tier_name, _))) = (tier, tier_name) else { return Vec::new() };

    let mut resolved = Vec::new();
    for environment in &platform.model.environments {
        let service_environment: Vec<Node> = service
            .environments
            .iter()
            .filter(|block| block.name == environment.name)
            .flat_map(|block| block.fields.iter().cloned())
            .collect();
        let mut merged = match platform.bases.get(&(tier_name.clone(), environment.name.clone())) {
            Some(base) => base.clone(),
            None => base_layers(platform, tier, &environment.name),
        };
        for layer in [&service.fields[..], &service_environment] {
            merge_into(&mut merged, layer, fields::SERVICE_FIELDS);
        }
        let inputs = decode::Inputs {
            name: &service.name,
            name_span: service.name_span,
            tier: &tier_name,
            environment: &environment.name,
            spec_path,
            folder,
            platform: &platform.model,
            read_file: &|path| files.read(path),
            list_files: &|folder| files.list(folder),
        };
        if let Some(model) = decode::service(&merged, &inputs, &mut reader) {
            resolved.push(model);
        }
    }
    resolved
}

/// The platform's layers for a tier in an environment, merged in order:
/// stdlib and platform defaults, environment, tier, tier in environment.
fn base_layers(platform: &Platform, tier: &TierLayers, environment: &str) -> Vec<Node> {
    let environment_fields = platform.environments.get(environment).map_or(&[][..], |layers| &layers.fields);
    let tier_environment = tier.environments.get(environment).map_or(&[][..], |(_, fields)| fields);
    let mut merged = Vec::new();
    for layer in [&platform.defaults[..], environment_fields, &tier.fields, tier_environment] {
        merge_into(&mut merged, layer, fields::SERVICE_FIELDS);
    }
    merged
}

/// Merges `layer` over `merged`, field by field, by each field's merge rule.
///
/// Keyed items are found through an index rather than a scan, and replaced
/// ones are left as holes until the end, so a layer with thousands of items
/// (ports, dependencies) merges in linear time.
fn merge_into(merged: &mut Vec<Node>, layer: &[Node], table: &'static [fields::Field]) {
    let rule = |node: &Node| fields::find(table, &node.name).map_or(fields::Merge::Replace, |field| field.merge);
    let mut slots: Vec<Option<Node>> = std::mem::take(merged).into_iter().map(Some).collect();
    let mut keyed: std::collections::BTreeMap<(String, ItemKey), usize> = slots
        .iter()
        .enumerate()
        .filter_map(|(index, slot)| slot.as_ref().map(|node| (index, node)))
        .filter(|(_, node)| rule(node) == fields::Merge::Keyed)
        .map(|(index, node)| (keyed_by(node), index))
        .collect();
    for node in layer {
        match rule(node) {
            fields::Merge::Replace => {
                for slot in &mut slots {
                    if slot.as_ref().is_some_and(|existing| existing.name == node.name) {
                        *slot = None;
                    }
                }
                slots.push(Some(node.clone()));
            }
            fields::Merge::Entries => {
                let existing =
                    slots.iter().position(|slot| slot.as_ref().is_some_and(|existing| existing.name == node.name));
                match existing.and_then(|index| slots[index].take()) {
                    Some(mut base) if node.args.is_empty() => {
                        let names: std::collections::BTreeSet<&str> = node
                            .props
                            .iter()
                            .map(|prop| prop.key.as_str())
                            .chain(node.children.iter().map(|child| child.name.as_str()))
                            .collect();
                        base.args.clear();
                        base.props.retain(|prop| !names.contains(prop.key.as_str()));
                        base.children.retain(|child| !names.contains(child.name.as_str()));
                        base.props.extend(node.props.iter().cloned());
                        base.children.extend(node.children.iter().cloned());
                        base.span = node.span;
                        base.name_span = node.name_span;
                        slots.push(Some(base));
                    }
                    _ => slots.push(Some(node.clone())),
                }
            }
            fields::Merge::Keyed => {
                for item in split_list(node) {
                    let key = keyed_by(&item);
                    if let Some(index) = keyed.get(&key) {
                        slots[*index] = None;
                    }
                    keyed.insert(key, slots.len());
                    slots.push(Some(item));
                }
            }
        }
    }
    *merged = slots.into_iter().flatten().collect();
}

/// What identifies a keyed item among the merged fields: its name and key.
fn keyed_by(node: &Node) -> (String, ItemKey) {
    let key = match item_key(node) {
        None => ItemKey::None,
        Some(Scalar::String(text)) => ItemKey::String(text),
        Some(Scalar::Integer(number)) => ItemKey::Integer(number),
        // By its bits: keys need a total order, and a key is what was written.
        Some(Scalar::Float(number)) => ItemKey::Float(number.to_bits()),
        Some(Scalar::Bool(flag)) => ItemKey::Bool(flag),
        Some(Scalar::Null) => ItemKey::Null,
    };
    (node.name.clone(), key)
}

/// A keyed item's key, ordered.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum ItemKey {
    None,
    String(String),
    Integer(i64),
    Float(u64),
    Bool(bool),
    Null,
}

/// `depends-on a b` is `depends-on a` and `depends-on b`.
fn split_list(node: &Node) -> Vec<Node> {
    let splits = matches!(node.name.as_str(), "depends-on" | "provides-api" | "consumes-api");
    if !splits || node.args.len() < 2 || !node.props.is_empty() || !node.children.is_empty() {
        return vec![node.clone()];
    }
    let template = Node { args: Vec::new(), ..node.clone() };
    node.args.iter().map(|value| Node { args: vec![value.clone()], ..template.clone() }).collect()
}

/// The key of a keyed item: its first argument or its `name`-like property.
fn item_key(node: &Node) -> Option<Scalar> {
    if node.name == "patch" {
        // A patch is keyed by what it sets: its kind and path.
        let kind = arg(node, 0, "kind").map(|value| value.scalar.describe()).unwrap_or_default();
        let path = arg(node, 1, "path").map(|value| value.scalar.describe()).unwrap_or_default();
        return Some(Scalar::String(format!("{kind} {path}")));
    }
    let key_prop = match node.name.as_str() {
        "checkov-skip" => "check",
        "port" => "port",
        "probe" | "expose" => "type",
        "depends-on" => "service",
        "config-file" => "path",
        "toleration" => "key",
        "policy" | "waive" => "rule",
        _ => "name",
    };
    arg(node, 0, key_prop).map(|value| value.scalar.clone())
}

fn unknown_tier(span: Span, name: &str, platform: &Platform) -> Diagnostic {
    let names: Vec<&str> = platform.tier_names().collect();
    Diagnostic::error("resolve::unknown-tier", span, format!("unknown tier `{name}`")).primary_text("not defined").help(
        did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
            format!("the platform defines {}; add `tier {name} {{ … }}` to platform.kdl to define it", list_and(&names))
        }),
    )
}

/// An environment name that is not rendered. `defined` are the environments
/// with a definition; `active` those listed in `environments`.
fn unknown_environment(span: Span, name: &str, defined: &[&str], active: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::error("resolve::unknown-environment", span, format!("unknown environment `{name}`"));
    if defined.contains(&name) {
        return diagnostic
            .primary_text("defined, but not rendered")
            .help(format!("add `{name}` to `environments` in platform.kdl (now {})", list_and(active)));
    }
    diagnostic.primary_text("not an environment of the platform").help(
        did_you_mean(name, active.iter().copied())
            .unwrap_or_else(|| format!("the environments are {}; define more in platform.kdl", list_and(active))),
    )
}
