//! The synthetic monorepo: a `platform.kdl` like `fixtures/monorepo`'s and N
//! service specs with a realistic, deterministic mix of tiers, kinds and
//! features. Every choice is a function of the service's index (no random
//! numbers), so a run is reproducible byte for byte.

use std::fmt::Write as _;
use std::path::Path;

/// Teams the platform declares; services are owned by one of them.
const TEAMS: usize = 20;
/// Services per system: a system is a namespace (`namespace "{system}"`).
const SERVICES_PER_SYSTEM: usize = 20;
const LANGUAGES: &[&str] = &["go", "rust", "python", "node", "java", "kotlin"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Critical,
    Standard,
    Batch,
    Datastore,
}

impl Tier {
    fn name(self) -> &'static str {
        match self {
            Tier::Critical => "critical",
            Tier::Standard => "standard",
            Tier::Batch => "batch",
            Tier::Datastore => "datastore",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Web,
    Worker,
    Cron,
}

/// What the generated repository holds, for the report.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Summary {
    pub(crate) services: usize,
    pub(crate) spec_bytes: usize,
    pub(crate) critical: usize,
    pub(crate) standard: usize,
    pub(crate) batch: usize,
    pub(crate) datastore: usize,
    pub(crate) web: usize,
    pub(crate) worker: usize,
    pub(crate) cron: usize,
    pub(crate) dependencies: usize,
    pub(crate) overrides: usize,
}

/// `splitmix64`: a well-mixed 64-bit value from an index, by plain arithmetic.
fn mix(index: u64) -> u64 {
    let mut x = index.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE5_E9B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A small number in `0..modulus` drawn from `bits` of the service's hash.
fn pick(hash: u64, shift: u32, modulus: u64) -> usize {
    usize::try_from((hash >> shift) % modulus).unwrap_or(0)
}

/// Tier and kind of service `index`. `index * 37 % 100` visits every residue
/// once per hundred services, so the mix is exact for every 100 services:
/// 15% critical, 60% standard, 15% batch, 10% datastore; 75% web, 15%
/// worker, 10% cron (every cron job is batch).
fn shape(index: usize) -> (Tier, Kind) {
    match (index * 37 + 11) % 100 {
        0..13 => (Tier::Critical, Kind::Web),
        13..15 => (Tier::Critical, Kind::Worker),
        15..67 => (Tier::Standard, Kind::Web),
        67..75 => (Tier::Standard, Kind::Worker),
        75..85 => (Tier::Batch, Kind::Cron),
        85..90 => (Tier::Batch, Kind::Worker),
        _ => (Tier::Datastore, Kind::Web),
    }
}

fn name(index: usize) -> String {
    format!("svc-{index:05}")
}

/// The platform config: the monorepo fixture's, with more teams and one
/// system per `SERVICES_PER_SYSTEM` services.
pub(crate) fn platform(services: usize) -> String {
    let mut out = String::from(
        r#"// Synthetic platform for platc-bench, modelled on fixtures/monorepo.

registry "ghcr.io/acme"
environments staging production

github repository="acme/platform"
gitops repo="https://github.com/acme/platform.git" revision=main namespace=argocd
secret-store vault-backend kind=ClusterSecretStore refresh="30m"
monitoring namespace=monitoring {
    labels release=kube-prometheus-stack
}
grafana url="https://grafana.acme.internal"
catalog-annotations "pagerduty.com/service-id"="{service}"

"#,
    );
    for team in 0..TEAMS {
        let _ = writeln!(out, "team team-{team:02}");
    }
    out.push('\n');
    for system in 0..services.div_ceil(SERVICES_PER_SYSTEM) {
        let _ = writeln!(
            out,
            "system sys-{system:03} owner=team-{:02} description=\"Synthetic system {system}\"",
            system % TEAMS
        );
    }
    out.push_str(
        r#"
defaults {
    namespace "{system}"
    probe-defaults delay="5s" period="10s" timeout="2s" failures=3
    node-selector "kubernetes.io/os"=linux
}

tier critical {
    replicas min=3 max=12
    resources cpu="250m" memory="256Mi"
    environment production {
        replicas min=4 max=20
    }
}

// In-cluster caches, databases and brokers: one replica, no autoscaling, no
// budget, no spreading.
tier datastore {
    replicas 1
    pdb none
    topology-spread none
    resources cpu="100m" memory="256Mi"
    limits cpu="500m" memory="512Mi"
}

environment staging {
    cluster "https://staging.k8s.acme.internal"
    promotion auto
    pod-annotations "acme.dev/cost-center"=staging
}

environment production {
    cluster "https://production.k8s.acme.internal"
    promotion manual
}
"#,
    );
    out
}

/// Lower-numbered web services that service `index` calls (at most three).
fn dependencies(index: usize, hash: u64) -> Vec<usize> {
    if index == 0 {
        return Vec::new();
    }
    let count = [0, 0, 1, 1, 2, 3][pick(hash, 40, 6)];
    let mut targets = Vec::new();
    for slot in 0..count {
        let start = usize::try_from(mix((index as u64) << 2 | slot) % index as u64).unwrap_or(0);
        // Walk down to the nearest web service: only those have an address.
        let target = (0..=start).rev().find(|&candidate| shape(candidate).1 == Kind::Web);
        if let Some(target) = target
            && !targets.contains(&target)
        {
            targets.push(target);
        }
    }
    targets
}

/// The `platc.kdl` of service `index`.
pub(crate) fn spec(index: usize, summary: &mut Summary) -> String {
    let hash = mix(index as u64);
    let (tier, kind) = shape(index);
    let service = name(index);
    let upper = service.to_uppercase().replace('-', "_");
    let language = LANGUAGES[pick(hash, 0, LANGUAGES.len() as u64)];
    let mut out = String::with_capacity(1024);
    let kind_name = match kind {
        Kind::Web => "web",
        Kind::Worker => "worker",
        Kind::Cron => "cron",
    };
    let _ = writeln!(out, "// Synthetic {kind_name} service #{index}.");
    let _ = writeln!(out, "service {service} {{");
    if tier == Tier::Datastore {
        let _ = writeln!(out, "    description \"Synthetic datastore number {index}\"");
    } else {
        let _ = writeln!(out, "    description \"Synthetic {} {kind_name} service number {index}\"", tier.name());
    }
    let _ = writeln!(out, "    owner team-{:02}", pick(hash, 8, TEAMS as u64));
    let _ = writeln!(out, "    system sys-{:03}", index / SERVICES_PER_SYSTEM);
    if kind != Kind::Web {
        let _ = writeln!(out, "    kind {kind_name}");
    }
    if tier != Tier::Standard || pick(hash, 12, 2) == 0 {
        let _ = writeln!(out, "    tier {}", tier.name());
    }
    let version = format!("{}.{}.{}", 1 + pick(hash, 14, 3), pick(hash, 16, 20), pick(hash, 22, 10));
    if tier == Tier::Datastore {
        datastore(&mut out, hash);
    } else {
        let _ = writeln!(out, "    language {language}");
        let _ = writeln!(out, "    image \"{service}:{version}\"");
    }
    match kind {
        Kind::Web if tier == Tier::Datastore => {}
        Kind::Web => web(&mut out, hash, tier),
        Kind::Worker => worker(&mut out, hash, tier, index),
        Kind::Cron => cron(&mut out, hash, index),
    }

    // Environment variables, secrets and dependencies.
    if tier != Tier::Datastore {
        let _ = writeln!(
            out,
            "    env LOG_LEVEL=info REGION=eu-west-{} SERVICE_INDEX=\"{index}\" FEATURE_FLAGS=\"{}\"",
            1 + pick(hash, 26, 3),
            if pick(hash, 28, 2) == 0 { "on" } else { "off" }
        );
        if pick(hash, 29, 4) == 0 {
            out.push_str("    env {\n        POD_IP field=\"status.podIP\"\n        MEMORY_LIMIT resource=\"limits.memory\"\n    }\n");
        }
        for secret in 0..pick(hash, 31, 3) {
            let (variable, path, key) = [("DATABASE_URL", "database", "url"), ("API_TOKEN", "api", "token")][secret];
            let _ = writeln!(out, "    secret {variable} from=\"{service}/{path}\" key={key}");
        }
        for target in dependencies(index, hash) {
            summary.dependencies += 1;
            let target_name = name(target);
            let variable = target_name.to_uppercase().replace('-', "_");
            if pick(hash, 34, 3) == 0 {
                let _ = writeln!(out, "    depends-on {target_name} env={variable}_URL url=#true");
            } else {
                let _ = writeln!(out, "    depends-on {target_name} env={variable}_ADDR");
            }
        }
        if kind == Kind::Web && pick(hash, 36, 2) == 0 {
            let _ = writeln!(out, "    provides-api {service}-api");
        }
    }

    // Environment overrides: about a third of the services.
    if pick(hash, 44, 3) == 0 {
        summary.overrides += 1;
        out.push_str("\n    environment production {\n");
        if tier != Tier::Datastore {
            let _ = writeln!(out, "        image \"{service}\" tag=\"{version}-stable\"");
            out.push_str("        env LOG_LEVEL=warn\n");
        }
        if tier == Tier::Critical && kind == Kind::Web {
            out.push_str("        replicas min=6 max=24\n");
        }
        if tier == Tier::Datastore {
            out.push_str("        resources memory=\"384Mi\"\n");
        }
        out.push_str("    }\n");
        if tier != Tier::Datastore && kind != Kind::Cron {
            // The stdlib's `too-few-replicas` policy wants 2 critical replicas in staging.
            let replicas = if tier == Tier::Critical { "replicas min=2 max=4" } else { "replicas 1" };
            let _ = write!(out, "\n    environment staging {{\n        {replicas}\n");
            let _ = writeln!(out, "        env LOG_LEVEL=debug {upper}_DEBUG=\"true\"");
            out.push_str("    }\n");
        }
    }
    out.push_str("}\n");

    summary.services += 1;
    summary.spec_bytes += out.len();
    match tier {
        Tier::Critical => summary.critical += 1,
        Tier::Standard => summary.standard += 1,
        Tier::Batch => summary.batch += 1,
        Tier::Datastore => summary.datastore += 1,
    }
    match kind {
        Kind::Web => summary.web += 1,
        Kind::Worker => summary.worker += 1,
        Kind::Cron => summary.cron += 1,
    }
    out
}

/// An in-cluster Redis or Postgres, like the fixture's `cache`.
fn datastore(out: &mut String, hash: u64) {
    if pick(hash, 18, 2) == 0 {
        out.push_str(
            r#"    image "docker.io/library/redis:7.4.1"
    port 6379 name=redis
    probe liveness tcp port=redis
    probe readiness exec "redis-cli" "ping"
    args "--save" "" "--appendonly" "no"
    security run-as-user=999 run-as-group=999 fs-group=999 reason="the official image runs as redis (999)"
    service-account none
    volume data empty-dir mount="/data"
"#,
        );
    } else {
        out.push_str(
            r#"    image "docker.io/library/postgres:17.2"
    port 5432 name=postgres
    probe liveness tcp port=postgres
    probe readiness exec "pg_isready" "-U" "postgres"
    security run-as-user=999 run-as-group=999 fs-group=999 reason="the official image runs as postgres (999)"
    service-account none
    volume data empty-dir mount="/var/lib/postgresql/data" size-limit="4Gi"
"#,
        );
    }
}

fn web(out: &mut String, hash: u64, tier: Tier) {
    if pick(hash, 18, 4) == 0 {
        // gRPC, like the fixture's order-service.
        out.push_str("    port 50051 name=grpc service-port=80\n");
        out.push_str("    probe liveness grpc delay=\"10s\"\n    probe readiness grpc\n");
        if pick(hash, 20, 2) == 0 {
            out.push_str("    probe startup grpc period=\"5s\" failures=30\n");
        }
    } else {
        let port = [8080, 8000, 3000, 9000][pick(hash, 20, 4)];
        let _ = writeln!(out, "    port {port} service-port=80");
        out.push_str("    probes liveness=\"/healthz\" readiness=\"/readyz\"\n");
        if pick(hash, 22, 3) == 0 {
            out.push_str("    metrics port=9090 path=\"/metrics\"\n");
        }
    }
    if tier != Tier::Critical || pick(hash, 24, 2) == 0 {
        let cpu = 100 + 50 * pick(hash, 50, 8);
        let memory = 128 * (1 + pick(hash, 53, 4));
        let _ = writeln!(out, "    resources cpu=\"{cpu}m\" memory=\"{memory}Mi\"");
    }
    if pick(hash, 56, 5) == 0 {
        out.push_str("    canary header=\"x-canary\"\n");
    }
}

fn worker(out: &mut String, hash: u64, tier: Tier, index: usize) {
    let _ = writeln!(out, "    command \"/app/worker\"");
    let _ = writeln!(out, "    args \"--queue\" \"queue-{index}\" \"--concurrency\" \"{}\"", 1 + pick(hash, 18, 16));
    if pick(hash, 20, 2) == 0 {
        out.push_str("    metrics port=9102\n");
    }
    out.push_str("    probe liveness exec \"/app/worker\" \"health\" timeout=\"5s\"\n");
    if tier == Tier::Standard && pick(hash, 22, 2) == 0 {
        out.push_str("    replicas min=1 max=6\n    autoscaling cpu=60 memory=80\n");
    }
    if pick(hash, 24, 3) == 0 {
        out.push_str("    toleration workload operator=Equal value=background effect=NoSchedule\n");
    }
}

fn cron(out: &mut String, hash: u64, index: usize) {
    let _ = writeln!(out, "    schedule \"{} {} * * *\" concurrency=forbid", pick(hash, 18, 60), pick(hash, 24, 24));
    let _ = writeln!(out, "    command \"python\" \"-m\" \"jobs.task_{index}\"");
    let memory = [512, 1024, 2048][pick(hash, 30, 3)];
    let _ = writeln!(out, "    resources cpu=\"250m\" memory=\"{memory}Mi\"");
    if pick(hash, 32, 2) == 0 {
        out.push_str("    volume scratch empty-dir mount=\"/var/cache/job\" size-limit=\"2Gi\"\n");
    }
}

/// Writes the repository into `root`, an empty folder.
pub(crate) fn generate(root: &Path, services: usize) -> std::io::Result<Summary> {
    let mut summary = Summary::default();
    std::fs::write(root.join("platform.kdl"), platform(services))?;
    for index in 0..services {
        let folder = root.join("services").join(name(index));
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join("platc.kdl"), spec(index, &mut summary))?;
    }
    Ok(summary)
}
