//! `registry-not-allowed`: an image from a registry that `allowed-registries`
//! does not list. A prefix allows itself and everything below it, by path
//! component: `ghcr.io/acme` allows `ghcr.io/acme/api`, not
//! `ghcr.io/acme-evil/api`. Docker Hub names are read in full:
//! `redis:7` is `docker.io/library/redis:7`.

use crate::resolve::image;
use crate::validate::{Check, Finding};

pub(in crate::validate) fn check(cx: &Check<'_>) -> Vec<Finding> {
    let allowed = &cx.platform.allowed_registries;
    if allowed.is_empty() {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for (reference, span, what) in cx.images() {
        let Some(name) = full_name(reference) else { continue };
        let listed = allowed.iter().any(|prefix| {
            name == *prefix || name.strip_prefix(prefix.as_str()).is_some_and(|rest| rest.starts_with('/'))
        });
        if listed {
            continue;
        }
        let registry = name.split('/').next().unwrap_or_default().to_owned();
        let listing: Vec<String> = allowed.iter().map(|prefix| format!("`{prefix}`")).collect();
        let mut finding = Finding::new(
            span,
            format!("{what} of `{}` comes from `{registry}`, which the platform does not allow", cx.service.name),
            format!("`{name}`"),
            format!(
                "use an image from {} (mirror it there), or add its registry to `allowed-registries` in platform.kdl",
                listing.join(", ")
            ),
        );
        if let Some(line) = cx.platform.allowed_registries_span {
            finding = finding.also(line, "the allowed registries");
        }
        findings.push(finding);
    }
    findings
}

/// `registry/repository`, without tag or digest, with Docker Hub's implied parts.
fn full_name(reference: &str) -> Option<String> {
    let parsed = image::parse(reference).ok()?;
    let registry = match parsed.registry.as_deref() {
        None | Some("index.docker.io" | "registry-1.docker.io") => "docker.io",
        Some(registry) => registry,
    };
    let repository = if registry == "docker.io" && !parsed.repository.contains('/') {
        format!("library/{}", parsed.repository)
    } else {
        parsed.repository
    };
    Some(format!("{registry}/{repository}"))
}

#[cfg(test)]
mod tests {
    use crate::validate::tests::table;

    const PLATFORM: &str = "allowed-registries \"ghcr.io/acme\" \"docker.io/library\"\n";

    #[test]
    fn registry_not_allowed() {
        table(
            "policy::registry-not-allowed",
            PLATFORM,
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/team/api:1.0.0"; port 8080 }"#,
                r#"service cache { image "redis:7.4.1"; port 6379 }"#,
                r#"service cache { image "docker.io/library/redis:7.4.1"; port 6379 }"#,
            ],
            &[
                r#"service api { image "ghcr.io/acme-evil/api:1.0.0"; port 8080 }"#,
                r#"service api { image "quay.io/acme/api:1.0.0"; port 8080 }"#,
                r#"service api { image "bitnami/redis:7.4.1"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; sidecar proxy image="envoyproxy/envoy:v1.31.0" }"#,
            ],
        );
        // Without `allowed-registries`, any registry.
        table(
            "policy::registry-not-allowed",
            "",
            &[r#"service api { image "quay.io/acme/api:1.0.0"; port 8080 }"#],
            &[],
        );
    }
}
