//! Typed decoding of merged fields into a [`model::Service`].
//!
//! Runs in two modes: `complete` for a service in an environment (every
//! required field must be there), and partial for a single layer on its own
//! (a tier, the defaults, one environment block), which only checks the values
//! that are written, so that a mistake in a layer is reported even where a
//! later layer hides it.

use std::collections::{BTreeMap, BTreeSet};

use super::image;
use super::quantity::{self, Resource};
use super::read::{Reader, arg, check_dns_label, child, list, prop};
use crate::diagnostic::Diagnostic;
use crate::model::{
    self, Budget, Canary, ConfigFile, Container, Database, Dependency, EnvValue, EnvVar, Expose, IntOrPercent, Kind,
    Metrics, PortRef, Probe, ProbeHandler, ProbeKind, Protocol, Replicas, Resources, Schedule, Secret, Security,
    ServiceAccount, Strategy, Toleration, TopologySpread, Volume,
};
use crate::source::Span;
use crate::syntax::{Node, Scalar, Value};

/// What a decode needs beyond the fields.
pub(crate) struct Inputs<'a> {
    pub(crate) name: &'a str,
    pub(crate) name_span: Span,
    pub(crate) tier: &'a str,
    pub(crate) environment: &'a str,
    pub(crate) spec_path: &'a str,
    pub(crate) folder: &'a str,
    pub(crate) platform: &'a model::Platform,
    /// Reads a file of the repository, by repository-relative path.
    pub(crate) read_file: &'a dyn Fn(&str) -> Option<String>,
    /// Lists the files directly in a repository folder, by repository-relative path.
    pub(crate) list_files: &'a dyn Fn(&str) -> Vec<String>,
}

/// Checks the values of one layer's fields, without requiring any.
pub(crate) fn check_layer(fields: &[Node], reader: &mut Reader<'_>) {
    let mut decoder = Decoder { fields, reader, complete: false, origins: BTreeMap::new() };
    decoder.check_all();
}

/// Decodes merged fields into a service; `None` when a required value is
/// missing or invalid (reported).
pub(crate) fn service(fields: &[Node], inputs: &Inputs<'_>, reader: &mut Reader<'_>) -> Option<model::Service> {
    let mut decoder = Decoder { fields, reader, complete: true, origins: BTreeMap::new() };
    decoder.service(inputs)
}

struct Decoder<'f, 'r, 'd> {
    fields: &'f [Node],
    reader: &'r mut Reader<'d>,
    complete: bool,
    origins: BTreeMap<&'static str, Vec<Span>>,
}

const PROBE_KINDS: &[(&str, ProbeKind)] =
    &[("liveness", ProbeKind::Liveness), ("readiness", ProbeKind::Readiness), ("startup", ProbeKind::Startup)];

impl<'f> Decoder<'f, '_, '_> {
    /// The winning node of a field.
    fn get(&mut self, name: &'static str) -> Option<&'f Node> {
        let node = self.fields.iter().rev().find(|node| node.name == name)?;
        self.origins.insert(name, vec![node.span]);
        Some(node)
    }

    /// Every node of a repeated field (each item that won its key).
    fn all(&mut self, name: &'static str) -> Vec<&'f Node> {
        let nodes: Vec<&'f Node> = self.fields.iter().filter(|node| node.name == name).collect();
        if !nodes.is_empty() {
            self.origins.insert(name, nodes.iter().map(|node| node.span).collect());
        }
        nodes
    }

    /// Partial mode: every field's value, checked on its own.
    fn check_all(&mut self) {
        let inputs_platform = model::Platform::default();
        let read_nothing = |_: &str| None;
        let list_nothing = |_: &str| Vec::new();
        let inputs = Inputs {
            name: "service",
            name_span: Span::file_start(crate::source::FileId(0)),
            tier: "",
            environment: "",
            spec_path: "",
            folder: "",
            platform: &inputs_platform,
            read_file: &read_nothing,
            list_files: &list_nothing,
        };
        let _ = self.service(&inputs);
    }

    fn service(&mut self, inputs: &Inputs<'_>) -> Option<model::Service> {
        let description = self.single_string("description");
        let owner = self.single_string("owner");
        let system = self.single_string("system");
        let language = self.single_string("language");
        let kind = self.kind();
        let image = self.image(inputs);
        let image_pull_policy = self.get("image-pull-policy").and_then(|node| self.first_arg(node)).and_then(|value| {
            self.reader.choice(value, "image pull policy", &[("always", "Always"), ("if-not-present", "IfNotPresent")])
        });
        let schedule = self.schedule(kind);
        let command = self.strings("command");
        let args = self.strings("args");
        let mut ports = self.ports();
        let metrics = self.metrics(&mut ports);
        let probes = self.probes(&ports);
        let resources = self.resources();
        let replicas = self.replicas();
        let autoscaling = self.autoscaling();
        let pdb = self.pdb();
        let topology_spread = self.topology_spread();
        let env = self.get("env").map(|node| self.env(node)).unwrap_or_default();
        let secrets = self.secrets();
        let depends_on = self.depends_on(inputs.name);
        let provides_apis = self.names("provides-api");
        let consumes_apis = self.names("consumes-api");
        let databases = self.databases(inputs);
        let canary = self.canary(inputs, image.as_deref());
        let init_containers = self.containers("init-container", inputs);
        let sidecars = self.containers("sidecar", inputs);
        let volumes = self.volumes();
        let config_files = self.config_files(inputs);
        let security = self.security();
        let service_account = self.service_account();
        let expose = self.expose();
        let node_selector = self.string_map("node-selector");
        let tolerations = self.tolerations();
        let pod_annotations = self.string_map("pod-annotations");
        let labels = self.string_map("labels");
        let strategy = self.strategy();
        let termination_grace_seconds = self
            .get("termination-grace")
            .and_then(|node| self.first_arg(node))
            .and_then(|value| self.reader.duration(value, "termination grace period"));
        let migrate = self.strings("migrate");
        let catalog = self.string_map("catalog");
        let traffic = self.traffic();
        let slo = self.slo();
        let checkov_skips = self.checkov_skips();
        let patches = self.patches();
        let manifests = self.manifests(inputs);
        let policies = self.policies();
        let waivers = self.waivers();
        self.check_env_names(&env, &secrets);
        let namespace = self.namespace(inputs, system.as_deref(), owner.as_deref());

        if !self.complete {
            return None;
        }
        let kind = self.required(kind, "kind", inputs, "kind web")?;
        let image = self.required(image, "image", inputs, "image \"ghcr.io/acme/my-service:1.0.0\"")?;
        let replicas = self.required(replicas, "replicas", inputs, "replicas 2")?;
        let security = self.required(security, "security", inputs, "security run-as-user=10001")?;
        let strategy = self.required(strategy, "strategy", inputs, "strategy max-surge=\"25%\" max-unavailable=0")?;
        let namespace = self.required(namespace, "namespace", inputs, "namespace \"{service}\"")?;
        if kind == Kind::Cron && schedule.is_none() && !self.fields.iter().any(|node| node.name == "schedule") {
            self.reader.missing(
                inputs.name_span,
                format!("`{}` is a cron job without a `schedule`", inputs.name),
                "add `schedule \"0 * * * *\"`",
            );
            return None;
        }
        Some(model::Service {
            name: inputs.name.to_owned(),
            name_span: inputs.name_span,
            environment: inputs.environment.to_owned(),
            spec_path: inputs.spec_path.to_owned(),
            folder: inputs.folder.to_owned(),
            description,
            owner,
            system,
            tier: inputs.tier.to_owned(),
            kind,
            language,
            namespace,
            image,
            image_pull_policy: image_pull_policy.unwrap_or("Always"),
            schedule,
            command,
            args,
            ports,
            metrics,
            probes,
            resources: resources?,
            replicas,
            autoscaling,
            pdb: pdb?,
            topology_spread: topology_spread?,
            env,
            secrets,
            depends_on,
            dependents: Vec::new(),
            provides_apis,
            consumes_apis,
            databases,
            canary,
            init_containers,
            sidecars,
            volumes,
            config_files,
            security,
            service_account: service_account?,
            expose,
            node_selector,
            tolerations,
            pod_annotations,
            labels,
            strategy,
            termination_grace_seconds,
            migrate,
            catalog,
            traffic,
            slo,
            checkov_skips,
            patches,
            manifests,
            policies,
            waivers,
            origins: std::mem::take(&mut self.origins),
        })
    }

    fn required<T>(&mut self, value: Option<T>, field: &str, inputs: &Inputs<'_>, example: &str) -> Option<T> {
        if value.is_none() && !self.fields.iter().any(|node| node.name == field) {
            self.reader.missing(
                inputs.name_span,
                format!("`{}` has no `{field}`", inputs.name),
                format!("add `{example}` to the service, or to `defaults` in platform.kdl"),
            );
        }
        value
    }

    fn first_arg(&mut self, node: &'f Node) -> Option<&'f Value> {
        self.reader.expect_entries(node, 1, &[]);
        let value = node.args.first();
        if value.is_none() {
            self.reader.missing(node.name_span, format!("`{}` needs a value", node.name), field_help(&node.name));
        }
        value
    }

    fn single_string(&mut self, name: &'static str) -> Option<String> {
        let node = self.get(name)?;
        let value = self.first_arg(node)?;
        self.reader.string(value, &format!("`{name}`"))
    }

    fn strings(&mut self, name: &'static str) -> Vec<String> {
        let Some(node) = self.get(name) else { return Vec::new() };
        self.node_strings(node)
    }

    fn node_strings(&mut self, node: &Node) -> Vec<String> {
        self.reader.expect_entries(node, usize::MAX, &[]);
        let what = format!("`{}`", node.name);
        node.args.iter().filter_map(|value| self.reader.text(value, &what)).collect()
    }

    fn names(&mut self, name: &'static str) -> Vec<String> {
        let mut names = Vec::new();
        let mut seen = BTreeSet::new();
        for node in self.all(name) {
            self.reader.expect_entries(node, usize::MAX, &["name"]);
            for value in node.args.iter().chain(prop(node, "name")) {
                if let Some(text) = self.reader.dns_label(value, &format!("`{name}` name"))
                    && seen.insert(text.clone())
                {
                    names.push(text);
                }
            }
        }
        names
    }

    fn string_map(&mut self, name: &'static str) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        let Some(node) = self.get(name) else { return map };
        let allowed: Vec<&str> = match name {
            "catalog" => vec!["type", "lifecycle", "subcomponent-of"],
            _ => node
                .props
                .iter()
                .map(|prop| prop.key.as_str())
                .chain(node.children.iter().map(|c| c.name.as_str()))
                .collect(),
        };
        self.reader.expect_entries(node, 0, &allowed);
        // What `prop` finds for each key, in one pass: the last property, else
        // the last child's argument.
        let mut values: BTreeMap<&str, Option<&Value>> = BTreeMap::new();
        for child in &node.children {
            values.insert(&child.name, child.args.first());
        }
        for prop in &node.props {
            values.insert(&prop.key, Some(&prop.value));
        }
        for (key, value) in values {
            if (name != "catalog" || allowed.contains(&key))
                && let Some(value) = value
                && let Some(text) = self.reader.text(value, &format!("`{name} {key}`"))
            {
                map.insert(key.to_owned(), text);
            }
        }
        map
    }

    fn kind(&mut self) -> Option<Kind> {
        let node = self.get("kind")?;
        let value = self.first_arg(node)?;
        self.reader.choice(value, "kind", &[("web", Kind::Web), ("worker", Kind::Worker), ("cron", Kind::Cron)])
    }

    fn image(&mut self, inputs: &Inputs<'_>) -> Option<String> {
        let node = self.get("image")?;
        self.reader.expect_entries(node, 1, &["tag", "name"]);
        let Some(value) = arg(node, 0, "name") else {
            self.reader.missing(node.name_span, "`image` needs a reference", field_help("image"));
            return None;
        };
        let text = self.reader.string(value, "`image`")?;
        let mut reference = match image::parse(&text) {
            Ok(reference) => reference,
            Err(reason) => {
                self.reader.report(
                    Diagnostic::error("spec::invalid-image", value.span, format!("invalid image reference: {reason}"))
                        .primary_text("not an image reference")
                        .help("write `registry.example.com/team/name:1.2.3`"),
                );
                return None;
            }
        };
        if let Some(tag_value) = prop(node, "tag") {
            let tag = self.reader.text(tag_value, "`image tag`")?;
            if reference.tag.is_some() {
                self.reader.report(
                    Diagnostic::error("spec::invalid-image", tag_value.span, "the image has a tag twice")
                        .primary_text("second tag")
                        .label(value.span, "the reference has a tag already")
                        .help("keep one of them"),
                );
                return None;
            }
            match image::parse(&format!("x:{tag}")) {
                Ok(_) => reference.tag = Some(tag),
                Err(reason) => {
                    self.reader.report(
                        Diagnostic::error(
                            "spec::invalid-image",
                            tag_value.span,
                            format!("invalid image tag: {reason}"),
                        )
                        .primary_text("not a tag"),
                    );
                    return None;
                }
            }
        }
        if self.complete && reference.tag.is_none() && reference.digest.is_none() {
            self.reader.report(
                Diagnostic::error("spec::invalid-image", value.span, format!("image `{text}` has no tag or digest"))
                    .primary_text("which version?")
                    .help(format!("pin a version: `image \"{text}:1.0.0\"`, or `tag=` per environment")),
            );
            return None;
        }
        Some(reference.full(inputs.platform.registry.as_deref()))
    }

    fn schedule(&mut self, kind: Option<Kind>) -> Option<Schedule> {
        let node = self.get("schedule")?;
        self.reader.expect_entries(node, 1, &["cron", "concurrency"]);
        let value = arg(node, 0, "cron")?;
        let cron = self.reader.string(value, "`schedule`")?;
        if let Err(reason) = check_cron(&cron) {
            self.reader.report(
                Diagnostic::error("spec::invalid-schedule", value.span, format!("invalid cron schedule: {reason}"))
                    .primary_text("not a schedule")
                    .help("five fields: minute hour day-of-month month day-of-week, e.g. \"*/15 * * * *\""),
            );
            return None;
        }
        let concurrency = match prop(node, "concurrency") {
            Some(value) => self.reader.choice(
                value,
                "concurrency policy",
                &[("allow", "Allow"), ("forbid", "Forbid"), ("replace", "Replace")],
            )?,
            None => "Forbid",
        };
        if self.complete && kind.is_some_and(|kind| kind != Kind::Cron) {
            self.reader.report(
                Diagnostic::error("spec::misplaced-field", node.name_span, "`schedule` is only for `kind cron`")
                    .primary_text("this service is not a cron job")
                    .help("remove `schedule`, or set `kind cron`"),
            );
            return None;
        }
        Some(Schedule { cron, concurrency })
    }

    fn ports(&mut self) -> Vec<model::Port> {
        let mut ports: Vec<model::Port> = Vec::new();
        let (mut numbers, mut names) = (BTreeSet::new(), BTreeSet::new());
        for (index, node) in self.all("port").into_iter().enumerate() {
            self.reader.expect_entries(node, 1, &["port", "name", "protocol", "service-port", "expose"]);
            let Some(number_value) = arg(node, 0, "port") else {
                self.reader.missing(node.name_span, "`port` needs a number", field_help("port"));
                continue;
            };
            let Some(number) = self.port_number(number_value) else { continue };
            let name = match prop(node, "name") {
                Some(value) => match self.port_name(value) {
                    Some(name) => name,
                    None => continue,
                },
                None if index == 0 => "http".to_owned(),
                None => format!("port-{number}"),
            };
            let protocol = match prop(node, "protocol") {
                Some(value) => match self.reader.choice(
                    value,
                    "protocol",
                    &[
                        ("http", Protocol::Http),
                        ("http2", Protocol::Http2),
                        ("grpc", Protocol::Grpc),
                        ("tcp", Protocol::Tcp),
                        ("udp", Protocol::Udp),
                    ],
                ) {
                    Some(protocol) => protocol,
                    None => continue,
                },
                None => infer_protocol(&name),
            };
            let service_port = match prop(node, "service-port") {
                Some(value) => self.port_number(value).unwrap_or(number),
                None => number,
            };
            let expose = prop(node, "expose").and_then(|value| self.reader.bool(value, "`expose`")).unwrap_or(true);
            if numbers.contains(&number) || names.contains(&name) {
                let what =
                    if numbers.contains(&number) { format!("port {number}") } else { format!("port name `{name}`") };
                self.reader.report(
                    Diagnostic::error("spec::duplicate-port", node.span, format!("{what} is declared twice"))
                        .primary_text("declared again here")
                        .help("give every port its own number and name"),
                );
                continue;
            }
            numbers.insert(number);
            names.insert(name.clone());
            ports.push(model::Port { name, number, protocol, service_port, expose });
        }
        ports
    }

    fn port_number(&mut self, value: &Value) -> Option<u16> {
        self.reader.integer(value, "a port", 1, 65535).and_then(|number| u16::try_from(number).ok())
    }

    fn port_name(&mut self, value: &Value) -> Option<String> {
        let name = self.reader.string(value, "a port name")?;
        let valid = !name.is_empty()
            && name.len() <= 15
            && name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
            && name.bytes().any(|byte| byte.is_ascii_lowercase())
            && !name.starts_with('-')
            && !name.ends_with('-')
            && !name.contains("--");
        if valid {
            Some(name)
        } else {
            self.reader.report(
                Diagnostic::error("spec::invalid-name", value.span, format!("invalid port name `{name}`"))
                    .primary_text("not a port name")
                    .help("at most 15 lowercase letters, digits and single `-`, e.g. `http` or `grpc-api`"),
            );
            None
        }
    }

    fn port_ref(&mut self, value: &Value, ports: &[model::Port]) -> Option<PortRef> {
        match &value.scalar {
            Scalar::Integer(_) => self.port_number(value).map(PortRef::Number),
            Scalar::String(name) => {
                if self.complete && !ports.iter().any(|port| &port.name == name) {
                    let names: Vec<&str> = ports.iter().map(|port| port.name.as_str()).collect();
                    self.reader.report(
                        Diagnostic::error("spec::unknown-port", value.span, format!("no port is named `{name}`"))
                            .primary_text("unknown port")
                            .help_opt(crate::diagnostic::did_you_mean(name, names.iter().copied()).or_else(|| {
                                Some(if names.is_empty() {
                                    "declare it: `port 8080 name=http`".to_owned()
                                } else {
                                    format!("the ports are {}", list(&names))
                                })
                            })),
                    );
                    return None;
                }
                Some(PortRef::Name(name.clone()))
            }
            _ => {
                self.reader.text(value, "a port")?;
                None
            }
        }
    }

    fn metrics(&mut self, ports: &mut Vec<model::Port>) -> Option<Metrics> {
        let node = self.get("metrics")?;
        self.reader.expect_entries(node, 0, &["port", "path"]);
        let path = match prop(node, "path") {
            Some(value) => self.http_path(value)?,
            None => "/metrics".to_owned(),
        };
        let port = match prop(node, "port").map(|value| (value, &value.scalar)) {
            Some((value, Scalar::Integer(_))) => {
                let number = self.port_number(value)?;
                if let Some(port) = ports.iter().find(|port| port.number == number) {
                    port.name.clone()
                } else {
                    ports.push(model::Port {
                        name: "http-metrics".to_owned(),
                        number,
                        protocol: Protocol::Http,
                        service_port: number,
                        expose: true,
                    });
                    "http-metrics".to_owned()
                }
            }
            Some((value, _)) => match self.port_ref(value, ports)? {
                PortRef::Name(name) => name,
                PortRef::Number(_) => return None,
            },
            None => ports.first().map(|port| port.name.clone())?,
        };
        Some(Metrics { port, path })
    }

    fn http_path(&mut self, value: &Value) -> Option<String> {
        let path = self.reader.string(value, "an HTTP path")?;
        if path.starts_with('/') && !path.contains(char::is_whitespace) {
            Some(path)
        } else {
            self.reader.report(
                Diagnostic::error("spec::invalid-value", value.span, format!("`{path}` is not an HTTP path"))
                    .primary_text("expected a path starting with `/`")
                    .help(format!("write \"/{}\"", path.trim_start_matches('/').trim())),
            );
            None
        }
    }

    fn probes(&mut self, ports: &[model::Port]) -> Vec<Probe> {
        let defaults = self.probe_defaults();
        let mut probes: BTreeMap<ProbeKind, Probe> = BTreeMap::new();
        let first_port = ports.first().map(|port| PortRef::Name(port.name.clone()));
        if let Some(node) = self.get("probes") {
            let kinds: Vec<&str> = PROBE_KINDS.iter().map(|(name, _)| *name).collect();
            self.reader.expect_entries(node, 0, &kinds);
            for (name, kind) in PROBE_KINDS {
                let Some(value) = prop(node, name) else { continue };
                let Some(path) = self.http_path(value) else { continue };
                let Some(port) = first_port.clone() else {
                    if self.complete {
                        self.reader.report(
                            Diagnostic::error("spec::unknown-port", value.span, "an HTTP probe needs a port")
                                .primary_text("no port to probe")
                                .help("declare one: `port 8080`"),
                        );
                    }
                    continue;
                };
                probes.insert(*kind, defaults.probe(*kind, ProbeHandler::Http { path, port, scheme: "HTTP" }));
            }
        }
        for node in self.all("probe") {
            self.reader.expect_entries(
                node,
                usize::MAX,
                &[
                    "type",
                    "handler",
                    "http",
                    "exec",
                    "port",
                    "scheme",
                    "delay",
                    "period",
                    "timeout",
                    "failures",
                    "successes",
                ],
            );
            let Some(kind_value) = arg(node, 0, "type") else {
                self.reader.missing(node.name_span, "`probe` needs a type", field_help("probe"));
                continue;
            };
            let Some(kind) = self.reader.choice(kind_value, "probe type", PROBE_KINDS) else { continue };
            let Some(handler) = self.probe_handler(node, ports, first_port.as_ref()) else { continue };
            let mut probe = defaults.probe(kind, handler);
            self.probe_timings(node, &mut probe);
            probes.insert(kind, probe);
        }
        probes.into_values().collect()
    }

    fn probe_handler(
        &mut self,
        node: &'f Node,
        ports: &[model::Port],
        first_port: Option<&PortRef>,
    ) -> Option<ProbeHandler> {
        let port = match prop(node, "port") {
            Some(value) => Some(self.port_ref(value, ports)?),
            None => first_port.cloned(),
        };
        let needs_port = |decoder: &mut Self| {
            if decoder.complete {
                decoder.reader.report(
                    Diagnostic::error("spec::unknown-port", node.name_span, "this probe needs a port")
                        .primary_text("no port to probe")
                        .help("declare one with `port 8080`, or set `port=` on the probe"),
                );
            }
        };
        if let Some(exec) = child(node, "exec") {
            let command = self.node_strings(exec);
            return Some(ProbeHandler::Exec { command });
        }
        if let Some(value) = prop(node, "http") {
            let path = self.http_path(value)?;
            let scheme = match prop(node, "scheme") {
                Some(value) => self.reader.choice(value, "scheme", &[("http", "HTTP"), ("https", "HTTPS")])?,
                None => "HTTP",
            };
            let Some(port) = port else {
                needs_port(self);
                return None;
            };
            return Some(ProbeHandler::Http { path, port, scheme });
        }
        let Some(handler_value) = arg(node, 1, "handler") else {
            self.reader.missing(
                node.name_span,
                "this probe does not say how to probe",
                "add `http=\"/healthz\"`, `grpc`, `tcp` or `exec \"cmd\"`",
            );
            return None;
        };
        let handler = self.reader.choice(
            handler_value,
            "probe handler",
            &[("grpc", "grpc"), ("tcp", "tcp"), ("exec", "exec")],
        )?;
        if handler == "exec" {
            let command: Vec<String> =
                node.args.iter().skip(2).filter_map(|value| self.reader.text(value, "an exec command")).collect();
            if command.is_empty() {
                self.reader.missing(
                    handler_value.span,
                    "an exec probe needs a command",
                    "write `exec \"cmd\" \"arg\"`",
                );
                return None;
            }
            return Some(ProbeHandler::Exec { command });
        }
        if let Some(extra) = node.args.get(2) {
            self.reader.report(
                Diagnostic::error("spec::unexpected-argument", extra.span, "unexpected argument")
                    .primary_text("not expected")
                    .help(field_help("probe")),
            );
        }
        let Some(port) = port else {
            needs_port(self);
            return None;
        };
        if handler == "grpc" {
            let number = match port {
                PortRef::Number(number) => number,
                PortRef::Name(name) => ports.iter().find(|port| port.name == name).map_or(0, |port| port.number),
            };
            return Some(ProbeHandler::Grpc { port: number });
        }
        Some(ProbeHandler::Tcp { port })
    }

    fn probe_timings(&mut self, node: &Node, probe: &mut Probe) {
        if let Some(value) = prop(node, "delay") {
            probe.delay_seconds = self.reader.duration(value, "probe delay").unwrap_or(probe.delay_seconds);
        }
        if let Some(value) = prop(node, "period") {
            probe.period_seconds = self.reader.duration(value, "probe period").unwrap_or(probe.period_seconds).max(1);
        }
        if let Some(value) = prop(node, "timeout") {
            probe.timeout_seconds =
                self.reader.duration(value, "probe timeout").unwrap_or(probe.timeout_seconds).max(1);
        }
        if let Some(value) = prop(node, "failures") {
            probe.failures = self.reader.u32(value, "`failures`", 1, 100).unwrap_or(probe.failures);
        }
        if let Some(value) = prop(node, "successes") {
            probe.successes = self.reader.u32(value, "`successes`", 1, 100).unwrap_or(probe.successes);
        }
    }

    fn probe_defaults(&mut self) -> ProbeDefaults {
        let mut probe = Probe {
            kind: ProbeKind::Liveness,
            handler: ProbeHandler::Exec { command: Vec::new() },
            delay_seconds: 0,
            period_seconds: 10,
            timeout_seconds: 1,
            failures: 3,
            successes: 1,
        };
        if let Some(node) = self.get("probe-defaults") {
            self.reader.expect_entries(node, 0, &["delay", "period", "timeout", "failures", "successes"]);
            self.probe_timings(node, &mut probe);
        }
        ProbeDefaults { probe }
    }

    /// Outer `None`: invalid (reported); inner `None`: opted out.
    #[allow(clippy::option_option)]
    fn resources(&mut self) -> Option<Option<Resources>> {
        const NAMES: &[&str] = &["cpu", "memory", "ephemeral-storage"];
        let requests_node = self.get("resources");
        let limits_node = self.get("limits");
        let ratio_node = self.get("limit-ratio");
        if let Some(node) = requests_node {
            if let Some(first) = node.args.first() {
                self.reader.expect_entries(node, 1, &["reason"]);
                if first.scalar != Scalar::String("none".to_owned()) {
                    self.reader.report(
                        Diagnostic::error("spec::invalid-value", first.span, "`resources` takes `none` or requests")
                            .primary_text("unexpected")
                            .help(field_help("resources")),
                    );
                    return None;
                }
                if prop(node, "reason").is_none() {
                    self.reader.report(
                        Diagnostic::error("spec::missing-reason", first.span, "opting out of resources needs a reason")
                            .primary_text("why?")
                            .help("add `reason=\"…\"`: it is reported like a waiver"),
                    );
                }
                return Some(None);
            }
            self.reader.expect_entries(node, 0, NAMES);
        }
        if let Some(node) = limits_node {
            self.reader.expect_entries(node, 0, NAMES);
        }
        if let Some(node) = ratio_node {
            self.reader.expect_entries(node, 0, NAMES);
        }
        let mut resources = Resources::default();
        let mut valid = true;
        let mut parsed_requests = BTreeMap::new();
        for name in NAMES {
            let resource = Resource::of(name);
            let request =
                requests_node.and_then(|node| prop(node, name)).map(|value| (value, self.quantity(value, name)));
            let limit = limits_node.and_then(|node| prop(node, name)).map(|value| (value, self.quantity(value, name)));
            let ratio = ratio_node.and_then(|node| prop(node, name)).and_then(|value| self.ratio(value));
            if let Some((value, parsed)) = &request {
                match parsed {
                    Some(quantity) => {
                        resources.requests.insert((*name).to_owned(), quantity::format(quantity, resource));
                        parsed_requests.insert(*name, (value.span, quantity.clone()));
                    }
                    None => valid = false,
                }
            }
            match (&limit, &request) {
                (Some((_, Some(quantity))), _) => {
                    resources.limits.insert((*name).to_owned(), quantity::format(quantity, resource));
                    if let Some((request_span, request)) = parsed_requests.get(name)
                        && request > quantity
                        && self.complete
                    {
                        let (limit_value, _) = limit.as_ref().expect("invariant: matched Some");
                        self.reader.report(
                            Diagnostic::error(
                                "spec::requests-exceed-limits",
                                *request_span,
                                format!("the {name} request is above its limit"),
                            )
                            .primary_text("request")
                            .label(limit_value.span, "limit")
                            .help("raise the limit, or lower the request"),
                        );
                        valid = false;
                    }
                }
                (Some((_, None)), _) => valid = false,
                (None, Some((_, Some(quantity)))) => {
                    if let Some(ratio) = ratio {
                        let scaled = quantity::scale(quantity, ratio, resource);
                        resources.limits.insert((*name).to_owned(), quantity::format(&scaled, resource));
                    }
                }
                (None, _) => {}
            }
        }
        valid.then_some(Some(resources))
    }

    fn quantity(&mut self, value: &Value, name: &str) -> Option<quantity::Quantity> {
        let text = match &value.scalar {
            Scalar::String(text) => text.clone(),
            Scalar::Integer(number) => number.to_string(),
            Scalar::Float(number) => number.to_string(),
            other => {
                self.reader.report(
                    Diagnostic::error(
                        "spec::invalid-type",
                        value.span,
                        format!("a {name} quantity must be a string, found {}", other.kind_name()),
                    )
                    .primary_text("not a quantity"),
                );
                return None;
            }
        };
        match quantity::parse(&text, Resource::of(name)) {
            Ok(quantity) => Some(quantity),
            Err(reason) => {
                let example = if name == "cpu" { "\"250m\" or \"1\"" } else { "\"256Mi\" or \"1Gi\"" };
                self.reader.report(
                    Diagnostic::error(
                        "spec::invalid-quantity",
                        value.span,
                        format!("invalid {name} quantity: {reason}"),
                    )
                    .primary_text("not a quantity")
                    .help(format!("write {name} as {example}")),
                );
                None
            }
        }
    }

    /// A ratio like `2` or `1.5`, in thousandths; `none` (or `#null`) for no
    /// derived limit.
    fn ratio(&mut self, value: &Value) -> Option<u128> {
        let ratio = match &value.scalar {
            Scalar::Integer(number) if *number >= 1 => u128::try_from(*number).ok().map(|number| number * 1000),
            Scalar::Float(number) if *number >= 1.0 && *number < 1000.0 =>
            {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Some((number * 1000.0).round() as u128)
            }
            Scalar::Null => return None,
            Scalar::String(text) if text == "none" => return None,
            _ => None,
        };
        if ratio.is_none() {
            self.reader.report(
                Diagnostic::error(
                    "spec::invalid-value",
                    value.span,
                    "a limit ratio must be a number of at least 1, or `none`",
                )
                .primary_text("not a ratio")
                .help("write `limit-ratio cpu=2 memory=1`, or `cpu=none` for no derived CPU limit"),
            );
        }
        ratio
    }

    fn replicas(&mut self) -> Option<Replicas> {
        let node = self.get("replicas")?;
        self.reader.expect_entries(node, 1, &["min", "max", "count"]);
        if let Some(value) = arg(node, 0, "count") {
            if prop(node, "min").is_some() || prop(node, "max").is_some() {
                self.reader.report(
                    Diagnostic::error("spec::invalid-value", node.span, "`replicas` is either a count or `min`/`max`")
                        .primary_text("both given")
                        .help("write `replicas 3` or `replicas min=3 max=10`"),
                );
                return None;
            }
            return self.reader.u32(value, "`replicas`", 0, 1000).map(Replicas::Fixed);
        }
        let min_value = prop(node, "min");
        let max_value = prop(node, "max");
        let (Some(min_value), Some(max_value)) = (min_value, max_value) else {
            self.reader.missing(
                node.name_span,
                "`replicas` needs a count, or both `min` and `max`",
                field_help("replicas"),
            );
            return None;
        };
        let min = self.reader.u32(min_value, "`min`", 1, 1000)?;
        let max = self.reader.u32(max_value, "`max`", 1, 1000)?;
        if min > max {
            self.reader.report(
                Diagnostic::error(
                    "spec::invalid-value",
                    min_value.span,
                    format!("`min` ({min}) is above `max` ({max})"),
                )
                .primary_text("min")
                .label(max_value.span, "max")
                .help("swap them"),
            );
            return None;
        }
        Some(if min == max { Replicas::Fixed(min) } else { Replicas::Autoscaled { min, max } })
    }

    fn autoscaling(&mut self) -> model::Autoscaling {
        let mut autoscaling = model::Autoscaling::default();
        if let Some(node) = self.get("autoscaling") {
            self.reader.expect_entries(node, 0, &["cpu", "memory"]);
            autoscaling.cpu_percent = prop(node, "cpu").and_then(|value| self.reader.u32(value, "CPU target", 1, 100));
            autoscaling.memory_percent =
                prop(node, "memory").and_then(|value| self.reader.u32(value, "memory target", 1, 100));
        }
        autoscaling
    }

    fn int_or_percent(&mut self, value: &Value, what: &str) -> Option<IntOrPercent> {
        match &value.scalar {
            Scalar::Integer(_) => self.reader.u32(value, what, 0, 10_000).map(IntOrPercent::Int),
            Scalar::String(text) if text.strip_suffix('%').is_some_and(|n| n.parse::<u8>().is_ok_and(|n| n <= 100)) => {
                Some(IntOrPercent::Percent(text.clone()))
            }
            _ => {
                self.reader.report(
                    Diagnostic::error(
                        "spec::invalid-value",
                        value.span,
                        format!("{what} must be a count or a percentage"),
                    )
                    .primary_text("expected `1` or \"25%\""),
                );
                None
            }
        }
    }

    /// Outer `None`: invalid (reported); inner `None`: opted out.
    #[allow(clippy::option_option)]
    fn pdb(&mut self) -> Option<Option<Budget>> {
        let Some(node) = self.get("pdb") else { return Some(None) };
        self.reader.expect_entries(node, 1, &["min-available", "max-unavailable", "reason"]);
        if let Some(first) = node.args.first() {
            if first.scalar == Scalar::String("none".to_owned()) {
                return Some(None);
            }
            self.reader.report(
                Diagnostic::error(
                    "spec::invalid-value",
                    first.span,
                    "`pdb` takes `none`, `min-available` or `max-unavailable`",
                )
                .primary_text("unexpected")
                .help(field_help("pdb")),
            );
            return None;
        }
        match (prop(node, "min-available"), prop(node, "max-unavailable")) {
            (Some(value), None) => self.int_or_percent(value, "`min-available`").map(|v| Some(Budget::MinAvailable(v))),
            (None, Some(value)) => {
                self.int_or_percent(value, "`max-unavailable`").map(|v| Some(Budget::MaxUnavailable(v)))
            }
            _ => {
                self.reader.report(
                    Diagnostic::error(
                        "spec::invalid-value",
                        node.span,
                        "a `pdb` sets one of `min-available` and `max-unavailable`",
                    )
                    .primary_text("set exactly one")
                    .help(field_help("pdb")),
                );
                None
            }
        }
    }

    /// Outer `None`: invalid (reported); inner `None`: opted out.
    #[allow(clippy::option_option)]
    fn topology_spread(&mut self) -> Option<Option<TopologySpread>> {
        let Some(node) = self.get("topology-spread") else { return Some(None) };
        self.reader.expect_entries(node, 1, &["across", "max-skew", "when-unsatisfiable"]);
        let Some(value) = arg(node, 0, "across") else {
            self.reader.missing(
                node.name_span,
                "`topology-spread` needs `zone`, `hostname` or `none`",
                field_help("topology-spread"),
            );
            return None;
        };
        let key = self.reader.choice(
            value,
            "topology",
            &[
                ("zone", Some("topology.kubernetes.io/zone")),
                ("hostname", Some("kubernetes.io/hostname")),
                ("none", None),
            ],
        )?;
        let Some(key) = key else { return Some(None) };
        let max_skew = match prop(node, "max-skew") {
            Some(value) => self.reader.u32(value, "`max-skew`", 1, 100)?,
            None => 1,
        };
        let when_unsatisfiable = match prop(node, "when-unsatisfiable") {
            Some(value) => self.reader.choice(
                value,
                "`when-unsatisfiable`",
                &[("schedule-anyway", "ScheduleAnyway"), ("do-not-schedule", "DoNotSchedule")],
            )?,
            None => "ScheduleAnyway",
        };
        Some(Some(TopologySpread { topology_key: key.to_owned(), max_skew, when_unsatisfiable }))
    }

    fn env(&mut self, node: &Node) -> Vec<EnvVar> {
        self.reader.expect_entries(node, 0, &env_names(node));
        let mut vars = Vec::new();
        for prop in &node.props {
            if let Some(value) = self.reader.text(&prop.value, &format!("`{}`", prop.key)) {
                vars.push(EnvVar { name: prop.key.clone(), value: EnvValue::Literal(value), span: prop.value.span });
            }
        }
        for var in &node.children {
            if let Some(first) = var.args.first() {
                self.reader.expect_entries(var, 1, &[]);
                if let Some(value) = self.reader.text(first, &format!("`{}`", var.name)) {
                    vars.push(EnvVar { name: var.name.clone(), value: EnvValue::Literal(value), span: first.span });
                }
                continue;
            }
            self.reader.expect_entries(var, 0, &["field", "resource"]);
            let value = match (prop(var, "field"), prop(var, "resource")) {
                (Some(value), None) => self.reader.string(value, "`field`").map(EnvValue::Field),
                (None, Some(value)) => self.reader.string(value, "`resource`").map(EnvValue::Resource),
                _ => {
                    self.reader.report(
                        Diagnostic::error("spec::invalid-value", var.name_span, format!("`{}` needs a value", var.name))
                            .primary_text("no value")
                            .help("write `NAME \"value\"`, `NAME field=\"status.podIP\"` or `NAME resource=\"limits.memory\"`"),
                    );
                    None
                }
            };
            if let Some(value) = value {
                vars.push(EnvVar { name: var.name.clone(), value, span: var.span });
            }
        }
        vars.sort_by(|left, right| left.name.cmp(&right.name));
        vars
    }

    fn secrets(&mut self) -> Vec<Secret> {
        let mut secrets = Vec::new();
        for node in self.all("secret") {
            self.reader.expect_entries(node, 1, &["name", "from", "key"]);
            let Some(name_value) = arg(node, 0, "name") else {
                self.reader.missing(node.name_span, "`secret` needs a variable name", field_help("secret"));
                continue;
            };
            let Some(name) = self.reader.string(name_value, "a secret name") else { continue };
            let from = if let Some(value) = prop(node, "from") {
                self.reader.string(value, "`from`")
            } else {
                self.reader.missing(node.name_span, format!("secret `{name}` has no `from`"), field_help("secret"));
                None
            };
            let key = match prop(node, "key") {
                Some(value) => self.reader.string(value, "`key`"),
                None => Some(name.to_lowercase().replace('_', "-")),
            };
            if let (Some(from), Some(key)) = (from, key) {
                secrets.push(Secret { name, from, key });
            }
        }
        secrets
    }

    fn check_env_names(&mut self, env: &[EnvVar], secrets: &[Secret]) {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let env_node = self.fields.iter().rev().find(|node| node.name == "env");
        // Where each variable is written: its key in `env`, or its `secret` line.
        let mut places: Vec<(&str, Span, bool)> = Vec::new();
        if let Some(node) = env_node {
            places.extend(node.props.iter().map(|prop| (prop.key.as_str(), prop.key_span, false)));
            places.extend(node.children.iter().map(|child| (child.name.as_str(), child.name_span, false)));
        }
        for node in self.fields.iter().filter(|node| node.name == "secret") {
            if let Some(value) = arg(node, 0, "name")
                && let Scalar::String(name) = &value.scalar
            {
                places.push((name.as_str(), value.span, true));
            }
        }
        let declared: BTreeSet<&str> =
            env.iter().map(|var| var.name.as_str()).chain(secrets.iter().map(|secret| secret.name.as_str())).collect();
        for (name, span, is_secret) in places {
            if !declared.contains(name) {
                continue;
            }
            let valid = name.starts_with(|first: char| first.is_ascii_alphabetic() || first == '_')
                && name.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
            if !valid {
                self.reader.report(
                    Diagnostic::error(
                        "spec::invalid-name",
                        span,
                        format!("invalid environment variable name `{name}`"),
                    )
                    .primary_text("not a variable name")
                    .help("use letters, digits and `_`, starting with a letter, e.g. `LOG_LEVEL`"),
                );
            }
            if !seen.insert(name) {
                let help = if is_secret || secrets.iter().any(|secret| secret.name == name) {
                    "a variable comes from `env` or from one `secret`, not both"
                } else {
                    "set each variable once"
                };
                self.reader.report(
                    Diagnostic::error(
                        "spec::duplicate-env",
                        span,
                        format!("environment variable `{name}` is set twice"),
                    )
                    .primary_text("set again")
                    .help(help),
                );
            }
        }
    }

    fn depends_on(&mut self, own_name: &str) -> Vec<Dependency> {
        let mut dependencies: Vec<Dependency> = Vec::new();
        for node in self.all("depends-on") {
            self.reader.expect_entries(node, usize::MAX, &["service", "env", "url", "external"]);
            let has_options = prop(node, "env").is_some() || prop(node, "url").is_some();
            if has_options && node.args.len() > 1 {
                self.reader.report(
                    Diagnostic::error(
                        "spec::unexpected-argument",
                        node.args[1].span,
                        "`env` and `url` apply to one dependency",
                    )
                    .primary_text("second dependency")
                    .help("write one `depends-on` per service that takes options"),
                );
                continue;
            }
            for value in node.args.iter().chain(prop(node, "service")) {
                let Some(service) = self.reader.dns_label(value, "dependency") else { continue };
                if self.complete && service == own_name {
                    self.reader.report(
                        Diagnostic::error("spec::invalid-value", value.span, "a service cannot depend on itself")
                            .primary_text("itself"),
                    );
                    continue;
                }
                let env = prop(node, "env").and_then(|value| self.reader.string(value, "`env`"));
                let url = prop(node, "url").and_then(|value| self.reader.bool(value, "`url`")).unwrap_or(false);
                let external =
                    prop(node, "external").and_then(|value| self.reader.bool(value, "`external`")).unwrap_or(false);
                if external && env.is_some() {
                    self.reader.report(
                        Diagnostic::error(
                            "spec::invalid-value",
                            value.span,
                            "an external dependency has no address to pass in",
                        )
                        .primary_text("external")
                        .help("remove `env=`, or set the address with `env NAME=\"host:port\"`"),
                    );
                    continue;
                }
                dependencies.push(Dependency {
                    service,
                    external,
                    env,
                    url,
                    span: value.span,
                    address: None,
                    namespace: None,
                    ports: Vec::new(),
                });
            }
        }
        // A later entry for a service replaces an earlier one, in its place.
        let last: BTreeMap<String, usize> =
            dependencies.iter().enumerate().map(|(index, dependency)| (dependency.service.clone(), index)).collect();
        let mut index = 0;
        dependencies.retain(|dependency| {
            index += 1;
            last.get(&dependency.service) == Some(&(index - 1))
        });
        dependencies
    }

    fn databases(&mut self, inputs: &Inputs<'_>) -> Vec<Database> {
        let mut databases = Vec::new();
        for node in self.all("database") {
            self.reader.expect_entries(node, 1, &["name", "engine", "storage-gb", "class"]);
            let Some(name) = arg(node, 0, "name").and_then(|value| self.reader.dns_label(value, "database name"))
            else {
                if arg(node, 0, "name").is_none() {
                    self.reader.missing(node.name_span, "`database` needs a name", field_help("database"));
                }
                continue;
            };
            let engine = match prop(node, "engine") {
                Some(value) => {
                    self.reader.choice(value, "database engine", &[("postgres", "postgres"), ("mysql", "mysql")])
                }
                None => Some("postgres"),
            };
            // Written, or else the class's (below).
            let storage_gb = match prop(node, "storage-gb") {
                Some(value) => self.reader.u32(value, "`storage-gb`", 1, 65_536).map(Some),
                None => Some(None),
            };
            let class = match prop(node, "class") {
                Some(value) => self.reader.dns_label(value, "database class"),
                None => Some("standard".to_owned()),
            };
            let (Some(engine), Some(storage_gb), Some(class)) = (engine, storage_gb, class) else { continue };
            if self.complete {
                let span = prop(node, "class").map_or(node.name_span, |value| value.span);
                let Some(defined) = inputs.platform.database_classes.get(&class) else {
                    let names: Vec<&str> = inputs.platform.database_classes.keys().map(String::as_str).collect();
                    self.reader.report(
                        Diagnostic::error(
                            "resolve::unknown-database-class",
                            span,
                            format!("unknown database class `{class}`"),
                        )
                        .primary_text("not defined by the platform")
                        .help(
                            crate::diagnostic::did_you_mean(&class, names.iter().copied()).unwrap_or_else(|| {
                                format!(
                                    "the platform defines {}; add `database-class {class} …` to platform.kdl",
                                    list(&names)
                                )
                            }),
                        ),
                    );
                    continue;
                };
                if prop(node, "engine").is_some() && defined.engine != engine {
                    let span = prop(node, "engine").map_or(span, |value| value.span);
                    self.reader.report(
                        Diagnostic::error(
                            "resolve::engine-mismatch",
                            span,
                            format!("database class `{class}` runs {}, not {engine}", defined.engine),
                        )
                        .primary_text("engine of this database")
                        .help(format!("remove `engine=`, or choose a class that runs {engine}")),
                    );
                    continue;
                }
                let Some(storage_gb) = storage_gb.or(defined.storage_gb) else {
                    self.reader.missing(
                        node.name_span,
                        format!("database `{name}` has no size: neither it nor its class `{class}` sets `storage-gb`"),
                        format!(
                            "write `storage-gb=20` on the database, or on `database-class {class}` in platform.kdl"
                        ),
                    );
                    continue;
                };
                databases.push(Database { name, engine: defined.engine.clone(), storage_gb, class });
            } else {
                // A layer on its own: the class is not known yet.
                databases.push(Database {
                    name,
                    engine: engine.to_owned(),
                    storage_gb: storage_gb.unwrap_or(0),
                    class,
                });
            }
        }
        databases
    }

    fn canary(&mut self, inputs: &Inputs<'_>, image: Option<&str>) -> Option<Canary> {
        let node = self.get("canary")?;
        self.reader.expect_entries(node, 0, &["header", "weight", "tag"]);
        let header = match prop(node, "header") {
            Some(value) => self.reader.string(value, "`header`")?.to_lowercase(),
            None => "x-canary".to_owned(),
        };
        let weight = match prop(node, "weight") {
            Some(value) => self.reader.u32(value, "canary `weight`", 0, 100)?,
            None => 0,
        };
        let canary_image = match prop(node, "tag") {
            Some(value) => {
                let tag = self.reader.text(value, "canary `tag`")?;
                if image::parse(&format!("x:{tag}")).is_err() {
                    self.reader.report(
                        Diagnostic::error("spec::invalid-image", value.span, format!("invalid canary tag `{tag}`"))
                            .primary_text("not a tag")
                            .help("letters, digits, `_`, `.` and `-`, e.g. \"2.4.0\""),
                    );
                    return None;
                }
                let _ = inputs;
                image.map(|image| {
                    let repository = image.split('@').next().unwrap_or(image);
                    let last_slash = repository.rfind('/').map_or(0, |slash| slash + 1);
                    let without_tag = match repository[last_slash..].find(':') {
                        Some(colon) => &repository[..last_slash + colon],
                        None => repository,
                    };
                    format!("{without_tag}:{tag}")
                })
            }
            None => None,
        };
        Some(Canary { header, weight, image: canary_image })
    }

    fn containers(&mut self, name: &'static str, inputs: &Inputs<'_>) -> Vec<Container> {
        let mut containers = Vec::new();
        for node in self.all(name) {
            self.reader.expect_entries(node, 1, &["name", "image", "command", "args", "env", "port"]);
            let Some(container_name) =
                arg(node, 0, "name").and_then(|value| self.reader.dns_label(value, "container name"))
            else {
                if arg(node, 0, "name").is_none() {
                    self.reader.missing(node.name_span, format!("`{name}` needs a name"), field_help(name));
                }
                continue;
            };
            let image = if let Some(value) = prop(node, "image") {
                self.reader.string(value, "`image`").and_then(|text| match image::parse(&text) {
                    Ok(reference) if reference.tag.is_some() || reference.digest.is_some() => {
                        Some(reference.full(inputs.platform.registry.as_deref()))
                    }
                    Ok(_) => {
                        self.reader.report(
                            Diagnostic::error(
                                "spec::invalid-image",
                                value.span,
                                format!("image `{text}` has no tag or digest"),
                            )
                            .primary_text("which version?")
                            .help(format!("pin a version: \"{text}:1.0.0\"")),
                        );
                        None
                    }
                    Err(reason) => {
                        self.reader.report(
                            Diagnostic::error(
                                "spec::invalid-image",
                                value.span,
                                format!("invalid image reference: {reason}"),
                            )
                            .primary_text("not an image reference"),
                        );
                        None
                    }
                })
            } else {
                self.reader.missing(
                    node.name_span,
                    format!("{name} `{container_name}` has no `image`"),
                    field_help(name),
                );
                None
            };
            let command = child(node, "command").map(|node| self.node_strings(node)).unwrap_or_default();
            let args = child(node, "args").map(|node| self.node_strings(node)).unwrap_or_default();
            let env = child(node, "env").map(|node| self.env(node)).unwrap_or_default();
            let mut ports = Vec::new();
            for port in node.children.iter().filter(|child| child.name == "port") {
                self.reader.expect_entries(port, 1, &["port", "name", "protocol"]);
                let number = arg(port, 0, "port").and_then(|value| self.port_number(value));
                let port_name = match prop(port, "name") {
                    Some(value) => self.port_name(value),
                    None => number.map(|number| format!("port-{number}")),
                };
                if let (Some(number), Some(port_name)) = (number, port_name) {
                    let protocol = infer_protocol(&port_name);
                    ports.push(model::Port { name: port_name, number, protocol, service_port: number, expose: false });
                }
            }
            if let Some(image) = image {
                containers.push(Container { name: container_name, image, command, args, env, ports, span: node.span });
            }
        }
        containers
    }

    fn volumes(&mut self) -> Vec<Volume> {
        let mut volumes = Vec::new();
        for node in self.all("volume") {
            self.reader.expect_entries(node, 2, &["name", "type", "mount", "size-limit", "medium"]);
            let Some(name) = arg(node, 0, "name").and_then(|value| self.reader.dns_label(value, "volume name")) else {
                continue;
            };
            if let Some(value) = arg(node, 1, "type") {
                self.reader.choice(value, "volume type", &[("empty-dir", ())]);
            }
            let Some(mount) = self.mount_path(node) else { continue };
            let size_limit = prop(node, "size-limit")
                .and_then(|value| self.quantity(value, "memory"))
                .map(|quantity| quantity::format(&quantity, Resource::Bytes));
            let medium = prop(node, "medium").and_then(|value| {
                self.reader.choice(value, "volume medium", &[("memory", Some("Memory")), ("disk", None)])
            });
            volumes.push(Volume { name, mount, size_limit, medium: medium.flatten() });
        }
        volumes
    }

    fn mount_path(&mut self, node: &Node) -> Option<String> {
        let Some(value) = prop(node, "mount") else {
            self.reader.missing(
                node.name_span,
                format!("`{}` needs `mount=\"/path\"`", node.name),
                field_help(&node.name),
            );
            return None;
        };
        let path = self.reader.string(value, "`mount`")?;
        if path.starts_with('/') && !path.split('/').any(|part| part == "..") {
            Some(path)
        } else {
            self.reader.report(
                Diagnostic::error("spec::invalid-value", value.span, format!("mount path `{path}` must be absolute"))
                    .primary_text("not an absolute path")
                    .help("write a path starting with `/`, without `..`"),
            );
            None
        }
    }

    fn config_files(&mut self, inputs: &Inputs<'_>) -> Vec<ConfigFile> {
        let mut files = Vec::new();
        for node in self.all("config-file") {
            self.reader.expect_entries(node, 1, &["path", "from"]);
            let Some(mount_value) = arg(node, 0, "path") else {
                self.reader.missing(
                    node.name_span,
                    "`config-file` needs the path to mount at",
                    field_help("config-file"),
                );
                continue;
            };
            let Some(mount) = self.reader.string(mount_value, "a mount path") else { continue };
            if !mount.starts_with('/') || mount.ends_with('/') || mount.split('/').any(|part| part == "..") {
                self.reader.report(
                    Diagnostic::error(
                        "spec::invalid-value",
                        mount_value.span,
                        format!("`{mount}` is not an absolute file path"),
                    )
                    .primary_text("expected `/dir/file`"),
                );
                continue;
            }
            let Some(from_value) = prop(node, "from") else {
                self.reader.missing(node.name_span, "`config-file` needs `from=\"file\"`", field_help("config-file"));
                continue;
            };
            let Some(from) = self.reader.string(from_value, "`from`") else { continue };
            let Some(source) = join_inside(inputs.folder, &from) else {
                self.reader.report(
                    Diagnostic::error(
                        "spec::invalid-value",
                        from_value.span,
                        format!("`{from}` leaves the service folder"),
                    )
                    .primary_text("outside the service")
                    .help("config files must live in the service's folder"),
                );
                continue;
            };
            if !self.complete {
                continue;
            }
            match (inputs.read_file)(&source) {
                Some(content) => files.push(ConfigFile { mount, source, content }),
                None => self.reader.report(
                    Diagnostic::error(
                        "spec::missing-file",
                        from_value.span,
                        format!("`{source}` does not exist or is not text"),
                    )
                    .primary_text("no such file")
                    .help("the path is relative to the spec's folder"),
                ),
            }
        }
        files
    }

    fn security(&mut self) -> Option<Security> {
        let node = self.get("security")?;
        self.reader.expect_entries(
            node,
            0,
            &[
                "run-as-user",
                "run-as-group",
                "fs-group",
                "run-as-non-root",
                "read-only-root",
                "writable-root",
                "privilege-escalation",
                "add-capabilities",
                "seccomp",
                "reason",
            ],
        );
        let id = |decoder: &mut Self, name: &str| {
            prop(node, name).and_then(|value| decoder.reader.integer(value, &format!("`{name}`"), 0, 2_147_483_647))
        };
        let flag = |decoder: &mut Self, name: &str| {
            prop(node, name).and_then(|value| decoder.reader.bool(value, &format!("`{name}`")))
        };
        let run_as_user = id(self, "run-as-user");
        let run_as_group = id(self, "run-as-group");
        let fs_group = id(self, "fs-group");
        let run_as_non_root = flag(self, "run-as-non-root");
        let writable_root = flag(self, "writable-root");
        // `writable-root` is the explicit opt-out: it wins over the default `read-only-root`.
        let read_only_root = writable_root.map(|writable| !writable).or(flag(self, "read-only-root"));
        let privilege_escalation = flag(self, "privilege-escalation");
        let add_capabilities = match prop(node, "add-capabilities") {
            Some(value) => self
                .reader
                .string(value, "`add-capabilities`")
                .map(|text| {
                    text.split([',', ' '])
                        .filter(|part| !part.is_empty())
                        .map(|part| part.trim_start_matches("CAP_").to_uppercase())
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let seccomp = match prop(node, "seccomp") {
            Some(value) => self.reader.choice(
                value,
                "seccomp profile",
                &[("runtime-default", "RuntimeDefault"), ("unconfined", "Unconfined")],
            ),
            None => Some("RuntimeDefault"),
        };
        let run_as_user = run_as_user?;
        let weakened = [
            (run_as_user == 0, "runs as root"),
            (run_as_non_root == Some(false), "may run as root"),
            (read_only_root == Some(false), "has a writable root filesystem"),
            (privilege_escalation == Some(true), "allows privilege escalation"),
            (!add_capabilities.is_empty(), "adds capabilities"),
            (seccomp == Some("Unconfined"), "runs without a seccomp profile"),
        ];
        if let Some((_, what)) = weakened.iter().find(|(weakened, _)| *weakened)
            && prop(node, "reason").is_none()
            && self.complete
        {
            self.reader.report(
                Diagnostic::error(
                    "spec::missing-reason",
                    node.span,
                    format!("the container {what}: a secure default is changed without a reason"),
                )
                .primary_text("weakened here")
                .help("add `reason=\"…\"` to this `security` line: it is reported like a waiver"),
            );
            return None;
        }
        Some(Security {
            run_as_user,
            run_as_group: run_as_group.unwrap_or(run_as_user),
            fs_group,
            run_as_non_root: run_as_non_root.unwrap_or(run_as_user != 0),
            read_only_root: read_only_root.unwrap_or(true),
            privilege_escalation: privilege_escalation.unwrap_or(false),
            add_capabilities,
            seccomp: seccomp?.to_owned(),
        })
    }

    fn service_account(&mut self) -> Option<ServiceAccount> {
        let Some(node) = self.get("service-account") else {
            return Some(ServiceAccount { create: true, automount: false });
        };
        self.reader.expect_entries(node, 1, &["automount", "reason"]);
        if let Some(first) = node.args.first() {
            if first.scalar == Scalar::String("none".to_owned()) {
                return Some(ServiceAccount { create: false, automount: false });
            }
            self.reader.report(
                Diagnostic::error("spec::invalid-value", first.span, "`service-account` takes `none` or `automount=`")
                    .primary_text("unexpected")
                    .help(field_help("service-account")),
            );
            return None;
        }
        let automount = match prop(node, "automount") {
            Some(value) => self.reader.bool(value, "`automount`")?,
            None => false,
        };
        Some(ServiceAccount { create: true, automount })
    }

    fn expose(&mut self) -> Vec<Expose> {
        let mut exposures = Vec::new();
        for node in self.all("expose") {
            self.reader.expect_entries(node, 1, &["type", "hosts"]);
            let Some(value) = arg(node, 0, "type") else {
                self.reader.missing(
                    node.name_span,
                    "`expose` needs `gateway` or `load-balancer`",
                    field_help("expose"),
                );
                continue;
            };
            match self.reader.choice(value, "exposure", &[("gateway", true), ("load-balancer", false)]) {
                Some(true) => {
                    let hosts: Vec<String> = prop(node, "hosts")
                        .and_then(|value| self.reader.string(value, "`hosts`"))
                        .map(|text| text.split([',', ' ']).filter(|host| !host.is_empty()).map(str::to_owned).collect())
                        .unwrap_or_default();
                    if hosts.is_empty() {
                        self.reader.missing(
                            node.name_span,
                            "`expose gateway` needs `hosts`",
                            "add `hosts=\"shop.example.com\"`",
                        );
                        continue;
                    }
                    exposures.push(Expose::Gateway { hosts });
                }
                Some(false) => exposures.push(Expose::LoadBalancer),
                None => {}
            }
        }
        exposures
    }

    fn tolerations(&mut self) -> Vec<Toleration> {
        let mut tolerations = Vec::new();
        for node in self.all("toleration") {
            self.reader.expect_entries(node, 1, &["key", "operator", "value", "effect"]);
            let Some(key) = arg(node, 0, "key").and_then(|value| self.reader.string(value, "toleration key")) else {
                continue;
            };
            let operator = match prop(node, "operator") {
                Some(value) => self.reader.choice(value, "operator", &[("Equal", "Equal"), ("Exists", "Exists")]),
                None => Some("Equal"),
            };
            let value = prop(node, "value").and_then(|value| self.reader.text(value, "toleration value"));
            let effect = prop(node, "effect").and_then(|value| {
                self.reader.choice(
                    value,
                    "effect",
                    &[
                        ("NoSchedule", "NoSchedule"),
                        ("PreferNoSchedule", "PreferNoSchedule"),
                        ("NoExecute", "NoExecute"),
                    ],
                )
            });
            if let Some(operator) = operator {
                tolerations.push(Toleration {
                    key,
                    operator: operator.to_owned(),
                    value,
                    effect: effect.map(str::to_owned),
                });
            }
        }
        tolerations
    }

    fn strategy(&mut self) -> Option<Strategy> {
        let node = self.get("strategy")?;
        self.reader.expect_entries(node, 0, &["max-surge", "max-unavailable"]);
        let max_surge = match prop(node, "max-surge") {
            Some(value) => self.int_or_percent(value, "`max-surge`")?,
            None => IntOrPercent::Percent("25%".to_owned()),
        };
        let max_unavailable = match prop(node, "max-unavailable") {
            Some(value) => self.int_or_percent(value, "`max-unavailable`")?,
            None => IntOrPercent::Int(0),
        };
        Some(Strategy { max_surge, max_unavailable })
    }

    fn traffic(&mut self) -> model::Traffic {
        let mut traffic = model::Traffic::default();
        if let Some(node) = self.get("retries") {
            self.reader.expect_entries(node, 0, &["attempts", "per-try-timeout", "on"]);
            let attempts = match prop(node, "attempts") {
                Some(value) => self.reader.u32(value, "`attempts`", 0, 100),
                None => Some(3),
            };
            let per_try = match prop(node, "per-try-timeout") {
                Some(value) => self.reader.duration(value, "`per-try-timeout`"),
                None => Some(2),
            };
            let on = match prop(node, "on") {
                Some(value) => self.reader.string(value, "`on`"),
                None => Some("gateway-error,connect-failure,retriable-4xx".to_owned()),
            };
            if let (Some(attempts), Some(per_try_timeout_seconds), Some(on)) = (attempts, per_try, on) {
                traffic.retries = Some(model::Retries { attempts, per_try_timeout_seconds, on });
            }
        }
        if let Some(node) = self.get("timeout") {
            traffic.timeout_seconds = self.first_arg(node).and_then(|value| self.reader.duration(value, "`timeout`"));
        }
        if let Some(node) = self.get("connection-pool") {
            self.reader.expect_entries(
                node,
                0,
                &["max-connections", "max-pending-requests", "max-requests-per-connection"],
            );
            let mut limit = |name: &str| {
                prop(node, name).and_then(|value| self.reader.u32(value, &format!("`{name}`"), 1, 10_000_000))
            };
            traffic.connection_pool = model::ConnectionPool {
                max_connections: limit("max-connections"),
                max_pending_requests: limit("max-pending-requests"),
                max_requests_per_connection: limit("max-requests-per-connection"),
            };
        }
        if let Some(node) = self.get("outlier-detection") {
            self.reader.expect_entries(node, 0, &["consecutive-5xx", "interval", "base-ejection-time"]);
            let consecutive = match prop(node, "consecutive-5xx") {
                Some(value) => self.reader.u32(value, "`consecutive-5xx`", 1, 1000),
                None => Some(5),
            };
            let interval = match prop(node, "interval") {
                Some(value) => self.reader.duration(value, "`interval`"),
                None => Some(30),
            };
            let ejection = match prop(node, "base-ejection-time") {
                Some(value) => self.reader.duration(value, "`base-ejection-time`"),
                None => Some(30),
            };
            if let (Some(consecutive_5xx), Some(interval_seconds), Some(base_ejection_seconds)) =
                (consecutive, interval, ejection)
            {
                traffic.outlier_detection =
                    Some(model::OutlierDetection { consecutive_5xx, interval_seconds, base_ejection_seconds });
            }
        }
        traffic
    }

    fn slo(&mut self) -> Option<model::Slo> {
        let node = self.get("slo")?;
        self.reader.expect_entries(node, 0, &["availability", "latency", "latency-percent"]);
        let availability = match prop(node, "availability") {
            Some(value) => {
                let valid = match &value.scalar {
                    Scalar::Float(number) => (50.0..100.0).contains(number),
                    Scalar::Integer(number) => (50..100).contains(number),
                    _ => false,
                };
                if !valid {
                    self.reader.report(
                        Diagnostic::error(
                            "spec::invalid-value",
                            value.span,
                            "`availability` must be a percentage below 100",
                        )
                        .primary_text("expected e.g. 99.9")
                        .help("write `slo availability=99.9`"),
                    );
                    return None;
                }
                match &value.scalar {
                    Scalar::Float(number) => number.to_string(),
                    Scalar::Integer(number) => number.to_string(),
                    _ => return None,
                }
            }
            None => "99.9".to_owned(),
        };
        let latency_ms = match prop(node, "latency") {
            Some(value) => Some(self.milliseconds(value)?),
            None => None,
        };
        let latency_percent = match prop(node, "latency-percent") {
            Some(value) => self.reader.u32(value, "`latency-percent`", 50, 99)?,
            None => 99,
        };
        Some(model::Slo { availability, latency_ms, latency_percent })
    }

    /// A duration in milliseconds: `300ms`, `1s`, `2.5s` is not allowed.
    fn milliseconds(&mut self, value: &Value) -> Option<u32> {
        if let Scalar::String(text) = &value.scalar
            && let Some(number) = text.strip_suffix("ms")
            && let Ok(millis) = number.parse::<u32>()
            && millis > 0
        {
            return Some(millis);
        }
        self.reader.duration(value, "latency").map(|seconds| seconds.saturating_mul(1000))
    }

    fn checkov_skips(&mut self) -> Vec<model::Waiver> {
        let mut skips = Vec::new();
        for node in self.all("checkov-skip") {
            self.reader.expect_entries(node, 1, &["check", "reason"]);
            let Some(check) = arg(node, 0, "check").and_then(|value| self.reader.string(value, "a checkov check id"))
            else {
                self.reader.missing(node.name_span, "`checkov-skip` needs a check id", field_help("checkov-skip"));
                continue;
            };
            let Some(reason) = prop(node, "reason").and_then(|value| self.reader.string(value, "`reason`")) else {
                self.reader.report(
                    Diagnostic::error(
                        "spec::missing-reason",
                        node.name_span,
                        format!("skipping `{check}` needs a reason"),
                    )
                    .primary_text("why?")
                    .help("add `reason=\"…\"`: it is written beside the skip"),
                );
                continue;
            };
            if reason.contains('=') {
                let span = prop(node, "reason").map_or(node.span, |value| value.span);
                self.reader.report(
                    Diagnostic::error("spec::invalid-value", span, "a checkov reason cannot contain `=`")
                        .primary_text("checkov reads `CHECK=reason`")
                        .help("reword the reason without `=`"),
                );
                continue;
            }
            skips.push(model::Waiver { check, reason });
        }
        skips
    }

    /// The platform's `policy` lines that reach this service (services
    /// cannot write them: `spec` rejects them there).
    fn policies(&mut self) -> BTreeMap<String, model::PolicySetting> {
        let mut policies = BTreeMap::new();
        for node in self.all("policy") {
            if let Some((rule, setting)) = super::platform::policy(node, self.reader) {
                policies.insert(rule, setting);
            }
        }
        policies
    }

    fn waivers(&mut self) -> Vec<model::PolicyWaiver> {
        let mut waivers = Vec::new();
        for node in self.all("waive") {
            self.reader.expect_entries(node, 1, &["rule", "reason"]);
            let Some(rule_value) = arg(node, 0, "rule") else {
                self.reader.missing(node.name_span, "`waive` needs the id of a rule", field_help("waive"));
                continue;
            };
            let Some(rule) = self.reader.string(rule_value, "a rule id") else { continue };
            let reason = prop(node, "reason").and_then(|value| self.reader.string(value, "`reason`"));
            let Some(reason) = reason.filter(|reason| !reason.trim().is_empty()) else {
                self.reader.report(
                    Diagnostic::error("spec::missing-reason", node.span, format!("waiving `{rule}` needs a reason"))
                        .primary_text("no reason")
                        .help("add `reason=\"…\"`: it is reported with every build, so reviewers see it"),
                );
                continue;
            };
            waivers.push(model::PolicyWaiver { rule, rule_span: rule_value.span, reason, span: node.span });
        }
        waivers
    }

    fn patches(&mut self) -> Vec<model::Patch> {
        let mut patches = Vec::new();
        for node in self.all("patch") {
            self.reader.expect_entries(node, 3, &["kind", "path", "value"]);
            let (Some(kind_value), Some(path_value), Some(value)) =
                (arg(node, 0, "kind"), arg(node, 1, "path"), arg(node, 2, "value"))
            else {
                self.reader.missing(node.name_span, "`patch` needs a kind, a path and a value", field_help("patch"));
                continue;
            };
            let (Some(kind), Some(path)) =
                (self.reader.string(kind_value, "the patched kind"), self.reader.string(path_value, "the patch path"))
            else {
                continue;
            };
            let segments: Vec<String> = path.split('.').map(str::to_owned).collect();
            if segments.iter().any(String::is_empty) {
                self.reader.report(
                    Diagnostic::error("spec::invalid-value", path_value.span, format!("`{path}` is not a dotted path"))
                        .primary_text("empty segment")
                        .help("write a path like \"spec.template.spec.priorityClassName\""),
                );
                continue;
            }
            let json = match &value.scalar {
                Scalar::String(text) => serde_json::Value::String(text.clone()),
                Scalar::Integer(number) => serde_json::Value::from(*number),
                Scalar::Float(number) => {
                    serde_json::Number::from_f64(*number).map_or(serde_json::Value::Null, serde_json::Value::Number)
                }
                Scalar::Bool(flag) => serde_json::Value::Bool(*flag),
                Scalar::Null => serde_json::Value::Null,
            };
            patches.push(model::Patch { kind, path: segments, value: json, span: node.span });
        }
        patches
    }

    fn manifests(&mut self, inputs: &Inputs<'_>) -> Vec<model::RawManifest> {
        let Some(node) = self.get("manifests") else { return Vec::new() };
        let Some(value) = self.first_arg(node) else { return Vec::new() };
        let Some(folder) = self.reader.string(value, "`manifests`") else { return Vec::new() };
        let Some(path) = join_inside(inputs.folder, &folder) else {
            self.reader.report(
                Diagnostic::error("spec::invalid-value", value.span, format!("`{folder}` leaves the service folder"))
                    .primary_text("outside the service")
                    .help("the manifests folder must be inside the service's folder"),
            );
            return Vec::new();
        };
        if !self.complete {
            return Vec::new();
        }
        let files: Vec<String> = (inputs.list_files)(&path)
            .into_iter()
            .filter(|file| file.ends_with(".yaml") || file.ends_with(".yml"))
            .collect();
        if files.is_empty() {
            self.reader.report(
                Diagnostic::error("spec::missing-file", value.span, format!("`{path}` holds no YAML files"))
                    .primary_text("empty or missing folder")
                    .help("the path is relative to the spec's folder"),
            );
            return Vec::new();
        }
        let mut manifests = Vec::new();
        for file in files {
            let name = file.rsplit('/').next().unwrap_or(&file).to_owned();
            let Some(text) = (inputs.read_file)(&file) else { continue };
            match crate::syntax::yaml_values(&text, value.span.file) {
                Ok(documents) => {
                    let invalid = documents.iter().position(|document| {
                        document.get("apiVersion").and_then(serde_json::Value::as_str).is_none()
                            || document.get("kind").and_then(serde_json::Value::as_str).is_none()
                    });
                    if let Some(index) = invalid {
                        self.reader.report(
                            Diagnostic::error(
                                "spec::invalid-manifest",
                                value.span,
                                format!("document {} of `{file}` has no `apiVersion` and `kind`", index + 1),
                            )
                            .primary_text("in this folder")
                            .help("every document in a manifests folder is a Kubernetes object"),
                        );
                        continue;
                    }
                    manifests.push(model::RawManifest { name, documents, span: value.span });
                }
                Err(error) => self.reader.report(
                    Diagnostic::error(
                        "spec::invalid-manifest",
                        value.span,
                        format!(
                            "`{file}` line {} is not valid YAML: {}",
                            text[..(error.primary.span.start as usize).min(text.len())].matches('\n').count() + 1,
                            error.message
                        ),
                    )
                    .primary_text("in this folder")
                    .help("fix the file, or remove it from the folder"),
                ),
            }
        }
        manifests
    }

    fn namespace(&mut self, inputs: &Inputs<'_>, system: Option<&str>, owner: Option<&str>) -> Option<String> {
        let node = self.get("namespace")?;
        let value = self.first_arg(node)?;
        let template = self.reader.string(value, "`namespace`")?;
        if !self.complete {
            return None;
        }
        let mut namespace = String::new();
        let mut rest = template.as_str();
        while let Some(open) = rest.find('{') {
            namespace.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                self.reader.report(
                    Diagnostic::error(
                        "spec::invalid-value",
                        value.span,
                        "a `{` in the namespace template is not closed",
                    )
                    .primary_text("in this namespace template")
                    .help("write placeholders as `{service}`, `{system}`, `{owner}`, `{tier}` or `{environment}`"),
                );
                return None;
            };
            let placeholder = &rest[open + 1..open + close];
            let replacement = match placeholder {
                "service" => Some(inputs.name),
                "environment" => Some(inputs.environment),
                "tier" => Some(inputs.tier),
                "system" => Some(system.unwrap_or(inputs.name)),
                "owner" => owner,
                _ => None,
            };
            let Some(replacement) = replacement else {
                let help = if placeholder == "owner" {
                    "set `owner` on the service".to_owned()
                } else {
                    "use `{service}`, `{system}`, `{owner}`, `{tier}` or `{environment}`".to_owned()
                };
                self.reader.report(
                    Diagnostic::error(
                        "spec::invalid-value",
                        value.span,
                        format!("`{{{placeholder}}}` cannot be filled in here"),
                    )
                    .primary_text("in this namespace template")
                    .help(help),
                );
                return None;
            };
            namespace.push_str(replacement);
            rest = &rest[open + close + 1..];
        }
        namespace.push_str(rest);
        if let Err(reason) = check_dns_label(&namespace) {
            self.reader.report(
                Diagnostic::error(
                    "spec::invalid-name",
                    value.span,
                    format!("namespace `{namespace}` is invalid: {reason}"),
                )
                .primary_text("from this template")
                .help("namespaces are DNS labels: lowercase letters, digits and `-`"),
            );
            return None;
        }
        Some(namespace)
    }
}

struct ProbeDefaults {
    probe: Probe,
}

impl ProbeDefaults {
    fn probe(&self, kind: ProbeKind, handler: ProbeHandler) -> Probe {
        Probe { kind, handler, ..self.probe.clone() }
    }
}

/// The protocol a port name implies: `grpc`, `grpc-api` → gRPC, and so on.
fn infer_protocol(name: &str) -> Protocol {
    let prefix = name.split('-').next().unwrap_or(name);
    match prefix {
        "grpc" => Protocol::Grpc,
        "http2" | "h2c" => Protocol::Http2,
        "tcp" | "redis" | "postgres" | "mysql" | "mongo" | "amqp" | "kafka" => Protocol::Tcp,
        "udp" | "dns" => Protocol::Udp,
        _ => Protocol::Http,
    }
}

fn env_names(node: &Node) -> Vec<&str> {
    node.props
        .iter()
        .map(|prop| prop.key.as_str())
        .chain(node.children.iter().map(|child| child.name.as_str()))
        .collect()
}

fn field_help(name: &str) -> String {
    crate::spec::fields::service_field(name).map_or_else(String::new, |field| format!("write `{}`", field.syntax))
}

/// `folder/relative`, refusing paths that leave `folder`.
fn join_inside(folder: &str, relative: &str) -> Option<String> {
    if relative.starts_with('/') || relative.contains('\\') {
        return None;
    }
    let mut parts: Vec<&str> = folder.split('/').filter(|part| !part.is_empty()).collect();
    let base = parts.len();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.len() <= base {
                    return None;
                }
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// A five-field cron schedule, or a macro like `@daily`.
fn check_cron(schedule: &str) -> Result<(), String> {
    const MACROS: &[&str] = &["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
    if schedule.starts_with('@') {
        return if MACROS.contains(&schedule) { Ok(()) } else { Err(format!("unknown macro `{schedule}`")) };
    }
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!("it has {} fields, not 5", fields.len()));
    }
    let ranges = [("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7)];
    for (field, (name, min, max)) in fields.iter().zip(ranges) {
        for part in field.split(',') {
            let (range, step) = part.split_once('/').unwrap_or((part, ""));
            if !step.is_empty() && !step.parse::<u32>().is_ok_and(|step| step > 0) {
                return Err(format!("the {name} step `{step}` is not a positive number"));
            }
            if range == "*" {
                continue;
            }
            let (low, high) = range.split_once('-').unwrap_or((range, range));
            let mut bounds = Vec::new();
            for bound in [low, high] {
                let number = cron_value(bound, name).ok_or_else(|| format!("`{bound}` is not a valid {name}"))?;
                if !(min..=max).contains(&number) {
                    return Err(format!("{name} `{bound}` is outside {min}–{max}"));
                }
                bounds.push(number);
            }
            if bounds[0] > bounds[1] {
                return Err(format!("the {name} range `{range}` runs backwards"));
            }
        }
    }
    Ok(())
}

fn cron_value(text: &str, field: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    if let Ok(number) = text.parse() {
        return Some(number);
    }
    let lower = text.to_lowercase();
    let names: &[&str] = match field {
        "month" => &MONTHS,
        "day of week" => &DAYS,
        _ => return None,
    };
    let index = names.iter().position(|name| *name == lower)?;
    let offset = u32::from(field == "month");
    u32::try_from(index).ok().map(|index| index + offset)
}

#[cfg(test)]
mod tests {
    use super::{check_cron, join_inside};

    #[test]
    fn cron_schedules() {
        assert!(check_cron("*/15 * * * *").is_ok());
        assert!(check_cron("0 3 * * mon-fri").is_ok());
        assert!(check_cron("@daily").is_ok());
        assert!(check_cron("* * *").is_err());
        assert!(check_cron("61 * * * *").is_err());
        assert!(check_cron("*/0 * * * *").is_err());
        assert!(check_cron("5-1 * * * *").is_err());
    }

    #[test]
    fn joins_inside_the_folder_only() {
        assert_eq!(join_inside("services/api", "config/app.yaml").as_deref(), Some("services/api/config/app.yaml"));
        assert_eq!(join_inside("", "app.yaml").as_deref(), Some("app.yaml"));
        assert_eq!(join_inside("services/api", "../other/secret"), None);
        assert_eq!(join_inside("services/api", "/etc/passwd"), None);
    }
}
