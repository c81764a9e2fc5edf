//! `missing-description`: a service without a `description`.

use crate::validate::{Check, Finding};

pub(in crate::validate) fn check(cx: &Check<'_>) -> Vec<Finding> {
    if cx.service.description.as_deref().is_some_and(|text| !text.trim().is_empty()) {
        return Vec::new();
    }
    vec![Finding::new(
        cx.origin("description"),
        format!("`{}` has no description", cx.service.name),
        "what does it do?",
        "add `description \"…\"`: one sentence for the catalog and the Deployment's annotation",
    )]
}

#[cfg(test)]
mod tests {
    use crate::validate::tests::table;

    #[test]
    fn missing_description() {
        table(
            "policy::missing-description",
            "",
            &[r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; description "Serves the API" }"#],
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; description " " }"#,
            ],
        );
    }
}
