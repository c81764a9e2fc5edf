//! The pod template that `Deployment`, the canary `Deployment`, `CronJob` and
//! the migration `Job` share: containers with the hardened security context,
//! probes, resources, env, secrets and volumes.

use super::value::{Map, Value};

use super::config_map::{config_checksum, config_key, config_map_name};
use super::{labels, selector_labels};
use crate::model::{self, EnvValue, Kind, Mesh, PortRef, Probe, ProbeHandler, ProbeKind};

/// Which pods a template is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// The service's own pods (`version: stable`).
    Stable,
    /// The canary Deployment's pods (`version: canary`), with the canary image.
    Canary,
    /// The migration Job's pod: the `migrate` command, no probes, not
    /// selected by the Service.
    Migration,
}

impl Role {
    /// The `version` label value that mesh subsets select on.
    pub(super) fn version(self) -> &'static str {
        match self {
            Role::Stable | Role::Migration => "stable",
            Role::Canary => "canary",
        }
    }
}

/// The labels of a role's pods.
pub(super) fn pod_labels(service: &model::Service, role: Role) -> Value {
    let mut labels = labels(service);
    if role == Role::Migration {
        labels["app.kubernetes.io/name"] = json!(migration_name(service));
        labels["app.kubernetes.io/component"] = json!("migration");
    } else {
        labels["version"] = json!(role.version());
    }
    labels
}

/// Asks Istio for a sidecar on the pods that serve (jobs opt out in
/// `template`), whatever the namespace's injection label says.
fn mesh_labels(labels: &mut Value, service: &model::Service, platform: &model::Platform, role: Role) {
    if platform.mesh == Mesh::Istio && role != Role::Migration && service.kind != Kind::Cron {
        labels["sidecar.istio.io/inject"] = json!("true");
    }
}

/// The selector of a role's Deployment: the service's selector plus `version`.
pub(super) fn workload_selector(service: &model::Service, role: Role) -> Value {
    let mut selector = selector_labels(service);
    selector["version"] = json!(role.version());
    selector
}

/// The migration Job's name.
pub(super) fn migration_name(service: &model::Service) -> String {
    format!("{}-migrate", service.name)
}

/// `spec.template` of a workload.
pub(super) fn template(service: &model::Service, platform: &model::Platform, role: Role) -> Value {
    let mut annotations = Map::new();
    for (key, value) in &service.pod_annotations {
        annotations.insert(key.clone(), json!(value));
    }
    if !service.config_files.is_empty() {
        annotations.insert("platc.dev/config-checksum".to_owned(), json!(config_checksum(service)));
    }
    // A job's pod must end, and an injected proxy would keep it running: jobs
    // (cron jobs and the migration) run outside the mesh.
    let job = role == Role::Migration || service.kind == Kind::Cron;
    match (platform.mesh, job) {
        (Mesh::Linkerd, false) => {
            annotations.insert("linkerd.io/inject".to_owned(), json!("enabled"));
        }
        (Mesh::Linkerd, true) => {
            annotations.insert("linkerd.io/inject".to_owned(), json!("disabled"));
        }
        (Mesh::Istio, true) => {
            annotations.insert("sidecar.istio.io/inject".to_owned(), json!("false"));
        }
        (Mesh::Istio | Mesh::None, false) | (Mesh::None, true) => {}
    }
    let mut labels = pod_labels(service, role);
    mesh_labels(&mut labels, service, platform, role);
    let mut metadata = Map::new();
    metadata.insert("labels".to_owned(), labels);
    if !annotations.is_empty() {
        metadata.insert("annotations".to_owned(), Value::Object(annotations));
    }
    json!({ "metadata": metadata, "spec": spec(service, platform, role) })
}

fn spec(service: &model::Service, platform: &model::Platform, role: Role) -> Value {
    let security = &service.security;
    let mut pod_security = Map::new();
    pod_security.insert("runAsNonRoot".to_owned(), json!(security.run_as_non_root));
    pod_security.insert("runAsUser".to_owned(), json!(security.run_as_user));
    pod_security.insert("runAsGroup".to_owned(), json!(security.run_as_group));
    if let Some(fs_group) = security.fs_group {
        pod_security.insert("fsGroup".to_owned(), json!(fs_group));
    }
    pod_security.insert("seccompProfile".to_owned(), json!({ "type": security.seccomp }));

    let mut spec = Map::new();
    if service.service_account.create {
        spec.insert("serviceAccountName".to_owned(), json!(service.name));
    }
    spec.insert("automountServiceAccountToken".to_owned(), json!(service.service_account.automount));
    if service.kind == Kind::Cron || role == Role::Migration {
        spec.insert("restartPolicy".to_owned(), json!("Never"));
    }
    spec.insert("securityContext".to_owned(), Value::Object(pod_security));
    if let Some(seconds) = service.termination_grace_seconds {
        spec.insert("terminationGracePeriodSeconds".to_owned(), json!(seconds));
    }
    if !service.node_selector.is_empty() {
        spec.insert("nodeSelector".to_owned(), json!(service.node_selector));
    }
    if !service.tolerations.is_empty() {
        spec.insert("tolerations".to_owned(), Value::Array(service.tolerations.iter().map(toleration).collect()));
    }
    if let Some(spread) = &service.topology_spread
        && service.kind != Kind::Cron
        && role == Role::Stable
        && service.replicas.min() > 1
    {
        spec.insert(
            "topologySpreadConstraints".to_owned(),
            json!([{
                "maxSkew": spread.max_skew,
                "topologyKey": spread.topology_key,
                "whenUnsatisfiable": spread.when_unsatisfiable,
                "labelSelector": { "matchLabels": selector_labels(service) },
            }]),
        );
    }
    if !service.init_containers.is_empty() {
        let init: Vec<Value> =
            service.init_containers.iter().map(|container| extra_container(service, platform, container)).collect();
        spec.insert("initContainers".to_owned(), Value::Array(init));
    }
    let mut containers = vec![main_container(service, platform, role)];
    containers.extend(service.sidecars.iter().map(|container| extra_container(service, platform, container)));
    spec.insert("containers".to_owned(), Value::Array(containers));
    spec.insert("volumes".to_owned(), Value::Array(volumes(service, platform)));
    Value::Object(spec)
}

fn main_container(service: &model::Service, platform: &model::Platform, role: Role) -> Value {
    let image = match (role, service.canary.as_ref().and_then(|canary| canary.image.as_ref())) {
        (Role::Canary, Some(image)) => image,
        _ => &service.image,
    };
    let mut container = Map::new();
    container.insert("name".to_owned(), json!(service.name));
    container.insert("image".to_owned(), json!(image));
    container.insert("imagePullPolicy".to_owned(), json!(service.image_pull_policy));
    if role == Role::Migration {
        container.insert("command".to_owned(), json!(service.migrate));
    } else {
        if !service.command.is_empty() {
            container.insert("command".to_owned(), json!(service.command));
        }
        if !service.args.is_empty() {
            container.insert("args".to_owned(), json!(service.args));
        }
        let ports: Vec<Value> = service.ports.iter().map(container_port).collect();
        if !ports.is_empty() {
            container.insert("ports".to_owned(), Value::Array(ports));
        }
    }
    let env = env(service, platform, &service.env, true);
    if !env.is_empty() {
        container.insert("env".to_owned(), Value::Array(env));
    }
    if let Some(resources) = resources(service) {
        container.insert("resources", resources);
    }
    container.insert("securityContext".to_owned(), container_security(service));
    if service.kind != Kind::Cron && role != Role::Migration {
        for probe in &service.probes {
            let key = match probe.kind {
                ProbeKind::Startup => "startupProbe",
                ProbeKind::Liveness => "livenessProbe",
                ProbeKind::Readiness => "readinessProbe",
            };
            container.insert(key.to_owned(), self::probe(probe));
        }
    }
    container.insert("volumeMounts".to_owned(), Value::Array(volume_mounts(service, platform)));
    Value::Object(container)
}

fn extra_container(service: &model::Service, platform: &model::Platform, extra: &model::Container) -> Value {
    let mut container = Map::new();
    container.insert("name".to_owned(), json!(extra.name));
    container.insert("image".to_owned(), json!(extra.image));
    container.insert("imagePullPolicy".to_owned(), json!(service.image_pull_policy));
    if !extra.command.is_empty() {
        container.insert("command".to_owned(), json!(extra.command));
    }
    if !extra.args.is_empty() {
        container.insert("args".to_owned(), json!(extra.args));
    }
    if !extra.ports.is_empty() {
        container.insert("ports".to_owned(), Value::Array(extra.ports.iter().map(container_port).collect()));
    }
    let env = env(service, platform, &extra.env, false);
    if !env.is_empty() {
        container.insert("env".to_owned(), Value::Array(env));
    }
    if let Some(resources) = resources(service) {
        container.insert("resources", resources);
    }
    container.insert("securityContext".to_owned(), container_security(service));
    container.insert("volumeMounts".to_owned(), json!([{ "name": "tmp", "mountPath": "/tmp" }]));
    Value::Object(container)
}

/// The container's requests and limits, each only when set. Sidecars get the
/// main container's.
fn resources(service: &model::Service) -> Option<Value> {
    let resources = service.resources.as_ref()?;
    let mut value = Map::new();
    if !resources.requests.is_empty() {
        value.insert("requests", json!(resources.requests));
    }
    if !resources.limits.is_empty() {
        value.insert("limits", json!(resources.limits));
    }
    Some(Value::Object(value))
}

fn container_port(port: &model::Port) -> Value {
    json!({ "name": port.name, "containerPort": port.number, "protocol": port.protocol.transport() })
}

fn container_security(service: &model::Service) -> Value {
    let security = &service.security;
    let mut capabilities = Map::new();
    if !security.add_capabilities.is_empty() {
        capabilities.insert("add".to_owned(), json!(security.add_capabilities));
    }
    capabilities.insert("drop".to_owned(), json!(["ALL"]));
    json!({
        "allowPrivilegeEscalation": security.privilege_escalation,
        "readOnlyRootFilesystem": security.read_only_root,
        "runAsNonRoot": security.run_as_non_root,
        "capabilities": move capabilities,
    })
}

/// Environment variables: literals and downward API values first, sorted by
/// name, then dependency addresses, secrets in the order written (unless the
/// platform mounts them as files), and database connection details.
fn env(service: &model::Service, platform: &model::Platform, vars: &[model::EnvVar], with_secrets: bool) -> Vec<Value> {
    let mut env: Vec<Value> = vars
        .iter()
        .map(|var| match &var.value {
            EnvValue::Literal(value) => json!({ "name": var.name, "value": value }),
            EnvValue::Field(path) => json!({ "name": var.name, "valueFrom": { "fieldRef": { "fieldPath": path } } }),
            EnvValue::Resource(resource) => json!({
                "name": var.name,
                "valueFrom": { "resourceFieldRef": { "containerName": service.name, "resource": resource } },
            }),
        })
        .collect();
    if with_secrets {
        for dependency in &service.depends_on {
            let (Some(variable), Some(address)) = (&dependency.env, &dependency.address) else { continue };
            let value = if dependency.url { format!("http://{address}") } else { address.clone() };
            env.push(json!({ "name": variable, "value": value }));
        }
        if !platform.secret_store.as_files {
            for secret in &service.secrets {
                env.push(json!({
                    "name": secret.name,
                    "valueFrom": { "secretKeyRef": { "name": secret_name(service), "key": secret.name } },
                }));
            }
        }
        for database in &service.databases {
            let prefix = database.name.to_uppercase().replace('-', "_");
            for (suffix, key) in DATABASE_KEYS {
                env.push(json!({
                    "name": format!("{prefix}_{suffix}"),
                    "valueFrom": { "secretKeyRef": { "name": database_secret_name(database), "key": key } },
                }));
            }
        }
    }
    env
}

/// Environment variable suffixes and the connection secret keys Crossplane
/// writes for a database.
const DATABASE_KEYS: &[(&str, &str)] =
    &[("HOST", "endpoint"), ("PORT", "port"), ("USER", "username"), ("PASSWORD", "password")];

/// The Secret that holds the service's `secret` entries (an `ExternalSecret`'s target).
pub(super) fn secret_name(service: &model::Service) -> String {
    format!("{}-secrets", service.name)
}

/// The connection Secret a database claim writes.
pub(super) fn database_secret_name(database: &model::Database) -> String {
    format!("{}-credentials", database.name)
}

/// Where secrets are mounted when the platform mounts them as files.
pub(super) const SECRET_MOUNT: &str = "/var/run/secrets/app";

fn probe(probe: &Probe) -> Value {
    let mut value = Map::new();
    match &probe.handler {
        ProbeHandler::Http { path, port, scheme } => {
            value.insert("httpGet".to_owned(), json!({ "path": path, "port": port_ref(port), "scheme": scheme }));
        }
        ProbeHandler::Grpc { port } => {
            value.insert("grpc".to_owned(), json!({ "port": port }));
        }
        ProbeHandler::Tcp { port } => {
            value.insert("tcpSocket".to_owned(), json!({ "port": port_ref(port) }));
        }
        ProbeHandler::Exec { command } => {
            value.insert("exec".to_owned(), json!({ "command": command }));
        }
    }
    value.insert("initialDelaySeconds".to_owned(), json!(probe.delay_seconds));
    value.insert("periodSeconds".to_owned(), json!(probe.period_seconds));
    value.insert("timeoutSeconds".to_owned(), json!(probe.timeout_seconds));
    value.insert("failureThreshold".to_owned(), json!(probe.failures));
    // Kubernetes requires 1 for liveness and startup probes.
    let successes = if probe.kind == ProbeKind::Readiness { probe.successes } else { 1 };
    value.insert("successThreshold".to_owned(), json!(successes));
    Value::Object(value)
}

fn port_ref(port: &PortRef) -> Value {
    match port {
        PortRef::Name(name) => json!(name),
        PortRef::Number(number) => json!(number),
    }
}

fn volume_mounts(service: &model::Service, platform: &model::Platform) -> Vec<Value> {
    let mut mounts = vec![json!({ "name": "tmp", "mountPath": "/tmp" })];
    if platform.secret_store.as_files && !service.secrets.is_empty() {
        mounts.push(json!({ "name": "secrets", "mountPath": SECRET_MOUNT, "readOnly": true }));
    }
    for volume in &service.volumes {
        mounts.push(json!({ "name": volume.name, "mountPath": volume.mount }));
    }
    for file in &service.config_files {
        mounts.push(json!({
            "name": "config",
            "mountPath": file.mount,
            "subPath": config_key(&file.mount),
            "readOnly": true,
        }));
    }
    mounts
}

fn volumes(service: &model::Service, platform: &model::Platform) -> Vec<Value> {
    let mut volumes = vec![json!({ "name": "tmp", "emptyDir": {} })];
    if platform.secret_store.as_files && !service.secrets.is_empty() {
        volumes.push(json!({ "name": "secrets", "secret": { "secretName": secret_name(service) } }));
    }
    for volume in &service.volumes {
        let mut empty_dir = Map::new();
        if let Some(medium) = volume.medium {
            empty_dir.insert("medium".to_owned(), json!(medium));
        }
        if let Some(limit) = &volume.size_limit {
            empty_dir.insert("sizeLimit".to_owned(), json!(limit));
        }
        volumes.push(json!({ "name": volume.name, "emptyDir": empty_dir }));
    }
    if !service.config_files.is_empty() {
        volumes.push(json!({ "name": "config", "configMap": { "name": config_map_name(service) } }));
    }
    volumes
}

fn toleration(toleration: &model::Toleration) -> Value {
    let mut value = Map::new();
    value.insert("key".to_owned(), json!(toleration.key));
    value.insert("operator".to_owned(), json!(toleration.operator));
    if let Some(text) = &toleration.value {
        value.insert("value".to_owned(), json!(text));
    }
    if let Some(effect) = &toleration.effect {
        value.insert("effect".to_owned(), json!(effect));
    }
    Value::Object(value)
}
