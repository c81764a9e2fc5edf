//! The table of every field platc reads: where it may be written, how layers
//! merge it, and what it means. The book's reference and the field checks are
//! both driven from here, so a field cannot exist without its documentation.

/// Where a field may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contexts(u8);

impl Contexts {
    /// The body of `service NAME { … }`.
    pub const SERVICE: Contexts = Contexts(1);
    /// `environment NAME { … }` inside a service.
    pub const SERVICE_ENVIRONMENT: Contexts = Contexts(2);
    /// `defaults { … }`, `tier NAME { … }` and the environments of the platform config.
    pub const LAYER: Contexts = Contexts(4);
    /// Top level of `platform.kdl`.
    pub const PLATFORM: Contexts = Contexts(8);
    /// `environment NAME { … }` at the top level of `platform.kdl` (its own settings).
    pub const PLATFORM_ENVIRONMENT: Contexts = Contexts(16);

    const ANYWHERE: Contexts = Contexts(1 | 2 | 4);
    const NOT_PER_ENVIRONMENT: Contexts = Contexts(1 | 4);
    const SERVICE_ONLY: Contexts = Contexts(1);
    /// The service body and its environment blocks, not the platform.
    const IN_SERVICE: Contexts = Contexts(1 | 2);

    pub fn contains(self, other: Contexts) -> bool {
        self.0 & other.0 != 0
    }
}

/// How a field combines across layers (stdlib ← platform ← tier ← service ←
/// environment): later layers win.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// The last layer that writes the field decides it whole.
    Replace,
    /// Entries merge one by one: `resources cpu=…` in a service keeps the
    /// tier's `memory=…`.
    Entries,
    /// Repeated, one per key (its first argument, or `name`): a later layer
    /// replaces the item with the same key and adds new ones.
    Keyed,
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub contexts: Contexts,
    pub merge: Merge,
    /// The shape, as written in KDL.
    pub syntax: &'static str,
    pub doc: &'static str,
    /// Its arguments, properties and children, with their types: what the
    /// JSON Schema of `platc.yaml` and the reference's value tables say.
    pub shape: Shape,
}

const fn field(
    name: &'static str,
    contexts: Contexts,
    merge: Merge,
    syntax: &'static str,
    doc: &'static str,
    shape: Shape,
) -> Field {
    Field { name, contexts, merge, syntax, doc, shape }
}

/// The type of one value, as `resolve` reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A string.
    String,
    /// A string, or a number or boolean read as text (`LOG_LEVEL=3`).
    Text,
    /// An integer between the bounds, inclusive.
    Integer(i64, i64),
    /// A number, whole or decimal.
    Number,
    /// `#true` or `#false` (`true` or `false` in YAML).
    Bool,
    /// A name Kubernetes accepts: lowercase letters, digits and `-`, starting
    /// with a letter, at most 63 characters.
    Name,
    /// A port name: at most 15 lowercase letters, digits and `-`.
    PortName,
    /// One of these words.
    Word(&'static [&'static str]),
    /// A duration: `30s`, `5m`, `1h30m`, or a number of seconds.
    Duration,
    /// A duration that may be in milliseconds: `300ms`, `1s`.
    Latency,
    /// A Kubernetes quantity: `250m` or `0.5` (CPU), `512Mi` or `1Gi` (bytes).
    Quantity,
    /// A count or a percentage: `1`, `"25%"`.
    IntOrPercent,
    /// A port, by number or by name.
    PortRef,
    /// A ratio of at least 1 (`2`, `1.5`), or `none`.
    Ratio,
    /// An HTTP path starting with `/`.
    HttpPath,
    /// An absolute path: `/etc/app/config.yaml`.
    AbsolutePath,
    /// A full commit SHA: 40 lowercase hexadecimal digits.
    CommitSha,
    /// Any scalar: string, number, boolean or null.
    Any,
}

/// One argument or property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The property name; for an argument, the key YAML writes it under
    /// (empty when it can only be written positionally).
    pub key: &'static str,
    pub ty: Type,
    pub required: bool,
}

/// A child node `key … { … }` of a field.
#[derive(Debug, Clone, Copy)]
pub struct Child {
    pub key: &'static str,
    pub shape: &'static Shape,
    /// Whether it may be written more than once (a list in YAML).
    pub repeated: bool,
    pub required: bool,
}

impl Child {
    const fn repeated(mut self) -> Child {
        self.repeated = true;
        self
    }

    const fn required(mut self) -> Child {
        self.required = true;
        self
    }
}

/// What a field node holds: `name arg… key=value… { child… }`.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Positional arguments, in order.
    pub args: &'static [Entry],
    /// The type of further arguments (`command "a" "b"…`), if any may follow.
    pub rest: Option<Type>,
    /// Named properties.
    pub props: &'static [Entry],
    /// The type of properties with any name (`env NAME=value…`), if allowed.
    pub open: Option<Type>,
    /// The shape of child nodes with any name (`env { NAME field=… }`).
    pub open_children: Option<&'static Shape>,
    /// Named child nodes.
    pub children: &'static [Child],
}

impl Shape {
    /// No arguments, properties or children.
    pub const NONE: Shape = Shape { args: &[], rest: None, props: &[], open: None, open_children: None, children: &[] };

    const fn args(mut self, args: &'static [Entry]) -> Shape {
        self.args = args;
        self
    }

    const fn rest(mut self, ty: Type) -> Shape {
        self.rest = Some(ty);
        self
    }

    const fn props(mut self, props: &'static [Entry]) -> Shape {
        self.props = props;
        self
    }

    const fn open(mut self, ty: Type) -> Shape {
        self.open = Some(ty);
        self
    }

    const fn open_children(mut self, shape: &'static Shape) -> Shape {
        self.open_children = Some(shape);
        self
    }

    const fn children(mut self, children: &'static [Child]) -> Shape {
        self.children = children;
        self
    }

    /// Whether a property or a child must be written: then YAML can only
    /// write the field as a mapping.
    pub fn has_required_keys(&self) -> bool {
        self.props.iter().any(|entry| entry.required) || self.children.iter().any(|child| child.required)
    }

    /// Whether the field can be written with keys (a mapping in YAML).
    pub fn has_keys(&self) -> bool {
        self.args.iter().any(|entry| !entry.key.is_empty())
            || !self.props.is_empty()
            || self.open.is_some()
            || self.open_children.is_some()
            || !self.children.is_empty()
    }
}

/// An optional argument or property.
const fn opt(key: &'static str, ty: Type) -> Entry {
    Entry { key, ty, required: false }
}

/// A required argument or property.
const fn req(key: &'static str, ty: Type) -> Entry {
    Entry { key, ty, required: true }
}

/// A required argument written only by position (no YAML key).
const fn pos(ty: Type) -> Entry {
    Entry { key: "", ty, required: true }
}

const fn child(key: &'static str, shape: &'static Shape) -> Child {
    Child { key, shape, repeated: false, required: false }
}

/// `env` entries written as child nodes: a literal, or a value from the
/// downward API (`field`) or a resource (`resource`).
const ENV_SOURCE: Shape = Shape::NONE.args(&[pos(Text)]).props(&[opt("field", Str), opt("resource", Str)]);

/// `init-container` and `sidecar`.
const CONTAINER: Shape = Shape::NONE.args(&[req("name", Name)]).props(&[req("image", Str)]).children(&[
    child("command", &Shape::NONE.rest(Text)),
    child("args", &Shape::NONE.rest(Text)),
    child("env", &Shape::NONE.open(Text).open_children(&ENV_SOURCE)),
    child(
        "port",
        &Shape::NONE
            .args(&[req("port", Integer(1, 65_535))])
            .props(&[opt("name", PortName), opt("protocol", Word(&["http", "http2", "grpc", "tcp", "udp"]))]),
    )
    .repeated(),
]);

use Contexts as C;
use Merge::{Entries, Keyed, Replace};
use Type::{
    AbsolutePath, Any, Bool, CommitSha, Duration, HttpPath, IntOrPercent, Integer, Latency, Name, Number, PortName,
    PortRef, Quantity, Ratio, String as Str, Text, Word,
};

/// Every field of the service grammar, which tiers, defaults and environments
/// share. Sorted by name.
pub const SERVICE_FIELDS: &[Field] = &[
    field(
        "args",
        C::ANYWHERE,
        Replace,
        "args \"--flag\" \"value\"…",
        "Arguments passed to the main container, replacing the image's CMD.",
        Shape::NONE.rest(Text),
    ),
    field(
        "autoscaling",
        C::ANYWHERE,
        Entries,
        "autoscaling cpu=70 memory=80",
        "Target average utilization, in percent of the requests, for the HorizontalPodAutoscaler. Used when `replicas` has `min` below `max`.",
        Shape::NONE.props(&[opt("cpu", Integer(1, 100)), opt("memory", Integer(1, 100))]),
    ),
    field(
        "canary",
        C::ANYWHERE,
        Replace,
        "canary header=\"x-canary\" weight=10 tag=\"1.9.0-rc.1\"",
        "A canary: with `tag`, one pod runs that tag of the service's image, requests with the header go to it, and `weight` sends it a share of the rest (with the Istio mesh). Without `tag` no canary runs.",
        Shape::NONE.props(&[opt("header", Str), opt("weight", Integer(0, 100)), opt("tag", Text)]),
    ),
    field(
        "catalog",
        C::NOT_PER_ENVIRONMENT,
        Entries,
        "catalog type=service lifecycle=production subcomponent-of=shop",
        "Backstage entity details that differ from the platform's defaults.",
        Shape::NONE.props(&[opt("type", Text), opt("lifecycle", Text), opt("subcomponent-of", Text)]),
    ),
    field(
        "checkov-skip",
        C::ANYWHERE,
        Keyed,
        "checkov-skip CKV_K8S_43 reason=\"…\"",
        "A checkov check this service deliberately does not meet, with the reason; emitted as a `checkov.io/skip` annotation.",
        Shape::NONE.args(&[req("check", Str)]).props(&[req("reason", Str)]),
    ),
    field(
        "command",
        C::ANYWHERE,
        Replace,
        "command \"/app/server\"…",
        "The main container's entrypoint, replacing the image's ENTRYPOINT.",
        Shape::NONE.rest(Text),
    ),
    field(
        "config-file",
        C::ANYWHERE,
        Keyed,
        "config-file \"/etc/app/config.yaml\" from=\"config/app.yaml\"",
        "A file from the service folder mounted read-only at a path, through a ConfigMap.",
        Shape::NONE.args(&[req("path", AbsolutePath)]).props(&[req("from", Str)]),
    ),
    field(
        "connection-pool",
        C::ANYWHERE,
        Entries,
        "connection-pool max-connections=100 max-pending-requests=1000 max-requests-per-connection=10",
        "Mesh connection limits to this service (Istio DestinationRule).",
        Shape::NONE.props(&[
            opt("max-connections", Integer(1, 10_000_000)),
            opt("max-pending-requests", Integer(1, 10_000_000)),
            opt("max-requests-per-connection", Integer(1, 10_000_000)),
        ]),
    ),
    field(
        "consumes-api",
        C::NOT_PER_ENVIRONMENT,
        Keyed,
        "consumes-api NAME…",
        "APIs this service calls, for the catalog.",
        Shape::NONE.args(&[opt("name", Name)]).rest(Name),
    ),
    field(
        "database",
        C::NOT_PER_ENVIRONMENT,
        Keyed,
        "database NAME engine=postgres storage-gb=20 class=standard",
        "A database claimed through the platform's database classes; its connection secret is wired into the pod.",
        Shape::NONE.args(&[req("name", Name)]).props(&[
            opt("engine", Word(&["postgres", "mysql"])),
            opt("storage-gb", Integer(1, 65_536)),
            opt("class", Name),
        ]),
    ),
    field(
        "depends-on",
        C::NOT_PER_ENVIRONMENT,
        Keyed,
        "depends-on SERVICE env=VAR url=#true | depends-on SERVICE external=#true",
        "Services this one calls. With `env`, the dependency's address (`host:port`, or `http://host:port` with `url=#true`) is passed in that variable. `external` names a service outside this repository (catalog only).",
        Shape::NONE.args(&[opt("service", Name)]).rest(Name).props(&[
            opt("env", Str),
            opt("url", Bool),
            opt("external", Bool),
        ]),
    ),
    field(
        "description",
        C::SERVICE_ONLY,
        Replace,
        "description \"…\"",
        "One sentence on what the service does, for the catalog and the Deployment's annotation.",
        Shape::NONE.args(&[pos(Str)]),
    ),
    field(
        "env",
        C::ANYWHERE,
        Entries,
        "env NAME=value… { NAME field=\"status.podIP\" }",
        "Environment variables: literals as properties; values from the downward API (`field`) or a resource (`resource`) as child nodes.",
        Shape::NONE.open(Text).open_children(&ENV_SOURCE),
    ),
    field(
        "expose",
        C::ANYWHERE,
        Keyed,
        "expose gateway hosts=\"shop.example.com\" | expose load-balancer",
        "Exposure beyond the cluster: through the mesh gateway for the given hosts, or as a load balancer.",
        Shape::NONE.args(&[req("type", Word(&["gateway", "load-balancer"]))]).props(&[opt("hosts", Str)]),
    ),
    field(
        "image",
        C::ANYWHERE,
        Replace,
        "image \"registry/name:tag\" | image \"name\" tag=\"1.2.3\"",
        "The container image. A name without a registry gets the platform's `registry`; a tag or digest is required.",
        Shape::NONE.args(&[req("name", Str)]).props(&[opt("tag", Text)]),
    ),
    field(
        "image-pull-policy",
        C::ANYWHERE,
        Replace,
        "image-pull-policy always | if-not-present",
        "When the kubelet pulls images: `always` checks the registry at every start (tags can move), `if-not-present` trusts the node's cache.",
        Shape::NONE.args(&[pos(Word(&["always", "if-not-present"]))]),
    ),
    field(
        "init-container",
        C::ANYWHERE,
        Keyed,
        "init-container NAME image=\"…\" { command …; args …; env … }",
        "A container that runs to completion before the main one starts, with the same security defaults.",
        CONTAINER,
    ),
    field(
        "kind",
        C::NOT_PER_ENVIRONMENT,
        Replace,
        "kind web | worker | cron",
        "What the service is: `web` serves traffic, `worker` runs without a Service, `cron` runs on a schedule.",
        Shape::NONE.args(&[pos(Word(&["web", "worker", "cron"]))]),
    ),
    field(
        "labels",
        C::ANYWHERE,
        Entries,
        "labels key=value…",
        "Extra labels on every object of the service.",
        Shape::NONE.open(Text),
    ),
    field(
        "language",
        C::NOT_PER_ENVIRONMENT,
        Replace,
        "language go",
        "The main language, for the catalog's tags and the CI workflow's defaults.",
        Shape::NONE.args(&[pos(Str)]),
    ),
    field(
        "limit-ratio",
        C::ANYWHERE,
        Entries,
        "limit-ratio cpu=2 memory=1",
        "Limits derived from requests when no layer sets a limit: the request times the ratio.",
        Shape::NONE.props(&[opt("cpu", Ratio), opt("memory", Ratio), opt("ephemeral-storage", Ratio)]),
    ),
    field(
        "limits",
        C::ANYWHERE,
        Entries,
        "limits cpu=\"1\" memory=\"512Mi\"",
        "Resource limits of the main container.",
        Shape::NONE.props(&[opt("cpu", Quantity), opt("memory", Quantity), opt("ephemeral-storage", Quantity)]),
    ),
    field(
        "manifests",
        C::ANYWHERE,
        Replace,
        "manifests \"k8s\"",
        "A folder of extra Kubernetes manifests (relative to the spec), copied into each environment's tree and checked like generated ones.",
        Shape::NONE.args(&[pos(Str)]),
    ),
    field(
        "metrics",
        C::ANYWHERE,
        Replace,
        "metrics port=9090 path=\"/metrics\"",
        "Where Prometheus scrapes the service.",
        Shape::NONE.props(&[opt("port", PortRef), opt("path", HttpPath)]),
    ),
    field(
        "migrate",
        C::ANYWHERE,
        Replace,
        "migrate \"app\" \"migrate\"…",
        "A database migration command, run as a Job before each sync.",
        Shape::NONE.rest(Text),
    ),
    field(
        "namespace",
        C::ANYWHERE,
        Replace,
        "namespace \"{service}\"",
        "The namespace, as a template over `{service}`, `{system}`, `{owner}` and `{environment}`.",
        Shape::NONE.args(&[pos(Str)]),
    ),
    field(
        "node-selector",
        C::ANYWHERE,
        Entries,
        "node-selector key=value…",
        "Node labels the pods must run on.",
        Shape::NONE.open(Text),
    ),
    field(
        "outlier-detection",
        C::ANYWHERE,
        Entries,
        "outlier-detection consecutive-5xx=5 interval=\"30s\" base-ejection-time=\"30s\"",
        "Eject failing pods from load balancing (Istio DestinationRule).",
        Shape::NONE.props(&[
            opt("consecutive-5xx", Integer(1, 1000)),
            opt("interval", Duration),
            opt("base-ejection-time", Duration),
        ]),
    ),
    field(
        "owner",
        C::NOT_PER_ENVIRONMENT,
        Replace,
        "owner TEAM",
        "The team that owns the service.",
        Shape::NONE.args(&[pos(Str)]),
    ),
    field(
        "patch",
        C::ANYWHERE,
        Keyed,
        "patch Deployment \"spec.template.spec.priorityClassName\" \"high\"",
        "Sets one value in one emitted object, by kind and dotted path (numbers index lists). Patched objects are validated against their schema.",
        Shape::NONE.args(&[req("kind", Str), req("path", Str), req("value", Any)]),
    ),
    field(
        "pdb",
        C::ANYWHERE,
        Replace,
        "pdb max-unavailable=1 | pdb min-available=2 | pdb none",
        "The PodDisruptionBudget. A service with a single replica gets none.",
        Shape::NONE.args(&[opt("", Word(&["none"]))]).props(&[
            opt("min-available", IntOrPercent),
            opt("max-unavailable", IntOrPercent),
            opt("reason", Str),
        ]),
    ),
    field(
        "pod-annotations",
        C::ANYWHERE,
        Entries,
        "pod-annotations key=value…",
        "Annotations on the pod template.",
        Shape::NONE.open(Text),
    ),
    field(
        "policy",
        C::LAYER,
        Keyed,
        "policy too-few-replicas deny min=3",
        "The severity of a policy rule (`deny`, `warn` or `off`) for the services of this layer: `defaults`, an environment, a tier or a tier's environment. `min` is the threshold of `too-few-replicas`. Services cannot set it; they `waive` a rule.",
        Shape::NONE
            .args(&[req("rule", Str), req("level", Word(&["deny", "warn", "off"]))])
            .props(&[opt("min", Integer(0, 1000))]),
    ),
    field(
        "port",
        C::ANYWHERE,
        Keyed,
        "port 8080 name=http protocol=http service-port=80 expose=#true",
        "A container port. `name` defaults to `http` for the first port; `protocol` is inferred from a name like `grpc-*`; `expose=#false` keeps it off the Service.",
        Shape::NONE.args(&[req("port", Integer(1, 65_535))]).props(&[
            opt("name", PortName),
            opt("protocol", Word(&["http", "http2", "grpc", "tcp", "udp"])),
            opt("service-port", Integer(1, 65_535)),
            opt("expose", Bool),
        ]),
    ),
    field(
        "probe",
        C::ANYWHERE,
        Keyed,
        "probe liveness|readiness|startup http=\"/path\" | grpc | tcp | exec \"cmd\"… port= scheme= delay= period= timeout= failures= successes=",
        "A probe, with timings from `probe-defaults`.",
        Shape::NONE
            .args(&[
                req("type", Word(&["liveness", "readiness", "startup"])),
                opt("handler", Word(&["grpc", "tcp", "exec"])),
            ])
            .rest(Text)
            .props(&[
                opt("http", HttpPath),
                opt("port", PortRef),
                opt("scheme", Word(&["http", "https"])),
                opt("delay", Duration),
                opt("period", Duration),
                opt("timeout", Duration),
                opt("failures", Integer(1, 100)),
                opt("successes", Integer(1, 100)),
            ])
            .children(&[child("exec", &Shape::NONE.rest(Text))]),
    ),
    field(
        "probe-defaults",
        C::ANYWHERE,
        Entries,
        "probe-defaults delay=\"5s\" period=\"10s\" timeout=\"1s\" failures=3",
        "Timings for every probe that does not set its own.",
        Shape::NONE.props(&[
            opt("delay", Duration),
            opt("period", Duration),
            opt("timeout", Duration),
            opt("failures", Integer(1, 100)),
            opt("successes", Integer(1, 100)),
        ]),
    ),
    field(
        "probes",
        C::ANYWHERE,
        Entries,
        "probes liveness=\"/healthz\" readiness=\"/readyz\"",
        "Shorthand for HTTP probes on the first port.",
        Shape::NONE.props(&[opt("liveness", HttpPath), opt("readiness", HttpPath), opt("startup", HttpPath)]),
    ),
    field(
        "provides-api",
        C::NOT_PER_ENVIRONMENT,
        Keyed,
        "provides-api NAME…",
        "APIs this service provides, for the catalog.",
        Shape::NONE.args(&[opt("name", Name)]).rest(Name),
    ),
    field(
        "replicas",
        C::ANYWHERE,
        Replace,
        "replicas 3 | replicas min=3 max=10",
        "A fixed count, or the HorizontalPodAutoscaler's bounds.",
        Shape::NONE
            .args(&[opt("count", Integer(0, 1000))])
            .props(&[opt("min", Integer(1, 1000)), opt("max", Integer(1, 1000))]),
    ),
    field(
        "resources",
        C::ANYWHERE,
        Entries,
        "resources cpu=\"250m\" memory=\"256Mi\" | resources none reason=\"…\"",
        "Resource requests of the main container; `none` opts out with a reason.",
        Shape::NONE.args(&[opt("", Word(&["none"]))]).props(&[
            opt("cpu", Quantity),
            opt("memory", Quantity),
            opt("ephemeral-storage", Quantity),
            // `reason` goes with `none` only, which YAML cannot write beside it.
        ]),
    ),
    field(
        "retries",
        C::ANYWHERE,
        Entries,
        "retries attempts=3 per-try-timeout=\"2s\" on=\"gateway-error,connect-failure,retriable-4xx\"",
        "Mesh retries for requests to this service.",
        Shape::NONE.props(&[opt("attempts", Integer(0, 100)), opt("per-try-timeout", Duration), opt("on", Str)]),
    ),
    field(
        "schedule",
        C::ANYWHERE,
        Replace,
        "schedule \"*/15 * * * *\" concurrency=forbid",
        "The cron schedule of a `kind cron` service.",
        Shape::NONE.args(&[req("cron", Str)]).props(&[opt("concurrency", Word(&["allow", "forbid", "replace"]))]),
    ),
    field(
        "secret",
        C::ANYWHERE,
        Keyed,
        "secret NAME from=\"path\" key=\"property\"",
        "An environment variable from the secret store, through an ExternalSecret.",
        Shape::NONE.args(&[req("name", Str)]).props(&[req("from", Str), opt("key", Str)]),
    ),
    field(
        "security",
        C::ANYWHERE,
        Entries,
        "security run-as-user=10001 fs-group=10001 read-only-root=#true add-capabilities=\"NET_BIND_SERVICE\" reason=\"…\"",
        "The pod and container security context. Changing a secure default needs a `reason`.",
        Shape::NONE.props(&[
            opt("run-as-user", Integer(0, 2_147_483_647)),
            opt("run-as-group", Integer(0, 2_147_483_647)),
            opt("fs-group", Integer(0, 2_147_483_647)),
            opt("run-as-non-root", Bool),
            opt("read-only-root", Bool),
            opt("writable-root", Bool),
            opt("privilege-escalation", Bool),
            opt("add-capabilities", Str),
            opt("seccomp", Word(&["runtime-default", "unconfined"])),
            opt("reason", Str),
        ]),
    ),
    field(
        "service-account",
        C::ANYWHERE,
        Replace,
        "service-account automount=#true | service-account none",
        "The ServiceAccount: `none` uses the namespace's default one; `automount` mounts its token.",
        Shape::NONE.args(&[opt("", Word(&["none"]))]).props(&[opt("automount", Bool), opt("reason", Str)]),
    ),
    field(
        "sidecar",
        C::ANYWHERE,
        Keyed,
        "sidecar NAME image=\"…\" { port …; command …; args …; env … }",
        "A container beside the main one, with the same security defaults.",
        CONTAINER,
    ),
    field(
        "slo",
        C::ANYWHERE,
        Entries,
        "slo availability=99.9 latency=\"300ms\" latency-percent=99",
        "Service level objectives: the PrometheusRule's burn-rate alerts and the dashboard are built from them.",
        Shape::NONE.props(&[
            opt("availability", Number),
            opt("latency", Latency),
            opt("latency-percent", Integer(50, 99)),
        ]),
    ),
    field(
        "strategy",
        C::ANYWHERE,
        Entries,
        "strategy max-surge=\"25%\" max-unavailable=0",
        "The rolling update strategy.",
        Shape::NONE.props(&[opt("max-surge", IntOrPercent), opt("max-unavailable", IntOrPercent)]),
    ),
    field(
        "system",
        C::NOT_PER_ENVIRONMENT,
        Replace,
        "system NAME",
        "The system (application) the service belongs to.",
        Shape::NONE.args(&[pos(Str)]),
    ),
    field(
        "termination-grace",
        C::ANYWHERE,
        Replace,
        "termination-grace \"30s\"",
        "How long pods get to shut down.",
        Shape::NONE.args(&[pos(Duration)]),
    ),
    field(
        "tier",
        C::SERVICE_ONLY,
        Replace,
        "tier critical | standard | batch | …",
        "The tier, defined by the platform: it decides replicas, budgets and policies.",
        Shape::NONE.args(&[pos(Str)]),
    ),
    field(
        "timeout",
        C::ANYWHERE,
        Replace,
        "timeout \"10s\"",
        "Mesh request timeout for requests to this service.",
        Shape::NONE.args(&[pos(Duration)]),
    ),
    field(
        "toleration",
        C::ANYWHERE,
        Keyed,
        "toleration KEY operator=Equal value=… effect=NoSchedule",
        "A taint the pods tolerate.",
        Shape::NONE.args(&[req("key", Str)]).props(&[
            opt("operator", Word(&["Equal", "Exists"])),
            opt("value", Text),
            opt("effect", Word(&["NoSchedule", "PreferNoSchedule", "NoExecute"])),
        ]),
    ),
    field(
        "topology-spread",
        C::ANYWHERE,
        Replace,
        "topology-spread zone max-skew=1 | topology-spread none",
        "Spread replicas across zones (or `hostname`).",
        Shape::NONE.args(&[req("across", Word(&["zone", "hostname", "none"]))]).props(&[
            opt("max-skew", Integer(1, 100)),
            opt("when-unsatisfiable", Word(&["schedule-anyway", "do-not-schedule"])),
        ]),
    ),
    field(
        "volume",
        C::ANYWHERE,
        Keyed,
        "volume NAME empty-dir mount=\"/var/cache/app\" size-limit=\"1Gi\" medium=memory",
        "Scratch space mounted into the main container.",
        Shape::NONE.args(&[req("name", Name), opt("type", Word(&["empty-dir"]))]).props(&[
            req("mount", AbsolutePath),
            opt("size-limit", Quantity),
            opt("medium", Word(&["memory", "disk"])),
        ]),
    ),
    field(
        "waive",
        C::IN_SERVICE,
        Keyed,
        "waive latest-tag reason=\"…\"",
        "Exempts this service from a policy rule, with the reason. Every build reports the waiver as a warning (`policy::waived`) so that it stays visible.",
        Shape::NONE.args(&[req("rule", Str)]).props(&[req("reason", Str)]),
    ),
];

/// Fields of the top level of `platform.kdl`, beside `defaults`, `tier` and `environment`.
pub const PLATFORM_FIELDS: &[Field] = &[
    field(
        "action",
        C::PLATFORM,
        Keyed,
        "action checkout uses=\"actions/checkout\" sha=\"<40 hex>\" version=\"v4.2.2\"",
        "A GitHub Action the workflows use, pinned to a full commit SHA; `version` names the release in the step's name.",
        Shape::NONE.args(&[req("name", Name)]).props(&[req("uses", Str), req("sha", CommitSha), opt("version", Str)]),
    ),
    field(
        "allowed-registries",
        C::PLATFORM,
        Replace,
        "allowed-registries \"ghcr.io/acme\" \"docker.io/library\"…",
        "Where images may come from: registries or registry paths. The `registry-not-allowed` policy reports any other image. Without it, any registry.",
        Shape::NONE.rest(Str),
    ),
    field(
        "catalog-annotations",
        C::PLATFORM,
        Entries,
        "catalog-annotations \"pagerduty.com/service-id\"=\"{service}\"",
        "Annotations added to every Backstage Component, as templates over `{service}`, `{system}`, `{owner}`.",
        Shape::NONE.open(Str),
    ),
    field(
        "ci-auth",
        C::PLATFORM,
        Replace,
        "ci-auth ghcr | ci-auth aws role=\"arn:…\" region=\"us-east-1\" | ci-auth gcp provider=\"projects/…\" service-account=\"…\"",
        "How CI logs in to the registry: the GitHub token for ghcr.io, or a cloud role through OIDC (no long-lived keys).",
        Shape::NONE.args(&[req("type", Word(&["ghcr", "aws", "gcp"]))]).props(&[
            opt("role", Str),
            opt("region", Str),
            opt("provider", Str),
            opt("service-account", Str),
        ]),
    ),
    field(
        "database-class",
        C::PLATFORM,
        Keyed,
        "database-class standard engine=postgres storage-gb=20 { claim api=\"database.platform.io/v1alpha1\" kind=PostgreSQLInstance; provider api=\"rds.aws.upbound.io/v1beta1\" kind=Instance region=\"us-east-1\" instance-class=\"db.t3.medium\" engine-version=\"16\" }",
        "A class of database services can claim: the claim kind it defines and the cloud resource that implements it (a Crossplane XRD and Composition); `storage-gb` is what a database of the class gets when it does not say.",
        Shape::NONE
            .args(&[req("name", Name)])
            .props(&[opt("engine", Word(&["postgres", "mysql"])), opt("storage-gb", Integer(1, 65_536))])
            .children(&[
                child("claim", &Shape::NONE.props(&[req("api", Text), req("kind", Text)])).required(),
                child(
                    "provider",
                    &Shape::NONE.props(&[
                        req("api", Text),
                        req("kind", Text),
                        req("region", Text),
                        req("instance-class", Text),
                        req("engine-version", Text),
                    ]),
                )
                .required(),
            ]),
    ),
    field(
        "default-tier",
        C::PLATFORM,
        Replace,
        "default-tier standard",
        "The tier of services that name none.",
        Shape::NONE.args(&[pos(Str)]),
    ),
    field(
        "environments",
        C::PLATFORM,
        Replace,
        "environments \"staging\" \"production\"",
        "The environments every service is rendered for, in promotion order.",
        Shape::NONE.rest(Name),
    ),
    field(
        "github",
        C::PLATFORM,
        Replace,
        "github repository=\"acme/platform\"",
        "The GitHub repository of this monorepo, for catalog links and workflows.",
        Shape::NONE.props(&[opt("repository", Str)]),
    ),
    field(
        "gitops",
        C::PLATFORM,
        Replace,
        "gitops repo=\"https://github.com/acme/platform.git\" revision=main namespace=argocd",
        "Where Argo CD reads the rendered tree. Without it, no Argo CD objects are generated.",
        Shape::NONE.props(&[req("repo", Str), opt("revision", Text), opt("namespace", Name)]),
    ),
    field(
        "grafana",
        C::PLATFORM,
        Replace,
        "grafana url=\"https://grafana.acme.internal\" dashboard-label=grafana_dashboard",
        "Grafana, for each service's dashboard and the catalog's dashboard link.",
        Shape::NONE.props(&[req("url", Str), opt("dashboard-label", Str)]),
    ),
    field(
        "ingress-gateway",
        C::PLATFORM,
        Replace,
        "ingress-gateway \"istio-system/ingressgateway\" namespace=istio-system",
        "The mesh's ingress gateway, for `expose gateway` and the NetworkPolicy that admits it.",
        Shape::NONE.args(&[req("gateway", Str)]).props(&[opt("namespace", Name)]),
    ),
    field(
        "mesh",
        C::PLATFORM,
        Replace,
        "mesh istio | linkerd | none",
        "The service mesh: Istio VirtualService and DestinationRule, Linkerd with Gateway API HTTPRoute, or none.",
        Shape::NONE.args(&[pos(Word(&["istio", "linkerd", "none"]))]),
    ),
    field(
        "monitoring",
        C::PLATFORM,
        Replace,
        "monitoring namespace=monitoring { labels release=kube-prometheus-stack }",
        "Where Prometheus runs (admitted by NetworkPolicy) and the labels its ServiceMonitor and PrometheusRule selectors match.",
        Shape::NONE.props(&[opt("namespace", Name)]).children(&[child("labels", &Shape::NONE.open(Text))]),
    ),
    field(
        "network-policy",
        C::PLATFORM,
        Replace,
        "network-policy egress=strict | egress=open",
        "How strict NetworkPolicies are: `strict` allows egress only to DNS, declared dependencies and databases; `open` allows all egress.",
        Shape::NONE.props(&[opt("egress", Word(&["strict", "open"]))]),
    ),
    field(
        "policy",
        C::PLATFORM,
        Keyed,
        "policy latest-tag deny | warn | off",
        "The severity of a policy rule for every service, over the standard library's default (`stdlib/policies.kdl`). A `policy` line in `defaults`, an environment or a tier is more specific and wins.",
        Shape::NONE
            .args(&[req("rule", Str), req("level", Word(&["deny", "warn", "off"]))])
            .props(&[opt("min", Integer(0, 1000))]),
    ),
    field(
        "registry",
        C::PLATFORM,
        Replace,
        "registry \"ghcr.io/acme\"",
        "The registry for image names written without one.",
        Shape::NONE.args(&[pos(Str)]),
    ),
    field(
        "rule",
        C::PLATFORM,
        Keyed,
        "rule require-system expression=\"service.system != ''\" message=\"…\" severity=deny",
        "A custom policy rule: a CEL expression over the resolved service, true when the service complies; `severity` is its default (`deny`).",
        Shape::NONE.args(&[req("name", Name)]).props(&[
            req("expression", Str),
            req("message", Str),
            opt("severity", Word(&["deny", "warn", "off"])),
        ]),
    ),
    field(
        "secret-store",
        C::PLATFORM,
        Replace,
        "secret-store vault-backend kind=ClusterSecretStore refresh=\"1h\" mount=env",
        "The External Secrets store that `secret` entries come from; `mount=files` mounts the secret at /var/run/secrets/app instead of env vars.",
        Shape::NONE.args(&[req("name", Name)]).props(&[
            opt("kind", Word(&["ClusterSecretStore", "SecretStore"])),
            opt("refresh", Duration),
            opt("mount", Word(&["env", "files"])),
        ]),
    ),
    field(
        "system",
        C::PLATFORM,
        Keyed,
        "system NAME owner=TEAM description=\"…\"",
        "A system (application) services belong to, for the catalog.",
        Shape::NONE.args(&[req("name", Name)]).props(&[opt("owner", Name), opt("description", Str)]),
    ),
    field(
        "team",
        C::PLATFORM,
        Keyed,
        "team NAME description=\"…\" email=\"…\"",
        "A team that may own services.",
        Shape::NONE.args(&[req("name", Name)]).props(&[opt("description", Str), opt("email", Str)]),
    ),
    field(
        "toolchain",
        C::PLATFORM,
        Keyed,
        "toolchain go setup=setup-go version-input=go-version version=\"1.23\" test=\"go test ./...\" lint=\"go vet ./...\" coverage=coverage.out",
        "How CI tests and lints a language: the setup action, its version input, and the commands.",
        Shape::NONE.args(&[req("name", Name)]).props(&[
            opt("setup", Text),
            opt("version-input", Text),
            opt("version", Text),
            req("test", Text),
            opt("lint", Text),
            opt("coverage", Text),
        ]),
    ),
];

/// Settings of a platform `environment NAME { … }` beside service fields.
pub const ENVIRONMENT_FIELDS: &[Field] = &[
    field(
        "cluster",
        C::PLATFORM_ENVIRONMENT,
        Replace,
        "cluster \"https://kubernetes.default.svc\"",
        "The API server Argo CD deploys this environment to.",
        Shape::NONE.args(&[pos(Str)]),
    ),
    field(
        "promotion",
        C::PLATFORM_ENVIRONMENT,
        Replace,
        "promotion auto | promotion manual",
        "How a new image reaches this environment: `auto` after CI on the main branch, `manual` through a GitHub environment with required reviewers.",
        Shape::NONE.args(&[pos(Word(&["auto", "manual"]))]),
    ),
];

/// Looks a field up by name in a table.
pub fn find(table: &'static [Field], name: &str) -> Option<&'static Field> {
    table.iter().find(|field| field.name == name)
}

/// The service field of that name.
pub fn service_field(name: &str) -> Option<&'static Field> {
    find(SERVICE_FIELDS, name)
}

/// The Markdown reference of every field, for the book
/// (`book/src/reference/spec_generated.md`, kept fresh by a test).
pub fn reference() -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "<!-- Generated from compiler/src/spec/fields.rs by the test suite. Do not edit. -->\n\n\
         Each field's table lists what it holds. In YAML (`platc.yaml`), a field with one argument is \
         `key: value`, several arguments are a list `key: [a, b]`, and properties are a mapping in which \
         arguments are written under their key (`port: {port: 8080, name: http}`); a field that may be \
         repeated is also a list of mappings. `schemas/platc.schema.json` (`platc schema`) says the same \
         for editors.\n\n",
    );
    let where_label = |contexts: Contexts| {
        let mut places = Vec::new();
        if contexts.contains(Contexts::SERVICE) {
            places.push("service");
        }
        if contexts.contains(Contexts::SERVICE_ENVIRONMENT) {
            places.push("service environment");
        }
        if contexts.contains(Contexts::LAYER) {
            places.push("platform layers");
        }
        if contexts.contains(Contexts::PLATFORM) {
            places.push("platform.kdl");
        }
        if contexts.contains(Contexts::PLATFORM_ENVIRONMENT) {
            places.push("platform environment");
        }
        places.join(", ")
    };
    let merge_label = |merge: Merge| match merge {
        Merge::Replace => "replace",
        Merge::Entries => "entry by entry",
        Merge::Keyed => "item by item",
    };
    for (title, table) in [
        ("Service fields", SERVICE_FIELDS),
        ("Platform settings", PLATFORM_FIELDS),
        ("Environment settings", ENVIRONMENT_FIELDS),
    ] {
        let _ = write!(out, "## {title}\n\n");
        for field in table {
            let _ = write!(
                out,
                "### `{}`\n\n```kdl\n{}\n```\n\n{}\n\n{}Where: {}. Layers merge: {}.\n\n",
                field.name,
                field.syntax,
                field.doc,
                values_table(&field.shape),
                where_label(field.contexts),
                merge_label(field.merge)
            );
        }
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// The Markdown table of what a field holds; empty for a field that holds nothing.
fn values_table(shape: &Shape) -> String {
    use std::fmt::Write as _;
    let mut rows = Vec::new();
    shape_rows(shape, "", &mut rows);
    if rows.is_empty() {
        return String::new();
    }
    let mut table = String::from("| Key | Written as | Value |\n| --- | --- | --- |\n");
    for (key, written, value) in rows {
        let _ = writeln!(table, "| {key} | {written} | {value} |");
    }
    table.push('\n');
    table
}

fn shape_rows(shape: &Shape, prefix: &str, rows: &mut Vec<(String, String, String)>) {
    let key = |name: &str| if name.is_empty() { "—".to_owned() } else { format!("`{prefix}{name}`") };
    let required = |entry: &Entry| if entry.required { ", required" } else { "" };
    for (index, entry) in shape.args.iter().enumerate() {
        rows.push((key(entry.key), format!("argument {}{}", index + 1, required(entry)), entry.ty.describe()));
    }
    if let Some(ty) = shape.rest {
        rows.push(("—".to_owned(), "further arguments".to_owned(), ty.describe()));
    }
    for entry in shape.props {
        rows.push((key(entry.key), format!("property{}", required(entry)), entry.ty.describe()));
    }
    if let Some(ty) = shape.open {
        rows.push(("any name".to_owned(), "property".to_owned(), ty.describe()));
    }
    if let Some(child) = shape.open_children {
        rows.push(("any name".to_owned(), "child node".to_owned(), "as below".to_owned()));
        shape_rows(child, &format!("{prefix}NAME."), rows);
    }
    for child in shape.children {
        let mut written = String::from("child node");
        if child.repeated {
            written.push_str(", repeated");
        }
        if child.required {
            written.push_str(", required");
        }
        rows.push((key(child.key), written, "as below".to_owned()));
        shape_rows(child.shape, &format!("{prefix}{}.", child.key), rows);
    }
}

impl Type {
    /// The type in words, for the reference.
    pub fn describe(self) -> String {
        match self {
            Type::String => "string".to_owned(),
            Type::Text => "text (a string, or a number or boolean)".to_owned(),
            Type::Integer(min, max) => format!("integer from {min} to {max}"),
            Type::Number => "number".to_owned(),
            Type::Bool => "`#true` or `#false`".to_owned(),
            Type::Name => "name (lowercase letters, digits and `-`)".to_owned(),
            Type::PortName => "port name (at most 15 lowercase letters, digits and `-`)".to_owned(),
            Type::Word(words) => {
                let quoted: Vec<String> = words.iter().map(|word| format!("`{word}`")).collect();
                match quoted.split_last() {
                    Some((last, [])) => last.clone(),
                    Some((last, init)) => format!("{} or {last}", init.join(", ")),
                    None => String::new(),
                }
            }
            Type::Duration => "duration (`30s`, `5m`, `1h30m`, or seconds)".to_owned(),
            Type::Latency => "duration (`300ms`, `1s`)".to_owned(),
            Type::Quantity => "quantity (`250m`, `0.5`, `512Mi`, `1Gi`)".to_owned(),
            Type::IntOrPercent => "count or percentage (`1`, `\"25%\"`)".to_owned(),
            Type::PortRef => "port number or port name".to_owned(),
            Type::Ratio => "ratio of at least 1, or `none`".to_owned(),
            Type::HttpPath => "HTTP path (`/healthz`)".to_owned(),
            Type::AbsolutePath => "absolute path".to_owned(),
            Type::CommitSha => "full commit SHA (40 hex digits)".to_owned(),
            Type::Any => "any value".to_owned(),
        }
    }
}
