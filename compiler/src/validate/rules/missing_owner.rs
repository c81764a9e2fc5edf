//! `missing-owner`: a service without an `owner`.

use crate::validate::{Check, Finding};

pub(in crate::validate) fn check(cx: &Check<'_>) -> Vec<Finding> {
    if cx.service.owner.is_some() {
        return Vec::new();
    }
    vec![Finding::new(
        cx.service.name_span,
        format!("`{}` has no owner", cx.service.name),
        "whose is it?",
        "add `owner TEAM`: the catalog, alerts and the namespace's labels name it",
    )]
}

#[cfg(test)]
mod tests {
    use crate::validate::tests::table;

    #[test]
    fn missing_owner() {
        table(
            "policy::missing-owner",
            "",
            &[r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; owner payments }"#],
            &[r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#],
        );
    }
}
