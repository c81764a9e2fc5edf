//! Custom rules: `rule NAME expression="…" message="…" severity=deny` in
//! `platform.kdl`, a CEL expression over one variable, `service`: the
//! resolved service in one environment, projected as in [`PROJECTION`].
//! The expression is true when the service complies.
//!
//! The `cel` crate interprets CEL without a type checker, so mistakes show in
//! two steps: a syntax error or an unknown variable when the platform is
//! read, and a type error (`no such key`, `no such overload`, a result that
//! is not a bool) on the first service that evaluates it. Both are
//! `policy::invalid-rule` at the expression; a rule that failed to evaluate
//! once is not evaluated again in that run.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use serde::Serialize;

use super::Finding;
use crate::diagnostic::Diagnostic;
use crate::model::{self, CustomRule, EnvValue, Expose, Replicas, Service};
use crate::source::Span;

/// Longest expression read, in bytes.
const MAX_LENGTH: usize = 4096;
/// Deepest nesting of brackets read: the parser recurses.
const MAX_DEPTH: usize = 32;
/// Most operator characters (`+`, `&&`, `.`, …) read: long chains nest as
/// deeply as brackets.
const MAX_OPERATORS: usize = 200;

/// A custom rule, compiled.
pub(super) struct Compiled<'a> {
    pub(super) rule: &'a CustomRule,
    program: cel::Program,
    env: Arc<cel::Env>,
}

impl std::fmt::Debug for Compiled<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Compiled").field("rule", &self.rule.name).finish_non_exhaustive()
    }
}

/// Compiles every custom rule; a rule that does not compile is reported and
/// left out.
pub(super) fn compile<'a>(platform: &'a model::Platform, diagnostics: &mut crate::Diagnostics) -> Vec<Compiled<'a>> {
    let mut compiled = Vec::new();
    if platform.rules.is_empty() {
        return compiled;
    }
    let env = Arc::new(cel::Env::stdlib());
    for rule in &platform.rules {
        if super::RULES.iter().any(|builtin| builtin.id == rule.name) || rule.name == super::WAIVED {
            diagnostics.push(
                Diagnostic::error(
                    "policy::invalid-rule",
                    rule.name_span,
                    format!("`{}` is the name of a built-in rule", rule.name),
                )
                .primary_text("taken")
                .help(format!("name the custom rule after what it requires, e.g. `require-{}`", rule.name)),
            );
            continue;
        }
        match parse(&env, &rule.expression) {
            Ok(program) => compiled.push(Compiled { rule, program, env: Arc::clone(&env) }),
            Err((offset, problem)) => {
                let span = offset.map_or(rule.expression_span, |offset| at_offset(rule, offset));
                diagnostics.push(
                    Diagnostic::error(
                        "policy::invalid-rule",
                        span,
                        format!("the expression of rule `{}` is not valid CEL: {problem}", rule.name),
                    )
                    .primary_text("here")
                    .label(rule.name_span, "in this rule")
                    .help("a rule is a CEL expression over `service` that is true when a service complies, e.g. `service.owner != ''`"),
                );
            }
        }
    }
    compiled
}

/// The program, or where the expression goes wrong (a byte offset into it,
/// when known) and how.
fn parse(env: &cel::Env, expression: &str) -> Result<cel::Program, (Option<usize>, String)> {
    if expression.len() > MAX_LENGTH {
        return Err((None, format!("it is longer than {MAX_LENGTH} bytes")));
    }
    shape(expression)?;
    let program = match catch_unwind(AssertUnwindSafe(|| env.compile(expression))) {
        Ok(Ok(program)) => program,
        Ok(Err(errors)) => {
            let Some(first) = errors.errors.first() else { return Err((None, "it does not parse".to_owned())) };
            let offset = offset_of(expression, first.pos);
            return Err((offset, first.msg.clone()));
        }
        Err(_) => return Err((None, "it does not parse".to_owned())),
    };
    let references = program.references();
    let mut variables = references.variables();
    variables.sort_unstable();
    let bound = bound_variables(expression);
    let unknown = variables.into_iter().find(|name| {
        *name != "service"
            && !name.starts_with('@')
            && !name.starts_with("__")
            && !bound.iter().any(|bound| bound == name)
    });
    if let Some(unknown) = unknown {
        let offset = expression.find(unknown);
        return Err((offset, format!("`{unknown}` is not defined: the only variable is `service`")));
    }
    Ok(program)
}

/// Bounds what the parser and the interpreter, which recurse, are handed:
/// bracket depth and operator characters outside string literals.
fn shape(expression: &str) -> Result<(), (Option<usize>, String)> {
    let mut depth = 0usize;
    let mut operators = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    // Per open bracket: whether it is a comprehension's.
    let mut brackets: Vec<bool> = Vec::new();
    for (offset, character) in expression.char_indices() {
        if let Some(open) = quote {
            if escaped {
                escaped = false;
            } else if character == '\\' {
                escaped = true;
            } else if character == open {
                quote = None;
            }
            continue;
        }
        match character {
            '\'' | '"' => quote = Some(character),
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err((Some(offset), format!("it nests deeper than {MAX_DEPTH} brackets")));
                }
                let comprehension = character == '(' && is_comprehension(&expression[..offset]);
                if comprehension && brackets.contains(&true) {
                    return Err((
                        Some(offset),
                        "a comprehension inside another would take quadratic time on a large spec".to_owned(),
                    ));
                }
                brackets.push(comprehension);
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                brackets.pop();
            }
            '+' | '-' | '*' | '/' | '%' | '!' | '<' | '>' | '=' | '&' | '|' | '?' | '.' | ':' => {
                operators += 1;
                if operators > MAX_OPERATORS {
                    return Err((Some(offset), format!("it has more than {MAX_OPERATORS} operator characters")));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether the text before a `(` ends with `.all`, `.exists`, `.exists_one`,
/// `.map` or `.filter`.
fn is_comprehension(before: &str) -> bool {
    let before = before.trim_end();
    let name_start = before
        .char_indices()
        .rev()
        .take_while(|(_, character)| character.is_ascii_alphanumeric() || *character == '_')
        .last()
        .map_or(before.len(), |(index, _)| index);
    let name = &before[name_start..];
    matches!(name, "all" | "exists" | "exists_one" | "map" | "filter") && before[..name_start].trim_end().ends_with('.')
}

/// The variables that comprehension macros bind: `x` in `list.all(x, …)`,
/// `exists`, `exists_one`, `map` and `filter`.
fn bound_variables(expression: &str) -> Vec<String> {
    let mut bound = Vec::new();
    for macro_name in ["all(", "exists(", "exists_one(", "map(", "filter("] {
        for (start, _) in expression.match_indices(macro_name) {
            let preceded_by_dot = expression[..start].trim_end().ends_with('.');
            let rest = &expression[start + macro_name.len()..];
            let Some((name, _)) = rest.split_once(',') else { continue };
            let name = name.trim();
            let identifier =
                !name.is_empty() && name.chars().all(|character| character.is_ascii_alphanumeric() || character == '_');
            if preceded_by_dot && identifier {
                bound.push(name.to_owned());
            }
        }
    }
    bound
}

/// The byte offset of a (1-based line, 0-based character column) position.
fn offset_of(expression: &str, (line, column): (isize, isize)) -> Option<usize> {
    let line = usize::try_from(line).ok()?.checked_sub(1)?;
    let column = usize::try_from(column).ok()?;
    let start: usize = expression.split_inclusive('\n').take(line).map(str::len).sum();
    let text = expression.get(start..)?;
    let within = text.char_indices().nth(column).map_or(text.len(), |(offset, _)| offset);
    Some(start + within)
}

/// The span of one byte of the expression, when the expression is written
/// as a plain quoted string (so that offsets map one to one); the whole
/// value otherwise.
fn at_offset(rule: &CustomRule, offset: usize) -> Span {
    let span = rule.expression_span;
    let written_len = span.len();
    if written_len != rule.expression.len() + 2 {
        return span;
    }
    let start = span.start as usize + 1 + offset.min(rule.expression.len());
    let end = (start + 1).min(span.end as usize - 1).max(start);
    Span::new(span.file, start, end)
}

impl Compiled<'_> {
    /// True when the service complies; an error when the rule cannot tell.
    pub(super) fn evaluate(&self, service: &cel::Value) -> Result<bool, String> {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut context = cel::Context::with_env(Arc::clone(&self.env));
            context.add_variable_from_value("service", service.clone());
            self.program.execute(&context)
        }));
        match outcome {
            Ok(Ok(cel::Value::Bool(complies))) => Ok(complies),
            Ok(Ok(other)) => Err(format!("it gives {}, not true or false", other.type_of())),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("the CEL interpreter failed on it".to_owned()),
        }
    }

    pub(super) fn finding(&self, service: &Service) -> Finding {
        let rule = self.rule;
        Finding::new(
            service.name_span,
            format!("`{}` breaks rule `{}`: {}", service.name, rule.name, rule.message),
            "this service",
            format!("make `{}` true for this service, or `waive {} reason=\"…\"`", rule.expression, rule.name),
        )
        .also(rule.expression_span, format!("rule `{}`", rule.name))
    }

    pub(super) fn evaluation_error(&self, service: &Service, problem: &str) -> Diagnostic {
        let rule = self.rule;
        Diagnostic::error(
            "policy::invalid-rule",
            rule.expression_span,
            format!("rule `{}` cannot be evaluated for `{}` in `{}`: {problem}", rule.name, service.name, service.environment),
        )
        .primary_text("this expression")
        .label(service.name_span, "the service")
        .help("check the field names and types against the policies reference; test optional values first, e.g. `'KEY' in service.env && …`")
    }
}

/// What a custom rule sees: `service.<path>`, its CEL type, and its value.
pub const PROJECTION: &[(&str, &str, &str)] = &[
    ("name", "string", "The service's name."),
    ("environment", "string", "The environment being checked: a rule runs once per environment."),
    ("tier", "string", "The tier."),
    ("kind", "string", "`web`, `worker` or `cron`."),
    ("description", "string", "`\"\"` when unset."),
    ("owner", "string", "`\"\"` when unset."),
    ("system", "string", "`\"\"` when unset."),
    ("language", "string", "`\"\"` when unset."),
    ("namespace", "string", "The resolved namespace."),
    ("image", "string", "The full image reference, with registry and tag or digest."),
    ("replicas.min", "int", "The fewest replicas: the count, or the autoscaler's minimum."),
    ("replicas.max", "int", "The most replicas."),
    ("replicas.autoscaled", "bool", "Whether a HorizontalPodAutoscaler scales it."),
    ("ports", "list(map)", "Container ports: `name` (string), `number` (int), `protocol` (string), `exposed` (bool)."),
    ("probes", "list(string)", "The probes it has: `liveness`, `readiness`, `startup`."),
    (
        "resources.requests",
        "map(string, string)",
        "Requests by resource (`cpu`, `memory`), as Kubernetes quantities; empty with `resources none`.",
    ),
    ("resources.limits", "map(string, string)", "Limits by resource."),
    ("env", "map(string, string)", "Literal environment variables of the main container."),
    ("secrets", "list(string)", "Variables from the secret store."),
    ("depends_on", "list(string)", "Services it calls."),
    ("databases", "list(string)", "Databases it claims."),
    ("provides_apis", "list(string)", "APIs it provides."),
    ("consumes_apis", "list(string)", "APIs it consumes."),
    ("labels", "map(string, string)", "Extra labels."),
    ("pod_annotations", "map(string, string)", "Annotations on the pod template."),
    ("exposed", "list(string)", "`gateway` and `load-balancer` exposures."),
    ("hosts", "list(string)", "Hosts exposed through the gateway."),
    ("pdb", "bool", "Whether it has a PodDisruptionBudget setting (not `pdb none`)."),
    ("security.run_as_user", "int", "The user id."),
    ("security.run_as_non_root", "bool", ""),
    ("security.read_only_root", "bool", ""),
    ("security.privilege_escalation", "bool", ""),
    ("security.add_capabilities", "list(string)", "Added Linux capabilities, e.g. `NET_BIND_SERVICE`."),
    ("security.seccomp", "string", "`RuntimeDefault` or `Unconfined`."),
    ("sidecars", "list(map)", "`name` and `image` of each sidecar."),
    ("init_containers", "list(map)", "`name` and `image` of each init container."),
    ("schedule", "string", "The cron schedule; `\"\"` unless `kind cron`."),
    ("slo.availability", "double", "The availability objective in percent, e.g. `99.9`; `0.0` without one."),
    ("patched", "bool", "Whether it sets values with `patch` or ships extra `manifests`."),
];

#[derive(Debug, Serialize)]
struct View<'a> {
    name: &'a str,
    environment: &'a str,
    tier: &'a str,
    kind: &'a str,
    description: &'a str,
    owner: &'a str,
    system: &'a str,
    language: &'a str,
    namespace: &'a str,
    image: &'a str,
    replicas: ReplicasView,
    ports: Vec<PortView<'a>>,
    probes: Vec<&'a str>,
    resources: ResourcesView<'a>,
    env: BTreeMap<&'a str, &'a str>,
    secrets: Vec<&'a str>,
    depends_on: Vec<&'a str>,
    databases: Vec<&'a str>,
    provides_apis: Vec<&'a str>,
    consumes_apis: Vec<&'a str>,
    labels: &'a BTreeMap<String, String>,
    pod_annotations: &'a BTreeMap<String, String>,
    exposed: Vec<&'a str>,
    hosts: Vec<&'a str>,
    pdb: bool,
    security: SecurityView<'a>,
    sidecars: Vec<ContainerView<'a>>,
    init_containers: Vec<ContainerView<'a>>,
    schedule: &'a str,
    slo: SloView,
    patched: bool,
}

#[derive(Debug, Serialize)]
struct ReplicasView {
    min: i64,
    max: i64,
    autoscaled: bool,
}

#[derive(Debug, Serialize)]
struct PortView<'a> {
    name: &'a str,
    number: i64,
    protocol: &'a str,
    exposed: bool,
}

#[derive(Debug, Default, Serialize)]
struct ResourcesView<'a> {
    requests: BTreeMap<&'a str, &'a str>,
    limits: BTreeMap<&'a str, &'a str>,
}

#[derive(Debug, Serialize)]
struct SecurityView<'a> {
    run_as_user: i64,
    run_as_non_root: bool,
    read_only_root: bool,
    privilege_escalation: bool,
    add_capabilities: Vec<&'a str>,
    seccomp: &'a str,
}

#[derive(Debug, Serialize)]
struct ContainerView<'a> {
    name: &'a str,
    image: &'a str,
}

#[derive(Debug, Serialize)]
struct SloView {
    availability: f64,
}

fn text(value: Option<&String>) -> &str {
    value.map_or("", String::as_str)
}

fn containers(containers: &[model::Container]) -> Vec<ContainerView<'_>> {
    containers.iter().map(|container| ContainerView { name: &container.name, image: &container.image }).collect()
}

fn view(service: &Service) -> View<'_> {
    let (min, max) = match service.replicas {
        Replicas::Fixed(count) => (count, count),
        Replicas::Autoscaled { min, max } => (min, max),
    };
    let probe_name = |probe: &model::Probe| match probe.kind {
        model::ProbeKind::Liveness => "liveness",
        model::ProbeKind::Readiness => "readiness",
        model::ProbeKind::Startup => "startup",
    };
    let mut resources = ResourcesView::default();
    if let Some(declared) = &service.resources {
        resources.requests = declared.requests.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
        resources.limits = declared.limits.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
    }
    View {
        name: &service.name,
        environment: &service.environment,
        tier: &service.tier,
        kind: service.kind.as_str(),
        description: text(service.description.as_ref()),
        owner: text(service.owner.as_ref()),
        system: text(service.system.as_ref()),
        language: text(service.language.as_ref()),
        namespace: &service.namespace,
        image: &service.image,
        replicas: ReplicasView {
            min: i64::from(min),
            max: i64::from(max),
            autoscaled: matches!(service.replicas, Replicas::Autoscaled { .. }),
        },
        ports: service
            .ports
            .iter()
            .map(|port| PortView {
                name: &port.name,
                number: i64::from(port.number),
                protocol: port.protocol.as_str(),
                exposed: port.expose,
            })
            .collect(),
        probes: service.probes.iter().map(probe_name).collect(),
        resources,
        env: service
            .env
            .iter()
            .filter_map(|var| match &var.value {
                EnvValue::Literal(value) => Some((var.name.as_str(), value.as_str())),
                EnvValue::Field(_) | EnvValue::Resource(_) => None,
            })
            .collect(),
        secrets: service.secrets.iter().map(|secret| secret.name.as_str()).collect(),
        depends_on: service.depends_on.iter().map(|dependency| dependency.service.as_str()).collect(),
        databases: service.databases.iter().map(|database| database.name.as_str()).collect(),
        provides_apis: service.provides_apis.iter().map(String::as_str).collect(),
        consumes_apis: service.consumes_apis.iter().map(String::as_str).collect(),
        labels: &service.labels,
        pod_annotations: &service.pod_annotations,
        exposed: service
            .expose
            .iter()
            .map(|expose| match expose {
                Expose::Gateway { .. } => "gateway",
                Expose::LoadBalancer => "load-balancer",
            })
            .collect(),
        hosts: service
            .expose
            .iter()
            .flat_map(|expose| match expose {
                Expose::Gateway { hosts } => hosts.iter().map(String::as_str).collect(),
                Expose::LoadBalancer => Vec::new(),
            })
            .collect(),
        pdb: service.pdb.is_some(),
        security: SecurityView {
            run_as_user: service.security.run_as_user,
            run_as_non_root: service.security.run_as_non_root,
            read_only_root: service.security.read_only_root,
            privilege_escalation: service.security.privilege_escalation,
            add_capabilities: service.security.add_capabilities.iter().map(String::as_str).collect(),
            seccomp: &service.security.seccomp,
        },
        sidecars: containers(&service.sidecars),
        init_containers: containers(&service.init_containers),
        schedule: service.schedule.as_ref().map_or("", |schedule| schedule.cron.as_str()),
        slo: SloView {
            availability: service.slo.as_ref().and_then(|slo| slo.availability.parse().ok()).unwrap_or(0.0),
        },
        patched: !service.patches.is_empty() || !service.manifests.is_empty(),
    }
}

/// The `service` variable of custom rules.
pub(super) fn project(service: &Service) -> cel::Value {
    cel::to_value(view(service)).unwrap_or(cel::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{diagnostics, table};
    use super::*;

    const PLATFORM: &str = r#"
team payments
rule require-system expression="service.system != ''" message="every service belongs to a system" severity=deny
rule critical-has-three expression="service.tier != 'critical' || service.replicas.min >= 3" message="critical services run three replicas"
rule no-debug-env expression="!('DEBUG' in service.env) || service.env['DEBUG'] != 'true'" message="no debug mode" severity=warn
"#;

    #[test]
    fn custom_rules_pass_and_fail() {
        table(
            "policy::custom",
            PLATFORM,
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; system shop; owner payments }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; system shop; env DEBUG="false" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; system shop; tier critical; replicas min=3 max=5 }"#,
            ],
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; system shop; env DEBUG="true" }"#,
            ],
        );
    }

    #[test]
    fn a_failing_rule_names_itself_and_takes_its_severity() {
        let found = diagnostics(PLATFORM, r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#);
        let custom: Vec<&Diagnostic> = found.iter().filter(|diagnostic| diagnostic.code == "policy::custom").collect();
        assert_eq!(custom.len(), 1, "{custom:#?}");
        assert_eq!(custom[0].message, "`api` breaks rule `require-system`: every service belongs to a system");
        assert_eq!(custom[0].severity, crate::Severity::Error);

        let spec = r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; system shop; env DEBUG="true" }"#;
        let found = diagnostics(PLATFORM, spec);
        let custom: Vec<&Diagnostic> = found.iter().filter(|diagnostic| diagnostic.code == "policy::custom").collect();
        assert_eq!(custom.len(), 1, "{custom:#?}");
        assert!(custom[0].message.contains("`no-debug-env`"));
        assert_eq!(custom[0].severity, crate::Severity::Warning);
    }

    #[test]
    fn a_waiver_or_a_tier_turns_a_custom_rule_off() {
        let spec =
            r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; waive require-system reason="a shared tool" }"#;
        let found = diagnostics(PLATFORM, spec);
        assert!(found.iter().all(|diagnostic| !diagnostic.message.contains("breaks rule `require-system`")));
        assert!(found.iter().any(|diagnostic| diagnostic.code == "policy::waived"));
        let platform = format!("{PLATFORM}\ntier standard {{\n    policy require-system off\n}}\n");
        let found = diagnostics(&platform, r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#);
        assert!(found.iter().all(|diagnostic| !diagnostic.message.contains("breaks rule `require-system`")));
    }

    fn invalid(expression: &str) -> Vec<Diagnostic> {
        let platform = format!("rule broken expression=\"{expression}\" message=\"m\"\n");
        let found = diagnostics(&platform, r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#);
        found.into_iter().filter(|diagnostic| diagnostic.code == "policy::invalid-rule").collect()
    }

    #[test]
    fn invalid_expressions_are_reported_at_the_expression() {
        let syntax = invalid("service.owner ==");
        assert_eq!(syntax.len(), 1, "{syntax:#?}");
        assert!(syntax[0].message.contains("not valid CEL"), "{}", syntax[0].message);
        // The span points inside the expression, after `rule broken expression="`.
        assert!(syntax[0].primary.span.start as usize > "rule broken expression=\"".len());

        let variable = invalid("owner == 'a'");
        assert_eq!(variable.len(), 1, "{variable:#?}");
        assert!(variable[0].message.contains("`owner` is not defined"), "{}", variable[0].message);

        let key = invalid("service.nmae == 'a'");
        assert_eq!(key.len(), 1, "{key:#?}");
        assert!(key[0].message.contains("cannot be evaluated for `api`"), "{}", key[0].message);

        let not_bool = invalid("service.replicas.min");
        assert_eq!(not_bool.len(), 1, "{not_bool:#?}");
        assert!(not_bool[0].message.contains("not true or false"), "{}", not_bool[0].message);

        let deep = invalid(&"(".repeat(10_000));
        assert_eq!(deep.len(), 1, "{deep:#?}");
        let long = invalid(&format!("{} == 1", vec!["1"; 2000].join("+")));
        assert_eq!(long.len(), 1, "{long:#?}");
        assert!(long[0].message.contains("operator characters"), "{}", long[0].message);
        assert!(invalid("service.image.startsWith('https://a.b/c?d=e&f=g+h')").is_empty());
        // The longest chain allowed parses and runs on a test thread's small stack.
        assert!(invalid(&format!("{} >= 1", vec!["1"; 190].join("+"))).is_empty());
        assert!(invalid(&format!("{}true", "!".repeat(198))).is_empty());
        let nested = invalid("service.env.all(k, service.env.exists(j, j == k))");
        assert_eq!(nested.len(), 1, "{nested:#?}");
        assert!(
            invalid("service.ports.all(p, p.number > 1024) && service.probes.exists(p, p == 'readiness')").is_empty()
        );

        let taken = diagnostics(
            "rule latest-tag expression=\"true\" message=\"m\"\n",
            r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#,
        );
        assert!(taken.iter().any(|diagnostic| diagnostic.code == "policy::invalid-rule"), "{taken:#?}");
    }

    #[test]
    fn comprehensions_may_bind_their_own_variables() {
        assert!(invalid("service.ports.all(p, p.number > 1024)").is_empty());
        assert!(invalid("service.probes.exists(p, p == 'readiness')").is_empty());
        assert!(invalid("service.image.matches('^ghcr[.]io/')").is_empty());
    }

    #[test]
    fn the_projection_is_documented() {
        let workspace = crate::Workspace::from_files([(
            "platc.kdl",
            r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#,
        )]);
        let compilation = crate::compile(&workspace);
        let service = compilation.services.first().expect("a service");
        let value = serde_json::to_value(view(service)).expect("serializable");
        let mut paths = Vec::new();
        for (key, value) in value.as_object().expect("an object") {
            match value.as_object() {
                Some(inner) if !matches!(key.as_str(), "labels" | "pod_annotations" | "env") => {
                    paths.extend(inner.keys().map(|inner| format!("{key}.{inner}")));
                }
                _ => paths.push(key.clone()),
            }
        }
        let documented: Vec<String> = PROJECTION.iter().map(|(path, _, _)| (*path).to_owned()).collect();
        paths.sort();
        let mut sorted = documented.clone();
        sorted.sort();
        assert_eq!(paths, sorted);
    }
}
