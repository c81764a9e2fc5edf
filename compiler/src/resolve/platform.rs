//! The platform's own settings (`registry`, `mesh`, `gitops`, `team`, …):
//! the top-level nodes of the stdlib and `platform.kdl`, merged, read into
//! `model::Platform`.

use super::read::{Reader, arg, child, prop};
use crate::diagnostic::Diagnostic;
use crate::model::{self, CiAuth, Mesh, PolicyLevel};
use crate::syntax::Node;

/// Reads the merged settings into `platform`.
pub(super) fn settings(settings: &[Node], platform: &mut model::Platform, reader: &mut Reader<'_>) {
    for node in settings {
        match node.name.as_str() {
            "registry" => {
                reader.expect_entries(node, 1, &[]);
                platform.registry = node.args.first().and_then(|value| reader.string(value, "`registry`"));
            }
            "team" => {
                reader.expect_entries(node, 1, &["name", "description", "email"]);
                if let Some(name) = arg(node, 0, "name").and_then(|value| reader.dns_label(value, "team name")) {
                    let team = model::Team {
                        span: Some(node.span),
                        description: prop(node, "description").and_then(|value| reader.string(value, "`description`")),
                        email: prop(node, "email").and_then(|value| reader.string(value, "`email`")),
                    };
                    platform.teams.insert(name, team);
                }
            }
            "system" => {
                reader.expect_entries(node, 1, &["name", "owner", "description"]);
                if let Some(name) = arg(node, 0, "name").and_then(|value| reader.dns_label(value, "system name")) {
                    let system = model::System {
                        owner: prop(node, "owner").and_then(|value| reader.dns_label(value, "`owner`")),
                        description: prop(node, "description").and_then(|value| reader.string(value, "`description`")),
                    };
                    platform.systems.insert(name, system);
                }
            }
            "mesh" => {
                reader.expect_entries(node, 1, &[]);
                if let Some(value) = node.args.first()
                    && let Some(mesh) = reader.choice(
                        value,
                        "mesh",
                        &[("istio", Mesh::Istio), ("linkerd", Mesh::Linkerd), ("none", Mesh::None)],
                    )
                {
                    platform.mesh = mesh;
                }
            }
            "gitops" => {
                reader.expect_entries(node, 0, &["repo", "revision", "namespace"]);
                let repo = prop(node, "repo").and_then(|value| reader.string(value, "`repo`"));
                if repo.is_none() {
                    reader.missing(
                        node.name_span,
                        "`gitops` needs the repository URL",
                        "write `gitops repo=\"https://github.com/acme/platform.git\"`",
                    );
                }
                let revision = prop(node, "revision")
                    .and_then(|value| reader.text(value, "`revision`"))
                    .unwrap_or_else(|| "main".to_owned());
                let namespace = prop(node, "namespace")
                    .and_then(|value| reader.dns_label(value, "`namespace`"))
                    .unwrap_or_else(|| "argocd".to_owned());
                platform.gitops = repo.map(|repo_url| model::GitOps { repo_url, revision, namespace });
            }
            "github" => {
                reader.expect_entries(node, 0, &["repository"]);
                if let Some(value) = prop(node, "repository") {
                    let repository = reader.string(value, "`repository`");
                    match repository {
                        Some(text) if text.split('/').count() == 2 && !text.contains(char::is_whitespace) => {
                            platform.github_repository = Some(text);
                        }
                        Some(text) => reader.report(
                            Diagnostic::error(
                                "spec::invalid-value",
                                value.span,
                                format!("`{text}` is not `owner/name`"),
                            )
                            .primary_text("expected owner/name")
                            .help("write `github repository=\"acme/platform\"`"),
                        ),
                        None => {}
                    }
                }
            }
            "secret-store" => {
                reader.expect_entries(node, 1, &["name", "kind", "refresh", "mount"]);
                let mut store = model::SecretStore::default();
                if let Some(name) = arg(node, 0, "name").and_then(|value| reader.dns_label(value, "secret store name"))
                {
                    store.name = name;
                }
                if let Some(value) = prop(node, "kind")
                    && let Some(kind) = reader.choice(
                        value,
                        "store kind",
                        &[("ClusterSecretStore", "ClusterSecretStore"), ("SecretStore", "SecretStore")],
                    )
                {
                    kind.clone_into(&mut store.kind);
                }
                if let Some(value) = prop(node, "refresh")
                    && let Some(seconds) = reader.duration(value, "`refresh`")
                {
                    store.refresh = format_duration(seconds);
                }
                if let Some(value) = prop(node, "mount") {
                    store.as_files =
                        reader.choice(value, "secret mount", &[("env", false), ("files", true)]).unwrap_or(false);
                }
                platform.secret_store = store;
            }
            "monitoring" => {
                reader.expect_entries(node, 0, &["namespace", "labels"]);
                let mut monitoring = model::Monitoring::default();
                if let Some(namespace) =
                    prop(node, "namespace").and_then(|value| reader.dns_label(value, "`namespace`"))
                {
                    monitoring.namespace = namespace;
                }
                if let Some(labels) = child(node, "labels") {
                    let names: Vec<&str> = labels.props.iter().map(|prop| prop.key.as_str()).collect();
                    reader.expect_entries(labels, 0, &names);
                    for entry in &labels.props {
                        if let Some(text) = reader.text(&entry.value, &format!("label `{}`", entry.key)) {
                            monitoring.labels.insert(entry.key.clone(), text);
                        }
                    }
                }
                platform.monitoring = monitoring;
            }
            "ingress-gateway" => {
                reader.expect_entries(node, 1, &["gateway", "namespace"]);
                if let Some(gateway) = arg(node, 0, "gateway").and_then(|value| reader.string(value, "the gateway")) {
                    let namespace = prop(node, "namespace")
                        .and_then(|value| reader.dns_label(value, "`namespace`"))
                        .or_else(|| gateway.split_once('/').map(|(namespace, _)| namespace.to_owned()))
                        .unwrap_or_else(|| "istio-system".to_owned());
                    platform.ingress_gateway = model::IngressGateway { gateway, namespace };
                }
            }
            "grafana" => {
                reader.expect_entries(node, 0, &["url", "dashboard-label"]);
                if let Some(url) = prop(node, "url").and_then(|value| reader.string(value, "`url`")) {
                    let dashboard_label = prop(node, "dashboard-label")
                        .and_then(|value| reader.string(value, "`dashboard-label`"))
                        .unwrap_or_else(|| "grafana_dashboard".to_owned());
                    platform.grafana =
                        Some(model::Grafana { url: url.trim_end_matches('/').to_owned(), dashboard_label });
                }
            }
            "catalog-annotations" => {
                let names: Vec<&str> = node.props.iter().map(|prop| prop.key.as_str()).collect();
                reader.expect_entries(node, 0, &names);
                for entry in &node.props {
                    if let Some(text) = reader.string(&entry.value, &format!("annotation `{}`", entry.key)) {
                        platform.catalog_annotations.insert(entry.key.clone(), text);
                    }
                }
            }
            "database-class" => {
                if let Some(class) = database_class(node, reader) {
                    platform.database_classes.insert(class.name.clone(), class);
                }
            }
            "action" => {
                reader.expect_entries(node, 1, &["name", "uses", "sha", "version"]);
                let Some(name) = arg(node, 0, "name").and_then(|value| reader.dns_label(value, "action name")) else {
                    continue;
                };
                let uses = prop(node, "uses").and_then(|value| reader.string(value, "`uses`"));
                let version = prop(node, "version").and_then(|value| reader.string(value, "`version`"));
                let sha = if let Some(value) = prop(node, "sha") {
                    match reader.string(value, "`sha`") {
                        Some(sha)
                            if sha.len() == 40
                                && sha.bytes().all(|byte| byte.is_ascii_hexdigit() && !byte.is_ascii_uppercase()) =>
                        {
                            Some(sha)
                        }
                        Some(sha) => {
                            reader.report(
                                Diagnostic::error(
                                    "spec::invalid-value",
                                    value.span,
                                    format!("`{sha}` is not a full commit SHA"),
                                )
                                .primary_text("expected 40 lowercase hex digits")
                                .help("pin actions to the full commit SHA of a release; tags can move"),
                            );
                            None
                        }
                        None => None,
                    }
                } else {
                    reader.missing(
                        node.name_span,
                        format!("action `{name}` has no `sha`"),
                        "pin it: `sha=\"<40 hex digits>\"`",
                    );
                    None
                };
                if let (Some(uses), Some(sha), Some(version)) = (uses, sha, version) {
                    platform.actions.insert(name, model::Action { uses, sha, version });
                }
            }
            "toolchain" => {
                reader.expect_entries(
                    node,
                    1,
                    &["name", "setup", "version-input", "version", "test", "lint", "coverage"],
                );
                let Some(name) = arg(node, 0, "name").and_then(|value| reader.dns_label(value, "toolchain name"))
                else {
                    continue;
                };
                let entry = |reader: &mut Reader<'_>, key: &str| {
                    prop(node, key).and_then(|value| reader.text(value, &format!("`{key}`")))
                };
                let Some(test) = entry(reader, "test") else {
                    reader.missing(
                        node.name_span,
                        format!("toolchain `{name}` has no `test` command"),
                        "add `test=\"make test\"`",
                    );
                    continue;
                };
                let toolchain = model::Toolchain {
                    setup: entry(reader, "setup"),
                    version_input: entry(reader, "version-input"),
                    version: entry(reader, "version"),
                    test,
                    lint: entry(reader, "lint"),
                    coverage: entry(reader, "coverage"),
                };
                platform.toolchains.insert(name, toolchain);
            }
            "ci-auth" => {
                reader.expect_entries(node, 1, &["type", "role", "region", "provider", "service-account"]);
                let Some(value) = arg(node, 0, "type") else { continue };
                let text = |reader: &mut Reader<'_>, key: &str| {
                    let value = prop(node, key).and_then(|value| reader.string(value, &format!("`{key}`")));
                    if value.is_none() {
                        reader.missing(
                            node.name_span,
                            format!("`ci-auth` needs `{key}`"),
                            "see the platform reference for `ci-auth`",
                        );
                    }
                    value
                };
                match reader.choice(value, "CI authentication", &[("ghcr", 0), ("aws", 1), ("gcp", 2)]) {
                    Some(0) => platform.ci_auth = CiAuth::Ghcr,
                    Some(1) => {
                        if let (Some(role), Some(region)) = (text(reader, "role"), text(reader, "region")) {
                            platform.ci_auth = CiAuth::Aws { role, region };
                        }
                    }
                    Some(_) => {
                        if let (Some(provider), Some(service_account)) =
                            (text(reader, "provider"), text(reader, "service-account"))
                        {
                            platform.ci_auth = CiAuth::Gcp { provider, service_account };
                        }
                    }
                    None => {}
                }
            }
            "allowed-registries" => {
                reader.expect_entries(node, usize::MAX, &[]);
                let prefixes: Vec<String> = node
                    .args
                    .iter()
                    .filter_map(|value| reader.string(value, "a registry prefix"))
                    .map(|prefix| prefix.trim_end_matches('/').to_owned())
                    .filter(|prefix| !prefix.is_empty())
                    .collect();
                if prefixes.is_empty() && node.args.is_empty() {
                    reader.missing(
                        node.name_span,
                        "`allowed-registries` lists no registry",
                        "write `allowed-registries \"ghcr.io/acme\"`, or remove the line to allow any registry",
                    );
                }
                platform.allowed_registries = prefixes;
                platform.allowed_registries_span = Some(node.span);
            }
            "policy" => {
                if let Some((rule, setting)) = policy(node, reader) {
                    platform.policies.insert(rule, setting);
                }
            }
            "rule" => {
                if let Some(rule) = custom_rule(node, reader) {
                    platform.rules.push(rule);
                }
            }
            "network-policy" => {
                reader.expect_entries(node, 0, &["egress"]);
                if let Some(value) = prop(node, "egress")
                    && let Some(strict) = reader.choice(value, "egress policy", &[("strict", true), ("open", false)])
                {
                    platform.strict_egress = strict;
                }
            }
            _ => {}
        }
    }
}

/// `policy RULE deny|warn|off min=N`, at the top level or in a layer. The
/// rule id is checked by `validate`, which knows the rules.
pub(super) fn policy(node: &Node, reader: &mut Reader<'_>) -> Option<(String, model::PolicySetting)> {
    reader.expect_entries(node, 2, &["rule", "level", "min"]);
    let Some(rule_value) = arg(node, 0, "rule") else {
        reader.missing(node.name_span, "`policy` needs the id of a rule", "write `policy latest-tag deny`");
        return None;
    };
    let rule = reader.string(rule_value, "a rule id")?;
    let Some(level_value) = arg(node, 1, "level") else {
        reader.missing(
            node.name_span,
            format!("`policy {rule}` needs a severity"),
            format!("write `policy {rule} deny`, `warn` or `off`"),
        );
        return None;
    };
    let level = reader.choice(
        level_value,
        "severity",
        &[("deny", PolicyLevel::Deny), ("warn", PolicyLevel::Warn), ("off", PolicyLevel::Off)],
    )?;
    let min = match prop(node, "min") {
        Some(value) => Some((reader.u32(value, "`min`", 0, 1000)?, value.span)),
        None => None,
    };
    Some((rule, model::PolicySetting { level, min, rule_span: rule_value.span, span: node.span }))
}

/// `rule NAME expression="…" message="…" severity=deny`; the expression is
/// compiled by `validate`.
fn custom_rule(node: &Node, reader: &mut Reader<'_>) -> Option<model::CustomRule> {
    reader.expect_entries(node, 1, &["name", "expression", "message", "severity"]);
    let Some(name_value) = arg(node, 0, "name") else {
        reader.missing(
            node.name_span,
            "`rule` needs a name",
            "write `rule require-system expression=\"…\" message=\"…\"`",
        );
        return None;
    };
    let name = reader.dns_label(name_value, "rule name")?;
    let Some(expression_value) = prop(node, "expression") else {
        reader.missing(
            node.name_span,
            format!("rule `{name}` has no `expression`"),
            "write `expression=\"service.owner != ''\"`: a CEL expression that is true when a service complies",
        );
        return None;
    };
    let expression = reader.string(expression_value, "`expression`")?;
    let Some(message_value) = prop(node, "message") else {
        reader.missing(
            node.name_span,
            format!("rule `{name}` has no `message`"),
            "write `message=\"…\"`: what is wrong with a service that breaks the rule",
        );
        return None;
    };
    let message = reader.string(message_value, "`message`")?;
    let level = match prop(node, "severity") {
        Some(value) => reader.choice(
            value,
            "severity",
            &[("deny", PolicyLevel::Deny), ("warn", PolicyLevel::Warn), ("off", PolicyLevel::Off)],
        )?,
        None => PolicyLevel::Deny,
    };
    Some(model::CustomRule {
        name,
        name_span: name_value.span,
        expression,
        expression_span: expression_value.span,
        message,
        level,
        span: node.span,
    })
}

fn database_class(node: &Node, reader: &mut Reader<'_>) -> Option<model::DatabaseClass> {
    reader.expect_entries(node, 1, &["name", "engine", "storage-gb", "claim", "provider"]);
    let name = arg(node, 0, "name").and_then(|value| reader.dns_label(value, "database class name"))?;
    let engine = match prop(node, "engine") {
        Some(value) => reader.choice(value, "database engine", &[("postgres", "postgres"), ("mysql", "mysql")])?,
        None => "postgres",
    };
    let storage_gb = match prop(node, "storage-gb") {
        Some(value) => Some(reader.u32(value, "`storage-gb`", 1, 65_536)?),
        None => None,
    };
    let Some(claim) = child(node, "claim") else {
        reader.missing(
            node.name_span,
            format!("database class `{name}` has no `claim`"),
            "add `claim api=\"database.platform.io/v1alpha1\" kind=PostgreSQLInstance`",
        );
        return None;
    };
    let Some(provider) = child(node, "provider") else {
        reader.missing(
            node.name_span,
            format!("database class `{name}` has no `provider`"),
            "add `provider api=\"rds.aws.upbound.io/v1beta1\" kind=Instance region=\"us-east-1\"`",
        );
        return None;
    };
    reader.expect_entries(claim, 0, &["api", "kind"]);
    reader.expect_entries(provider, 0, &["api", "kind", "region", "instance-class", "engine-version"]);
    let mut text = |node: &Node, key: &str| {
        let value = prop(node, key).and_then(|value| reader.text(value, &format!("`{key}`")));
        if value.is_none() {
            reader.missing(
                node.name_span,
                format!("`{}` needs `{key}`", node.name),
                "see the platform reference for `database-class`",
            );
        }
        value
    };
    let claim_api = text(claim, "api")?;
    let claim_kind = text(claim, "kind")?;
    let provider_api = text(provider, "api")?;
    let provider_kind = text(provider, "kind")?;
    let region = text(provider, "region")?;
    let instance_class = text(provider, "instance-class")?;
    let engine_version = text(provider, "engine-version")?;
    if claim_api.split_once('/').is_none_or(|(group, _)| !group.contains('.')) {
        reader.report(
            Diagnostic::error(
                "spec::invalid-value",
                claim.span,
                format!("claim API `{claim_api}` is not `group/version`"),
            )
            .primary_text("expected e.g. database.platform.io/v1alpha1")
            .help("the group needs a dot: it becomes the CompositeResourceDefinition's group"),
        );
        return None;
    }
    Some(model::DatabaseClass {
        name,
        engine: engine.to_owned(),
        storage_gb,
        claim_api,
        claim_kind,
        provider_api,
        provider_kind,
        region,
        instance_class,
        engine_version,
    })
}

/// Seconds as Go duration text: `3600` → `1h`, `90` → `90s`.
pub(crate) fn format_duration(seconds: u32) -> String {
    if seconds > 0 && seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds > 0 && seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}
