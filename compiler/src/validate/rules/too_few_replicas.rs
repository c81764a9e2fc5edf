//! `too-few-replicas`: fewer replicas than the `min=` of the `policy
//! too-few-replicas` line that applies. The minimum is explicit, not derived
//! from the tier's `replicas`: a tier can default to 3 and still accept 2
//! (no `min`), or demand 3 whatever a service writes (`min=3`). The stdlib's
//! `critical` tier demands 3, and 2 in staging. Autoscaled services count
//! their minimum; cron jobs have no replicas.

use crate::model::Kind;
use crate::validate::{Check, Finding};

pub(in crate::validate) fn check(cx: &Check<'_>) -> Vec<Finding> {
    let Some((min, min_span)) = cx.min else { return Vec::new() };
    let service = cx.service;
    let count = service.replicas.min();
    if service.kind == Kind::Cron || count >= min {
        return Vec::new();
    }
    let noun = if count == 1 { "replica" } else { "replicas" };
    vec![
        Finding::new(
            cx.origin("replicas"),
            format!(
                "`{}` runs {count} {noun}, fewer than the {min} that tier `{}` requires",
                service.name, service.tier
            ),
            format!("{count} {noun}"),
            format!("run at least {min}: `replicas {min}` or `replicas min={min} max=…`"),
        )
        .also(min_span, format!("at least {min}")),
    ]
}

#[cfg(test)]
mod tests {
    use crate::validate::tests::table;

    #[test]
    fn too_few_replicas() {
        table(
            "policy::too-few-replicas",
            "",
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; tier critical }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; tier critical; replicas 5 }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; tier standard; replicas 1 }"#,
                r#"service job { image "ghcr.io/acme/job:1.0.0"; kind cron; schedule "0 * * * *"; tier critical; replicas 1 }"#,
            ],
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; tier critical; replicas 1 }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; tier critical; replicas min=2 max=8 }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; tier critical; environment staging { replicas 1 } }"#,
            ],
        );
        // A platform sets its own minimum for a tier.
        table(
            "policy::too-few-replicas",
            "tier standard {\n    policy too-few-replicas deny min=2\n}\n",
            &[r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; environment staging { replicas 2 } }"#],
            &[r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#],
        );
    }
}
