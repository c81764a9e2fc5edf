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
}

const fn field(name: &'static str, contexts: Contexts, merge: Merge, syntax: &'static str, doc: &'static str) -> Field {
    Field { name, contexts, merge, syntax, doc }
}

use Contexts as C;
use Merge::{Entries, Keyed, Replace};

/// Every field of the service grammar, which tiers, defaults and environments
/// share. Sorted by name.
pub const SERVICE_FIELDS: &[Field] = &[
    field(
        "args",
        C::ANYWHERE,
        Replace,
        "args \"--flag\" \"value\"…",
        "Arguments passed to the main container, replacing the image's CMD.",
    ),
    field(
        "autoscaling",
        C::ANYWHERE,
        Entries,
        "autoscaling cpu=70 memory=80",
        "Target average utilization, in percent of the requests, for the HorizontalPodAutoscaler. Used when `replicas` has `min` below `max`.",
    ),
    field(
        "canary",
        C::ANYWHERE,
        Replace,
        "canary header=\"x-canary\" weight=10",
        "Canary routing: requests with the header go to the canary subset; `weight` sends a share of the rest.",
    ),
    field(
        "catalog",
        C::NOT_PER_ENVIRONMENT,
        Entries,
        "catalog type=service lifecycle=production subcomponent-of=shop",
        "Backstage entity details that differ from the platform's defaults.",
    ),
    field(
        "checkov-skip",
        C::ANYWHERE,
        Keyed,
        "checkov-skip CKV_K8S_43 reason=\"…\"",
        "A checkov check this service deliberately does not meet, with the reason; emitted as a `checkov.io/skip` annotation.",
    ),
    field(
        "command",
        C::ANYWHERE,
        Replace,
        "command \"/app/server\"…",
        "The main container's entrypoint, replacing the image's ENTRYPOINT.",
    ),
    field(
        "config-file",
        C::ANYWHERE,
        Keyed,
        "config-file \"/etc/app/config.yaml\" from=\"config/app.yaml\"",
        "A file from the service folder mounted read-only at a path, through a ConfigMap.",
    ),
    field(
        "connection-pool",
        C::ANYWHERE,
        Entries,
        "connection-pool max-connections=100 max-pending-requests=1000 max-requests-per-connection=10",
        "Mesh connection limits to this service (Istio DestinationRule).",
    ),
    field(
        "consumes-api",
        C::NOT_PER_ENVIRONMENT,
        Keyed,
        "consumes-api NAME…",
        "APIs this service calls, for the catalog.",
    ),
    field(
        "database",
        C::NOT_PER_ENVIRONMENT,
        Keyed,
        "database NAME engine=postgres storage-gb=20 class=standard",
        "A database claimed through the platform's database classes; its connection secret is wired into the pod.",
    ),
    field(
        "depends-on",
        C::NOT_PER_ENVIRONMENT,
        Keyed,
        "depends-on SERVICE env=VAR url=#true | depends-on SERVICE external=#true",
        "Services this one calls. With `env`, the dependency's address (`host:port`, or `http://host:port` with `url=#true`) is passed in that variable. `external` names a service outside this repository (catalog only).",
    ),
    field(
        "description",
        C::SERVICE_ONLY,
        Replace,
        "description \"…\"",
        "One sentence on what the service does, for the catalog and the Deployment's annotation.",
    ),
    field(
        "env",
        C::ANYWHERE,
        Entries,
        "env NAME=value… { NAME field=\"status.podIP\" }",
        "Environment variables: literals as properties; values from the downward API (`field`) or a resource (`resource`) as child nodes.",
    ),
    field(
        "expose",
        C::ANYWHERE,
        Keyed,
        "expose gateway hosts=\"shop.example.com\" | expose load-balancer",
        "Exposure beyond the cluster: through the mesh gateway for the given hosts, or as a load balancer.",
    ),
    field(
        "image",
        C::ANYWHERE,
        Replace,
        "image \"registry/name:tag\" | image \"name\" tag=\"1.2.3\"",
        "The container image. A name without a registry gets the platform's `registry`; a tag or digest is required.",
    ),
    field(
        "image-pull-policy",
        C::ANYWHERE,
        Replace,
        "image-pull-policy always | if-not-present",
        "When the kubelet pulls images: `always` checks the registry at every start (tags can move), `if-not-present` trusts the node's cache.",
    ),
    field(
        "init-container",
        C::ANYWHERE,
        Keyed,
        "init-container NAME image=\"…\" { command …; args …; env … }",
        "A container that runs to completion before the main one starts, with the same security defaults.",
    ),
    field(
        "kind",
        C::NOT_PER_ENVIRONMENT,
        Replace,
        "kind web | worker | cron",
        "What the service is: `web` serves traffic, `worker` runs without a Service, `cron` runs on a schedule.",
    ),
    field("labels", C::ANYWHERE, Entries, "labels key=value…", "Extra labels on every object of the service."),
    field(
        "language",
        C::NOT_PER_ENVIRONMENT,
        Replace,
        "language go",
        "The main language, for the catalog's tags and the CI workflow's defaults.",
    ),
    field(
        "limit-ratio",
        C::ANYWHERE,
        Entries,
        "limit-ratio cpu=2 memory=1",
        "Limits derived from requests when no layer sets a limit: the request times the ratio.",
    ),
    field(
        "limits",
        C::ANYWHERE,
        Entries,
        "limits cpu=\"1\" memory=\"512Mi\"",
        "Resource limits of the main container.",
    ),
    field(
        "manifests",
        C::ANYWHERE,
        Replace,
        "manifests \"k8s\"",
        "A folder of extra Kubernetes manifests (relative to the spec), copied into each environment's tree and checked like generated ones.",
    ),
    field(
        "metrics",
        C::ANYWHERE,
        Replace,
        "metrics port=9090 path=\"/metrics\"",
        "Where Prometheus scrapes the service.",
    ),
    field(
        "migrate",
        C::ANYWHERE,
        Replace,
        "migrate \"app\" \"migrate\"…",
        "A database migration command, run as a Job before each sync.",
    ),
    field(
        "namespace",
        C::ANYWHERE,
        Replace,
        "namespace \"{service}\"",
        "The namespace, as a template over `{service}`, `{system}`, `{owner}` and `{environment}`.",
    ),
    field("node-selector", C::ANYWHERE, Entries, "node-selector key=value…", "Node labels the pods must run on."),
    field(
        "outlier-detection",
        C::ANYWHERE,
        Entries,
        "outlier-detection consecutive-5xx=5 interval=\"30s\" base-ejection-time=\"30s\"",
        "Eject failing pods from load balancing (Istio DestinationRule).",
    ),
    field("owner", C::NOT_PER_ENVIRONMENT, Replace, "owner TEAM", "The team that owns the service."),
    field(
        "patch",
        C::ANYWHERE,
        Keyed,
        "patch Deployment \"spec.template.spec.priorityClassName\" \"high\"",
        "Sets one value in one emitted object, by kind and dotted path (numbers index lists). Patched objects are validated against their schema.",
    ),
    field(
        "pdb",
        C::ANYWHERE,
        Replace,
        "pdb max-unavailable=1 | pdb min-available=2 | pdb none",
        "The PodDisruptionBudget. A service with a single replica gets none.",
    ),
    field("pod-annotations", C::ANYWHERE, Entries, "pod-annotations key=value…", "Annotations on the pod template."),
    field(
        "port",
        C::ANYWHERE,
        Keyed,
        "port 8080 name=http protocol=http service-port=80 expose=#true",
        "A container port. `name` defaults to `http` for the first port; `protocol` is inferred from a name like `grpc-*`; `expose=#false` keeps it off the Service.",
    ),
    field(
        "probe",
        C::ANYWHERE,
        Keyed,
        "probe liveness|readiness|startup http=\"/path\" | grpc | tcp | exec \"cmd\"… port= scheme= delay= period= timeout= failures= successes=",
        "A probe, with timings from `probe-defaults`.",
    ),
    field(
        "probe-defaults",
        C::ANYWHERE,
        Entries,
        "probe-defaults delay=\"5s\" period=\"10s\" timeout=\"1s\" failures=3",
        "Timings for every probe that does not set its own.",
    ),
    field(
        "probes",
        C::ANYWHERE,
        Entries,
        "probes liveness=\"/healthz\" readiness=\"/readyz\"",
        "Shorthand for HTTP probes on the first port.",
    ),
    field(
        "provides-api",
        C::NOT_PER_ENVIRONMENT,
        Keyed,
        "provides-api NAME…",
        "APIs this service provides, for the catalog.",
    ),
    field(
        "replicas",
        C::ANYWHERE,
        Replace,
        "replicas 3 | replicas min=3 max=10",
        "A fixed count, or the HorizontalPodAutoscaler's bounds.",
    ),
    field(
        "resources",
        C::ANYWHERE,
        Entries,
        "resources cpu=\"250m\" memory=\"256Mi\" | resources none reason=\"…\"",
        "Resource requests of the main container; `none` opts out with a reason.",
    ),
    field(
        "retries",
        C::ANYWHERE,
        Entries,
        "retries attempts=3 per-try-timeout=\"2s\" on=\"gateway-error,connect-failure,retriable-4xx\"",
        "Mesh retries for requests to this service.",
    ),
    field(
        "schedule",
        C::ANYWHERE,
        Replace,
        "schedule \"*/15 * * * *\" concurrency=forbid",
        "The cron schedule of a `kind cron` service.",
    ),
    field(
        "secret",
        C::ANYWHERE,
        Keyed,
        "secret NAME from=\"path\" key=\"property\"",
        "An environment variable from the secret store, through an ExternalSecret.",
    ),
    field(
        "security",
        C::ANYWHERE,
        Entries,
        "security run-as-user=10001 fs-group=10001 read-only-root=#true add-capabilities=\"NET_BIND_SERVICE\" reason=\"…\"",
        "The pod and container security context. Changing a secure default needs a `reason`.",
    ),
    field(
        "service-account",
        C::ANYWHERE,
        Replace,
        "service-account automount=#true | service-account none",
        "The ServiceAccount: `none` uses the namespace's default one; `automount` mounts its token.",
    ),
    field(
        "sidecar",
        C::ANYWHERE,
        Keyed,
        "sidecar NAME image=\"…\" { port …; command …; args …; env … }",
        "A container beside the main one, with the same security defaults.",
    ),
    field(
        "slo",
        C::ANYWHERE,
        Entries,
        "slo availability=99.9 latency=\"300ms\" latency-percent=99",
        "Service level objectives: the PrometheusRule's burn-rate alerts and the dashboard are built from them.",
    ),
    field(
        "strategy",
        C::ANYWHERE,
        Entries,
        "strategy max-surge=\"25%\" max-unavailable=0",
        "The rolling update strategy.",
    ),
    field("system", C::NOT_PER_ENVIRONMENT, Replace, "system NAME", "The system (application) the service belongs to."),
    field("termination-grace", C::ANYWHERE, Replace, "termination-grace \"30s\"", "How long pods get to shut down."),
    field(
        "tier",
        C::SERVICE_ONLY,
        Replace,
        "tier critical | standard | batch | …",
        "The tier, defined by the platform: it decides replicas, budgets and policies.",
    ),
    field("timeout", C::ANYWHERE, Replace, "timeout \"10s\"", "Mesh request timeout for requests to this service."),
    field(
        "toleration",
        C::ANYWHERE,
        Keyed,
        "toleration KEY operator=Equal value=… effect=NoSchedule",
        "A taint the pods tolerate.",
    ),
    field(
        "topology-spread",
        C::ANYWHERE,
        Replace,
        "topology-spread zone max-skew=1 | topology-spread none",
        "Spread replicas across zones (or `hostname`).",
    ),
    field(
        "volume",
        C::ANYWHERE,
        Keyed,
        "volume NAME empty-dir mount=\"/var/cache/app\" size-limit=\"1Gi\" medium=memory",
        "Scratch space mounted into the main container.",
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
    ),
    field(
        "catalog-annotations",
        C::PLATFORM,
        Entries,
        "catalog-annotations \"pagerduty.com/service-id\"=\"{service}\"",
        "Annotations added to every Backstage Component, as templates over `{service}`, `{system}`, `{owner}`.",
    ),
    field(
        "ci-auth",
        C::PLATFORM,
        Replace,
        "ci-auth ghcr | ci-auth aws role=\"arn:…\" region=\"us-east-1\" | ci-auth gcp provider=\"projects/…\" service-account=\"…\"",
        "How CI logs in to the registry: the GitHub token for ghcr.io, or a cloud role through OIDC (no long-lived keys).",
    ),
    field(
        "database-class",
        C::PLATFORM,
        Keyed,
        "database-class standard engine=postgres { claim api=\"database.platform.io/v1alpha1\" kind=PostgreSQLInstance; provider api=\"rds.aws.upbound.io/v1beta1\" kind=Instance region=\"us-east-1\" instance-class=\"db.t3.medium\" engine-version=\"16\" }",
        "A class of database services can claim: the claim kind it defines and the cloud resource that implements it (a Crossplane XRD and Composition).",
    ),
    field("default-tier", C::PLATFORM, Replace, "default-tier standard", "The tier of services that name none."),
    field(
        "environments",
        C::PLATFORM,
        Replace,
        "environments \"staging\" \"production\"",
        "The environments every service is rendered for, in promotion order.",
    ),
    field(
        "github",
        C::PLATFORM,
        Replace,
        "github repository=\"acme/platform\"",
        "The GitHub repository of this monorepo, for catalog links and workflows.",
    ),
    field(
        "gitops",
        C::PLATFORM,
        Replace,
        "gitops repo=\"https://github.com/acme/platform.git\" revision=main namespace=argocd",
        "Where Argo CD reads the rendered tree. Without it, no Argo CD objects are generated.",
    ),
    field(
        "grafana",
        C::PLATFORM,
        Replace,
        "grafana url=\"https://grafana.acme.internal\" dashboard-label=grafana_dashboard",
        "Grafana, for each service's dashboard and the catalog's dashboard link.",
    ),
    field(
        "ingress-gateway",
        C::PLATFORM,
        Replace,
        "ingress-gateway \"istio-system/ingressgateway\" namespace=istio-system",
        "The mesh's ingress gateway, for `expose gateway` and the NetworkPolicy that admits it.",
    ),
    field(
        "mesh",
        C::PLATFORM,
        Replace,
        "mesh istio | linkerd | none",
        "The service mesh: Istio VirtualService and DestinationRule, Linkerd with Gateway API HTTPRoute, or none.",
    ),
    field(
        "monitoring",
        C::PLATFORM,
        Replace,
        "monitoring namespace=monitoring { labels release=kube-prometheus-stack }",
        "Where Prometheus runs (admitted by NetworkPolicy) and the labels its ServiceMonitor and PrometheusRule selectors match.",
    ),
    field(
        "network-policy",
        C::PLATFORM,
        Replace,
        "network-policy egress=strict | egress=open",
        "How strict NetworkPolicies are: `strict` allows egress only to DNS, declared dependencies and databases; `open` allows all egress.",
    ),
    field(
        "registry",
        C::PLATFORM,
        Replace,
        "registry \"ghcr.io/acme\"",
        "The registry for image names written without one.",
    ),
    field(
        "secret-store",
        C::PLATFORM,
        Replace,
        "secret-store vault-backend kind=ClusterSecretStore refresh=\"1h\" mount=env",
        "The External Secrets store that `secret` entries come from; `mount=files` mounts the secret at /var/run/secrets/app instead of env vars.",
    ),
    field(
        "system",
        C::PLATFORM,
        Keyed,
        "system NAME owner=TEAM description=\"…\"",
        "A system (application) services belong to, for the catalog.",
    ),
    field("team", C::PLATFORM, Keyed, "team NAME description=\"…\" email=\"…\"", "A team that may own services."),
    field(
        "toolchain",
        C::PLATFORM,
        Keyed,
        "toolchain go setup=setup-go version-input=go-version version=\"1.23\" test=\"go test ./...\" lint=\"go vet ./...\" coverage=coverage.out",
        "How CI tests and lints a language: the setup action, its version input, and the commands.",
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
    ),
    field(
        "promotion",
        C::PLATFORM_ENVIRONMENT,
        Replace,
        "promotion auto | promotion manual",
        "How a new image reaches this environment: `auto` after CI on the main branch, `manual` through a GitHub environment with required reviewers.",
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
    let mut out =
        String::from("<!-- Generated from compiler/src/spec/fields.rs by the test suite. Do not edit. -->\n\n");
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
                "### `{}`\n\n```kdl\n{}\n```\n\n{}\n\nWhere: {}. Layers merge: {}.\n\n",
                field.name,
                field.syntax,
                field.doc,
                where_label(field.contexts),
                merge_label(field.merge)
            );
        }
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
