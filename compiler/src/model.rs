//! The resolved service: every layer merged, every value typed and checked.
//! This is the boundary between the front end (syntax, spec, resolve) and the
//! back end (generate, emit); generators read nothing else.
//!
//! Invariant: a `Service` is only built by `resolve`, so generators can trust
//! it (ports are valid numbers, names are DNS labels, quantities parse), and
//! `origins` says for each field which file and line decided it.

use std::collections::BTreeMap;

use crate::source::Span;

/// One service in one environment.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// Where the service is named in its spec.
    pub name_span: Span,
    pub environment: String,
    /// Repository-relative path of the spec file.
    pub spec_path: String,
    /// Repository-relative folder of the spec file, `""` at the root.
    pub folder: String,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub system: Option<String>,
    pub tier: String,
    pub kind: Kind,
    pub language: Option<String>,
    pub namespace: String,
    /// Full image reference with registry and tag or digest.
    pub image: String,
    /// `Always` or `IfNotPresent`.
    pub image_pull_policy: &'static str,
    pub schedule: Option<Schedule>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub ports: Vec<Port>,
    pub metrics: Option<Metrics>,
    pub probes: Vec<Probe>,
    /// `None` when the service opted out with `resources none`.
    pub resources: Option<Resources>,
    pub replicas: Replicas,
    pub autoscaling: Autoscaling,
    pub pdb: Option<Budget>,
    pub topology_spread: Option<TopologySpread>,
    pub env: Vec<EnvVar>,
    pub secrets: Vec<Secret>,
    pub depends_on: Vec<Dependency>,
    /// Services that depend on this one, in this environment.
    pub dependents: Vec<Dependent>,
    pub provides_apis: Vec<String>,
    pub consumes_apis: Vec<String>,
    pub databases: Vec<Database>,
    pub canary: Option<Canary>,
    pub init_containers: Vec<Container>,
    pub sidecars: Vec<Container>,
    pub volumes: Vec<Volume>,
    pub config_files: Vec<ConfigFile>,
    pub security: Security,
    pub service_account: ServiceAccount,
    pub expose: Vec<Expose>,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
    pub pod_annotations: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub strategy: Strategy,
    pub termination_grace_seconds: Option<u32>,
    pub migrate: Vec<String>,
    pub catalog: BTreeMap<String, String>,
    /// Mesh traffic policy for requests to this service.
    pub traffic: Traffic,
    pub slo: Option<Slo>,
    pub checkov_skips: Vec<Waiver>,
    pub patches: Vec<Patch>,
    /// Extra manifests from the service's `manifests` folder: file name and documents.
    pub manifests: Vec<RawManifest>,
    /// `policy` lines from the platform's layers (defaults, environment,
    /// tier, tier's environment block), merged: rule id → setting.
    pub policies: BTreeMap<String, PolicySetting>,
    /// `waive RULE reason="…"`: rules this service is exempt from.
    pub waivers: Vec<PolicyWaiver>,
    /// Field name → the spans of the nodes that decided it: one, or one an
    /// item for a repeated field (`port`, `probe`, `secret`, …).
    pub origins: BTreeMap<&'static str, Vec<Span>>,
}

impl Service {
    /// Where the field was decided (its first item, for a repeated field).
    pub fn origin(&self, field: &str) -> Option<Span> {
        self.origins.get(field).and_then(|spans| spans.first()).copied()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Web,
    Worker,
    Cron,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Web => "web",
            Kind::Worker => "worker",
            Kind::Cron => "cron",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub cron: String,
    /// `Allow`, `Forbid` or `Replace`.
    pub concurrency: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Http,
    Http2,
    Grpc,
    Tcp,
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Http2 => "http2",
            Protocol::Grpc => "grpc",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }

    /// The Kubernetes transport protocol.
    pub fn transport(self) -> &'static str {
        if self == Protocol::Udp { "UDP" } else { "TCP" }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub name: String,
    pub number: u16,
    pub protocol: Protocol,
    /// The port the Service listens on.
    pub service_port: u16,
    /// Whether the Service carries this port.
    pub expose: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metrics {
    /// Name of the container port that serves metrics.
    pub port: String,
    pub path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProbeKind {
    Startup,
    Liveness,
    Readiness,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeHandler {
    Http { path: String, port: PortRef, scheme: &'static str },
    Grpc { port: u16 },
    Tcp { port: PortRef },
    Exec { command: Vec<String> },
}

/// A port by name or number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRef {
    Name(String),
    Number(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub kind: ProbeKind,
    pub handler: ProbeHandler,
    pub delay_seconds: u32,
    pub period_seconds: u32,
    pub timeout_seconds: u32,
    pub failures: u32,
    pub successes: u32,
}

/// Requests and limits by resource name (`cpu`, `memory`, `ephemeral-storage`),
/// in canonical Kubernetes quantity strings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resources {
    pub requests: BTreeMap<String, String>,
    pub limits: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replicas {
    Fixed(u32),
    Autoscaled { min: u32, max: u32 },
}

impl Replicas {
    /// The fewest replicas that run.
    pub fn min(self) -> u32 {
        match self {
            Replicas::Fixed(count) => count,
            Replicas::Autoscaled { min, .. } => min,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Autoscaling {
    pub cpu_percent: Option<u32>,
    pub memory_percent: Option<u32>,
}

/// An integer or a percentage, as Kubernetes' `IntOrString`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(u32),
    Percent(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Budget {
    MinAvailable(IntOrPercent),
    MaxUnavailable(IntOrPercent),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologySpread {
    /// The node label: `topology.kubernetes.io/zone` or `kubernetes.io/hostname`.
    pub topology_key: String,
    pub max_skew: u32,
    /// `DoNotSchedule` or `ScheduleAnyway`.
    pub when_unsatisfiable: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
    /// Where the value is written.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    Literal(String),
    /// Downward API `fieldRef`, e.g. `status.podIP`.
    Field(String),
    /// Downward API `resourceFieldRef`, e.g. `limits.memory`.
    Resource(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The environment variable, and the key in the generated Secret.
    pub name: String,
    /// Path in the secret store.
    pub from: String,
    /// Property at that path.
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub service: String,
    /// A service outside this repository: listed in the catalog, not checked
    /// or addressed.
    pub external: bool,
    pub env: Option<String>,
    pub url: bool,
    pub span: Span,
    /// `host:port` of the dependency's Service, filled in by `resolve::link`
    /// when the dependency publishes a port.
    pub address: Option<String>,
    /// The dependency's namespace and the ports its Service publishes
    /// (container ports), filled in by `resolve::link`.
    pub namespace: Option<String>,
    pub ports: Vec<u16>,
}

/// A service that declares `depends-on` this one, filled in by `resolve::link`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    pub service: String,
    pub namespace: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    pub name: String,
    pub engine: String,
    pub storage_gb: u32,
    pub class: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canary {
    pub header: String,
    pub weight: u32,
    /// The canary's full image reference; without one no canary runs and
    /// no traffic is routed to the canary subset.
    pub image: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<EnvVar>,
    pub ports: Vec<Port>,
    /// The `sidecar` or `init-container` line.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub name: String,
    pub mount: String,
    pub size_limit: Option<String>,
    /// `Memory` for a tmpfs.
    pub medium: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// Where it is mounted.
    pub mount: String,
    /// Repository-relative path of the file it comes from.
    pub source: String,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Security {
    pub run_as_user: i64,
    pub run_as_group: i64,
    pub fs_group: Option<i64>,
    pub run_as_non_root: bool,
    pub read_only_root: bool,
    pub privilege_escalation: bool,
    pub add_capabilities: Vec<String>,
    pub seccomp: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceAccount {
    /// Whether the service gets its own `ServiceAccount`.
    pub create: bool,
    pub automount: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expose {
    Gateway { hosts: Vec<String> },
    LoadBalancer,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    pub key: String,
    pub operator: String,
    pub value: Option<String>,
    pub effect: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strategy {
    pub max_surge: IntOrPercent,
    pub max_unavailable: IntOrPercent,
}

/// Mesh traffic policy; every part is optional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Traffic {
    pub retries: Option<Retries>,
    /// Request timeout, in seconds.
    pub timeout_seconds: Option<u32>,
    pub connection_pool: ConnectionPool,
    pub outlier_detection: Option<OutlierDetection>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retries {
    pub attempts: u32,
    pub per_try_timeout_seconds: u32,
    /// Istio `retryOn` conditions, comma-separated.
    pub on: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectionPool {
    pub max_connections: Option<u32>,
    pub max_pending_requests: Option<u32>,
    pub max_requests_per_connection: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutlierDetection {
    pub consecutive_5xx: u32,
    pub interval_seconds: u32,
    pub base_ejection_seconds: u32,
}

/// Service level objectives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slo {
    /// Availability target as written, e.g. `99.9`.
    pub availability: String,
    /// Latency threshold in milliseconds, with the share of requests that
    /// must meet it (percent).
    pub latency_ms: Option<u32>,
    pub latency_percent: u32,
}

/// A deliberate exception to a checker's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub check: String,
    pub reason: String,
}

/// `patch KIND "a.b.0.c" value`: set one value in one emitted object.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    pub kind: String,
    pub path: Vec<String>,
    pub value: serde_json::Value,
    pub span: Span,
}

/// A file from the service's `manifests` folder.
#[derive(Debug, Clone, PartialEq)]
pub struct RawManifest {
    /// File name, e.g. `priority-class.yaml`.
    pub name: String,
    pub documents: Vec<serde_json::Value>,
    pub span: Span,
}

/// The platform, resolved: what generators need beyond the service.
#[derive(Debug, Clone, Default)]
pub struct Platform {
    /// Repository-relative path of the file that defines the platform
    /// (`platform.kdl`), or `None` when only the stdlib does.
    pub source: Option<String>,
    pub registry: Option<String>,
    pub environments: Vec<Environment>,
    pub teams: BTreeMap<String, Team>,
    pub systems: BTreeMap<String, System>,
    pub mesh: Mesh,
    pub gitops: Option<GitOps>,
    /// `owner/name` of the repository on GitHub.
    pub github_repository: Option<String>,
    pub secret_store: SecretStore,
    pub monitoring: Monitoring,
    pub ingress_gateway: IngressGateway,
    pub grafana: Option<Grafana>,
    pub catalog_annotations: BTreeMap<String, String>,
    pub database_classes: BTreeMap<String, DatabaseClass>,
    pub actions: BTreeMap<String, Action>,
    pub toolchains: BTreeMap<String, Toolchain>,
    pub ci_auth: CiAuth,
    pub strict_egress: bool,
    /// `allowed-registries`: prefixes every image must start with, and the
    /// line that lists them. Empty: any registry.
    pub allowed_registries: Vec<String>,
    pub allowed_registries_span: Option<Span>,
    /// Top-level `policy` lines (the stdlib's defaults, then `platform.kdl`).
    pub policies: BTreeMap<String, PolicySetting>,
    /// Custom `rule`s, in the order written.
    pub rules: Vec<CustomRule>,
}

/// How a policy finding is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyLevel {
    /// An error: nothing is written.
    Deny,
    /// A warning.
    Warn,
    /// Not checked.
    Off,
}

impl PolicyLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyLevel::Deny => "deny",
            PolicyLevel::Warn => "warn",
            PolicyLevel::Off => "off",
        }
    }
}

/// `policy RULE deny|warn|off min=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySetting {
    pub level: PolicyLevel,
    /// `min=`: the threshold of `too-few-replicas`, and where it is written.
    pub min: Option<(u32, Span)>,
    /// The rule id as written.
    pub rule_span: Span,
    /// The whole line.
    pub span: Span,
}

/// `waive RULE reason="…"` in a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyWaiver {
    pub rule: String,
    pub rule_span: Span,
    pub reason: String,
    pub span: Span,
}

/// `rule NAME expression="…" message="…" severity=deny` in `platform.kdl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomRule {
    pub name: String,
    pub name_span: Span,
    /// A CEL expression over `service`, true when the service complies.
    pub expression: String,
    pub expression_span: Span,
    pub message: String,
    pub level: PolicyLevel,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    pub cluster: String,
    /// Deployed automatically after CI on the main branch, or by hand behind
    /// a GitHub environment with required reviewers.
    pub auto_promote: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Team {
    pub span: Option<Span>,
    pub description: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct System {
    pub owner: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mesh {
    #[default]
    Istio,
    Linkerd,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitOps {
    pub repo_url: String,
    pub revision: String,
    /// The namespace Argo CD runs in (where Applications live).
    pub namespace: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretStore {
    pub name: String,
    /// `ClusterSecretStore` or `SecretStore`.
    pub kind: String,
    pub refresh: String,
    /// Mount secrets as files instead of environment variables.
    pub as_files: bool,
}

impl Default for SecretStore {
    fn default() -> SecretStore {
        SecretStore {
            name: "default".to_owned(),
            kind: "ClusterSecretStore".to_owned(),
            refresh: "1h".to_owned(),
            as_files: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitoring {
    pub namespace: String,
    /// Labels the Prometheus operator's selectors match on `ServiceMonitors` and rules.
    pub labels: BTreeMap<String, String>,
}

impl Default for Monitoring {
    fn default() -> Monitoring {
        Monitoring { namespace: "monitoring".to_owned(), labels: BTreeMap::new() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngressGateway {
    /// `namespace/name` of the mesh gateway.
    pub gateway: String,
    /// The namespace its pods run in.
    pub namespace: String,
}

impl Default for IngressGateway {
    fn default() -> IngressGateway {
        IngressGateway { gateway: "istio-system/ingressgateway".to_owned(), namespace: "istio-system".to_owned() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grafana {
    pub url: String,
    /// The label Grafana's dashboard sidecar watches `ConfigMaps` for.
    pub dashboard_label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseClass {
    pub name: String,
    pub engine: String,
    /// The storage a database of this class gets when it does not say.
    pub storage_gb: Option<u32>,
    /// `group/version` of the claim.
    pub claim_api: String,
    pub claim_kind: String,
    /// `group/version` of the managed resource that implements it.
    pub provider_api: String,
    pub provider_kind: String,
    pub region: String,
    pub instance_class: String,
    pub engine_version: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// `owner/repo` (or `owner/repo/path`).
    pub uses: String,
    /// Full 40-character commit SHA.
    pub sha: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    /// Name of the `action` that installs the toolchain, if any.
    pub setup: Option<String>,
    pub version_input: Option<String>,
    pub version: Option<String>,
    pub test: String,
    pub lint: Option<String>,
    pub coverage: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CiAuth {
    /// The workflow's own token, for ghcr.io.
    #[default]
    Ghcr,
    Aws {
        role: String,
        region: String,
    },
    Gcp {
        provider: String,
        service_account: String,
    },
}
