//! GitHub Actions workflows of one service: `ci.yaml` and one
//! `deploy-<environment>.yaml` per environment, in `.github/workflows/`
//! (prefixed with the service name, and filtered on its folder, when the
//! service is not at the repository root).
//!
//! `ci` runs on pushes to main and on pull requests: `test` (the language's
//! toolchain: setup, test, lint, coverage upload), `security-scan` (Trivy on
//! the folder, failing on HIGH and CRITICAL), then on main only `build-push`
//! (log in per `ci-auth`, build with Buildx, push `<repository>:<commit>` with
//! provenance) and a call of the deploy workflow of every `promotion auto`
//! environment, in promotion order. `deploy-<environment>` also runs by hand
//! (`workflow_dispatch` with the tag) behind a GitHub environment of the same
//! name: it installs platc, runs `platc set-image`, renders with `platc
//! build`, commits and pushes.
//!
//! Hardening, for actionlint and zizmor: every action pinned to a full commit
//! SHA (from `platform.actions`; the release is named in the step's name, as
//! the emitter writes no comments), `permissions: {}` at the top and the
//! least each job needs, checkouts without persisted credentials except the
//! one that pushes, `${{ }}` values reach scripts only through `env:`, a
//! pinned runner and a timeout on every job.
//!
//! Only services built here get workflows: an image in the platform's
//! `registry`, or, with no registry, on the host `ci-auth` logs in to. An
//! upstream image (Redis from Docker Hub) is deployed, not built.

use super::value::{Map, Value};

use super::{Manifest, folder_prefix};
use crate::model::{self, CiAuth};

/// A pinned runner image: `ubuntu-latest` moves under the workflows.
const RUNNER: &str = "ubuntu-24.04";

/// The branch images are built from and deploy commits go to.
const MAIN: &str = "main";

/// The platc release deploy jobs install: the one that generated them.
const PLATC_VERSION: &str = env!("CARGO_PKG_VERSION");

pub(super) fn workflows(environments: &[model::Service], platform: &model::Platform) -> Vec<Manifest> {
    let Some(service) = environments.first() else { return Vec::new() };
    let repository = image_repository(&service.image);
    if !built_here(repository, platform) {
        return Vec::new();
    }
    let names = Names::new(service);
    let deploys: Vec<Deploy<'_>> = environments
        .iter()
        .map(|environment| Deploy {
            name: &environment.environment,
            auto: platform.environments.iter().any(|known| known.name == environment.environment && known.auto_promote),
        })
        .collect();
    let mut files = vec![Manifest {
        path: names.file("ci"),
        source: service.spec_path.clone(),
        documents: vec![ci(service, repository, platform, &names, &deploys)],
    }];
    for deploy in &deploys {
        files.push(Manifest {
            path: names.deploy_file(deploy.name),
            source: service.spec_path.clone(),
            documents: vec![deploy_workflow(service, platform, deploy)],
        });
    }
    files
}

/// One environment the service deploys to.
struct Deploy<'a> {
    name: &'a str,
    /// Deployed by CI after a push to main, rather than by hand.
    auto: bool,
}

/// Where the service's workflows go and what they watch.
struct Names {
    /// `""` at the repository root, `<service>-` in a monorepo.
    prefix: String,
    /// `<folder>/`, or `""` at the root.
    folder: String,
}

impl Names {
    fn new(service: &model::Service) -> Names {
        let prefix = if service.folder.is_empty() { String::new() } else { format!("{}-", service.name) };
        Names { prefix, folder: folder_prefix(&service.folder) }
    }

    fn file(&self, name: &str) -> String {
        format!(".github/workflows/{}{name}.yaml", self.prefix)
    }

    fn deploy_file(&self, environment: &str) -> String {
        self.file(&format!("deploy-{environment}"))
    }

    /// `services/payment-service`, or `.` at the root.
    fn context(&self) -> String {
        if self.folder.is_empty() { ".".to_owned() } else { self.folder.trim_end_matches('/').to_owned() }
    }

    /// The path filter of a monorepo service: its folder and its own
    /// workflows. `None` at the root, where every change concerns it.
    fn paths(&self, deploys: &[Deploy<'_>]) -> Option<Value> {
        if self.folder.is_empty() {
            return None;
        }
        let mut paths = vec![format!("{}**", self.folder), self.file("ci")];
        paths.extend(deploys.iter().map(|deploy| self.deploy_file(deploy.name)));
        Some(json!(paths))
    }
}

fn ci(
    service: &model::Service,
    repository: &str,
    platform: &model::Platform,
    names: &Names,
    deploys: &[Deploy<'_>],
) -> Value {
    let paths = names.paths(deploys);
    let mut jobs = Map::new();
    jobs.insert("test", test_job(service, platform, names));
    jobs.insert("security-scan", security_scan_job(platform, names));
    jobs.insert("build-push", build_push_job(service, repository, platform, names));
    let mut previous = "build-push".to_owned();
    for deploy in deploys.iter().filter(|deploy| deploy.auto) {
        let id = format!("deploy-{}", deploy.name);
        jobs.insert(
            id.clone(),
            json!({
                "name": format!("deploy to {}", deploy.name),
                "needs": [previous],
                "permissions": { "contents": "write" },
                "uses": format!("$/{}", names.deploy_file(deploy.name)),
                "with": { "tag": "${{ github.sha }}" },
            }),
        );
        previous = id;
    }
    json!({
        "name": format!("{} CI", service.name),
        "on": {
            "push": { "branches": [MAIN], "paths": paths },
            "pull_request": { "paths": paths },
        },
        "permissions": {},
        "concurrency": {
            "group": format!("{}-ci-${{{{ github.ref }}}}", service.name),
            "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
        },
        "jobs": jobs,
    })
}

/// A job's head: display name, what it waits for and when it runs, runner,
/// timeout, permissions.
fn job(name: &str, needs: &[&str], condition: Option<&str>, timeout_minutes: u32, permissions: Value) -> Map {
    let mut job = Map::new();
    job.insert("name", json!(name));
    if !needs.is_empty() {
        job.insert("needs", json!(needs));
    }
    if let Some(condition) = condition {
        job.insert("if", json!(condition));
    }
    job.insert("runs-on", json!(RUNNER));
    job.insert("timeout-minutes", json!(timeout_minutes));
    job.insert("permissions", permissions);
    job
}

fn test_job(service: &model::Service, platform: &model::Platform, names: &Names) -> Value {
    let mut job = job("test", &[], None, 30, json!({ "contents": "read" }));
    if !names.folder.is_empty() {
        job.insert("defaults", json!({ "run": { "working-directory": names.context() } }));
    }
    let mut steps: Vec<Value> = checkout(platform, false, None).into_iter().collect();
    match toolchain(service, platform) {
        Some(toolchain) => {
            if let Some(setup) = toolchain.setup.as_deref().and_then(|name| platform.actions.get(name)) {
                let mut with = Map::new();
                if let (Some(input), Some(version)) = (&toolchain.version_input, &toolchain.version) {
                    with.insert(input.clone(), json!(version));
                }
                if setup.uses == "actions/setup-java" {
                    with.insert("distribution", json!("temurin"));
                }
                let language = service.language.as_deref().unwrap_or("the toolchain");
                steps.push(action_step(setup, &format!("Set up {language}"), Some(Value::Object(with))));
            }
            steps.push(json!({ "name": "Test", "run": toolchain.test }));
            if let Some(lint) = &toolchain.lint {
                steps.push(json!({ "name": "Lint", "run": lint }));
            }
            if let (Some(coverage), Some(upload)) = (&toolchain.coverage, platform.actions.get("upload-artifact")) {
                steps.push(action_step(
                    upload,
                    "Upload coverage",
                    Some(json!({
                        "name": format!("{}-coverage", service.name),
                        "path": format!("{}{coverage}", names.folder),
                        "if-no-files-found": "error",
                    })),
                ));
            }
        }
        None => steps.push(json!({ "name": "Test", "run": "make test" })),
    }
    job.insert("steps", Value::Array(steps));
    Value::Object(job)
}

/// The service's language's toolchain, when it has one whose setup action
/// the platform pins.
fn toolchain<'a>(service: &model::Service, platform: &'a model::Platform) -> Option<&'a model::Toolchain> {
    let toolchain = platform.toolchains.get(service.language.as_deref()?)?;
    toolchain.setup.as_ref().is_none_or(|setup| platform.actions.contains_key(setup)).then_some(toolchain)
}

fn security_scan_job(platform: &model::Platform, names: &Names) -> Value {
    let mut job = job("security scan", &[], None, 15, json!({ "contents": "read" }));
    let steps = [
        checkout(platform, false, None),
        platform.actions.get("trivy").map(|trivy| {
            action_step(
                trivy,
                "Scan for vulnerabilities",
                Some(json!({
                    "scan-type": "fs",
                    "scan-ref": names.context(),
                    "severity": "HIGH,CRITICAL",
                    "exit-code": "1",
                })),
            )
        }),
    ];
    job.insert("steps", Value::Array(steps.into_iter().flatten().collect()));
    Value::Object(job)
}

fn build_push_job(service: &model::Service, repository: &str, platform: &model::Platform, names: &Names) -> Value {
    let permissions = match platform.ci_auth {
        CiAuth::Ghcr => json!({ "contents": "read", "packages": "write" }),
        CiAuth::Aws { .. } | CiAuth::Gcp { .. } => json!({ "contents": "read", "id-token": "write" }),
    };
    let on_main = format!("github.ref == 'refs/heads/{MAIN}' && github.event_name == 'push'");
    let mut job = job("build and push", &["test", "security-scan"], Some(&on_main), 30, permissions);

    let action = |name: &str| platform.actions.get(name);
    let host = registry_host(repository);
    let mut steps = vec![checkout(platform, false, None)];
    match &platform.ci_auth {
        CiAuth::Ghcr => steps.push(action("docker-login").map(|login| {
            action_step(
                login,
                "Log in to the registry",
                Some(json!({
                    "registry": host,
                    "username": "${{ github.actor }}",
                    "password": "${{ secrets.GITHUB_TOKEN }}",
                })),
            )
        })),
        CiAuth::Aws { role, region } => {
            steps.push(action("aws-credentials").map(|credentials| {
                action_step(
                    credentials,
                    "Assume the AWS role",
                    Some(json!({ "role-to-assume": role, "aws-region": region })),
                )
            }));
            steps.push(action("ecr-login").map(|login| action_step(login, "Log in to Amazon ECR", None)));
        }
        CiAuth::Gcp { provider, service_account } => {
            steps.push(action("gcp-auth").map(|auth| {
                let mut step = action_step(
                    auth,
                    "Authenticate to Google Cloud",
                    Some(json!({
                        "workload_identity_provider": provider,
                        "service_account": service_account,
                        "token_format": "access_token",
                    })),
                );
                if let Value::Object(map) = &mut step {
                    map.insert_at(1, "id", json!("auth"));
                }
                step
            }));
            steps.push(action("docker-login").map(|login| {
                action_step(
                    login,
                    "Log in to the registry",
                    Some(json!({
                        "registry": host,
                        "username": "oauth2accesstoken",
                        "password": "${{ steps.auth.outputs.access_token }}",
                    })),
                )
            }));
        }
    }
    steps.push(action("setup-buildx").map(|buildx| action_step(buildx, "Set up Buildx", None)));
    steps.push(action("build-push").map(|build| {
        action_step(
            build,
            "Build and push",
            Some(json!({
                "context": names.context(),
                "push": true,
                "tags": format!("{repository}:${{{{ github.sha }}}}"),
                "cache-from": format!("type=gha,scope={}", service.name),
                "cache-to": format!("type=gha,mode=max,scope={}", service.name),
                "provenance": "mode=max",
            })),
        )
    }));
    job.insert("steps", Value::Array(steps.into_iter().flatten().collect()));
    Value::Object(job)
}

fn deploy_workflow(service: &model::Service, platform: &model::Platform, deploy: &Deploy<'_>) -> Value {
    let environment = deploy.name;
    let tag_input = json!({
        "tag": {
            "description": "The image tag to deploy: the commit CI built it from",
            "required": true,
            "type": "string",
        },
    });
    let mut on = Map::new();
    if deploy.auto {
        on.insert("workflow_call", json!({ "inputs": tag_input }));
    }
    on.insert("workflow_dispatch", json!({ "inputs": tag_input }));

    let name = &service.name;
    let publish = format!(
        "git config user.name \"github-actions[bot]\"\n\
         git config user.email \"41898282+github-actions[bot]@users.noreply.github.com\"\n\
         git add --all\n\
         if git diff --cached --quiet; then\n\
         \x20 echo \"{name} already runs $TAG in {environment}\"\n\
         \x20 exit 0\n\
         fi\n\
         git commit --quiet --message \"Deploy {name} $TAG to {environment}\"\n\
         for attempt in 1 2 3; do\n\
         \x20 if git push origin HEAD:{MAIN}; then\n\
         \x20   exit 0\n\
         \x20 fi\n\
         \x20 echo \"push $attempt failed; rebasing on {MAIN}\"\n\
         \x20 git pull --rebase origin {MAIN}\n\
         done\n\
         exit 1\n"
    );
    let steps: Vec<Value> = [
        checkout(platform, true, Some(MAIN)),
        Some(json!({
            "name": format!("Install platc {PLATC_VERSION}"),
            "run": format!("cargo install platc --locked --version {PLATC_VERSION}"),
        })),
        Some(json!({
            "name": "Set the image tag",
            "env": { "TAG": "${{ inputs.tag }}" },
            "run": format!("platc set-image {name} \"$TAG\" --env {environment}"),
        })),
        Some(json!({ "name": "Render", "run": "platc build" })),
        Some(json!({
            "name": "Commit and push",
            "env": { "TAG": "${{ inputs.tag }}" },
            "run": publish,
        })),
    ]
    .into_iter()
    .flatten()
    .collect();
    json!({
        "name": format!("{name} deploy to {environment}"),
        "on": on,
        "permissions": {},
        "jobs": {
            "deploy": {
                "name": format!("deploy to {environment}"),
                "if": format!("github.ref == 'refs/heads/{MAIN}'"),
                "runs-on": RUNNER,
                "timeout-minutes": 30,
                "environment": environment,
                "concurrency": {
                    "group": format!("{name}-deploy-{environment}"),
                    "cancel-in-progress": false,
                },
                "permissions": { "contents": "write" },
                "steps": steps,
            },
        },
    })
}

/// `actions/checkout`: without persisted credentials unless the job pushes.
fn checkout(platform: &model::Platform, push: bool, reference: Option<&str>) -> Option<Value> {
    let checkout = platform.actions.get("checkout")?;
    let with = json!({ "ref": reference, "persist-credentials": push });
    Some(action_step(checkout, "Check out", Some(with)))
}

/// A step that runs a pinned action; its name carries the release, which a
/// comment would carry in a hand-written workflow.
fn action_step(action: &model::Action, purpose: &str, with: Option<Value>) -> Value {
    let with = with.filter(|with| with.as_object().is_none_or(|map| map.values().any(|value| !value.is_null())));
    json!({
        "name": format!("{purpose} ({} {})", action.uses, action.version),
        "uses": format!("{}@{}", action.uses, action.sha),
        "with": with,
    })
}

/// The image reference without its tag or digest.
fn image_repository(image: &str) -> &str {
    let without_digest = image.split_once('@').map_or(image, |(name, _)| name);
    let last_slash = without_digest.rfind('/').map_or(0, |slash| slash + 1);
    match without_digest[last_slash..].find(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    }
}

/// The registry host of a repository (`docker.io` when it names none).
fn registry_host(repository: &str) -> &str {
    match repository.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => first,
        _ => "docker.io",
    }
}

/// Whether CI builds and pushes this image: it is in the platform's
/// registry, or, with no registry, on the host `ci-auth` logs in to.
fn built_here(repository: &str, platform: &model::Platform) -> bool {
    if let Some(registry) = &platform.registry {
        let registry = registry.trim_end_matches('/');
        return repository.strip_prefix(registry).is_some_and(|rest| rest.starts_with('/'));
    }
    let host = registry_host(repository);
    match platform.ci_auth {
        CiAuth::Ghcr => host == "ghcr.io",
        CiAuth::Aws { .. } => host.contains(".dkr.ecr.") && host.contains(".amazonaws.com"),
        CiAuth::Gcp { .. } => host.ends_with("-docker.pkg.dev") || host == "gcr.io" || host.ends_with(".gcr.io"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated files of a repository with this platform and service.
    fn build(platform: &str, spec: &str) -> crate::emit::OutputTree {
        let compilation =
            crate::compile(&crate::Workspace::from_files([("platform.kdl", platform), ("platc.kdl", spec)]));
        assert!(!compilation.diagnostics.has_errors(), "{:?}", compilation.diagnostics);
        compilation.files
    }

    fn file<'a>(files: &'a crate::emit::OutputTree, path: &str) -> &'a str {
        files.get(path).unwrap_or_else(|| panic!("no {path} in {:?}", files.paths().collect::<Vec<_>>()))
    }

    #[test]
    fn gcp_logs_in_to_artifact_registry_with_a_federated_access_token() {
        let files = build(
            r#"registry "europe-docker.pkg.dev/acme/apps"
               ci-auth gcp provider="projects/1/locations/global/workloadIdentityPools/github/providers/github" service-account="ci@acme.iam.gserviceaccount.com""#,
            r#"service shop { language java; image "shop:1.0.0"; port 8080 }"#,
        );
        let ci = file(&files, ".github/workflows/ci.yaml");
        for expected in [
            "      id-token: write\n",
            "      - name: Authenticate to Google Cloud (google-github-actions/auth v2.1.10)\n        id: auth\n",
            "          token_format: access_token\n",
            "          registry: europe-docker.pkg.dev\n          username: oauth2accesstoken\n",
            "          password: \"${{ steps.auth.outputs.access_token }}\"\n",
            "          java-version: \"21\"\n          distribution: temurin\n",
            "          tags: \"europe-docker.pkg.dev/acme/apps/shop:${{ github.sha }}\"\n",
        ] {
            assert!(ci.contains(expected), "{expected:?} not in\n{ci}");
        }
        assert!(!ci.contains("packages: write"));
    }

    #[test]
    fn auto_environments_deploy_in_promotion_order_and_manual_ones_by_hand() {
        let files = build(
            "environments dev staging production\nenvironment dev { promotion auto; }\n",
            r#"service shop { language elixir; image "ghcr.io/acme/shop:1.0.0"; port 8080 }"#,
        );
        let ci = file(&files, ".github/workflows/ci.yaml");
        assert!(ci.contains("  deploy-dev:\n    name: deploy to dev\n    needs:\n      - build-push\n"), "{ci}");
        assert!(ci.contains("  deploy-staging:\n    name: deploy to staging\n    needs:\n      - deploy-dev\n"));
        assert!(!ci.contains("deploy-production"));
        assert!(ci.contains("      - name: Test\n        run: make test\n"), "no toolchain for elixir: {ci}");
        assert!(!ci.contains("Set up elixir"));
        let production = file(&files, ".github/workflows/deploy-production.yaml");
        assert!(!production.contains("workflow_call"));
        assert!(production.contains("    environment: production\n"));
        assert!(file(&files, ".github/workflows/deploy-dev.yaml").contains("  workflow_call:\n"));
    }

    #[test]
    fn an_upstream_image_gets_no_workflows() {
        let files = build(
            r#"registry "ghcr.io/acme""#,
            r#"service cache { image "docker.io/library/redis:7.4.1"; port 6379 }"#,
        );
        assert_eq!(files.paths().filter(|path| path.starts_with(".github/")).count(), 0);
    }

    #[test]
    fn the_repository_is_the_reference_without_tag_or_digest() {
        assert_eq!(image_repository("ghcr.io/acme/hello:1.4.2"), "ghcr.io/acme/hello");
        assert_eq!(image_repository("localhost:5000/hello:1"), "localhost:5000/hello");
        assert_eq!(image_repository("localhost:5000/hello"), "localhost:5000/hello");
        assert_eq!(image_repository("ghcr.io/acme/hello@sha256:abc"), "ghcr.io/acme/hello");
        assert_eq!(image_repository("ghcr.io/acme/hello:1@sha256:abc"), "ghcr.io/acme/hello");
    }

    #[test]
    fn images_are_built_in_the_platform_registry_or_where_ci_logs_in() {
        let mut platform = model::Platform::default();
        assert!(built_here("ghcr.io/acme/hello", &platform));
        assert!(!built_here("docker.io/library/redis", &platform));
        platform.ci_auth = CiAuth::Aws { role: "arn".into(), region: "us-east-1".into() };
        assert!(built_here("123456789012.dkr.ecr.us-east-1.amazonaws.com/payments", &platform));
        assert!(!built_here("ghcr.io/acme/hello", &platform));
        platform.registry = Some("ghcr.io/acme/".into());
        assert!(built_here("ghcr.io/acme/hello", &platform));
        assert!(!built_here("ghcr.io/acme-labs/hello", &platform));
        assert!(!built_here("docker.io/library/redis", &platform));
    }
}
