//! `latest-tag`: an image tagged `latest`, or with neither tag nor digest.
//! (The main image and sidecars already need a tag to resolve; this also
//! covers `latest`, which is a tag, and any image a later change lets
//! through untagged.)

use crate::resolve::image;
use crate::validate::{Check, Finding};

pub(in crate::validate) fn check(cx: &Check<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (reference, span, what) in cx.images() {
        let Ok(parsed) = image::parse(reference) else { continue };
        if parsed.digest.is_some() {
            continue;
        }
        let problem = match parsed.tag.as_deref() {
            Some("latest") => "is tagged `latest`",
            Some(_) => continue,
            None => "has no tag",
        };
        let repository = parsed.full(None);
        let repository = repository.split_once(':').map_or(repository.as_str(), |(name, _)| name);
        findings.push(Finding::new(
            span,
            format!("{what} of `{}` {problem}: `{reference}`", cx.service.name),
            "not a version",
            format!(
                "pin a version, e.g. `{repository}:1.4.2` (or a digest): `latest` moves in the registry, so what runs changes without a change in Git"
            ),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use crate::validate::tests::table;

    #[test]
    fn latest_tag() {
        table(
            "policy::latest-tag",
            "",
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/api:latest-1.0"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/api:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/api" tag="2.0.0"; port 8080 }"#,
            ],
            &[
                r#"service api { image "ghcr.io/acme/api:latest"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/api" tag="latest"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; environment production { image "ghcr.io/acme/api:latest" } }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; sidecar proxy image="envoyproxy/envoy:latest" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; init-container setup image="busybox:latest" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; canary header="x-canary" tag="latest" }"#,
            ],
        );
    }
}
