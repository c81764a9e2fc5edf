//! `missing-pdb`: a service with more than one replica and no disruption
//! budget (`pdb none`), or a budget that lets every replica go at once
//! (`max-unavailable` at least the replicas, `min-available=0`). A node
//! drain then takes the whole service down.

use crate::model::{Budget, IntOrPercent, Kind};
use crate::validate::{Check, Finding};

pub(in crate::validate) fn check(cx: &Check<'_>) -> Vec<Finding> {
    let service = cx.service;
    let count = service.replicas.min();
    if service.kind == Kind::Cron || count < 2 {
        return Vec::new();
    }
    let problem = match &service.pdb {
        None => "has no disruption budget",
        Some(Budget::MaxUnavailable(IntOrPercent::Int(max))) if *max >= count => {
            "has a disruption budget that lets every replica go"
        }
        Some(Budget::MaxUnavailable(IntOrPercent::Percent(percent))) if percent == "100%" => {
            "has a disruption budget that lets every replica go"
        }
        Some(Budget::MinAvailable(IntOrPercent::Int(0))) => "has a disruption budget that keeps no replica",
        Some(Budget::MinAvailable(IntOrPercent::Percent(percent))) if percent == "0%" => {
            "has a disruption budget that keeps no replica"
        }
        Some(_) => return Vec::new(),
    };
    let span = service.origin("pdb").unwrap_or_else(|| cx.origin("replicas"));
    vec![Finding::new(
        span,
        format!("`{}` runs {count} replicas but {problem}", service.name),
        "no budget",
        "remove `pdb none` (the platform's default keeps all but one replica through drains), or write `pdb max-unavailable=1`",
    )]
}

#[cfg(test)]
mod tests {
    use crate::validate::tests::table;

    #[test]
    fn missing_pdb() {
        let deny = "policy missing-pdb deny\n";
        table(
            "policy::missing-pdb",
            deny,
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; replicas 1; pdb none }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; replicas 3; pdb min-available=2 }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; tier batch }"#,
            ],
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; pdb none }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; replicas 3; pdb max-unavailable=3 }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; replicas 3; pdb max-unavailable="100%" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; replicas 3; pdb min-available=0 }"#,
            ],
        );
    }
}
