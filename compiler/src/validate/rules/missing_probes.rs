//! `missing-probes`: a web service without a readiness probe (it gets
//! traffic before it is ready, and during a hang) or a liveness probe (a
//! stuck process is never restarted). Workers and cron jobs serve no
//! traffic and are not checked.

use crate::model::{Kind, ProbeKind};
use crate::validate::{Check, Finding};

pub(in crate::validate) fn check(cx: &Check<'_>) -> Vec<Finding> {
    let service = cx.service;
    if service.kind != Kind::Web {
        return Vec::new();
    }
    let has = |kind: ProbeKind| service.probes.iter().any(|probe| probe.kind == kind);
    let missing: Vec<&str> = [(ProbeKind::Readiness, "readiness"), (ProbeKind::Liveness, "liveness")]
        .into_iter()
        .filter(|(kind, _)| !has(*kind))
        .map(|(_, name)| name)
        .collect();
    let what = match missing.as_slice() {
        [] => return Vec::new(),
        [one] => format!("a {one} probe"),
        _ => "readiness and liveness probes".to_owned(),
    };
    vec![Finding::new(
        service.name_span,
        format!("web service `{}` has no {}", service.name, what.trim_start_matches("a ")),
        format!("needs {what}"),
        "add `probes liveness=\"/healthz\" readiness=\"/readyz\"` (HTTP), or `probe readiness grpc` / `probe liveness tcp`",
    )]
}

#[cfg(test)]
mod tests {
    use crate::validate::tests::table;

    #[test]
    fn missing_probes() {
        table(
            "policy::missing-probes",
            "",
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; probes liveness="/healthz" readiness="/readyz" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 50051 name=grpc; probe readiness grpc; probe liveness tcp port=grpc }"#,
                r#"service worker { image "ghcr.io/acme/worker:1.0.0"; kind worker }"#,
                r#"service job { image "ghcr.io/acme/job:1.0.0"; kind cron; schedule "0 * * * *" }"#,
            ],
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; probes liveness="/healthz" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; probes readiness="/readyz" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; probe startup http="/healthz" }"#,
            ],
        );
    }
}
