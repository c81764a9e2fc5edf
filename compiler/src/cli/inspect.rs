//! The read-only commands that look at a compiled workspace: `explain`
//! (where each value came from), `graph` (who depends on whom) and `list`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::Compilation;
use crate::model;

/// `platc explain`: for each field of a service in each environment, the
/// line that decided it and where it is.
pub(super) fn explain(
    compilation: &Compilation,
    service: &str,
    environment: Option<&str>,
    field: Option<&str>,
    json_output: bool,
) -> Result<String, String> {
    let matches: Vec<&model::Service> = compilation
        .services
        .iter()
        .filter(|candidate| candidate.name == service)
        .filter(|candidate| environment.is_none_or(|environment| candidate.environment == environment))
        .collect();
    if matches.is_empty() {
        let names: BTreeSet<&str> = compilation.services.iter().map(|service| service.name.as_str()).collect();
        if names.contains(service) {
            return Err(format!("`{service}` is not rendered for environment `{}`", environment.unwrap_or_default()));
        }
        let hint = crate::diagnostic::did_you_mean(service, names.iter().copied()).unwrap_or_default();
        return Err(format!("no service is named `{service}` {hint}").trim_end().to_owned());
    }
    if let Some(field) = field
        && crate::spec::fields::service_field(field).is_none()
    {
        let names = crate::spec::fields::SERVICE_FIELDS.iter().map(|field| field.name);
        let hint = crate::diagnostic::did_you_mean(field, names).unwrap_or_default();
        return Err(format!("`{field}` is not a field {hint}").trim_end().to_owned());
    }
    let mut rows = Vec::new();
    for resolved in &matches {
        let items = resolved.origins.iter().flat_map(|(name, spans)| spans.iter().map(move |span| (name, span)));
        for (name, span) in items {
            if field.is_some_and(|field| field != *name) {
                continue;
            }
            let file = compilation.sources.get(span.file);
            let (line, column) = file.line_column(span.start);
            let text = compilation.sources.text(*span);
            let first_line = text.lines().next().unwrap_or_default().trim_end();
            let shown = if text.contains('\n') { format!("{first_line} …") } else { first_line.to_owned() };
            rows.push((resolved.environment.as_str(), *name, shown, file.path.as_str(), line, column));
        }
    }
    if json_output {
        let items: Vec<Value> = rows
            .iter()
            .map(|(environment, field, text, file, line, column)| {
                json!({ "environment": environment, "field": field, "value": text, "file": file, "line": line, "column": column })
            })
            .collect();
        let mut text =
            serde_json::to_string_pretty(&json!({ "service": service, "fields": items })).unwrap_or_default();
        text.push('\n');
        return Ok(text);
    }
    let mut out = String::new();
    let width = rows.iter().map(|row| row.1.len()).max().unwrap_or(0);
    let text_width = rows.iter().map(|row| row.2.chars().count()).max().unwrap_or(0).min(60);
    let mut current = "";
    for (environment, field, text, file, line, _) in &rows {
        if *environment != current {
            if !current.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(out, "{service} in {environment}:");
            current = environment;
        }
        let _ = writeln!(out, "  {field:<width$}  {text:<text_width$}  {file}:{line}");
    }
    Ok(out)
}

/// `platc graph`: services and their dependencies (through `depends-on` and
/// APIs) as Graphviz, Mermaid or JSON; cycles and dangling edges are listed.
pub(super) fn graph(compilation: &Compilation, format: &str) -> (String, Vec<String>) {
    let mut services: BTreeMap<&str, &model::Service> = BTreeMap::new();
    for service in &compilation.services {
        services.entry(service.name.as_str()).or_insert(service);
    }
    let providers: BTreeMap<&str, &str> = services
        .values()
        .flat_map(|service| service.provides_apis.iter().map(move |api| (api.as_str(), service.name.as_str())))
        .collect();
    let mut edges: BTreeSet<(&str, &str, String)> = BTreeSet::new();
    let mut problems = Vec::new();
    for service in services.values() {
        for dependency in &service.depends_on {
            if dependency.external {
                problems
                    .push(format!("`{}` depends on `{}`, outside this repository", service.name, dependency.service));
            }
            edges.insert((service.name.as_str(), dependency.service.as_str(), "depends-on".to_owned()));
        }
        for api in &service.consumes_apis {
            match providers.get(api.as_str()) {
                Some(provider) => {
                    edges.insert((service.name.as_str(), provider, format!("api {api}")));
                }
                None => problems.push(format!("`{}` consumes `{api}`, which no service provides", service.name)),
            }
        }
    }
    problems
        .extend(cycles(&services, &edges).into_iter().map(|cycle| format!("dependency cycle: {}", cycle.join(" → "))));
    let mut out = String::new();
    match format {
        "mermaid" => {
            out.push_str("graph LR\n");
            for (name, service) in &services {
                let _ =
                    writeln!(out, "  {}[\"{name}<br/>{} {}\"]", mermaid_id(name), service.tier, service.kind.as_str());
            }
            for (from, to, label) in &edges {
                let _ = writeln!(out, "  {} -->|{label}| {}", mermaid_id(from), mermaid_id(to));
            }
        }
        "json" => {
            let nodes: Vec<Value> = services
                .values()
                .map(|service| {
                    json!({ "name": service.name, "tier": service.tier, "kind": service.kind.as_str(), "owner": service.owner, "spec": service.spec_path })
                })
                .collect();
            let edges: Vec<Value> =
                edges.iter().map(|(from, to, label)| json!({ "from": from, "to": to, "via": label })).collect();
            out = serde_json::to_string_pretty(&json!({ "services": nodes, "edges": edges, "problems": problems }))
                .unwrap_or_default();
            out.push('\n');
        }
        _ => {
            out.push_str("digraph services {\n  rankdir=LR;\n  node [shape=box];\n");
            for (name, service) in &services {
                let _ = writeln!(out, "  \"{name}\" [label=\"{name}\\n{} {}\"];", service.tier, service.kind.as_str());
            }
            for (from, to, label) in &edges {
                let style = if label == "depends-on" { "" } else { ", style=dashed" };
                let _ = writeln!(out, "  \"{from}\" -> \"{to}\" [label=\"{label}\"{style}];");
            }
            out.push_str("}\n");
        }
    }
    (out, problems)
}

fn mermaid_id(name: &str) -> String {
    name.replace('-', "_")
}

/// Every elementary cycle of `depends-on` edges (APIs may call back and
/// forth; startup dependencies may not), each listed once, starting at its
/// smallest name.
fn cycles(services: &BTreeMap<&str, &model::Service>, edges: &BTreeSet<(&str, &str, String)>) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to, label) in edges {
        if label == "depends-on" {
            next.entry(from).or_default().push(to);
        }
    }
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    for start in services.keys() {
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(start, vec![start])];
        while let Some((node, path)) = stack.pop() {
            for &target in next.get(node).map(Vec::as_slice).unwrap_or_default() {
                if target == *start {
                    let mut cycle: Vec<String> = path.iter().map(|name| (*name).to_owned()).collect();
                    let smallest =
                        cycle.iter().enumerate().min_by_key(|(_, name)| name.as_str()).map_or(0, |(index, _)| index);
                    cycle.rotate_left(smallest);
                    cycle.push(cycle[0].clone());
                    found.insert(cycle);
                } else if !path.contains(&target) && path.len() < 64 {
                    let mut longer = path.clone();
                    longer.push(target);
                    stack.push((target, longer));
                }
            }
        }
    }
    found.into_iter().collect()
}

/// `platc list`: one row per service.
pub(super) fn list(compilation: &Compilation, json_output: bool) -> String {
    let mut rows: BTreeMap<&str, (Vec<&str>, &model::Service)> = BTreeMap::new();
    for service in &compilation.services {
        rows.entry(service.name.as_str()).or_insert((Vec::new(), service)).0.push(service.environment.as_str());
    }
    if json_output {
        let items: Vec<Value> = rows
            .values()
            .map(|(environments, service)| {
                json!({
                    "name": service.name, "tier": service.tier, "kind": service.kind.as_str(),
                    "owner": service.owner, "system": service.system, "environments": environments,
                    "spec": service.spec_path,
                })
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&items).unwrap_or_default();
        text.push('\n');
        return text;
    }
    let table: Vec<[String; 6]> = rows
        .values()
        .map(|(environments, service)| {
            [
                service.name.clone(),
                service.tier.clone(),
                service.kind.as_str().to_owned(),
                service.owner.clone().unwrap_or_else(|| "-".to_owned()),
                environments.join(","),
                service.spec_path.clone(),
            ]
        })
        .collect();
    let header = ["NAME", "TIER", "KIND", "OWNER", "ENVIRONMENTS", "SPEC"].map(str::to_owned);
    let mut widths = [0usize; 6];
    for row in std::iter::once(&header).chain(&table) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&table) {
        let cells: Vec<String> = row.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}
