//! `unknown-owner`: an `owner` that is not a `team` the platform declares.
//! Only when the platform declares teams: a platform without any has not
//! opted into a team list.

use crate::diagnostic::did_you_mean;
use crate::validate::{Check, Finding};

pub(in crate::validate) fn check(cx: &Check<'_>) -> Vec<Finding> {
    let teams = &cx.platform.teams;
    let Some(owner) = &cx.service.owner else { return Vec::new() };
    if teams.is_empty() || teams.contains_key(owner) {
        return Vec::new();
    }
    let names: Vec<&str> = teams.keys().map(String::as_str).collect();
    let help = did_you_mean(owner, names.iter().copied()).unwrap_or_else(|| {
        let listing: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
        format!("the teams are {}; declare `team {owner}` in platform.kdl if it is new", listing.join(", "))
    });
    let mut finding = Finding::new(
        cx.origin("owner"),
        format!("`{}` is owned by `{owner}`, which is not a team of the platform", cx.service.name),
        "unknown team",
        help,
    );
    if let Some(span) = teams.values().rev().find_map(|team| team.span) {
        finding = finding.also(span, "teams are declared here");
    }
    vec![finding]
}

#[cfg(test)]
mod tests {
    use crate::validate::tests::table;

    #[test]
    fn unknown_owner() {
        table(
            "policy::unknown-owner",
            "team payments\nteam orders\n",
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; owner payments }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#,
            ],
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; owner payment }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; owner growth }"#,
            ],
        );
        // Without declared teams, any owner.
        table(
            "policy::unknown-owner",
            "",
            &[r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; owner anyone }"#],
            &[],
        );
    }
}
